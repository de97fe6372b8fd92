//! What verification asks of the store: every key's hashes and checks in one
//! pass (for a long-running verifier), a bound user's standing, and recording
//! last uses without ever waiting for the write lock.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::{timestamp, Store, Tx, BUSY_TIMEOUT};
use crate::domain::key::Key;
use crate::domain::rules::Rule;
use crate::domain::verify::UserGrant;
use crate::error::Result;

/// A key as a verifier holds it: its value hashes and what the checks need.
pub struct VerifyRow {
    pub key: Key,
    pub hash: [u8; 32],
    pub previous_hash: Option<[u8; 32]>,
}

fn hash32(v: Vec<u8>) -> Option<[u8; 32]> {
    v.try_into().ok()
}

/// Rules stored as a JSON list of strings; one that no longer parses is
/// dropped, which can only narrow what a user may do.
fn privileges(text: &str) -> Vec<Rule> {
    serde_json::from_str::<Vec<String>>(text)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.parse().ok())
        .collect()
}

impl Tx<'_> {
    /// Walks every key with its hashes, in no particular order.
    pub fn each_key_for_verify(&self, mut f: impl FnMut(VerifyRow)) -> Result<()> {
        let sql = format!(
            "SELECT {}, value_hash, prev_hash FROM keys",
            super::keys::COLUMNS
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let key = super::keys::key_from_row(r)?;
            let hash = hash32(r.get(23)?);
            let previous_hash = r.get::<_, Option<Vec<u8>>>(24)?.and_then(hash32);
            if let Some(hash) = hash {
                f(VerifyRow {
                    key,
                    hash,
                    previous_hash,
                });
            }
        }
        Ok(())
    }

    /// The standing of user `name` of `tenant`; `None` when there is no such user.
    pub fn find_user_for_verify(&self, tenant: &str, name: &str) -> Result<Option<UserGrant>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT enabled, privileges FROM users WHERE tenant = ?1 AND name = ?2",
        )?;
        Ok(stmt
            .query_row(params![tenant, name], |r| {
                Ok(UserGrant {
                    enabled: r.get(0)?,
                    privileges: privileges(&r.get::<_, String>(1)?),
                })
            })
            .optional()?)
    }

    /// Every user's standing, as `(tenant, name, grant)`.
    pub fn each_user_for_verify(&self, mut f: impl FnMut(String, String, UserGrant)) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT tenant, name, enabled, privileges FROM users")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            f(
                r.get(0)?,
                r.get(1)?,
                UserGrant {
                    enabled: r.get(2)?,
                    privileges: privileges(&r.get::<_, String>(3)?),
                },
            );
        }
        Ok(())
    }
}

/// Last use is written at most once a minute per key.
pub const LAST_USE_EVERY: chrono::Duration = chrono::Duration::seconds(60);

impl Store {
    /// Records that keys were used (ID, when), in one transaction, skipping
    /// each key whose last use is less than a minute old. Never waits: a
    /// locked or read-only store gives an error at once, which callers ignore.
    /// Last use is bookkeeping, so it is written without a sync (WAL keeps
    /// the file consistent; a crash may lose the latest last-use times).
    pub fn record_key_uses_nowait(&mut self, uses: &[(String, DateTime<Utc>)]) -> Result<()> {
        self.conn.busy_timeout(Duration::ZERO)?;
        self.conn.execute_batch("PRAGMA synchronous = NORMAL")?;
        let done = (|| -> Result<()> {
            let tx = rusqlite::Transaction::new_unchecked(
                &self.conn,
                rusqlite::TransactionBehavior::Immediate,
            )?;
            {
                let mut stmt = tx.prepare_cached(
                    "UPDATE keys SET last_used_at = ?2
                     WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3)",
                )?;
                for (id, at) in uses {
                    stmt.execute(params![id, timestamp(*at), timestamp(*at - LAST_USE_EVERY)])?;
                }
            }
            tx.commit()?;
            Ok(())
        })();
        let _ = self.conn.execute_batch("PRAGMA synchronous = FULL");
        let _ = self.conn.busy_timeout(BUSY_TIMEOUT);
        done
    }
}

/// Is a recorded last use old enough (or absent) to be written again at `now`?
pub fn last_use_due(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last.is_none_or(|t| t <= now - LAST_USE_EVERY)
}
