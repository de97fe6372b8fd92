//! Allow rules against hostile request paths (security review: "Raw paths
//! in allow rules", "Exponential `**`"): dot segments, encoded separators,
//! path parameters, empty segments, the wildcard cap, the methods, and
//! matching time — through `verify`, `verify --json` and `verify --batch`.

use crate::common;

use std::time::Duration;

use common::{Env, Run};
use serde_json::{json, Value};

const T0: &str = "2026-06-01T12:00:00Z";

fn scoped() -> Env {
    let env = Env::at(T0);
    env.ok(&["config", "set", "scoped-api", "on"]);
    env
}

fn custom(env: &Env, name: &str, rule: &str) -> String {
    env.generate(name, &["--type", "custom", "--allow", rule])
}

/// `verify --json --method M --url U`, with a deadline well below the 0.1
/// matcher's 32–40 s on the review's inputs.
fn verify(env: &Env, value: &str, method: &str, url: &str) -> (Run, Value) {
    let r: Run = env
        .cmd()
        .args(["verify", "--json", "--method", method, "--url", url])
        .write_stdin(format!("{value}\n"))
        .timeout(Duration::from_secs(20))
        .output()
        .expect("binary runs")
        .into();
    let d: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|_| panic!("{url}: not JSON (timed out?): {}{}", r.stdout, r.stderr));
    assert_eq!(r.code, if d["allowed"] == true { 0 } else { 1 }, "{d}");
    (r, d)
}

fn reason(env: &Env, value: &str, url: &str) -> Value {
    verify(env, value, "GET", url).1["reason"].clone()
}

#[test]
fn dot_segments_cannot_climb_out_of_a_double_star_rule() {
    let env = scoped();
    let pub_key = custom(&env, "pub", "GET /api/public/**");
    for url in [
        "/api/public/../../admin/delete",
        "/api/public/%2e%2e/%2e%2e/admin",
        "/api/public/%2E%2E/%2e%2E/admin",
        "/api/public/x;/../../admin",
        "/api/public/./../admin",
        "https://api.example.com/api/public/../../admin/delete",
    ] {
        assert_eq!(reason(&env, &pub_key, url), "rule_not_allowed", "{url}");
    }
    // What stays inside is still allowed, normalised first.
    for url in [
        "/api/public/a/b",
        "/api/public/a/../b",
        "/api/public/%7Euser",
        "/api/public/%41\u{e9}/x", // found by fuzzing: a panic on text after an escape
        "/api/public/x;v=1/y",
        "/api/public/a?next=/../../admin",
    ] {
        assert_eq!(reason(&env, &pub_key, url), Value::Null, "{url}");
    }
}

#[test]
fn single_segment_wildcards_refuse_dots_encoded_separators_and_empty_segments() {
    let env = scoped();
    let users = custom(&env, "users", "GET /api/v1/users/*");
    for (url, want) in [
        ("/api/v1/users/..", "rule_not_allowed"),
        ("/api/v1/users/%2e%2e", "rule_not_allowed"),
        ("/api/v1/users/.", "rule_not_allowed"),
        ("/api/v1/users/", "rule_not_allowed"),
        ("/api/v1/users//", "rule_not_allowed"),
        ("/api/v1/users/..%2fadmin", "bad_path"),
        ("/api/v1/users/..%2Fadmin", "bad_path"),
        ("/api/v1/users/..%5cadmin", "bad_path"),
        ("/api/v1/users/..\\admin", "bad_path"),
        ("/api/v1/users/%zz", "bad_path"),
        ("/api/v1/users/..;x/admin", "bad_path"),
    ] {
        assert_eq!(reason(&env, &users, url), want, "{url}");
    }
    assert_eq!(reason(&env, &users, "/api/v1/users/7"), Value::Null);
    assert_eq!(reason(&env, &users, "/api/v1/users/%37"), Value::Null);
}

#[test]
fn bad_path_is_reported_by_verify_and_by_batch() {
    let env = scoped();
    let users = custom(&env, "users", "GET /api/v1/users/*");
    let (r, d) = verify(&env, &users, "GET", "/api/v1/users/..%2fadmin");
    assert_eq!(d["reason"], "bad_path");
    assert_eq!(d["name"], "users");
    let human = env.run_stdin(
        &[
            "verify",
            "--method",
            "GET",
            "--url",
            "/api/v1/users/..%2fadmin",
        ],
        &users,
    );
    assert_eq!(human.code, 1);
    assert!(
        human.stdout.starts_with("denied (bad_path)"),
        "{}",
        human.stdout
    );
    drop(r);
    let lines: Vec<String> = [
        "/api/v1/users/..%2fadmin",
        "/api/v1/users/..\\admin",
        "/api/v1/users/7",
        "/api/v1/users/%2e%2e",
    ]
    .iter()
    .map(|u| json!({"key": users, "method": "GET", "url": u}).to_string())
    .collect();
    let out = env.run_stdin(&["verify", "--batch"], &(lines.join("\n") + "\n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let reasons: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["reason"].clone())
        .collect();
    assert_eq!(
        reasons,
        vec![
            json!("bad_path"),
            json!("bad_path"),
            Value::Null,
            json!("rule_not_allowed")
        ]
    );
}

#[test]
fn a_key_without_rules_ignores_the_path() {
    let env = scoped();
    let ext = env.generate("ext", &[]);
    assert_eq!(reason(&env, &ext, "/a/..%2fb"), Value::Null);
}

#[test]
fn the_exponential_patterns_of_the_review_answer_at_once() {
    let env = scoped();
    let stars = custom(&env, "stars", "GET /**/**/**/**/**/**/**/**/z");
    let miss = format!("/{}x", "a/".repeat(60));
    let hit = format!("/{}z", "a/".repeat(60));
    assert_eq!(reason(&env, &stars, &miss), "rule_not_allowed");
    assert_eq!(reason(&env, &stars, &hit), Value::Null);
    // Repeated ** are stored as one.
    assert_eq!(env.show("stars")["rules"], json!(["GET /**/z"]));

    let three = custom(&env, "three", "GET /**/a/**/a/**/z");
    let long_miss = format!("/{}x", "a/".repeat(3200));
    assert_eq!(reason(&env, &three, &long_miss), "rule_not_allowed");
    assert_eq!(
        reason(&env, &three, &format!("/{}z", "a/".repeat(3200))),
        Value::Null
    );

    // In a batch, the request after the slow one is not held up.
    let lines = [
        json!({"key": three, "method": "GET", "url": long_miss}).to_string(),
        json!({"key": stars, "method": "GET", "url": miss}).to_string(),
        json!({"key": stars, "method": "GET", "url": "/q/z"}).to_string(),
    ];
    let out: Run = env
        .cmd()
        .args(["verify", "--batch"])
        .write_stdin(lines.join("\n") + "\n")
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap()
        .into();
    let allowed: Vec<bool> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["allowed"] == true)
        .collect();
    assert_eq!(allowed, vec![false, false, true], "{}", out.stderr);
}

#[test]
fn new_rules_are_capped_at_sixteen_wildcards_but_stored_ones_still_match() {
    let env = scoped();
    let many = format!("GET /{}", "a*/".repeat(17));
    let err = env.fails(
        &["generate", "many", "--type", "custom", "--allow", &many],
        2,
    );
    assert!(err.contains("17 wildcards, more than 16"), "{err}");
    assert!(err.contains("hint: "), "{err}");
    assert!(env.run(&["show", "many"]).code == 3, "nothing was stored");
    custom(&env, "sixteen", &format!("GET /{}", "a*/".repeat(16)));

    // A rule over the cap, stored by an older keyadm, loads and matches.
    let old = custom(&env, "old", "GET /x");
    let c = rusqlite::Connection::open(env.db()).unwrap();
    c.execute(
        "UPDATE keys SET rules = ?1 WHERE name = 'old'",
        [serde_json::to_string(&[&many]).unwrap()],
    )
    .unwrap();
    drop(c);
    // As if a 0.1 keyadm had stored it: unsigned, then signed by the next
    // command that unlocks the master key (SPEC §5.5).
    rusqlite::Connection::open(env.db())
        .unwrap()
        .execute_batch(
            "UPDATE keys SET row_sig = NULL; UPDATE users SET row_sig = NULL;
             DELETE FROM meta WHERE name = 'rows_signed'",
        )
        .unwrap();
    env.ok(&["trust", "export"]);
    let path = format!("/{}", "ab/".repeat(17));
    assert_eq!(reason(&env, &old, &path), Value::Null);
    assert_eq!(reason(&env, &old, "/x"), "rule_not_allowed");
    assert_eq!(env.show("old")["rules"], json!([many]));
    let out = env.run_stdin(
        &["verify", "--batch"],
        &format!("{}\n", json!({"key": old, "method": "GET", "url": path})),
    );
    assert!(out.stdout.contains(r#""allowed":true"#), "{}", out.stdout);
}

#[test]
fn patterns_refuse_what_requests_never_hold() {
    let env = scoped();
    for rule in [
        "GET /a/../b",
        "GET /a/./b",
        "GET /a/%2e%2e/b",
        "GET /a%2fb",
        "GET /a%5Cb",
        "GET /a\\b",
        "GET /a%zz",
    ] {
        let err = env.fails(&["generate", "p", "--type", "custom", "--allow", rule], 2);
        assert!(err.contains("invalid allow rule"), "{rule}: {err}");
        assert!(err.contains("hint: "), "{rule}: {err}");
    }
}

#[test]
fn methods_are_the_seven_of_http_or_any() {
    let env = scoped();
    for m in [
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*",
    ] {
        let v = custom(
            &env,
            &format!("m-{}", m.replace('*', "any")),
            &format!("{m} /x"),
        );
        let req = if m == "*" { "OPTIONS" } else { m };
        assert_eq!(verify(&env, &v, req, "/x").1["reason"], Value::Null, "{m}");
    }
    let head = custom(&env, "head", "head /y");
    assert_eq!(
        verify(&env, &head, "GET", "/y").1["reason"],
        "rule_not_allowed"
    );
    for m in ["TRACE", "CONNECT", "FETCH", "GET,POST"] {
        let err = env.fails(
            &[
                "generate",
                "bad",
                "--type",
                "custom",
                "--allow",
                &format!("{m} /x"),
            ],
            2,
        );
        assert!(
            err.contains(
                "hint: the method is one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, or *"
            ),
            "{m}: {err}"
        );
    }
}
