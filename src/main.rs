//! The `keyadm` binary: parse, run, and turn an error into its exit code
//! and the `error:` / `hint:` lines.

mod cli;
mod clipboard;
mod output;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use keyadm::domain::value::redact_values;

fn main() -> ExitCode {
    keep_secrets_from_other_processes();
    if let Some(done) = cli::run_internal() {
        return done.unwrap_or_else(|e| report(e, cli::ColorChoice::Auto));
    }
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => match cli::usage::usage_error(e) {
            Ok(e) => return report(e, cli::ColorChoice::Auto),
            Err(e) => e.exit(), // --help, --version
        },
    };
    let color = cli.global.color;
    match cli::run(cli) {
        Ok(code) => code,
        // `keyadm list | head`: the reader has what it wanted.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => report(e, color),
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

fn report(e: keyadm::Error, color: cli::ColorChoice) -> ExitCode {
    // --color always|never wins; auto: a terminal, and no NO_COLOR.
    let color = match color {
        cli::ColorChoice::Always => true,
        cli::ColorChoice::Never => false,
        cli::ColorChoice::Auto => {
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let (red, cyan, reset) = if color {
        ("\x1b[31m", "\x1b[36m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    let mut err = std::io::stderr().lock();
    let m = e.message();
    // A key value echoed from the input is never printed whole.
    let _ = writeln!(err, "{red}error:{reset} {}", redact_values(&m.what));
    if let Some(h) = &m.hint {
        let _ = writeln!(err, "{cyan}hint:{reset} {}", redact_values(h));
    }
    ExitCode::from(e.exit_code() as u8)
}
