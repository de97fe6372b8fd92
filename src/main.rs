//! The `keyadm` binary: parse, run, and turn an error into its exit code
//! and the `error:` / `hint:` lines.

mod cli;
mod output;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use keyadm::domain::value::redact_values;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
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
    }
}
