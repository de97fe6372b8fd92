//! `keyadm sign` and `keyadm check-signature`: round trip, the canonical
//! string computed here by hand, skew both ways, grace, and each failure.

mod common;

use common::{Env, Run};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

const T0: &str = "2026-06-01T12:00:00Z";
const T0_UNIX: i64 = 1_780_315_200;
const URL: &str = "/api/v1/orders?dry_run=1";

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn at(now: &str) -> Env {
    Env::at(now)
}

fn with_now(env: &mut Env, now: &str) {
    env.now = Some(now.to_string());
}

fn signed(env: &Env, key: &str, body: &str) -> (String, i64) {
    let r = env.run_stdin(
        &[
            "sign",
            key,
            "-X",
            "POST",
            "--url",
            URL,
            "--body-file",
            "-",
            "--json",
        ],
        body,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j: Value = serde_json::from_str(&r.stdout).unwrap();
    (
        j["signature"].as_str().unwrap().to_string(),
        j["timestamp"].as_i64().unwrap(),
    )
}

fn check(env: &Env, key: &str, sig: &str, ts: i64, body: &str, extra: &[&str]) -> (Run, Value) {
    let ts = ts.to_string();
    let mut args = vec![
        "check-signature",
        "--key-id",
        key,
        "--timestamp",
        &ts,
        "--signature",
        sig,
        "-X",
        "POST",
        "--url",
        URL,
        "--body-file",
        "-",
        "--json",
    ];
    args.extend_from_slice(extra);
    let r = env.run_stdin(&args, body);
    let j: Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|_| panic!("{}{}", r.stdout, r.stderr));
    assert_eq!(r.code, if j["valid"] == true { 0 } else { 1 }, "{j}");
    (r, j)
}

#[test]
fn sign_computes_the_documented_canonical_string() {
    let env = at(T0);
    env.generate("billing", &[]);
    let value = env.ok(&["show", "billing", "--value"]).trim().to_string();
    let id = env.show("billing")["id"].as_str().unwrap().to_string();
    let body = r#"{"amount":42}"#;
    let (sig, ts) = signed(&env, "billing", body);
    assert_eq!(ts, T0_UNIX);
    let canonical = format!(
        "v1\n{T0_UNIX}\nPOST\n{URL}\n{}",
        hex(&Sha256::digest(body.as_bytes()))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(value.as_bytes()).unwrap();
    mac.update(canonical.as_bytes());
    assert_eq!(sig, format!("v1={}", hex(&mac.finalize().into_bytes())));

    let file = env.dir.path().join("body.json");
    std::fs::write(&file, body).unwrap();
    let headers = env.ok(&[
        "sign",
        &id,
        "-X",
        "post",
        "--url",
        &format!("https://api.example.com{URL}#x"),
        "--body-file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        headers,
        format!("X-Keyadm-Key-Id: {id}\nX-Keyadm-Timestamp: {T0_UNIX}\nX-Keyadm-Signature: {sig}\n"),
        "a full URL signs its path and query; the method is upper-cased; a file is the same body as stdin"
    );
    assert!(!headers.contains(&value));
}

#[test]
fn a_signature_checks_and_any_change_breaks_it() {
    let env = at(T0);
    env.generate("billing", &[]);
    let (sig, ts) = signed(&env, "billing", "hello");
    let (_, j) = check(&env, "billing", &sig, ts, "hello", &[]);
    assert_eq!(j["valid"], true);
    assert_eq!(j["matched"], "current");
    assert_eq!(
        check(&env, "billing", &sig, ts, "hellO", &[]).1["reason"],
        "signature_mismatch"
    );
    assert_eq!(
        check(&env, "billing", &sig, ts - 1, "hello", &[]).1["reason"],
        "signature_mismatch"
    );
    let other = env.generate("other", &[]);
    let _ = other;
    assert_eq!(
        check(&env, "other", &sig, ts, "hello", &[]).1["reason"],
        "signature_mismatch"
    );
    assert_eq!(
        check(&env, "nope", &sig, ts, "hello", &[]).1["reason"],
        "unknown"
    );
    assert_eq!(
        check(&env, "billing", "v1=abc", ts, "hello", &[]).1["reason"],
        "malformed"
    );
    assert_eq!(
        check(
            &env,
            "billing",
            &sig.replace("v1=", "v2="),
            ts,
            "hello",
            &[]
        )
        .1["reason"],
        "malformed"
    );
    env.ok(&["disable", "billing"]);
    assert_eq!(
        check(&env, "billing", &sig, ts, "hello", &[]).1["reason"],
        "disabled"
    );
    let human = env.run_stdin(
        &[
            "check-signature",
            "--key-id",
            "billing",
            "--timestamp",
            &ts.to_string(),
            "--signature",
            &sig,
            "-X",
            "POST",
            "--url",
            URL,
            "--body-file",
            "-",
        ],
        "hello",
    );
    assert_eq!(human.code, 1);
    assert!(human.stdout.contains("disabled"), "{}", human.stdout);
}

#[test]
fn the_timestamp_may_be_off_by_the_skew_either_way_and_no_more() {
    let mut env = at(T0);
    env.generate("billing", &[]);
    let (sig, ts) = signed(&env, "billing", "");
    for (now, want) in [
        ("2026-06-01T12:05:00Z", Value::Null),
        ("2026-06-01T12:05:01Z", "timestamp_too_old".into()),
        ("2026-06-01T11:55:00Z", Value::Null),
        ("2026-06-01T11:54:59Z", "timestamp_in_future".into()),
    ] {
        with_now(&mut env, now);
        assert_eq!(
            check(&env, "billing", &sig, ts, "", &[]).1["reason"],
            want,
            "at {now}"
        );
    }
    with_now(&mut env, "2026-06-01T12:09:00Z");
    assert_eq!(
        check(&env, "billing", &sig, ts, "", &["--max-skew", "10m"]).1["reason"],
        Value::Null
    );
    env.fails(
        &[
            "check-signature",
            "--key-id",
            "billing",
            "--timestamp",
            "1",
            "--signature",
            &sig,
            "--url",
            "/",
            "--max-skew",
            "soon",
        ],
        2,
    );
}

#[test]
fn the_previous_value_signs_through_its_grace_only() {
    let mut env = at(T0);
    env.generate("billing", &[]);
    let (old_sig, ts) = signed(&env, "billing", "x");
    env.ok(&["rotate", "billing", "--grace", "1h"]);
    with_now(&mut env, "2026-06-01T12:30:00Z");
    let (_, j) = check(&env, "billing", &old_sig, ts, "x", &["--max-skew", "3h"]);
    assert_eq!(j["valid"], true);
    assert_eq!(j["matched"], "previous");
    let (new_sig, new_ts) = signed(&env, "billing", "x");
    assert_eq!(
        check(&env, "billing", &new_sig, new_ts, "x", &[]).1["matched"],
        "current"
    );
    with_now(&mut env, "2026-06-01T13:00:01Z");
    assert_eq!(
        check(&env, "billing", &old_sig, ts, "x", &["--max-skew", "3h"]).1["reason"],
        "signature_mismatch"
    );
}

#[test]
fn show_once_keys_cannot_sign_and_bad_input_is_a_usage_error() {
    let env = at(T0);
    env.generate("once", &["--show-once"]);
    env.fails(&["sign", "once", "--url", "/"], 4);
    env.generate("billing", &[]);
    env.fails(&["sign", "billing", "--url", "no-slash"], 2);
    env.fails(&["sign", "billing", "--url", "/", "-X", "GE T"], 2);
    env.fails(&["sign", "nope", "--url", "/"], 3);
    env.fails(
        &[
            "sign",
            "billing",
            "--url",
            "/",
            "--body-file",
            "/nonexistent",
        ],
        5,
    );
}

#[test]
fn sign_and_check_signature_take_only_http_methods() {
    let env = Env::new();
    env.generate("billing", &[]);
    for cmd in [
        vec!["sign", "billing", "--url", "/x", "--method", "FETCH"],
        vec![
            "check-signature",
            "--key-id",
            "billing",
            "--timestamp",
            "1",
            "--signature",
            "v1=00",
            "--url",
            "/x",
            "-X",
            "FETCH",
        ],
    ] {
        let err = env.fails(&cmd, 2);
        assert!(err.contains("invalid method \"FETCH\""), "{err}");
        assert!(
            err.contains("hint: use one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"),
            "{err}"
        );
    }
    // Any case is accepted, and signed upper-case: the two agree.
    let out = env.ok(&["sign", "billing", "--url", "/x", "-X", "patch", "--json"]);
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ts = s["timestamp"].to_string();
    env.ok(&[
        "check-signature",
        "--key-id",
        s["key_id"].as_str().unwrap(),
        "--timestamp",
        &ts,
        "--signature",
        s["signature"].as_str().unwrap(),
        "--url",
        "/x",
        "-X",
        "PATCH",
    ]);
}
