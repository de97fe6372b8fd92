//! What the lifecycle commands ask of the store: expired and expiring keys,
//! keys with a rotation policy, a key's value columns (to undo a rotation),
//! expiry notices, and the emails of a tenant's admins.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, OptionalExtension};

use super::keys::{key_from_row, COLUMNS};
use super::{parse_timestamp, timestamp, Tx};
use crate::domain::key::Key;
use crate::error::Result;

/// A key's value columns at one moment: enough to put a rotation back.
/// Holds only hashes and sealed values, never a value in plain text.
#[derive(Clone)]
pub struct ValueState {
    value_hash: Vec<u8>,
    sealed: Option<Vec<u8>>,
    display: String,
    prev_hash: Option<Vec<u8>>,
    prev_sealed: Option<Vec<u8>>,
    prev_display: Option<String>,
    prev_until: Option<String>,
    rotated_at: Option<String>,
}

/// Where a notice (key, expiry, threshold) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeState {
    /// Delivered (printed, or the hook succeeded).
    Sent,
    /// Crossed during a gap in runs; a nearer notice was sent instead.
    Passed,
    /// A run is delivering it now (a claim, so that two runs do not both send).
    Sending,
}

impl NoticeState {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeState::Sent => "sent",
            NoticeState::Passed => "passed",
            NoticeState::Sending => "sending",
        }
    }
    fn parse(s: &str) -> NoticeState {
        match s {
            "sent" => NoticeState::Sent,
            "passed" => NoticeState::Passed,
            _ => NoticeState::Sending,
        }
    }
}

impl Tx<'_> {
    fn keys_where(&self, condition: &str, p: impl super::db::Params) -> Result<Vec<Key>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM keys WHERE {condition} ORDER BY expires_at, name COLLATE NOCASE, id"
        ))?;
        let keys = stmt
            .query_map(p, key_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(keys)
    }

    /// Keys whose expiry has come (enabled or not), earliest first.
    pub fn expired_keys(&self, tenant: Option<&str>) -> Result<Vec<Key>> {
        self.keys_where(
            "expires_at IS NOT NULL AND expires_at <= ?1 AND (?2 IS NULL OR tenant = ?2)",
            params![timestamp(self.now), tenant],
        )
    }

    /// Enabled keys that expire after now and within `secs`, earliest first.
    pub fn keys_expiring_within(&self, tenant: Option<&str>, secs: u64) -> Result<Vec<Key>> {
        let until = self.now + Duration::seconds(secs as i64);
        self.keys_where(
            "enabled = 1 AND expires_at > ?1 AND expires_at <= ?2 AND (?3 IS NULL OR tenant = ?3)",
            params![timestamp(self.now), timestamp(until), tenant],
        )
    }

    /// Enabled keys that carry a rotation policy.
    pub fn keys_with_rotation_policy(&self, tenant: Option<&str>) -> Result<Vec<Key>> {
        self.keys_where(
            "enabled = 1 AND rotate_every IS NOT NULL AND (?1 IS NULL OR tenant = ?1)",
            params![tenant],
        )
    }

    pub fn key_value_state(&self, id: &str) -> Result<Option<ValueState>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT value_hash, sealed, display, prev_hash, prev_sealed, prev_display,
                    prev_until, rotated_at
             FROM keys WHERE id = ?1",
        )?;
        Ok(stmt
            .query_row([id], |r| {
                Ok(ValueState {
                    value_hash: r.get(0)?,
                    sealed: r.get(1)?,
                    display: r.get(2)?,
                    prev_hash: r.get(3)?,
                    prev_sealed: r.get(4)?,
                    prev_display: r.get(5)?,
                    prev_until: r.get(6)?,
                    rotated_at: r.get(7)?,
                })
            })
            .optional()?)
    }

    /// Puts a key's value columns back to `state`, but only while its
    /// current value is still `expected` (nobody rotated it meanwhile).
    /// Returns whether it did.
    pub fn restore_key_value(&self, id: &str, expected: &[u8], state: &ValueState) -> Result<bool> {
        self.drops_secrets();
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE keys SET value_hash = ?3, sealed = ?4, display = ?5, prev_hash = ?6,
                    prev_sealed = ?7, prev_display = ?8, prev_until = ?9, rotated_at = ?10
                 WHERE id = ?1 AND value_hash = ?2",
            )?
            .execute(params![
                id,
                expected,
                state.value_hash,
                state.sealed,
                state.display,
                state.prev_hash,
                state.prev_sealed,
                state.prev_display,
                state.prev_until,
                state.rotated_at,
            ])?;
        if changed == 1 {
            self.sign_key_row(id)?;
        }
        Ok(changed == 1)
    }

    /// The notices recorded for a key and one expiry: threshold, state, when.
    pub fn recorded_notices(
        &self,
        key_id: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<Vec<(u32, NoticeState, DateTime<Utc>)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT days, state, at FROM notices WHERE key_id = ?1 AND expires_at = ?2",
        )?;
        let rows = stmt
            .query_map(params![key_id, timestamp(expires_at)], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    NoticeState::parse(&r.get::<_, String>(1)?),
                    parse_timestamp(&r.get::<_, String>(2)?)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn record_notice(
        &self,
        key_id: &str,
        expires_at: DateTime<Utc>,
        days: u32,
        state: NoticeState,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO notices (key_id, expires_at, days, state, at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(key_id, expires_at, days) DO UPDATE SET state = excluded.state, at = excluded.at",
            )?
            .execute(params![
                key_id,
                timestamp(expires_at),
                days,
                state.as_str(),
                timestamp(self.now)
            ])?;
        Ok(())
    }

    pub fn forget_notice(&self, key_id: &str, expires_at: DateTime<Utc>, days: u32) -> Result<()> {
        self.conn
            .prepare_cached(
                "DELETE FROM notices WHERE key_id = ?1 AND expires_at = ?2 AND days = ?3",
            )?
            .execute(params![key_id, timestamp(expires_at), days])?;
        Ok(())
    }

    /// Drops the notices of keys that no longer exist.
    pub fn forget_orphan_notices(&self) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM notices WHERE key_id NOT IN (SELECT id FROM keys)")?
            .execute([])?;
        self.conn
            .prepare_cached(
                "DELETE FROM notice_deliveries WHERE key_id NOT IN (SELECT id FROM keys)",
            )?
            .execute([])?;
        self.conn
            .prepare_cached("DELETE FROM sweep_kept WHERE key_id NOT IN (SELECT id FROM keys)")?
            .execute([])?;
        Ok(())
    }

    /// Whether a sweep already said it kept key `id` with this expiry.
    pub fn sweep_kept_before(&self, id: &str, expires_at: Option<DateTime<Utc>>) -> Result<bool> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM sweep_kept WHERE key_id = ?1 AND expires_at = ?2")?;
        Ok(stmt
            .query_row(
                params![id, expires_at.map(timestamp).unwrap_or_default()],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Records that a sweep said it kept key `id` with this expiry.
    pub fn remember_sweep_kept(&self, id: &str, expires_at: Option<DateTime<Utc>>) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO sweep_kept (key_id, expires_at, at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![
                id,
                expires_at.map(timestamp).unwrap_or_default(),
                timestamp(self.now)
            ])?;
        Ok(())
    }

    /// The channels a notice was already delivered through.
    pub fn delivered_channels(
        &self,
        key_id: &str,
        expires_at: DateTime<Utc>,
        days: u32,
    ) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT channel FROM notice_deliveries
             WHERE key_id = ?1 AND expires_at = ?2 AND days = ?3 AND state = 'sent'",
        )?;
        let rows = stmt
            .query_map(params![key_id, timestamp(expires_at), days], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(rows)
    }

    /// Records the outcome of delivering a notice through `channel`.
    pub fn record_delivery(
        &self,
        key_id: &str,
        expires_at: DateTime<Utc>,
        days: u32,
        channel: &str,
        attempts: u32,
        error: Option<&str>,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO notice_deliveries (key_id, expires_at, days, channel, state, attempts, at, error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT(key_id, expires_at, days, channel) DO UPDATE SET state = excluded.state,
                    attempts = notice_deliveries.attempts + excluded.attempts, at = excluded.at,
                    error = excluded.error",
            )?
            .execute(params![
                key_id,
                timestamp(expires_at),
                days,
                channel,
                if error.is_none() { "sent" } else { "failed" },
                attempts,
                timestamp(self.now),
                error
            ])?;
        Ok(())
    }
}
