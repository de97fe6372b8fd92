//! Signed rows (SPEC §5.4): every key row and user row carries an Ed25519
//! signature, by a key pair derived from the master key and the store ID,
//! over a canonical encoding of its policy fields and its row version. Who
//! can write keys.db but lacks the master key cannot mint a row a verifier
//! with the store's public key (its trust key) accepts.
//!
//! The signed message is built from the stored column values themselves
//! (type-tagged and length-prefixed), so the writer and every reader agree
//! on it byte for byte, and changing any policy column (`enabled`, `rules`,
//! `tenant`, a hash…) breaks the signature.

use std::collections::HashSet;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier as _, VerifyingKey};
use rusqlite::types::ValueRef;
use rusqlite::{params, OptionalExtension};

use super::db::{Conn, Row};
use sha2::{Digest, Sha256};

use super::{meta_get, Store, Tx};
use crate::crypto::seal::{create_private_dir, MasterKey};
use crate::error::{Error, Result};

/// The policy columns of a key row, in the order they are signed: those
/// of 0.2 up to the row version, then the columns added since (the rate
/// limit), each signed only when it is not NULL, so that a row signed
/// before it existed keeps its signature, and setting or clearing it
/// breaks one.
pub(crate) const KEY_SIGNED: &str = "id, tenant, org, type, enabled, expires_at, rules, origins, \
     ips, user_name, value_hash, prev_hash, prev_until, row_version, rate_limit";
/// How many columns `KEY_SIGNED` has.
pub(crate) const KEY_SIGNED_COUNT: usize = 15;
/// How many of them, at its end, are signed only when not NULL.
const KEY_SIGNED_OPTIONAL: usize = 1;
/// The policy columns of a user row (name, tenant, role, enabled, privileges).
pub(crate) const USER_SIGNED: &str = "name, tenant, role, enabled, privileges, row_version";
pub(crate) const USER_SIGNED_COUNT: usize = 6;

const KEY_DOMAIN: &[u8] = b"keyadm key row v1\0";
const USER_DOMAIN: &[u8] = b"keyadm user row v1\0";

/// The meta row that says the 0.1 rows (unsigned) have been signed: from
/// then on, an unsigned row is a forged one, never signed on unlock.
const ROWS_SIGNED: &str = "rows_signed";
const STORE_ID: &str = "store_id";

/// What a verifier trusts: the public half of a store's row-signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustKey {
    pub store_id: String,
    key: VerifyingKey,
}

/// A row whose signature is missing or wrong (`audit verify` names them).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ForgedRow {
    /// `key` or `user`.
    pub table: &'static str,
    /// A key's ID, or a user's name.
    pub id: String,
}

/// The signed messages a verifier has already checked (a digest of message
/// and signature): a reload checks only rows that changed.
#[derive(Debug, Default)]
pub struct SignatureCache(HashSet<[u8; 32]>);

const TRUST_PREFIX: &str = "keyadm-trust-v1 ed25519";

impl TrustKey {
    /// The text of a `.pub` file: `keyadm-trust-v1 ed25519 <store-id> <base64>`.
    pub fn to_text(&self) -> String {
        format!(
            "{TRUST_PREFIX} {} {}\n",
            self.store_id,
            B64.encode(self.key.as_bytes())
        )
    }

    pub fn parse(text: &str, from: &str) -> Result<TrustKey> {
        let bad = || {
            Error::environment(format!("the trust key {from} is not a keyadm trust key"))
                .hint("export it again with: keyadm trust export > FILE")
        };
        let rest = text.trim().strip_prefix(TRUST_PREFIX).ok_or_else(bad)?;
        let mut parts = rest.split_whitespace();
        let (Some(id), Some(key), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let bytes: [u8; 32] = B64
            .decode(key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(bad)?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| bad())?;
        Ok(TrustKey {
            store_id: id.to_string(),
            key,
        })
    }

    /// Reads a trust key file, with the checks of planted files: it must
    /// be the user's own (or root's) and writable by nobody else.
    pub fn read(path: &Path) -> Result<TrustKey> {
        let shown = path.display();
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::environment(format!("cannot read the trust key {shown}: {e}"))
                .hint("export it with: keyadm trust export > FILE (as the store's owner)")
        })?;
        let me = crate::identity::OsAccount::current().uid;
        if let Some(d) =
            crate::files::trust_key_trust(path, crate::files::Facts::of(&meta), me, meta.is_file())
        {
            return Err(
                Error::environment(format!("{}; keyadm does not use it", d.what)).hint(d.fix),
            );
        }
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::environment(format!("cannot read the trust key {shown}: {e}"))
                .hint("check its permissions")
        })?;
        TrustKey::parse(&text, &shown.to_string())
    }

    fn verifies(&self, message: &[u8], sig: Option<&[u8]>) -> bool {
        let Some(sig) = sig.and_then(|s| Signature::from_slice(s).ok()) else {
            return false;
        };
        self.key.verify(message, &sig).is_ok()
    }

    /// `verifies`, remembering good signatures in `cache`.
    fn verifies_cached(
        &self,
        message: &[u8],
        sig: Option<&[u8]>,
        cache: &mut SignatureCache,
    ) -> bool {
        let Some(s) = sig else { return false };
        let digest: [u8; 32] = Sha256::new()
            .chain_update((message.len() as u64).to_be_bytes())
            .chain_update(message)
            .chain_update(s)
            .finalize()
            .into();
        if cache.0.contains(&digest) {
            return true;
        }
        let ok = self.verifies(message, sig);
        if ok {
            cache.0.insert(digest);
        }
        ok
    }
}

/// Where a verifier finds its trust key: an explicit file (`--trust-key`,
/// else `KEYADM_TRUST_KEY`), else `<dir>/<store-id>.pub`; `require` fails
/// closed when there is none.
#[derive(Debug, Clone, Default)]
pub struct TrustChoice {
    pub file: Option<PathBuf>,
    pub dir: Option<PathBuf>,
    pub require: bool,
}

impl TrustChoice {
    /// The trust key for the store `store_id` (`None`: work unsigned, as in 0.1).
    pub fn resolve(&self, store_id: Option<&str>) -> Result<Option<TrustKey>> {
        let found = match (&self.file, &self.dir, store_id) {
            (Some(f), _, _) => Some(TrustKey::read(f)?),
            (None, Some(dir), Some(id)) => {
                let p = trust_path(dir, id);
                if p.exists() {
                    Some(TrustKey::read(&p)?)
                } else {
                    None
                }
            }
            _ => None,
        };
        match found {
            Some(k) => {
                if let Some(id) = store_id {
                    if k.store_id != id {
                        return Err(Error::environment(format!(
                            "the trust key is for store {}, and this store is {id}",
                            k.store_id
                        ))
                        .hint("give the trust key of this store (keyadm trust export prints it)"));
                    }
                }
                Ok(Some(k))
            }
            None if self.require => Err(Error::environment(
                "no trust key for this store, and --require-trust-key was given",
            )
            .hint("pass --trust-key FILE or set KEYADM_TRUST_KEY (keyadm trust export prints it)")),
            None => Ok(None),
        }
    }
}

/// `<dir>/<store-id>.pub`.
pub fn trust_path(dir: &Path, store_id: &str) -> PathBuf {
    dir.join(format!("{store_id}.pub"))
}

/// One column value, type-tagged and length-prefixed.
fn encode(out: &mut Vec<u8>, v: ValueRef) {
    match v {
        ValueRef::Null => out.push(0),
        ValueRef::Integer(i) => {
            out.push(1);
            out.extend_from_slice(&i.to_be_bytes());
        }
        ValueRef::Real(f) => {
            out.push(2);
            out.extend_from_slice(&f.to_bits().to_be_bytes());
        }
        ValueRef::Text(t) => {
            out.push(3);
            out.extend_from_slice(&(t.len() as u64).to_be_bytes());
            out.extend_from_slice(t);
        }
        ValueRef::Blob(b) => {
            out.push(4);
            out.extend_from_slice(&(b.len() as u64).to_be_bytes());
            out.extend_from_slice(b);
        }
    }
}

/// The signed message of a row whose columns `first..first + count` are
/// the signed ones (for a key row, the last `KEY_SIGNED_OPTIONAL` of them
/// only when not NULL: a tag byte per column says which it is).
pub(crate) fn message(
    domain: &[u8],
    store_id: &str,
    r: &Row,
    first: usize,
    count: usize,
) -> rusqlite::Result<Vec<u8>> {
    let optional = if domain == KEY_DOMAIN {
        KEY_SIGNED_OPTIONAL
    } else {
        0
    };
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(domain);
    encode(&mut out, ValueRef::Text(store_id.as_bytes()));
    for i in first..first + count - optional {
        r.with_ref(i, |v| {
            encode(&mut out, v);
            Ok(())
        })?;
    }
    for (n, i) in (first + count - optional..first + count).enumerate() {
        r.with_ref(i, |v| {
            if v != ValueRef::Null {
                out.push(0x80 | n as u8);
                encode(&mut out, v);
            }
            Ok(())
        })?;
    }
    Ok(out)
}

fn signing_key(master: &MasterKey, store_id: &str) -> SigningKey {
    SigningKey::from_bytes(&master.row_signing_seed(store_id))
}

/// The store ID (`None` for a store older than 0.2 opened read-only).
pub(crate) fn store_id(conn: &Conn) -> Result<Option<String>> {
    Ok(meta_get(conn, STORE_ID)?.map(|v| String::from_utf8_lossy(&v).into_owned()))
}

/// After the migration step: a random store ID; a new store has no 0.1
/// rows to sign later.
pub(crate) fn after_migration(tx: &Conn, new_store: bool) -> rusqlite::Result<()> {
    use rand::TryRngCore;
    let mut raw = [0u8; 16];
    rand::rngs::OsRng
        .try_fill_bytes(&mut raw)
        .expect("the operating system's random number generator failed");
    let id: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    tx.execute(
        "INSERT OR IGNORE INTO meta (name, value) VALUES (?1, ?2)",
        params![STORE_ID, id.as_bytes()],
    )?;
    if new_store {
        tx.execute(
            "INSERT OR IGNORE INTO meta (name, value) VALUES (?1, x'01')",
            [ROWS_SIGNED],
        )?;
    }
    Ok(())
}

fn sign_key_in(conn: &Conn, sk: &SigningKey, store_id: &str, id: &str) -> Result<()> {
    let msg = conn
        .prepare_cached(&format!("SELECT {KEY_SIGNED} FROM keys WHERE id = ?1"))?
        .query_row([id], |r| {
            message(KEY_DOMAIN, store_id, r, 0, KEY_SIGNED_COUNT)
        })
        .optional()?;
    if let Some(msg) = msg {
        conn.prepare_cached("UPDATE keys SET row_sig = ?2 WHERE id = ?1")?
            .execute(params![id, sk.sign(&msg).to_bytes().to_vec()])?;
    }
    Ok(())
}

fn sign_user_in(conn: &Conn, sk: &SigningKey, store_id: &str, name: &str) -> Result<()> {
    let msg = conn
        .prepare_cached(&format!("SELECT {USER_SIGNED} FROM users WHERE name = ?1"))?
        .query_row([name], |r| {
            message(USER_DOMAIN, store_id, r, 0, USER_SIGNED_COUNT)
        })
        .optional()?;
    if let Some(msg) = msg {
        conn.prepare_cached("UPDATE users SET row_sig = ?2 WHERE name = ?1")?
            .execute(params![name, sk.sign(&msg).to_bytes().to_vec()])?;
    }
    Ok(())
}

impl Tx<'_> {
    /// The signing key, when the master key is loaded (every command that
    /// changes rows loads it; a row changed without it keeps its old
    /// signature, which no longer verifies).
    fn row_signer_if_unlocked(&self) -> Result<Option<&(SigningKey, String)>> {
        if self.master.is_none() {
            return Ok(None);
        }
        self.row_signer().map(Some)
    }

    /// Derived once per transaction (a rotation of 300 keys signs 300 rows).
    fn row_signer(&self) -> Result<&(SigningKey, String)> {
        if let Some(s) = self.row_signer.get() {
            return Ok(s);
        }
        let master = self.master()?;
        let id = store_id(self.conn)?.ok_or_else(no_store_id)?;
        Ok(self
            .row_signer
            .get_or_init(|| (signing_key(master, &id), id)))
    }

    /// After a change to key `id`: a new row version, signed.
    pub(crate) fn sign_key_row(&self, id: &str) -> Result<()> {
        let Some((sk, store)) = self.row_signer_if_unlocked()? else {
            return Ok(());
        };
        let version: Option<i64> = self
            .conn
            .prepare_cached(
                "UPDATE keys SET row_version = row_version + 1 WHERE id = ?1 RETURNING row_version",
            )?
            .query_row([id], |r| r.get(0))
            .optional()?;
        if let Some(v) = version {
            self.signed_rows
                .borrow_mut()
                .push(("keys", id.to_string(), v));
        }
        sign_key_in(self.conn, sk, store, id)
    }

    /// After a change to user `name`: a new row version, signed.
    pub(crate) fn sign_user_row(&self, name: &str) -> Result<()> {
        let Some((sk, store)) = self.row_signer_if_unlocked()? else {
            return Ok(());
        };
        let version: Option<i64> = self
            .conn
            .prepare_cached(
                "UPDATE users SET row_version = row_version + 1 WHERE name = ?1 RETURNING row_version",
            )?
            .query_row([name], |r| r.get(0))
            .optional()?;
        if let Some(v) = version {
            self.signed_rows
                .borrow_mut()
                .push(("users", name.to_string(), v));
        }
        sign_user_in(self.conn, sk, store, name)
    }

    /// The row versions signed since the last audit entry, as an entry's
    /// details record them: `{"keys": {ID: version}, "users": {NAME: version}}`
    /// (`None` when there are none).
    pub(crate) fn take_row_versions(&self) -> Option<serde_json::Value> {
        let rows = std::mem::take(&mut *self.signed_rows.borrow_mut());
        if rows.is_empty() {
            return None;
        }
        let mut out = serde_json::Map::new();
        for (table, id, v) in rows {
            out.entry(table)
                .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()))
                .as_object_mut()
                .expect("an object")
                .insert(id, v.into());
        }
        Some(serde_json::Value::Object(out))
    }

    /// The store ID (`None` before the 0.2 schema).
    pub fn store_id(&self) -> Result<Option<String>> {
        store_id(self.conn)
    }

    /// The public key of this store's row signatures (needs the master key).
    pub fn trust_key(&self) -> Result<TrustKey> {
        let (sk, store_id) = self.row_signer()?;
        Ok(TrustKey {
            store_id: store_id.clone(),
            key: sk.verifying_key(),
        })
    }

    /// Whether key `id`'s row is signed by `trust` (a missing row is not).
    pub fn key_row_signed(&self, id: &str, trust: &TrustKey) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {KEY_SIGNED}, row_sig FROM keys WHERE id = ?1"
        ))?;
        let found = stmt
            .query_row([id], |r| {
                Ok((
                    message(KEY_DOMAIN, &trust.store_id, r, 0, KEY_SIGNED_COUNT)?,
                    r.get::<_, Option<Vec<u8>>>(KEY_SIGNED_COUNT)?,
                ))
            })
            .optional()?;
        Ok(found.is_some_and(|(m, s)| trust.verifies(&m, s.as_deref())))
    }

    /// Whether user `name` exists and its row is not signed by `trust` (a
    /// missing user is not forged: a key bound to it is denied as today).
    pub fn user_exists_unsigned(&self, name: &str, trust: &TrustKey) -> Result<bool> {
        let exists = self
            .conn
            .prepare_cached("SELECT 1 FROM users WHERE name = ?1")?
            .query_row([name], |_| Ok(()))
            .optional()?
            .is_some();
        Ok(exists && !self.user_row_signed(name, trust)?)
    }

    /// Whether user `name`'s row is signed by `trust` (a missing row is not).
    pub fn user_row_signed(&self, name: &str, trust: &TrustKey) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {USER_SIGNED}, row_sig FROM users WHERE name = ?1"
        ))?;
        let found = stmt
            .query_row([name], |r| {
                Ok((
                    message(USER_DOMAIN, &trust.store_id, r, 0, USER_SIGNED_COUNT)?,
                    r.get::<_, Option<Vec<u8>>>(USER_SIGNED_COUNT)?,
                ))
            })
            .optional()?;
        Ok(found.is_some_and(|(m, s)| trust.verifies(&m, s.as_deref())))
    }

    /// Every key and user row whose signature is missing or does not verify
    /// with `trust` (for `audit verify`).
    pub fn forged_rows(&self, trust: &TrustKey, tenant: Option<&str>) -> Result<Vec<ForgedRow>> {
        let mut out = Vec::new();
        for (table, domain, cols, count, id_col) in [
            ("key", KEY_DOMAIN, KEY_SIGNED, KEY_SIGNED_COUNT, "id"),
            ("user", USER_DOMAIN, USER_SIGNED, USER_SIGNED_COUNT, "name"),
        ] {
            let from = if table == "key" { "keys" } else { "users" };
            let mut stmt = self.conn.prepare(&format!(
                "SELECT {cols}, row_sig, {id_col} FROM {from} ORDER BY {id_col}"
            ))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                // The tenant is the second signed column of both.
                if tenant.is_some_and(|t| {
                    r.get::<_, Option<String>>(1).ok().flatten().as_deref() != Some(t)
                }) {
                    continue;
                }
                let m = message(domain, &trust.store_id, &r, 0, count)?;
                let sig: Option<Vec<u8>> = r.get(count)?;
                if !trust.verifies(&m, sig.as_deref()) {
                    out.push(ForgedRow {
                        table,
                        id: r.get(count + 1)?,
                    });
                }
            }
        }
        Ok(out)
    }
}

/// For a verifier's load: is this row (its signed columns from `first`,
/// then its signature) signed by `trust`?
pub(crate) fn key_row_verifies(
    trust: &TrustKey,
    cache: &mut SignatureCache,
    r: &Row,
    first: usize,
) -> rusqlite::Result<bool> {
    let m = message(KEY_DOMAIN, &trust.store_id, r, first, KEY_SIGNED_COUNT)?;
    r.with_ref(first + KEY_SIGNED_COUNT, |sig| {
        Ok(trust.verifies_cached(&m, sig.as_blob_or_null()?, cache))
    })
}

pub(crate) fn user_row_verifies(
    trust: &TrustKey,
    cache: &mut SignatureCache,
    r: &Row,
    first: usize,
) -> rusqlite::Result<bool> {
    let m = message(USER_DOMAIN, &trust.store_id, r, first, USER_SIGNED_COUNT)?;
    r.with_ref(first + USER_SIGNED_COUNT, |sig| {
        Ok(trust.verifies_cached(&m, sig.as_blob_or_null()?, cache))
    })
}

impl Store {
    /// On unlock: signs the rows of a 0.1 store (unsigned), once (SPEC §5.5).
    pub(crate) fn sign_legacy_rows(&self, master: &MasterKey) -> Result<()> {
        if meta_get(&self.conn, ROWS_SIGNED)?.is_some() {
            return Ok(());
        }
        let tx = self.conn.begin(true)?;
        let conn = &self.conn;
        if meta_get(conn, ROWS_SIGNED)?.is_none() {
            let id = store_id(conn)?.ok_or_else(no_store_id)?;
            let sk = signing_key(master, &id);
            let keys: Vec<String> = conn
                .prepare("SELECT id FROM keys WHERE row_sig IS NULL")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for k in keys {
                conn.execute(
                    "UPDATE keys SET row_version = row_version + 1 WHERE id = ?1",
                    [&k],
                )?;
                sign_key_in(conn, &sk, &id, &k)?;
            }
            let users: Vec<String> = conn
                .prepare("SELECT name FROM users WHERE row_sig IS NULL")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for u in users {
                conn.execute(
                    "UPDATE users SET row_version = row_version + 1 WHERE name = ?1",
                    [&u],
                )?;
                sign_user_in(conn, &sk, &id, &u)?;
            }
            conn.execute(
                "INSERT INTO meta (name, value) VALUES (?1, x'01')",
                [ROWS_SIGNED],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Writes the store's trust key to `<dir>/<store-id>.pub` (0644, folder
    /// 0700) unless it is there already. Needs the master key.
    pub fn publish_trust_key(&mut self, dir: &Path) -> Result<PathBuf> {
        let key = self.read(chrono::Utc::now(), |tx| tx.trust_key())?;
        let path = trust_path(dir, &key.store_id);
        if path.exists() {
            return Ok(path);
        }
        create_private_dir(dir)?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o644)
                .open(&tmp)?;
            f.write_all(key.to_text().as_bytes())?;
            f.sync_all()
        };
        let written = write().and_then(|()| std::fs::hard_link(&tmp, &path));
        let _ = std::fs::remove_file(&tmp);
        match written {
            Ok(()) => Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(path),
            Err(e) => Err(Error::environment(format!(
                "cannot write the trust key {}: {e}",
                path.display()
            ))
            .hint("check the permissions of the folder, or write it elsewhere with: keyadm trust export")),
        }
    }
}

/// A store whose store ID row is missing: damaged.
fn no_store_id() -> Error {
    Error::environment("the store has no store ID")
        .hint("the store is damaged: restore it from a backup")
}

const HEAD_DOMAIN: &[u8] = b"keyadm audit head v1\0";

/// The signed message of a chain's head: the store ID, the chain, its
/// place and the hash of its last entry.
fn head_message(store_id: &str, chain: &str, seq: i64, hash: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(HEAD_DOMAIN);
    encode(&mut out, ValueRef::Text(store_id.as_bytes()));
    encode(&mut out, ValueRef::Text(chain.as_bytes()));
    encode(&mut out, ValueRef::Integer(seq));
    encode(&mut out, ValueRef::Blob(hash));
    out
}

/// A chain's head as a verifier reads it (no master key): `signed` says
/// whether its signature verifies with the trust key (always false
/// without one, or for a head of a store older than signed heads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHead {
    pub chain: String,
    pub seq: i64,
    pub hash: Vec<u8>,
    pub signed: bool,
}

impl Tx<'_> {
    /// The Ed25519 signature of a head (needs the master key).
    pub(crate) fn sign_head(&self, chain: &str, seq: i64, hash: &[u8]) -> Result<Vec<u8>> {
        let (sk, store_id) = self.row_signer()?;
        Ok(sk
            .sign(&head_message(store_id, chain, seq, hash))
            .to_bytes()
            .to_vec())
    }

    /// Every chain's stored head, each checked against `trust` (a store
    /// read as it is, from before signed heads, has no signatures).
    pub fn signed_heads(&self, trust: Option<&TrustKey>) -> Result<Vec<SignedHead>> {
        let has_sig = self
            .conn
            .query_row(
                &super::pg::has_column_sql(self.conn, "audit_heads", "sig"),
                [],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        let has_heads = self
            .conn
            .query_row(
                &super::pg::has_table_sql(self.conn, "audit_heads"),
                [],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if !has_heads {
            return Ok(Vec::new());
        }
        let sql = if has_sig {
            "SELECT chain, seq, hash, sig FROM audit_heads ORDER BY chain"
        } else {
            "SELECT chain, seq, hash, NULL FROM audit_heads ORDER BY chain"
        };
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, Option<Vec<u8>>>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows
            .into_iter()
            .map(|(chain, seq, hash, sig)| SignedHead {
                signed: trust.is_some_and(|t| {
                    t.verifies(
                        &head_message(&t.store_id, &chain, seq, &hash),
                        sig.as_deref(),
                    )
                }),
                chain,
                seq,
                hash,
            })
            .collect())
    }
}

/// A head row: chain, place, hash, HMAC, formula.
type StoredHeadRow = (String, i64, Vec<u8>, Vec<u8>, i64);

impl Store {
    /// On unlock: signs the heads written before signed heads existed (or
    /// by a command without the master key), each only if its HMAC checks
    /// out. Best effort: a store this process may not write keeps them
    /// unsigned until a command that may.
    pub(crate) fn sign_unsigned_heads(&self, master: &MasterKey) -> Result<()> {
        let any: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM audit_heads WHERE sig IS NULL)",
            [],
            |r| r.get(0),
        )?;
        if !any {
            return Ok(());
        }
        let tx = self.conn.begin(true)?;
        let id = store_id(&self.conn)?.ok_or_else(no_store_id)?;
        let sk = signing_key(master, &id);
        let heads: Vec<StoredHeadRow> = self
            .conn
            .prepare("SELECT chain, seq, hash, mac, v FROM audit_heads WHERE sig IS NULL")?
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (chain, seq, hash, mac, v) in heads {
            if super::audit_verify::head_authentic(
                &master.audit_key()[..],
                &chain,
                seq,
                &hash,
                &mac,
                v,
            ) {
                let sig = sk.sign(&head_message(&id, &chain, seq, &hash)).to_bytes();
                self.conn.execute(
                    "UPDATE audit_heads SET sig = ?2 WHERE chain = ?1",
                    params![chain, sig.to_vec()],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

/// A row older than the audit log says it is: a key or user row whose row
/// version is below the one the last audit entry of its change recorded,
/// or a row of a key or user whose last entry removed it (SPEC §5.4: a
/// replayed, validly signed row).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReplayedRow {
    /// `key` or `user`.
    pub table: &'static str,
    /// A key's ID, or a user's name.
    pub id: String,
    /// The key's name (for a user: its name).
    pub name: String,
    pub version: i64,
    /// The version the audit log last recorded (none: it recorded the
    /// row's removal).
    pub recorded: Option<i64>,
}

impl Tx<'_> {
    /// The key and user rows (of `tenant`, else all) older than the audit
    /// log's last record of them.
    pub fn replayed_rows(&self, tenant: Option<&str>) -> Result<Vec<ReplayedRow>> {
        use std::collections::HashMap;
        let mut recorded: HashMap<(&'static str, String), Option<i64>> = HashMap::new();
        let mut stmt = self.conn.prepare(
            "SELECT action, key_id, details FROM audit
             WHERE ?1 IS NULL OR tenant = ?1 ORDER BY seq",
        )?;
        let mut rows = stmt.query([tenant])?;
        while let Some(r) = rows.next()? {
            let action: String = r.get(0)?;
            let key_id: Option<String> = r.get(1)?;
            let Ok(details) = serde_json::from_str::<serde_json::Value>(&r.get::<_, String>(2)?)
            else {
                continue;
            };
            if matches!(action.as_str(), "delete" | "purge") {
                if let Some(id) = key_id {
                    recorded.insert(("key", id), None);
                }
            }
            if action == "user" && details["op"] == "remove" {
                let name = match &details["user"] {
                    serde_json::Value::String(s) => Some(s.clone()),
                    v => v["name"].as_str().map(str::to_string),
                };
                if let Some(n) = name {
                    recorded.insert(("user", n), None);
                }
            }
            for (table, field) in [("key", "keys"), ("user", "users")] {
                if let Some(m) = details["row_versions"][field].as_object() {
                    for (id, v) in m {
                        if let Some(v) = v.as_i64() {
                            recorded.insert((table, id.clone()), Some(v));
                        }
                    }
                }
            }
        }
        let mut out = Vec::new();
        for (table, sql) in [
            ("key", "SELECT id, name, row_version FROM keys WHERE ?1 IS NULL OR tenant = ?1 ORDER BY id"),
            ("user", "SELECT name, name, row_version FROM users WHERE ?1 IS NULL OR tenant = ?1 ORDER BY name"),
        ] {
            let mut stmt = self.conn.prepare(sql)?;
            let found = stmt
                .query_map([tenant], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for (id, name, version) in found {
                match recorded.get(&(table, id.clone())) {
                    Some(Some(v)) if version >= *v => {}
                    None => {}
                    Some(rec) => out.push(ReplayedRow {
                        table,
                        id,
                        name,
                        version,
                        recorded: *rec,
                    }),
                }
            }
        }
        Ok(out)
    }
}
