//! The render layer: one report printed in the form the global options
//! chose (human, `-q`, `--json`), and colours decided once for stdout and
//! stderr alike.

use crate::common;

use common::{Env, Run};

#[test]
fn one_report_prints_in_the_form_the_options_chose() {
    let env = Env::new();
    env.ok(&["init"]);
    let human = env.run(&["org", "add", "acme"]);
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert_eq!(human.stdout, "");
    assert_eq!(human.stderr, "Created organization acme.\n");
    let quiet = env.run(&["-q", "org", "add", "beta"]);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert_eq!((quiet.stdout.as_str(), quiet.stderr.as_str()), ("", ""));
    let json = env.ok(&["--json", "org", "add", "gamma"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(v["created"], serde_json::json!(["gamma"]), "{json}");
    // A report with its own -q form: the names alone.
    let names = env.ok(&["-q", "org", "list"]);
    assert!(names.lines().any(|l| l == "acme"), "{names}");
    assert!(!names.contains("ORGANIZATION"), "{names}");
}

#[test]
fn color_always_colours_warnings_and_hints_on_stderr_but_never_json() {
    let env = Env::new();
    env.ok(&["init"]);
    let run = |args: &[&str]| -> Run {
        env.cmd()
            .env("KEYADM_DATE_FORMAT", "%Q")
            .args(args)
            .output()
            .expect("binary runs")
            .into()
    };
    let r = run(&["--color", "always", "show", "nope"]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr
            .starts_with("\x1b[33mwarning:\x1b[0m KEYADM_DATE_FORMAT"),
        "{:?}",
        r.stderr
    );
    assert!(
        r.stderr.contains("\x1b[31merror:\x1b[0m "),
        "{:?}",
        r.stderr
    );
    let r = run(&["--color", "never", "show", "nope"]);
    assert!(!r.stderr.contains('\x1b'), "{:?}", r.stderr);
    assert!(
        r.stderr.starts_with("warning: KEYADM_DATE_FORMAT"),
        "{:?}",
        r.stderr
    );
    env.generate("a", &[]);
    let r = run(&["--color", "always", "--json", "list"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains('\x1b'), "{:?}", r.stdout);
}
