//! The terminal experience of issue 15 (items 15–21, 23–25, 30): export's
//! `-o -` and extensions, free text starting with `-`, cancellation (exit
//! 6), date input in the display format, `--exec` checked up front, the
//! lock-wait line, names (NFC, mixed scripts, "did you mean"), sweep's
//! note, first-run and bad-path hints, show-once keys across export/import.

use crate::common;

use common::{assert_error_form, Env};

const T0: &str = "2026-11-22T17:45:00Z";

// Item 15: `-o -` is stdout; an extension that is not the format is refused.
#[test]
fn export_dash_is_stdout_and_a_foreign_extension_is_refused() {
    let env = Env::at(T0);
    env.generate("billing", &[]);
    let out = env
        .cmd()
        .current_dir(env.dir.path())
        .args(["export", "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("id,name,"), "{stdout}");
    assert!(stdout.contains("billing"), "{stdout}");
    assert!(!env.dir.path().join("-").exists(), "no file named -");

    let xlsx = env.dir.path().join("out.xlsx");
    let err = env.fails(&["export", "-o", xlsx.to_str().unwrap()], 2);
    assert_error_form(&err);
    assert!(err.contains(".xlsx") && err.contains("--format"), "{err}");
    assert!(!xlsx.exists());

    let json = env.dir.path().join("out.json");
    let err = env.fails(
        &["export", "--format", "csv", "-o", json.to_str().unwrap()],
        2,
    );
    assert_error_form(&err);
    assert!(!json.exists());

    // --format says what to write: a warning, and the file.
    let r = env.run(&["export", "--format", "csv", "-o", xlsx.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("warning") && r.stderr.contains(".xlsx"),
        "{}",
        r.stderr
    );
    assert!(std::fs::read_to_string(&xlsx)
        .unwrap()
        .starts_with("id,name,"));
    // No extension (a device, a pipe, a plain name): the default, silently.
    let plain = env.dir.path().join("keys");
    let r = env.run(&["export", "-o", plain.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}

// Item 16: free text that starts with `-` is a value, not an option.
#[test]
fn free_text_starting_with_a_dash_is_a_value() {
    let env = Env::at(T0);
    env.ok(&["generate", "calc", "-q", "--description", "-4+5"]);
    assert_eq!(env.show("calc")["description"], "-4+5");
    env.ok(&["edit", "calc", "--description", "--not an option"]);
    assert_eq!(env.show("calc")["description"], "--not an option");
    env.ok(&["disable", "calc", "--reason", "-- left the team"]);
    assert_eq!(env.show("calc")["disabled_reason"], "-- left the team");
    env.ok(&["user", "add", "bob", "--display-name", "-Bob-"]);
    let list = env.ok(&["user", "list", "--search", "-Bob"]);
    assert!(list.contains("bob"), "{list}");
}

// Item 17: every way out of a prompt is exit 6, "cancelled" (SPEC §5.9),
// through a real pseudo-terminal.
mod cancel {
    use super::*;
    use crate::prompts::{have_script, Pty};

    const CTRL_C: &str = "\x03";
    const ESC: &str = "\x1b";

    fn cancelled(t: Pty, what: &str) -> String {
        let (code, screen) = t.finish();
        assert_eq!(code, 6, "{what}: {screen}");
        assert!(screen.contains("error: cancelled"), "{what}: {screen}");
        assert!(screen.contains("hint: "), "{what}: {screen}");
        screen
    }

    #[test]
    fn ctrl_c_and_esc_in_the_guided_generate_are_exit_6_and_create_nothing() {
        if !have_script() {
            return;
        }
        let env = Env::at(T0);
        let mut t = Pty::spawn(&env, &["generate"], &[]);
        t.answer("Name", CTRL_C);
        cancelled(t, "Ctrl-C in a text field");
        let mut t = Pty::spawn(&env, &["generate"], &[]);
        t.answer("Name", "reports\r");
        t.answer("desktop", ESC);
        cancelled(t, "Esc in a choice");
        let mut t = Pty::spawn(&env, &["generate"], &[]);
        t.answer("Name", "reports\r");
        t.answer("desktop", CTRL_C);
        cancelled(t, "Ctrl-C in a choice");
        assert!(!env.db().exists(), "nothing was created");
    }

    #[test]
    fn ctrl_c_in_the_guided_edit_changes_nothing() {
        if !have_script() {
            return;
        }
        let env = Env::at(T0);
        env.generate("billing", &["--description", "old"]);
        let mut t = Pty::spawn(&env, &["edit", "billing"], &[]);
        t.answer("Name", "\r");
        t.answer("Description", CTRL_C);
        cancelled(t, "edit");
        assert_eq!(env.show("billing")["description"], "old");
    }

    #[test]
    fn confirmations_answered_by_esc_or_ctrl_c_are_exit_6() {
        if !have_script() {
            return;
        }
        let env = Env::at(T0);
        env.generate("old", &[]);
        env.ok(&["disable", "old"]);
        for keys in [ESC, CTRL_C, "n"] {
            let mut t = Pty::spawn(&env, &["delete", "old"], &[]);
            t.answer("Delete 1 key permanently?", keys);
            cancelled(t, &format!("delete, {keys:?}"));
            env.show("old");
        }
        env.generate("agents", &["--type", "internal"]);
        let mut t = Pty::spawn(&env, &["disable", "agents"], &[]);
        t.answer("Disable the last enabled internal key?", CTRL_C);
        cancelled(t, "disable");
        assert_eq!(env.show("agents")["enabled"], true);
    }

    #[test]
    fn ctrl_c_at_the_show_once_question_is_exit_6_and_says_how_to_rotate() {
        if !have_script() {
            return;
        }
        let env = Env::at(T0);
        let mut t = Pty::spawn(&env, &["generate", "once", "--show-once"], &[]);
        t.answer("Have you stored the value?", CTRL_C);
        let screen = cancelled(t, "show-once");
        assert!(screen.contains("keyadm rotate"), "{screen}");
    }
}

// Item 19: an --exec that cannot run is exit 2 before anything happens.
#[test]
fn an_exec_command_that_cannot_run_is_exit_2_up_front() {
    let env = Env::at(T0);
    let value = env.generate("soon", &["--expires", "5d"]);
    let not_executable = env.dir.path().join("hook.sh");
    std::fs::write(&not_executable, "#!/bin/sh\nexit 0\n").unwrap();
    let folder = env.dir.path().to_str().unwrap().to_string();
    let cases: [(&str, &str); 5] = [
        ("/no/such/program", "does not exist"),
        ("keyadm-no-such-hook", "not found on PATH"),
        (not_executable.to_str().unwrap(), "not executable"),
        (&folder, "is a folder"),
        ("echo \"unterminated", "shell syntax"),
    ];
    for (cmd, says) in cases {
        for args in [
            vec!["notify", "--exec", cmd],
            vec!["notify", "--dry-run", "--exec", cmd],
            vec!["rotate", "soon", "--exec", cmd],
            vec!["rotate", "--due", "--exec", cmd],
        ] {
            let err = env.fails(&args, 2);
            assert_error_form(&err);
            assert!(err.contains(says), "{args:?}: {err}");
        }
    }
    assert_eq!(
        env.ok(&["show", "soon", "--value"]).trim(),
        value,
        "nothing rotated"
    );
    // A program on PATH, a builtin, an executable path and a command line run.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&not_executable, std::fs::Permissions::from_mode(0o700)).unwrap();
    for cmd in [
        "true",
        ":",
        not_executable.to_str().unwrap(),
        "cat > /dev/null",
    ] {
        env.ok(&["notify", "--dry-run", "--exec", cmd]);
    }
}

// Item 18: dates in the display format's form; ambiguous slash dates only
// with --date-format on the same command line; RFC 3339 without seconds.
#[test]
fn expiries_take_the_display_formats_form_and_refuse_ambiguous_slash_dates() {
    let env = Env::at(T0);
    let expires = |name: &str| env.show(name)["expires_at"].as_str().unwrap().to_string();
    // ISO store: a slash date is refused with a hint to say the format.
    let err = env.fails(&["generate", "a", "--expires", "12/31/2027"], 2);
    assert_error_form(&err);
    assert!(err.contains("--date-format us"), "{err}");
    env.ok(&[
        "generate",
        "a",
        "-q",
        "--expires",
        "12/31/2027",
        "--date-format",
        "us",
    ]);
    assert_eq!(expires("a"), "2027-12-31T23:59:59Z");
    env.ok(&["generate", "b", "-q", "--expires", "2027-01-31T17:00Z"]);
    assert_eq!(expires("b"), "2027-01-31T17:00:00Z");
    env.ok(&["generate", "c", "-q", "--expires", "2027-01-31T17:00+02:00"]);
    assert_eq!(expires("c"), "2027-01-31T15:00:00Z");

    env.ok(&["config", "set", "date-format", "eu"]);
    env.ok(&["edit", "a", "--expires", "31/12/2028"]);
    assert_eq!(expires("a"), "2028-12-31T23:59:59Z");
    env.ok(&["edit", "a", "--expires", "31/12/2028 17:00"]);
    assert_eq!(expires("a"), "2028-12-31T17:00:00Z");
    // Day and month both ≤ 12: the store's setting must not decide.
    let err = env.fails(&["edit", "a", "--expires", "05/06/2027"], 2);
    assert_error_form(&err);
    assert!(
        err.contains("ambiguous") && err.contains("2027-06-05"),
        "{err}"
    );
    let r = env
        .cmd()
        .env("KEYADM_DATE_FORMAT", "eu")
        .args(["edit", "a", "--expires", "05/06/2027"])
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(2),
        "the environment is not the command line"
    );
    assert_eq!(expires("a"), "2028-12-31T17:00:00Z", "nothing changed");
    env.ok(&[
        "edit",
        "a",
        "--expires",
        "05/06/2027",
        "--date-format",
        "eu",
    ]);
    assert_eq!(expires("a"), "2027-06-05T23:59:59Z");
    env.ok(&[
        "edit",
        "a",
        "--expires",
        "05/06/2027",
        "--date-format",
        "us",
    ]);
    assert_eq!(expires("a"), "2027-05-06T23:59:59Z");
    // ISO always works; a US date under eu does not.
    env.ok(&["edit", "a", "--expires", "2027-12-31"]);
    env.fails(&["edit", "a", "--expires", "12/31/2027"], 2);

    env.ok(&["config", "set", "date-format", "us"]);
    env.ok(&["edit", "b", "--expires", "12/31/2027 5:00 PM"]);
    assert_eq!(expires("b"), "2027-12-31T17:00:00Z");
    env.ok(&["disable", "b"]);
    env.ok(&["enable", "b", "--expires", "12/30/2027"]);
    assert_eq!(expires("b"), "2027-12-30T23:59:59Z");
}

// Item 21: names in NFC, one script per word, "did you mean".
#[test]
fn names_are_nfc_one_script_a_word_and_unknown_ones_get_suggestions() {
    let env = Env::at(T0);
    let nfc = "K\u{f6}ln";
    let nfd = "Ko\u{308}ln";
    env.ok(&["generate", nfd, "-q"]);
    assert_eq!(env.show(nfc)["name"], nfc, "kept as NFC");
    assert_eq!(env.show(nfd)["name"], nfc, "found by its NFD spelling");
    let err = env.fails(&["generate", nfc, "-q"], 4);
    assert_error_form(&err);
    let keys: serde_json::Value = serde_json::from_str(&env.ok(&["list", "--json"])).unwrap();
    assert_eq!(
        keys.as_array().unwrap().len(),
        1,
        "one key, not two look-alikes"
    );

    let err = env.fails(&["generate", "p\u{430}rtner-x"], 2);
    assert_error_form(&err);
    assert!(err.contains("Latin and Cyrillic"), "{err}");
    env.generate("partner-x", &[]);
    env.fails(&["edit", "partner-x", "--name", "partn\u{435}r-x"], 2);
    env.ok(&["edit", "partner-x", "--name", "partner \u{445}\u{430}"]);

    env.generate("billing", &[]);
    let err = env.fails(&["show", "biling"], 3);
    assert_error_form(&err);
    assert!(err.contains("did you mean \"billing\""), "{err}");
    let err = env.fails(&["show", "zzzzzz"], 3);
    assert!(!err.contains("did you mean"), "{err}");
}

// Item 24: first-run and bad-path messages.
#[test]
fn the_first_generate_says_to_back_up_the_master_key() {
    let env = Env::at(T0);
    let r = env.run(&["generate", "first", "-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains("created a new master key"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    assert!(line.contains("back it up"), "{line}");
    let r = env.run(&["generate", "second", "-q"]);
    assert!(
        !r.stderr.contains("back it up"),
        "only on the first run: {}",
        r.stderr
    );
}

#[test]
fn a_failed_import_into_a_missing_store_creates_nothing() {
    let env = Env::at(T0);
    // Row 2 passes the row checks but a new store refuses it (custom keys
    // need scoped-api on): a file and the same bytes on stdin.
    let other = Env::at(T0);
    other.ok(&["config", "set", "scoped-api", "on"]);
    other.generate("plain", &[]);
    other.generate("scoped", &["--type", "custom", "--allow", "GET /x"]);
    let export = other.dir.path().join("all.json");
    other.ok(&[
        "export",
        "--include-secrets",
        "--yes",
        "-o",
        export.to_str().unwrap(),
    ]);
    let err = env.fails(&["import", export.to_str().unwrap()], 4);
    assert_error_form(&err);
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(!env.db().exists(), "no store");
    assert!(!env.master().exists(), "no master key");
    let text = std::fs::read_to_string(&export).unwrap();
    let r = env.run_stdin(&["import", "-"], &text);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(!env.db().exists() && !env.master().exists());
    // The same file into a store that takes it: imported, from stdin too.
    env.ok(&["config", "set", "scoped-api", "on"]);
    let r = env.run_stdin(&["import", "-"], &text);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(env.show("scoped")["type"], "custom");
    // A missing store and good rows from stdin: created and imported.
    let fresh = Env::at(T0);
    let plain_only = Env::at(T0);
    plain_only.generate("plain", &[]);
    let one = plain_only.ok(&["export", "--include-secrets", "--yes", "--json"]);
    let r = fresh.run_stdin(&["import", "-"], &one);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(fresh.show("plain")["name"], "plain");
}

#[test]
fn a_bad_master_key_variable_and_a_text_file_as_store_get_their_own_hints() {
    let env = Env::at(T0);
    let value = env.generate("a", &[]);
    let r = env
        .cmd()
        .env_remove("KEYADM_MASTER_KEY_FILE")
        .env("KEYADM_MASTER_KEY", "/home/me/.config/keyadm/master.key")
        .args(["show", "a", "--value"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(5), "{stderr}");
    assert_error_form(&stderr);
    assert!(
        stderr.contains("hint: set KEYADM_MASTER_KEY to the key itself"),
        "{stderr}"
    );
    let notes = env.dir.path().join("notes.txt");
    std::fs::write(&notes, "my notes\n").unwrap();
    for args in [&["list"][..], &["generate", "b"], &["verify"]] {
        let mut all = vec!["--db", notes.to_str().unwrap()];
        all.extend_from_slice(args);
        let r = env.run_stdin(&all, &format!("{value}\n"));
        assert_eq!(r.code, 5, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("hint: check --db"),
            "{args:?}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("backup"), "{args:?}: {}", r.stderr);
    }
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes\n");
}
