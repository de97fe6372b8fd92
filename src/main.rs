//! The `keyadm` binary: parse, run, and turn an error into its exit code
//! and the `error:` / `hint:` lines.

mod cli;
mod clipboard;
mod output;

use std::io::Write;
use std::process::ExitCode;

use keyadm::domain::value::redact_values;
use output::{Colors, StderrCodes};

fn main() -> ExitCode {
    keep_secrets_from_other_processes();
    if let Some(done) = cli::run_internal() {
        return done.unwrap_or_else(|e| report(e, Colors::decide(cli::ColorChoice::Auto)));
    }
    let cli = match cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => match cli::usage::usage_error(e) {
            Ok(e) => return report(e, Colors::decide(cli::ColorChoice::Auto)),
            Err(e) => e.exit(), // --help, --version
        },
    };
    // Decided once: the printer and the error lines below share it.
    let colors = Colors::decide(cli.global.color);
    match cli::run(cli, colors) {
        Ok(code) => code,
        // `keyadm list | head`: the reader has what it wanted.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => report(e, colors),
    }
}

/// The master key (`KEYADM_MASTER_KEY`) may be in this process's
/// environment, and values pass through its memory: a non-dumpable process's
/// /proc/PID/environ and memory are closed to other processes of the same
/// account (hooks among them), and it leaves no core dump.
fn keep_secrets_from_other_processes() {
    // SAFETY: prctl(PR_SET_DUMPABLE, 0) only changes this process's flag.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}

fn report(e: keyadm::Error, colors: Colors) -> ExitCode {
    let StderrCodes {
        red, cyan, reset, ..
    } = colors.stderr_codes();
    let mut err = std::io::stderr().lock();
    let m = e.message();
    // A key value echoed from the input is never printed whole.
    let _ = writeln!(err, "{red}error:{reset} {}", redact_values(&m.what));
    if let Some(h) = &m.hint {
        let _ = writeln!(err, "{cyan}hint:{reset} {}", redact_values(h));
    }
    ExitCode::from(e.exit_code() as u8)
}
