//! What every command needs: the global options, the clock, the printer,
//! where the store and master key are, who the actor is, and whether a
//! person is at a terminal. The store is opened only by commands that use it.

use std::cell::OnceCell;
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
use keyadm::domain::user::{Role, User};
use keyadm::store::{Access, Store};
use keyadm::{Clock, Error, Result};

pub struct Context {
    pub global: GlobalArgs,
    pub clock: Clock,
    pub printer: Printer,
    /// The registered user the actor is (`Some(None)`: not a user, the
    /// store's operator); looked up once, when the store is first opened.
    actor_user: OnceCell<Option<User>>,
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

/// `KEYADM_DATE_FORMAT`, when it is a date format. It is set once for every
/// command, most of which show no date: a bad one is a warning (and the
/// setting is used), not an error. `--date-format` stays strict.
fn date_format_from_env(printer: &Printer) -> Option<String> {
    let raw = std::env::var_os("KEYADM_DATE_FORMAT").filter(|v| !v.is_empty())?;
    let f = raw.to_string_lossy().into_owned();
    if raw.to_str().is_some() && validate_date_format(&f).is_some() {
        return Some(f);
    }
    printer.warn(format!(
        "KEYADM_DATE_FORMAT \"{}\" is not a date format; using the setting",
        f.escape_debug()
    ));
    None
}

impl Context {
    pub fn new(mut global: GlobalArgs) -> Result<Self> {
        let clock = Clock::from_env_value(std::env::var("KEYADM_NOW").ok().as_deref())?;
        let printer = Printer::new(global.json, global.quiet, global.color);
        if global.date_format.is_none() {
            global.date_format = date_format_from_env(&printer);
        }
        if let Some(f) = &global.date_format {
            validate_date_format(f).ok_or_else(|| {
                Error::usage(format!("invalid date format \"{}\"", f.escape_debug()))
                    .hint("use iso, us, eu or a strftime pattern such as %d.%m.%Y %H:%M")
            })?;
        }
        if let Some(org) = &global.org {
            validate_org(org)?;
        }
        Ok(Context {
            global,
            clock,
            printer,
            actor_user: OnceCell::new(),
        })
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn store_path(&self) -> Result<PathBuf> {
        let path = match &self.global.db {
            Some(p) => p.clone(),
            None => xdg_dir("XDG_DATA_HOME", ".local/share")?.join("keyadm/keys.db"),
        };
        if path.is_dir() {
            return Err(Error::environment(format!(
                "the store path {} is a folder, not a store file",
                path.display()
            ))
            .hint(format!(
                "name the file, e.g. --db {}",
                path.join("keys.db").display()
            )));
        }
        Ok(path)
    }

    pub fn master_key_source(&self) -> Result<MasterKeySource> {
        if let Some(p) = &self.global.master_key_file {
            return Ok(MasterKeySource::File(p.clone()));
        }
        if let Some(k) = std::env::var("KEYADM_MASTER_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty())
        {
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
            .or_else(login_name)
            .unwrap_or_else(|| "unknown".to_string())
    }

    /// The organization for new keys: `--org` (or `KEYADM_ORG`), else the
    /// actor's organization, else the default tenant. Call after opening the store.
    pub fn org(&self) -> String {
        self.global
            .org
            .clone()
            .or_else(|| self.actor_user().map(|u| u.org.clone()))
            .unwrap_or_else(|| DEFAULT_TENANT.to_string())
    }

    /// Opens an existing store for reading, without the master key.
    pub fn open_read(&self) -> Result<Store> {
        let mut store = Store::open(&self.store_path()?, Access::Existing, self.now())?;
        self.resolve_actor(&mut store)?;
        Ok(store)
    }

    /// Looks the actor up among the store's users, once per command (one
    /// indexed read). A disabled user may do nothing.
    pub fn resolve_actor(&self, store: &mut Store) -> Result<()> {
        if self.actor_user.get().is_some() {
            return Ok(());
        }
        let actor = self.actor();
        let user = store.read(self.now(), |tx| tx.find_user(&actor))?;
        if let Some(u) = user.as_ref().filter(|u| !u.enabled) {
            return Err(Error::refused(format!(
                "the actor \"{}\" is a disabled user of tenant \"{}\"",
                u.name, u.tenant
            ))
            .hint(format!(
                "an admin of the tenant can enable them: keyadm user enable {}",
                u.name
            )));
        }
        let _ = self.actor_user.set(user);
        Ok(())
    }

    /// The registered user the actor is, if any. Call after opening the store.
    pub fn actor_user(&self) -> Option<&User> {
        debug_assert!(
            self.actor_user.get().is_some(),
            "the actor is looked up when the store is opened"
        );
        self.actor_user.get().and_then(Option::as_ref)
    }

    /// Refuses (exit 4) when the actor is a member, not an admin, of their
    /// tenant. `what` completes "may not …", e.g. "generate keys".
    pub fn require_admin(&self, what: &str) -> Result<()> {
        match self.actor_user() {
            Some(u) if u.role == Role::Member => Err(Error::refused(format!(
                "the actor \"{}\" is a member of tenant \"{}\" and may not {what}",
                u.name, u.tenant
            ))
            .hint(format!(
                "ask an admin of tenant \"{}\" (keyadm user list --json shows the roles)",
                u.tenant
            ))),
            _ => Ok(()),
        }
    }

    /// Opens the store for a change, with the master key; creates both on
    /// first use. Never makes a new master key for an existing store.
    pub fn open_write(&self) -> Result<Store> {
        self.open_with_master(Access::Create)
    }

    /// Opens an existing store for a change, with the master key; creates
    /// nothing (for commands that act on keys a new store cannot hold).
    pub fn open_write_existing(&self) -> Result<Store> {
        self.open_with_master(Access::Existing)
    }

    fn open_with_master(&self, access: Access) -> Result<Store> {
        let path = self.store_path()?;
        let source = self.master_key_source()?;
        // An existing file is checked (schema, "is it a store") before the
        // master key is looked for, and nothing is created for it.
        if path.exists() || access == Access::Existing {
            let mut store = Store::open(&path, Access::Existing, self.now())?;
            let master = MasterKey::load(&source)?.ok_or_else(|| missing_master(&source))?;
            store.unlock(master)?;
            self.resolve_actor(&mut store)?;
            return Ok(store);
        }
        let master = match MasterKey::load(&source)? {
            Some(k) => k,
            None => match &source {
                MasterKeySource::File(p) => {
                    let (k, created) = MasterKey::create_file(p)?;
                    // (Another process creating it at the same moment says so.)
                    if created {
                        self.printer.always(format!(
                            "keyadm: created a new master key at {}",
                            p.display()
                        ));
                    }
                    k
                }
                MasterKeySource::Inline(_) => unreachable!("an inline key always loads"),
            },
        };
        let mut store = Store::open(&path, Access::Create, self.now())?;
        self.printer
            .always(format!("keyadm: created a new store at {}", path.display()));
        store.unlock(master)?;
        self.resolve_actor(&mut store)?;
        Ok(store)
    }

    /// Refuses (exit 4) when the actor is a registered user: what concerns
    /// the whole store (its settings, new tenants) is the operator's.
    pub fn require_operator(&self, what: &str) -> Result<()> {
        match self.actor_user() {
            Some(u) => Err(Error::refused(format!(
                "the actor \"{}\" is a user of tenant \"{}\" and may not {what}",
                u.name, u.tenant
            ))
            .hint("the store's operator (an actor who is not a registered user) can")),
            None => Ok(()),
        }
    }

    /// The tenant the actor is confined to, if any (`None`: the operator
    /// sees all). An actor who is a registered user sees only their tenant.
    /// Call after opening the store.
    pub fn confined_tenant(&self) -> Option<&str> {
        self.actor_user().map(|u| u.tenant.as_str())
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

/// The name of this process's user in /etc/passwd (for when neither USER
/// nor LOGNAME is set, as under cron or `env -i`).
fn login_name() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid().to_string();
    std::fs::read_to_string("/etc/passwd")
        .ok()?
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 2 && f[2] == uid)
        .map(|f| f[0].to_string())
}

fn missing_master(source: &MasterKeySource) -> Error {
    Error::environment(format!("the master key {} is missing, and the store already exists", source.describe()))
        .hint("restore the master key file of this store, or point --master-key-file at it; keyadm never makes a new one for an existing store")
}
