//! keyadm on a real pseudo-terminal: `script` (util-linux) runs it on a pty
//! whose other end a test reads and types into. (The same helper as in
//! `prompts.rs`, public for other modules.)

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Env;

pub const T0: &str = "2026-11-22T17:45:00Z";
pub const ENTER: &str = "\r";

/// keyadm on a pseudo-terminal.
pub struct Pty {
    child: Child,
    stdin: Option<ChildStdin>,
    output: Arc<Mutex<Vec<u8>>>,
    seen: usize,
}

pub fn have_script() -> bool {
    let ok = Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "prompt tests need `script` (util-linux) in CI"
        );
        eprintln!("SKIPPED prompt test: `script` (util-linux) is not installed");
    }
    ok
}

pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

impl Pty {
    pub fn spawn(env: &Env, args: &[&str], extra_env: &[(&str, &str)]) -> Pty {
        Pty::spawn_after(env, "", args, extra_env)
    }

    /// Runs the shell command `before` on the terminal first (e.g. `stty cols 80;`).
    pub fn spawn_after(env: &Env, before: &str, args: &[&str], extra_env: &[(&str, &str)]) -> Pty {
        let bin = assert_cmd::cargo::cargo_bin("keyadm");
        let mut line = format!("{before}{}", quote(bin.to_str().unwrap()));
        for a in args {
            line.push(' ');
            line.push_str(&quote(a));
        }
        let mut c = Command::new("script");
        env.apply(&mut c)
            .args(["-qfec", &line, "/dev/null"])
            .env("KEYADM_NOW", env.now.as_deref().unwrap_or(T0))
            .env("TERM", "xterm")
            .env_remove("TMUX");
        for (k, v) in extra_env {
            c.env(k, v);
        }
        let mut child = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("script runs");
        let mut out = child.stdout.take().unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = output.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            stdin: child.stdin.take(),
            child,
            output,
            seen: 0,
        }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// Waits until `want` appears after what was already matched.
    pub fn expect(&mut self, want: &str) {
        let start = Instant::now();
        loop {
            let all = self.text();
            if let Some(i) = all[self.seen.min(all.len())..].find(want) {
                self.seen += i + want.len();
                return;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("no {want:?} on the terminal; it shows:\n{all}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn send(&mut self, keys: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(keys.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Answers the prompt `prompt` with `keys`.
    pub fn answer(&mut self, prompt: &str, keys: &str) {
        self.expect(prompt);
        // dialoguer draws the prompt, then switches the terminal to raw
        // mode; a short pause keeps the answer from arriving in between.
        std::thread::sleep(Duration::from_millis(50));
        self.send(keys);
    }

    /// Waits for keyadm to end; its exit code.
    pub fn finish(mut self) -> (i32, String) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                self.stdin.take();
                std::thread::sleep(Duration::from_millis(50));
                return (status.code().unwrap_or(-1), self.text());
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = self.child.kill();
                panic!("keyadm did not end; the terminal shows:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Pty {
    /// Runs `args` on a terminal `cols` wide; its exit code and the screen
    /// with carriage returns removed.
    pub fn run_at(
        env: &Env,
        cols: usize,
        args: &[&str],
        extra_env: &[(&str, &str)],
    ) -> (i32, String) {
        let t = Pty::spawn_after(env, &format!("stty cols {cols} rows 50; "), args, extra_env);
        let (code, screen) = t.finish();
        (code, screen.replace('\r', ""))
    }
}
