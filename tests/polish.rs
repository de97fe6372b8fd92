//! Rough edges reviewers found: each a usage error with a hint instead of
//! a silent "nothing", a friendlier message, or a fallback.
mod common;

use common::Env;

#[test]
fn audit_action_must_be_a_recorded_action_and_limit_at_least_one() {
    let env = Env::new();
    env.generate("billing", &[]);
    env.ok(&["rotate", "billing", "-y", "-q"]);
    let err = env.fails(&["audit", "--action", "rotated"], 2);
    assert!(err.contains("unknown audit action \"rotated\""), "{err}");
    assert!(
        err.contains("hint: the actions are: generate, import, reveal"),
        "{err}"
    );
    let err = env.fails(&["audit", "--limit", "0"], 2);
    assert!(err.contains("--limit 0"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    // The recorded actions still filter, in any case.
    let out = env.ok(&["audit", "--action", "ROTATE", "--json"]);
    let entries: serde_json::Value = serde_json::from_str(&out).unwrap();
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{out}");
    assert_eq!(entries[0]["action"], "rotate");
    let out = env.ok(&["audit", "--action", "import", "--limit", "1", "--json"]);
    assert_eq!(out.trim(), "[]");
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

#[test]
fn verify_refuses_a_malformed_method_or_url_but_batch_answers_bad_request() {
    let env = Env::new();
    let value = env.generate("billing", &[]);
    let verify = |extra: &[&str]| {
        let mut args = vec!["verify"];
        args.extend_from_slice(extra);
        env.cmd()
            .args(&args)
            .env("KEYADM_KEY", &value)
            .output()
            .unwrap()
    };
    for (extra, what) in [
        (&["--method", "FETCH"][..], "invalid method"),
        (&["--url", "v1/x"][..], "invalid URL"),
        (&["--url", "ftp://h/x"][..], "invalid URL"),
        (
            &["--method", "GET", "--url", "api.example.com/x"][..],
            "invalid URL",
        ),
    ] {
        let o = verify(extra);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(what) && err.contains("hint:"), "{err}");
        assert!(o.stdout.is_empty());
    }
    for extra in [
        &["--method", "get", "--url", "/v1/x"][..],
        &["--url", "https://api.example.com/v1/x"][..],
    ] {
        assert_eq!(verify(extra).status.code(), Some(0), "{extra:?}");
    }
    let lines = [
        serde_json::json!({"key": value, "method": "FETCH", "url": "/x"}),
        serde_json::json!({"key": value, "method": "GET", "url": "x"}),
        serde_json::json!({"key": value, "method": "post", "url": "/x"}),
    ]
    .map(|l| l.to_string())
    .join("\n");
    let r = env.run_stdin(&["verify", "--batch"], &lines);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let answers: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 3, "{}", r.stdout);
    assert_eq!(answers[0]["reason"], "bad_request");
    assert!(answers[0]["error"].as_str().unwrap().contains("method"));
    assert_eq!(answers[1]["reason"], "bad_request");
    assert!(answers[1]["error"].as_str().unwrap().contains("URL"));
    assert_eq!(answers[2]["allowed"], true, "{}", r.stdout);
}

#[test]
fn untag_of_a_tag_the_key_lacks_is_refused_like_disallow() {
    let env = Env::new();
    env.generate("billing", &["--tag", "prod"]);
    let id = env.show("billing")["id"].as_str().unwrap().to_string();
    let before = env.ok(&["audit", "--json"]);
    let err = env.fails(&["edit", "billing", "--untag", "nope"], 2);
    assert!(err.contains("error: the key has no tag \"nope\""), "{err}");
    assert!(
        err.contains(&format!("hint: its tags are: keyadm show {id}")),
        "{err}"
    );
    // All or nothing: with a valid change beside it, nothing changes.
    env.fails(
        &["edit", "billing", "--untag", "nope", "--description", "x"],
        2,
    );
    assert_eq!(env.show("billing")["description"], "");
    assert_eq!(env.ok(&["audit", "--json"]), before);
    // A tag the key has is removed; --no-origin on an empty list is still fine.
    env.ok(&["edit", "billing", "--untag", "prod", "--no-origin", "-q"]);
    assert_eq!(env.show("billing")["tags"], serde_json::json!([]));
}

#[test]
fn a_bad_date_format_in_the_environment_warns_and_uses_the_setting() {
    let env = Env::at("2026-11-24T10:00:00Z");
    let value = env.generate("billing", &["--expires", "2027-01-31T17:00:00Z"]);
    let with_env = |args: &[&str]| -> common::Run {
        env.cmd()
            .env("KEYADM_DATE_FORMAT", "%Q")
            .args(args)
            .output()
            .unwrap()
            .into()
    };
    let warning = "warning: KEYADM_DATE_FORMAT \"%Q\" is not a date format; using the setting\n";
    let r = with_env(&["list", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, warning);
    assert!(r.stdout.contains("billing"));
    let r = with_env(&["show", "billing", "--value"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.trim(), value);
    assert_eq!(r.stderr.matches("warning:").count(), 1, "{}", r.stderr);
    // Human output falls back to the setting (iso by default).
    let r = with_env(&["show", "billing"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("2027-01-31 17:00"), "{}", r.stdout);
    env.ok(&["config", "set", "date-format", "eu"]);
    assert!(with_env(&["show", "billing"])
        .stdout
        .contains("31/01/2027 17:00"));
    // The flag stays strict, and wins over the environment.
    let r = with_env(&["list", "--date-format", "%Q"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("error: invalid date format"),
        "{}",
        r.stderr
    );
    let r = with_env(&["show", "billing", "--date-format", "us"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("01/31/2027 5:00 PM"), "{}", r.stdout);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}

#[test]
fn an_import_file_that_is_a_json_object_says_so() {
    let env = Env::new();
    let value = env.generate("billing", &[]);
    let export = env.ok(&["export", "--format", "json", "--include-secrets", "-y"]);
    let keys: serde_json::Value = serde_json::from_str(&export).unwrap();
    let env = Env::new();
    let key = keys[0].clone();
    for file in [
        serde_json::json!({ "keys": [key.clone()] }).to_string(),
        format!("\u{feff}\n  {}", key),
    ] {
        let r = env.run_stdin(&["import", "-"], &file);
        assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains(
                "error: the file is a JSON object, but a keyadm JSON export is an array of keys"
            ),
            "{}",
            r.stderr
        );
        assert!(r
            .stderr
            .contains("hint: import a file made by: keyadm export --format json"));
        assert!(!r.stderr.contains("CSV"), "{}", r.stderr);
        assert!(!r.stderr.contains(&value), "no value in errors");
    }
    assert!(!env.db().exists(), "a refused file creates no store");
    // The array itself imports.
    let r = env.run_stdin(&["import", "-"], &export);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(env.show("billing")["name"], "billing");
}

#[test]
fn edit_names_changed_fields_as_the_options_do() {
    let env = Env::at("2026-11-24T10:00:00Z");
    env.ok(&["config", "set", "scoped-api", "on", "-q"]);
    env.generate("billing", &["--type", "custom", "--allow", "GET /v1/**"]);
    let r = env.run(&["edit", "billing", "--expires", "30d"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("Changed expires of key \"billing\""),
        "{}",
        r.stderr
    );
    let r = env.run(&[
        "edit",
        "billing",
        "--allow",
        "POST /v1/orders",
        "--ip",
        "10.0.0.0/8",
        "--rotate-every",
        "90d",
        "--tag",
        "prod",
        "--description",
        "d",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for label in [
        "rules (allow)",
        "addresses (ip)",
        "rotate every",
        "tags",
        "description",
    ] {
        assert!(r.stderr.contains(label), "{label}: {}", r.stderr);
    }
    for internal in ["expires_at", "rotate_every", "ips"] {
        assert!(!r.stderr.contains(internal), "{internal}: {}", r.stderr);
    }
    // The audit log keeps the field names.
    let audit = env.ok(&["audit", "--action", "edit", "--json"]);
    assert!(audit.contains("\"expires_at\"") && audit.contains("\"rotate_every\""));
    // So does user edit: display_name is "display name".
    env.ok(&["user", "add", "alice", "--display-name", "Alice", "-q"]);
    let r = env.run(&["user", "edit", "alice", "--display-name", "Alice B"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("Changed display name of user \"alice\""),
        "{}",
        r.stderr
    );
}
