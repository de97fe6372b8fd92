//! The `keyadm` binary: parse, run, and turn an error into its exit code
//! and the `error:` / `hint:` lines.

mod cli;
mod clipboard;
mod output;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let mut color = cli::ColorChoice::Auto;
    let done = match cli::run_internal() {
        Some(done) => done,
        None => {
            let parsed = cli::Cli::parse();
            color = parsed.global.color;
            cli::run(parsed)
        }
    };
    match done {
        Ok(code) => code,
        // `keyadm list | head`: the reader has what it wanted.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
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
            let _ = writeln!(err, "{red}error:{reset} {}", m.what);
            if let Some(h) = &m.hint {
                let _ = writeln!(err, "{cyan}hint:{reset} {h}");
            }
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
