//! The schema, versioned by `PRAGMA user_version`: an ordered list of
//! numbered steps (`migrations/NNNN_*.sql`), run forward in a loop in the
//! transaction that opens the store for them.

use super::db::Conn;

use crate::error::{Error, Result};

/// The numbered steps, in increasing order; step N brings a store to
/// schema version N. Numbers are reserved per change, so a build may lack
/// some (a gap): the loop runs, in order, every step above the store's
/// version.
pub(super) const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_initial.sql")),
    (2, include_str!("migrations/0002_operators.sql")),
    (3, include_str!("migrations/0003_audit_chains.sql")),
    (4, include_str!("migrations/0004_signed_rows.sql")),
    (5, include_str!("migrations/0005_signed_heads.sql")),
    (6, include_str!("migrations/0006_rate_limits.sql")),
    (7, include_str!("migrations/0007_notice_deliveries.sql")),
    (8, include_str!("migrations/0008_terminal.sql")),
    (9, include_str!("migrations/0009_terminal_2.sql")),
    (10, include_str!("migrations/0010_pg_rls.sql")),
    (11, include_str!("migrations/0011_pg_verifier.sql")),
];

/// Step 5 (signed heads) was numbered below steps that some stores of
/// this release already had when it was added: such a store, at a later
/// version without it, gets its column too (the step is one idempotent
/// `ADD COLUMN`, checked by its column).
const SIGNED_HEADS: &str = include_str!("migrations/0005_signed_heads.sql");

pub(crate) fn gap_steps_missing(conn: &rusqlite::Connection) -> rusqlite::Result<bool> {
    let has: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('audit_heads'))
            AND NOT EXISTS (SELECT 1 FROM pragma_table_info('audit_heads') WHERE name = 'sig')",
        [],
        |r| r.get(0),
    )?;
    Ok(has)
}

/// The same steps for PostgreSQL (`migrations/pg/`), one file per dialect.
pub(super) const MIGRATIONS_PG: &[(i64, &str)] = &[
    (1, include_str!("migrations/pg/0001_initial.sql")),
    (2, include_str!("migrations/pg/0002_operators.sql")),
    (3, include_str!("migrations/pg/0003_audit_chains.sql")),
    (4, include_str!("migrations/pg/0004_signed_rows.sql")),
    (5, include_str!("migrations/pg/0005_signed_heads.sql")),
    (6, include_str!("migrations/pg/0006_rate_limits.sql")),
    (7, include_str!("migrations/pg/0007_notice_deliveries.sql")),
    (8, include_str!("migrations/pg/0008_terminal.sql")),
    (9, include_str!("migrations/pg/0009_terminal_2.sql")),
    (10, include_str!("migrations/pg/0010_pg_rls.sql")),
    (11, include_str!("migrations/pg/0011_pg_verifier.sql")),
];

/// The number of the last step.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// Who and when, for the rows a migration writes: the first operator of a
/// new store (the OS account creating it) or, for a 0.1 store, the owner
/// of its file (SPEC §5.1).
#[derive(Debug, Clone)]
pub struct Founding {
    pub at: String,
    pub operator: String,
}

/// Brings the schema of an open connection up to date. `created_at` stamps
/// the `default` tenant of a new store.
pub fn migrate(conn: &Conn, founding: &Founding) -> Result<()> {
    if conn.is_pg() {
        return super::pg::migrate(conn, founding);
    }
    // Processes creating one store at once contend for the locks that the
    // switch to WAL takes, which SQLite reports at once rather than through
    // the busy handler: try again until the busy timeout.
    let start = std::time::Instant::now();
    loop {
        match migrate_once(conn, founding) {
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

fn migrate_once(store: &Conn, founding: &Founding) -> rusqlite::Result<Migrated> {
    let conn = store.sqlite().expect("an SQLite store");
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Ok(Migrated::Newer(version));
    }
    if version == SCHEMA_VERSION && !gap_steps_missing(conn)? {
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
            return migrate_once(store, founding);
        }
        if objects > 0 {
            // The two reads above are separate snapshots: another process may
            // have created the store between them. Only a file that still
            // has no schema version is someone else's database.
            let again: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if again == 0 {
                return Ok(Migrated::Foreign);
            }
            return migrate_once(store, founding);
        }
        // journal_mode cannot change inside a transaction; it persists in the file.
        conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))?;
    }
    let tx = store.begin(true)?;
    // Another process may have migrated while this one waited for the lock.
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (step, sql) in MIGRATIONS.iter().filter(|(n, _)| *n > version) {
        conn.execute_batch(sql)?;
        after_step(store, *step, version, founding)?;
    }
    if gap_steps_missing(conn)? {
        conn.execute_batch(SIGNED_HEADS)?;
    }
    conn.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
    tx.commit()?;
    Ok(Migrated::Done)
}

/// The rows a step writes that its SQL cannot know: `from` is the version
/// the store had before this run (0 for a new store).
pub(super) fn after_step(
    tx: &Conn,
    step: i64,
    from: i64,
    founding: &Founding,
) -> rusqlite::Result<()> {
    match step {
        1 => {
            tx.execute(
                "INSERT INTO orgs (path, tenant, created_at) VALUES ('default', 'default', ?1)",
                [&founding.at],
            )?;
        }
        2 => {
            // A new store's operator is its creator; a 0.1 store's are the
            // owner of its file and every actor of its audit log that is not
            // a registered user (they acted as operators then).
            let added_by = if from == 0 { "init" } else { "migration" };
            tx.execute(
                "INSERT OR IGNORE INTO operators (name, added_at, added_by) VALUES (?1, ?2, ?3)",
                [&founding.operator, &founding.at, added_by],
            )?;
            tx.execute(
                "INSERT OR IGNORE INTO operators (name, added_at, added_by)
                 SELECT DISTINCT actor, ?1, 'migration' FROM audit
                 WHERE actor NOT IN (SELECT name FROM users)",
                [&founding.at],
            )?;
        }
        3 => {
            // The 0.1 chain becomes the store-wide chain's history: its
            // authenticated head (the 0.1 HMAC over place and hash) becomes
            // that chain's head row, formula 1, until its next entry.
            tx.execute(
                "INSERT INTO audit_heads (chain, seq, hash, mac, v)
                 SELECT '@store', coalesce(a.seq, 0), coalesce(a.hash, zeroblob(32)), m.value, 1
                 FROM meta m
                 LEFT JOIN (SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1) a ON 1 = 1
                 WHERE m.name = 'audit_head'",
                [],
            )?;
            tx.execute("DELETE FROM meta WHERE name = 'audit_head'", [])?;
        }
        4 => {
            crate::store::signing::after_migration(tx, from == 0)?;
        }
        _ => {}
    }
    Ok(())
}

pub fn user_version(conn: &Conn) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

pub fn newer(version: i64) -> Error {
    Error::environment(format!(
        "the store has schema version {version}, newer than this keyadm understands ({SCHEMA_VERSION})"
    ))
    .hint("upgrade keyadm; the store was left untouched")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_steps_are_in_increasing_order() {
        assert!(super::MIGRATIONS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn each_step_has_its_postgresql_twin() {
        let numbers = |m: &[(i64, &str)]| m.iter().map(|s| s.0).collect::<Vec<_>>();
        assert_eq!(numbers(super::MIGRATIONS), numbers(super::MIGRATIONS_PG));
    }
}
