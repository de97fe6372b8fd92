//! `audit` lists the log oldest first with filters; `audit verify` catches
//! every kind of tampering done to the SQLite file directly.

use crate::common;

use common::{proof, Env, Run};
use serde_json::Value;

/// A store with six audit entries: generate a, b, c; disable c; reveal a; rotate b.
pub(crate) fn six_entries() -> Env {
    let env = Env::at("2026-03-01T10:00:00Z");
    env.generate("a", &[]);
    env.generate("b", &[]);
    env.generate("c", &[]);
    env.ok(&["disable", "c"]);
    env.ok(&["show", "a", "--value"]);
    env.ok(&["rotate", "b"]);
    env
}

pub(crate) fn verify_json(env: &Env) -> (i32, Value) {
    let r = env.run(&["audit", "verify", "--json"]);
    (
        r.code,
        serde_json::from_str(&r.stdout).expect("verify --json is JSON"),
    )
}

pub(crate) fn actions(env: &Env, extra: &[&str]) -> Vec<String> {
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
    // The bounds are of the real time, not the as-of day (SPEC §5.2).
    assert_eq!(actions(&env, &["--since", "2026-03-02"]).len(), 6);
    assert_eq!(actions(&env, &["--until", "2026-03-01"]).len(), 0);
    assert_eq!(actions(&env, &["--since", "1d"]).len(), 6);
    env.fails(&["audit", "--since", "last tuesday"], 2);

    let v: Value = serde_json::from_str(&env.ok(&["audit", "--json", "--limit", "1"])).unwrap();
    let e = &v[0];
    assert_eq!(e["seq"], 6);
    assert_eq!(e["actor"], "tester");
    assert_eq!(e["key_name"], "b");
    assert_eq!(e["as_of"], "2026-03-01T10:00:00Z");
    assert_eq!(e["chain"], "default");
    assert_eq!(e["chain_seq"], 6);
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
    let head = env.query("SELECT hash FROM audit WHERE seq = 6")[0][0]
        .clone()
        .unwrap();
    let head = head.to_lowercase();
    assert!(
        r.stdout.contains("intact: 6 entries in 1 chain"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(&head), "{}", r.stdout);
    let (code, v) = verify_json(&env);
    assert_eq!(code, 0);
    assert_eq!(v["intact"], true);
    assert_eq!(v["entries"], 6);
    assert_eq!(v["chains"][0]["chain"], "default");
    assert_eq!(v["chains"][0]["seq"], 6);
    assert_eq!(v["chains"][0]["head"], head);
    let line = format!("default 6 {head}");
    assert_eq!(env.ok(&["audit", "verify", "-q"]).trim(), line);
    assert_eq!(env.ok(&["audit", "head"]).trim(), line);
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
    env.execute_sql("UPDATE audit SET actor = 'mallory' WHERE seq = 3");
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
    env.execute_sql("UPDATE audit SET details = '{\"reason\":\"routine\"}' WHERE seq = 4");
    let (code, v) = verify_json(&env);
    assert_eq!((code, v["first_bad"].clone()), (1, Value::from(4)));

    let env = six_entries();
    env.execute_sql("UPDATE audit SET hash = 'x' WHERE seq = 2");
    let (code, v) = verify_json(&env);
    assert_eq!((code, v["first_bad"].clone()), (1, Value::from(2)));
}

#[test]
fn verify_catches_a_removed_row() {
    let env = six_entries();
    env.execute_sql("DELETE FROM audit WHERE seq = 2");
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
    env.execute_sql("DELETE FROM audit WHERE seq = 2");
    env.execute_sql("UPDATE audit SET seq = seq - 1 WHERE seq > 2");
    let (code, v) = verify_json(&env);
    assert_eq!(code, 1);
    assert_eq!(v["first_bad"], 2);
}

#[test]
fn verify_catches_a_cut_tail() {
    let env = six_entries();
    env.execute_sql("DELETE FROM audit WHERE seq >= 5");
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
    env.execute_sql("DELETE FROM audit");
    let (code, v) = verify_json(&env);
    assert_eq!(code, 1);
    assert_eq!(v["problem"], "tail_cut");
}

#[test]
fn verify_catches_two_swapped_rows() {
    let env = six_entries();
    env.execute_sql(
        "UPDATE audit SET seq = -1 WHERE seq = 3;
         UPDATE audit SET seq = 3 WHERE seq = 4;
         UPDATE audit SET seq = 4 WHERE seq = -1;",
    );
    let (code, v) = verify_json(&env);
    assert_eq!(code, 1);
    assert_eq!(v["first_bad"], 3);
    assert_eq!(v["problem"], "reordered");
    let out = env.run(&["audit", "verify"]).stdout;
    assert!(out.contains("entries were reordered"), "{out}");
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
    env.execute_sql("DELETE FROM audit");
    env.execute_sql("DELETE FROM audit_heads");
    let (code, v) = verify_json(&env);
    assert_eq!(code, 1);
    assert_eq!(v["first_bad"], Value::Null);
    assert_eq!(v["problem"], "emptied");
    assert_eq!(v["chain"], "default");
}

#[test]
fn verify_catches_a_removed_head() {
    let env = six_entries();
    env.execute_sql("DELETE FROM audit_heads WHERE chain = 'default'");
    let (code, v) = verify_json(&env);
    assert_eq!(code, 1);
    assert_eq!(v["problem"], "head_missing");
}

/// Two tenants with entries in both: acme (alice, admin: 4 entries) and
/// globex (gary, admin: 3 entries), and a setting (the store-wide chain: 1).
pub(crate) fn run_as(env: &Env, actor: &str, args: &[&str]) -> Run {
    env.run_as(actor, args)
}

pub(crate) fn verify_json_as(env: &Env, actor: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["audit", "verify", "--json"];
    args.extend_from_slice(extra);
    let r = run_as(env, actor, &args);
    let v = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|_| panic!("verify --json: {}{}", r.stdout, r.stderr));
    (r.code, v)
}

pub(crate) fn two_tenants() -> Env {
    let env = Env::at("2026-03-01T10:00:00Z");
    env.ok(&["org", "add", "acme"]);
    env.ok(&["org", "add", "globex"]);
    env.ok(&["user", "add", "alice", "--org", "acme", "--role", "admin"]);
    env.ok(&["user", "add", "gary", "--org", "globex", "--role", "admin"]);
    for (actor, key) in [("alice", "a1"), ("alice", "a2"), ("gary", "g1")] {
        let r = run_as(&env, actor, &["generate", key, "-q"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    env.ok(&["config", "set", "scoped-api", "on"]);
    env
}

pub(crate) fn chains(v: &Value) -> Vec<(String, i64, bool)> {
    v["chains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["chain"].as_str().unwrap().to_string(),
                c["entries"].as_i64().unwrap(),
                c["intact"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn verify_as_a_tenant_user_checks_and_counts_its_chain_only() {
    let env = two_tenants();
    let (code, v) = verify_json_as(&env, "alice", &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(chains(&v), [("acme".to_string(), 4, true)]);
    assert_eq!(v["entries"], 4, "other tenants' entries are not counted");
    let out = run_as(&env, "alice", &["audit", "verify"]).stdout;
    assert!(out.contains("intact: 4 entries in 1 chain"), "{out}");
    assert!(!out.contains("globex") && !out.contains("@store"), "{out}");
    let heads = run_as(&env, "alice", &["audit", "head"]).stdout;
    assert_eq!(heads.lines().count(), 1, "{heads}");
    assert!(heads.starts_with("acme 4 "), "{heads}");

    // The operator checks every chain, each reported.
    let (code, v) = verify_json(&env);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        chains(&v),
        [
            ("@store".to_string(), 1, true),
            ("acme".to_string(), 4, true),
            ("globex".to_string(), 3, true)
        ]
    );
    assert_eq!(v["entries"], 8);
    let out = env.ok(&["audit", "verify"]);
    assert!(out.contains("intact: 8 entries in 3 chains"), "{out}");
    assert!(
        out.contains("  globex: intact, 3 entries, head 3 "),
        "{out}"
    );
    let heads = env.ok(&["audit", "head"]);
    let names: Vec<&str> = heads
        .lines()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(names, ["@store", "acme", "globex"]);
    let v: Value = serde_json::from_str(&env.ok(&["audit", "head", "--json"])).unwrap();
    assert_eq!(v[2]["chain"], "globex");
    assert_eq!(v[2]["seq"], 3);
    assert_eq!(v[2]["authentic"], true);
    proof::assert_audit_intact(&env);
}

#[test]
fn a_changed_entry_in_one_tenants_chain_is_found_and_named() {
    let env = two_tenants();
    env.execute_sql("UPDATE audit SET actor = 'mallory' WHERE chain = 'globex' AND chain_seq = 2");
    let (code, v) = verify_json(&env);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["chain"], "globex");
    assert_eq!(v["first_bad"], 2);
    assert_eq!(v["problem"], "changed");
    let c = chains(&v);
    assert_eq!(c[1], ("acme".to_string(), 4, true));
    assert_eq!(c[2], ("globex".to_string(), 3, false));
    let r = env.run(&["audit", "verify"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("audit log broken: chain globex: entry 2 was changed"),
        "{}",
        r.stdout
    );
    // Alice's chain is whole; she is told nothing of globex.
    let (code, v) = verify_json_as(&env, "alice", &[]);
    assert_eq!(code, 0, "{v}");
    assert!(!v.to_string().contains("globex"), "{v}");
}

#[test]
fn an_emptied_log_is_not_intact() {
    // Hardening item 16: the log and its head removed, users, orgs and
    // settings left.
    let env = two_tenants();
    env.execute_sql(
        "DELETE FROM keys; DELETE FROM notices; DELETE FROM audit;
             DELETE FROM meta WHERE name='audit_head'",
    );
    let (code, v) = verify_json(&env);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["problem"], "tail_cut", "the heads are still there");
    env.execute_sql("DELETE FROM audit_heads");
    let (code, v) = verify_json(&env);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["entries"], 0);
    assert_eq!(v["problem"], "emptied");
    assert_eq!(
        chains(&v),
        [
            ("@store".to_string(), 0, false),
            ("acme".to_string(), 0, false),
            ("globex".to_string(), 0, false)
        ]
    );
    let out = env.run(&["audit", "verify"]).stdout;
    assert!(out.contains("the log was emptied"), "{out}");
    let (code, _) = verify_json_as(&env, "alice", &[]);
    assert_eq!(code, 1);

    // A store with only a setting left.
    let env = Env::new();
    env.ok(&["config", "set", "scoped-api", "on"]);
    env.execute_sql("DELETE FROM audit; DELETE FROM audit_heads");
    let (code, v) = verify_json(&env);
    assert_eq!((code, v["chain"].as_str()), (1, Some("@store")), "{v}");
}

#[test]
fn at_is_the_real_time_and_as_of_is_keyadm_now() {
    let env = Env::at("2030-01-01T00:00:00Z");
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    env.generate("k", &[]);
    let after = chrono::Utc::now() + chrono::Duration::seconds(1);
    let v: Value = serde_json::from_str(&env.ok(&["audit", "--json"])).unwrap();
    let e = &v[0];
    let at = chrono::DateTime::parse_from_rfc3339(e["at"].as_str().unwrap()).unwrap();
    assert!(
        before <= at && at <= after,
        "{at} not between {before} and {after}"
    );
    assert_eq!(e["as_of"], "2030-01-01T00:00:00Z");
    assert!(e["os_uid"].is_number(), "{e}");
    // The filters are of the real time: a day back from now, not from 2030.
    assert_eq!(actions(&env, &["--since", "1d"]).len(), 1);
    assert_eq!(actions(&env, &["--since", "2029-12-31"]).len(), 0);
    let table = env.ok(&["audit"]);
    assert!(table.contains("(as of 2030-01-01 00:00)"), "{table}");
    // Without KEYADM_NOW there is no as-of time.
    let mut env = env;
    env.now = None;
    env.generate("j", &[]);
    let v: Value = serde_json::from_str(&env.ok(&["audit", "--json", "--key", "j"])).unwrap();
    assert_eq!(v[0]["as_of"], Value::Null);
    assert!(!env.ok(&["audit", "--key", "j"]).contains("as of"));
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
