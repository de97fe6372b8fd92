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
