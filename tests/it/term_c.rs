//! Issue 15, the rest: which value `verify` matched and each value's last
//! use (item 6); notices only for thresholds the expiry was set before
//! (item 9); a line while waiting for another process's lock (item 20);
//! sweep's "only internal key" said once (item 23); show-once keys through
//! export and import (item 25); the README and the guided edit (item 30).

use crate::common;

use common::Env;
use serde_json::{json, Value};

const T0: &str = "2026-06-01T12:00:00Z";

fn decision(env: &Env, value: &str) -> Value {
    let r = env.run_stdin(&["verify", "--json"], &format!("{value}\n"));
    serde_json::from_str(&r.stdout).unwrap_or_else(|_| panic!("not JSON: {}{}", r.stdout, r.stderr))
}

#[test]
fn verify_says_which_value_matched_in_every_answer() {
    let mut env = Env::at(T0);
    let old = env.generate("billing", &[]);
    env.ok(&["rotate", "billing", "--grace", "1h"]);
    let new = env.ok(&["show", "billing", "--value"]).trim().to_string();

    assert_eq!(decision(&env, &old)["matched"], "previous");
    assert_eq!(decision(&env, &new)["matched"], "current");
    let stranger = "kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV3aA98p";
    assert_eq!(decision(&env, stranger)["matched"], Value::Null);

    let human = env.run_stdin(&["verify"], &format!("{old}\n"));
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert!(
        human.stdout.contains("matched: previous"),
        "{}",
        human.stdout
    );
    let human = env.run_stdin(&["verify"], &format!("{new}\n"));
    assert!(
        human.stdout.contains("matched: current"),
        "{}",
        human.stdout
    );

    let input = [
        json!({"key": old}),
        json!({"key": new}),
        json!({"key": stranger}),
    ]
    .map(|j| j.to_string())
    .join("\n");
    env.now = Some("2026-06-01T12:05:00Z".into());
    let out = env.run_stdin(&["verify", "--batch"], &input);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let matched: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["matched"].clone())
        .collect();
    assert_eq!(matched, [json!("previous"), json!("current"), Value::Null]);
    // The batch verifier records each value's use too.
    let k = env.show("billing");
    assert_eq!(k["previous_used_at"], "2026-06-01T12:05:00Z", "{k}");
    assert_eq!(k["current_used_at"], "2026-06-01T12:05:00Z", "{k}");

    // After the grace: still the previous value, denied.
    env.now = Some("2026-06-01T13:00:00Z".into());
    let d = decision(&env, &old);
    assert_eq!(
        (d["reason"].clone(), d["matched"].clone()),
        (json!("rotated"), json!("previous"))
    );
}

#[test]
fn each_value_records_its_last_use_for_show_and_list() {
    let mut env = Env::at(T0);
    let old = env.generate("billing", &[]);
    env.now = Some("2026-06-01T12:05:00Z".into());
    assert_eq!(decision(&env, &old)["allowed"], true);
    let k = env.show("billing");
    assert_eq!(k["current_used_at"], "2026-06-01T12:05:00Z");

    env.now = Some("2026-06-01T12:10:00Z".into());
    env.ok(&["rotate", "billing", "--grace", "1d"]);
    let new = env.ok(&["show", "billing", "--value"]).trim().to_string();
    let k = env.show("billing");
    assert_eq!(k["current_used_at"], Value::Null, "the new value is unused");
    assert_eq!(
        k["previous_used_at"], "2026-06-01T12:05:00Z",
        "the old value's use moves with it"
    );

    env.now = Some("2026-06-01T12:20:00Z".into());
    decision(&env, &old);
    let k = env.show("billing");
    assert_eq!(k["previous_used_at"], "2026-06-01T12:20:00Z");
    assert_eq!(k["current_used_at"], Value::Null);
    let human = env.ok(&["show", "billing"]);
    let line = |label: &str| {
        human
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} in:\n{human}"))
            .to_string()
    };
    assert!(line("Current used").contains("never"), "{human}");
    assert!(line("Previous used").contains("2026-06-01"), "{human}");

    // A use of the new value a minute after one of the old is still recorded.
    env.now = Some("2026-06-01T12:20:30Z".into());
    decision(&env, &new);
    let listed: Value = serde_json::from_str(&env.ok(&["list", "--json"])).unwrap();
    let k = &listed.as_array().unwrap()[0];
    assert_eq!(k["current_used_at"], "2026-06-01T12:20:30Z");
    assert_eq!(k["previous_used_at"], "2026-06-01T12:20:00Z");
    assert_eq!(k["last_used_at"], "2026-06-01T12:20:30Z");
}

fn notices(env: &Env) -> Vec<Value> {
    let out: Value = serde_json::from_str(&env.ok(&["notify", "--json"])).unwrap();
    out["notices"].as_array().unwrap().clone()
}

#[test]
fn a_threshold_is_noticed_only_if_the_expiry_was_set_before_it() {
    let mut env = Env::at("2026-01-01T00:00:00Z");
    env.generate("thirty", &["--expires", "30d"]);
    env.generate("ten", &["--expires", "10d"]);
    env.generate("other", &[]);
    assert!(
        notices(&env).is_empty(),
        "no 30-day notice for a key made to live 30 days, nor for one of 10"
    );

    // Set later, by edit: counted from then.
    env.now = Some("2026-01-05T00:00:00Z".into());
    env.ok(&["edit", "other", "--expires", "2026-01-20T00:00:00Z"]);
    let due = |env: &Env| -> Vec<(String, u64, Value)> {
        notices(env)
            .iter()
            .map(|n| {
                (
                    n["name"].as_str().unwrap().to_string(),
                    n["threshold"].as_u64().unwrap(),
                    n["passed"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(due(&env), [("ten".to_string(), 7, json!([]))]);

    env.now = Some("2026-01-17T00:00:00Z".into());
    assert_eq!(
        due(&env),
        [
            ("other".to_string(), 3, json!([14, 7])),
            ("thirty".to_string(), 14, json!([])),
        ],
        "the 30-day notice of a 30-day key is never due, not even as passed"
    );
    let k = env.show("other");
    assert_eq!(k["expiry_set_at"], "2026-01-05T00:00:00Z");
}

/// Holds the store's write lock from another process (`sqlite3`, `BEGIN
/// IMMEDIATE`) until the returned child's stdin gets `COMMIT`.
fn hold_write_lock(env: &Env) -> std::process::Child {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("sqlite3")
        .arg(env.db())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sqlite3 runs (.ci/run installs it)");
    let stdin = child.stdin.as_mut().unwrap();
    writeln!(stdin, "BEGIN IMMEDIATE; SELECT 'locked';").unwrap();
    stdin.flush().unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "locked");
    child
}

#[test]
fn a_write_waiting_for_another_process_says_so_after_a_second() {
    use std::io::{BufRead, Write};
    use std::time::{Duration, Instant};
    let env = Env::new();
    env.generate("billing", &[]);
    let mut holder = hold_write_lock(&env);

    let start = Instant::now();
    let mut edit = env
        .std_cmd()
        .args(["edit", "billing", "--description", "waited"])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = edit.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let _ = tx.send((line.unwrap(), Instant::now()));
        }
    });
    let (first, at) = rx
        .recv_timeout(Duration::from_secs(4))
        .expect("a line while the lock is held");
    let waited = at - start;
    assert!(
        first.contains("waiting for another process to finish writing to")
            && first.contains("keys.db"),
        "{first}"
    );
    assert!(
        waited >= Duration::from_millis(900),
        "said after about a second, not at once: {waited:?}"
    );
    assert!(
        edit.try_wait().unwrap().is_none(),
        "the edit still waits while the lock is held"
    );
    writeln!(holder.stdin.as_mut().unwrap(), "COMMIT;").unwrap();
    drop(holder.stdin.take());
    holder.wait().unwrap();
    assert!(edit.wait().unwrap().success());
    let rest: Vec<String> = rx.try_iter().map(|(l, _)| l).collect();
    assert!(
        !rest.iter().any(|l| l.contains("waiting")),
        "said once: {rest:?}"
    );
    assert_eq!(env.show("billing")["description"], "waited");

    // Unhindered, a write says nothing of locks.
    let r = env.run(&["edit", "billing", "--description", "again"]);
    assert_eq!(
        (r.code, r.stderr.contains("waiting")),
        (0, false),
        "{}",
        r.stderr
    );
}

#[test]
fn sweep_says_it_kept_the_only_internal_key_once() {
    let mut env = Env::at(T0);
    env.generate("agents", &["--type", "internal", "--expires", "1d"]);
    // Past expiry and purge-after (30 days by default).
    env.now = Some("2026-08-01T00:00:00Z".into());
    let first = env.run(&["sweep"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stdout.contains("kept") && first.stdout.contains("the only internal key of tenant"),
        "the first time it happens, it is said: {}",
        first.stdout
    );
    env.now = Some("2026-08-02T00:00:00Z".into());
    let second = env.run(&["sweep"]);
    assert_eq!(second.code, 0);
    assert_eq!(second.stdout, "", "a daily cron is not mailed again");
    assert!(
        second
            .stderr
            .contains("nothing to do (1 key kept as before; -v lists it)"),
        "{}",
        second.stderr
    );
    assert_eq!(env.run(&["sweep", "-q"]).stdout, "");
    let verbose = env.run(&["sweep", "--verbose"]);
    assert!(
        verbose.stdout.contains("the only internal key of tenant"),
        "{}",
        verbose.stdout
    );
    let dry = env.run(&["sweep", "--dry-run"]);
    assert_eq!(dry.stdout, "", "a dry run says what a sweep would say");
    let v: Value = serde_json::from_str(&env.ok(&["sweep", "--json"])).unwrap();
    assert_eq!(
        v["kept"].as_array().unwrap().len(),
        1,
        "JSON still lists it: {v}"
    );
    assert_eq!(v["kept_before"].as_array().unwrap().len(), 1, "{v}");

    // A new expiry, expired and due again: said again, once.
    env.ok(&["enable", "agents", "--expires", "1d"]);
    env.now = Some("2026-10-01T00:00:00Z".into());
    assert!(env
        .ok(&["sweep"])
        .contains("the only internal key of tenant"));
    assert!(!env
        .ok(&["sweep"])
        .contains("the only internal key of tenant"));
}

#[test]
fn show_once_keys_travel_by_their_hash_and_stay_verifiable() {
    let src = Env::at(T0);
    let kept = src.generate("kept", &[]);
    let once = src.generate("once", &["--show-once", "--tag", "x"]);
    for (format, ext) in [("csv", "csv"), ("json", "json")] {
        let file = src.dir.path().join(format!("all.{ext}"));
        let r = src.run(&[
            "export",
            "--include-secrets",
            "--yes",
            "-o",
            file.to_str().unwrap(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stderr.contains("value hash"), "{}", r.stderr);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains(&once), "the value itself is in no export");
        if format == "csv" {
            let header = text.lines().next().unwrap();
            assert!(header.ends_with(",value_hash"), "{header}");
        } else {
            let v: Value = serde_json::from_str(&text).unwrap();
            let o = v
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["name"] == "once")
                .unwrap();
            assert_eq!(o["value_hash"].as_str().map(str::len), Some(64), "{o}");
            assert!(o.get("value").is_none());
        }

        let dst = Env::at(T0);
        let r = dst.run(&["import", file.to_str().unwrap()]);
        assert_eq!(
            r.code, 0,
            "{format}: the whole import goes through: {}",
            r.stderr
        );
        let k = dst.show("once");
        assert_eq!(k["show_once"], true);
        assert_eq!(k["key"], src.show("once")["key"], "shown as before");
        assert_eq!(k["tags"], json!(["x"]));
        assert_eq!(
            decision(&dst, &once)["allowed"],
            true,
            "{format}: still verifiable"
        );
        assert_eq!(decision(&dst, &kept)["allowed"], true);
        let r = dst.run(&["show", "once", "--value"]);
        assert_ne!(r.code, 0, "still no value to show");
    }

    // Without --include-secrets: a file of show-once keys alone imports.
    let only = src.dir.path().join("once.csv");
    src.ok(&["export", "--search", "once", "-o", only.to_str().unwrap()]);
    let dst = Env::at(T0);
    dst.ok(&["import", only.to_str().unwrap()]);
    assert_eq!(decision(&dst, &once)["allowed"], true);

    // A hash for a key that is not show-once, or a bad hash, is refused.
    let text = std::fs::read_to_string(&only).unwrap();
    let bad = src.dir.path().join("bad.csv");
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let row = text.lines().nth(1).unwrap();
    let mut cells: Vec<String> = row.split(',').map(str::to_string).collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    cells[at("value_hash")] = "zz".into();
    std::fs::write(&bad, format!("{}\n{}\n", header.join(","), cells.join(","))).unwrap();
    let err = Env::at(T0).fails(&["import", bad.to_str().unwrap()], 2);
    assert!(err.contains("value_hash"), "{err}");
}

#[test]
fn the_guided_edit_asks_as_the_guided_generate_does() {
    use common::pty::{have_script, Pty, ENTER};
    assert!(
        have_script(),
        "script (util-linux) runs the prompts on a pty"
    );
    let backspaces = |n: usize| "\x7f".repeat(n);
    let env = Env::at("2026-11-22T17:45:00Z");
    env.ok(&["config", "set", "scoped-api", "on"]);
    env.ok(&["config", "set", "date-format", "eu"]);
    env.ok(&["user", "add", "ana", "--allow", "* /api/**"]);
    env.ok(&["user", "add", "ben", "--allow", "GET /api/v1/*"]);
    env.generate(
        "reports",
        &[
            "--type",
            "custom",
            "--allow",
            "GET /api/v1/reports",
            "--allow",
            "POST /api/v1/jobs",
            "--expires",
            "2027-01-31T18:30:00Z",
        ],
    );
    let mut t = Pty::spawn(&env, &["edit", "reports"], &[]);
    t.answer("Name", ENTER);
    t.answer("Description", ENTER);
    // The expiry as show says it (eu, local time: TZ=UTC), the prompt in that format.
    t.expect("31/12/2027 17:00");
    t.expect("31/01/2027 18:30");
    // A slash date in the named format is not ambiguous in the form.
    t.send(&format!(
        "{}05/06/2027 12:00{ENTER}",
        backspaces("31/01/2027 18:30".len())
    ));
    // One rule a line, as generate asks: keep the first, drop the second, add one.
    t.expect("GET /api/v1/reports");
    t.send(ENTER);
    t.expect("POST /api/v1/jobs");
    t.send(&format!("{}{ENTER}", backspaces("POST /api/v1/jobs".len())));
    t.answer("Another allow rule", &format!("GET /api/v1/users/*{ENTER}"));
    t.answer("Another allow rule", ENTER);
    // The user binding, as generate asks it.
    t.answer("Bind the key to one user?", "y");
    t.answer("User (type to search", "ana");
    t.send(ENTER);
    t.answer("Allowed origins", ENTER);
    t.answer("Allowed addresses", ENTER);
    t.answer("Tags", ENTER);
    t.answer("Rotate every", ENTER);
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    let k = env.show("reports");
    assert_eq!(k["expires_at"], "2027-06-05T12:00:00Z", "5 June, day first");
    assert_eq!(
        k["rules"],
        json!(["GET /api/v1/reports", "GET /api/v1/users/*"])
    );
    assert_eq!(k["user"], "ana");

    // Kept as prefilled, nothing changes.
    let mut t = Pty::spawn(&env, &["edit", "reports"], &[]);
    t.answer("Name", ENTER);
    t.answer("Description", ENTER);
    t.answer("05/06/2027 12:00", ENTER);
    t.answer("GET /api/v1/reports", ENTER);
    t.answer("GET /api/v1/users/*", ENTER);
    t.answer("Another allow rule", ENTER);
    t.answer("now: ana", ENTER);
    t.answer("User (type to search", ENTER);
    t.answer("Allowed origins", ENTER);
    t.answer("Allowed addresses", ENTER);
    t.answer("Tags", ENTER);
    t.answer("Rotate every", ENTER);
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("is unchanged"), "{screen}");
}

#[test]
fn the_readme_names_keyadm_org_in_its_choices_and_says_what_eu_shows() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("### Choices this README records")
        .expect("the choices section");
    let end = start
        + readme[start..]
            .find("\n### ")
            .unwrap_or(readme.len() - start);
    let choices = &readme[start..end];
    assert!(
        choices.contains("`KEYADM_ORG`") && choices.contains("**Organization.**"),
        "the choices name KEYADM_ORG"
    );
    assert!(readme.contains("`eu` (`31/12/2026 21:59`"), "what eu shows");
    assert!(
        readme.contains("`us` (`12/31/2026 9:59 PM`)"),
        "what us shows"
    );
}
