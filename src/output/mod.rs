//! The output layer: human text and tables, `--json`, or `-q`. Results go to
//! stdout; notes and warnings to stderr.

pub mod table;
pub mod time;

use std::cell::RefCell;
use std::io::{self, IsTerminal, Write};
use std::rc::Rc;

use serde::Serialize;

use crate::cli::ColorChoice;

/// Chooses the form of the output from the global options.
#[derive(Debug, Clone)]
pub struct Printer {
    pub json: bool,
    pub quiet: bool,
    pub color: bool,
    /// `--color always`: colours even where stdout or stderr is not a terminal.
    color_always: bool,
    /// The first failed write to stdout (shared by clones): a result that
    /// did not reach its reader must not end in exit 0.
    stdout_failed: Rc<RefCell<Option<io::Error>>>,
}

impl Printer {
    pub fn new(json: bool, quiet: bool, choice: ColorChoice) -> Self {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && io::stdout().is_terminal()
            }
        };
        Printer {
            json,
            quiet,
            color,
            color_always: choice == ColorChoice::Always,
            stdout_failed: Rc::default(),
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
        let prefix = if self.color_always || (self.color && io::stderr().is_terminal()) {
            "\x1b[33mwarning:\x1b[0m"
        } else {
            "warning:"
        };
        let _ = writeln!(io::stderr().lock(), "{prefix} {}", text.as_ref());
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
}

impl<'a> KeyJson<'a> {
    pub fn new(key: &'a keyadm::Key, now: chrono::DateTime<chrono::Utc>) -> Self {
        KeyJson {
            key,
            state: key.state(now).as_str(),
            in_grace: key.previous_in_grace(now).is_some(),
            user_state: None,
            value: None,
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
}
