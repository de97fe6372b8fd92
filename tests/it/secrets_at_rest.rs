//! Hardening item 18: what a deleted or replaced value leaves behind, and
//! what other processes of the same account can read of keyadm's secrets.

use crate::common;

use std::process::Command as Std;

use common::{proof, Env};

/// The sealed bytes of a key, as the store holds them.
fn sealed(env: &Env, name: &str) -> Vec<u8> {
    let c = rusqlite::Connection::open(env.db()).unwrap();
    c.query_row("SELECT sealed FROM keys WHERE name = ?1", [name], |r| {
        r.get(0)
    })
    .unwrap()
}

fn files_hold(env: &Env, bytes: &[u8]) -> bool {
    let all = env.store_bytes();
    all.windows(bytes.len()).any(|w| w == bytes)
}

#[test]
fn deleted_and_rotated_away_values_leave_no_sealed_bytes_in_the_store_or_its_wal() {
    let env = Env::new();
    env.generate("gone", &[]);
    env.generate("rotated", &[]);
    let gone = sealed(&env, "gone");
    let old = sealed(&env, "rotated");
    assert!(
        files_hold(&env, &gone) && files_hold(&env, &old),
        "the test sees sealed bytes"
    );
    env.ok(&["disable", "gone"]);
    env.ok(&["delete", "gone", "--yes"]);
    assert!(
        !files_hold(&env, &gone),
        "a deleted key's sealed value is still in keys.db or its WAL"
    );
    env.ok(&["rotate", "rotated", "--grace", "0", "-q"]);
    assert!(
        !files_hold(&env, &old),
        "a rotated-away value is still in keys.db or its WAL"
    );
}

/// A hook runs as the same account as keyadm: it must not read the master
/// key from keyadm's /proc/PID/environ (keyadm is not dumpable).
#[test]
fn a_hook_cannot_read_the_inline_master_key_from_keyadms_environment() {
    if !proof::is_root() {
        return proof::lacking("running keyadm as an unprivileged account needs root and setpriv");
    }
    let env = Env::new();
    let dir = env.dir.path();
    let master = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=";
    let bin = dir.join("keyadm");
    std::fs::copy(assert_cmd::cargo::cargo_bin("keyadm"), &bin).unwrap();
    let store = dir.join("s");
    std::fs::create_dir(&store).unwrap();
    assert!(Std::new("chown")
        .args(["-R", "nobody"])
        .arg(dir)
        .status()
        .unwrap()
        .success());
    let run = |args: &[&str]| {
        Std::new("setpriv")
            .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
            .arg(&bin)
            .args(args)
            .env_clear()
            .env("KEYADM_DB", store.join("keys.db"))
            .env("KEYADM_MASTER_KEY", master)
            .env("KEYADM_ACTOR", "nobody")
            .env("HOME", dir)
            .current_dir(dir)
            .output()
            .unwrap()
    };
    let out = run(&["generate", "api", "-q"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let leak = dir.join("leak");
    let hook = format!(
        "cat /proc/$PPID/environ > {0} 2>/dev/null || echo unreadable > {0}; cat >/dev/null",
        leak.display()
    );
    let out = run(&["rotate", "api", "-q", "--exec", &hook]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = std::fs::read(&leak).unwrap();
    assert!(
        !seen.windows(master.len()).any(|w| w == master.as_bytes()),
        "the hook read the master key"
    );
}
