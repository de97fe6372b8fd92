//! `rotate --due` and `rotate --exec`: scheduled rotation and delivery.
//! A failing hook undoes exactly its key's rotation; nothing is lost.

use crate::common;

use common::Env;
use serde_json::Value;

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

fn value(env: &Env, key: &str) -> String {
    env.ok(&["show", key, "--value"]).trim().to_string()
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn rotate_due_rotates_only_keys_whose_policy_is_due() {
    let mut env = Env::at("2026-01-01T00:00:00Z");
    env.generate("monthly", &["--rotate-every", "30d"]);
    env.generate("weekly", &["--rotate-every", "7d"]);
    env.generate("no-policy", &[]);
    env.generate("off", &["--rotate-every", "7d"]);
    env.ok(&["disable", "off"]);
    env.generate("expired", &["--rotate-every", "7d", "--expires", "8d"]);

    let r = env.run(&["rotate", "--due"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    assert!(r.stderr.contains("no key is due"), "{}", r.stderr);

    env.now = Some("2026-01-11T00:00:00Z".into());
    let day10 = &env;
    assert_eq!(
        names(&json(&day10.ok(&["rotate", "--due", "--json"]))),
        ["weekly"]
    );
    assert!(json(&day10.ok(&["rotate", "--due", "--json"]))
        .as_array()
        .unwrap()
        .is_empty());
    env.now = Some("2026-02-01T00:00:00Z".into());
    let day31 = &env;
    let mut due = names(&json(&day31.ok(&["rotate", "--due", "--json"])));
    due.sort();
    assert_eq!(due, ["monthly", "weekly"]);
    assert_eq!(day31.show("weekly")["rotated_at"], "2026-02-01T00:00:00Z");
    day31.fails(&["rotate", "--due", "monthly"], 2);
}

#[test]
fn rotate_exec_delivers_the_value_on_stdin_only() {
    let env = Env::at("2026-01-01T00:00:00Z");
    env.generate("billing", &["--org", "default"]);
    let old = value(&env, "billing");
    let dir = env.dir.path().join("hook");
    std::fs::create_dir(&dir).unwrap();
    let r = env
        .cmd()
        .env("OUT", &dir)
        .args([
            "rotate",
            "billing",
            "--exec",
            r#"cat > "$OUT/value"; env > "$OUT/env"; echo "$KEYADM_KEY_ID $KEYADM_KEY_NAME $KEYADM_KEY_ORG" > "$OUT/vars"; echo delivered"#,
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&r.stdout).into_owned(),
        String::from_utf8_lossy(&r.stderr).into_owned(),
    );
    assert_eq!(r.status.code(), Some(0), "{stdout}{stderr}");
    let new = value(&env, "billing");
    assert_ne!(new, old);
    assert_eq!(
        std::fs::read_to_string(dir.join("value")).unwrap(),
        format!("{new}\n")
    );
    let id = env.show("billing")["id"].as_str().unwrap().to_string();
    assert_eq!(
        std::fs::read_to_string(dir.join("vars")).unwrap(),
        format!("{id} billing default\n")
    );
    let child_env = std::fs::read_to_string(dir.join("env")).unwrap();
    assert!(!child_env.contains(&new) && !child_env.contains(&new[7..]));
    // Values are delivered to the hook, not printed (cron would mail them).
    assert!(!stdout.contains(&new), "{stdout}");
    assert!(
        stderr.contains("delivered"),
        "the hook's stdout goes to stderr"
    );
    assert!(stdout.contains("yes"), "{stdout}");
}

#[test]
fn a_failing_hook_undoes_exactly_its_keys_rotation_and_loses_nothing() {
    let mut env = Env::at("2026-01-01T00:00:00Z");
    for n in ["a", "b", "c"] {
        env.generate(n, &["--rotate-every", "30d"]);
    }
    env.now = Some("2026-02-01T00:00:00Z".into());
    let later = &env;
    let before: Vec<String> = ["a", "b", "c"].iter().map(|n| value(later, n)).collect();
    let b_before = later.show("b");
    let dir = env.dir.path().join("delivered");
    std::fs::create_dir(&dir).unwrap();
    let r = later
        .cmd()
        .env("OUT", &dir)
        .args([
            "rotate",
            "--due",
            "--json",
            "--exec",
            r#"[ "$KEYADM_KEY_NAME" = b ] && { echo "deploy of b failed" >&2; exit 3; }; cat > "$OUT/$KEYADM_KEY_NAME""#,
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&r.stdout).into_owned(),
        String::from_utf8_lossy(&r.stderr).into_owned(),
    );
    assert_eq!(r.status.code(), Some(5), "{stdout}{stderr}");
    assert!(stderr.contains("deploy of b failed"), "{stderr}");
    assert!(
        stderr.contains("error: the hook failed for 1 of 3 keys (\"b\")"),
        "{stderr}"
    );
    let report = json(&stdout);
    let by_name = |n: &str| {
        report
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("a")["delivered"], true);
    assert_eq!(by_name("b")["delivered"], false);
    assert_eq!(by_name("b")["undone"], true);
    assert!(by_name("b")["error"].as_str().unwrap().contains("status 3"));
    assert_eq!(by_name("c")["delivered"], true);

    // a and c: the store's current values are exactly the delivered ones.
    for (i, n) in ["a", "c"].iter().enumerate() {
        let now = value(later, n);
        assert_ne!(now, before[if i == 0 { 0 } else { 2 }]);
        assert_eq!(
            std::fs::read_to_string(dir.join(n)).unwrap(),
            format!("{now}\n")
        );
        assert_eq!(
            later.show(n)["in_grace"],
            true,
            "old value of {n} still works"
        );
    }
    // b: back to exactly where it was.
    assert_eq!(value(later, "b"), before[1]);
    let b_after = later.show("b");
    for field in ["key", "rotated_at", "previous", "in_grace", "state"] {
        assert_eq!(b_after[field], b_before[field], "{field}");
    }
    // Every step is in the audit log, which stays intact.
    let log = json(&later.ok(&["audit", "--key", "b", "--action", "rotate", "--json"]));
    assert_eq!(log.as_array().unwrap().len(), 2);
    assert_eq!(log[1]["details"]["undone"], true);
    later.ok(&["audit", "verify"]);
    // b is still due, and the next run with a working hook rotates it.
    assert_eq!(
        names(&json(&later.ok(&[
            "rotate",
            "--due",
            "--json",
            "--exec",
            "cat > /dev/null"
        ]))),
        ["b"]
    );
}

#[test]
fn a_hook_that_cannot_start_undoes_every_rotation() {
    let env = Env::at("2026-01-01T00:00:00Z");
    env.generate("a", &[]);
    env.generate("b", &[]);
    let before = (value(&env, "a"), value(&env, "b"));
    let r = env
        .cmd()
        .env("PATH", "/nonexistent")
        .args(["rotate", "a", "b", "--exec", "true"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr).into_owned();
    assert_eq!(r.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("2 of 2 keys"), "{stderr}");
    assert!(String::from_utf8_lossy(&r.stdout).contains("could not start"));
    assert_eq!((value(&env, "a"), value(&env, "b")), before);
    env.ok(&["audit", "verify"]);
}

#[test]
fn rotate_exec_refuses_a_disabled_key_before_rotating_any() {
    let env = Env::at("2026-01-01T00:00:00Z");
    env.generate("a", &[]);
    env.generate("b", &[]);
    env.ok(&["disable", "b"]);
    let before = value(&env, "a");
    let err = env.fails(&["rotate", "a", "b", "--exec", "cat > /dev/null"], 4);
    assert!(err.contains("only enabled keys are rotated"), "{err}");
    assert_eq!(value(&env, "a"), before);
}

#[test]
fn rotate_exec_quiet_prints_nothing() {
    let env = Env::at("2026-01-01T00:00:00Z");
    env.generate("a", &[]);
    assert_eq!(
        env.ok(&["rotate", "a", "-q", "--exec", "cat > /dev/null"]),
        ""
    );
}
