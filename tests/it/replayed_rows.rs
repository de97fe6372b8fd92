//! Rows a forger cannot mint, the audit side (hardening item 19, SPEC
//! §5.4): each change's audit entry records the row version it produced
//! (`row_versions` in its details); `audit verify` names every row whose
//! signature fails (forged) and every validly signed row older than the
//! log's last record of it (replayed), exit 1. `verify` holds no secret
//! and no history: a replayed row passes it, as the README's trust model
//! says; `audit verify` and the head witness catch it.

use crate::common;

use common::Env;
use rusqlite::Connection;

fn sql(env: &Env, statement: &str) {
    let c = Connection::open(env.db()).unwrap();
    c.execute_batch(statement).unwrap();
}

fn key_id(env: &Env, name: &str) -> String {
    env.show(name)["id"].as_str().unwrap().to_string()
}

/// The details of the last audit entry of `action`.
fn last_details(env: &Env, action: &str) -> serde_json::Value {
    let entries: serde_json::Value =
        serde_json::from_str(&env.ok(&["--json", "audit", "--action", action])).unwrap();
    entries.as_array().unwrap().last().unwrap()["details"].clone()
}

#[test]
fn each_change_records_the_row_version_it_produced() {
    let env = Env::new();
    env.ok(&["config", "set", "scoped-api", "on"]);
    env.generate("api", &[]);
    let id = key_id(&env, "api");
    assert_eq!(
        last_details(&env, "generate")["row_versions"]["keys"][&id],
        1
    );
    env.ok(&["edit", "api", "--description", "orders"]);
    assert_eq!(last_details(&env, "edit")["row_versions"]["keys"][&id], 2);
    env.ok(&["rotate", "api", "-q"]);
    assert_eq!(last_details(&env, "rotate")["row_versions"]["keys"][&id], 3);
    env.ok(&["disable", "api"]);
    assert_eq!(
        last_details(&env, "disable")["row_versions"]["keys"][&id],
        4
    );
    env.ok(&["user", "add", "ana"]);
    assert_eq!(
        last_details(&env, "user")["row_versions"]["users"]["ana"],
        1
    );
    env.ok(&["user", "disable", "ana"]);
    assert_eq!(
        last_details(&env, "user")["row_versions"]["users"]["ana"],
        2
    );
    let v: i64 = Connection::open(env.db())
        .unwrap()
        .query_row("SELECT row_version FROM keys WHERE id = ?1", [&id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(v, 4, "the entry records the version the row has");
}

#[test]
fn audit_verify_names_a_forged_row() {
    let env = Env::new();
    env.generate("svc", &["--type", "internal"]);
    env.generate("leaked", &[]);
    env.ok(&["disable", "leaked"]);
    env.ok(&["user", "add", "ana"]);
    env.ok(&["audit", "verify"]);
    let id = key_id(&env, "leaked");
    // Someone who can write keys.db but lacks the master key re-enables it.
    sql(&env, "UPDATE keys SET enabled = 1 WHERE name = 'leaked'");
    sql(&env, "UPDATE users SET role = 'admin' WHERE name = 'ana'");
    let r = env.run(&["audit", "verify"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains(&format!("forged: the key row {id} is not signed")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("forged: the user row ana is not signed"),
        "{}",
        r.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&env.run(&["--json", "audit", "verify"]).stdout).unwrap();
    assert_eq!(json["forged"][0]["table"], "key");
    assert_eq!(json["forged"][0]["id"], id.as_str());
    assert_eq!(json["forged"][1]["id"], "ana");
}

#[test]
fn audit_verify_catches_a_replayed_older_validly_signed_row() {
    let env = Env::new();
    env.generate("svc", &["--type", "internal"]);
    let leaked = env.generate("leaked", &[]);
    env.ok(&["user", "add", "ana"]);
    let id = key_id(&env, "leaked");
    // A copy of the rows while the key was enabled (validly signed).
    sql(
        &env,
        "CREATE TABLE saved_key AS SELECT * FROM keys WHERE name = 'leaked';
         CREATE TABLE saved_user AS SELECT * FROM users WHERE name = 'ana';",
    );
    env.ok(&["disable", "leaked"]);
    env.ok(&["user", "disable", "ana"]);
    env.ok(&["audit", "verify"]);
    // The old rows put back: signed by the master key, only older.
    sql(
        &env,
        "DELETE FROM keys WHERE name = 'leaked';
         INSERT INTO keys SELECT * FROM saved_key;
         DELETE FROM users WHERE name = 'ana';
         INSERT INTO users SELECT * FROM saved_user;
         DROP TABLE saved_key; DROP TABLE saved_user;",
    );
    // verify, which holds no history, accepts the replayed row (the trust
    // model says so): its signature is good.
    let r = env.run_stdin(&["verify", "--json"], &leaked);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // audit verify catches it, naming the key and the user.
    let r = env.run(&["audit", "verify"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("forged:"), "{}", r.stdout);
    assert!(
        r.stdout.contains(&format!(
            "replayed: key \"leaked\" ({id}) is an older, validly signed row: its row version is 1, and the audit log last recorded version 2"
        )),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("replayed: user \"ana\" is an older, validly signed row"),
        "{}",
        r.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&env.run(&["--json", "audit", "verify"]).stdout).unwrap();
    assert_eq!(json["replayed"][0]["id"], id.as_str());
    assert_eq!(json["replayed"][0]["version"], 1);
    assert_eq!(json["replayed"][0]["recorded"], 2);
}

#[test]
fn a_deleted_key_put_back_is_replayed() {
    let env = Env::new();
    env.generate("svc", &["--type", "internal"]);
    env.generate("gone", &[]);
    let id = key_id(&env, "gone");
    sql(
        &env,
        "CREATE TABLE saved_key AS SELECT * FROM keys WHERE name = 'gone';",
    );
    env.ok(&["disable", "gone"]);
    env.ok(&["delete", "gone", "--yes"]);
    env.ok(&["audit", "verify"]);
    sql(
        &env,
        "INSERT INTO keys SELECT * FROM saved_key; DROP TABLE saved_key;",
    );
    let r = env.run(&["audit", "verify"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "replayed: key \"gone\" ({id}) is an older, validly signed row: the audit log recorded its removal"
        )),
        "{}",
        r.stdout
    );
}

#[test]
fn an_honest_store_has_no_forged_or_replayed_rows() {
    let env = Env::new();
    env.ok(&["config", "set", "scoped-api", "on"]);
    env.ok(&["user", "add", "ana"]);
    env.generate("a", &["--user", "ana"]);
    env.generate("b", &["--type", "internal"]);
    env.ok(&["rotate", "a", "-q"]);
    env.ok(&["user", "disable", "ana"]);
    env.ok(&["user", "enable", "ana"]);
    env.ok(&["disable", "a"]);
    env.ok(&["delete", "a", "--yes"]);
    env.generate("a", &[]);
    env.ok(&["sweep"]);
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["--json", "audit", "verify"])).unwrap();
    assert_eq!(json["forged"], serde_json::json!([]));
    assert_eq!(json["replayed"], serde_json::json!([]));
    assert_eq!(json["rolled_back"], serde_json::json!([]));
}
