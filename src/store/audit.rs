//! The audit log: entries chained by SHA-256, the head authenticated by an
//! HMAC under the master key, appended inside the transaction of the change.

use hmac::{Hmac, Mac};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

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

/// An entry as stored.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub key_id: Option<String>,
    pub key_name: Option<String>,
    pub tenant: Option<String>,
    pub details: serde_json::Value,
    #[serde(skip)]
    pub details_text: String,
    #[serde(skip)]
    pub hash: Vec<u8>,
}

/// The hash of an entry: SHA-256 over the previous hash and the entry's fields.
pub fn entry_hash(prev: &[u8], e: &AuditEntry) -> [u8; 32] {
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

/// The HMAC that authenticates the head of the chain (sequence and hash).
pub fn head_mac(audit_key: &[u8], seq: i64, hash: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(audit_key).expect("any key length");
    m.update(&seq.to_be_bytes());
    m.update(hash);
    m.finalize().into_bytes().to_vec()
}

impl Tx<'_> {
    /// Appends an entry and moves the authenticated head to it.
    pub fn append_audit(&self, entry: NewAudit) -> Result<()> {
        let master = self.master()?;
        let last: Option<(i64, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (prev_seq, prev_hash) = last.unwrap_or((0, vec![0u8; 32]));
        let mut e = AuditEntry {
            seq: prev_seq + 1,
            at: timestamp(self.now),
            actor: entry.actor.to_string(),
            action: entry.action.to_string(),
            key_id: entry.key_id.map(str::to_string),
            key_name: entry.key_name.map(str::to_string),
            tenant: entry.tenant.map(str::to_string),
            details_text: entry.details.to_string(),
            details: entry.details,
            hash: Vec::new(),
        };
        e.hash = entry_hash(&prev_hash, &e).to_vec();
        self.conn
            .prepare_cached(
                "INSERT INTO audit (seq, at, actor, action, key_id, key_name, tenant, details, hash, as_of, os_uid, os_user)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                e.seq,
                e.at,
                e.actor,
                e.action,
                e.key_id,
                e.key_name,
                e.tenant,
                e.details_text,
                e.hash,
                self.author.as_of.map(timestamp),
                self.author.os_uid,
                self.author.os_user
            ])?;
        let mac = head_mac(&master.audit_key()[..], e.seq, &e.hash);
        self.conn
            .prepare_cached(
                "INSERT INTO meta (name, value) VALUES ('audit_head', ?1)
                 ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            )?
            .execute([mac])?;
        Ok(())
    }
}

/// Which entries `audit` lists. `limit` keeps the newest N of the matches.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// A key ID or name (entries of deleted keys keep both).
    pub key: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    pub tenant: Option<String>,
    pub limit: Option<u64>,
}

pub(super) const AUDIT_COLUMNS: &str =
    "seq, at, actor, action, key_id, key_name, tenant, details, hash";

pub(super) fn audit_from_row(r: &rusqlite::Row) -> rusqlite::Result<AuditEntry> {
    let mut e = chain_entry_from_row(r)?;
    e.details = serde_json::from_str(&e.details_text)
        .unwrap_or_else(|_| serde_json::Value::String(e.details_text.clone()));
    Ok(e)
}

/// An entry with only what its hash covers (`details` left unparsed).
pub(super) fn chain_entry_from_row(r: &rusqlite::Row) -> rusqlite::Result<AuditEntry> {
    let details_text: String = r.get(7)?;
    Ok(AuditEntry {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        key_id: r.get(4)?,
        key_name: r.get(5)?,
        tenant: r.get(6)?,
        details: serde_json::Value::Null,
        details_text,
        hash: r.get(8)?,
    })
}

impl Tx<'_> {
    /// Walks the entries a filter selects, oldest first.
    pub fn each_audit_entry(
        &self,
        filter: &AuditFilter,
        mut f: impl FnMut(AuditEntry) -> Result<()>,
    ) -> Result<()> {
        let limit = filter
            .limit
            .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM (
                SELECT {AUDIT_COLUMNS} FROM audit
                WHERE (?1 IS NULL OR key_id = ?1 OR key_name = ?1)
                  AND (?2 IS NULL OR actor = ?2)
                  AND (?3 IS NULL OR action = ?3)
                  AND (?4 IS NULL OR at >= ?4)
                  AND (?5 IS NULL OR at <= ?5)
                  AND (?6 IS NULL OR tenant = ?6)
                ORDER BY seq DESC LIMIT ?7)
             ORDER BY seq"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(params![
            filter.key,
            filter.actor,
            filter.action,
            filter.since.map(timestamp),
            filter.until.map(timestamp),
            filter.tenant,
            limit
        ])?;
        while let Some(row) = rows.next()? {
            f(audit_from_row(row)?)?;
        }
        Ok(())
    }
}
