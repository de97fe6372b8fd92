//! `copy` and `generate --copy` against a real X server: each test starts
//! its own Xvfb on a free display and reads the clipboard back with xclip.
//! Without Xvfb or xclip the tests skip with a printed reason, except in CI
//! (`CI=true`), where a skip is a failure.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Env, Run};

const T0: &str = "2026-11-22T17:45:00Z";

/// An Xvfb of our own; killed when dropped.
struct Display {
    server: Child,
    name: String,
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Starts Xvfb on a display it chooses itself (`-displayfd`), or explains
/// why not: `None` locally (skip), a panic in CI.
fn display() -> Option<Display> {
    let missing: Vec<&str> = ["Xvfb", "xclip"].into_iter().filter(|t| !have(t)).collect();
    if !missing.is_empty() {
        let why = format!(
            "{} not installed (apt-get install -y xvfb xclip)",
            missing.join(" and ")
        );
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("clipboard test cannot run in CI: {why}");
        }
        eprintln!("SKIPPED clipboard test: {why}");
        return None;
    }
    let mut server = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-nolisten",
            "tcp",
            "-screen",
            "0",
            "640x480x24",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb starts");
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("Xvfb says its display");
    let number = line.trim();
    assert!(!number.is_empty(), "Xvfb gave no display number");
    Some(Display {
        server,
        name: format!(":{number}"),
    })
}

impl Display {
    /// The clipboard's text, or `None` when nobody holds it.
    fn read(&self) -> Option<String> {
        let out = Command::new("xclip")
            .args(["-o", "-selection", "clipboard"])
            .env("DISPLAY", &self.name)
            .output()
            .expect("xclip runs");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Someone else copies `text` (xclip forks a process that serves it).
    fn write(&self, text: &str) {
        let mut c = Command::new("xclip")
            .args(["-i", "-selection", "clipboard"])
            .env("DISPLAY", &self.name)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("xclip runs");
        c.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        assert!(c.wait().unwrap().success());
    }

    /// Waits (bounded) until the clipboard reads `want`.
    fn wait_for(&self, want: Option<&str>, within: Duration) -> Option<String> {
        let start = Instant::now();
        loop {
            let now = self.read();
            if now.as_deref() == want || start.elapsed() > within {
                return now;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn run_on(env: &Env, d: &Display, args: &[&str]) -> Run {
    env.cmd()
        .env("DISPLAY", &d.name)
        .args(args)
        .output()
        .unwrap()
        .into()
}

fn audit_actions(env: &Env) -> Vec<String> {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let mut stmt = conn
        .prepare("SELECT action FROM audit ORDER BY seq")
        .unwrap();
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
    rows.map(|r| r.unwrap()).collect()
}

#[test]
fn copy_puts_the_value_on_the_clipboard_and_clears_it() {
    let Some(d) = display() else { return };
    let env = Env::at(T0);
    let value = env.generate("billing", &[]);
    let started = Instant::now();
    let r = run_on(&env, &d, &["copy", "billing", "--clear-after", "2s"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "copy returns at once"
    );
    assert!(r.stderr.contains("cleared in 2s"), "{}", r.stderr);
    assert!(!r.stdout.contains(&value) && !r.stderr.contains(&value));
    assert_eq!(d.read().as_deref(), Some(value.as_str()));
    assert_eq!(d.wait_for(None, Duration::from_secs(10)), None, "cleared");
    assert_eq!(audit_actions(&env).last().map(String::as_str), Some("copy"));
    let r = run_on(
        &env,
        &d,
        &["copy", "billing", "--json", "--clear-after", "1m"],
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("copy --json");
    assert_eq!(v["name"], "billing");
    assert_eq!(v["via"], "clipboard");
    assert_eq!(v["clear_after"], "1m");
}

#[test]
fn copy_leaves_a_clipboard_changed_by_someone_else_alone() {
    let Some(d) = display() else { return };
    let env = Env::at(T0);
    let value = env.generate("billing", &[]);
    let r = run_on(&env, &d, &["copy", "billing", "--clear-after", "2s"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(d.read().as_deref(), Some(value.as_str()));
    d.write("someone else's text");
    // Past the clear-after: the other text is still there.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(d.read().as_deref(), Some("someone else's text"));
}

#[test]
fn clear_after_comes_from_the_setting_and_zero_never_clears() {
    let Some(d) = display() else { return };
    let env = Env::at(T0);
    let value = env.generate("billing", &[]);
    env.ok(&["config", "set", "clipboard-clear", "1s"]);
    let r = run_on(&env, &d, &["copy", "billing"]);
    assert!(r.stderr.contains("cleared in 1s"), "{}", r.stderr);
    assert_eq!(d.wait_for(None, Duration::from_secs(10)), None);
    let r = run_on(&env, &d, &["copy", "billing", "--clear-after", "0"]);
    assert!(r.stderr.contains("not cleared"), "{}", r.stderr);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(d.read().as_deref(), Some(value.as_str()));
    let r = run_on(&env, &d, &["copy", "billing", "--clear-after", "soon"]);
    assert_eq!(r.code, 2);
}

#[test]
fn generate_copy_puts_the_new_value_on_the_clipboard() {
    let Some(d) = display() else { return };
    let env = Env::at(T0);
    let r = run_on(
        &env,
        &d,
        &["generate", "fresh", "--copy", "--clear-after", "30s"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let value = env.ok(&["show", "fresh", "--value"]).trim().to_string();
    assert!(
        !r.stdout.contains(&value),
        "--copy does not print the value"
    );
    assert_eq!(d.read().as_deref(), Some(value.as_str()));
    let actions = audit_actions(&env);
    assert!(actions.contains(&"generate".into()) && actions.contains(&"copy".into()));
}

#[test]
fn copy_of_a_show_once_key_is_refused() {
    let Some(d) = display() else { return };
    let env = Env::at(T0);
    env.generate("once", &["--show-once"]);
    let r = run_on(&env, &d, &["copy", "once"]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(r.stderr.contains("not retrievable"), "{}", r.stderr);
    assert_eq!(d.read(), None);
}

#[test]
fn copy_without_a_display_says_what_to_do_instead() {
    let env = Env::at(T0);
    env.generate("billing", &[]);
    let before = audit_actions(&env);
    let r: Run = env
        .cmd()
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .args(["copy", "billing"])
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(
        r.stderr.contains("--osc52") && r.stderr.contains("show KEY --value"),
        "{}",
        r.stderr
    );
    assert_eq!(
        audit_actions(&env),
        before,
        "nothing audited for a copy that did not happen"
    );
    let r: Run = env
        .cmd()
        .env_remove("DISPLAY")
        .args(["generate", "other", "--copy"])
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 5);
    env.fails(&["show", "other"], 3);
}

#[test]
fn copy_with_a_dead_display_fails_cleanly() {
    let env = Env::at(T0);
    env.generate("billing", &[]);
    let r: Run = env
        .cmd()
        .env("DISPLAY", ":9999")
        .args(["copy", "billing"])
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(r.stderr.contains("--osc52"), "{}", r.stderr);
    assert!(!audit_actions(&env).contains(&"copy".to_string()));
}

/// The clipboard holders now running, by process ID.
fn holder_pids() -> Vec<String> {
    holder_environments_except(None, &[])
        .into_iter()
        .map(|(p, _)| p)
        .collect()
}

/// The environments of the clipboard holders serving display `name`, but for
/// those in `before` (a holder left by an earlier test whose display number
/// Xvfb has since given out again).
fn holder_environments(name: &str, before: &[String]) -> Vec<String> {
    holder_environments_except(Some(name), before)
        .into_iter()
        .map(|(_, e)| e)
        .collect()
}

fn holder_environments_except(name: Option<&str>, before: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if before.contains(&pid) {
            continue;
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if !String::from_utf8_lossy(&cmdline).contains("__clipboard-holder") {
            continue;
        }
        let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        let environ = String::from_utf8_lossy(&environ).replace('\0', "\n");
        if name.is_none_or(|n| environ.lines().any(|l| l == format!("DISPLAY={n}"))) {
            out.push((pid, environ));
        }
    }
    out
}

#[test]
fn the_holder_gets_the_value_through_a_pipe_and_a_bare_environment() {
    let Some(d) = display() else { return };
    let env = Env::at(T0);
    let value = env.generate("billing", &[]);
    let before = holder_pids();
    let r: Run = env
        .cmd()
        .env("DISPLAY", &d.name)
        .env("KEYADM_PROBE", "must-not-leak")
        .args(["copy", "billing", "--clear-after", "30s"])
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let envs = holder_environments(&d.name, &before);
    assert_eq!(envs.len(), 1, "one holder serves the display: {envs:?}");
    assert!(!envs[0].contains("KEYADM_"), "{}", envs[0]);
    assert!(!envs[0].contains(&value));
    // Nor in its argv, nor in any other process's (the value went through a pipe).
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&cmdline).contains(&value[7..39]),
            "process {:?} has the value in its argv",
            entry.file_name()
        );
    }
}

#[test]
fn copy_on_a_full_disk_puts_nothing_on_the_clipboard() {
    let Some(d) = display() else { return };
    let base = Env::at(T0);
    let value = base.generate("billing", &[]);
    let Some((env, _tmpfs)) = common::proof::on_full_disk(&base) else {
        return;
    };
    let holders = holder_pids();
    let r = run_on(&env, &d, &["copy", "billing"]);
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("disk"), "{}", r.stderr);
    // Nothing arrives later either: no holder was left to serve it.
    let now = d.wait_for(Some(&value), Duration::from_secs(1));
    assert_ne!(
        now.as_deref(),
        Some(value.as_str()),
        "the clipboard got the value"
    );
    let left = holder_environments(&d.name, &holders);
    assert!(left.is_empty(), "holders left running: {left:?}");
    std::fs::remove_file(env.db().parent().unwrap().join("filler")).unwrap();
    assert!(!audit_actions(&env).contains(&"copy".to_string()));
}
