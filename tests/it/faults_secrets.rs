//! Secrets at rest and in messages: no key value in plain text in the
//! store, its WAL, the audit log or any error message; the master key file
//! and the store are private to their owner.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{proof, Env};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn no_value_in_plain_text_in_the_store_its_wal_the_audit_or_errors() {
    let env = Env::new();
    env.ok(&["init"]);
    // Hold a connection open so the WAL is not checkpointed away when each
    // keyadm process closes: its bytes are read as they were written.
    let holder = rusqlite::Connection::open(env.db()).unwrap();
    holder
        .query_row("SELECT count(*) FROM keys", [], |r| r.get::<_, i64>(0))
        .unwrap();

    let mut values = Vec::new();
    let mut stderr = String::new();
    for (name, extra) in [
        ("plain", &[][..]),
        ("once", &["--show-once"][..]),
        ("int", &["--type", "internal"][..]),
    ] {
        values.push(env.generate(name, extra));
    }
    let r = env.run(&["rotate", "plain", "int", "-q", "--grace", "1h"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    values.extend(r.stdout.lines().map(str::to_string));
    stderr += &r.stderr;
    let r = env.run(&["rotate", "plain", "--json"]);
    let rotated: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    values.push(rotated[0]["value"].as_str().unwrap().to_string());
    stderr += &r.stderr;
    for args in [
        &["show", "plain", "--value"][..],
        &["show", "plain", "--reveal"],
        &["show", "int", "--json", "--reveal"],
    ] {
        let r = env.run(args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        stderr += &r.stderr;
    }
    env.ok(&["edit", "plain", "--description", "rotated twice"]);
    env.ok(&["disable", "plain", "--reason", "test"]);
    assert_eq!(values.len(), 6);

    // Every value given back where a key ID or name belongs, and to other
    // options: the errors must not repeat it.
    for v in &values {
        // A mistyped value (one character too many) is echoed cut as well.
        let typo = format!("{v}x");
        let r = env.run(&["generate", "x", "--origin", &typo]);
        assert_eq!(r.code, 2);
        stderr += &r.stderr;
        for args in [
            &["show", v.as_str()][..],
            &["show", v.as_str(), "--value"],
            &["rotate", v.as_str()],
            &["disable", v.as_str()],
            &["enable", v.as_str()],
            &["delete", "--yes", v.as_str()],
            &["edit", v.as_str(), "--description", "x"],
            &["generate", "x", "--tag", v.as_str()],
            &["generate", "x", "--origin", v.as_str()],
            &["generate", "x", "--ip", v.as_str()],
            &["generate", "x", "--expires", v.as_str()],
            &["config", "set", "key-prefix", v.as_str()],
        ] {
            let r = env.run(args);
            assert_ne!(r.code, 0, "{args:?} succeeded");
            stderr += &r.stderr;
            assert!(
                !contains(r.stdout.as_bytes(), v),
                "{args:?} printed the value"
            );
        }
    }

    let wal = std::fs::read(format!("{}-wal", env.db().display())).unwrap();
    assert!(
        wal.len() > 4096,
        "the WAL holds the changes (it is {} bytes)",
        wal.len()
    );
    let db = std::fs::read(env.db()).unwrap();
    let c = proof::conn(&env);
    let audit: Vec<String> = c
        .prepare("SELECT actor || action || ifnull(key_id,'') || ifnull(key_name,'') || details FROM audit")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(audit.len() >= 10, "reveals and changes were audited");
    let audit = audit.join("\n");
    for v in &values {
        // The whole value, and its random body alone (its most secret part).
        let body = &v[7..39];
        for needle in [v.as_str(), body] {
            assert!(!contains(&db, needle), "a value is in the store file");
            assert!(!contains(&wal, needle), "a value is in the WAL");
            assert!(!audit.contains(needle), "a value is in the audit log");
            assert!(
                !stderr.contains(needle),
                "a value is in an error or note: {stderr}"
            );
        }
    }
    drop(holder);
}

#[test]
fn the_master_key_and_the_store_are_private() {
    let env = Env::new();
    env.generate("k", &[]);
    assert_eq!(mode(&env.master()), 0o600, "master key file");
    assert_eq!(
        mode(env.master().parent().unwrap()),
        0o700,
        "master key folder"
    );
    assert_eq!(mode(&env.db()), 0o600, "store file");
    assert_eq!(mode(env.db().parent().unwrap()), 0o700, "store folder");
    // The WAL and shared-memory files take the store's mode.
    let holder = rusqlite::Connection::open(env.db()).unwrap();
    holder
        .query_row("SELECT count(*) FROM keys", [], |r| r.get::<_, i64>(0))
        .unwrap();
    env.generate("k2", &[]);
    for suffix in ["-wal", "-shm"] {
        let p = format!("{}{suffix}", env.db().display());
        assert_eq!(mode(Path::new(&p)), 0o600, "{p}");
    }
}
