//! What verification asks of the store: every key's hashes and checks in one
//! pass (for a long-running verifier), a bound user's standing, and recording
//! last uses without ever waiting for the write lock.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use super::db::{Conn, Row};

use super::signing::{self, SignatureCache, TrustKey};
use super::{parse_timestamp, schema, timestamp, Store, Tx, BUSY_TIMEOUT};
use crate::domain::key::KeyType;
use crate::domain::rate_limit::RateLimit;
use crate::domain::rules::{FromStored, IpRange, Origin, Rule};
use crate::domain::verify::UserGrant;
use crate::error::{Error, Result};

columns! {
    mod col {
        ID = "id",
        NAME = "name",
        TYPE = "type",
        ORG = "org",
        TENANT = "tenant",
        ENABLED = "enabled",
        EXPIRES_AT = "expires_at",
        PREV_UNTIL = "prev_until",
        USER_NAME = "user_name",
        RULES = "rules",
        ORIGINS = "origins",
        IPS = "ips",
        LAST_USED_AT = "last_used_at",
        VALUE_HASH = "value_hash",
        PREV_HASH = "prev_hash",
        RATE_LIMIT = "rate_limit",
        CURRENT_USED_AT = "current_used_at",
        PREVIOUS_USED_AT = "previous_used_at",
    }
}

/// A key as a verifier needs it: its value hashes and what the checks read.
pub struct VerifyRow {
    pub id: String,
    pub name: String,
    pub key_type: KeyType,
    pub org: String,
    pub tenant: String,
    pub enabled: bool,
    pub expires_at: Option<DateTime<Utc>>,
    /// When the previous value stops working (if there is one).
    pub previous_until: Option<DateTime<Utc>>,
    pub user: Option<String>,
    pub rules: Vec<Rule>,
    pub origins: Vec<Origin>,
    pub ips: Vec<IpRange>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// The last use of the current value, and of the previous one.
    pub current_used_at: Option<DateTime<Utc>>,
    pub previous_used_at: Option<DateTime<Utc>>,
    pub hash: [u8; 32],
    pub previous_hash: Option<[u8; 32]>,
    pub rate_limit: Option<RateLimit>,
    /// With a trust key: the row's signature is missing or wrong.
    pub forged: bool,
}

fn hash32(v: Vec<u8>) -> Option<[u8; 32]> {
    v.try_into().ok()
}

fn bad(col: usize, why: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        col,
        rusqlite::types::Type::Text,
        why.to_string().into(),
    )
}

/// A JSON list column; `[]`, by far the most common, without a parser.
fn list<T: FromStored>(r: &Row, col: usize) -> rusqlite::Result<Vec<T>> {
    r.with_ref(col, |v| {
        let text = v.as_str()?;
        if text == "[]" {
            return Ok(Vec::new());
        }
        let items: Vec<String> =
            serde_json::from_str(text).map_err(|_| bad(col, "bad JSON list"))?;
        items
            .iter()
            .map(|s| T::from_stored(s).map_err(|_| bad(col, "bad list item")))
            .collect()
    })
}

fn time(r: &Row, col: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    r.with_ref(col, |v| match v.as_str_or_null()? {
        None => Ok(None),
        Some(s) => parse_timestamp(s).map(Some),
    })
}

fn verify_row(r: &Row) -> rusqlite::Result<Option<VerifyRow>> {
    let Some(hash) = hash32(r.get(col::VALUE_HASH)?) else {
        return Ok(None);
    };
    let key_type = r.with_ref(col::TYPE, |v| {
        v.as_str()?
            .parse::<KeyType>()
            .map_err(|_| bad(col::TYPE, "bad key type"))
    })?;
    let previous_hash = r
        .get::<_, Option<Vec<u8>>>(col::PREV_HASH)?
        .and_then(hash32);
    Ok(Some(VerifyRow {
        id: r.get(col::ID)?,
        name: r.get(col::NAME)?,
        key_type,
        org: r.get(col::ORG)?,
        tenant: r.get(col::TENANT)?,
        enabled: r.get(col::ENABLED)?,
        expires_at: time(r, col::EXPIRES_AT)?,
        previous_until: time(r, col::PREV_UNTIL)?,
        user: r.get(col::USER_NAME)?,
        rules: list(r, col::RULES)?,
        origins: list(r, col::ORIGINS)?,
        ips: list(r, col::IPS)?,
        last_used_at: time(r, col::LAST_USED_AT)?,
        current_used_at: time(r, col::CURRENT_USED_AT)?,
        previous_used_at: time(r, col::PREVIOUS_USED_AT)?,
        hash,
        previous_hash,
        rate_limit: super::keys::rate_limit_column(r, col::RATE_LIMIT)?,
        forged: false,
    }))
}

/// Rules stored as a JSON list of strings; one that no longer parses is
/// dropped, which can only narrow what a user may do.
fn privileges(text: &str) -> Vec<Rule> {
    serde_json::from_str::<Vec<String>>(text)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| Rule::from_stored(r).ok())
        .collect()
}

impl Tx<'_> {
    /// Walks every key with its hashes, in no particular order. With a
    /// trust key, each row's signature is checked (once: `cache` remembers
    /// the good ones across reloads).
    pub fn each_key_for_verify(
        &self,
        mut trust: Option<(&TrustKey, &mut SignatureCache)>,
        mut f: impl FnMut(VerifyRow),
    ) -> Result<()> {
        let sql = match trust {
            None => format!("SELECT {} FROM keys", col::SQL),
            Some(_) => format!(
                "SELECT {}, {}, row_sig FROM keys",
                col::SQL,
                signing::KEY_SIGNED
            ),
        };
        // A verifier reads an older schema as it is (SPEC §5.5): a store
        // from before rate limits has none.
        let sql = if self.has_column("rate_limit")? {
            sql
        } else {
            sql.replace("rate_limit", "NULL")
        };
        // Nor, before schema 8, the last use of each value.
        let sql = if self.has_column("current_used_at")? {
            sql
        } else {
            sql.replace("current_used_at", "NULL")
                .replace("previous_used_at", "NULL")
        };
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            if let Some(mut row) = verify_row(&r)? {
                if let Some((t, cache)) = trust.as_mut() {
                    row.forged = !signing::key_row_verifies(t, cache, &r, col::COUNT)?;
                }
                f(row);
            }
        }
        Ok(())
    }

    /// Whether the keys table has the column `name` (`rate_limit`: schema
    /// 6 on; `current_used_at`: 8 on).
    fn has_column(&self, name: &str) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                &super::pg::has_column_sql(self.conn, "keys", name),
                [],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// How many keys the store holds, all tenants.
    pub fn count_keys_for_verify(&self) -> Result<usize> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM keys", [], |r| r.get(0))?;
        Ok(n.max(0) as usize)
    }

    /// The standing of user `name` of `tenant`; `None` when there is no such user.
    pub fn find_user_for_verify(&self, tenant: &str, name: &str) -> Result<Option<UserGrant>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT enabled, privileges FROM users WHERE tenant = ?1 AND name = ?2",
        )?;
        Ok(stmt
            .query_row(params![tenant, name], |r| {
                Ok(UserGrant {
                    enabled: r.get("enabled")?,
                    privileges: privileges(&r.get::<_, String>("privileges")?),
                })
            })
            .optional()?)
    }

    /// Every user's standing, as `(tenant, name, grant, forged)`; `forged`
    /// only with a trust key, when the row's signature is missing or wrong.
    pub fn each_user_for_verify(
        &self,
        mut trust: Option<(&TrustKey, &mut SignatureCache)>,
        mut f: impl FnMut(String, String, UserGrant, bool),
    ) -> Result<()> {
        // The signed columns only with a trust key: a verifier also reads
        // an older schema that has none (SPEC §5.5).
        let sql = match trust {
            None => "SELECT tenant, name, enabled, privileges FROM users".to_string(),
            Some(_) => format!(
                "SELECT tenant, name, enabled, privileges, {}, row_sig FROM users",
                signing::USER_SIGNED
            ),
        };
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let forged = match trust.as_mut() {
                Some((t, cache)) => !signing::user_row_verifies(t, cache, &r, 4)?,
                None => false,
            };
            f(
                r.get("tenant")?,
                r.get("name")?,
                UserGrant {
                    enabled: r.get("enabled")?,
                    privileges: privileges(&r.get::<_, String>("privileges")?),
                },
                forged,
            );
        }
        Ok(())
    }
}

/// Last use is written at most once a minute per key.
pub const LAST_USE_EVERY: chrono::Duration = chrono::Duration::seconds(60);

impl Store {
    /// Opens an existing store without the right to write to it (no
    /// migration, no last use): for a service that only verifies, and may
    /// run as a user who can read the store but not change it.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(Error::environment(format!(
                "there is no keyadm store at {}",
                path.display()
            ))
            .hint("create one with: keyadm init (or generate a first key)"));
        }
        super::refuse_non_sqlite(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let conn = Conn::Sqlite(conn);
        let version = schema::user_version(&conn)?;
        if version > schema::SCHEMA_VERSION {
            return Err(schema::newer(version));
        }
        // SPEC §5.5: a verifier reads an older schema as it is (the columns
        // it reads are those of the first); it cannot migrate a store it
        // may not write.
        if version < 1 {
            return Err(Error::environment(format!(
                "the store at {} has no keyadm schema yet",
                path.display()
            ))
            .hint("run any keyadm command on it once (e.g. keyadm list) to set it up"));
        }
        Ok(Store {
            conn,
            created_schema: false,
            path: path.to_path_buf(),
            master: None,
            author: super::Author::default(),
            lock_notice: None,
        })
    }

    /// Records that keys were used (ID, when, whether by the current value),
    /// in one transaction, skipping each value whose last use is less than
    /// a minute old. Never waits: a
    /// locked or read-only store gives an error at once, which callers ignore.
    /// Last use is bookkeeping, so it is written without a sync (WAL keeps
    /// the file consistent; a crash may lose the latest last-use times).
    pub fn record_key_uses_nowait(&mut self, uses: &[(String, DateTime<Utc>, bool)]) -> Result<()> {
        if let Some(conn) = self.conn.sqlite() {
            conn.busy_timeout(Duration::ZERO)?;
            conn.execute_batch("PRAGMA synchronous = NORMAL")?;
        }
        let done = (|| -> Result<()> {
            let Some(tx) = self.conn.begin_nowait()? else {
                return Err(Error::environment("the store is locked by another writer")
                    .hint("the last use is written by the next verify"));
            };
            {
                // One statement a use: the value's own last use, and the key's.
                let mut current = self.conn.prepare_cached(
                    "UPDATE keys SET last_used_at = ?2, current_used_at = ?2
                     WHERE id = ?1 AND (current_used_at IS NULL OR current_used_at <= ?3)",
                )?;
                let mut previous = self.conn.prepare_cached(
                    "UPDATE keys SET last_used_at = ?2, previous_used_at = ?2
                     WHERE id = ?1 AND (previous_used_at IS NULL OR previous_used_at <= ?3)",
                )?;
                for (id, at, is_current) in uses {
                    let stmt = if *is_current {
                        &mut current
                    } else {
                        &mut previous
                    };
                    stmt.execute(params![id, timestamp(*at), timestamp(*at - LAST_USE_EVERY)])?;
                }
            }
            tx.commit()?;
            self.checkpoint_if_large();
            Ok(())
        })();
        if let Some(conn) = self.conn.sqlite() {
            let _ = conn.execute_batch("PRAGMA synchronous = FULL");
            let _ = conn.busy_timeout(BUSY_TIMEOUT);
        }
        done
    }
}

/// Is a recorded last use old enough (or absent) to be written again at `now`?
pub fn last_use_due(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last.is_none_or(|t| t <= now - LAST_USE_EVERY)
}
