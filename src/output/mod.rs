//! The output layer: human text and tables, `--json`, or `-q`. Results go to
//! stdout; notes and warnings to stderr.

pub mod report;
pub mod table;
pub mod time;

pub use report::{Human, Report};

use std::cell::RefCell;
use std::io::{self, IsTerminal, Write};
use std::rc::Rc;

use serde::Serialize;

use crate::cli::ColorChoice;

/// Where colours go, decided once at start-up from `--color`, `NO_COLOR`
/// and whether stdout and stderr are terminals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colors {
    /// Colours in the results on stdout (`--color always`, or a terminal
    /// without `NO_COLOR`).
    pub stdout: bool,
    /// Colours in `error:`, `hint:` and `warning:` on stderr.
    pub stderr: bool,
    /// Coloured table cells: the same as `stdout` (`--color always` wins
    /// over `NO_COLOR`, which only changes what `auto` means).
    pub table_cells: bool,
    /// Whether stdout is a terminal (tables are fitted to it, or plain).
    pub stdout_terminal: bool,
}

impl Colors {
    pub fn decide(choice: ColorChoice) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let stdout_terminal = io::stdout().is_terminal();
        let on = |terminal: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && terminal,
        };
        let stdout = on(stdout_terminal);
        Colors {
            stdout,
            stderr: on(io::stderr().is_terminal()),
            table_cells: stdout,
            stdout_terminal,
        }
    }

    /// The escape codes for `error:`, `hint:` and `warning:` (red, cyan,
    /// yellow, reset), or empty ones.
    pub fn stderr_codes(&self) -> StderrCodes {
        match self.stderr {
            true => StderrCodes {
                red: "\x1b[31m",
                cyan: "\x1b[36m",
                yellow: "\x1b[33m",
                reset: "\x1b[0m",
            },
            false => StderrCodes::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct StderrCodes {
    pub red: &'static str,
    pub cyan: &'static str,
    pub yellow: &'static str,
    pub reset: &'static str,
}

/// Chooses the form of the output from the global options: the only writer
/// of results, notes and warnings.
#[derive(Debug, Clone)]
pub struct Printer {
    pub json: bool,
    pub quiet: bool,
    pub colors: Colors,
    /// The first failed write to stdout (shared by clones): a result that
    /// did not reach its reader must not end in exit 0.
    stdout_failed: Rc<RefCell<Option<io::Error>>>,
}

impl Printer {
    pub fn new(json: bool, quiet: bool, colors: Colors) -> Self {
        Printer {
            json,
            quiet,
            colors,
            stdout_failed: Rc::default(),
        }
    }

    /// Prints a report in the one form the global options chose: `--json`
    /// (its `Serialize` shape), `-q` (what a script needs), or for people.
    pub fn report<R: Report + ?Sized>(&self, report: &R) {
        if self.json {
            self.json(report);
        } else if self.quiet {
            report.quiet(&mut Human::new(self));
        } else {
            report.human(&mut Human::new(self));
        }
    }

    /// Prints a value as pretty JSON on stdout.
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) {
        let mut out = io::stdout().lock();
        let done = serde_json::to_writer_pretty(&mut out, value)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out));
        self.record(done);
    }

    /// A line of result on stdout.
    pub fn line(&self, text: impl AsRef<str>) {
        let done = writeln!(io::stdout().lock(), "{}", text.as_ref());
        self.record(done);
    }

    fn record(&self, done: io::Result<()>) {
        if let Err(e) = done {
            self.stdout_failed.borrow_mut().get_or_insert(e);
        }
    }

    /// The first write to stdout that failed, if any (e.g. stdout closed,
    /// a full disk, or a reader that went away).
    pub fn stdout_error(&self) -> Option<io::Error> {
        let failed = self.stdout_failed.borrow();
        failed
            .as_ref()
            .map(|e| io::Error::new(e.kind(), e.to_string()))
    }

    /// A note on stderr; `-q` silences it.
    pub fn note(&self, text: impl AsRef<str>) {
        if !self.quiet {
            let _ = writeln!(io::stderr().lock(), "{}", text.as_ref());
        }
    }

    /// A note on stderr that `-q` does not silence (where keyadm created a file).
    pub fn always(&self, text: impl AsRef<str>) {
        let _ = writeln!(io::stderr().lock(), "{}", text.as_ref());
    }

    /// A warning on stderr; shown even with `-q`.
    pub fn warn(&self, text: impl AsRef<str>) {
        let c = self.colors.stderr_codes();
        let _ = writeln!(
            io::stderr().lock(),
            "{}warning:{} {}",
            c.yellow,
            c.reset,
            text.as_ref()
        );
    }
}

/// A key as `--json` shows it: every property, its state at `now`, and
/// the value only when the user asked for it.
#[derive(Serialize)]
pub struct KeyJson<'a> {
    #[serde(flatten)]
    pub key: &'a keyadm::Key,
    pub state: &'static str,
    pub in_grace: bool,
    /// For a key bound to a user: `enabled`, `disabled` or `removed` (the
    /// last two make the key deny everything).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<&'a str>,
    /// In an export, a show-once key's value hash (hex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_hash: Option<String>,
}

impl<'a> KeyJson<'a> {
    pub fn new(key: &'a keyadm::Key, now: chrono::DateTime<chrono::Utc>) -> Self {
        KeyJson {
            key,
            state: key.state(now).as_str(),
            in_grace: key.previous_in_grace(now).is_some(),
            user_state: None,
            value: None,
            value_hash: None,
        }
    }

    pub fn with_user_state(mut self, state: Option<&'static str>) -> Self {
        self.user_state = state;
        self
    }

    pub fn with_value(mut self, value: &'a keyadm::SecretValue) -> Self {
        self.value = Some(value.expose());
        self
    }

    pub fn with_value_hash(mut self, hash: Option<&[u8; 32]>) -> Self {
        self.value_hash = hash.map(keyadm::domain::import_file::value_hash_hex);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn color_choice_always_and_never_win_over_the_terminal_and_no_color() {
        let always = Colors::decide(ColorChoice::Always);
        assert!(always.stdout && always.stderr);
        assert_eq!(always.stderr_codes().red, "\x1b[31m");
        let never = Colors::decide(ColorChoice::Never);
        assert!(!never.stdout && !never.stderr && !never.table_cells);
        assert_eq!(never.stderr_codes().red, "");
    }
}
