//! `sweep` and a key's whole life: notices at each threshold, expiry,
//! disabled by sweep, purged `purge-after` later, audited in order.
//! Time moves with KEYADM_NOW only.

use crate::common;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use common::Env;
use serde_json::Value;

const T0: &str = "2026-01-01T00:00:00Z";

/// The time `secs` after T0, for KEYADM_NOW.
fn t0_plus(secs: i64) -> String {
    let t0: DateTime<Utc> = T0.parse().unwrap();
    (t0 + Duration::seconds(secs)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Moves the store's clock: every later command runs `days` after T0.
fn go_to_day(env: &mut Env, days: i64) {
    env.now = Some(t0_plus(days * 86_400));
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

fn ids(v: &Value, field: &str) -> Vec<String> {
    v[field]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap().to_string())
        .collect()
}

fn key_id(env: &Env, name: &str) -> String {
    env.show(name)["id"].as_str().unwrap().to_string()
}

#[test]
fn a_keys_whole_life_from_generation_to_purge() {
    let mut env = Env::at(T0);
    env.generate("billing", &["--expires", "31d"]);
    let id = key_id(&env, "billing");

    // Daily notify runs: one notice at each threshold, on the right day.
    let mut sent = Vec::new();
    for day in 0..=31 {
        go_to_day(&mut env, day);
        let v = json(&env.ok(&["notify", "--json"]));
        for n in v["notices"].as_array().unwrap() {
            assert_eq!(n["key_id"], id.as_str());
            assert_eq!(n["passed"], Value::Array(vec![]));
            assert_eq!(n["sent"], true);
            sent.push((
                day,
                n["threshold"].as_u64().unwrap(),
                n["days_left"].as_i64().unwrap(),
            ));
        }
    }
    assert_eq!(
        sent,
        [
            (1, 30, 30),
            (17, 14, 14),
            (24, 7, 7),
            (28, 3, 3),
            (30, 1, 1)
        ]
    );

    // Expired at day 31: refused state at once, disabled by the sweep.
    go_to_day(&mut env, 31);
    assert_eq!(env.show("billing")["state"], "expired");
    let v = json(&env.ok(&["sweep", "--json"]));
    assert_eq!(ids(&v, "expired"), std::slice::from_ref(&id));
    assert_eq!(ids(&v, "purged"), Vec::<String>::new());
    let k = env.show("billing");
    assert_eq!(k["enabled"], false);
    assert_eq!(k["disabled_reason"], "expired");
    assert!(env.ok(&["list"]).contains("disabled (expired)"));

    // Six days and 23:59:59 later it is still there; at seven days it is purged.
    env.now = Some(t0_plus(38 * 86_400 - 1));
    let v = json(&env.ok(&["sweep", "--json"]));
    assert!(ids(&v, "purged").is_empty() && ids(&v, "expired").is_empty());
    env.ok(&["show", "billing"]);
    go_to_day(&mut env, 38);
    let v = json(&env.ok(&["sweep", "--json"]));
    assert_eq!(ids(&v, "purged"), std::slice::from_ref(&id));
    env.fails(&["show", "billing"], 3);

    // The audit log tells the whole story, in order, and is intact.
    let log = json(&env.ok(&["audit", "--key", &id, "--json"]));
    let story: Vec<(String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                // The as-of day of each step (`at` is the real time).
                e["as_of"].as_str().unwrap()[..10].to_string(),
            )
        })
        .collect();
    let expect = [
        ("generate", "2026-01-01"),
        ("notify", "2026-01-02"),
        ("notify", "2026-01-18"),
        ("notify", "2026-01-25"),
        ("notify", "2026-01-29"),
        ("notify", "2026-01-31"),
        ("expire", "2026-02-01"),
        ("purge", "2026-02-08"),
    ];
    assert_eq!(
        story,
        expect
            .iter()
            .map(|(a, d)| (a.to_string(), d.to_string()))
            .collect::<Vec<_>>()
    );
    env.ok(&["audit", "verify"]);
}

#[test]
fn sweep_twice_does_what_once_does() {
    let mut env = Env::at(T0);
    env.generate("a", &["--expires", "1d"]);
    env.generate("b", &["--expires", "10d"]);
    env.generate("c", &["--expires", "90d"]);
    let a = key_id(&env, "a");
    go_to_day(&mut env, 12);
    let later = &env;
    let first = json(&later.ok(&["sweep", "--json"]));
    assert_eq!(ids(&first, "expired").len(), 2);
    assert_eq!(ids(&first, "purged"), [a]);
    let second = json(&later.ok(&["sweep", "--json"]));
    assert!(ids(&second, "expired").is_empty());
    assert!(ids(&second, "purged").is_empty());
    let r = later.run(&["sweep"]);
    assert_eq!(r.stdout, "");
    assert!(r.stderr.contains("nothing to do"), "{}", r.stderr);
    assert_eq!(later.show("c")["state"], "enabled");
}

#[test]
fn sweep_dry_run_changes_nothing() {
    let mut env = Env::at(T0);
    env.generate("a", &["--expires", "1d"]);
    go_to_day(&mut env, 10);
    let later = &env;
    let before = later.store_bytes();
    let v = json(&later.ok(&["sweep", "--dry-run", "--json"]));
    assert_eq!(v["dry_run"], true);
    assert_eq!(ids(&v, "purged"), [key_id(&env, "a")]);
    let out = later.ok(&["sweep", "--dry-run"]);
    assert!(out.contains("would be deleted"), "{out}");
    assert_eq!(later.store_bytes(), before);
    assert_eq!(later.show("a")["enabled"], true);
}

#[test]
fn sweep_keeps_the_only_internal_key_of_a_tenant_disabled_and_reports_it() {
    let mut env = Env::at(T0);
    env.generate("agents", &["--type", "internal", "--expires", "1d"]);
    let id = key_id(&env, "agents");
    go_to_day(&mut env, 30);
    let later = &env;
    let v = json(&later.ok(&["sweep", "--json"]));
    assert_eq!(ids(&v, "expired"), std::slice::from_ref(&id));
    assert!(ids(&v, "purged").is_empty());
    assert_eq!(ids(&v, "kept"), std::slice::from_ref(&id));
    let k = later.show("agents");
    assert_eq!(
        (k["enabled"].clone(), k["disabled_reason"].clone()),
        (Value::Bool(false), Value::from("expired"))
    );
    // Said once (the first run, above, in JSON), again only with -v; never
    // purged, never audited twice.
    let r = later.run(&["sweep"]);
    assert_eq!(r.code, 0);
    assert!(!r.stdout.contains("only internal key"), "{}", r.stdout);
    let r = later.run(&["sweep", "-v"]);
    assert!(
        r.stdout.contains("only internal key of tenant \"default\""),
        "{}",
        r.stdout
    );
    let log = json(&later.ok(&["audit", "--key", &id, "--json"]));
    assert_eq!(log.as_array().unwrap().len(), 2); // generate, expire
}

#[test]
fn sweep_purges_an_expired_internal_key_when_the_tenant_has_another() {
    let mut env = Env::at(T0);
    env.generate("old-agents", &["--type", "internal", "--expires", "1d"]);
    env.generate("old-agents-2", &["--type", "internal", "--expires", "2d"]);
    let (old1, old2) = (key_id(&env, "old-agents"), key_id(&env, "old-agents-2"));
    go_to_day(&mut env, 30);
    let later = &env;
    let v = json(&later.ok(&["sweep", "--json"]));
    // Both expired and due; one goes, the most recently expired stays.
    assert_eq!(ids(&v, "purged"), [old1]);
    assert_eq!(ids(&v, "kept"), std::slice::from_ref(&old2));

    env.generate("agents", &["--type", "internal"]);
    let v = json(&later.ok(&["sweep", "--json"]));
    assert_eq!(ids(&v, "purged"), [old2]);
    assert!(ids(&v, "kept").is_empty());
}

#[test]
fn purge_after_setting_is_honoured() {
    let mut env = Env::at(T0);
    env.ok(&["config", "set", "purge-after", "30d"]);
    env.generate("a", &["--expires", "1d"]);
    go_to_day(&mut env, 20);
    let v = json(&env.ok(&["sweep", "--json"]));
    assert!(ids(&v, "purged").is_empty());
    go_to_day(&mut env, 31);
    let v = json(&env.ok(&["sweep", "--json"]));
    assert_eq!(ids(&v, "purged").len(), 1);
}

#[test]
fn two_sweeps_at_once_do_what_one_does() {
    let mut env = Env::at(T0);
    for i in 0..12 {
        env.generate(&format!("k{i}"), &["--expires", "1d"]);
    }
    go_to_day(&mut env, 30);
    let later = &env;
    let (a, b) = std::thread::scope(|s| {
        let one = s.spawn(|| later.run(&["sweep", "--json"]));
        let two = s.spawn(|| later.run(&["sweep", "--json"]));
        (one.join().unwrap(), two.join().unwrap())
    });
    assert_eq!((a.code, b.code), (0, 0), "{}{}", a.stderr, b.stderr);
    let (a, b) = (json(&a.stdout), json(&b.stdout));
    let mut purged = ids(&a, "purged");
    purged.extend(ids(&b, "purged"));
    purged.sort();
    let before = purged.len();
    purged.dedup();
    assert_eq!(
        (before, purged.len()),
        (12, 12),
        "each key purged exactly once"
    );
    let mut expired = ids(&a, "expired");
    expired.extend(ids(&b, "expired"));
    assert_eq!(expired.len(), 12);
    let log = json(&later.ok(&["audit", "--json"]));
    let count = |action: &str| {
        log.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == action)
            .count()
    };
    assert_eq!((count("expire"), count("purge")), (12, 12));
    later.ok(&["audit", "verify"]);
}

#[test]
fn scheduled_commands_never_create_a_store() {
    let env = Env::at(T0);
    for args in [
        &["sweep"][..],
        &["sweep", "--dry-run"],
        &["notify"],
        &["notify", "--exec", "true"],
        &["rotate", "--due"],
        &["audit"],
        &["audit", "verify"],
    ] {
        let err = env.fails(args, 5);
        assert!(err.contains("no keyadm store"), "{args:?}: {err}");
    }
    assert!(!env.db().exists());
    assert!(!env.master().exists());
}
