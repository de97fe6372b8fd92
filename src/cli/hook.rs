//! Hooks (`--exec CMD`): CMD runs through `sh -c` once per item, with the
//! documented variables in its environment and, for rotate, the new value
//! on its stdin (never in argv or the environment). Its stdout and stderr
//! go to keyadm's stderr, so keyadm's stdout stays the command's result.

use std::io::{ErrorKind, Write};
use std::process::{Command, Stdio};

/// Variables of keyadm's own environment that a hook must not inherit.
const SECRET_VARS: [&str; 2] = ["KEYADM_MASTER_KEY", "KEYADM_KEY"];

/// An `--exec` command must be one: `sh -c ''` succeeds and would count as
/// delivered (a rotated value handed to nobody, a notice marked sent). It
/// is checked before anything happens, so that a hook that cannot run is
/// exit 2 today and not a failed delivery weeks later, when a notice is
/// due: a single word or path must be an executable (or a shell builtin),
/// anything else must pass `sh -n` (its syntax).
pub fn check_command(cmd: Option<&str>) -> keyadm::Result<()> {
    let Some(c) = cmd else {
        return Ok(());
    };
    let c = c.trim();
    if c.is_empty() {
        return Err(keyadm::Error::usage(
            "--exec needs a command: an empty one would deliver to nobody",
        )
        .hint("e.g. --exec 'vault kv put secret/app key=-' (the value comes on stdin)"));
    }
    if is_single_word(c) {
        return check_program(c);
    }
    check_syntax(c)
}

/// A command without blanks, quotes or other shell syntax: a program name
/// or a path, run as it is.
fn is_single_word(c: &str) -> bool {
    c.chars()
        .all(|ch| ch.is_alphanumeric() || "/._-+:@%,=~".contains(ch))
}

fn is_executable_file(p: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn check_program(word: &str) -> keyadm::Result<()> {
    let shown = word.escape_debug();
    if word.contains('/') {
        let p = std::path::Path::new(word);
        if is_executable_file(p) {
            return Ok(());
        }
        let why = match std::fs::metadata(p) {
            Err(_) => "does not exist",
            Ok(m) if m.is_dir() => "is a folder",
            Ok(_) => "is not executable",
        };
        return Err(
            keyadm::Error::usage(format!("the --exec program {shown} {why}"))
                .hint("give the path of an executable file (chmod +x it), or a shell command line"),
        );
    }
    let on_path = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|d| is_executable_file(&d.join(word)))
    });
    if on_path {
        return Ok(());
    }
    // A shell builtin (`:`, `true`) or function runs too. When sh itself
    // cannot start, nothing can be said here: the run reports it per item.
    let builtin = Command::new("sh")
        .args(["-c", "command -v -- \"$1\" >/dev/null", "sh", word])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if builtin.map_or(true, |s| s.success()) {
        return Ok(());
    }
    Err(
        keyadm::Error::usage(format!("the --exec program {shown} is not found on PATH"))
            .hint("give the program's full path, or check its name and PATH"),
    )
}

fn check_syntax(cmd: &str) -> keyadm::Result<()> {
    let out = Command::new("sh")
        .args(["-n", "-c", cmd])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    // sh cannot start: the run reports it per item ("could not start").
    let Ok(out) = out else {
        return Ok(());
    };
    if out.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&out.stderr);
    let said = said.lines().next().unwrap_or("").trim();
    Err(keyadm::Error::usage(format!(
        "the --exec command is not valid shell syntax ({said})"
    ))
    .hint("check its quotes and brackets; it runs as: sh -c CMD"))
}

/// Runs `cmd`; `Err` says why it failed (for the report, never a secret).
pub fn run_hook(cmd: &str, env: &[(&str, &str)], stdin: Option<&[u8]>) -> Result<(), String> {
    let mut c = Command::new("sh");
    c.arg("-c").arg(cmd).stdout(Stdio::from(std::io::stderr()));
    for v in SECRET_VARS {
        c.env_remove(v);
    }
    c.envs(env.iter().copied());
    c.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = c
        .spawn()
        .map_err(|e| format!("the hook could not start: {e}"))?;
    if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // A hook that does not read its stdin is not an error in itself.
        if let Err(e) = pipe.write_all(data) {
            if e.kind() != ErrorKind::BrokenPipe {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("could not write to the hook's stdin: {e}"));
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("could not wait for the hook: {e}"))?;
    if status.success() {
        Ok(())
    } else if let Some(code) = status.code() {
        Err(format!("the hook exited with status {code}"))
    } else {
        Err("the hook was killed by a signal".to_string())
    }
}
