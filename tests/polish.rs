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
