//! The store on PostgreSQL: where it is (a URL, filled in from the `PG*`
//! variables and `.pgpass` as libpq does), connecting, the schema under an
//! advisory lock, and PostgreSQL's errors in the store's words.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::db::{Conn, PgConn};
use super::schema::{self, Founding, MIGRATIONS_PG, SCHEMA_VERSION};
use crate::error::{Error, Result};

/// The advisory lock every writer takes (and migrations): "keyadm" in
/// ASCII, 0x6b657961646d (written out in `db::Conn::begin`).
#[cfg(test)]
const WRITE_LOCK: i64 = 0x6b65_7961_646d;

/// Whether a `--db`/`KEYADM_DB` value names a PostgreSQL store: only a
/// `postgres://`/`postgresql://` URL, or key=value pairs after `pg:`.
pub fn is_pg_location(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://") || text.starts_with("pg:")
}

/// What the environment gives libpq: `PGHOST`, `PGPORT`, `PGUSER`,
/// `PGDATABASE`, `PGPASSWORD`, `PGPASSFILE` (by name), the home folder
/// (for `~/.pgpass`) and the OS login name (the default user).
#[derive(Debug, Clone, Default)]
pub struct PgEnv {
    pub vars: HashMap<String, String>,
    pub home: Option<PathBuf>,
    pub os_user: String,
}

/// A PostgreSQL store's address, complete.
#[derive(Clone)]
pub struct PgTarget {
    config: postgres::Config,
    /// The URL as shown in messages: never with a password.
    pub shown: String,
    /// A password came with the text itself (refused on the command line).
    pub password_in_text: bool,
}

impl std::fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";

impl PgTarget {
    /// Parses `text` (see [`is_pg_location`]) and fills in what it leaves out.
    pub fn parse(text: &str, env: &PgEnv) -> Result<PgTarget> {
        let body = text.strip_prefix("pg:").unwrap_or(text);
        let mut config: postgres::Config = body.parse().map_err(|e| {
            Error::usage(format!("the PostgreSQL address is not valid: {e}")).hint(
                "write postgresql://USER@HOST:PORT/DATABASE, or pg:host=... dbname=... (a password goes in ~/.pgpass or PGPASSWORD)",
            )
        })?;
        let password_in_text = config.get_password().is_some();
        let var = |k: &str| env.vars.get(k).filter(|v| !v.is_empty()).cloned();
        if config.get_hosts().is_empty() {
            let host = var("PGHOST").unwrap_or_else(|| DEFAULT_SOCKET_DIR.to_string());
            for h in host.split(',') {
                config.host(h);
            }
        }
        if config.get_ports().is_empty() {
            if let Some(p) = var("PGPORT") {
                let port = p.parse::<u16>().map_err(|_| {
                    Error::usage(format!("PGPORT \"{}\" is not a port", p.escape_debug()))
                        .hint("set PGPORT to a number from 1 to 65535, or unset it")
                })?;
                config.port(port);
            }
        }
        if config.get_user().is_none() {
            config.user(var("PGUSER").as_deref().unwrap_or(&env.os_user));
        }
        if config.get_dbname().is_none() {
            let db =
                var("PGDATABASE").unwrap_or_else(|| config.get_user().unwrap_or("").to_string());
            config.dbname(&db);
        }
        if config.get_password().is_none() {
            if let Some(p) = var("PGPASSWORD") {
                config.password(p);
            } else if let Some(p) = pgpass_lookup(&config, env) {
                config.password(p);
            }
        }
        config.connect_timeout(Duration::from_secs(10));
        config.application_name("keyadm");
        let shown = shown_url(&config);
        Ok(PgTarget {
            config,
            shown,
            password_in_text,
        })
    }

    /// Connects and sets the session up: locks wait at most the busy
    /// timeout, times are UTC.
    pub(crate) fn connect(&self) -> Result<Conn> {
        let mut client = self.client()?;
        client
            .batch_execute(&format!(
                "SET lock_timeout = '{}ms'; SET TIME ZONE 'UTC'; SET client_min_messages = warning",
                super::BUSY_TIMEOUT.as_millis()
            ))
            .map_err(|e| from_pg(&e))?;
        Ok(Conn::Pg(Box::new(PgConn::new(client, self.shown.clone()))))
    }

    /// A bare connection, its failure said with the URL (no password).
    fn client(&self) -> Result<postgres::Client> {
        self.config.connect(postgres::NoTls).map_err(|e| {
            Error::environment(format!(
                "cannot connect to the PostgreSQL store {}: {}",
                self.shown,
                pg_reason(&e)
            ))
            .hint(format!(
                "check that the server runs, that the database exists and that the role may log in (password in ~/.pgpass or PGPASSWORD): {}",
                self.shown
            ))
        })
    }
}

impl PgTarget {
    /// Calls `changed` whenever a change is committed to the store (a
    /// `NOTIFY keyadm_changes` from step 11's trigger on the audit log,
    /// which every change writes), on a connection of its own, until
    /// `changed` returns false or `stop` is set (checked every second).
    /// Returns at once with an error where `LISTEN` is not allowed (a
    /// replica): the caller polls instead.
    pub fn listen_for_changes(
        &self,
        stop: &std::sync::atomic::AtomicBool,
        mut changed: impl FnMut() -> bool,
    ) -> Result<()> {
        let mut client = self.client()?;
        client
            .batch_execute("LISTEN keyadm_changes")
            .map_err(|e| from_pg(&e))?;
        use postgres::fallible_iterator::FallibleIterator;
        let mut notes = client.notifications();
        loop {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                return Ok(());
            }
            match notes.timeout_iter(std::time::Duration::from_secs(1)).next() {
                Ok(Some(_)) => {
                    if !changed() {
                        return Ok(());
                    }
                }
                Ok(None) => {}
                Err(e) => return Err(from_pg(&e)),
            }
        }
    }
}

fn first_host(config: &postgres::Config) -> (String, bool) {
    match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => (h.clone(), false),
        Some(postgres::config::Host::Unix(p)) => (p.display().to_string(), true),
        None => (DEFAULT_SOCKET_DIR.to_string(), true),
    }
}

fn port_of(config: &postgres::Config) -> u16 {
    config.get_ports().first().copied().unwrap_or(5432)
}

/// `postgresql://USER@HOST:PORT/DB`, a socket folder percent-encoded.
fn shown_url(config: &postgres::Config) -> String {
    let (host, _) = first_host(config);
    let host: String = host
        .chars()
        .map(|c| match c {
            '/' => "%2F".to_string(),
            '@' => "%40".to_string(),
            ':' => "%3A".to_string(),
            c => c.to_string(),
        })
        .collect();
    format!(
        "postgresql://{}@{}:{}/{}",
        config.get_user().unwrap_or(""),
        host,
        port_of(config),
        config.get_dbname().unwrap_or("")
    )
}

/// The password `.pgpass` gives (`PGPASSFILE`, else `~/.pgpass`): lines
/// `host:port:database:user:password`, `*` matching anything, `\` escaping;
/// `localhost` matches a socket too. Ignored unless only its owner may read it.
fn pgpass_lookup(config: &postgres::Config, env: &PgEnv) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let path = env
        .vars
        .get("PGPASSFILE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| env.home.as_ref().map(|h| h.join(".pgpass")))?;
    let meta = std::fs::metadata(&path).ok()?;
    if !meta.is_file() || meta.permissions().mode() & 0o077 != 0 {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let (host, socket) = first_host(config);
    let port = port_of(config).to_string();
    let db = config.get_dbname().unwrap_or("");
    let user = config.get_user().unwrap_or("");
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_pgpass(line);
        if fields.len() < 5 {
            continue;
        }
        let m = |f: &str, v: &str| f == "*" || f == v;
        let host_ok = m(&fields[0], &host) || (socket && fields[0] == "localhost");
        if host_ok && m(&fields[1], &port) && m(&fields[2], db) && m(&fields[3], user) {
            return Some(fields[4..].join(":"));
        }
    }
    None
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.last_mut().unwrap().push(n);
                }
            }
            ':' if out.len() < 5 => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out
}

/// A PostgreSQL error's own words (the server's message when it gave one).
fn pg_reason(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => d.message().to_string(),
        None => {
            let mut s = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(inner) = src {
                s = format!("{s}: {inner}");
                src = inner.source();
            }
            s
        }
    }
}

/// A PostgreSQL error as the store's error of its kind (exit 5).
pub(crate) fn from_pg(e: &postgres::Error) -> Error {
    use postgres::error::SqlState;
    if let Some(code) = e.code() {
        if *code == SqlState::LOCK_NOT_AVAILABLE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::T_R_SERIALIZATION_FAILURE
        {
            return Error::environment(
                "the store is locked: another process held its write lock for more than 5 seconds",
            )
            .hint(
                "wait for the other keyadm process to finish and try again; nothing was changed",
            );
        }
        if *code == SqlState::INSUFFICIENT_PRIVILEGE {
            return Error::environment(format!("the database refused: {}", pg_reason(e)))
                .hint("connect as a role that may do this (the store's operator role), or ask an operator");
        }
    }
    if e.is_closed() {
        return Error::environment("the connection to the PostgreSQL server was lost")
            .hint("check the server and try again; a change that was not committed was not made");
    }
    Error::environment(format!("store error: {}", pg_reason(e)))
        .hint("check the store with: keyadm audit verify; check the PostgreSQL server's log")
}

/// Whether the keyadm schema is in the database at all.
fn has_schema(conn: &Conn) -> Result<bool> {
    // A query of the catalog, not to_regclass: its cache may not yet see
    // a schema that another host committed while this one waited.
    Ok(conn.query_row(
        "SELECT count(*) > 0 FROM pg_tables
         WHERE schemaname = current_schema() AND tablename = 'keyadm_schema'",
        [],
        |r| r.get::<_, bool>(0),
    )?)
}

/// The schema version (0: none yet).
pub(crate) fn version(conn: &Conn) -> Result<i64> {
    if !has_schema(conn)? {
        return Ok(0);
    }
    Ok(conn.query_row("SELECT version FROM keyadm_schema", [], |r| r.get(0))?)
}

/// Brings the schema up to date in one transaction, under the advisory
/// write lock (two hosts starting at once: the second finds it done). A
/// newer schema is refused untouched; a database holding other tables and
/// no keyadm schema is not a keyadm store.
pub(crate) fn migrate(conn: &Conn, founding: &Founding) -> Result<()> {
    let tx = conn.begin(true)?;
    let version = version(conn)?;
    if version > SCHEMA_VERSION {
        return Err(schema::newer(version));
    }
    if version == SCHEMA_VERSION {
        tx.commit()?;
        return Ok(());
    }
    if version == 0 {
        let tables: i64 = conn.query_row(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()",
            [],
            |r| r.get(0),
        )?;
        if tables > 0 {
            return Err(Error::environment(
                "this PostgreSQL database has tables, but is not a keyadm store",
            )
            .hint("point --db or KEYADM_DB at an empty database or a keyadm store"));
        }
        conn.execute_batch("CREATE TABLE keyadm_schema (version BIGINT NOT NULL); INSERT INTO keyadm_schema VALUES (0)")?;
    }
    for (step, sql) in MIGRATIONS_PG.iter().filter(|(n, _)| *n > version) {
        conn.execute_batch(sql)?;
        schema::after_step(conn, *step, version, founding)?;
    }
    conn.execute("UPDATE keyadm_schema SET version = ?1", [SCHEMA_VERSION])?;
    tx.commit()?;
    Ok(())
}

/// A service's session (a member of `keyadm_verifier` that is neither an
/// operator nor a keyadm user) reads the views of `keyadm_verify` in place
/// of the tables (migration 11): the same queries, without sealed values.
/// Anyone else's search path is left as it is.
pub(crate) fn confine_verifier(conn: &Conn) -> Result<()> {
    conn.query_row(
        "SELECT CASE WHEN keyadm_is_verifier() THEN
             set_config('search_path', 'keyadm_verify, ' || current_setting('search_path'), false)
         END",
        [],
        |_| Ok(()),
    )?;
    Ok(())
}

/// The role this session authenticated as.
pub(crate) fn session_user(conn: &Conn) -> Result<String> {
    Ok(conn.query_row("SELECT session_user::text", [], |r| r.get(0))?)
}

/// The server's clock, as the store writes times (RFC 3339 UTC, seconds).
pub(crate) fn server_time(conn: &Conn) -> Result<String> {
    Ok(conn.query_row(
        "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
        [],
        |r| r.get(0),
    )?)
}

/// A number that changes whenever a change is committed.
pub(crate) fn data_version(conn: &Conn) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT (SELECT coalesce(max(seq), 0) FROM audit) * 1000003
              + (SELECT coalesce(sum(row_version), 0) FROM keys)::bigint
              + (SELECT count(*) FROM keys)",
        [],
        |r| r.get(0),
    )?)
}

/// SQL giving a row when `table` has `column`.
pub(crate) fn has_column_sql(conn: &Conn, table: &str, column: &str) -> String {
    if conn.is_pg() {
        format!("SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}' AND column_name = '{column}'")
    } else {
        format!("SELECT 1 FROM pragma_table_info('{table}') WHERE name = '{column}'")
    }
}

/// A statement that returns a row when `table` exists.
pub(crate) fn has_table_sql(conn: &Conn, table: &str) -> String {
    if conn.is_pg() {
        format!("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{table}'")
    } else {
        format!("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{table}'")
    }
}

/// For messages: a store's location as text (a path, or the URL shown).
pub fn describe(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> PgEnv {
        PgEnv {
            os_user: "alice".into(),
            ..PgEnv::default()
        }
    }

    #[test]
    fn the_write_lock_is_the_one_begin_takes() {
        assert!(crate::store::db::BEGIN_WRITE_PG.contains(&format!("({WRITE_LOCK})")));
    }

    #[test]
    fn only_a_url_or_pg_prefix_selects_postgres() {
        assert!(is_pg_location("postgres://h/db"));
        assert!(is_pg_location("postgresql:///db"));
        assert!(is_pg_location("pg:host=/tmp dbname=x"));
        assert!(!is_pg_location("host=/tmp dbname=x"));
        assert!(!is_pg_location("/var/lib/keys.db"));
        assert!(!is_pg_location("postgres.db"));
    }

    #[test]
    fn the_environment_fills_in_what_the_url_leaves_out() {
        let mut e = env();
        let t = PgTarget::parse("postgresql:///", &e).unwrap();
        assert_eq!(
            t.shown,
            "postgresql://alice@%2Fvar%2Frun%2Fpostgresql:5432/alice"
        );
        e.vars.insert("PGHOST".into(), "db.example".into());
        e.vars.insert("PGPORT".into(), "6543".into());
        e.vars.insert("PGUSER".into(), "bob".into());
        e.vars.insert("PGDATABASE".into(), "keys".into());
        let t = PgTarget::parse("postgresql://", &e).unwrap();
        assert_eq!(t.shown, "postgresql://bob@db.example:6543/keys");
        // The URL wins over the variables.
        let t = PgTarget::parse("postgres://carol@other:5433/mine", &e).unwrap();
        assert_eq!(t.shown, "postgresql://carol@other:5433/mine");
        let t = PgTarget::parse("pg:host=h dbname=d user=u", &e).unwrap();
        assert_eq!(t.shown, "postgresql://u@h:6543/d");
    }

    #[test]
    fn a_password_is_noticed_and_never_shown() {
        let t = PgTarget::parse("postgresql://u:hunter2@h/d", &env()).unwrap();
        assert!(t.password_in_text);
        assert!(!t.shown.contains("hunter2"));
        assert!(!format!("{t:?}").contains("hunter2"));
        let mut e = env();
        e.vars.insert("PGPASSWORD".into(), "pw".into());
        let t = PgTarget::parse("postgresql://u@h/d", &e).unwrap();
        assert!(!t.password_in_text);
        assert_eq!(t.config.get_password(), Some(&b"pw"[..]));
    }

    #[test]
    fn pgpass_gives_the_password_of_the_first_matching_line() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join(".pgpass");
        std::fs::write(
            &f,
            "# comment\nother:*:*:*:no\nlocalhost:5432:keys:u:pa\\:ss\n*:*:*:*:any\n",
        )
        .unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        let e = PgEnv {
            home: Some(dir.path().to_path_buf()),
            os_user: "u".into(),
            ..PgEnv::default()
        };
        let t = PgTarget::parse("postgresql://u@%2Ftmp/keys", &e).unwrap();
        assert_eq!(t.config.get_password(), Some(&b"pa:ss"[..]));
        let t = PgTarget::parse("postgresql://u@elsewhere/keys", &e).unwrap();
        assert_eq!(t.config.get_password(), Some(&b"any"[..]));
        // Readable by others: ignored, as libpq does.
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let t = PgTarget::parse("postgresql://u@elsewhere/keys", &e).unwrap();
        assert_eq!(t.config.get_password(), None);
    }
}
