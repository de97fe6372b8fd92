//! Handing a value to the clipboard. On X11 the process that copies owns
//! the clipboard and must stay to serve it, so `copy` starts a detached
//! copy of keyadm itself (`keyadm __clipboard-holder SECONDS`), passes the
//! value through a pipe on its stdin (never argv or the environment), and
//! returns once the holder owns the clipboard. The holder serves the value
//! (marked for clipboard managers as a secret not to keep in history),
//! then after SECONDS clears it only if the clipboard still holds it, and
//! exits; it exits at once when someone else copies something.
//! `--osc52` instead asks the terminal to set its clipboard (SSH, tmux).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine;
use zeroize::Zeroizing;

use keyadm::{Error, Result, SecretValue};

/// The internal argument that runs [`hold`].
pub const HOLDER: &str = "__clipboard-holder";

/// How long `copy` waits for the holder to own the clipboard.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the holder looks whether the clipboard still holds its value.
const POLL: Duration = Duration::from_millis(100);

fn no_clipboard(why: &str) -> Error {
    Error::environment(format!("no clipboard: {why}")).hint(
        "over SSH or without a display use --osc52 (the terminal's clipboard), or print the value: keyadm show KEY --value",
    )
}

/// Fails early, before anything is changed or audited, when there is no
/// display to own a clipboard on.
pub fn check_display() -> Result<()> {
    let set = |v: &str| std::env::var_os(v).is_some_and(|d| !d.is_empty());
    if set("DISPLAY") {
        Ok(())
    } else if set("WAYLAND_DISPLAY") {
        Err(no_clipboard(
            "Wayland without XWayland (DISPLAY is not set) is not supported",
        ))
    } else {
        Err(no_clipboard("DISPLAY is not set"))
    }
}

/// A holder started and fed, connected to the display, not yet owning the
/// clipboard: everything that can fail before the commit (SPEC §5.8).
/// [`Holder::take_over`] makes it take the clipboard; dropped instead, it
/// is ended and the clipboard is never touched.
pub struct Holder {
    child: Option<Child>,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

/// Starts the holder, gives it the value, and waits until it is connected
/// to the display (or says why it cannot).
pub fn start(value: &SecretValue, clear_after: u64) -> Result<Holder> {
    check_display()?;
    let exe = std::env::current_exe().map_err(|e| {
        Error::environment(format!("cannot find the keyadm binary: {e}"))
            .hint("run keyadm from an installed path, or use --osc52 or show --reveal")
    })?;
    let mut holder = Command::new(exe);
    // A long-lived process keeps only what X needs of the environment (no
    // KEYADM_MASTER_KEY, no KEYADM_KEY lingering in /proc/PID/environ).
    holder.env_clear();
    for var in ["DISPLAY", "XAUTHORITY", "HOME", "PATH", "LANG"] {
        if let Some(v) = std::env::var_os(var) {
            holder.env(var, v);
        }
    }
    let mut child = holder
        .arg(HOLDER)
        .arg(clear_after.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .current_dir("/")
        // Its own process group: a Ctrl-C at the terminal after `copy`
        // returned does not end the holder.
        .process_group(0)
        .spawn()
        .map_err(|e| {
            Error::environment(format!("cannot start the clipboard holder: {e}"))
                .hint("check that the system can start processes (ulimit -u), or use --osc52")
        })?;
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut h = Holder {
        stdin: child.stdin.take(),
        child: Some(child),
        lines,
    };
    let line = Zeroizing::new(format!("{}\n", value.expose()));
    h.send(&line)?;
    h.expect("armed")?;
    Ok(h)
}

impl Holder {
    fn send(&mut self, text: &str) -> Result<()> {
        let stdin = self.stdin.as_mut().expect("stdin kept until dropped");
        stdin
            .write_all(text.as_bytes())
            .and_then(|()| stdin.flush())
            .map_err(|e| no_clipboard(&format!("cannot hand the value over: {e}")))
    }

    /// Waits for the holder's next line to be `want`.
    fn expect(&mut self, want: &str) -> Result<()> {
        match self.lines.recv_timeout(READY_TIMEOUT) {
            Ok(line) if line.trim() == want => Ok(()),
            Ok(line) => {
                let why = line.trim().strip_prefix("error: ").unwrap_or(line.trim());
                Err(no_clipboard(if why.is_empty() {
                    "the clipboard holder ended early"
                } else {
                    why
                }))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                Err(no_clipboard("the clipboard holder ended early"))
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                Err(no_clipboard("the display did not answer in time"))
            }
        }
    }

    /// Tells the holder to take the clipboard, and waits until it owns it.
    pub fn take_over(mut self) -> Result<()> {
        self.send("go\n")?;
        self.expect("ready")?;
        // From here on the holder lives on by itself.
        self.stdin = None;
        if let Some(mut child) = self.child.take() {
            std::thread::spawn(move || child.wait());
        }
        Ok(())
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The holder process (see the module docs). Its stdin is a pipe from the
/// `copy` that started it: the value, then `go` once the entry that audits
/// it is committed (end of input instead: exit, untouched). Its stdout:
/// `armed` (connected to the display), then `ready` or `error: …`.
pub fn hold(args: &[String]) -> ExitCode {
    let clear_after = args.first().and_then(|s| s.parse::<u64>().ok());
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut value = Zeroizing::new(String::new());
    let read = input.read_line(&mut value);
    let (Some(clear_after), Ok(1..)) = (clear_after, read) else {
        println!("error: bad holder arguments");
        return ExitCode::from(2);
    };
    let value = Zeroizing::new(value.trim_end_matches('\n').to_string());
    let mut clipboard = match arboard::Clipboard::new() {
        Ok(c) => c,
        Err(e) => return failed(e),
    };
    println!("armed");
    let _ = std::io::stdout().flush();
    let mut go = String::new();
    if input.read_line(&mut go).is_err() || go.trim() != "go" {
        return ExitCode::SUCCESS;
    }
    match serve(&mut clipboard, &value, clear_after) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => failed(e),
    }
}

fn failed(e: arboard::Error) -> ExitCode {
    // Only useful before `ready`; afterwards nobody reads it.
    println!("error: {e}");
    let _ = std::io::stdout().flush();
    ExitCode::from(5)
}

fn serve(
    clipboard: &mut arboard::Clipboard,
    value: &str,
    clear_after: u64,
) -> std::result::Result<(), arboard::Error> {
    use arboard::SetExtLinux;
    clipboard
        .set()
        .exclude_from_history()
        .text(value.to_string())?;
    // Read back through the X server: once it answers, it has taken note
    // of our ownership, so whoever `copy` hands control to next sees it.
    if clipboard.get_text().ok().as_deref() != Some(value) {
        return Err(arboard::Error::ClipboardOccupied);
    }
    println!("ready");
    let _ = std::io::stdout().flush();
    // 0 never clears; so does a time too far away to represent.
    let deadline = (clear_after > 0)
        .then(|| Instant::now().checked_add(Duration::from_secs(clear_after)))
        .flatten();
    loop {
        let ours = clipboard.get_text().ok().as_deref() == Some(value);
        if !ours {
            // Someone copied something else: leave it alone.
            return Ok(());
        }
        match deadline {
            Some(d) if Instant::now() >= d => {
                clipboard.clear()?;
                return Ok(());
            }
            Some(d) => std::thread::sleep(POLL.min(d - Instant::now())),
            None => std::thread::sleep(POLL),
        }
    }
}

/// The OSC 52 escape that asks the terminal to set its clipboard, wrapped
/// for tmux (which passes it on with `set -g allow-passthrough on`).
pub fn osc52_sequence(value: &str, tmux: bool) -> Zeroizing<String> {
    let b64 = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(value));
    if tmux {
        Zeroizing::new(format!(
            "\x1bPtmux;\x1b\x1b]52;c;{}\x07\x1b\\",
            b64.as_str()
        ))
    } else {
        Zeroizing::new(format!("\x1b]52;c;{}\x07", b64.as_str()))
    }
}

/// The terminal opened and the OSC 52 escape made: what can fail before
/// the commit; [`Osc52::send`] writes it.
pub struct Osc52 {
    tty: std::fs::File,
    seq: Zeroizing<String>,
}

pub fn osc52(value: &SecretValue) -> Result<Osc52> {
    let tmux = std::env::var_os("TMUX").is_some_and(|t| !t.is_empty());
    let seq = osc52_sequence(value.expose(), tmux);
    let tty = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .map_err(|e| {
            Error::environment(format!("no terminal to send the value through: {e}"))
                .hint("run it at a terminal, or print the value: keyadm show KEY --value")
        })?;
    Ok(Osc52 { tty, seq })
}

impl Osc52 {
    pub fn send(mut self) -> Result<()> {
        self.tty.write_all(self.seq.as_bytes())?;
        self.tty.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_plain_and_through_tmux() {
        assert_eq!(osc52_sequence("abc", false).as_str(), "\x1b]52;c;YWJj\x07");
        assert_eq!(
            osc52_sequence("abc", true).as_str(),
            "\x1bPtmux;\x1b\x1b]52;c;YWJj\x07\x1b\\"
        );
    }
}
