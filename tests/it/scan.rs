//! `keyadm scan`: a tree with live, disabled, expired, unknown and
//! checksum-broken key strings; what is skipped; the exit code; --disable.

use crate::common;

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

/// Runs `scan ARGS… --json` and fails the test if it does not end within
/// 20 s (a FIFO opened for reading would block forever).
fn scan_json_in_time(env: &Env, paths: &[&Path]) -> (i32, Value, String) {
    let out = env
        .cmd()
        .arg("scan")
        .arg("--json")
        .args(paths)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap_or_else(|e| panic!("scan {paths:?} hangs: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let j: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (
        out.status.code().unwrap(),
        j,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn lines_of(j: &Value) -> Vec<u64> {
    j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["line"].as_u64().unwrap())
        .collect()
}

#[test]
fn a_key_across_the_1_mib_piece_boundary_is_found_once() {
    let env = Env::at(T0);
    let live = env.generate("live", &[]);
    let file = env.dir.path().join("long.txt");
    // The value starts 20 bytes before the first piece ends, on line 2.
    let text = format!("first\n{}{live}   and more\n", " ".repeat((1 << 20) - 20));
    fs::write(&file, text).unwrap();
    let (code, j, err) = scan_json_in_time(&env, &[&file]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(lines_of(&j), [2], "found once, on its line: {j}");
    assert_eq!(j["findings"][0]["name"], "live");
    // And at every offset around the boundary (a few of them through the binary).
    for before in [(1 << 20) - 45, (1 << 20) - 44, (1 << 20) - 1, 1 << 20] {
        fs::write(
            &file,
            format!(
                "{}{live}\n",
                "x ".repeat(before / 2) + &" ".repeat(before % 2)
            ),
        )
        .unwrap();
        let (_, j, _) = scan_json_in_time(&env, &[&file]);
        assert_eq!(lines_of(&j), [1], "value at byte {before}: {j}");
    }
}

#[test]
fn utf16_files_with_a_byte_order_mark_are_scanned() {
    let env = Env::at(T0);
    let live = env.generate("live", &[]);
    let text = format!("# clé\r\nAPI_KEY=\"{live}\"\r\n{STRANGER}\r\n");
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    let (a, b) = (env.dir.path().join("le.txt"), env.dir.path().join("be.txt"));
    fs::write(&a, le).unwrap();
    fs::write(&b, be).unwrap();
    let (code, j, err) = scan_json_in_time(&env, &[&a, &b]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(j["binary_skipped"], 0, "{j}");
    assert_eq!(j["files"], 2);
    let found: Vec<(u64, &str)> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["line"].as_u64().unwrap(), f["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [(2, "active"), (3, "unknown"), (2, "active"), (3, "unknown")],
        "{j}"
    );
}

#[test]
fn fifos_sockets_and_devices_are_skipped_with_a_warning() {
    let env = Env::at(T0);
    let live = env.generate("live", &[]);
    let tree = env.dir.path().join("tree");
    fs::create_dir_all(&tree).unwrap();
    fs::write(tree.join("b.txt"), &live).unwrap();
    let fifo = tree.join("a.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let _socket = std::os::unix::net::UnixListener::bind(tree.join("c.sock")).unwrap();
    // Named on the command line: the FIFO, /dev/null; and the tree holding both kinds.
    let (code, j, err) = scan_json_in_time(&env, &[&fifo, Path::new("/dev/null"), &tree]);
    assert_eq!(code, 1, "the regular file is still scanned: {err}");
    assert_eq!(lines_of(&j), [1]);
    assert_eq!(j["files"], 1, "{j}");
    assert_eq!(j["special_skipped"], 4, "{j}");
    for (path, kind) in [
        (fifo.display().to_string(), "FIFO"),
        ("/dev/null".to_string(), "character device"),
        (tree.join("c.sock").display().to_string(), "socket"),
    ] {
        assert!(
            err.contains(&format!(
                "warning: skipped {path}: a {kind}, not a regular file"
            )),
            "{err}"
        );
    }
    assert_eq!(
        err.matches("a.fifo").count(),
        2,
        "named and met in the walk: {err}"
    );
}
