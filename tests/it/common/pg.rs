//! The PostgreSQL test cluster: one per test process, started on first use.
//!
//! `initdb` into a temporary folder as the `postgres` OS user (PostgreSQL
//! refuses root), `postgres` listening only on a Unix socket in that folder
//! (`listen_addresses=''`), `fsync=off`. A watchdog (`sh` reading a pipe this
//! process holds) stops the cluster and removes the folder when the test
//! process exits, however it exits. Each test gets a database of its own.
//! A missing PostgreSQL is a failure, never a skip.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// Where Debian's PostgreSQL 15 (or newer) keeps its programs.
fn bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("KEYADM_TEST_PG_BIN") {
        return PathBuf::from(dir);
    }
    for v in (15..=20).rev() {
        let d = PathBuf::from(format!("/usr/lib/postgresql/{v}/bin"));
        if d.join("initdb").exists() {
            return d;
        }
    }
    panic!(
        "PostgreSQL 15 or newer is not installed (no /usr/lib/postgresql/N/bin/initdb): \
         install Debian's postgresql package (.ci/run does), or set KEYADM_TEST_PG_BIN"
    );
}

/// A role that must give a password (scram), for the password tests.
pub const PASSWORD_ROLE: &str = "keyadm_pw";
pub const PASSWORD: &str = "s3cret-pw";

pub struct Cluster {
    /// The folder: data in `data/`, the socket in the folder itself.
    pub dir: PathBuf,
    pub bin: PathBuf,
    /// Held for the life of the process: its end closing tells the watchdog to stop.
    _watchdog: Mutex<(Child, ChildStdin)>,
    next_db: AtomicUsize,
    /// The server's options, to start it again.
    opts: String,
}

fn run_as_postgres(bin: &Path, prog: &str, args: &[&str]) -> std::process::Output {
    let out = Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(bin.join(prog))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("runuser {prog}: {e}"));
    assert!(
        out.status.success(),
        "{prog} {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl Cluster {
    /// A cluster of its own, durable (fsync and synchronous commits on):
    /// for tests that crash and restart the server.
    pub fn start_durable() -> Cluster {
        Cluster::start_with(true)
    }

    fn start() -> Cluster {
        Cluster::start_with(false)
    }

    fn start_with(durable: bool) -> Cluster {
        let bin = bin_dir();
        let dir = tempfile::Builder::new()
            .prefix("keyadm-pg-")
            .tempdir()
            .expect("temp dir")
            .keep();
        let chown = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&dir)
            .status()
            .expect("chown runs");
        assert!(chown.success(), "chown postgres {}", dir.display());
        let data = dir.join("data");
        let data_s = data.to_str().unwrap();
        let dir_s = dir.to_str().unwrap();
        run_as_postgres(
            &bin,
            "initdb",
            &[
                "-D",
                data_s,
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        );
        // A password role authenticates by scram over the socket; the rest trust.
        std::fs::write(
            data.join("pg_hba.conf"),
            format!("local all {PASSWORD_ROLE} scram-sha-256\nlocal all all trust\n"),
        )
        .expect("pg_hba.conf");
        // The watchdog first, so that a failed start is cleaned up too.
        let script = format!(
            "cat >/dev/null; runuser -u postgres -- '{}' stop -D '{data_s}' -m immediate >/dev/null 2>&1; rm -rf '{dir_s}'",
            bin.join("pg_ctl").display()
        );
        let mut child = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("watchdog starts");
        let pipe = child.stdin.take().unwrap();
        let fast = match durable {
            true => "",
            false => " -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
        };
        let opts = format!(
            "-c listen_addresses='' -c unix_socket_directories='{dir_s}' -c max_connections=200{fast}"
        );
        run_as_postgres(
            &bin,
            "pg_ctl",
            &[
                "start",
                "-w",
                "-D",
                data_s,
                "-l",
                &format!("{dir_s}/log"),
                "-o",
                &opts,
            ],
        );
        let cluster = Cluster {
            dir,
            bin,
            _watchdog: Mutex::new((child, pipe)),
            next_db: AtomicUsize::new(0),
            opts,
        };
        cluster.psql(
            "postgres",
            &format!("CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}'"),
        );
        cluster
    }

    /// Stops the server at once, as a crash would (`-m immediate`).
    pub fn stop_immediate(&self) {
        let data = self.dir.join("data");
        run_as_postgres(
            &self.bin,
            "pg_ctl",
            &[
                "stop",
                "-w",
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
            ],
        );
    }

    /// Starts the server again after [`Cluster::stop_immediate`].
    pub fn restart(&self) {
        let data = self.dir.join("data");
        let log = self.dir.join("log");
        run_as_postgres(
            &self.bin,
            "pg_ctl",
            &[
                "start",
                "-w",
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-o",
                &self.opts,
            ],
        );
    }

    /// The socket folder, as libpq's `host`.
    pub fn host(&self) -> &str {
        self.dir.to_str().unwrap()
    }

    /// Runs SQL through `psql` as `user` (a superuser unless told), stops on an error; returns stdout.
    pub fn psql_as(&self, user: &str, db: &str, sql: &str) -> String {
        let out = run_as_postgres(
            &self.bin,
            "psql",
            &[
                "-X",
                "-q",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                self.host(),
                "-U",
                user,
                "-d",
                db,
                "-c",
                sql,
            ],
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn psql(&self, db: &str, sql: &str) -> String {
        self.psql_as("postgres", db, sql)
    }

    /// A new, empty database (owned by the `postgres` superuser).
    pub fn create_db(&self) -> String {
        let n = self.next_db.fetch_add(1, Ordering::SeqCst);
        let name = format!("t{}_{n}", std::process::id());
        self.psql(
            "postgres",
            &format!("CREATE DATABASE {name} TEMPLATE template0"),
        );
        name
    }

    /// The URL keyadm is given for `db` (no password: trust on the socket).
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgresql://postgres@{}/{db}",
            self.host().replace('/', "%2F")
        )
    }

    /// A client of `db` as the superuser, for tests that look under keyadm.
    pub fn client(&self, db: &str) -> postgres::Client {
        postgres::Client::connect(
            &format!("host={} user=postgres dbname={db}", self.host()),
            postgres::NoTls,
        )
        .expect("connect to the test cluster")
    }

    /// The URL of `db` naming no role: PGUSER says which.
    pub fn url_without_user(&self, db: &str) -> String {
        format!("postgresql://{}/{db}", self.host().replace('/', "%2F"))
    }

    /// A login role for a test actor (every test shares the cluster's
    /// roles). No superuser, so that row-level security applies to it
    /// (schema step 10), except `tester`, the role every test's `init`
    /// runs as, which creates the tables (PostgreSQL 15 lets no other role
    /// create them in `public`) and so owns them, and `stranger` (below).
    pub fn ensure_role(&self, name: &str) {
        static MADE: Mutex<Vec<String>> = Mutex::new(Vec::new());
        let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
        if made.iter().any(|m| m == name) {
            return;
        }
        let quoted = name.replace('"', "\"\"");
        let attrs = match name {
            "tester" => " SUPERUSER",
            // rights.rs: `verify` as a role that is no user nor operator;
            // until the keyadm_verifier role exists such a role sees no key.
            "stranger" => " SUPERUSER",
            _ => "",
        };
        let lit = name.replace('\'', "''");
        self.psql(
            "postgres",
            &format!(
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{lit}') THEN CREATE ROLE \"{quoted}\" LOGIN{attrs}; END IF; END $$"
            ),
        );
        made.push(name.to_string());
    }

    /// `pg_dump` of `db` as plain SQL.
    pub fn dump(&self, db: &str) -> String {
        let out = run_as_postgres(&self.bin, "pg_dump", &["-h", self.host(), "-d", db]);
        // Without the random \restrict token of each dump.
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.starts_with("\\restrict ") && !l.starts_with("\\unrestrict "))
            .map(|l| format!("{l}\n"))
            .collect()
    }
}

/// The one cluster of this test process.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(Cluster::start)
}

/// Flushes nothing; present so that the watchdog pipe is kept referenced.
pub fn keep_alive() {
    let _ = cluster()._watchdog.lock().map(|mut g| g.1.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cluster_starts_once_and_each_test_gets_its_own_database() {
        let c = cluster();
        let a = c.create_db();
        let b = c.create_db();
        assert_ne!(a, b);
        c.psql(&a, "CREATE TABLE t (x int); INSERT INTO t VALUES (41)");
        assert_eq!(c.psql(&a, "SELECT x + 1 FROM t").trim(), "42");
        // The other database does not see it.
        assert_eq!(
            c.psql(&b, "SELECT count(*) FROM pg_tables WHERE tablename = 't'")
                .trim(),
            "0"
        );
        // Only a socket: no TCP listener.
        assert_eq!(c.psql(&a, "SHOW listen_addresses").trim(), "");
        assert_eq!(c.psql(&a, "SHOW fsync").trim(), "off");
        assert!(c.dir.join(".s.PGSQL.5432").exists());
        // Same cluster the second time.
        assert!(std::ptr::eq(c, cluster()));
    }

    #[test]
    fn the_password_role_needs_its_password() {
        let c = cluster();
        let out = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(c.bin.join("psql"))
            .args([
                "-X",
                "-w",
                "-h",
                c.host(),
                "-U",
                PASSWORD_ROLE,
                "-d",
                "postgres",
                "-c",
                "select 1",
            ])
            .env("PGPASSWORD", "wrong")
            .output()
            .unwrap();
        assert!(!out.status.success());
        let out = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(c.bin.join("psql"))
            .args([
                "-X",
                "-w",
                "-At",
                "-h",
                c.host(),
                "-U",
                PASSWORD_ROLE,
                "-d",
                "postgres",
                "-c",
                "select 1",
            ])
            .env("PGPASSWORD", PASSWORD)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
