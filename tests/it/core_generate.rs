//! `keyadm generate`: every option, every form of `--expires`, the type
//! rules, and every refusal with its exit code, the 300-key limit included.
use crate::common;

use common::Env;
use serde_json::Value;

const NOW: &str = "2026-11-24T10:00:00Z";

/// The CRC32 (IEEE) as 6 base62 digits, `0-9A-Za-z`, most significant first.
fn checksum(s: &str) -> String {
    const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut n = crc32fast::hash(s.as_bytes()) as usize;
    let mut out = [b'0'; 6];
    for d in out.iter_mut().rev() {
        *d = B62[n % 62];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).unwrap()
}

/// `kadm_<t>_` + 32 base62 + the 6-character checksum of all before it.
fn is_value(v: &str, t: char) -> bool {
    let prefix = format!("kadm_{t}_");
    v.len() == 45
        && v.starts_with(&prefix)
        && v[7..].bytes().all(|b| b.is_ascii_alphanumeric())
        && checksum(&v[..39]) == v[39..]
}

#[test]
fn the_checksum_helper_matches_zlib() {
    // zlib.crc32(b"kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV") == 3282765015
    assert_eq!(
        checksum("kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV"),
        "3aA98p"
    );
    assert!(!is_value(
        "kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV3aA98q",
        'e'
    ));
    assert!(is_value(
        "kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV3aA98p",
        'e'
    ));
}

#[test]
fn quiet_prints_the_value_alone() {
    let env = Env::at(NOW);
    env.ok(&["init"]);
    let r = env.run(&["generate", "billing", "-q"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout.lines().count(), 1);
    assert!(is_value(r.stdout.trim(), 'e'), "{}", r.stdout);
    assert_eq!(r.stderr, "", "-q prints no note");
}

#[test]
fn human_output_prints_the_value_once_with_a_warning_and_local_dates() {
    let env = Env::at(NOW);
    let r = env.run(&["generate", "billing", "--expires", "2027-01-31T17:00"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 1, "only the value on stdout");
    assert!(is_value(r.stdout.trim(), 'e'));
    assert!(
        r.stderr.contains("Generated external key \"billing\""),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("expires 2027-01-31 17:00"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("warning: store this value"),
        "{}",
        r.stderr
    );

    env.ok(&["config", "set", "date-format", "eu"]);
    let r = env.run(&["generate", "eu", "--expires", "2027-01-31T17:00"]);
    assert!(
        r.stderr.contains("expires 31/01/2027 17:00"),
        "{}",
        r.stderr
    );
    let r = env.run(&[
        "generate",
        "us",
        "--expires",
        "2027-01-31T17:00",
        "--date-format",
        "us",
    ]);
    assert!(
        r.stderr.contains("expires 01/31/2027 5:00 PM"),
        "{}",
        r.stderr
    );
    let r = env.run(&["generate", "utc", "--expires", "2027-01-31T17:00", "--utc"]);
    assert!(
        r.stderr.contains("expires 31/01/2027 17:00 UTC"),
        "{}",
        r.stderr
    );
    let r = env.run(&["generate", "forever"]);
    assert!(r.stderr.contains("never expires"), "{}", r.stderr);
}

#[test]
fn json_carries_the_value_and_every_property() {
    let env = Env::at(NOW);
    let out = env.ok(&[
        "generate",
        "billing",
        "--json",
        "--description",
        "billing service",
        "--expires",
        "90d",
        "--origin",
        "app.example.com",
        "--origin",
        "*.example.org",
        "--ip",
        "10.0.0.0/8",
        "--ip",
        "2001:db8::/32",
        "--tag",
        "team:billing",
        "--tag",
        "prod",
        "--rotate-every",
        "30d",
    ]);
    let j: Value = serde_json::from_str(&out).unwrap();
    assert!(is_value(j["value"].as_str().unwrap(), 'e'));
    assert_eq!(j["name"], "billing");
    assert_eq!(j["type"], "external");
    assert_eq!(j["org"], "default");
    assert_eq!(j["tenant"], "default");
    assert_eq!(j["description"], "billing service");
    assert_eq!(j["enabled"], true);
    assert_eq!(j["state"], "enabled");
    assert_eq!(j["created_at"], NOW);
    assert_eq!(j["created_by"], "tester");
    assert_eq!(j["expires_at"], "2027-02-22T10:00:00Z");
    assert_eq!(
        j["origins"],
        serde_json::json!(["app.example.com", "*.example.org"])
    );
    assert_eq!(j["ips"], serde_json::json!(["10.0.0.0/8", "2001:db8::/32"]));
    assert_eq!(j["tags"], serde_json::json!(["team:billing", "prod"]));
    assert_eq!(j["rotate_every"], 30 * 86_400);
    assert_eq!(j["show_once"], false);
    let id = j["id"].as_str().unwrap();
    assert_eq!(id.len(), 12);
    assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
    let value = j["value"].as_str().unwrap();
    assert_eq!(j["key"], format!("{}…{}", &value[..10], &value[41..]));

    // What was stored is what was shown (times in whole seconds).
    let mut shown = env.show(id);
    let mut generated = j.clone();
    generated.as_object_mut().unwrap().remove("value");
    shown.as_object_mut().unwrap().remove("value");
    assert_eq!(shown, generated);
    assert_eq!(env.ok(&["show", "billing", "--value"]).trim(), value);
}

#[test]
fn every_type_has_its_letter() {
    let env = Env::at(NOW);
    env.ok(&["config", "set", "scoped-api", "on"]);
    assert!(is_value(&env.generate("i", &["--type", "internal"]), 'i'));
    assert!(is_value(&env.generate("e", &["--type", "external"]), 'e'));
    assert!(is_value(&env.generate("d", &["--type", "desktop"]), 'd'));
    assert!(is_value(
        &env.generate("c", &["--type", "custom", "--allow", "GET /api/v1/users/*"]),
        'c'
    ));
    assert_eq!(env.show("d")["expires_at"], Value::Null);
    env.ok(&["config", "set", "key-prefix", "acme"]);
    let p = env.generate("p", &[]);
    assert!(
        p.starts_with("acme_e_") && checksum(&p[..39]) == p[39..],
        "{p}"
    );
}

#[test]
fn every_expiry_form() {
    let env = Env::at(NOW);
    for (input, expected) in [
        ("2027-01-31", "2027-01-31T23:59:59Z"),
        ("2027-01-31T17:00", "2027-01-31T17:00:00Z"),
        ("2027-01-31T17:00:30", "2027-01-31T17:00:30Z"),
        ("2027-01-31T17:00:00+02:00", "2027-01-31T15:00:00Z"),
        ("2027-01-31T17:00:00Z", "2027-01-31T17:00:00Z"),
        ("90d", "2027-02-22T10:00:00Z"),
        ("12h", "2026-11-24T22:00:00Z"),
        ("6w", "2027-01-05T10:00:00Z"),
        ("1y", "2027-11-24T10:00:00Z"),
        ("30m", "2026-11-24T10:30:00Z"),
        ("45s", "2026-11-24T10:00:45Z"),
    ] {
        let name = format!("k-{input}");
        env.generate(&name, &["--expires", input]);
        assert_eq!(env.show(&name)["expires_at"], expected, "{input}");
    }
    env.generate("never", &["--expires", "never"]);
    assert_eq!(env.show("never")["expires_at"], Value::Null);
}

#[test]
fn bad_expiries_and_durations_are_usage_errors_and_change_nothing() {
    let env = Env::at(NOW);
    env.ok(&["init"]);
    for bad in [
        "2026-11-23",
        "2026-11-24T09:59",
        "2020-01-01T00:00:00Z",
        "2027-02-30",
        "2027-13-01",
        "2027-01-32",
        "27-01-31",
        "tomorrow",
        "soon",
        "-5d",
        "0d",
        "0",
        "1.5d",
        "10",
        "10x",
        "200y",
        "99999999999999999999d",
        "3000-01-01",
        "",
    ] {
        let err = env.fails(&["generate", "k", &format!("--expires={bad}")], 2);
        assert!(err.contains("hint:"), "{bad}: {err}");
    }
    for bad in ["0", "0d", "-1d", "1.5w", "x", "101y"] {
        let err = env.fails(&["generate", "k", &format!("--rotate-every={bad}")], 2);
        assert!(err.contains("invalid duration"), "{bad}: {err}");
    }
    assert_eq!(env.ok(&["list", "-q"]), "");
}

#[test]
fn type_rules_are_enforced() {
    let env = Env::at(NOW);
    env.ok(&["init"]);
    // custom without scoped-api: refused by a rule.
    let err = env.fails(
        &["generate", "c", "--type", "custom", "--allow", "GET /x"],
        4,
    );
    assert!(
        err.contains("scoped-api") && err.contains("keyadm config set scoped-api on"),
        "{err}"
    );
    env.ok(&["config", "set", "scoped-api", "on"]);
    // custom without a rule: usage.
    let err = env.fails(&["generate", "c", "--type", "custom"], 2);
    assert!(err.contains("at least one allow rule"), "{err}");
    for bad in ["FETCH /x", "GET", "GET x", "GET /x y", ""] {
        env.fails(&["generate", "c", "--type", "custom", "--allow", bad], 2);
    }
    // desktop keys take no expiry and no allow lists.
    let err = env.fails(
        &["generate", "d", "--type", "desktop", "--expires", "30d"],
        2,
    );
    assert!(err.contains("desktop keys take no expiry"), "{err}");
    env.fails(
        &[
            "generate",
            "d",
            "--type",
            "desktop",
            "--origin",
            "a.example.com",
        ],
        2,
    );
    env.fails(
        &["generate", "d", "--type", "desktop", "--ip", "10.0.0.1"],
        2,
    );
    // only custom keys take rules.
    env.fails(&["generate", "e", "--allow", "GET /x"], 2);
    env.fails(&["generate", "e", "--type", "admin"], 2);
    env.fails(&["generate", "e", "--origin", "exa mple.com"], 2);
    env.fails(&["generate", "e", "--ip", "10.0.0.0/33"], 2);
    env.fails(&["generate", "e", "--ip", "300.1.1.1"], 2);
    env.fails(&["generate", "e", "--tag", "has space"], 2);
    assert_eq!(env.ok(&["list", "-q"]), "");

    env.generate(
        "scoped",
        &[
            "--type",
            "custom",
            "--allow",
            "GET /api/v1/users/*",
            "--allow",
            "post /api/v1/reports/**",
        ],
    );
    let rules = env.show("scoped")["rules"].clone();
    assert_eq!(rules.as_array().unwrap().len(), 2, "{rules}");
    assert!(rules.to_string().contains("/api/v1/users/*"));
}

#[test]
fn names_must_be_valid_and_free() {
    let env = Env::at(NOW);
    env.generate("billing", &[]);
    let err = env.fails(&["generate", "billing"], 4);
    assert!(
        err.contains("already exists") && err.contains("hint:"),
        "{err}"
    );
    for bad in ["", " lead", "trail ", "a\nb", "a\u{202e}b", &"x".repeat(65)] {
        env.fails(&["generate", bad], 2);
    }
    let err = env.fails(&["generate"], 2);
    assert!(err.contains("NAME"), "{err}");
    assert_eq!(env.ok(&["list", "-q"]).lines().count(), 1);
}

#[test]
fn org_must_exist() {
    let env = Env::at(NOW);
    env.generate("d", &["--org", "default"]);
    assert_eq!(env.show("d")["org"], "default");
    let err = env.fails(&["generate", "a", "--org", "acme"], 3);
    assert!(err.contains("no organization \"acme\""), "{err}");
    env.fails(&["generate", "a", "--org", "default/sub"], 3);
    env.fails(&["generate", "a", "--org", "Acme Corp"], 2);
    let r: common::Run = env
        .cmd()
        .env("KEYADM_ORG", "acme")
        .args(["generate", "b"])
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 3, "{}", r.stderr);
}

#[test]
fn show_once_values_are_never_stored() {
    let env = Env::at(NOW);
    let value = env.generate("once", &["--show-once"]);
    assert!(is_value(&value, 'e'));
    assert_eq!(env.show("once")["show_once"], true);
    let err = env.fails(&["show", "once", "--reveal"], 4);
    assert!(
        err.contains("shown once") && err.contains("keyadm rotate"),
        "{err}"
    );
    let r = env.run(&["generate", "once2", "--show-once"]);
    assert!(
        r.stderr.contains("shown once and is not stored"),
        "{}",
        r.stderr
    );
    // Rotating a show-once key keeps it show-once.
    let rotated = env.ok(&["rotate", "once", "-q"]).trim().to_string();
    env.fails(&["show", "once", "--value"], 4);
    let bytes = env.store_bytes();
    for v in [&value, &rotated] {
        assert!(!bytes.windows(v.len()).any(|w| w == v.as_bytes()));
    }
}

#[test]
fn settings_shape_new_keys() {
    let env = Env::at(NOW);
    env.ok(&["config", "set", "default-expiry", "30d"]);
    env.generate("a", &[]);
    assert_eq!(env.show("a")["expires_at"], "2026-12-24T10:00:00Z");
    env.ok(&["config", "set", "default-expiry", "never"]);
    env.ok(&["config", "set", "max-lifetime", "1y"]);
    env.generate("b", &[]);
    assert_eq!(
        env.show("b")["expires_at"],
        "2027-11-24T10:00:00Z",
        "max-lifetime caps no expiry"
    );
    let err = env.fails(&["generate", "c", "--expires", "never"], 4);
    assert!(
        err.contains("max-lifetime") && err.contains("--expires 1y"),
        "{err}"
    );
    env.fails(&["generate", "c", "--expires", "2y"], 4);
    env.generate("c", &["--expires", "364d"]);
    env.generate("desk", &["--type", "desktop"]);
    // A default beyond max-lifetime is capped at it.
    env.ok(&["config", "set", "default-expiry", "2y"]);
    env.generate("d", &[]);
    assert_eq!(env.show("d")["expires_at"], "2027-11-24T10:00:00Z");
    env.ok(&["config", "set", "max-lifetime", "none"]);
    env.generate("e", &[]);
    assert_eq!(env.show("e")["expires_at"], "2028-11-23T10:00:00Z");
}

fn count_keys(env: &Env) -> usize {
    env.ok(&["list", "-q"]).lines().count()
}

#[test]
fn the_300th_key_is_issued_and_the_301st_refused() {
    let env = Env::at(NOW);
    for i in 0..299 {
        env.generate(&format!("k{i:03}"), &[]);
    }
    // Disabled and expired keys count too.
    env.ok(&["disable", "k000"]);
    env.generate("k299", &["--expires", "1h"]);
    assert_eq!(count_keys(&env), 300);
    let err = env.fails(&["generate", "k300"], 4);
    assert!(err.contains("already has 300 keys"), "{err}");
    assert!(err.contains("limit is 300"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    env.fails(&["generate", "k301", "--type", "internal"], 4);
    assert_eq!(count_keys(&env), 300);
    // Deleting one makes room for one.
    env.ok(&["delete", "k000", "--yes"]);
    env.generate("k300", &[]);
    env.fails(&["generate", "k301"], 4);
}

#[test]
fn concurrent_processes_never_exceed_the_limit() {
    let env = Env::at(NOW);
    for i in 0..290 {
        env.generate(&format!("pre{i:03}"), &[]);
    }
    let outcomes: Vec<(i32, String)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..6)
            .map(|w| {
                let env = &env;
                s.spawn(move || {
                    (0..4)
                        .map(|i| {
                            let name = format!("w{w}-{i}");
                            let r = env.run(&["generate", &name, "-q"]);
                            (r.code, r.stderr)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let issued = outcomes.iter().filter(|(c, _)| *c == 0).count();
    let refused: Vec<_> = outcomes.iter().filter(|(c, _)| *c == 4).collect();
    let other: Vec<_> = outcomes
        .iter()
        .filter(|(c, _)| *c != 0 && *c != 4)
        .collect();
    assert!(other.is_empty(), "unexpected failures: {other:?}");
    assert_eq!(issued, 10);
    assert_eq!(refused.len(), 14);
    assert!(refused
        .iter()
        .all(|(_, e)| e.contains("already has 300 keys")));
    assert_eq!(count_keys(&env), 300);
}

#[test]
fn concurrent_first_uses_share_one_store_and_one_master_key() {
    let env = Env::at(NOW);
    let values: Vec<(i32, String, String)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|w| {
                let env = &env;
                s.spawn(move || {
                    let r = env.run(&["generate", &format!("first{w}"), "-q"]);
                    (r.code, r.stdout.trim().to_string(), r.stderr)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    for (code, _, err) in &values {
        assert_eq!(*code, 0, "{err}");
    }
    for (w, (_, value, _)) in values.iter().enumerate() {
        assert_eq!(
            &env.ok(&["show", &format!("first{w}"), "--value"]).trim(),
            value
        );
    }
}

#[test]
fn the_key_name_hint_describes_what_is_accepted() {
    let env = Env::new();
    // Accepted: any printable characters (README "Names").
    env.generate("clé ünïcødé", &[]);
    let err = env.fails(&["generate", " lead"], 2);
    assert!(
        err.contains("hint: use 1 to 64 printable characters"),
        "{err}"
    );
    assert!(!err.contains("letters, digits, spaces or"), "{err}");
}

#[test]
fn a_key_cannot_be_named_after_another_keys_id() {
    let env = Env::new();
    env.generate("first", &[]);
    let id = env.show("first")["id"].as_str().unwrap().to_string();
    let err = env.fails(&["generate", &id], 4);
    assert!(err.contains("is the ID of another key"), "{err}");
    env.generate("second", &[]);
    let err = env.fails(&["edit", "second", "--name", &id], 4);
    assert!(err.contains("is the ID of another key"), "{err}");
    // So KEY arguments stay unambiguous: the ID still means "first".
    assert_eq!(env.show(&id)["name"], "first");
    assert_eq!(env.show("second")["name"], "second");
    // A 12-character name that is no key's ID is fine.
    env.generate("paymentsprod", &[]);
}
