//! Show-once keys: the value is printed once and never stored; every way
//! of getting it back says it is not retrievable (exit 4).

use crate::common;

use common::Env;

#[test]
fn a_show_once_value_is_printed_once_and_never_again() {
    let env = Env::at("2026-11-22T17:45:00Z");
    let value = env.generate("once", &["--show-once"]);
    assert!(value.starts_with("kadm_e_") && value.len() == 45, "{value}");
    assert_eq!(env.show("once")["show_once"], true);
    let err = env.fails(&["show", "once", "--value"], 4);
    assert!(err.contains("not retrievable"), "{err}");
    assert!(err.contains("hint: ") && err.contains("rotate"), "{err}");
    env.fails(&["show", "once", "--reveal"], 4);
    let err = env.fails(&["export", "--include-secrets", "--yes"], 4);
    assert!(err.contains("shown once"), "{err}");
    // Without a terminal there is nobody to confirm: the command just ends.
    let r = env.run(&["generate", "twice", "--show-once"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("shown once"), "{}", r.stderr);
    // The value is not in the store's files, sealed or plain.
    let bytes = env.store_bytes();
    assert!(!bytes.windows(value.len()).any(|w| w == value.as_bytes()));
}

#[test]
fn copying_a_show_once_key_without_a_display_says_it_is_not_retrievable() {
    let env = Env::new();
    env.generate("once", &["--show-once"]);
    let r: common::Run = env
        .cmd()
        .env_remove("DISPLAY")
        .args(["copy", "once"])
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(r.stderr.contains("not retrievable"), "{}", r.stderr);
}
