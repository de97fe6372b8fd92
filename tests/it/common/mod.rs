//! The test harness: a temporary store per test, and the built binary run
//! against it with a clean environment.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

/// A fresh store location (not yet created) in its own temporary folder.
pub struct Env {
    pub dir: TempDir,
    pub now: Option<String>,
    pub actor: String,
    /// The test's PostgreSQL database, when it runs against PostgreSQL.
    pub pg: Option<String>,
}

/// Whether the running test is one of the PostgreSQL runs: the modules
/// under `mod pg` in main.rs (the same files as the SQLite runs). libtest
/// names each test's thread after the test; `pg_backend_is_detected`
/// fails if that ever stops holding.
pub fn on_pg() -> bool {
    std::thread::current()
        .name()
        .is_some_and(|n| n.starts_with("pg::"))
}

/// What one run of the binary gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// How long before the clock [`Env::generate_long_ago`] generates a key.
pub const LONG_AGO_DAYS: i64 = 60;

impl Env {
    /// A fresh store: a file that does not exist yet, or for the
    /// PostgreSQL runs ([`on_pg`]) an empty database of its own.
    pub fn new() -> Self {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
            now: None,
            actor: "tester".into(),
            pg: on_pg().then(|| pg::cluster().create_db()),
        }
    }

    /// What KEYADM_DB is: the file, or the test's database (the role from PGUSER).
    pub fn db_location(&self) -> std::ffi::OsString {
        match &self.pg {
            Some(db) => pg::cluster().url_without_user(db).into(),
            None => self.db().into(),
        }
    }

    /// Sets who runs: KEYADM_ACTOR, and on PostgreSQL the role (PGUSER),
    /// which is who the actor is there (SPEC §5.1).
    pub fn actor_env<'c>(
        &self,
        c: &'c mut std::process::Command,
        actor: &str,
    ) -> &'c mut std::process::Command {
        c.env("KEYADM_ACTOR", actor);
        if self.pg.is_some() {
            pg::cluster().ensure_role(actor);
            c.env("PGUSER", actor);
        }
        c
    }

    /// A store whose clock is fixed at `now` (RFC 3339).
    pub fn at(now: &str) -> Self {
        let mut e = Env::new();
        e.now = Some(now.to_string());
        e
    }

    pub fn db(&self) -> PathBuf {
        assert!(
            self.pg.is_none(),
            "this test reads the SQLite file: it cannot run against PostgreSQL"
        );
        self.dir.path().join("data/keys.db")
    }

    pub fn master(&self) -> PathBuf {
        self.dir.path().join("config/master.key")
    }

    /// Points `c` at this store: the one place the tests set keyadm's
    /// environment. No stray KEYADM_* variables of the test process reach it.
    pub fn apply<'c>(&self, c: &'c mut std::process::Command) -> &'c mut std::process::Command {
        for (k, _) in std::env::vars() {
            if k.starts_with("KEYADM_") {
                c.env_remove(k);
            }
        }
        for k in [
            "PGHOST",
            "PGPORT",
            "PGUSER",
            "PGDATABASE",
            "PGPASSWORD",
            "PGPASSFILE",
        ] {
            c.env_remove(k);
        }
        self.actor_env(c, &self.actor);
        c.env("KEYADM_DB", self.db_location())
            .env("KEYADM_MASTER_KEY_FILE", self.master())
            .env("XDG_DATA_HOME", self.dir.path().join("xdg-data"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg-config"))
            .env("XDG_STATE_HOME", self.dir.path().join("xdg-state"))
            .env("NO_COLOR", "1")
            .env("TZ", "UTC");
        if let Some(now) = &self.now {
            c.env("KEYADM_NOW", now);
        }
        c
    }

    /// The binary as a plain `std::process::Command` (for spawning, killing,
    /// or any stdout), with the environment of [`Env::apply`].
    pub fn std_cmd(&self) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("keyadm"));
        self.apply(&mut c);
        c
    }

    /// The binary, pointed at this store, with no stray KEYADM_* variables.
    pub fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }

    /// Runs `bin` (a copy of the binary `nobody` can reach) as the
    /// unprivileged user `nobody` through setpriv, with an otherwise empty
    /// environment (HOME is the test's folder), so file permissions apply.
    pub fn as_nobody(&self, bin: &std::path::Path, args: &[&str]) -> Run {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
            .arg(bin)
            .args(args)
            .env_clear()
            .env("HOME", self.dir.path());
        self.apply(&mut c).output().expect("setpriv runs").into()
    }

    /// The binary with `args`; on PostgreSQL an `--actor NAME` among them
    /// also connects as the role NAME (who the actor is there, SPEC §5.1).
    pub fn cmd_with(&self, args: &[&str]) -> Command {
        let mut c = self.std_cmd();
        // (`audit --actor` is still the old filter, not who runs.)
        if self.pg.is_some() && args.first() != Some(&"audit") {
            let declared = args.iter().enumerate().find_map(|(i, a)| {
                a.strip_prefix("--actor=").or_else(|| {
                    (*a == "--actor")
                        .then(|| args.get(i + 1).copied())
                        .flatten()
                })
            });
            if let Some(actor) = declared {
                self.actor_env(&mut c, actor);
            }
        }
        c.args(args);
        Command::from_std(c)
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.cmd_with(args).output().expect("binary runs").into()
    }

    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Run {
        self.cmd_with(args)
            .write_stdin(stdin)
            .output()
            .expect("binary runs")
            .into()
    }

    /// Runs and asserts exit 0; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(
            r.code, 0,
            "keyadm {args:?} failed:\n{}{}",
            r.stdout, r.stderr
        );
        r.stdout
    }

    /// Runs and asserts the exit code and an `error:` line; returns stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let r = self.run(args);
        assert_eq!(
            r.code, code,
            "keyadm {args:?}: expected exit {code}:\n{}{}",
            r.stdout, r.stderr
        );
        assert!(r.stderr.contains("error: "), "no error line: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "panic: {}", r.stderr);
        r.stderr
    }

    /// The binary run as `actor` (KEYADM_ACTOR, and the role on PostgreSQL).
    pub fn cmd_as(&self, actor: &str) -> Command {
        let mut c = self.std_cmd();
        self.actor_env(&mut c, actor);
        Command::from_std(c)
    }

    /// Runs as another actor (`KEYADM_ACTOR`).
    pub fn run_as(&self, actor: &str, args: &[&str]) -> Run {
        let mut c = self.std_cmd();
        self.actor_env(&mut c, actor);
        Command::from_std(c)
            .args(args)
            .output()
            .expect("binary runs")
            .into()
    }

    /// Runs as another actor and asserts exit 0; returns stdout.
    pub fn ok_as(&self, actor: &str, args: &[&str]) -> String {
        let r = self.run_as(actor, args);
        assert_eq!(
            r.code, 0,
            "{actor}: keyadm {args:?} failed:\n{}{}",
            r.stdout, r.stderr
        );
        r.stdout
    }

    /// Runs as another actor and asserts the exit code and the one-error,
    /// one-hint form of every failure (SPEC §3); returns stderr.
    pub fn fails_as(&self, actor: &str, args: &[&str], code: i32) -> String {
        let r = self.run_as(actor, args);
        assert_eq!(
            r.code, code,
            "{actor}: keyadm {args:?}: expected exit {code}:\n{}{}",
            r.stdout, r.stderr
        );
        assert_error_form(&r.stderr);
        r.stderr
    }

    /// Generates a key and returns its value.
    pub fn generate(&self, name: &str, extra: &[&str]) -> String {
        let mut args = vec!["generate", name, "-q"];
        args.extend_from_slice(extra);
        self.ok(&args).trim().to_string()
    }

    /// Generates a key as `generate` would have, `LONG_AGO_DAYS` before the
    /// store's clock, with an `--expires Nd` counted from the clock (as a
    /// date): a key whose expiry was set long before it falls, so that every
    /// notice threshold applies to it (a threshold's notice is sent only if
    /// the expiry was set more than that many days before it).
    pub fn generate_long_ago(&self, name: &str, extra: &[&str]) -> String {
        let mut args = vec!["generate", name, "-q"];
        args.extend_from_slice(extra);
        self.ok_long_ago(&args).trim().to_string()
    }

    /// Runs `args` as [`Env::ok`] does, `LONG_AGO_DAYS` before the store's
    /// clock, with an `--expires Nd` counted from the clock (as a date).
    pub fn ok_long_ago(&self, args: &[&str]) -> String {
        use chrono::{DateTime, Duration, SecondsFormat, Utc};
        let clock = self.now.as_deref().map_or_else(Utc::now, |n| {
            DateTime::parse_from_rfc3339(n)
                .expect("KEYADM_NOW is RFC 3339")
                .with_timezone(&Utc)
        });
        let mut moved: Vec<String> = Vec::new();
        let mut expires_next = false;
        for a in args {
            let days = a.strip_suffix('d').and_then(|d| d.parse::<i64>().ok());
            match (expires_next, days) {
                (true, Some(d)) => moved
                    .push((clock + Duration::days(d)).to_rfc3339_opts(SecondsFormat::Secs, true)),
                _ => moved.push(a.to_string()),
            }
            expires_next = *a == "--expires";
        }
        let earlier = clock - Duration::days(LONG_AGO_DAYS);
        let r: Run = self
            .cmd()
            .env(
                "KEYADM_NOW",
                earlier.to_rfc3339_opts(SecondsFormat::Secs, true),
            )
            .args(&moved)
            .output()
            .expect("binary runs")
            .into();
        assert_eq!(
            r.code, 0,
            "keyadm {moved:?} failed:\n{}{}",
            r.stdout, r.stderr
        );
        r.stdout
    }

    /// `show KEY --json` parsed.
    pub fn show(&self, key: &str) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["show", key, "--json"])).expect("show --json is JSON")
    }

    /// A copy of `base`'s store and master key in a new Env (a new
    /// database from `base`'s as template on PostgreSQL).
    pub fn copy_store_of(base: &Env, now: Option<&str>) -> Env {
        let mut env = Env::new();
        env.now = now.map(str::to_string);
        let master = (base.master(), env.master());
        std::fs::create_dir_all(master.1.parent().unwrap()).unwrap();
        std::fs::copy(&master.0, &master.1).unwrap();
        if let (Some(from), Some(to)) = (&base.pg, &env.pg) {
            pg::cluster().psql("postgres", &format!("DROP DATABASE {to}"));
            pg::cluster().psql("postgres", &format!("CREATE DATABASE {to} TEMPLATE {from}"));
            return env;
        }
        let (from, to) = (base.db(), env.db());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
        let wal = format!("{}-wal", from.display());
        if std::path::Path::new(&wal).exists() {
            std::fs::copy(&wal, format!("{}-wal", to.display())).unwrap();
        }
        env
    }

    /// The store opened through the library, as keyadm opens it.
    pub fn open_store(&self, now: chrono::DateTime<chrono::Utc>) -> keyadm::Store {
        match &self.pg {
            Some(db) => {
                let t = keyadm::store::PgTarget::parse(
                    &pg::cluster().url(db),
                    &keyadm::store::PgEnv::default(),
                )
                .unwrap();
                keyadm::Store::open_pg(&t, keyadm::Access::Existing, now).unwrap()
            }
            None => keyadm::Store::open(&self.db(), keyadm::Access::Existing, now).unwrap(),
        }
    }

    /// Rows of `sql` run on the store as it is (SQLite file or the test's
    /// PostgreSQL database), every value as text (a blob in hex), NULL as
    /// `None`. For tests that look under keyadm: written once in SQL both
    /// understand.
    pub fn query(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        match &self.pg {
            Some(db) => {
                let mut c = pg::cluster().client(db);
                c.simple_query(sql)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
                    .into_iter()
                    .filter_map(|m| match m {
                        postgres::SimpleQueryMessage::Row(r) => Some(
                            (0..r.len())
                                .map(|i| {
                                    r.get(i)
                                        .map(|v| v.strip_prefix("\\x").unwrap_or(v).to_string())
                                })
                                .collect(),
                        ),
                        _ => None,
                    })
                    .collect()
            }
            None => {
                let c = rusqlite::Connection::open(self.db()).unwrap();
                let mut stmt = c.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
                let n = stmt.column_count();
                stmt.query_map([], |r| {
                    (0..n)
                        .map(|i| {
                            use rusqlite::types::ValueRef;
                            Ok(match r.get_ref(i)? {
                                ValueRef::Null => None,
                                ValueRef::Integer(i) => Some(i.to_string()),
                                ValueRef::Real(f) => Some(f.to_string()),
                                ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
                                ValueRef::Blob(b) => {
                                    Some(b.iter().map(|x| format!("{x:02x}")).collect())
                                }
                            })
                        })
                        .collect()
                })
                .unwrap()
                .map(Result::unwrap)
                .collect()
            }
        }
    }

    /// Runs statements on the store as it is (see [`Env::query`]).
    pub fn execute_sql(&self, sql: &str) {
        match &self.pg {
            Some(db) => pg::cluster()
                .client(db)
                .batch_execute(sql)
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
            None => rusqlite::Connection::open(self.db())
                .unwrap()
                .execute_batch(sql)
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
        }
    }

    /// The bytes of the store's files: the database and its WAL (which
    /// keyadm leaves in place, holding the latest commits). Not the -shm
    /// file: it is an index SQLite rebuilds whenever a process opens the
    /// store first, so it changes even on reads, and it holds no data.
    /// On PostgreSQL: a `pg_dump` of the test's database.
    pub fn store_bytes(&self) -> Vec<u8> {
        if let Some(db) = &self.pg {
            return pg::cluster().dump(db).into_bytes();
        }
        let mut all = Vec::new();
        for suffix in ["", "-wal"] {
            let p = PathBuf::from(format!("{}{suffix}", self.db().display()));
            if let Ok(b) = std::fs::read(p) {
                all.extend(b);
            }
        }
        all
    }
}
/// Writes a file only its owner may read (a master key file must be, SPEC §5.6).
pub fn write_private(path: &std::path::Path, text: impl AsRef<[u8]>) {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .expect("private file");
    std::io::Write::write_all(&mut f, text.as_ref()).expect("written");
}

/// A failure's stderr: exactly one `error:` line and one `hint:` line
/// (warnings may come before them), and no panic.
pub fn assert_error_form(stderr: &str) {
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    let errors = stderr.lines().filter(|l| l.starts_with("error: ")).count();
    let hints = stderr.lines().filter(|l| l.starts_with("hint: ")).count();
    assert_eq!(
        (errors, hints),
        (1, 1),
        "one error and one hint line: {stderr}"
    );
}

/// A failure's stderr that is nothing but one `error:` line then one `hint:`
/// line (no warnings, no panic); `what` names the run in the message.
/// Returns the two lines.
pub fn assert_only_error_and_hint<'s>(stderr: &'s str, what: &str) -> (&'s str, &'s str) {
    assert!(!stderr.contains("panicked"), "{what}: panic: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines.len() == 2 && lines[0].starts_with("error: ") && lines[1].starts_with("hint: "),
        "{what}: expected exactly an error: and a hint: line, got:\n{stderr}"
    );
    (lines[0], lines[1])
}

pub mod pg;
pub mod proof;
pub mod pty;
