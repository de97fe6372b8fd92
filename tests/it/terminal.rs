//! The terminal experience (issue 15, items 1–14 and 22): tables that fit
//! the terminal, script-friendly piped tables, colours, and the guardrails
//! of rotation and expiry.

use crate::common;

use common::pty::{have_script, Pty, T0};
use common::Env;

/// Ten keys with every column filled, two of them with long descriptions.
fn ten_keys() -> Env {
    let env = Env::at(T0);
    env.ok(&["org", "add", "acme/sales"]);
    for i in 0..10 {
        let name = format!("billing-service-{i:02}");
        let desc = if i % 5 == 0 {
            "a description long enough to need wrapping in a narrow terminal window"
        } else {
            "monthly reports"
        };
        env.generate(
            &name,
            &[
                "--description",
                desc,
                "--expires",
                "90d",
                "--org",
                "acme/sales",
            ],
        );
    }
    env
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn width(line: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(strip_ansi(line).as_str())
}

#[test]
fn list_fits_every_width_from_40_without_rules_keeping_name_state_and_key() {
    if !have_script() {
        return;
    }
    let env = ten_keys();
    for cols in [40, 60, 80, 120, 200] {
        let (code, screen) = Pty::run_at(&env, cols, &["list"], &[]);
        assert_eq!(code, 0, "{screen}");
        let lines: Vec<&str> = screen.lines().collect();
        for line in &lines {
            assert!(
                width(line) <= cols,
                "{cols}: too wide ({}): {line:?}\n{screen}",
                width(line)
            );
            assert!(
                !line.contains('─') && !line.contains('-'.to_string().repeat(5).as_str()),
                "{cols}: a rule line: {line:?}"
            );
        }
        let header = lines.iter().find(|l| l.contains("NAME")).expect("a header");
        for kept in ["NAME", "STATE", "KEY"] {
            assert!(
                header.contains(kept),
                "{cols}: {kept} hidden: {header:?}\n{screen}"
            );
        }
        // No rule between rows: at most one extra line per wrapped description.
        let table_lines = lines
            .iter()
            .take_while(|l| !l.starts_with("hidden") && !l.ends_with(" keys"))
            .count();
        let most = if cols >= 80 {
            1 + 10 + 2 * 3
        } else {
            1 + 2 * 10
        };
        assert!(table_lines <= most, "{cols}: {table_lines} lines\n{screen}");
        if cols < 200 {
            let note = screen
                .split("hidden to fit the terminal: ")
                .nth(1)
                .unwrap_or_else(|| panic!("{cols}: no note: {screen}"));
            assert!(
                note.replace('\n', " ").contains("LAST USED"),
                "{cols}: {screen}"
            );
        } else {
            assert!(!screen.contains("hidden"), "{cols}: {screen}");
        }
    }
    // At 80 columns ID, KEY and CREATED BY are not the first to go.
    let (_, screen) = Pty::run_at(&env, 80, &["list"], &[]);
    let header = screen.lines().find(|l| l.contains("NAME")).unwrap();
    assert!(
        header.contains("KEY") && header.contains("EXPIRES"),
        "{screen}"
    );
    // -o wide keeps every column; --columns picks and orders them.
    let (_, screen) = Pty::run_at(&env, 60, &["list", "-o", "wide"], &[]);
    let header = screen.lines().find(|l| l.contains("NAME")).unwrap();
    assert!(
        header.contains("LAST USED") && header.contains("CREATED BY"),
        "{screen}"
    );
    let (_, screen) = Pty::run_at(&env, 60, &["list", "--columns", "expires,name"], &[]);
    let header = screen.lines().find(|l| l.contains("NAME")).unwrap();
    assert!(
        header.starts_with("EXPIRES") && !header.contains("STATE"),
        "{header:?}"
    );
}

#[test]
fn piped_list_keeps_every_column_in_order_without_blanks_around() {
    let env = ten_keys();
    let out = env.ok(&["list"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 11, "{out}");
    let header: Vec<&str> = lines[0]
        .split("  ")
        .filter(|c| !c.is_empty())
        .map(str::trim)
        .collect();
    assert_eq!(
        header,
        [
            "ID",
            "NAME",
            "TYPE",
            "STATE",
            "ORG",
            "DESCRIPTION",
            "ISSUED",
            "EXPIRES",
            "CREATED BY",
            "KEY",
            "LAST USED"
        ]
    );
    for l in &lines {
        assert_eq!(*l, l.trim(), "blanks around {l:?}");
    }
    // awk's fields: the name is the second.
    assert!(lines[1]
        .split_whitespace()
        .nth(1)
        .unwrap()
        .starts_with("billing-service-"));
}

#[test]
fn list_format_tsv_is_tab_separated_one_row_a_line() {
    let env = ten_keys();
    let out = env.ok(&["list", "--format", "tsv"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 11, "{out}");
    for l in &lines {
        assert_eq!(l.split('\t').count(), 11, "{l:?}");
        assert_eq!(*l, l.trim(), "blanks around {l:?}");
    }
    let row: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!(row[1], "billing-service-00");
    assert_eq!(
        row[5],
        "a description long enough to need wrapping in a narrow terminal window"
    );
    let out = env.ok(&["list", "-o", "tsv", "--columns", "name,state"]);
    assert_eq!(out.lines().next(), Some("NAME\tSTATE"));
    assert_eq!(out.lines().nth(1), Some("billing-service-00\tenabled"));
    let err = env.fails(&["list", "--columns", "name,colour"], 2);
    common::assert_error_form(&err);
    assert!(err.contains("colour") && err.contains("last-used"), "{err}");
}

#[test]
fn piped_tables_of_rotate_config_org_and_audit_have_no_blanks_around() {
    let env = Env::at(T0);
    env.ok(&["org", "add", "acme/sales"]);
    env.generate("billing", &["--org", "acme/sales"]);
    for args in [
        &["rotate", "billing", "--grace", "1h"][..],
        &["config", "list"],
        &["org", "list"],
        &["audit"],
        &["operator", "list"],
    ] {
        let out = env.ok(args);
        assert!(!out.trim().is_empty(), "{args:?}: empty");
        for l in out.lines() {
            assert_eq!(l, l.trim(), "{args:?}: blanks around {l:?}\n{out}");
        }
    }
}

#[test]
fn color_always_beats_no_color() {
    let env = Env::at(T0);
    env.generate("billing", &[]);
    // The harness sets NO_COLOR=1.
    let out = env.ok(&["--color", "always", "list"]);
    assert!(out.contains("\x1b[32menabled"), "no colour: {out:?}");
    let out = env.ok(&["list"]);
    assert!(!out.contains('\x1b'), "{out:?}");
}

/// Item 12: every error keyadm builds carries a hint. Each constructor call
/// in `src/` (outside test modules) is followed by `.hint(`, or is bound to
/// a name whose `.hint(` follows within the function, or says `// hinted below`.
#[test]
fn every_error_constructor_has_a_hint() {
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    /// The index just past the `)` closing the call opened before `from`.
    fn close(s: &[u8], mut i: usize) -> usize {
        let mut depth = 1;
        while depth > 0 && i < s.len() {
            match s[i] {
                b'"' => {
                    i += 1;
                    while i < s.len() && s[i] != b'"' {
                        if s[i] == b'\\' {
                            i += 1;
                        }
                        i += 1;
                    }
                }
                b'\'' if i + 2 < s.len() && s[i + 2] == b'\'' => i += 2,
                b'(' => depth += 1,
                b')' => depth -= 1,
                _ => {}
            }
            i += 1;
        }
        i
    }
    let mut all = Vec::new();
    files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut all,
    );
    let mut missing = Vec::new();
    let mut seen = 0;
    for path in all {
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        let bytes = code.as_bytes();
        for kind in [
            "usage(",
            "not_found(",
            "refused(",
            "environment(",
            "cancelled(",
        ] {
            let needle = format!("Error::{kind}");
            for (at, _) in code.match_indices(&needle) {
                let line_start = code[..at].rfind('\n').map_or(0, |i| i + 1);
                let line_end = code[at..].find('\n').map_or(code.len(), |i| at + i);
                let line = &code[line_start..line_end];
                if line.contains("pub fn ") || line.trim_start().starts_with("//") {
                    continue;
                }
                seen += 1;
                let end = close(bytes, at + needle.len());
                let after = code[end..].trim_start();
                let bound = line
                    .trim_start()
                    .strip_prefix("let ")
                    .and_then(|l| l.split(" =").next())
                    .map(|name| {
                        let rest: String =
                            code[end..].lines().take(30).collect::<Vec<_>>().join("\n");
                        rest.contains(&format!("{name}.hint("))
                    })
                    .unwrap_or(false);
                if !(after.starts_with(".hint(") || line.contains("// hinted below") || bound) {
                    let n = code[..at].matches('\n').count() + 1;
                    missing.push(format!("{}:{n}: {}", path.display(), line.trim()));
                }
            }
        }
    }
    assert!(
        seen > 150,
        "only {seen} constructors found: is the scan broken?"
    );
    assert!(
        missing.is_empty(),
        "errors without a hint:\n{}",
        missing.join("\n")
    );
}

/// Runs with another KEYADM_NOW on the same store.
fn run_at(env: &Env, now: &str, args: &[&str]) -> common::Run {
    env.cmd()
        .env("KEYADM_NOW", now)
        .args(args)
        .output()
        .unwrap()
        .into()
}

#[test]
fn rotating_a_key_in_grace_warns_naming_the_value_that_stops_working() {
    let env = Env::at(T0);
    env.generate("billing", &[]);
    env.ok(&["rotate", "billing", "--grace", "7d"]);
    let prev = env.show("billing")["previous"]["key"]
        .as_str()
        .unwrap()
        .to_string();
    // No terminal: warn on stderr and go on.
    let r = env.run(&["rotate", "billing", "--grace", "7d"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("warning: key \"billing\": its previous value")
            && r.stderr.contains(&prev)
            && r.stderr.contains("stops working now"),
        "{}",
        r.stderr
    );
    // A first rotation ends nothing early: no warning.
    env.generate("fresh", &[]);
    let r = env.run(&["rotate", "fresh"]);
    assert!(!r.stderr.contains("stops working"), "{}", r.stderr);
}

#[test]
fn rotating_a_key_in_grace_asks_on_a_terminal_but_rotate_due_never_does() {
    if !have_script() {
        return;
    }
    let env = Env::at(T0);
    env.generate("billing", &["--rotate-every", "1d"]);
    env.ok(&["rotate", "billing", "--grace", "7d"]);
    let before = env.show("billing")["key"].clone();
    let mut t = Pty::spawn(&env, &["rotate", "billing"], &[]);
    t.answer("Rotate anyway", "n");
    let (code, screen) = t.finish();
    assert_eq!(code, 6, "a no is a cancellation: {screen}");
    assert!(screen.contains("stops working now"), "{screen}");
    assert_eq!(env.show("billing")["key"], before, "rotated after a no");
    // Two days on the policy is due and the old value still in grace.
    let later = "2026-11-24T18:00:00Z";
    let (code, screen) = Pty::run_at(&env, 80, &["rotate", "--due"], &[("KEYADM_NOW", later)]);
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains("Rotate anyway"), "--due asked: {screen}");
    assert!(screen.contains("stops working now"), "{screen}");
    assert_ne!(env.show("billing")["key"], before);
}

#[test]
fn rotating_a_show_once_key_asks_whether_the_new_value_is_stored() {
    if !have_script() {
        return;
    }
    let env = Env::at(T0);
    env.generate("vault", &["--show-once"]);
    let mut t = Pty::spawn(&env, &["rotate", "vault", "--grace", "0"], &[]);
    t.answer("Have you stored the value?", "y");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    let shown = env.ok(&["show", "vault"]);
    assert!(shown.contains("shown once, at rotation"), "{shown}");
    assert!(!shown.contains("at generation"), "{shown}");
}

#[test]
fn rotate_due_dry_run_lists_the_due_keys_and_changes_nothing() {
    let env = Env::at(T0);
    env.generate("due", &["--rotate-every", "1d"]);
    env.generate("later", &["--rotate-every", "30d"]);
    let before = env.store_bytes();
    let later = "2026-11-24T18:00:00Z";
    let r = run_at(&env, later, &["rotate", "--due", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("due") && !r.stdout.contains("later"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("1 key would be rotated"), "{}", r.stderr);
    let r = run_at(&env, later, &["rotate", "--due", "--dry-run", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["keys"].as_array().unwrap().len(), 1);
    assert!(!r.stdout.contains("kadm_e_") || v["keys"][0]["key"].as_str().unwrap().contains('…'));
    assert!(env.store_bytes() == before, "a dry run changed the store");
}

#[test]
fn long_graces_and_a_max_lifetime_that_existing_keys_break_are_warned_about() {
    let env = Env::at(T0);
    for n in ["a", "b", "c"] {
        env.generate(n, &["--expires", "90d"]);
    }
    env.generate("d", &["--expires", "10d"]);
    let r = env.run(&["rotate", "a", "--grace", "400d"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("warning: a grace of 400d"),
        "{}",
        r.stderr
    );
    let r = env.run(&["config", "set", "rotation-grace", "2y"]);
    assert!(r.stderr.contains("warning: a grace of 2y"), "{}", r.stderr);
    let r = env.run(&["config", "set", "max-lifetime", "30d"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("warning: 3 keys break max-lifetime 30d")
            && r.stderr.contains("keyadm list --violations"),
        "{}",
        r.stderr
    );
    assert_eq!(env.ok(&["list", "--violations", "-q"]).lines().count(), 3);
}

#[test]
fn expiries_under_an_hour_warn_and_min_and_mo_are_units() {
    let env = Env::at(T0);
    let r = env.run(&["generate", "short", "--expires", "6m"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("warning: the key expires in 6 minutes"),
        "{}",
        r.stderr
    );
    let r = env.run(&["generate", "quarter", "--expires", "15min"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(env.show("quarter")["expires_at"], "2026-11-22T18:00:00Z");
    let r = env.run(&["generate", "half-year", "--expires", "6mo"]);
    assert!(
        !r.stderr.contains("warning: the key expires"),
        "{}",
        r.stderr
    );
    assert_eq!(env.show("half-year")["expires_at"], "2027-05-21T17:45:00Z");
    let r = env.run(&["edit", "half-year", "--expires", "30m"]);
    assert!(
        r.stderr.contains("warning: the key expires in 30 minutes"),
        "{}",
        r.stderr
    );
}

#[test]
fn days_left_are_rounded_up_everywhere() {
    let env = Env::at(T0);
    env.generate("ninety", &["--expires", "90d"]);
    let r = run_at(&env, "2026-11-22T17:45:01Z", &["show", "ninety"]);
    assert!(r.stdout.contains("(in 90 days)"), "{}", r.stdout);
}

#[test]
fn a_disabled_key_shows_no_working_previous_value_nor_a_due_rotation() {
    let env = Env::at(T0);
    env.generate("billing", &["--rotate-every", "30d"]);
    env.ok(&["rotate", "billing", "--grace", "7d"]);
    env.ok(&["disable", "billing"]);
    let shown = env.ok(&["show", "billing"]);
    assert!(
        !shown.contains("works until") && !shown.contains("next due"),
        "{shown}"
    );
    assert!(
        shown.contains("does not work while the key is disabled"),
        "{shown}"
    );
    assert!(
        shown.contains("not due while the key is disabled"),
        "{shown}"
    );
}

#[test]
fn list_sorts_never_first_reversed_and_expired_includes_swept_keys() {
    let env = Env::at(T0);
    env.generate("forever", &["--expires", "never"]);
    env.generate("soon", &["--expires", "1d"]);
    env.generate("later", &["--expires", "30d"]);
    let names = |args: &[&str]| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(&env.ok(args)).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|k| k["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(&["list", "--sort", "expires", "--json"]),
        ["soon", "later", "forever"]
    );
    assert_eq!(
        names(&["list", "--sort", "expires", "--reverse", "--json"]),
        ["forever", "later", "soon"]
    );
    // Two days on: "soon" expired; a sweep disables it; it is still expired.
    let later = "2026-11-24T18:00:00Z";
    let r = run_at(&env, later, &["sweep"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run_at(&env, later, &["list", "--expired", "-q"]);
    assert_eq!(
        r.stdout.trim(),
        env.show("soon")["id"].as_str().unwrap(),
        "{}",
        r.stderr
    );
}

#[test]
fn a_date_format_without_a_specifier_is_refused_and_one_format_is_used_everywhere() {
    let env = Env::at(T0);
    env.generate("billing", &["--expires", "10d"]);
    common::assert_error_form(&env.fails(&["--date-format", "hello", "list"], 2));
    common::assert_error_form(&env.fails(&["config", "set", "date-format", "hello"], 2));
    // rotate --exec's table shows the chosen format.
    let out = env.ok(&[
        "--date-format",
        "%d.%m.%Y %H:%M",
        "rotate",
        "billing",
        "--grace",
        "1d",
        "--exec",
        "cat >/dev/null",
    ]);
    assert!(out.contains("23.11.2026 17:45"), "{out}");
    // And notify's lines.
    env.ok(&["config", "set", "date-format", "%d.%m.%Y"]);
    let r = run_at(&env, "2026-11-30T17:45:00Z", &["notify", "--dry-run"]);
    assert!(
        r.stdout.contains("expires 02.12.2026"),
        "{}{}",
        r.stdout,
        r.stderr
    );
}

#[test]
fn a_custom_key_may_allow_head_and_options() {
    let env = Env::at(T0);
    env.ok(&["config", "set", "scoped-api", "on"]);
    let v = env.generate(
        "cors",
        &[
            "--type",
            "custom",
            "--allow",
            "OPTIONS /api/**",
            "--allow",
            "HEAD /health",
        ],
    );
    for (method, url, code) in [
        ("OPTIONS", "/api/v1/x", 0),
        ("HEAD", "/health", 0),
        ("GET", "/health", 1),
    ] {
        let r = env.run_stdin(
            &["verify", "--method", method, "--url", url],
            &format!("{v}\n"),
        );
        assert_eq!(r.code, code, "{method} {url}: {}{}", r.stdout, r.stderr);
    }
}

#[test]
fn audit_by_matches_the_declared_actor_or_the_os_account_and_actor_still_filters_with_a_warning() {
    let env = Env::at(T0);
    env.generate("mine", &[]);
    env.ok_as("alice", &["generate", "hers", "-q"]);
    let entries = |args: &[&str]| -> Vec<serde_json::Value> {
        let r = env.run(args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        serde_json::from_str::<serde_json::Value>(&r.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    let by_alice = entries(&["audit", "--by", "alice", "--json"]);
    assert_eq!(by_alice.len(), 1, "{by_alice:?}");
    assert_eq!(by_alice[0]["key_name"], "hers");
    let os = by_alice[0]["os_user"]
        .as_str()
        .expect("the OS account is recorded")
        .to_string();
    let by_os = entries(&["audit", "--by", &os, "--json"]);
    assert!(
        by_os.len() >= 2,
        "the OS account ran every command: {by_os:?}"
    );
    // --actor on the command line still filters, with a warning.
    let r = env.run(&["--actor", "alice", "audit", "--json"]);
    assert!(
        r.stderr.contains("warning: audit --actor") && r.stderr.contains("--by alice"),
        "{}",
        r.stderr
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
}

#[test]
fn audit_details_read_field_before_after_on_a_terminal_and_stay_json_piped() {
    let env = Env::at(T0);
    env.generate("billing", &["--description", "old words"]);
    env.ok(&["edit", "billing", "--description", "new words"]);
    env.ok(&["config", "set", "date-format", "eu"]);
    let piped = env.ok(&["audit"]);
    assert!(
        piped.contains(r#""before":"old words""#) || piped.contains(r#""before": "old words""#),
        "{piped}"
    );
    if !have_script() {
        return;
    }
    let (code, screen) = Pty::run_at(&env, 200, &["audit"], &[]);
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("description: old words → new words"),
        "{screen}"
    );
    assert!(screen.contains("date-format: iso → eu"), "{screen}");
    assert!(!screen.contains(r#"{"changes""#), "{screen}");
    let (_, narrow) = Pty::run_at(&env, 60, &["audit"], &[]);
    for line in narrow.lines() {
        assert!(width(line) <= 60, "too wide: {line:?}\n{narrow}");
    }
}
