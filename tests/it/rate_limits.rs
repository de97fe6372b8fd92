//! Per-key rate limits (issue 14): `generate`/`edit --rate-limit`,
//! `--no-rate-limit`, carried by `show`, `list --json`, export and import
//! and covered by the row signature; enforced by `verify --batch`
//! (reason `rate_limited`).

use crate::common;

use std::os::unix::fs::PermissionsExt;

use common::{assert_error_form, Env};
use rusqlite::Connection;

const NOW: &str = "2026-06-01T12:00:00Z";

fn batch(env: &Env, lines: &[String], extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["verify", "--batch"];
    args.extend_from_slice(extra);
    let r = env.run_stdin(&args, &lines.concat());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    r.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn line(key: &str, ip: &str) -> String {
    format!("{}\n", serde_json::json!({ "key": key, "ip": ip }))
}

#[test]
fn a_rate_limit_is_set_shown_listed_changed_and_removed() {
    let env = Env::at(NOW);
    env.generate("limited", &["--rate-limit", "100/1m"]);
    env.generate("free", &[]);
    assert_eq!(env.show("limited")["rate_limit"], "100/1m");
    assert_eq!(env.show("free")["rate_limit"], serde_json::Value::Null);
    let human = env.ok(&["show", "limited"]);
    assert!(
        human.contains("Rate limit    100/1m (per serving process)"),
        "{human}"
    );
    assert!(!env.ok(&["show", "free"]).contains("Rate limit"));
    let list: serde_json::Value = serde_json::from_str(&env.ok(&["list", "--json"])).unwrap();
    let by_name = |n: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("limited")["rate_limit"], "100/1m");
    assert_eq!(by_name("free")["rate_limit"], serde_json::Value::Null);

    env.ok(&["edit", "free", "--rate-limit", "5/s"]);
    assert_eq!(env.show("free")["rate_limit"], "5/1s");
    let r = env.run(&["edit", "free", "--rate-limit", "5/1s"]);
    assert!(
        r.stderr.contains("already had these values"),
        "{}",
        r.stderr
    );
    env.ok(&["edit", "limited", "--no-rate-limit"]);
    assert_eq!(env.show("limited")["rate_limit"], serde_json::Value::Null);
    // The change is audited, as every edit.
    let audit = env.ok(&["audit", "--key", "limited", "--json"]);
    assert!(audit.contains("rate_limit"), "{audit}");
}

#[test]
fn a_bad_rate_limit_is_exit_2_with_a_hint_and_changes_nothing() {
    let env = Env::at(NOW);
    env.generate("k", &[]);
    let before = env.store_bytes();
    for bad in ["100", "0/1m", "10/0s", "ten/1m", "10/1x", "5/2y"] {
        let e = env.fails(&["edit", "k", "--rate-limit", bad], 2);
        assert_error_form(&e);
        assert!(e.contains("invalid rate limit"), "{bad}: {e}");
        let e = env.fails(&["generate", "other", "--rate-limit", bad], 2);
        assert_error_form(&e);
    }
    let e = env.fails(&["edit", "k", "--rate-limit", "1/1m", "--no-rate-limit"], 2);
    assert_error_form(&e);
    assert_eq!(env.store_bytes(), before);
}

#[test]
fn export_and_import_carry_the_rate_limit() {
    let env = Env::at(NOW);
    env.generate("limited", &["--rate-limit", "2/1h"]);
    env.generate("free", &[]);
    for (ext, format) in [("csv", "csv"), ("json", "json")] {
        let file = env.dir.path().join(format!("keys.{ext}"));
        let f = file.to_str().unwrap();
        env.ok(&[
            "export",
            "--format",
            format,
            "--include-secrets",
            "--yes",
            "-o",
            f,
        ]);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains("rate_limit"), "{text}");
        assert!(text.contains("2/1h"), "{text}");
        let other = Env::at(NOW);
        other.ok(&["import", f]);
        assert_eq!(other.show("limited")["rate_limit"], "2/1h", "{format}");
        assert_eq!(
            other.show("free")["rate_limit"],
            serde_json::Value::Null,
            "{format}"
        );
    }
}

#[test]
fn verify_batch_enforces_the_limit_on_allowed_requests_only() {
    let env = Env::at(NOW);
    let v = env.generate("limited", &["--rate-limit", "2/1h", "--ip", "10.0.0.0/8"]);
    let free = env.generate("free", &[]);
    let mut lines = vec![line(&v, "192.168.0.1"), line(&v, "192.168.0.1")];
    lines.extend((0..3).map(|_| line(&v, "10.1.2.3")));
    lines.extend((0..5).map(|_| line(&free, "10.1.2.3")));
    let out = batch(&env, &lines, &[]);
    let reasons: Vec<&str> = out
        .iter()
        .map(|d| d["reason"].as_str().unwrap_or("allowed"))
        .collect();
    assert_eq!(
        reasons,
        [
            "ip_not_allowed",
            "ip_not_allowed",
            "allowed",
            "allowed",
            "rate_limited",
            "allowed",
            "allowed",
            "allowed",
            "allowed",
            "allowed"
        ]
    );
    assert_eq!(out[4]["name"], "limited");
    // Each run of verify --batch is its own serving process, with full buckets.
    let again = batch(&env, &[line(&v, "10.1.2.3")], &[]);
    assert_eq!(again[0]["allowed"], true);
}

#[test]
fn the_rate_limit_is_covered_by_the_row_signature() {
    let env = Env::at(NOW);
    let limited = env.generate("limited", &["--rate-limit", "2/1h"]);
    let free = env.generate("free", &[]);
    let trust = env.dir.path().join("trust.pub");
    std::fs::write(&trust, env.ok(&["trust", "export"])).unwrap();
    std::fs::set_permissions(&trust, std::fs::Permissions::from_mode(0o644)).unwrap();
    let t = trust.to_str().unwrap();
    let ok = batch(
        &env,
        &[line(&limited, "10.1.2.3"), line(&free, "10.1.2.3")],
        &["--trust-key", t],
    );
    assert!(ok.iter().all(|d| d["allowed"] == true), "{ok:?}");
    // Someone without the master key lifts the limit, or adds one.
    let c = Connection::open(env.db()).unwrap();
    c.execute_batch(
        "UPDATE keys SET rate_limit = NULL WHERE name = 'limited';
         UPDATE keys SET rate_limit = '1000000/1s' WHERE name = 'free';",
    )
    .unwrap();
    let forged = batch(
        &env,
        &[line(&limited, "10.1.2.3"), line(&free, "10.1.2.3")],
        &["--trust-key", t],
    );
    assert!(forged.iter().all(|d| d["reason"] == "forged"), "{forged:?}");
    let one: serde_json::Value = serde_json::from_str(
        &env.run_stdin(&["verify", "--json", "--trust-key", t], &limited)
            .stdout,
    )
    .unwrap();
    assert_eq!(one["reason"], "forged");
    // Signed again by the next change with the master key.
    env.ok(&["edit", "limited", "--rate-limit", "3/1h"]);
    let back = batch(&env, &[line(&limited, "10.1.2.3")], &["--trust-key", t]);
    assert_eq!(back[0]["allowed"], true, "{back:?}");
}
