//! Hooks (`--exec CMD`): CMD runs through `sh -c` once per item, with the
//! documented variables in its environment and, for rotate, the new value
//! on its stdin (never in argv or the environment). Its stdout and stderr
//! go to keyadm's stderr, so keyadm's stdout stays the command's result.

use std::io::{ErrorKind, Write};
use std::process::{Command, Stdio};

/// Variables of keyadm's own environment that a hook must not inherit.
const SECRET_VARS: [&str; 2] = ["KEYADM_MASTER_KEY", "KEYADM_KEY"];

/// An `--exec` command must be one: `sh -c ''` succeeds and would count as
/// delivered (a rotated value handed to nobody, a notice marked sent).
pub fn check_command(cmd: Option<&str>) -> keyadm::Result<()> {
    match cmd {
        Some(c) if c.trim().is_empty() => Err(keyadm::Error::usage(
            "--exec needs a command: an empty one would deliver to nobody",
        )
        .hint("e.g. --exec 'vault kv put secret/app key=-' (the value comes on stdin)")),
        _ => Ok(()),
    }
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
