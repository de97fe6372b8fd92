//! What every command needs: the global options, the clock, the printer,
//! where the store and master key are, who the actor is, and whether a
//! person is at a terminal. The store is opened only by commands that use it.

use std::io::IsTerminal;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

use super::GlobalArgs;
use crate::output::time::TimeFormat;
use crate::output::Printer;
use keyadm::crypto::seal::{MasterKey, MasterKeySource};
use keyadm::domain::org::{validate_org, DEFAULT_TENANT};
use keyadm::domain::settings::{validate_date_format, Settings};
use keyadm::store::{Access, Store};
use keyadm::{Clock, Error, Result};

pub struct Context {
    pub global: GlobalArgs,
    pub clock: Clock,
    pub printer: Printer,
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// `$XDG_<var>` if set and absolute, else `$HOME/<fallback>`.
fn xdg_dir(var: &str, fallback: &str) -> Result<PathBuf> {
    if let Some(p) = std::env::var_os(var)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
    {
        return Ok(p);
    }
    home_dir().map(|h| h.join(fallback)).ok_or_else(|| {
        Error::environment(format!(
            "cannot find a home folder for the default paths ({var} and HOME are unset)"
        ))
        .hint("pass --db and --master-key-file, or set KEYADM_DB and KEYADM_MASTER_KEY_FILE")
    })
}

impl Context {
    pub fn new(global: GlobalArgs) -> Result<Self> {
        let clock = Clock::from_env_value(std::env::var("KEYADM_NOW").ok().as_deref())?;
        if let Some(f) = &global.date_format {
            validate_date_format(f).ok_or_else(|| {
                Error::usage(format!("invalid date format \"{}\"", f.escape_debug()))
                    .hint("use iso, us, eu or a strftime pattern such as %d.%m.%Y %H:%M")
            })?;
        }
        if let Some(org) = &global.org {
            validate_org(org)?;
        }
        let printer = Printer::new(global.json, global.quiet, global.color);
        Ok(Context {
            global,
            clock,
            printer,
        })
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn store_path(&self) -> Result<PathBuf> {
        match &self.global.db {
            Some(p) => Ok(p.clone()),
            None => Ok(xdg_dir("XDG_DATA_HOME", ".local/share")?.join("keyadm/keys.db")),
        }
    }

    pub fn master_key_source(&self) -> Result<MasterKeySource> {
        if let Some(p) = &self.global.master_key_file {
            return Ok(MasterKeySource::File(p.clone()));
        }
        if let Ok(k) = std::env::var("KEYADM_MASTER_KEY") {
            return Ok(MasterKeySource::Inline(Zeroizing::new(k)));
        }
        Ok(MasterKeySource::File(
            xdg_dir("XDG_CONFIG_HOME", ".config")?.join("keyadm/master.key"),
        ))
    }

    /// The actor: `--actor`, `KEYADM_ACTOR`, else the OS login name.
    pub fn actor(&self) -> String {
        self.global
            .actor
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("LOGNAME").ok())
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| "unknown".to_string())
    }

    /// The organization for new keys: `--org`, else the default tenant.
    pub fn org(&self) -> String {
        self.global
            .org
            .clone()
            .unwrap_or_else(|| DEFAULT_TENANT.to_string())
    }

    /// Opens an existing store for reading, without the master key.
    pub fn open_read(&self) -> Result<Store> {
        Store::open(&self.store_path()?, Access::Existing, self.now())
    }

    /// Opens an existing store for a change that only makes sense on keys
    /// that exist (copy, export): no store is created on first use.
    pub fn open_existing_write(&self) -> Result<Store> {
        if !self.store_path()?.exists() {
            self.open_read()?;
        }
        self.open_write()
    }

    /// Opens the store for a change, with the master key; creates both on
    /// first use. Never makes a new master key for an existing store.
    pub fn open_write(&self) -> Result<Store> {
        let path = self.store_path()?;
        let source = self.master_key_source()?;
        let existed = path.exists();
        let master = match MasterKey::load(&source)? {
            Some(k) => k,
            None if existed => return Err(missing_master(&source)),
            None => match &source {
                MasterKeySource::File(p) => {
                    let k = MasterKey::create_file(p)?;
                    self.printer.note(format!(
                        "keyadm: created a new master key at {}",
                        p.display()
                    ));
                    k
                }
                MasterKeySource::Inline(_) => unreachable!("an inline key always loads"),
            },
        };
        let mut store = Store::open(&path, Access::Create, self.now())?;
        if !existed {
            self.printer
                .note(format!("keyadm: created a new store at {}", path.display()));
        }
        store.unlock(master)?;
        Ok(store)
    }

    /// The tenant the actor is confined to, if any (`None`: the operator sees all).
    pub fn confined_tenant(&self) -> Option<&str> {
        None
    }

    /// How to show times: `--date-format`, `KEYADM_DATE_FORMAT`, else the setting.
    pub fn time_format(&self, settings: &Settings) -> TimeFormat {
        let f = self
            .global
            .date_format
            .as_deref()
            .unwrap_or(settings.date_format());
        TimeFormat::new(f, self.global.utc)
    }

    /// Is a person at a terminal to answer a prompt?
    pub fn interactive(&self) -> bool {
        std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
    }

    /// Asks for a yes; `--yes` answers it; without a terminal it is refused.
    pub fn confirm(&self, question: &str, flag_hint: &str) -> Result<()> {
        if self.global.yes {
            return Ok(());
        }
        if !self.interactive() {
            return Err(Error::usage(format!(
                "{question} needs a confirmation, and there is no terminal to ask"
            ))
            .hint(format!("pass --yes to confirm: {flag_hint}")));
        }
        let yes = dialoguer::Confirm::new()
            .with_prompt(question)
            .default(false)
            .interact()
            .map_err(|e| Error::environment(format!("cannot read the answer: {e}")))?;
        if yes {
            Ok(())
        } else {
            Err(Error::refused("cancelled; nothing was changed"))
        }
    }
}

fn missing_master(source: &MasterKeySource) -> Error {
    Error::environment(format!("the master key {} is missing, and the store already exists", source.describe()))
        .hint("restore the master key file of this store, or point --master-key-file at it; keyadm never makes a new one for an existing store")
}
