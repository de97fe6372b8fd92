//! `keyadm sign` and `keyadm check-signature`: round trip, the v2 canonical
//! string computed here by hand (and the README's vector), the origin bound
//! in, v1 still accepted with a warning, the signature never on argv, skew
//! both ways, grace, the replay cache, and each failure.

use crate::common;

use common::{Env, Run};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

const T0: &str = "2026-06-01T12:00:00Z";
const T0_UNIX: i64 = 1_780_315_200;
const ORIGIN: &str = "https://api.example.com";
const PATH: &str = "/api/v1/orders?dry_run=1";
const URL: &str = "https://api.example.com/api/v1/orders?dry_run=1";

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

/// `check-signature` with the signature in `KEYADM_SIGNATURE`, the URL
/// `URL` unless `extra` gives another `--url`.
fn check(env: &Env, key: &str, sig: &str, ts: i64, body: &str, extra: &[&str]) -> (Run, Value) {
    let ts = ts.to_string();
    let mut args = vec![
        "check-signature",
        "--key-id",
        key,
        "--timestamp",
        &ts,
        "-X",
        "POST",
        "--body-file",
        "-",
        "--json",
    ];
    if !extra.contains(&"--url") {
        args.extend_from_slice(&["--url", URL]);
    }
    args.extend_from_slice(extra);
    let r: Run = env
        .cmd()
        .args(&args)
        .env("KEYADM_SIGNATURE", sig)
        .write_stdin(body)
        .output()
        .unwrap()
        .into();
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
        "v2\n{T0_UNIX}\nPOST\n{ORIGIN}\n{PATH}\n{}",
        hex(&Sha256::digest(body.as_bytes()))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(value.as_bytes()).unwrap();
    mac.update(canonical.as_bytes());
    assert_eq!(sig, format!("v2={}", hex(&mac.finalize().into_bytes())));

    let file = env.dir.path().join("body.json");
    std::fs::write(&file, body).unwrap();
    let headers = env.ok(&[
        "sign",
        &id,
        "-X",
        "post",
        "--url",
        &format!("HTTPS://API.Example.com:443{PATH}#x"),
        "--body-file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        headers,
        format!("X-Keyadm-Key-Id: {id}\nX-Keyadm-Timestamp: {T0_UNIX}\nX-Keyadm-Signature: {sig}\n"),
        "scheme and host are lower-cased, the default port dropped, the fragment too; the method is upper-cased; a file is the same body as stdin"
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
            &sig.replace("v2=", "v3="),
            ts,
            "hello",
            &[]
        )
        .1["reason"],
        "malformed"
    );
    assert_eq!(
        check(
            &env,
            "billing",
            &sig.replace("v2=", "v1="),
            ts,
            "hello",
            &[]
        )
        .1["reason"],
        "signature_mismatch",
        "a v2 MAC is not a v1 one"
    );
    env.ok(&["disable", "billing"]);
    assert_eq!(
        check(&env, "billing", &sig, ts, "hello", &[]).1["reason"],
        "disabled"
    );
    let sig_file = env.dir.path().join("sig");
    std::fs::write(&sig_file, format!("{sig}\n")).unwrap();
    let human = env.run_stdin(
        &[
            "check-signature",
            "--key-id",
            "billing",
            "--timestamp",
            &ts.to_string(),
            "--signature-file",
            sig_file.to_str().unwrap(),
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
    let r = env
        .cmd()
        .args([
            "check-signature",
            "--key-id",
            "billing",
            "--timestamp",
            "1",
            "--url",
            "https://h.example/",
            "--max-skew",
            "soon",
        ])
        .env("KEYADM_SIGNATURE", &sig)
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
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
    env.fails(&["sign", "once", "--url", URL], 4);
    env.generate("billing", &[]);
    env.fails(&["sign", "billing", "--url", "no-slash"], 2);
    env.fails(&["sign", "billing", "--url", URL, "-X", "GE T"], 2);
    env.fails(&["sign", "nope", "--url", URL], 3);
    env.fails(
        &[
            "sign",
            "billing",
            "--url",
            URL,
            "--body-file",
            "/nonexistent",
        ],
        5,
    );
}

/// Imports the README's example value as key "readme".
fn readme_key(env: &Env) {
    let file = env.dir.path().join("in.csv");
    std::fs::write(&file, format!("name,key\nreadme,{README_KEY}\n")).unwrap();
    env.ok(&["import", file.to_str().unwrap()]);
}

const README_KEY: &str = "kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV3aA98p";
const README_V2: &str = "v2=79691f4026ba4283a25bb496c6159c22c1b8d819ce7f162a240ff766e6691220";

#[test]
fn the_readme_v2_vector_is_what_keyadm_signs() {
    // The vector, computed here with the hmac and sha2 crates...
    let body = r#"{"amount":42}"#;
    let canonical = format!(
        "v2\n1767225600\nPOST\nhttps://api.example.com\n/api/v1/orders?dry_run=1\n{}",
        hex(&Sha256::digest(body.as_bytes()))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(README_KEY.as_bytes()).unwrap();
    mac.update(canonical.as_bytes());
    assert_eq!(
        format!("v2={}", hex(&mac.finalize().into_bytes())),
        README_V2
    );
    // ...is the one the README gives...
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(readme.contains(README_V2), "the README's vector");
    assert!(readme.contains(README_KEY));
    // ...and keyadm's output.
    let env = at("2026-01-01T00:00:00Z");
    readme_key(&env);
    let r = env.run_stdin(
        &[
            "sign",
            "readme",
            "-X",
            "POST",
            "--url",
            URL,
            "--body-file",
            "-",
        ],
        body,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .ends_with(&format!("X-Keyadm-Signature: {README_V2}\n")),
        "{}",
        r.stdout
    );
    let (_, j) = check(&env, "readme", README_V2, 1767225600, body, &[]);
    assert_eq!(j["valid"], true, "{j}");
}

#[test]
fn a_signature_binds_the_scheme_host_and_port() {
    let env = at(T0);
    env.generate("billing", &[]);
    let a = "https://a.example.com/v1/orders";
    let r = env.run(&["sign", "billing", "-X", "POST", "--url", a, "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j: Value = serde_json::from_str(&r.stdout).unwrap();
    let sig = j["signature"].as_str().unwrap().to_string();
    assert!(sig.starts_with("v2="), "{sig}");
    let ts = j["timestamp"].as_i64().unwrap();
    assert_eq!(
        check(&env, "billing", &sig, ts, "", &["--url", a]).1["valid"],
        true
    );
    assert_eq!(
        check(
            &env,
            "billing",
            &sig,
            ts,
            "",
            &["--url", "HTTPS://A.EXAMPLE.COM:443/v1/orders"]
        )
        .1["valid"],
        true,
        "the same origin, spelled otherwise"
    );
    for other in [
        "https://b.other.net/v1/orders",
        "http://a.example.com/v1/orders",
        "https://a.example.com:8443/v1/orders",
        "https://a.example.com.evil.net/v1/orders",
    ] {
        assert_eq!(
            check(&env, "billing", &sig, ts, "", &["--url", other]).1["reason"],
            "signature_mismatch",
            "{other}"
        );
    }
    // v2 needs the origin: a bare path is exit 2 with a hint, for both.
    let err = env.fails(&["sign", "billing", "--url", "/v1/orders"], 2);
    assert!(
        err.contains("absolute URL") && err.contains("hint: "),
        "{err}"
    );
    let r = env
        .cmd()
        .args([
            "check-signature",
            "--key-id",
            "billing",
            "--timestamp",
            &ts.to_string(),
            "-X",
            "POST",
            "--url",
            "/v1/orders",
        ])
        .env("KEYADM_SIGNATURE", &sig)
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("absolute URL"));
    // A non-ASCII host is refused: give its A-label.
    let err = env.fails(&["sign", "billing", "--url", "https://bücher.example/x"], 2);
    assert!(err.contains("IDNA A-label"), "{err}");
    let ok = env.ok(&[
        "sign",
        "billing",
        "--url",
        "https://[2001:DB8::1]:443/x",
        "--json",
    ]);
    assert!(ok.contains("\"v2="), "{ok}");
}

#[test]
fn a_v1_signature_is_still_accepted_with_a_warning() {
    let env = at(T0);
    env.generate("billing", &[]);
    let value = env.ok(&["show", "billing", "--value"]).trim().to_string();
    let canonical = format!(
        "v1\n{T0_UNIX}\nPOST\n{PATH}\n{}",
        hex(&Sha256::digest(b"hi"))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(value.as_bytes()).unwrap();
    mac.update(canonical.as_bytes());
    let v1 = format!("v1={}", hex(&mac.finalize().into_bytes()));
    for extra in [
        &["--url", PATH][..],
        &["--url", URL],
        &["--url", PATH, "--allow-v1"],
    ] {
        let (r, j) = check(&env, "billing", &v1, T0_UNIX, "hi", extra);
        assert_eq!(j["valid"], true, "{extra:?}: {j}");
        assert!(
            r.stderr.starts_with("warning: a v1 signature") && r.stderr.contains("--allow-v1"),
            "{extra:?}: {}",
            r.stderr
        );
    }
    let (sig, ts) = signed(&env, "billing", "hi");
    let (r, _) = check(&env, "billing", &sig, ts, "hi", &[]);
    assert!(r.stderr.is_empty(), "no warning for v2: {}", r.stderr);
}

#[test]
fn the_signature_never_comes_from_argv() {
    let env = at(T0);
    env.generate("billing", &[]);
    let (sig, ts) = signed(&env, "billing", "");
    let ts = ts.to_string();
    let base = [
        "check-signature",
        "--key-id",
        "billing",
        "--timestamp",
        &ts,
        "-X",
        "POST",
        "--url",
        URL,
    ];
    let mut argv = base.to_vec();
    argv.extend_from_slice(&["--signature", &sig]);
    let err = env.fails(&argv, 2);
    assert!(
        err.contains("--signature is refused")
            && err.contains("hint: ")
            && err.contains("--signature-file"),
        "{err}"
    );
    assert!(!err.contains(&sig[3..]), "the signature is not echoed");
    let err = env.fails(&base, 2);
    assert!(err.contains("KEYADM_SIGNATURE"), "{err}");
    let file = env.dir.path().join("sig");
    std::fs::write(&file, &sig).unwrap();
    let mut argv = base.to_vec();
    argv.extend_from_slice(&["--signature-file", file.to_str().unwrap()]);
    env.ok(&argv);
    let mut argv = base.to_vec();
    argv.extend_from_slice(&["--signature-file", "/nonexistent/sig"]);
    env.fails(&argv, 5);
}

fn check_cached(env: &Env, sig: &str, ts: i64, cache: &std::path::Path) -> Value {
    check(
        env,
        "billing",
        sig,
        ts,
        "b",
        &["--replay-cache", cache.to_str().unwrap()],
    )
    .1
}

#[test]
fn the_replay_cache_refuses_a_second_use_within_the_window() {
    use std::os::unix::fs::PermissionsExt;
    let mut env = at(T0);
    env.generate("billing", &[]);
    let cache = env.dir.path().join("replay");
    let (sig, ts) = signed(&env, "billing", "b");
    // Without a cache a signature checks again and again (the documented window).
    assert_eq!(check(&env, "billing", &sig, ts, "b", &[]).1["valid"], true);
    assert_eq!(check(&env, "billing", &sig, ts, "b", &[]).1["valid"], true);
    assert_eq!(check_cached(&env, &sig, ts, &cache)["valid"], true);
    assert_eq!(
        std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777,
        0o600
    );
    with_now(&mut env, "2026-06-01T12:04:00Z");
    let j = check_cached(&env, &sig, ts, &cache);
    assert_eq!(j["reason"], "replayed", "{j}");
    // A mismatch is not recorded, so it cannot lock out the real one.
    let (sig2, ts2) = signed(&env, "billing", "b");
    assert_eq!(
        check(
            &env,
            "billing",
            &sig2,
            ts2,
            "x",
            &["--replay-cache", cache.to_str().unwrap()]
        )
        .1["reason"],
        "signature_mismatch"
    );
    assert_eq!(check_cached(&env, &sig2, ts2, &cache)["valid"], true);
    assert_eq!(std::fs::read_to_string(&cache).unwrap().lines().count(), 2);
    // Past the window the first one is too old anyway, and is pruned.
    with_now(&mut env, "2026-06-01T12:05:01Z");
    assert_eq!(
        check_cached(&env, &sig, ts, &cache)["reason"],
        "timestamp_too_old"
    );
    let (sig3, ts3) = signed(&env, "billing", "b");
    assert_eq!(check_cached(&env, &sig3, ts3, &cache)["valid"], true);
    let text = std::fs::read_to_string(&cache).unwrap();
    assert_eq!(text.lines().count(), 2, "the 12:00 entry is pruned: {text}");
    assert!(!text.contains(&sig3[3..]), "the MAC itself is not stored");
    // A cache others can write is refused.
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o666)).unwrap();
    let (sig4, ts4) = signed(&env, "billing", "b");
    let r = env
        .cmd()
        .args([
            "check-signature",
            "--key-id",
            "billing",
            "--timestamp",
            &ts4.to_string(),
            "-X",
            "POST",
            "--url",
            URL,
            "--body-file",
            "-",
            "--replay-cache",
            cache.to_str().unwrap(),
        ])
        .env("KEYADM_SIGNATURE", &sig4)
        .write_stdin("b")
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
}

#[test]
fn concurrent_checkers_accept_a_signature_once_and_lose_no_entry() {
    let env = at(T0);
    env.generate("billing", &[]);
    let cache = env.dir.path().join("replay");
    // Eight distinct signatures (distinct bodies), each checked by two
    // processes at once: exactly one of each pair is valid, and all eight
    // are recorded.
    let sigs: Vec<(String, i64, String)> = (0..8)
        .map(|i| {
            let body = format!("body {i}");
            let (s, t) = signed(&env, "billing", &body);
            (s, t, body)
        })
        .collect();
    let pairs: Vec<&(String, i64, String)> = sigs.iter().flat_map(|x| [x, x]).collect();
    let verdicts: Vec<(String, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = pairs
            .iter()
            .map(|(s, t, body)| {
                let env = &env;
                scope.spawn(move || {
                    (
                        s.clone(),
                        check_cached_body(env, s, *t, body, &cache_arg(env)),
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut valid = std::collections::BTreeMap::<String, (u32, u32)>::new();
    for (s, j) in verdicts {
        let e = valid.entry(s).or_default();
        if j["valid"] == true {
            e.0 += 1;
        } else {
            assert_eq!(j["reason"], "replayed", "{j}");
            e.1 += 1;
        }
    }
    assert_eq!(valid.len(), 8);
    for (s, counts) in &valid {
        assert_eq!(*counts, (1, 1), "{s}");
    }
    assert_eq!(std::fs::read_to_string(&cache).unwrap().lines().count(), 8);
}

fn cache_arg(env: &Env) -> String {
    env.dir.path().join("replay").to_str().unwrap().to_string()
}

fn check_cached_body(env: &Env, sig: &str, ts: i64, body: &str, cache: &str) -> Value {
    check(env, "billing", sig, ts, body, &["--replay-cache", cache]).1
}

#[test]
fn sign_and_check_signature_take_only_http_methods() {
    let env = Env::new();
    env.generate("billing", &[]);
    let sig_file = env.dir.path().join("sig");
    std::fs::write(&sig_file, "v2=00").unwrap();
    for cmd in [
        vec![
            "sign",
            "billing",
            "--url",
            "https://h.example/x",
            "--method",
            "FETCH",
        ],
        vec![
            "check-signature",
            "--key-id",
            "billing",
            "--timestamp",
            "1",
            "--signature-file",
            sig_file.to_str().unwrap(),
            "--url",
            "https://h.example/x",
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
    let out = env.ok(&[
        "sign",
        "billing",
        "--url",
        "https://h.example/x",
        "-X",
        "patch",
        "--json",
    ]);
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ts = s["timestamp"].to_string();
    // (The signature from a file: never on argv.)
    std::fs::write(&sig_file, s["signature"].as_str().unwrap()).unwrap();
    env.ok(&[
        "check-signature",
        "--key-id",
        s["key_id"].as_str().unwrap(),
        "--timestamp",
        &ts,
        "--signature-file",
        sig_file.to_str().unwrap(),
        "--url",
        "https://h.example/x",
        "-X",
        "PATCH",
    ]);
}
