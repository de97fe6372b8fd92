//! `keyadm store copy FROM TO`: a whole store, row for row, into a new one
//! of either kind (issue 13, item 10). Every table and every column is
//! named here ([`TABLES`]); a source with a column this list does not
//! name is refused (a test compares the list with the schema), so that a
//! new column cannot be left behind silently.
//!
//! The rows are copied as they are: IDs, value hashes, sealed values,
//! row versions and signatures, the audit entries with their hashes and
//! the chain heads with their HMACs and signatures, and `meta` with the
//! store ID, so that the master key, the trust key, `audit verify` and
//! every key work on the copy as on the original. Nothing needs the
//! master key and nothing is written to the source.
//!
//! All or nothing: a PostgreSQL target gets its schema and its rows in one
//! transaction; an SQLite target is written to a file beside it and put in
//! place (never over an existing file) only once complete.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::ToSql;

use super::db::Conn;
use super::pg::{self, PgTarget};
use super::schema::{MIGRATIONS, MIGRATIONS_PG, SCHEMA_VERSION};
use super::{Store, CONNECTION_PRAGMAS};
use crate::error::{Error, Result};

/// Every table of the store and every column of it, parents first (orgs
/// before the users and keys that name them).
pub const TABLES: &[(&str, &[&str])] = &[
    ("meta", &["name", "value"]),
    ("settings", &["name", "value"]),
    ("orgs", &["path", "tenant", "created_at"]),
    ("operators", &["name", "added_at", "added_by"]),
    (
        "users",
        &[
            "name",
            "display_name",
            "email",
            "org",
            "tenant",
            "groups_json",
            "role",
            "enabled",
            "privileges",
            "created_at",
            "row_version",
            "row_sig",
        ],
    ),
    (
        "keys",
        &[
            "id",
            "name",
            "tenant",
            "org",
            "type",
            "description",
            "enabled",
            "disabled_reason",
            "created_at",
            "created_by",
            "expires_at",
            "value_hash",
            "sealed",
            "display",
            "prev_hash",
            "prev_sealed",
            "prev_display",
            "prev_until",
            "rotated_at",
            "rotate_every",
            "user_name",
            "rules",
            "origins",
            "ips",
            "tags",
            "last_used_at",
            "row_version",
            "row_sig",
            "rate_limit",
            "current_used_at",
            "previous_used_at",
            "expiry_set_at",
        ],
    ),
    (
        "audit",
        &[
            "seq",
            "at",
            "actor",
            "action",
            "key_id",
            "key_name",
            "tenant",
            "details",
            "hash",
            "as_of",
            "os_uid",
            "os_user",
            "chain",
            "chain_seq",
        ],
    ),
    ("audit_heads", &["chain", "seq", "hash", "mac", "v", "sig"]),
    ("notices", &["key_id", "expires_at", "days", "state", "at"]),
    (
        "notice_deliveries",
        &[
            "key_id",
            "expires_at",
            "days",
            "channel",
            "state",
            "attempts",
            "at",
            "error",
        ],
    ),
    ("sweep_kept", &["key_id", "expires_at", "at"]),
];

/// A store's location: a file, or a PostgreSQL database.
#[derive(Debug, Clone)]
pub enum Location {
    File(PathBuf),
    Pg(Box<PgTarget>),
}

impl Location {
    pub fn shown(&self) -> String {
        match self {
            Location::File(p) => p.display().to_string(),
            Location::Pg(t) => t.shown.clone(),
        }
    }
}

/// How the copy treats identities on a PostgreSQL target.
#[derive(Debug, Clone, Default)]
pub struct CopyOptions {
    /// Create a login role for each user (and operator) that has none.
    pub create_logins: bool,
    /// The one role the source's operators become.
    pub operator_role: Option<String>,
}

/// What was copied: rows per table, and the roles created.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CopyReport {
    pub from: String,
    pub to: String,
    pub rows: Vec<(String, usize)>,
    pub created_logins: Vec<String>,
    pub operators: Vec<String>,
}

/// One table's rows, read from the source.
struct TableRows {
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Value>>,
}

/// The columns `table` has in the store of `conn`.
fn columns_of(conn: &Conn, table: &str) -> Result<Vec<String>> {
    let sql = if conn.is_pg() {
        "SELECT column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position"
    } else {
        "SELECT name FROM pragma_table_info(?1) ORDER BY cid"
    };
    let mut stmt = conn.prepare(sql)?;
    let cols = stmt.query_map([table], |r| r.get::<_, String>(0))?;
    Ok(cols.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The tables of the store of `conn` (not PostgreSQL's `keyadm_schema`).
fn tables_of(conn: &Conn) -> Result<Vec<String>> {
    let sql = if conn.is_pg() {
        "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()
         AND tablename <> 'keyadm_schema' ORDER BY tablename"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    };
    let mut stmt = conn.prepare(sql)?;
    let names = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(names.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// What the copy would leave behind of the store of `conn`: tables and
/// columns [`TABLES`] does not name, as `table` or `table.column`.
pub(crate) fn not_carried(conn: &Conn) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for t in tables_of(conn)? {
        match TABLES.iter().find(|(name, _)| *name == t) {
            None => out.push(t),
            Some((_, cols)) => {
                for c in columns_of(conn, &t)? {
                    if !cols.contains(&c.as_str()) {
                        out.push(format!("{t}.{c}"));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Reads every row of the source in one snapshot.
fn read_all(conn: &Conn) -> Result<Vec<TableRows>> {
    let left = not_carried(conn)?;
    if !left.is_empty() {
        return Err(Error::environment(format!(
            "the source store has what this keyadm cannot copy: {}",
            left.join(", ")
        ))
        .hint(
            "copy it with the keyadm that made the store (a newer release); nothing was written",
        ));
    }
    let tx = conn.begin(false)?;
    let mut out = Vec::new();
    for (table, columns) in TABLES {
        let present = columns_of(conn, table)?;
        // A column the source lacks (a store before that step) is NULL.
        let select: Vec<String> = columns
            .iter()
            .map(|c| match present.iter().any(|p| p == c) {
                true => (*c).to_string(),
                false => format!("NULL AS {c}"),
            })
            .collect();
        let order = match *table {
            "audit" => " ORDER BY seq",
            _ => "",
        };
        let sql = format!("SELECT {} FROM {table}{order}", select.join(", "));
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([], |r| {
            (0..columns.len())
                .map(|i| r.get::<_, Value>(i))
                .collect::<rusqlite::Result<Vec<_>>>()
        })?;
        out.push(TableRows {
            table,
            columns,
            rows: rows.collect::<rusqlite::Result<Vec<_>>>()?,
        });
    }
    tx.commit()?;
    Ok(out)
}

/// Copies the open store `source` into the empty `to` (see the module's note).
pub fn copy_store(
    source: &Store,
    to: &Location,
    options: &CopyOptions,
    now: DateTime<Utc>,
) -> Result<CopyReport> {
    if let Some(role) = &options.operator_role {
        if role.is_empty() || role.len() > 63 || role.chars().any(|c| c.is_control()) {
            return Err(Error::usage(format!(
                "\"{}\" is not a PostgreSQL role name",
                role.escape_debug()
            ))
            .hint("give --operator-role a role name of 1 to 63 bytes"));
        }
    }
    // The target is checked before the source is read: a wrong target
    // costs nothing.
    let target = open_target(to)?;
    let mut tables = read_all(&source.conn)?;
    let mut report = CopyReport {
        from: source.path().display().to_string(),
        to: to.shown(),
        ..CopyReport::default()
    };
    if let Some(role) = &options.operator_role {
        map_operators(&mut tables, role, now);
    }
    report.operators = column_values(&tables, "operators", "name");
    match target {
        Target::File { path, temp } => {
            write_file(&temp.0, &tables)?;
            put_in_place(&temp.0, &path)?;
        }
        Target::Pg(conn) => {
            report.created_logins = write_pg(&conn, &tables, options)?;
        }
    }
    report.rows = tables
        .iter()
        .map(|t| (t.table.to_string(), t.rows.len()))
        .collect();
    Ok(report)
}

fn column_values(tables: &[TableRows], table: &str, column: &str) -> Vec<String> {
    let Some(t) = tables.iter().find(|t| t.table == table) else {
        return Vec::new();
    };
    let Some(i) = t.columns.iter().position(|c| *c == column) else {
        return Vec::new();
    };
    t.rows
        .iter()
        .filter_map(|r| match &r[i] {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// The source's operators become the one role `role`: added when the
/// first of them was, by whom that one was.
fn map_operators(tables: &mut [TableRows], role: &str, now: DateTime<Utc>) {
    let Some(t) = tables.iter_mut().find(|t| t.table == "operators") else {
        return;
    };
    t.rows
        .sort_by(|a, b| format!("{:?}", a[1]).cmp(&format!("{:?}", b[1])));
    let first = t.rows.first().cloned();
    let (added_at, added_by) = match first {
        Some(r) => (r[1].clone(), r[2].clone()),
        None => (
            Value::Text(super::timestamp(now)),
            Value::Text("store copy".into()),
        ),
    };
    t.rows = vec![vec![Value::Text(role.to_string()), added_at, added_by]];
}

enum Target {
    File { path: PathBuf, temp: TempFile },
    Pg(Conn),
}

/// The file an SQLite copy is written to, removed (with its WAL) however
/// the copy ends: once in place, the target is a second link to it.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        for ext in ["-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{ext}", self.0.display()));
        }
    }
}

/// The target, checked empty: a path with no file (or an empty file), or a
/// PostgreSQL database with no tables at all.
fn open_target(to: &Location) -> Result<Target> {
    match to {
        Location::File(path) => {
            let refuse = |why: &str| {
                Error::refused(format!(
                    "the target {} is not empty: {why}",
                    path.display()
                ))
                .hint("copy into a path where no file is yet (or an empty database); nothing was changed")
            };
            if path.is_dir() {
                return Err(refuse("it is a folder"));
            }
            if let Ok(m) = std::fs::symlink_metadata(path) {
                if m.len() > 0 || !m.is_file() {
                    return Err(refuse("a file is there"));
                }
            }
            crate::files::check_store(path)?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "keys.db".into());
            let temp = path.with_file_name(format!(".{name}.copy-{}", std::process::id()));
            let _ = std::fs::remove_file(&temp);
            super::create_store_file(&temp)?;
            Ok(Target::File {
                path: path.clone(),
                temp: TempFile(temp),
            })
        }
        Location::Pg(t) => {
            let conn = t.connect()?;
            let tables: Vec<String> = {
                let mut stmt = conn.prepare(
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
                )?;
                let names = stmt.query_map([], |r| r.get::<_, String>(0))?;
                names.collect::<rusqlite::Result<Vec<_>>>()?
            };
            if !tables.is_empty() {
                let why = match pg::version(&conn)? {
                    0 => format!("it has tables ({})", tables.join(", ")),
                    _ => "it holds a keyadm store already".to_string(),
                };
                return Err(
                    Error::refused(format!("the target {} is not empty: {why}", t.shown)).hint(
                        "copy into an empty database (CREATE DATABASE ...); nothing was changed",
                    ),
                );
            }
            Ok(Target::Pg(conn))
        }
    }
}

fn insert_all(conn: &Conn, tables: &[TableRows]) -> Result<()> {
    for t in tables {
        let marks: Vec<String> = (1..=t.columns.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            t.table,
            t.columns.join(", "),
            marks.join(", ")
        );
        let mut stmt = conn.prepare(&sql)?;
        for row in &t.rows {
            let params: Vec<&dyn ToSql> = row.iter().map(|v| v as &dyn ToSql).collect();
            stmt.execute(params.as_slice())?;
        }
    }
    Ok(())
}

/// The new SQLite file: the schema and every row, one transaction.
fn write_file(temp: &Path, tables: &[TableRows]) -> Result<()> {
    let c = rusqlite::Connection::open(temp)?;
    c.busy_timeout(super::BUSY_TIMEOUT)?;
    c.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))?;
    c.execute_batch(CONNECTION_PRAGMAS)?;
    let conn = Conn::Sqlite(c);
    let tx = conn.begin(true)?;
    for (_, sql) in MIGRATIONS {
        conn.execute_batch(sql)?;
    }
    conn.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
    insert_all(&conn, tables)?;
    tx.commit()?;
    if let Some(c) = conn.sqlite() {
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    Ok(())
}

/// Puts the finished file at `path`, never over a file that appeared
/// meanwhile (an empty one is replaced).
fn put_in_place(temp: &Path, path: &Path) -> Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0) {
        let _ = std::fs::remove_file(path);
    }
    std::fs::hard_link(temp, path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Error::refused(format!(
            "the target {} is not empty: a file appeared there during the copy",
            path.display()
        ))
        .hint("copy into a path where no file is yet; nothing was changed"),
        _ => Error::environment(format!("cannot create {}: {e}", path.display()))
            .hint("check that its folder is writable; nothing was changed"),
    })
}

/// A role name as a quoted identifier.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The schema and every row in one transaction. On this branch the
/// database's roles are not yet the store's rights (row-level security is
/// a later step): a user or operator must have a role in `pg_roles`, made
/// with `--create-logins` when missing. Returns the roles made.
fn write_pg(conn: &Conn, tables: &[TableRows], options: &CopyOptions) -> Result<Vec<String>> {
    let tx = conn.begin(true)?;
    // Another copy may have filled it while this one waited for the lock.
    let filled: i64 = conn.query_row(
        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()",
        [],
        |r| r.get(0),
    )?;
    if filled > 0 {
        return Err(Error::refused(
            "the target is not empty: it got tables while this copy waited for it",
        )
        .hint("copy into an empty database (CREATE DATABASE ...); nothing was changed"));
    }
    let mut names = column_values(tables, "users", "name");
    names.extend(column_values(tables, "operators", "name"));
    names.sort();
    names.dedup();
    let mut missing = Vec::new();
    if let Some(long) = names.iter().find(|n| n.len() > 63) {
        return Err(Error::refused(format!(
            "\"{}\" cannot be a PostgreSQL role: a role name is at most 63 bytes",
            long.escape_debug()
        ))
        .hint("rename the user in the source store first (or map operators with --operator-role); nothing was changed"));
    }
    for n in &names {
        let has: bool = conn.query_row(
            "SELECT count(*) > 0 FROM pg_roles WHERE rolname = ?1",
            [n],
            |r| r.get(0),
        )?;
        if !has {
            missing.push(n.clone());
        }
    }
    if !missing.is_empty() && !options.create_logins {
        return Err(Error::refused(format!(
            "these users or operators have no role in the target database: {}",
            missing.join(", ")
        ))
        .hint("create their login roles first, or add --create-logins (operators: --operator-role ROLE); nothing was changed"));
    }
    for n in &missing {
        conn.execute_batch(&format!("CREATE ROLE {} LOGIN", quote_ident(n)))?;
    }
    conn.execute_batch(
        "CREATE TABLE keyadm_schema (version BIGINT NOT NULL); INSERT INTO keyadm_schema VALUES (0)",
    )?;
    for (_, sql) in MIGRATIONS_PG {
        conn.execute_batch(sql)?;
    }
    conn.execute("UPDATE keyadm_schema SET version = ?1", [SCHEMA_VERSION])?;
    insert_all(conn, tables)?;
    tx.commit()?;
    Ok(missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new column of any table (a key's, a user's) that the copy does not
    /// name fails here, and a named one the schema lacks too.
    #[test]
    fn the_copy_names_every_table_and_column_of_the_schema() {
        let store = Store::open_in_memory(Utc::now()).unwrap();
        assert_eq!(not_carried(&store.conn).unwrap(), Vec::<String>::new());
        let mut tables = tables_of(&store.conn).unwrap();
        tables.sort();
        let mut named: Vec<String> = TABLES.iter().map(|t| t.0.to_string()).collect();
        named.sort();
        assert_eq!(tables, named);
        for (t, cols) in TABLES {
            let mut have = columns_of(&store.conn, t).unwrap();
            have.sort();
            let mut want: Vec<String> = cols.iter().map(|c| c.to_string()).collect();
            want.sort();
            assert_eq!(have, want, "columns of {t}");
        }
    }

    #[test]
    fn a_column_the_copy_does_not_name_is_seen() {
        let store = Store::open_in_memory(Utc::now()).unwrap();
        store
            .conn
            .execute_batch(
                "ALTER TABLE keys ADD COLUMN owner TEXT; ALTER TABLE users ADD COLUMN phone TEXT",
            )
            .unwrap();
        assert_eq!(
            not_carried(&store.conn).unwrap(),
            vec!["keys.owner".to_string(), "users.phone".to_string()]
        );
    }
}
