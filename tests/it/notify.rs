//! `notify`: thresholds, catch-up after missed runs, hooks that fail, and
//! the recipients (the tenant's admins). Users are inserted into the store
//! directly, so these tests do not depend on the `user` commands.

use crate::common;

use common::Env;
use rusqlite::Connection;
use serde_json::Value;

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

fn notices(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut a = vec!["notify", "--json"];
    a.extend_from_slice(args);
    json(&env.ok(&a))["notices"].as_array().unwrap().clone()
}

fn add_user(env: &Env, name: &str, email: &str, tenant: &str, role: &str, enabled: bool) {
    let c = Connection::open(env.db()).unwrap();
    c.execute(
        "INSERT OR IGNORE INTO orgs (path, tenant, created_at) VALUES (?1, ?1, '2026-01-01T00:00:00Z')",
        [tenant],
    )
    .unwrap();
    c.execute(
        "INSERT INTO users (name, email, org, tenant, role, enabled, created_at)
         VALUES (?1, ?2, ?3, ?3, ?4, ?5, '2026-01-01T00:00:00Z')",
        rusqlite::params![name, email, tenant, role, enabled],
    )
    .unwrap();
}

#[test]
fn a_missed_run_sends_one_notice_for_the_nearest_threshold() {
    let mut env = Env::at("2026-01-01T00:00:00Z");
    env.generate("billing", &["--expires", "40d"]);
    assert!(notices(&env, &[]).is_empty(), "40 days left: nothing due");

    // No run for 35 days: 30, 14 and 7 were crossed; only the 7-day notice goes out.
    env.now = Some("2026-02-05T00:00:00Z".into());
    let late = &env;
    let sent = notices(late, &[]);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["threshold"], 7);
    assert_eq!(sent[0]["days_left"], 5);
    assert_eq!(sent[0]["passed"], serde_json::json!([30, 14]));
    assert_eq!(sent[0]["expires_at"], "2026-02-10T00:00:00Z");
    assert!(notices(late, &[]).is_empty(), "each threshold once");
    let log = json(&late.ok(&["audit", "--action", "notify", "--json"]));
    assert_eq!(log.as_array().unwrap().len(), 1);
    assert_eq!(log[0]["details"]["threshold_days"], 7);

    env.now = Some("2026-02-08T00:00:00Z".into());
    let next = notices(&env, &[]);
    assert_eq!(next.len(), 1);
    assert_eq!(next[0]["threshold"], 3);
}

#[test]
fn notify_settings_and_human_output() {
    let env = Env::at("2026-01-01T00:00:00Z");
    env.ok(&["config", "set", "notify-days", "10,2"]);
    env.generate_long_ago("billing", &["--expires", "9d"]);
    env.generate("never", &[]);
    env.generate_long_ago("off", &["--expires", "3d"]);
    env.ok(&["disable", "off"]);
    let r = env.run(&["notify"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(r.stdout.contains("billing"), "{}", r.stdout);
    assert!(r.stdout.contains("10-day notice"), "{}", r.stdout);
    assert!(r.stdout.contains("no admin with an email"), "{}", r.stdout);
}

#[test]
fn notify_dry_run_records_nothing() {
    let env = Env::at("2026-01-01T00:00:00Z");
    env.generate_long_ago("billing", &["--expires", "5d"]);
    let before = env.store_bytes();
    let v = json(&env.ok(&["notify", "--dry-run", "--json"]));
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["notices"][0]["sent"], false);
    assert_eq!(env.store_bytes(), before);
    assert_eq!(notices(&env, &[]).len(), 1, "still due after a dry run");
}

#[test]
fn recipients_are_the_enabled_admins_of_the_keys_tenant() {
    let env = Env::at("2026-01-01T00:00:00Z");
    env.generate_long_ago("billing", &["--expires", "5d"]);
    add_user(&env, "zoe", "zoe@example.com", "default", "admin", true);
    add_user(&env, "ann", "ann@example.com", "default", "admin", true);
    add_user(&env, "bob", "bob@example.com", "default", "member", true);
    add_user(&env, "old", "old@example.com", "default", "admin", false);
    add_user(&env, "nomail", "", "default", "admin", true);
    add_user(&env, "other", "other@acme.test", "acme", "admin", true);
    let out = env.dir.path().join("hook.out");
    let r = env
        .cmd()
        .env("OUT", &out)
        .args([
            "notify",
            "--exec",
            r#"printf '%s|%s|%s|%s|%s\n' "$KEYADM_KEY_ID" "$KEYADM_KEY_NAME" "$KEYADM_EXPIRES" "$KEYADM_DAYS_LEFT" "$KEYADM_RECIPIENTS" >> "$OUT"; echo hook-was-here"#,
        ])
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    // The hook's stdout goes to keyadm's stderr, never into the result.
    assert!(!String::from_utf8_lossy(&r.stdout).contains("hook-was-here"));
    assert!(String::from_utf8_lossy(&r.stderr).contains("hook-was-here"));
    let id = env.show("billing")["id"].as_str().unwrap().to_string();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        format!("{id}|billing|2026-01-06T00:00:00Z|5|ann@example.com,zoe@example.com\n")
    );
    let log = json(&env.ok(&["audit", "--action", "notify", "--json"]));
    assert_eq!(
        log[0]["details"]["recipients"],
        serde_json::json!(["ann@example.com", "zoe@example.com"])
    );
}

#[test]
fn a_notice_counts_as_sent_only_when_the_hook_succeeds() {
    let env = Env::at("2026-01-01T00:00:00Z");
    env.generate_long_ago("a", &["--expires", "5d"]);
    env.generate_long_ago("b", &["--expires", "6d"]);
    let r = env.run(&["notify", "--exec", r#"[ "$KEYADM_KEY_NAME" != b ]"#]);
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("error: the hook failed for 1 of 2 notices"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("NOT SENT"), "{}", r.stdout);
    // a was sent; b is still due, and goes out once the hook works.
    let again = notices(&env, &["--exec", "true"]);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["key_id"], env.show("b")["id"]);
    assert_eq!(again[0]["sent"], true);
    assert!(notices(&env, &["--exec", "true"]).is_empty());
    let log = json(&env.ok(&["audit", "--action", "notify", "--json"]));
    assert_eq!(log.as_array().unwrap().len(), 2);
    env.ok(&["audit", "verify"]);
}

#[test]
fn show_value_warns_inside_the_notice_window() {
    let env = Env::at("2026-01-01T00:00:00Z");
    env.generate("soon", &["--expires", "20d"]);
    env.generate("later", &["--expires", "60d"]);
    let r = env.run(&["show", "soon", "--value"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout.lines().count(), 1);
    let warnings: Vec<_> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", r.stderr);
    assert!(warnings[0].contains("expires in 20 days"), "{}", r.stderr);
    let r = env.run(&["show", "later", "--value"]);
    assert_eq!(r.stderr, "");
}

#[test]
fn two_notify_runs_at_once_send_each_notice_once() {
    let env = Env::at("2026-01-01T00:00:00Z");
    for i in 0..6 {
        env.generate_long_ago(&format!("k{i}"), &["--expires", "5d"]);
    }
    let out = env.dir.path().join("sent");
    let run = || {
        env.cmd()
            .env("OUT", &out)
            .args(["notify", "--exec", r#"echo "$KEYADM_KEY_ID" >> "$OUT""#])
            .output()
            .unwrap()
    };
    let (a, b) = std::thread::scope(|s| {
        let one = s.spawn(run);
        let two = s.spawn(run);
        (one.join().unwrap(), two.join().unwrap())
    });
    assert_eq!((a.status.code(), b.status.code()), (Some(0), Some(0)));
    let sent = std::fs::read_to_string(&out).unwrap();
    let mut ids: Vec<&str> = sent.lines().collect();
    ids.sort();
    let n = ids.len();
    ids.dedup();
    assert_eq!((n, ids.len()), (6, 6), "{sent}");
    let log = json(&env.ok(&["audit", "--action", "notify", "--json"]));
    assert_eq!(log.as_array().unwrap().len(), 6);
}

/// `notify` counts its notices in words that agree with the number:
/// "1 notice due", not "1 notices due".
#[test]
fn notify_summary_agrees_with_the_count() {
    let env = Env::at("2026-11-24T08:00:00Z");
    env.generate("agents", &["--type", "internal"]);
    env.generate_long_ago("billing", &["--expires", "2026-12-01T08:00:00Z"]);
    let r = env.run(&["notify", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("notify (dry run): 1 notice due."),
        "{}",
        r.stderr
    );
    let r = env.run(&["notify"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("notify: 1 of 1 notice sent."),
        "{}",
        r.stderr
    );
    env.generate_long_ago("reports", &["--expires", "2026-12-01T09:00:00Z"]);
    env.generate_long_ago("orders", &["--expires", "2026-12-01T10:00:00Z"]);
    let r = env.run(&["notify", "--dry-run"]);
    assert!(
        r.stderr.contains("notify (dry run): 2 notices due."),
        "{}",
        r.stderr
    );
}
