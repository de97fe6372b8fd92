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
