//! Origin and address allow-lists against the security review's requests
//! ("Origins", "`::/0` and mapped IPv4"): serialized origins only, entries
//! with scheme and port, bare hosts of 0.1, and IPv4-mapped addresses.

use crate::common;

use common::Env;
use serde_json::{json, Value};

const T0: &str = "2026-06-01T12:00:00Z";

fn reason(env: &Env, value: &str, extra: &[&str]) -> Value {
    let mut args = vec!["verify", "--json"];
    args.extend_from_slice(extra);
    let r = env.run_stdin(&args, &format!("{value}\n"));
    let d: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|_| panic!("not JSON: {}{}", r.stdout, r.stderr));
    assert_eq!(r.code, if d["allowed"] == true { 0 } else { 1 }, "{d}");
    d["reason"].clone()
}

fn origin(env: &Env, value: &str, o: &str) -> Value {
    reason(env, value, &["--origin", o])
}

#[test]
fn a_wildcard_origin_denies_the_review_s_lookalikes() {
    let env = Env::at(T0);
    let v = env.generate("web", &["--origin", "*.example.com"]);
    for o in [
        "https://evil.com?.example.com",
        "https://evil.com#.example.com",
        "https://evil.com\\.example.com",
        "https://evil.com%2f.example.com",
        "https://a b.example.com",
        "evil://app.example.com",
        "https://app.example.com/",
        "https://app.example.com/path",
        "https://user@app.example.com",
        "null",
        "https://example.com",
        "https://badexample.com",
    ] {
        assert_eq!(origin(&env, &v, o), "origin_not_allowed", "{o}");
    }
    for o in [
        "https://app.example.com",
        "http://app.example.com:8080",
        "https://a.b.c.example.com",
        "HTTPS://APP.EXAMPLE.COM",
    ] {
        assert_eq!(origin(&env, &v, o), Value::Null, "{o}");
    }
}

#[test]
fn entries_take_a_scheme_and_a_port() {
    let env = Env::at(T0);
    // What admins paste from a browser is accepted and kept as written.
    let v = env.generate(
        "app",
        &[
            "--origin",
            "https://app.example.com",
            "--origin",
            "http://localhost:8080",
        ],
    );
    assert_eq!(
        env.show("app")["origins"],
        json!(["https://app.example.com", "http://localhost:8080"])
    );
    assert_eq!(origin(&env, &v, "https://app.example.com"), Value::Null);
    assert_eq!(
        origin(&env, &v, "https://app.example.com:8443"),
        Value::Null
    );
    assert_eq!(
        origin(&env, &v, "http://app.example.com"),
        "origin_not_allowed"
    );
    assert_eq!(origin(&env, &v, "http://localhost:8080"), Value::Null);
    assert_eq!(
        origin(&env, &v, "http://localhost:3000"),
        "origin_not_allowed"
    );
    assert_eq!(
        origin(&env, &v, "https://localhost:8080"),
        "origin_not_allowed"
    );
    for bad in [
        "evil://app.example.com",
        "https://app.example.com/path",
        "https://app.example.com?x",
        "app.example.com:99999",
        "bücher.example",
        "*.com",
    ] {
        let err = env.fails(&["generate", "bad", &format!("--origin={bad}")], 2);
        assert!(err.contains("invalid origin"), "{bad}: {err}");
        assert!(
            err.contains("hint: give [scheme://]host[:port]"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn a_bare_host_request_is_accepted_with_a_warning() {
    let env = Env::at(T0);
    let v = env.generate("old", &["--origin", "app.example.com"]);
    let r = env.run_stdin(
        &["verify", "--origin", "app.example.com"],
        &format!("{v}\n"),
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("warning: --origin takes a serialized origin"),
        "{}",
        r.stderr
    );
    let r = env.run_stdin(
        &["verify", "--origin", "https://app.example.com"],
        &format!("{v}\n"),
    );
    assert_eq!(r.code, 0);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    // A 0.1 entry, stored as a bare host, matches either scheme and any port.
    assert_eq!(origin(&env, &v, "http://app.example.com:81"), Value::Null);
    let batch = env.run_stdin(
        &["verify", "--batch"],
        &format!(
            "{}\n{}\n",
            json!({"key": v, "origin": "https://app.example.com"}),
            json!({"key": v, "origin": "https://app.example.com.evil.com"})
        ),
    );
    let allowed: Vec<bool> = batch
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["allowed"] == true)
        .collect();
    assert_eq!(allowed, vec![true, false]);
}

#[test]
fn mapped_ipv4_addresses_are_their_ipv4_client() {
    let env = Env::at(T0);
    let v6 = env.generate("v6", &["--ip", "::/0"]);
    assert_eq!(
        reason(&env, &v6, &["--ip", "::ffff:1.2.3.4"]),
        "ip_not_allowed"
    );
    assert_eq!(reason(&env, &v6, &["--ip", "1.2.3.4"]), "ip_not_allowed");
    assert_eq!(reason(&env, &v6, &["--ip", "2001:db8::1"]), Value::Null);

    let v4 = env.generate("v4", &["--ip", "0.0.0.0/0"]);
    assert_eq!(reason(&env, &v4, &["--ip", "::ffff:1.2.3.4"]), Value::Null);
    assert_eq!(reason(&env, &v4, &["--ip", "1.2.3.4"]), Value::Null);
    assert_eq!(
        reason(&env, &v4, &["--ip", "2001:db8::1"]),
        "ip_not_allowed"
    );

    // A range written in mapped form is the IPv4 range, and is shown so.
    let mapped = env.generate("mapped", &["--ip", "::ffff:10.0.0.0/104"]);
    assert_eq!(env.show("mapped")["ips"], json!(["10.0.0.0/8"]));
    assert_eq!(reason(&env, &mapped, &["--ip", "10.9.8.7"]), Value::Null);
    assert_eq!(
        reason(&env, &mapped, &["--ip", "::ffff:10.9.8.7"]),
        Value::Null
    );
    assert_eq!(
        reason(&env, &mapped, &["--ip", "11.0.0.1"]),
        "ip_not_allowed"
    );

    // One stored in the mapped form by 0.1 reads the same way.
    let c = rusqlite::Connection::open(env.db()).unwrap();
    c.execute(
        "UPDATE keys SET ips = '[\"::ffff:10.0.0.0/104\"]' WHERE name = 'v4'",
        [],
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
    assert_eq!(reason(&env, &v4, &["--ip", "10.1.1.1"]), Value::Null);
    assert_eq!(reason(&env, &v4, &["--ip", "11.1.1.1"]), "ip_not_allowed");
}
