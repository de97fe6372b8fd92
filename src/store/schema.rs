//! The schema, versioned by `PRAGMA user_version`; migrations run forward,
//! each in the transaction that opens the store for it.

use rusqlite::Connection;

use crate::error::{Error, Result};

pub const SCHEMA_VERSION: i64 = 1;

const V1: &str = "
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE orgs (
    path       TEXT PRIMARY KEY,
    tenant     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE users (
    name         TEXT PRIMARY KEY,
    display_name TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    org          TEXT NOT NULL REFERENCES orgs(path),
    tenant       TEXT NOT NULL,
    groups_json  TEXT NOT NULL DEFAULT '[]',
    role         TEXT NOT NULL DEFAULT 'member',
    enabled      INTEGER NOT NULL DEFAULT 1,
    privileges   TEXT NOT NULL DEFAULT '[]',
    created_at   TEXT NOT NULL
);
CREATE INDEX users_tenant ON users(tenant);
CREATE TABLE keys (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    tenant          TEXT NOT NULL,
    org             TEXT NOT NULL REFERENCES orgs(path),
    type            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    enabled         INTEGER NOT NULL,
    disabled_reason TEXT,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    expires_at      TEXT,
    value_hash      BLOB NOT NULL UNIQUE,
    sealed          BLOB,
    display         TEXT NOT NULL,
    prev_hash       BLOB UNIQUE,
    prev_sealed     BLOB,
    prev_display    TEXT,
    prev_until      TEXT,
    rotated_at      TEXT,
    rotate_every    INTEGER,
    user_name       TEXT,
    rules           TEXT NOT NULL DEFAULT '[]',
    origins         TEXT NOT NULL DEFAULT '[]',
    ips             TEXT NOT NULL DEFAULT '[]',
    tags            TEXT NOT NULL DEFAULT '[]',
    last_used_at    TEXT,
    UNIQUE (tenant, name)
);
CREATE INDEX keys_org ON keys(org);
CREATE INDEX keys_name ON keys(name);
CREATE TABLE audit (
    seq      INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    key_id   TEXT,
    key_name TEXT,
    tenant   TEXT,
    details  TEXT NOT NULL,
    hash     BLOB NOT NULL
);
CREATE INDEX audit_key ON audit(key_id);
CREATE TABLE notices (
    key_id     TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    days       INTEGER NOT NULL,
    state      TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (key_id, expires_at, days)
);
CREATE INDEX keys_user ON keys(user_name) WHERE user_name IS NOT NULL;
";

/// Brings the schema of an open connection up to date. `created_at` stamps
/// the `default` tenant of a new store.
pub fn migrate(conn: &mut Connection, created_at: &str) -> Result<()> {
    // Processes creating one store at once contend for the locks that the
    // switch to WAL takes, which SQLite reports at once rather than through
    // the busy handler: try again until the busy timeout.
    let start = std::time::Instant::now();
    loop {
        match migrate_once(conn, created_at) {
            Err(e) if is_busy(&e) && start.elapsed() < crate::store::BUSY_TIMEOUT => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => return Err(e.into()),
            Ok(Migrated::Done) => return Ok(()),
            Ok(Migrated::Newer(v)) => return Err(newer(v)),
            Ok(Migrated::Foreign) => return Err(Error::environment(
                "this file is an SQLite database, but not a keyadm store",
            )
            .hint(
                "point --db or KEYADM_DB at a keyadm store, or at a path that does not exist yet",
            )),
        }
    }
}

enum Migrated {
    Done,
    Newer(i64),
    Foreign,
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn migrate_once(conn: &mut Connection, created_at: &str) -> rusqlite::Result<Migrated> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Ok(Migrated::Newer(version));
    }
    if version == SCHEMA_VERSION {
        return Ok(Migrated::Done);
    }
    if version == 0 {
        // One statement, one snapshot: another process may have just
        // migrated this new store, and then it is a keyadm store after all.
        let (objects, version): (i64, i64) = conn.query_row(
            "SELECT count(*), (SELECT user_version FROM pragma_user_version) FROM sqlite_master",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if version > 0 {
            return migrate_once(conn, created_at);
        }
        if objects > 0 {
            // The two reads above are separate snapshots: another process may
            // have created the store between them. Only a file that still
            // has no schema version is someone else's database.
            let again: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if again == 0 {
                return Ok(Migrated::Foreign);
            }
            return migrate_once(conn, created_at);
        }
        // journal_mode cannot change inside a transaction; it persists in the file.
        conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))?;
    }
    let tx = rusqlite::Transaction::new(conn, rusqlite::TransactionBehavior::Immediate)?;
    // Another process may have migrated while this one waited for the lock.
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version < 1 {
        tx.execute_batch(V1)?;
        tx.execute(
            "INSERT INTO orgs (path, tenant, created_at) VALUES ('default', 'default', ?1)",
            [created_at],
        )?;
    }
    tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
    tx.commit()?;
    Ok(Migrated::Done)
}

pub fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

pub fn newer(version: i64) -> Error {
    Error::environment(format!(
        "the store has schema version {version}, newer than this keyadm understands ({SCHEMA_VERSION})"
    ))
    .hint("upgrade keyadm; the store was left untouched")
}
