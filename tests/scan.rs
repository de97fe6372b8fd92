//! `keyadm scan`: a tree with live, disabled, expired, unknown and
//! checksum-broken key strings; what is skipped; the exit code; --disable.

mod common;

use std::fs;
use std::path::Path;

use common::Env;
use serde_json::Value;

const T0: &str = "2026-06-01T12:00:00Z";
/// A valid checksum, in no store.
const STRANGER: &str = "kadm_e_0123456789ABCDEFGHIJKLMNOPQRSTUV3aA98p";

struct Tree {
    live: String,
    disabled: String,
    expired: String,
}

fn write(root: &Path, rel: &str, text: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// A store with three keys and a tree that holds them.
fn setup(env: &mut Env) -> Tree {
    let live = env.generate("live", &[]);
    let disabled = env.generate("off", &[]);
    let expired = env.generate("old", &["--expires", "1d"]);
    env.ok(&["disable", "off"]);
    env.now = Some("2026-06-03T12:00:00Z".into());
    let root = env.dir.path().join("tree");
    let broken = live[..live.len() - 1].to_string() + if live.ends_with('A') { "B" } else { "A" };
    write(
        &root,
        "src/config.py",
        format!("# settings\nAPI_KEY = \"{live}\"\n").as_bytes(),
    );
    write(
        &root,
        "docs/old.md",
        format!("use {disabled} or\n\nthe {expired}\n").as_bytes(),
    );
    write(
        &root,
        "notes.txt",
        format!("{STRANGER}\n{broken}\n").as_bytes(),
    );
    write(&root, ".git/config", live.as_bytes());
    write(
        &root,
        "image.bin",
        &[b"\x89PNG\0\0".as_slice(), live.as_bytes()].concat(),
    );
    let outside = env.dir.path().join("outside.txt");
    fs::write(&outside, &live).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("link.txt")).unwrap();
    std::os::unix::fs::symlink(env.dir.path(), root.join("up")).unwrap();
    Tree {
        live,
        disabled,
        expired,
    }
}

#[test]
fn reports_each_key_with_its_state_and_fails_on_an_active_one() {
    let mut env = Env::at(T0);
    let tree = setup(&mut env);
    let root = env.dir.path().join("tree");
    let r = env.run(&["scan", root.to_str().unwrap(), "--json"]);
    assert_eq!(r.code, 1, "an active key was found: {}", r.stderr);
    let j: Value = serde_json::from_str(&r.stdout).unwrap();
    let found: Vec<(String, u64, String)> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            let rel = path
                .strip_prefix(root.to_str().unwrap())
                .unwrap()
                .to_string();
            (
                rel,
                f["line"].as_u64().unwrap(),
                f["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("/notes.txt", 1, "unknown"),
        ("/docs/old.md", 1, "disabled"),
        ("/docs/old.md", 3, "expired"),
        ("/src/config.py", 2, "active"),
    ];
    let want: Vec<(String, u64, String)> = want
        .iter()
        .map(|(p, l, s)| (p.to_string(), *l, s.to_string()))
        .collect();
    assert_eq!(
        found, want,
        "the broken checksum, .git, the binary file and the symlinks are not reported"
    );
    assert_eq!(j["active"], 1);
    assert_eq!(j["binary_skipped"], 1);
    assert_eq!(j["symlinks_skipped"], 2);
    assert!(
        !r.stdout.contains(&tree.live)
            && !r.stdout.contains(&tree.disabled)
            && !r.stdout.contains(&tree.expired)
    );

    let human = env.run(&["scan", root.to_str().unwrap()]);
    assert_eq!(human.code, 1);
    assert!(
        human.stdout.contains("src/config.py:2: kadm_"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("active  key \"live\""),
        "{}",
        human.stdout
    );

    let quiet = env.run(&[
        "scan",
        root.join("docs").to_str().unwrap(),
        root.join("notes.txt").to_str().unwrap(),
    ]);
    assert_eq!(quiet.code, 0, "no active key: {}", quiet.stdout);
    env.fails(&["scan", "/nonexistent/dir"], 2);
}

#[test]
fn disable_disables_active_keys_with_reason_leaked_and_audits_it() {
    let mut env = Env::at(T0);
    setup(&mut env);
    let root = env.dir.path().join("tree");
    let r = env.run(&["scan", "--disable", root.to_str().unwrap()]);
    assert_eq!(r.code, 1, "the leak is still reported: {}", r.stderr);
    let k = env.show("live");
    assert_eq!(k["enabled"], false);
    assert_eq!(k["disabled_reason"], "leaked");
    assert_eq!(
        env.show("off")["disabled_reason"],
        Value::Null,
        "already disabled keys are left alone"
    );
    let c = rusqlite::Connection::open(env.db()).unwrap();
    let details: String = c
        .query_row(
            "SELECT details FROM audit WHERE action = 'disable' AND key_name = 'live'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        details.contains("leaked") && details.contains("config.py:2"),
        "{details}"
    );
    assert_eq!(
        env.run(&["scan", root.to_str().unwrap()]).code,
        0,
        "nothing active any more"
    );
}

#[test]
fn the_old_value_of_a_rotated_key_is_active_through_its_grace() {
    let mut env = Env::at(T0);
    let old = env.generate("billing", &[]);
    env.ok(&["rotate", "billing", "--grace", "1h"]);
    let file = env.dir.path().join("leak.txt");
    fs::write(&file, &old).unwrap();
    let j: Value =
        serde_json::from_str(&env.run(&["scan", file.to_str().unwrap(), "--json"]).stdout).unwrap();
    assert_eq!(j["findings"][0]["state"], "active");
    assert_eq!(j["findings"][0]["matched"], "previous");
    env.now = Some("2026-06-01T13:00:00Z".into());
    let r = env.run(&["scan", file.to_str().unwrap(), "--json"]);
    assert_eq!(r.code, 0);
    let j: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["findings"][0]["state"], "expired");
}

#[test]
fn scan_needs_an_existing_store_and_never_creates_one() {
    let env = Env::new();
    let file = env.dir.path().join("f.txt");
    fs::write(&file, STRANGER).unwrap();
    env.fails(&["scan", file.to_str().unwrap()], 5);
    env.fails(&["scan", "--disable", file.to_str().unwrap()], 5);
    assert!(!env.db().exists() && !env.master().exists());
}
