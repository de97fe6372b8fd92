//! The one error type of the library. Each variant is one documented exit
//! code (SPEC §3); `main` is the only place that turns it into a process exit.

use std::fmt;

/// What went wrong, said for a person, and what they can do about it.
#[derive(Debug, Clone)]
pub struct Message {
    pub what: String,
    pub hint: Option<String>,
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Exit 2: a bad option or value.
    #[error("{0}")]
    Usage(Message),
    /// Exit 3: a key, user or organization that does not exist (or is not visible).
    #[error("{0}")]
    NotFound(Message),
    /// Exit 4: refused by a rule of the store.
    #[error("{0}")]
    Refused(Message),
    /// Exit 5: the store, the master key, the clipboard or the file system.
    #[error("{0}")]
    Environment(Message),
    /// Exit 6: a confirmation answered no, Esc, Ctrl-C or end of input (SPEC §5.9).
    #[error("{0}")]
    Cancelled(Message),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

fn msg(what: impl Into<String>) -> Message {
    Message {
        what: what.into(),
        hint: None,
    }
}

impl Error {
    pub fn usage(what: impl Into<String>) -> Self {
        Error::Usage(msg(what))
    }
    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound(msg(what))
    }
    pub fn refused(what: impl Into<String>) -> Self {
        Error::Refused(msg(what))
    }
    pub fn environment(what: impl Into<String>) -> Self {
        Error::Environment(msg(what))
    }
    pub fn cancelled(what: impl Into<String>) -> Self {
        Error::Cancelled(msg(what))
    }

    /// Adds (or replaces) the `hint:` line.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.message_mut().hint = Some(hint.into());
        self
    }

    pub fn message(&self) -> &Message {
        match self {
            Error::Usage(m)
            | Error::NotFound(m)
            | Error::Refused(m)
            | Error::Environment(m)
            | Error::Cancelled(m) => m,
        }
    }

    fn message_mut(&mut self) -> &mut Message {
        match self {
            Error::Usage(m)
            | Error::NotFound(m)
            | Error::Refused(m)
            | Error::Environment(m)
            | Error::Cancelled(m) => m,
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 2,
            Error::NotFound(_) => 3,
            Error::Refused(_) => 4,
            Error::Environment(_) => 5,
            Error::Cancelled(_) => 6,
        }
    }

    /// The "not found" every key lookup gives, the same whether the key does
    /// not exist or belongs to a tenant the actor may not see.
    pub fn key_not_found(key: &str) -> Self {
        if crate::domain::value::parse_value(key).is_ok() {
            // A key value given where an ID or name belongs: never echo a secret.
            return Error::not_found("no key with that ID or name (the argument is a key value, which is not repeated here)")
                .hint("pass the key's ID or name, not its value; list the keys with: keyadm list");
        }
        Error::not_found(format!("no key \"{}\"", key.escape_debug()))
            .hint("list the keys with: keyadm list")
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            match f.code {
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                    return Error::environment(
                        "the store is locked: another process held its write lock for more than 5 seconds",
                    )
                    .hint("wait for the other keyadm (or sqlite3) process to finish and try again; nothing was changed");
                }
                ErrorCode::ReadOnly => {
                    return Error::environment("the store is read-only")
                        .hint("check the permissions of the store file and its folder");
                }
                ErrorCode::DiskFull => {
                    return Error::environment("the disk holding the store is full")
                        .hint("free some space and try again; nothing was changed");
                }
                ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => {
                    return Error::environment("the store is damaged or is not a keyadm store")
                        .hint("restore it from a backup");
                }
                ErrorCode::SystemIoFailure => {
                    return Error::environment(
                        "the store cannot be read or written: disk I/O error (is the disk full?)",
                    )
                    .hint("check free space (df -h) and the disk holding the store; nothing was changed");
                }
                ErrorCode::CannotOpen => {
                    return Error::environment("the store cannot be opened")
                        .hint("check the path and the permissions of its folder");
                }
                _ => {}
            }
        }
        if let rusqlite::Error::ToSqlConversionFailure(inner) = &e {
            if let Some(pg) = inner.downcast_ref::<postgres::Error>() {
                return crate::store::pg_error(pg);
            }
        }
        if matches!(
            e,
            rusqlite::Error::FromSqlConversionFailure(..) | rusqlite::Error::InvalidColumnType(..)
        ) {
            return Error::environment(format!("the store is damaged: a row cannot be read ({e})"))
                .hint("restore it from a backup");
        }
        Error::environment(format!("store error: {e}")).hint(
            "check the store with: keyadm audit verify; if it is damaged, restore it from a backup",
        )
    }
}

/// What an [`Error`] says when stdout's reader went away (`keyadm list | head`).
const BROKEN_PIPE: &str = "the output was closed before keyadm finished writing (broken pipe)";

impl Error {
    /// The reader of our output went away: `main` ends quietly, as other
    /// command-line tools do, instead of reporting an error.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Environment(m) if m.what == BROKEN_PIPE)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Error::environment(BROKEN_PIPE)
                .hint("keep reading the output to its end (e.g. pipe it to a file)");
        }
        Error::environment(format!("I/O error: {e}"))
            .hint("check the files and folders the command reads or writes, and free space")
    }
}
