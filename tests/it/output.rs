//! Output keyadm cannot write or that goes where it did not expect: a
//! reader that goes away (closed pipe), a full disk, `--color`, and a
//! narrow terminal.

use crate::common;

use std::fs::File;
use std::process::{Command, Stdio};

use common::{Env, Run};

/// The binary with the environment of `Env::std_cmd` (so that its stdout
/// can be any file or a pipe we close), stdin empty, stderr piped.
fn std_cmd(env: &Env, args: &[&str]) -> Command {
    let mut c = env.std_cmd();
    c.args(args).stdin(Stdio::null()).stderr(Stdio::piped());
    c
}

/// Runs with stdout a pipe whose reader is gone before keyadm writes (as
/// with `keyadm … | head -1` once head has its line).
fn into_closed_pipe(env: &Env, args: &[&str]) -> Run {
    // The read end is closed before keyadm starts: every write fails (no race).
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    std_cmd(env, args)
        .stdout(writer)
        .output()
        .expect("binary runs")
        .into()
}

/// Runs with stdout on /dev/full: every write fails with "no space left".
fn into_full_disk(env: &Env, args: &[&str]) -> Run {
    let full = File::create("/dev/full").expect("/dev/full exists on Linux");
    std_cmd(env, args)
        .stdout(full)
        .output()
        .expect("binary runs")
        .into()
}

#[test]
fn completions_into_a_closed_pipe_do_not_panic() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish"] {
        let r = into_closed_pipe(&env, &["completions", shell]);
        assert!(!r.stderr.contains("panicked"), "{shell}: {}", r.stderr);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert_eq!(r.stderr, "", "{shell}");
    }
}

#[test]
fn a_reader_that_goes_away_ends_list_quietly() {
    let env = Env::new();
    env.generate("a", &[]);
    env.generate("b", &[]);
    for args in [
        &["list", "--json"][..],
        &["list"],
        &["export", "--format", "json"],
        &["audit", "--json"],
    ] {
        let r = into_closed_pipe(&env, args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("error"), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn output_that_cannot_be_written_is_an_error() {
    let env = Env::new();
    env.generate("a", &[]);
    let r = into_full_disk(&env, &["list"]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(r.stderr.contains("error: "), "{}", r.stderr);
    assert!(r.stderr.contains("hint: "), "{}", r.stderr);
}

#[test]
fn generate_whose_value_cannot_be_printed_says_so_and_names_the_way_back() {
    // The value is printed after the commit (a printed value always
    // exists, even if keyadm is killed right after): a failed write is
    // exit 5 naming the key and how to get at it.
    let env = Env::new();
    env.generate("first", &[]);
    let r = into_full_disk(&env, &["generate", "full", "-q"]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(r.stderr.contains("was generated"), "{}", r.stderr);
    assert!(
        r.stderr.contains("show ") && r.stderr.contains("--value"),
        "{}",
        r.stderr
    );
    assert_eq!(env.ok(&["show", "full", "--value"]).trim().len(), 45);
    let r = into_full_disk(&env, &["generate", "once", "-q", "--show-once"]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(r.stderr.contains("rotate"), "{}", r.stderr);
    let r = into_closed_pipe(&env, &["generate", "piped", "--json"]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    env.ok(&["show", "piped"]);
}

#[test]
fn rotate_whose_new_values_cannot_be_printed_says_so_and_keeps_them_retrievable() {
    // Values are printed after the commit (a printed value always works,
    // even if keyadm is killed right after): a failed write is exit 5, and
    // the new value can still be seen, the old one works for its grace.
    let env = Env::new();
    let value = env.generate("a", &[]);
    let r = into_full_disk(&env, &["rotate", "a", "-q"]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(r.stderr.contains("were rotated"), "{}", r.stderr);
    assert!(r.stderr.contains("show KEY --value"), "{}", r.stderr);
    let new = env.ok(&["show", "a", "--value"]).trim().to_string();
    assert_ne!(new, value);
    assert!(
        !env.show("a")["previous"].is_null(),
        "the old value keeps its grace"
    );
    let r = into_closed_pipe(&env, &["rotate", "a", "--json"]);
    assert_eq!(r.code, 5, "{}", r.stderr);
}

#[test]
fn color_always_colours_the_table_and_the_error_lines_when_piped() {
    let env = Env::new();
    env.generate("a", &[]);
    let run = |args: &[&str]| -> Run {
        env.cmd()
            .env_remove("NO_COLOR")
            .args(args)
            .output()
            .expect("binary runs")
            .into()
    };
    let r = run(&["--color", "always", "list"]);
    assert!(r.stdout.contains("\x1b["), "no colour: {:?}", r.stdout);
    let r = run(&["--color", "always", "show", "nope"]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.starts_with("\x1b[31merror:"), "{:?}", r.stderr);
    // Piped and not asked for: plain text.
    let r = run(&["list"]);
    assert!(!r.stdout.contains('\x1b'), "{:?}", r.stdout);
    let r = run(&["show", "nope"]);
    assert!(r.stderr.starts_with("error: "), "{:?}", r.stderr);
}

#[test]
fn audit_output_that_cannot_be_written_is_an_error() {
    let env = Env::new();
    env.generate("a", &[]);
    for args in [
        &["audit", "verify", "-q"][..],
        &["audit", "verify"],
        &["audit"],
    ] {
        let r = into_full_disk(&env, args);
        assert_eq!(r.code, 5, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("error: "), "{args:?}: {}", r.stderr);
    }
}

/// `keyadm ARGS` on a pseudo-terminal COLS wide (util-linux `script`, which
/// the prompt tests need too); returns what the terminal showed.
fn on_terminal(env: &Env, cols: u16, args: &[&str]) -> String {
    let bin = assert_cmd::cargo::cargo_bin("keyadm");
    let mut line = format!("stty cols {cols} rows 40; '{}'", bin.display());
    for a in args {
        line.push_str(&format!(" '{a}'"));
    }
    let mut script = Command::new("script");
    let out = env
        .apply(&mut script)
        .args(["-qfec", &line, "/dev/null"])
        .env("TERM", "xterm")
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) runs");
    String::from_utf8_lossy(&out.stdout).replace('\r', "")
}

#[test]
fn a_narrow_terminal_hides_the_description_rather_than_shredding_it() {
    let env = Env::new();
    let long = "the billing service in production, used by invoicing";
    env.generate("billing-service-prod", &["--description", long]);
    for cols in [60, 80, 100] {
        let screen = on_terminal(&env, cols, &["--color", "never", "list"]);
        assert!(screen.contains("billing-service-prod"), "{cols}: {screen}");
        // Table lines (not the notes under it) fit; the header is whole or
        // absent, never broken over lines.
        for l in screen.lines().filter(|l| l.starts_with([' ', '─', '═'])) {
            assert!(
                l.chars().count() <= cols as usize,
                "{cols}: {l:?}\n{screen}"
            );
            assert!(
                !l.contains("DES") || l.contains("DESCRIPTION"),
                "{cols}:\n{screen}"
            );
        }
    }
}
