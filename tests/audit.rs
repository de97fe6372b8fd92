//! `audit` lists the log oldest first with filters; `audit verify` catches
//! every kind of tampering done to the SQLite file directly.

mod common;

use common::Env;
use rusqlite::Connection;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A store with six audit entries: generate a, b, c; disable c; reveal a; rotate b.
fn six_entries() -> Env {
    let env = Env::at("2026-03-01T10:00:00Z");
    env.generate("a", &[]);
    env.generate("b", &[]);
    env.generate("c", &[]);
    env.ok(&["disable", "c"]);
    env.ok(&["show", "a", "--value"]);
    env.ok(&["rotate", "b"]);
    env
}

fn db(env: &Env) -> Connection {
    Connection::open(env.db()).expect("open store")
}

fn verify_json(env: &Env) -> (i32, Value) {
    let r = env.run(&["audit", "verify", "--json"]);
    (
        r.code,
        serde_json::from_str(&r.stdout).expect("verify --json is JSON"),
    )
}

fn actions(env: &Env, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["audit", "--json"];
    args.extend_from_slice(extra);
    let v: Value = serde_json::from_str(&env.ok(&args)).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn audit_lists_entries_oldest_first_with_filters() {
    let env = six_entries();
    assert_eq!(
        actions(&env, &[]),
        ["generate", "generate", "generate", "disable", "reveal", "rotate"]
    );
    assert_eq!(actions(&env, &["--action", "generate"]).len(), 3);
    assert_eq!(actions(&env, &["--key", "a"]), ["generate", "reveal"]);
    assert_eq!(actions(&env, &["--limit", "2"]), ["reveal", "rotate"]);
    assert_eq!(actions(&env, &["--actor", "nobody"]).len(), 0);
    assert_eq!(actions(&env, &["--since", "2026-03-01T10:00:01Z"]).len(), 0);
    assert_eq!(actions(&env, &["--until", "2026-03-01"]).len(), 6);
    assert_eq!(actions(&env, &["--since", "1d"]).len(), 6);
    env.fails(&["audit", "--since", "last tuesday"], 2);

    let v: Value = serde_json::from_str(&env.ok(&["audit", "--json", "--limit", "1"])).unwrap();
    let e = &v[0];
    assert_eq!(e["seq"], 6);
    assert_eq!(e["actor"], "tester");
    assert_eq!(e["key_name"], "b");
    assert_eq!(e["at"], "2026-03-01T10:00:00Z");
    assert!(e["details"].is_object());
    assert_eq!(e["hash"].as_str().unwrap().len(), 64);

    let table = env.ok(&["audit"]);
    assert!(table.lines().next().unwrap().contains("ACTION"));
    assert_eq!(table.lines().count(), 7);
}

#[test]
fn audit_keeps_entries_of_deleted_keys_findable_by_name() {
    let env = Env::at("2026-03-01T10:00:00Z");
    env.generate("gone", &[]);
    env.ok(&["disable", "gone"]);
    env.ok(&["delete", "gone", "--yes"]);
    assert_eq!(
        actions(&env, &["--key", "gone"]),
        ["generate", "disable", "delete"]
    );
}

#[test]
fn verify_says_intact_with_count_and_head_hash() {
    let env = six_entries();
    let r = env.run(&["audit", "verify"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let head: String = db(&env)
        .query_row("SELECT hex(hash) FROM audit WHERE seq = 6", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(r.stdout.contains("intact: 6 entries"), "{}", r.stdout);
    assert!(r.stdout.contains(&head.to_lowercase()), "{}", r.stdout);
    let (code, v) = verify_json(&env);
    assert_eq!(code, 0);
    assert_eq!(v["intact"], true);
    assert_eq!(v["entries"], 6);
    assert_eq!(v["head"], head.to_lowercase());
    assert_eq!(
        env.ok(&["audit", "verify", "-q"]).trim(),
        head.to_lowercase()
    );
}

#[test]
fn verify_of_an_empty_log_is_intact() {
    let env = Env::new();
    env.ok(&["init"]);
    let (code, v) = verify_json(&env);
    assert_eq!(code, 0);
    assert_eq!(v["entries"], 0);
}

#[test]
fn verify_catches_a_changed_field() {
    let env = six_entries();
    db(&env)
        .execute("UPDATE audit SET actor = 'mallory' WHERE seq = 3", [])
        .unwrap();
    let (code, v) = verify_json(&env);
    assert_eq!(code, 1);
    assert_eq!(v["intact"], false);
    assert_eq!(v["first_bad"], 3);
    assert_eq!(v["problem"], "changed");
    let r = env.run(&["audit", "verify"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("entry 3 was changed"), "{}", r.stdout);
}

#[test]
fn verify_catches_changed_details_and_a_wrong_type() {
    let env = six_entries();
    db(&env)
        .execute(
            "UPDATE audit SET details = '{\"reason\":\"routine\"}' WHERE seq = 4",
            [],
        )
        .unwrap();
    let (code, v) = verify_json(&env);
    assert_eq!((code, v["first_bad"].clone()), (1, Value::from(4)));

    let env = six_entries();
    db(&env)
        .execute("UPDATE audit SET hash = 'x' WHERE seq = 2", [])
        .unwrap();
    let (code, v) = verify_json(&env);
    assert_eq!((code, v["first_bad"].clone()), (1, Value::from(2)));
}

#[test]
fn verify_catches_a_removed_row() {
    let env = six_entries();
    db(&env)
        .execute("DELETE FROM audit WHERE seq = 2", [])
        .unwrap();
    let (code, v) = verify_json(&env);
    assert_eq!(code, 1);
    assert_eq!(v["first_bad"], 2);
    assert_eq!(v["problem"], "removed");
    assert!(env
        .run(&["audit", "verify"])
        .stdout
        .contains("entry 2 was removed"));
}

#[test]
fn verify_catches_a_removed_row_with_the_numbers_closed_up() {
    let env = six_entries();
    let c = db(&env);
    c.execute("DELETE FROM audit WHERE seq = 2", []).unwrap();
    c.execute("UPDATE audit SET seq = seq - 1 WHERE seq > 2", [])
        .unwrap();
    drop(c);
    let (code, v) = verify_json(&env);
    assert_eq!(code, 1);
    assert_eq!(v["first_bad"], 2);
}

#[test]
fn verify_catches_a_cut_tail() {
    let env = six_entries();
    db(&env)
        .execute("DELETE FROM audit WHERE seq >= 5", [])
        .unwrap();
    let (code, v) = verify_json(&env);
    assert_eq!(code, 1);
    assert_eq!(v["problem"], "tail_cut");
    assert_eq!(v["entries"], 4);
    let out = env.run(&["audit", "verify"]).stdout;
    assert!(out.contains("the tail was cut"), "{out}");
    assert!(out.contains("entry 4"), "{out}");
}

#[test]
fn verify_catches_every_row_removed() {
    let env = six_entries();
    db(&env).execute("DELETE FROM audit", []).unwrap();
    let (code, v) = verify_json(&env);
    assert_eq!(code, 1);
    assert_eq!(v["problem"], "tail_cut");
}

#[test]
fn verify_catches_two_swapped_rows() {
    let env = six_entries();
    let c = db(&env);
    c.execute_batch(
        "UPDATE audit SET seq = -1 WHERE seq = 3;
         UPDATE audit SET seq = 3 WHERE seq = 4;
         UPDATE audit SET seq = 4 WHERE seq = -1;",
    )
    .unwrap();
    drop(c);
    let (code, v) = verify_json(&env);
    assert_eq!(code, 1);
    assert_eq!(v["first_bad"], 3);
    assert_eq!(v["problem"], "reordered");
    let out = env.run(&["audit", "verify"]).stdout;
    assert!(out.contains("entries were reordered"), "{out}");
}

/// An audit row's hashed fields: seq, at, actor, action, key ID, key name, tenant, details.
type AuditRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

/// The entry hash as the store computes it, for an attacker who rewrites
/// the chain but has no master key.
fn rehash(prev: &[u8], row: &AuditRow) -> Vec<u8> {
    let fields = serde_json::json!([row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7]);
    let mut h = Sha256::new();
    h.update(prev);
    h.update(fields.to_string().as_bytes());
    h.finalize().to_vec()
}

#[test]
fn verify_catches_a_rewritten_chain_by_its_head_hmac() {
    let env = six_entries();
    let c = db(&env);
    c.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2", [])
        .unwrap();
    let rows: Vec<AuditRow> = c
        .prepare("SELECT seq, at, actor, action, key_id, key_name, tenant, details FROM audit ORDER BY seq")
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut prev = vec![0u8; 32];
    for row in &rows {
        let h = rehash(&prev, row);
        c.execute(
            "UPDATE audit SET hash = ?1 WHERE seq = ?2",
            rusqlite::params![h, row.0],
        )
        .unwrap();
        prev = h;
    }
    drop(c);
    let (code, v) = verify_json(&env);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["problem"], "tail_cut");
}

#[test]
fn verify_needs_the_master_key() {
    let env = six_entries();
    std::fs::remove_file(env.master()).unwrap();
    let err = env.fails(&["audit", "verify"], 5);
    assert!(err.contains("master key"), "{err}");
}

#[test]
fn verify_catches_an_emptied_log_beside_existing_keys() {
    let env = six_entries();
    let c = db(&env);
    c.execute("DELETE FROM audit", []).unwrap();
    c.execute("DELETE FROM meta WHERE name = 'audit_head'", [])
        .unwrap();
    drop(c);
    let (code, v) = verify_json(&env);
    assert_eq!(code, 1);
    assert_eq!(v["first_bad"], 1);
    assert_eq!(v["problem"], "removed");
}

#[test]
fn verify_catches_a_removed_head() {
    let env = six_entries();
    db(&env)
        .execute("DELETE FROM meta WHERE name = 'audit_head'", [])
        .unwrap();
    let (code, v) = verify_json(&env);
    assert_eq!(code, 1);
    assert_eq!(v["problem"], "head_missing");
}

#[test]
fn audit_actor_filter_comes_from_the_command_line_not_keyadm_actor() {
    let env = Env::at("2026-03-01T10:00:00Z");
    env.generate("mine", &[]);
    env.ok(&["generate", "bobs", "-q", "--actor", "bob"]);
    // The harness sets KEYADM_ACTOR=tester: that must not hide bob's entry.
    assert_eq!(actions(&env, &[]).len(), 2);
    let v: Value = serde_json::from_str(&env.ok(&["audit", "--json", "--actor", "bob"])).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["actor"], "bob");
    assert_eq!(actions(&env, &["--actor", "tester"]), ["generate"]);
}

#[test]
fn audit_action_must_be_a_recorded_action_and_limit_at_least_one() {
    let env = Env::new();
    env.generate("billing", &[]);
    env.ok(&["rotate", "billing", "-y", "-q"]);
    let err = env.fails(&["audit", "--action", "rotated"], 2);
    assert!(err.contains("unknown audit action \"rotated\""), "{err}");
    assert!(
        err.contains("hint: the actions are: generate, import, reveal"),
        "{err}"
    );
    let err = env.fails(&["audit", "--limit", "0"], 2);
    assert!(err.contains("--limit 0"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    // The recorded actions still filter, in any case.
    let out = env.ok(&["audit", "--action", "ROTATE", "--json"]);
    let entries: serde_json::Value = serde_json::from_str(&out).unwrap();
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{out}");
    assert_eq!(entries[0]["action"], "rotate");
    let out = env.ok(&["audit", "--action", "import", "--limit", "1", "--json"]);
    assert_eq!(out.trim(), "[]");
}
