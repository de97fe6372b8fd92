//! Found by the release test run over the README and cross-feature flows.
mod common;
use common::Env;

/// `notify` counts its notices in words that agree with the number:
/// "1 notice due", not "1 notices due".
#[test]
fn notify_summary_agrees_with_the_count() {
    let env = Env::at("2026-11-24T08:00:00Z");
    env.generate("agents", &["--type", "internal"]);
    env.generate("billing", &["--expires", "2026-12-01T08:00:00Z"]);
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
    env.generate("reports", &["--expires", "2026-12-01T09:00:00Z"]);
    env.generate("orders", &["--expires", "2026-12-01T10:00:00Z"]);
    let r = env.run(&["notify", "--dry-run"]);
    assert!(
        r.stderr.contains("notify (dry run): 2 notices due."),
        "{}",
        r.stderr
    );
}

/// A missing required argument's usage hint names what the subcommand needs,
/// not the global options that came from the environment (`KEYADM_DB`,
/// `KEYADM_MASTER_KEY_FILE`, `KEYADM_ACTOR`), which are optional.
#[test]
fn usage_hint_leaves_out_globals_from_the_environment() {
    let env = Env::new();
    env.generate("billing", &[]);
    let err = env.fails(&["sign", "billing"], 2);
    assert!(
        err.contains("hint: usage: keyadm sign [OPTIONS] --url <URL> <KEY>"),
        "{err}"
    );
    for global in ["--db", "--master-key-file", "--actor"] {
        assert!(!err.contains(global), "{global} in {err}");
    }
}
