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

/// `scan ARGS…` run in `dir`.
fn scan_in(env: &Env, dir: &Path, args: &[&str]) -> common::Run {
    env.cmd()
        .current_dir(dir)
        .arg("scan")
        .args(args)
        .output()
        .expect("binary runs")
        .into()
}

fn paths_of(j: &Value) -> Vec<String> {
    j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

/// A repository-like tree: a gitignored `.env` and a `.ignore`d log, each
/// with a live key, and a hidden file nothing ignores with another.
fn ignored_tree(env: &Env) -> (std::path::PathBuf, String) {
    let live = env.generate("live", &[]);
    let root = env.dir.path().join("repo");
    write(&root, ".gitignore", b".env\n*.log\n");
    write(&root, ".env", format!("API_KEY={live}\n").as_bytes());
    write(&root, "sub/.ignore", b"cache.txt\n");
    write(&root, "sub/cache.txt", live.as_bytes());
    write(&root, "debug.log", live.as_bytes());
    write(
        &root,
        ".config/hidden.txt",
        format!("x {live}\n").as_bytes(),
    );
    write(&root, "src/main.rs", b"fn main() {}\n");
    write(&root, ".git/HEAD", live.as_bytes());
    (root, live)
}

#[test]
fn without_a_path_scan_reads_the_current_folder_gitignored_files_included() {
    let env = Env::new();
    let (root, _) = ignored_tree(&env);
    let r = scan_in(&env, &root, &["--json"]);
    assert_eq!(
        r.code, 1,
        "the live key in the gitignored .env: {}",
        r.stderr
    );
    let j: Value = serde_json::from_str(&r.stdout).unwrap();
    let mut paths = paths_of(&j);
    paths.sort();
    assert_eq!(
        paths,
        [
            "./.config/hidden.txt",
            "./.env",
            "./debug.log",
            "./sub/cache.txt"
        ],
        "everything but .git"
    );
    // Only the .env: still exit 1.
    fs::remove_file(root.join(".config/hidden.txt")).unwrap();
    fs::remove_file(root.join("debug.log")).unwrap();
    fs::remove_file(root.join("sub/cache.txt")).unwrap();
    let r = scan_in(&env, &root, &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("./.env:1: kadm_"), "{}", r.stdout);
}

#[test]
fn respect_gitignore_skips_what_gitignore_and_ignore_name_but_not_hidden_files() {
    let env = Env::new();
    let (root, _) = ignored_tree(&env);
    let r = scan_in(&env, &root, &["--respect-gitignore", "--json", "."]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let j: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(paths_of(&j), ["./.config/hidden.txt"]);
    // .gitignore, .ignore, hidden.txt, main.rs (never .git/HEAD)
    assert_eq!(j["files"], 4, "{j}");
    fs::remove_file(root.join(".config/hidden.txt")).unwrap();
    let r = scan_in(&env, &root, &["--respect-gitignore"]);
    assert_eq!(
        r.code, 0,
        "nothing live outside the ignored files: {}",
        r.stdout
    );
}

#[test]
fn a_dash_reads_stdin() {
    let env = Env::new();
    let live = env.generate("live", &[]);
    let r = env.run_stdin(&["scan", "-", "--json"], &format!("+ token = {live}\n"));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let j: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(paths_of(&j), ["-"]);
    assert_eq!(j["findings"][0]["state"], "active");
    let r = env.run_stdin(&["scan", "-"], "nothing here\n");
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn sarif_has_the_structure_code_scanning_needs() {
    let mut env = Env::at(T0);
    let tree = setup(&mut env);
    let root = env.dir.path().join("tree");
    let r = scan_in(&env, &root, &["--format", "sarif"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stdout.contains(&tree.live), "never the value");
    let j: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["version"], "2.1.0");
    assert!(j["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = j["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "keyadm");
    let rules = driver["rules"].as_array().unwrap();
    let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for r in rules {
        assert!(r["shortDescription"]["text"].is_string());
    }
    let results = runs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4, "{results:?}");
    let mut seen = Vec::new();
    for res in results {
        let id = res["ruleId"].as_str().unwrap();
        let index = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rule_ids[index], id, "ruleIndex points at its rule");
        assert!(["error", "warning", "note"].contains(&res["level"].as_str().unwrap()));
        assert!(res["message"]["text"].is_string());
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.starts_with('/') && !uri.starts_with("./"), "{uri}");
        let line = loc["region"]["startLine"].as_u64().unwrap();
        assert!(line >= 1);
        seen.push((
            uri.to_string(),
            line,
            res["level"].as_str().unwrap().to_string(),
        ));
    }
    assert!(
        seen.contains(&("src/config.py".into(), 2, "error".into())),
        "{seen:?}"
    );
    assert!(
        seen.contains(&("docs/old.md".into(), 1, "warning".into())),
        "{seen:?}"
    );
    assert!(
        seen.contains(&("notes.txt".into(), 1, "note".into())),
        "{seen:?}"
    );
    let both = env.run(&[
        "scan",
        "--json",
        "--format",
        "sarif",
        root.to_str().unwrap(),
    ]);
    assert_eq!(both.code, 2);
    common::assert_error_form(&both.stderr);
    let json = scan_in(&env, &root, &["--format", "json"]);
    let j: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(j["active"], 1);
}

#[test]
fn a_large_tree_shows_a_progress_line_on_a_terminal_only() {
    let env = Env::new();
    env.ok(&["init"]);
    let root = env.dir.path().join("big");
    for i in 0..1100 {
        write(&root, &format!("d{}/f{i}.txt", i % 10), b"text\n");
    }
    let piped = scan_in(&env, &root, &[]);
    assert_eq!(piped.code, 0);
    assert!(!piped.stderr.contains("scanning"), "{}", piped.stderr);
    let bin = assert_cmd::cargo::cargo_bin("keyadm");
    let mut c = std::process::Command::new("script");
    env.apply(&mut c)
        .current_dir(&root)
        .args(["-qfec", &format!("'{}' scan", bin.display()), "/dev/null"])
        .env("TERM", "xterm");
    let out = c.output().expect("script (util-linux) runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("scanning: 1000 file(s) read"), "{text}");
    assert!(text.contains("\x1b[2K"), "the line is erased: {text}");
    assert!(text.contains("in 1100 file(s)"), "{text}");
}
