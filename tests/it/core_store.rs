//! The store and the master key: creation, permissions, idempotent init,
//! missing or wrong master keys, newer schemas, files that are not stores,
//! and commands that must not create anything.
use crate::common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use base64::Engine;
use common::Env;

const NOW: &str = "2026-11-24T10:00:00Z";

fn mode(p: &Path) -> u32 {
    fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Every file and folder under the test's temporary folder.
fn tree(env: &Env) -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            out.push(p.display().to_string());
            if p.is_dir() {
                walk(&p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(env.dir.path(), &mut out);
    out.sort();
    out
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn init_creates_store_and_master_key_private_and_says_where() {
    let env = Env::at(NOW);
    let r = env.run(&["init"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let db = env.db().display().to_string();
    let master = env.master().display().to_string();
    assert!(
        r.stderr.contains(&format!("created a new store at {db}")),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains(&format!("created a new master key at {master}")),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout.contains(&db) && r.stdout.contains(&master),
        "{}",
        r.stdout
    );

    assert_eq!(mode(&env.db()), 0o600);
    assert_eq!(mode(&env.master()), 0o600);
    assert_eq!(mode(env.db().parent().unwrap()), 0o700);
    assert_eq!(mode(env.master().parent().unwrap()), 0o700);
    let key = fs::read_to_string(env.master()).unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(key.trim())
        .expect("the master key file is base64");
    assert_eq!(bytes.len(), 32);
}

#[test]
fn init_is_idempotent_and_keeps_the_master_key() {
    let env = Env::at(NOW);
    env.ok(&["init"]);
    let value = env.generate("kept", &[]);
    let master = fs::read(env.master()).unwrap();
    let r = env.run(&["init"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("already set up"), "{}", r.stderr);
    assert!(!r.stderr.contains("created"), "{}", r.stderr);
    assert!(r.stdout.contains(&env.db().display().to_string()));
    assert_eq!(fs::read(env.master()).unwrap(), master);
    assert_eq!(env.ok(&["show", "kept", "--value"]).trim(), value);

    let json: serde_json::Value = serde_json::from_str(&env.ok(&["init", "--json"])).unwrap();
    assert_eq!(json["created"], false);
    assert_eq!(json["store"], env.db().display().to_string());
    assert_eq!(json["master_key"], env.master().display().to_string());
}

#[test]
fn wal_and_shared_memory_files_are_private_too() {
    let env = Env::at(NOW);
    env.generate("a", &[]);
    // Hold a reader open so the WAL files exist while we look at them.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.query_row("SELECT count(*) FROM keys", [], |r| r.get::<_, i64>(0))
        .unwrap();
    for suffix in ["-wal", "-shm"] {
        let p = std::path::PathBuf::from(format!("{}{suffix}", env.db().display()));
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{}", p.display());
        }
    }
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn first_write_creates_the_store_with_one_line_each() {
    let env = Env::at(NOW);
    let r = env.run(&["generate", "first", "-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("created a new store at"), "{}", r.stderr);
    assert!(
        r.stderr.contains("created a new master key at"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.starts_with("kadm_e_"));
    let r = env.run(&["generate", "second", "-q"]);
    assert!(!r.stderr.contains("created"), "{}", r.stderr);
}

#[test]
fn a_missing_master_key_for_an_existing_store_is_exit_5_and_none_is_made() {
    let env = Env::at(NOW);
    env.generate("a", &[]);
    fs::remove_file(env.master()).unwrap();
    for args in [
        &["generate", "b"][..],
        &["init"],
        &["show", "a", "--reveal"],
        &["rotate", "a"],
        &["config", "set", "scoped-api", "on"],
    ] {
        let err = env.fails(args, 5);
        assert!(err.contains("master key"), "{args:?}: {err}");
        assert!(err.contains("hint:"), "{err}");
        assert!(!env.master().exists(), "{args:?} made a new master key");
    }
    // Reading needs no master key.
    assert!(env.ok(&["list", "-q"]).lines().count() == 1);
}

#[test]
fn a_wrong_master_key_is_told_apart() {
    let env = Env::at(NOW);
    env.generate("a", &[]);
    common::write_private(&env.master(), format!("{}\n", b64(&[7u8; 32])));
    for args in [
        &["generate", "b"][..],
        &["show", "a", "--value"],
        &["rotate", "a"],
    ] {
        let err = env.fails(args, 5);
        assert!(
            err.contains("error: the master key does not match this store"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(
        env.ok(&["list", "-q"]).lines().count(),
        1,
        "nothing was added"
    );
}

#[test]
fn a_master_key_file_that_is_not_a_key_is_exit_5() {
    let env = Env::at(NOW);
    fs::create_dir_all(env.master().parent().unwrap()).unwrap();
    common::write_private(&env.master(), "not a key\n");
    let err = env.fails(&["generate", "a"], 5);
    assert!(err.contains("not 32 bytes of base64"), "{err}");
    assert!(!env.db().exists());
}

#[test]
fn keyadm_master_key_carries_the_key_inline() {
    let env = Env::at(NOW);
    let key = b64(&[42u8; 32]);
    let run = |args: &[&str], key: &str| -> common::Run {
        env.cmd()
            .env_remove("KEYADM_MASTER_KEY_FILE")
            .env("KEYADM_MASTER_KEY", key)
            .args(args)
            .output()
            .unwrap()
            .into()
    };
    let r = run(&["generate", "inline", "-q"], &key);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let value = r.stdout.trim().to_string();
    assert!(!r.stderr.contains("master key at"), "{}", r.stderr);
    assert!(!env.master().exists());
    // No key file is made; only the (public) trust key is published (SPEC §5.4).
    let config = env.dir.path().join("xdg-config/keyadm");
    let made: Vec<_> = std::fs::read_dir(&config)
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(
        made.iter().all(|n| n == "trust"),
        "no key file is made: {made:?}"
    );
    let r = run(&["show", "inline", "--value"], &key);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.trim(), value);
    let r = run(&["show", "inline", "--value"], &b64(&[1u8; 32]));
    assert_eq!(r.code, 5);
    assert!(r
        .stderr
        .contains("the master key does not match this store"));
    let r = run(&["show", "inline", "--value"], "c2hvcnQ=");
    assert_eq!(r.code, 5);
    assert!(r.stderr.contains("KEYADM_MASTER_KEY"), "{}", r.stderr);
}

fn bump_schema(env: &Env, version: i64) {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(&format!("PRAGMA user_version = {version}"))
        .unwrap();
    conn.close().unwrap();
}

#[test]
fn a_store_from_a_newer_keyadm_is_refused_and_left_untouched() {
    let env = Env::at(NOW);
    env.generate("a", &[]);
    bump_schema(&env, 99);
    let before = fs::read(env.db()).unwrap();
    for args in [
        &["list"][..],
        &["show", "a"],
        &["show", "a", "--reveal"],
        &["generate", "b"],
        &["init"],
        &["rotate", "a"],
        &["config", "get", "key-prefix"],
        &["config", "set", "scoped-api", "on"],
    ] {
        let err = env.fails(args, 5);
        assert!(err.contains("schema version 99"), "{args:?}: {err}");
        assert!(err.contains("hint: upgrade keyadm"), "{err}");
    }
    assert_eq!(
        fs::read(env.db()).unwrap(),
        before,
        "the store file changed"
    );
}

#[test]
fn a_file_that_is_not_a_store_is_refused_and_left_untouched() {
    let env = Env::at(NOW);
    fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    let text = b"these are my notes, not a database\n".repeat(200);
    fs::write(env.db(), &text).unwrap();
    for args in [
        &["list"][..],
        &["generate", "a"],
        &["init"],
        &["show", "a", "--reveal"],
    ] {
        let err = env.fails(args, 5);
        assert!(err.contains("not a keyadm store"), "{args:?}: {err}");
    }
    assert_eq!(fs::read(env.db()).unwrap(), text);
    assert!(
        !env.master().exists(),
        "no master key for a file that is not a store"
    );

    // An SQLite database of something else.
    fs::remove_file(env.db()).unwrap();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch("CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');")
        .unwrap();
    conn.close().unwrap();
    let before = fs::read(env.db()).unwrap();
    for args in [&["list"][..], &["generate", "a"]] {
        let err = env.fails(args, 5);
        assert!(err.contains("not a keyadm store"), "{args:?}: {err}");
    }
    assert_eq!(fs::read(env.db()).unwrap(), before);
}

#[test]
fn commands_that_cannot_succeed_on_a_new_store_create_nothing() {
    let env = Env::at(NOW);
    let empty = tree(&env);
    for (args, code) in [
        (&["list"][..], 5),
        (&["list", "--json"], 5),
        (&["show", "a"], 5),
        (&["show", "a", "--reveal"], 5),
        (&["show", "a", "--value"], 5),
        (&["edit", "a", "--description", "x"], 5),
        (&["enable", "a"], 5),
        (&["disable", "a", "--yes"], 5),
        (&["delete", "a", "--yes"], 5),
        (&["rotate", "a"], 5),
        (&["config", "list"], 5),
        (&["config", "get", "scoped-api"], 5),
        // Refused before the store is opened.
        (&["generate"], 2),
        (&["generate", "a", "--expires", "2020-01-01"], 2),
        (&["generate", "a", "--expires", "soon"], 2),
        (&["generate", "a", "--type", "custom"], 2),
        (
            &["generate", "a", "--type", "desktop", "--expires", "30d"],
            2,
        ),
        (&["generate", "a", "--ip", "10.0.0.0/33"], 2),
        (&["generate", "a", "--org", "Not Valid"], 2),
        (&["config", "set", "scoped-api", "maybe"], 2),
        (&["config", "set", "no-such-setting", "1"], 2),
        // Refused by what a new store would hold.
        (
            &["generate", "a", "--type", "custom", "--allow", "GET /x"],
            4,
        ),
        (&["generate", "a", "--org", "acme"], 3),
    ] {
        env.fails(args, code);
        assert_eq!(tree(&env), empty, "{args:?} created files");
    }
    let err = env.fails(&["list"], 5);
    assert!(
        err.contains("no keyadm store") && err.contains("keyadm init"),
        "{err}"
    );
}

#[test]
fn keyadm_now_must_be_rfc_3339() {
    let env = Env::new();
    let r: common::Run = env
        .cmd()
        .env("KEYADM_NOW", "tomorrow")
        .args(["generate", "a"])
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("KEYADM_NOW"));
    assert!(!env.db().exists());
    // A clock so late that derived times would leave four-digit years.
    let r: common::Run = env
        .cmd()
        .env("KEYADM_NOW", "9999-12-01T00:00:00Z")
        .args(["generate", "a", "--expires", "90d"])
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!env.db().exists());
}

#[test]
fn a_store_locked_past_the_timeout_is_exit_5_and_readers_are_not_blocked() {
    let env = Env::at(NOW);
    env.generate("a", &[]);
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    // WAL: reading goes on while another process holds the write lock.
    assert_eq!(env.ok(&["list", "-q"]).lines().count(), 1);
    let started = std::time::Instant::now();
    let err = env.fails(&["generate", "b"], 5);
    assert!(err.contains("locked"), "{err}");
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(5),
        "waited at least the busy timeout of 5 s"
    );
    conn.execute_batch("ROLLBACK").unwrap();
    env.generate("b", &[]);
}

#[test]
fn a_damaged_row_is_exit_5_not_a_panic() {
    let env = Env::at(NOW);
    env.generate("a", &[]);
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute("UPDATE keys SET created_at = 'garbage'", [])
        .unwrap();
    conn.close().unwrap();
    for args in [&["list"][..], &["show", "a"]] {
        let err = env.fails(args, 5);
        assert!(err.contains("damaged"), "{args:?}: {err}");
    }
}

#[test]
fn a_sealed_value_copied_onto_another_row_does_not_open() {
    let env = Env::at(NOW);
    env.generate("a", &[]);
    env.generate("b", &[]);
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute(
        "UPDATE keys SET sealed = (SELECT sealed FROM keys WHERE name = 'a') WHERE name = 'b'",
        [],
    )
    .unwrap();
    conn.close().unwrap();
    let err = env.fails(&["show", "b", "--value"], 5);
    assert!(
        err.contains("damaged") && !err.contains("does not match"),
        "{err}"
    );
    env.ok(&["show", "a", "--value"]);
}

#[test]
fn a_folder_given_as_the_store_is_said_so() {
    let env = Env::new();
    let dir = env.dir.path().to_str().unwrap().to_string();
    for args in [&["list"][..], &["generate", "k"], &["init"]] {
        let mut a = vec!["--db", dir.as_str()];
        a.extend_from_slice(args);
        let err = env.fails(&a, 5);
        assert!(err.contains("is a folder, not a store file"), "{err}");
        assert!(err.contains("hint: name the file"), "{err}");
    }
}
