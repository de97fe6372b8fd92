//! A damaged environment: garbage in the store, a truncated store, a newer
//! schema, a locked store, a read-only store, a full disk, a wrong or
//! missing master key. Each gives exit 5 with a clear message and a hint,
//! and leaves the store file byte-for-byte as it was.

use crate::common;

use std::path::Path;
use std::process::Command as Std;
use std::time::{Duration, Instant};

use common::proof;
use common::{Env, Run};

/// Every core command that opens the store: reads, reveals and changes.
const COMMANDS: &[&[&str]] = &[
    &["list"],
    &["list", "--json"],
    &["show", "k1"],
    &["show", "k1", "--value"],
    &["generate", "new-key"],
    &["rotate", "k2"],
    &["disable", "k3"],
    &["enable", "k4"],
    &["edit", "k5", "--description", "changed"],
    &["delete", "--yes", "k6"],
    &["config", "get", "key-prefix"],
    &["config", "set", "key-prefix", "abc"],
    &["init"],
];

/// The commands of `COMMANDS` that need the master key.
const WRITES: &[&[&str]] = &[
    &["show", "k1", "--value"],
    &["generate", "new-key"],
    &["rotate", "k2"],
    &["disable", "k3"],
    &["enable", "k4"],
    &["edit", "k5", "--description", "changed"],
    &["config", "set", "key-prefix", "abc"],
    &["init"],
];

/// A store of 40 keys (several pages of key rows), no WAL left behind:
/// keyadm leaves its last commits in the WAL, so they are copied into
/// keys.db here, and the tests below can damage or compare keys.db alone.
fn store() -> Env {
    let env = Env::new();
    proof::fill(&env, "k", 40, 2);
    env.ok(&["disable", "k4", "k6"]);
    rusqlite::Connection::open(env.db())
        .unwrap()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    env
}

fn file(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

/// Runs each command and asserts exit 5, an `error:` line containing
/// `what`, a `hint:` line, no panic, and the store file unchanged.
fn all_refused(env: &Env, commands: &[&[&str]], what: &str) {
    let before = file(&env.db());
    for args in commands {
        let r = env.run(args);
        refused(&r, args, what);
        assert!(
            file(&env.db()) == before,
            "keyadm {args:?} changed the store file"
        );
    }
}

fn refused(r: &Run, args: &[&str], what: &str) {
    assert_eq!(
        r.code, 5,
        "keyadm {args:?}: expected exit 5:\n{}{}",
        r.stdout, r.stderr
    );
    let (error, _) = common::assert_only_error_and_hint(&r.stderr, &format!("keyadm {args:?}"));
    assert!(
        error.contains(what),
        "keyadm {args:?}: the message does not say \"{what}\": {error}"
    );
}

/// Overwrites pages `from..to` (fractions of the file) with a pattern.
fn scribble(path: &Path, from: f64, to: f64) {
    let mut b = std::fs::read(path).unwrap();
    let pages = b.len() / 4096;
    for p in (pages as f64 * from) as usize..(pages as f64 * to) as usize {
        b[p * 4096..(p + 1) * 4096].fill(0xA5);
    }
    std::fs::write(path, b).unwrap();
}

#[test]
fn garbage_in_the_middle_of_the_store_is_refused_untouched() {
    let env = store();
    // The middle half: the pages of the key rows' root and the audit log
    // (which pages those are moves with the schema).
    scribble(&env.db(), 1.0 / 4.0, 3.0 / 4.0);
    // config get reads only the settings page, which is intact.
    let cmds: Vec<&[&str]> = COMMANDS
        .iter()
        .copied()
        .filter(|c| c[0] != "config" && c[0] != "init")
        .collect();
    all_refused(&env, &cmds, "damaged");
}

#[test]
fn a_truncated_store_is_refused_untouched() {
    let env = store();
    let len = std::fs::metadata(env.db()).unwrap().len();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(env.db())
        .unwrap();
    f.set_len(len / 2).unwrap();
    all_refused(&env, COMMANDS, "damaged");
    // And a file cut inside its header.
    f.set_len(60).unwrap();
    all_refused(&env, COMMANDS, "damaged");
}

#[test]
fn a_store_of_a_newer_schema_is_refused_untouched() {
    let env = store();
    let c = rusqlite::Connection::open(env.db()).unwrap();
    c.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(c);
    all_refused(&env, COMMANDS, "newer than this keyadm understands");
}

#[test]
fn a_wrong_master_key_is_refused_untouched() {
    let env = store();
    let other = Env::new();
    other.ok(&["init"]);
    std::fs::copy(other.master(), env.master()).unwrap();
    all_refused(&env, WRITES, "the master key does not match this store");
    // Reading without the master key still works.
    assert!(env.ok(&["list"]).contains("k1"));
}

#[test]
fn a_missing_master_key_is_refused_untouched_and_never_replaced() {
    let env = store();
    std::fs::remove_file(env.master()).unwrap();
    all_refused(&env, WRITES, "is missing, and the store already exists");
    assert!(
        !env.master().exists(),
        "keyadm made a new master key for an existing store"
    );
    // A master key that is not a key at all.
    common::write_private(&env.master(), "not base64 at all\n");
    all_refused(&env, WRITES, "is not 32 bytes of base64");
}

#[test]
fn a_store_locked_past_the_timeout_is_refused_untouched() {
    let env = store();
    let before = file(&env.db());
    // Another process (sqlite3 here: any process) holds the write lock.
    let holder = rusqlite::Connection::open(env.db()).unwrap();
    holder
        .execute_batch("BEGIN IMMEDIATE; INSERT INTO settings VALUES ('x', 'y');")
        .unwrap();
    let t = Instant::now();
    let runs: Vec<Run> = std::thread::scope(|s| {
        let hs: Vec<_> = [
            &["generate", "new-key"][..],
            &["rotate", "k2"],
            &["show", "k1", "--value"],
        ]
        .into_iter()
        .map(|a| {
            let env = &env;
            s.spawn(move || env.run(a))
        })
        .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let waited = t.elapsed();
    for r in &runs {
        // A second in, each write said what it waits for (once), then the
        // refusal is the usual error and hint.
        let (wait, rest) = r.stderr.split_once('\n').unwrap_or_default();
        assert!(
            wait.starts_with("keyadm: waiting for another process to finish writing to"),
            "{}",
            r.stderr
        );
        let r = Run {
            code: r.code,
            stdout: r.stdout.clone(),
            stderr: rest.to_string(),
        };
        refused(&r, &["(while locked)"], "locked");
    }
    assert!(
        waited >= Duration::from_millis(4900),
        "gave up before the 5 s timeout: {waited:?}"
    );
    // Reads do not wait for a writer (WAL).
    assert!(env.ok(&["list"]).contains("k1"));
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert!(file(&env.db()) == before, "the store file changed");
}

#[test]
fn a_read_only_store_is_refused_untouched() {
    let have_setpriv = Std::new("setpriv")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !proof::is_root() || !have_setpriv {
        // As root, permissions do not stop writes; the test needs to drop to
        // an unprivileged user.
        return proof::lacking(
            "running keyadm as an unprivileged user needs root and setpriv (util-linux)",
        );
    }
    let env = store();
    // `nobody` acts as an operator the store knows by name (SPEC §5.1).
    env.ok(&["operator", "add", "tester"]);
    // The binary and the store where `nobody` can reach them.
    let bin = env.dir.path().join("keyadm");
    std::fs::copy(assert_cmd::cargo::cargo_bin("keyadm"), &bin).unwrap();
    let chown = |p: &Path| {
        assert!(Std::new("chown")
            .args(["-R", "nobody"])
            .arg(p)
            .status()
            .unwrap()
            .success())
    };
    chown(env.dir.path());
    let mode = |p: &Path, m: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
    };
    mode(env.dir.path(), 0o755);
    mode(&env.db(), 0o400);
    let before = file(&env.db());
    for args in WRITES.iter().filter(|a| a[0] != "init") {
        let r = env.as_nobody(&bin, args);
        refused(&r, args, "read-only");
        assert!(
            file(&env.db()) == before,
            "keyadm {args:?} changed a read-only store"
        );
    }
    // Reading a read-only store works.
    let r = env.as_nobody(&bin, &["list", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(file(&env.db()) == before);
}

/// A small tmpfs, unmounted when dropped.
struct Tmpfs(std::path::PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Std::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_is_refused_untouched() {
    let base = store();
    let env = Env::new();
    let data = env.db().parent().unwrap().to_path_buf();
    std::fs::create_dir_all(&data).unwrap();
    let mounted = Std::new("mount")
        .args(["-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs"])
        .arg(&data)
        .output();
    match mounted {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            return proof::lacking(&format!(
                "mount -t tmpfs failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ))
        }
        Err(e) => return proof::lacking(&format!("cannot run mount: {e}")),
    }
    let _guard = Tmpfs(data.clone());
    std::fs::create_dir_all(env.master().parent().unwrap()).unwrap();
    std::fs::copy(base.master(), env.master()).unwrap();
    // The store is keys.db with its WAL (keyadm leaves recent commits there).
    for suffix in ["", "-wal"] {
        let from = format!("{}{suffix}", base.db().display());
        if std::path::Path::new(&from).exists() {
            std::fs::copy(&from, format!("{}{suffix}", env.db().display())).unwrap();
        }
    }
    // Fill the file system to the last byte.
    let filler = data.join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 4096];
        while f.write_all(&block).is_ok() {}
        let mut byte = [0u8; 1];
        while f.write_all(&byte).is_ok() {
            byte[0] = 1;
        }
    }
    all_refused(&env, COMMANDS, "disk");
    // With room again, the store is whole and works.
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(proof::integrity(&env.db()), "ok");
    env.ok(&["generate", "after-the-disk-was-freed"]);
    assert_eq!(proof::count(&env, "SELECT count(*) FROM keys"), 41);
    proof::assert_audit_intact(&env);
}

#[test]
fn read_commands_never_change_the_store() {
    let env = store();
    let wal_path = std::path::PathBuf::from(format!("{}-wal", env.db().display()));
    let wal = || std::fs::read(&wal_path).unwrap_or_default();
    let before = file(&env.db());
    let wal_before = wal();
    for args in [
        &["list"][..],
        &["list", "--json"],
        &[
            "list",
            "-q",
            "--search",
            "k1",
            "--sort",
            "expires",
            "--reverse",
        ],
        &["show", "k1"],
        &["show", "k1", "--json"],
        &["config", "get", "rotation-grace"],
        &["config", "list", "--json"],
    ] {
        env.ok(args);
        assert!(
            file(&env.db()) == before,
            "keyadm {args:?} changed the store file"
        );
        // The WAL may hold earlier commits (writes leave it for the next
        // command); a read neither adds to it nor copies it into the store.
        assert!(wal() == wal_before, "keyadm {args:?} changed the WAL");
    }
    // Nor does a failing change (here, a refused delete of an enabled key).
    env.fails(&["delete", "--yes", "k1"], 4);
    assert!(file(&env.db()) == before);
    assert!(wal() == wal_before);
}

#[test]
fn a_foreign_file_at_the_store_path_is_refused_untouched() {
    let env = store();
    // Another application's SQLite database.
    std::fs::remove_file(env.db()).unwrap();
    let c = rusqlite::Connection::open(env.db()).unwrap();
    c.execute_batch("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('mine');")
        .unwrap();
    drop(c);
    all_refused(&env, COMMANDS, "not a keyadm store");
    // A text file.
    std::fs::write(env.db(), "these are my notes, not a database\n".repeat(200)).unwrap();
    // Not SQLite at all: a --db that names the wrong file (issue 15, item 24).
    all_refused(
        &env,
        COMMANDS,
        "is not a keyadm store (not an SQLite database",
    );
}

#[test]
fn a_wrong_or_malformed_master_key_in_the_environment_is_refused_untouched() {
    let env = store();
    let before = file(&env.db());
    let other = Env::new();
    other.ok(&["init"]);
    let wrong = std::fs::read_to_string(other.master()).unwrap();
    for (key, says) in [
        (wrong.trim(), "does not match this store"),
        ("bm90IGEga2V5", "not 32 bytes of base64"),
    ] {
        let r: Run = env
            .cmd()
            .env_remove("KEYADM_MASTER_KEY_FILE")
            .env("KEYADM_MASTER_KEY", key)
            .args(["show", "k1", "--value"])
            .output()
            .unwrap()
            .into();
        refused(&r, &["show", "k1", "--value"], says);
        assert!(!r.stderr.contains(key), "the master key is echoed");
        assert!(file(&env.db()) == before);
    }
}
