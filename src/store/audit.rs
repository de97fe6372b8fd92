//! The audit log: one chain of entries per tenant and a store-wide one
//! (SPEC §5.3), each entry's SHA-256 over the previous hash in its chain and
//! its fields, each chain's head authenticated by an HMAC under the master
//! key, appended inside the transaction of the change.

use hmac::{Hmac, Mac};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::db::Row;
use super::{timestamp, Tx};
use crate::error::Result;

/// An entry to append: the actor, what they did, to which key, and the
/// details (changed fields before and after; never a secret).
#[derive(Debug, Clone)]
pub struct NewAudit<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub key_id: Option<&'a str>,
    pub key_name: Option<&'a str>,
    pub tenant: Option<&'a str>,
    pub details: serde_json::Value,
}

impl<'a> NewAudit<'a> {
    /// An entry about one key: its ID, name and tenant recorded with it.
    pub fn key(
        actor: &'a str,
        action: &'a str,
        key: &'a crate::domain::key::Key,
        details: serde_json::Value,
    ) -> Self {
        NewAudit {
            actor,
            action,
            key_id: Some(&key.id),
            key_name: Some(&key.name),
            tenant: Some(&key.tenant),
            details,
        }
    }
}

/// The name of the store-wide chain: settings, operators, and entries of
/// no tenant (never a tenant's name: those are a-z, 0-9 and -).
pub const STORE_CHAIN: &str = "@store";

/// The chain an entry of `tenant` belongs to (SPEC §5.3).
pub fn chain_of(tenant: Option<&str>) -> &str {
    tenant.unwrap_or(STORE_CHAIN)
}

/// An entry as stored.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// The real time of the entry (the system clock, never `KEYADM_NOW`).
    pub at: String,
    /// The as-of time of its decisions, when `KEYADM_NOW` set one.
    pub as_of: Option<String>,
    pub actor: String,
    /// The OS account that ran the command (none in entries of 0.1).
    pub os_uid: Option<i64>,
    pub os_user: Option<String>,
    pub action: String,
    pub key_id: Option<String>,
    pub key_name: Option<String>,
    pub tenant: Option<String>,
    pub details: serde_json::Value,
    /// Its chain and its place in it (entries of 0.1: the store-wide
    /// chain, at their `seq`).
    pub chain: String,
    pub chain_seq: i64,
    /// Hashed by the formula of 0.1 (an entry from before the migration).
    #[serde(skip)]
    pub v1: bool,
    #[serde(skip)]
    pub details_text: String,
    #[serde(skip)]
    pub hash: Vec<u8>,
}

/// The hash of an entry of 0.1: SHA-256 over the previous hash and the
/// entry's fields of then.
pub fn entry_hash_v1(prev: &[u8], e: &AuditEntry) -> [u8; 32] {
    let fields = serde_json::json!([
        e.seq,
        e.at,
        e.actor,
        e.action,
        e.key_id,
        e.key_name,
        e.tenant,
        e.details_text
    ]);
    let mut h = Sha256::new();
    h.update(prev);
    h.update(fields.to_string().as_bytes());
    h.finalize().into()
}

/// The hash of an entry of 0.2: SHA-256 over the previous hash in its chain
/// and every field, its chain and place in it included.
pub fn entry_hash_v2(prev: &[u8], e: &AuditEntry) -> [u8; 32] {
    let fields = serde_json::json!([
        "keyadm audit v2",
        e.chain,
        e.chain_seq,
        e.seq,
        e.at,
        e.as_of,
        e.actor,
        e.os_uid,
        e.os_user,
        e.action,
        e.key_id,
        e.key_name,
        e.tenant,
        e.details_text
    ]);
    let mut h = Sha256::new();
    h.update(prev);
    h.update(fields.to_string().as_bytes());
    h.finalize().into()
}

/// The hash of an entry by the formula of its version.
pub fn entry_hash(prev: &[u8], e: &AuditEntry) -> [u8; 32] {
    if e.v1 {
        entry_hash_v1(prev, e)
    } else {
        entry_hash_v2(prev, e)
    }
}

/// The HMAC that authenticates a chain's head: its name, place and hash.
pub fn head_mac_v2(audit_key: &[u8], chain: &str, seq: i64, hash: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(audit_key).expect("any key length");
    m.update(b"keyadm audit head v2\0");
    m.update(&(chain.len() as u64).to_be_bytes());
    m.update(chain.as_bytes());
    m.update(&seq.to_be_bytes());
    m.update(hash);
    m.finalize().into_bytes().to_vec()
}

impl Tx<'_> {
    /// Appends an entry to its chain and moves that chain's authenticated
    /// head to it: two indexed reads (the chain's head, the last `seq`),
    /// one insert, one head row.
    pub fn append_audit(&self, mut entry: NewAudit) -> Result<()> {
        let master = self.master()?;
        // The version of each row this change signed (SPEC §5.4): `audit
        // verify` catches a replayed older row by it.
        if let Some(versions) = self.take_row_versions() {
            match &mut entry.details {
                serde_json::Value::Object(m) => {
                    m.insert("row_versions".into(), versions);
                }
                other => {
                    let was = std::mem::take(other);
                    *other = serde_json::json!({"details": was, "row_versions": versions});
                }
            }
        }
        let chain = chain_of(entry.tenant);
        let head: Option<(i64, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT seq, hash FROM audit_heads WHERE chain = ?1")?
            .query_row([chain], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (prev_pos, prev_hash) = head.unwrap_or((0, vec![0u8; 32]));
        // On PostgreSQL a tenant's role sees only its tenant's entries, but
        // places are numbered across the store: a SECURITY DEFINER function
        // reads the last one (migrations/pg/0010_pg_rls.sql).
        let last_seq_sql = match self.conn.is_pg() {
            true => "SELECT keyadm_audit_last_seq()",
            false => "SELECT coalesce(max(seq), 0) FROM audit",
        };
        let last_seq: i64 = self
            .conn
            .prepare_cached(last_seq_sql)?
            .query_row([], |r| r.get(0))?;
        // On PostgreSQL the time is the server's (SPEC §5.2), never the client's.
        let at = match self.conn.is_pg() {
            true => super::pg::server_time(self.conn)?,
            false => timestamp(self.author.clock.real()),
        };
        // On PostgreSQL a declared actor other than the role is a label, kept here.
        let mut details = entry.details;
        if let (Some(label), Some(obj)) = (&self.author.label, details.as_object_mut()) {
            obj.insert(
                "actor_label".into(),
                serde_json::Value::String(label.clone()),
            );
        }
        let mut e = AuditEntry {
            seq: last_seq + 1,
            at,
            as_of: self.author.as_of.map(timestamp),
            actor: entry.actor.to_string(),
            os_uid: Some(i64::from(self.author.os_uid)),
            os_user: self.author.os_user.clone(),
            action: entry.action.to_string(),
            key_id: entry.key_id.map(str::to_string),
            key_name: entry.key_name.map(str::to_string),
            tenant: entry.tenant.map(str::to_string),
            details_text: details.to_string(),
            details,
            chain: chain.to_string(),
            chain_seq: prev_pos + 1,
            v1: false,
            hash: Vec::new(),
        };
        e.hash = entry_hash_v2(&prev_hash, &e).to_vec();
        let mac = head_mac_v2(&master.audit_key()[..], chain, e.chain_seq, &e.hash);
        let sig = self.sign_head(chain, e.chain_seq, &e.hash)?;
        // The entry's columns, in the order both statements name them.
        let columns: [&dyn rusqlite::ToSql; 14] = [
            &e.seq,
            &e.at,
            &e.actor,
            &e.action,
            &e.key_id,
            &e.key_name,
            &e.tenant,
            &e.details_text,
            &e.hash,
            &e.as_of,
            &e.os_uid,
            &e.os_user,
            &e.chain,
            &e.chain_seq,
        ];
        if self.conn.is_pg() {
            // The one way to append on PostgreSQL (SPEC §5.3): a SECURITY
            // DEFINER function that checks who may append what, and moves
            // the head (migrations/pg/0010_pg_rls.sql).
            let mut with_head: Vec<&dyn rusqlite::ToSql> = columns.to_vec();
            with_head.extend([&mac as &dyn rusqlite::ToSql, &sig]);
            self.conn
                .prepare_cached(
                    "SELECT keyadm_append_audit(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)::text",
                )?
                .query_row(&with_head[..], |r| r.get::<_, Option<String>>(0))?;
            return Ok(());
        }
        self.conn
            .prepare_cached(
                "INSERT INTO audit (seq, at, actor, action, key_id, key_name, tenant, details, hash, as_of, os_uid, os_user, chain, chain_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?
            .execute(&columns[..])?;
        self.conn
            .prepare_cached(
                "INSERT INTO audit_heads (chain, seq, hash, mac, v, sig) VALUES (?1, ?2, ?3, ?4, 2, ?5)
                 ON CONFLICT(chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
                     mac = excluded.mac, v = excluded.v, sig = excluded.sig",
            )?
            .execute(params![chain, e.chain_seq, e.hash, mac, sig])?;
        Ok(())
    }
}

/// Which entries `audit` lists, by their real time (`at`). `limit` keeps
/// the newest N of the matches.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// A key ID or name (entries of deleted keys keep both).
    pub key: Option<String>,
    pub actor: Option<String>,
    /// The declared actor or the OS account (`audit --by`).
    pub by: Option<String>,
    pub action: Option<String>,
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    pub tenant: Option<String>,
    pub limit: Option<u64>,
}

pub(super) const AUDIT_COLUMNS: &str =
    "seq, at, actor, action, key_id, key_name, tenant, details, hash, as_of, os_uid, os_user, chain, chain_seq";

pub(super) fn audit_from_row(r: &Row) -> rusqlite::Result<AuditEntry> {
    let mut e = chain_entry_from_row(r)?;
    e.details = serde_json::from_str(&e.details_text)
        .unwrap_or_else(|_| serde_json::Value::String(e.details_text.clone()));
    Ok(e)
}

/// An entry with only what its hash covers (`details` left unparsed).
pub(super) fn chain_entry_from_row(r: &Row) -> rusqlite::Result<AuditEntry> {
    let seq: i64 = r.get(0)?;
    let chain: Option<String> = r.get(12)?;
    let v1 = chain.is_none();
    Ok(AuditEntry {
        seq,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        key_id: r.get(4)?,
        key_name: r.get(5)?,
        tenant: r.get(6)?,
        details: serde_json::Value::Null,
        details_text: r.get(7)?,
        hash: r.get(8)?,
        as_of: r.get(9)?,
        os_uid: r.get(10)?,
        os_user: r.get(11)?,
        chain: chain.unwrap_or_else(|| STORE_CHAIN.to_string()),
        chain_seq: if v1 { seq } else { r.get(13)? },
        v1,
    })
}

impl Tx<'_> {
    /// Walks the entries a filter selects, oldest first (by real time,
    /// then `seq`).
    pub fn each_audit_entry(
        &self,
        filter: &AuditFilter,
        mut f: impl FnMut(AuditEntry) -> Result<()>,
    ) -> Result<()> {
        let limit = filter
            .limit
            .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        // No limit: -1 for SQLite, NULL for PostgreSQL.
        let limit = Some(limit).filter(|l| *l >= 0 || !self.conn.is_pg());
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM (
                SELECT {AUDIT_COLUMNS} FROM audit
                WHERE (?1 IS NULL OR key_id = ?1 OR key_name = ?1)
                  AND (?2 IS NULL OR actor = ?2)
                  AND (?3 IS NULL OR action = ?3)
                  AND (?4 IS NULL OR at >= ?4)
                  AND (?5 IS NULL OR at <= ?5)
                  AND (?6 IS NULL OR tenant = ?6)
                  AND (?8 IS NULL OR actor = ?8 OR os_user = ?8)
                ORDER BY at DESC, seq DESC LIMIT ?7) AS recent
             ORDER BY at, seq"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(params![
            filter.key,
            filter.actor,
            filter.action,
            filter.since.map(timestamp),
            filter.until.map(timestamp),
            filter.tenant,
            limit,
            filter.by
        ])?;
        while let Some(row) = rows.next()? {
            f(audit_from_row(&row)?)?;
        }
        Ok(())
    }
}
