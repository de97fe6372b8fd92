//! `keyadm verify` and `keyadm lookup`: every reason code, in order; where
//! the key is read from; the JSON shape; last use.

use crate::common;

use std::time::{Duration, Instant};

use common::{Env, Run};
use serde_json::Value;

const T0: &str = "2026-06-01T12:00:00Z";
/// A well-formed value (valid checksum) that no store has.
const STRANGER: &str = "kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV3aA98p";

fn verify(env: &Env, value: &str, extra: &[&str]) -> Run {
    let mut args = vec!["verify", "--json"];
    args.extend_from_slice(extra);
    env.run_stdin(&args, &format!("{value}\n"))
}

/// Runs verify and returns its reason (null when allowed), checking the exit code matches.
fn reason(env: &Env, value: &str, extra: &[&str]) -> Value {
    let r = verify(env, value, extra);
    let d: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|_| panic!("not JSON: {}{}", r.stdout, r.stderr));
    let allowed = d["allowed"].as_bool().unwrap();
    assert_eq!(r.code, if allowed { 0 } else { 1 }, "{d}");
    d["reason"].clone()
}

fn sql(env: &Env, statement: &str) {
    env.execute_sql(statement);
    // As if a 0.1 keyadm had stored it: unsigned, then signed by the next
    // command that unlocks the master key (SPEC §5.5).
    env.execute_sql(
        "UPDATE keys SET row_sig = NULL; UPDATE users SET row_sig = NULL;
         DELETE FROM meta WHERE name = 'rows_signed'",
    );
    env.ok(&["trust", "export"]);
}

#[test]
fn an_enabled_key_is_allowed_with_the_documented_json() {
    let env = Env::at(T0);
    let v = env.generate("billing", &["--tag", "x"]);
    let r = verify(&env, &v, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let d: Value = serde_json::from_str(&r.stdout).unwrap();
    let id = env.show("billing")["id"].clone();
    assert_eq!(
        d,
        serde_json::json!({"allowed": true, "reason": null, "key_id": id, "name": "billing",
            "type": "external", "org": "default", "tenant": "default", "user": null,
            "matched": "current"})
    );
    let human = env.run_stdin(&["verify"], &v);
    assert_eq!(human.code, 0);
    assert!(human.stdout.starts_with("allowed"), "{}", human.stdout);
    assert!(
        !human.stdout.contains(&v) && !human.stderr.contains(&v),
        "the value is never printed"
    );
}

#[test]
fn malformed_and_unknown() {
    let env = Env::at(T0);
    let v = env.generate("billing", &[]);
    assert_eq!(reason(&env, "hello", &[]), "malformed");
    assert_eq!(reason(&env, "", &[]), "malformed");
    let mut typo = v.clone().into_bytes();
    typo[12] = if typo[12] == b'a' { b'b' } else { b'a' };
    assert_eq!(
        reason(&env, std::str::from_utf8(&typo).unwrap(), &[]),
        "malformed"
    );
    assert_eq!(reason(&env, STRANGER, &[]), "unknown");
    let d: Value = serde_json::from_str(&verify(&env, STRANGER, &[]).stdout).unwrap();
    assert!(d["key_id"].is_null() && d["name"].is_null());
}

#[test]
fn disabled_then_expired() {
    let mut env = Env::at(T0);
    let v = env.generate("billing", &["--expires", "1d"]);
    env.ok(&["disable", "billing", "--reason", "test"]);
    assert_eq!(reason(&env, &v, &[]), "disabled");
    env.ok(&["enable", "billing"]);
    assert_eq!(reason(&env, &v, &[]), Value::Null);
    env.now = Some("2026-06-02T12:00:01Z".into());
    assert_eq!(reason(&env, &v, &[]), "expired", "at once, without a sweep");
}

#[test]
fn a_rotated_value_works_through_its_grace_then_is_rotated() {
    let mut env = Env::at(T0);
    let old = env.generate("billing", &[]);
    env.ok(&["rotate", "billing", "--grace", "1h"]);
    let new = env.ok(&["show", "billing", "--value"]).trim().to_string();
    assert_ne!(old, new);
    env.now = Some("2026-06-01T12:59:59Z".into());
    assert_eq!(reason(&env, &old, &[]), Value::Null, "within the grace");
    assert_eq!(reason(&env, &new, &[]), Value::Null);
    env.now = Some("2026-06-01T13:00:00Z".into());
    assert_eq!(reason(&env, &old, &[]), "rotated", "the grace has ended");
    assert_eq!(reason(&env, &new, &[]), Value::Null);
    env.ok(&["disable", "billing"]);
    assert_eq!(reason(&env, &old, &[]), "disabled", "disabled comes first");
}

#[test]
fn origin_address_and_rule_checks_in_order() {
    let env = Env::at(T0);
    env.ok(&["config", "set", "scoped-api", "on"]);
    let v = env.generate(
        "reports",
        &[
            "--type",
            "custom",
            "--allow",
            "GET /api/v1/reports/*",
            "--origin",
            "*.example.com",
            "--ip",
            "10.0.0.0/8",
        ],
    );
    let good = [
        "--origin",
        "https://app.example.com",
        "--ip",
        "10.1.2.3",
        "--method",
        "GET",
        "--url",
        "/api/v1/reports/7?full=1",
    ];
    assert_eq!(reason(&env, &v, &good), Value::Null);

    let mut bad_origin = good;
    bad_origin[1] = "https://example.com";
    bad_origin[3] = "192.168.1.1"; // also a bad address: the origin is reported first
    assert_eq!(reason(&env, &v, &bad_origin), "origin_not_allowed");
    assert_eq!(
        reason(&env, &v, &good[2..]),
        "origin_not_allowed",
        "a list and no origin"
    );

    let mut bad_ip = good;
    bad_ip[3] = "192.168.1.1";
    bad_ip[7] = "/elsewhere";
    assert_eq!(reason(&env, &v, &bad_ip), "ip_not_allowed");
    assert_eq!(
        reason(&env, &v, &[&good[..2], &good[4..]].concat()),
        "ip_not_allowed"
    );

    let mut bad_rule = good;
    bad_rule[7] = "/api/v1/reports/7/raw";
    assert_eq!(reason(&env, &v, &bad_rule), "rule_not_allowed");
    let mut bad_method = good;
    bad_method[5] = "POST";
    assert_eq!(reason(&env, &v, &bad_method), "rule_not_allowed");
    assert_eq!(
        reason(&env, &v, &good[..4]),
        "rule_not_allowed",
        "no method and URL"
    );
    let full = [&good[..7], &["https://api.example.com/api/v1/reports/9"]].concat();
    assert_eq!(
        reason(&env, &v, &full),
        Value::Null,
        "a full URL is matched by its path"
    );

    env.fails(&["verify", "--ip", "10.1.2.300"], 2);
}

#[test]
fn a_user_bound_key_allows_only_what_the_user_may_do() {
    let env = Env::at(T0);
    env.ok(&["config", "set", "scoped-api", "on"]);
    let v = env.generate("ana-key", &["--type", "custom", "--allow", "* /api/**"]);
    sql(
        &env,
        r#"INSERT INTO users (name, org, tenant, enabled, privileges, created_at)
             VALUES ('ana', 'default', 'default', 1, '["GET /api/v1/*"]', '2026-01-01T00:00:00Z');
           UPDATE keys SET user_name = 'ana' WHERE name = 'ana-key';"#,
    );
    let req = |m: &'static str, u: &'static str| ["--method", m, "--url", u];
    assert_eq!(reason(&env, &v, &req("GET", "/api/v1/users")), Value::Null);
    let d: Value =
        serde_json::from_str(&verify(&env, &v, &req("GET", "/api/v1/users")).stdout).unwrap();
    assert_eq!(d["user"], "ana");
    assert_eq!(
        reason(&env, &v, &req("POST", "/api/v1/users")),
        "user_lacks_privilege"
    );
    assert_eq!(
        reason(&env, &v, &req("GET", "/api/v2/users")),
        "user_lacks_privilege"
    );
    assert_eq!(
        reason(&env, &v, &req("GET", "/other")),
        "rule_not_allowed",
        "the key's rules first"
    );
    sql(&env, "UPDATE users SET enabled = 0 WHERE name = 'ana'");
    assert_eq!(
        reason(&env, &v, &req("GET", "/api/v1/users")),
        "user_disabled"
    );
    sql(&env, "DELETE FROM users WHERE name = 'ana'");
    assert_eq!(
        reason(&env, &v, &req("GET", "/api/v1/users")),
        "user_disabled",
        "a removed user"
    );
}

#[test]
fn the_key_comes_from_a_file_the_environment_or_stdin_never_argv() {
    let env = Env::at(T0);
    let v = env.generate("billing", &[]);
    let file = env.dir.path().join("key.txt");
    std::fs::write(&file, format!("{v}\nsecond line\n")).unwrap();
    assert_eq!(
        env.run(&["verify", "--key-file", file.to_str().unwrap()])
            .code,
        0
    );
    let r: Run = env
        .cmd()
        .args(["verify"])
        .env("KEYADM_KEY", &v)
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        env.run_stdin(&["verify"], &format!("  {v}  \r\nrest")).code,
        0
    );
    let r = env.run(&["verify", &v]);
    assert_eq!(r.code, 2, "a key in argv is refused");
    assert!(!r.stderr.contains(&v[10..]), "and not echoed");
    env.fails(&["verify", "--key-file", "/nonexistent/key"], 5);
}

fn last_used(env: &Env) -> Value {
    env.show("billing")["last_used_at"].clone()
}

#[test]
fn last_use_is_recorded_at_most_once_a_minute() {
    let mut env = Env::at(T0);
    let v = env.generate("billing", &[]);
    assert_eq!(last_used(&env), Value::Null);
    assert_eq!(reason(&env, &v, &[]), Value::Null);
    assert_eq!(last_used(&env), T0);
    env.now = Some("2026-06-01T12:00:59Z".into());
    assert_eq!(reason(&env, &v, &[]), Value::Null);
    assert_eq!(last_used(&env), T0, "not again within the minute");
    env.now = Some("2026-06-01T12:01:00Z".into());
    assert_eq!(reason(&env, &v, &[]), Value::Null);
    assert_eq!(last_used(&env), "2026-06-01T12:01:00Z");
    env.now = Some("2026-06-01T12:05:00Z".into());
    env.run_stdin(&["lookup"], &v);
    assert_eq!(
        last_used(&env),
        "2026-06-01T12:01:00Z",
        "lookup records no use"
    );
}

#[test]
fn a_locked_store_still_answers_at_once() {
    let env = Env::at(T0);
    let v = env.generate("billing", &[]);
    // Another writer holds the store's write lock: SQLite's, or on
    // PostgreSQL the advisory lock every keyadm writer takes.
    enum Holder {
        Sqlite(rusqlite::Connection),
        Pg(postgres::Client),
    }
    let mut c = match &env.pg {
        Some(db) => {
            let mut c = common::pg::cluster().client(db);
            c.batch_execute(
                "BEGIN; SELECT pg_advisory_xact_lock(118083572294765); UPDATE settings SET value = value;",
            )
            .unwrap();
            Holder::Pg(c)
        }
        None => {
            let c = rusqlite::Connection::open(env.db()).unwrap();
            c.execute_batch("BEGIN IMMEDIATE; UPDATE settings SET value = value;")
                .unwrap();
            Holder::Sqlite(c)
        }
    };
    let started = Instant::now();
    assert_eq!(reason(&env, &v, &[]), Value::Null);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "verify waited for the write lock ({:?})",
        started.elapsed()
    );
    match &mut c {
        Holder::Sqlite(c) => c.execute_batch("ROLLBACK").unwrap(),
        Holder::Pg(c) => c.batch_execute("ROLLBACK").unwrap(),
    }
    drop(c);
    assert_eq!(
        last_used(&env),
        Value::Null,
        "the use was skipped, not waited for"
    );
}

#[test]
fn lookup_names_the_key_without_recording_a_use() {
    let env = Env::at(T0);
    let v = env.generate("billing", &[]);
    let id = env.show("billing")["id"].as_str().unwrap().to_string();
    let out = env.run_stdin(&["lookup"], &v);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.contains(&id)
            && out.stdout.contains("billing")
            && out.stdout.contains("enabled")
    );
    let j: Value = serde_json::from_str(&env.run_stdin(&["lookup", "--json"], &v).stdout).unwrap();
    assert_eq!(j["id"], id.as_str());
    assert_eq!(j["org"], "default");
    assert_eq!(j["state"], "enabled");
    assert_eq!(j["matched"], "current");
    assert!(j.get("value").is_none());
    env.ok(&["rotate", "billing", "--grace", "1h"]);
    let j: Value = serde_json::from_str(&env.run_stdin(&["lookup", "--json"], &v).stdout).unwrap();
    assert_eq!(j["matched"], "previous");
    assert_eq!(env.run_stdin(&["lookup"], STRANGER).code, 3);
    assert_eq!(env.run_stdin(&["lookup"], "nonsense").code, 2);
    assert_eq!(last_used(&env), Value::Null);
}

#[test]
fn verify_without_a_store_is_an_environment_error_but_malformed_needs_none() {
    let env = Env::new();
    assert_eq!(env.run_stdin(&["verify"], STRANGER).code, 5);
    assert_eq!(env.run_stdin(&["verify"], "junk").code, 1);
}

#[test]
fn verify_refuses_a_malformed_method_or_url_but_batch_answers_bad_request() {
    let env = Env::new();
    let value = env.generate("billing", &[]);
    let verify = |extra: &[&str]| {
        let mut args = vec!["verify"];
        args.extend_from_slice(extra);
        env.cmd()
            .args(&args)
            .env("KEYADM_KEY", &value)
            .output()
            .unwrap()
    };
    for (extra, what) in [
        (&["--method", "FETCH"][..], "invalid method"),
        (&["--url", "v1/x"][..], "invalid URL"),
        (&["--url", "ftp://h/x"][..], "invalid URL"),
        (
            &["--method", "GET", "--url", "api.example.com/x"][..],
            "invalid URL",
        ),
    ] {
        let o = verify(extra);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(what) && err.contains("hint:"), "{err}");
        assert!(o.stdout.is_empty());
    }
    for extra in [
        &["--method", "get", "--url", "/v1/x"][..],
        &["--url", "https://api.example.com/v1/x"][..],
    ] {
        assert_eq!(verify(extra).status.code(), Some(0), "{extra:?}");
    }
    let lines = [
        serde_json::json!({"key": value, "method": "FETCH", "url": "/x"}),
        serde_json::json!({"key": value, "method": "GET", "url": "x"}),
        serde_json::json!({"key": value, "method": "post", "url": "/x"}),
    ]
    .map(|l| l.to_string())
    .join("\n");
    let r = env.run_stdin(&["verify", "--batch"], &lines);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let answers: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 3, "{}", r.stdout);
    assert_eq!(answers[0]["reason"], "bad_request");
    assert!(answers[0]["error"].as_str().unwrap().contains("method"));
    assert_eq!(answers[1]["reason"], "bad_request");
    assert!(answers[1]["error"].as_str().unwrap().contains("URL"));
    assert_eq!(answers[2]["allowed"], true, "{}", r.stdout);
}
