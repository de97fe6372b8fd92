//! The command line itself: a usage error's hint names what the subcommand
//! needs, and a command's help shows its own options before the global ones.

use crate::common;

use common::Env;

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

#[test]
fn a_commands_help_puts_its_own_options_before_the_global_ones() {
    let env = Env::new();
    let help = env.ok(&["rotate", "--help"]);
    let own = help.find("--grace").expect("--grace in help");
    let global = help
        .find("Global options:")
        .expect("a Global options heading");
    assert!(own < global, "{help}");
    assert!(help.find("--db").unwrap() > global, "{help}");
}
