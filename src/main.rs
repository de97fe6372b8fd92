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
        Err(e) => match usage_error(e) {
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

/// A command-line error of clap as our one `error:` line and one `hint:`
/// line (its tips, the possible values, or the usage); help and version
/// requests are handed back to clap to print.
fn usage_error(e: clap::Error) -> Result<keyadm::Error, clap::Error> {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        return Err(e);
    }
    let text = e.render().to_string();
    let mut what = Vec::new();
    let mut hints = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(first) = line.strip_prefix("error: ") {
            what.push(first.to_string());
        } else if let Some(tip) = line.strip_prefix("tip: ") {
            hints.push(tip.to_string());
        } else if let Some(values) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            hints.push(values.to_string());
        } else if let Some(usage) = line.strip_prefix("Usage: ") {
            hints.push(format!("usage: {}", without_globals(usage)));
        } else if !line.starts_with("For more information") {
            what.push(line.to_string());
        }
    }
    hints.push("more with --help".into());
    // clap repeats the argument as typed: no raw control characters.
    let what: String = what
        .join(" ")
        .chars()
        .map(|c| match c.is_control() {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect();
    Ok(keyadm::Error::usage(what).hint(hints.join("; ")))
}

/// clap's usage line after an error names every argument that was present,
/// including the optional global options taken from the environment
/// (`KEYADM_DB`, …), which then read as if they were required. They are
/// dropped: the usage shows what the subcommand needs.
fn without_globals(usage: &str) -> String {
    let mut out = usage.to_string();
    for global in [
        " --db <PATH>",
        " --master-key-file <PATH>",
        " --actor <NAME>",
        " --org <PATH>",
    ] {
        out = out.replace(global, "");
    }
    out
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
