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
use crate::output::{Colors, Printer};
use keyadm::crypto::seal::MasterKeySource;
use keyadm::domain::expiry::{parse_expiry, parse_expiry_in, DateInput, Expiry};
use keyadm::domain::org::{validate_org, DEFAULT_TENANT};
use keyadm::domain::settings::{validate_date_format, Settings};
use keyadm::domain::user::User;
use keyadm::identity::OsAccount;
use keyadm::ops::session::{is_pg_location, PgEnv, PgTarget};
use keyadm::ops::{Actor, Created, Identity, Open, Session, StoreLocation};
use keyadm::{Clock, Error, Result};

pub struct Context {
    pub global: GlobalArgs,
    pub clock: Clock,
    pub printer: Printer,
    /// Who the actor is to the store (SPEC §5.1); resolved when the store
    /// is first opened.
    resolved: OnceCell<Actor>,
    /// `--date-format` was on this command line (not from the environment).
    date_format_given: bool,
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
    pub fn new(mut global: GlobalArgs, colors: Colors) -> Result<Self> {
        let clock = Clock::from_env_value(std::env::var("KEYADM_NOW").ok().as_deref())?;
        let printer = Printer::new(global.json, global.quiet, colors);
        let date_format_given = global.date_format.is_some();
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
        let ctx = Context {
            global,
            clock,
            printer,
            resolved: OnceCell::new(),
            date_format_given,
        };
        keyadm::domain::value::refuse_value_in("actor", &ctx.actor())?;
        Ok(ctx)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The PostgreSQL store `--db`/`KEYADM_DB` names, if it names one
    /// (SPEC §5.10): `PG*` variables and `.pgpass` fill in the rest; a
    /// password on the command line is refused (argv is public).
    pub fn pg_target(&self) -> Result<Option<PgTarget>> {
        let Some(text) = self.global.db.as_ref().and_then(|p| p.to_str()) else {
            return Ok(None);
        };
        if !is_pg_location(text) {
            return Ok(None);
        }
        let target = parse_pg(text)?;
        if target.password_in_text && self.global.db_on_command_line {
            return Err(password_on_argv("--db", Some("KEYADM_DB"), &target));
        }
        Ok(Some(target))
    }
}

/// `text` (a `postgres://` URL or `pg:` pairs) filled in from the `PG*`
/// variables and `.pgpass`.
pub fn parse_pg(text: &str) -> Result<PgTarget> {
    let vars = [
        "PGHOST",
        "PGPORT",
        "PGUSER",
        "PGDATABASE",
        "PGPASSWORD",
        "PGPASSFILE",
    ]
    .iter()
    .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
    .collect();
    let env = PgEnv {
        vars,
        home: home_dir(),
        os_user: OsAccount::current().name(),
    };
    PgTarget::parse(text, &env)
}

/// A password in a URL given on the command line (argv is public): exit 2.
pub fn password_on_argv(what: &str, var: Option<&str>, target: &PgTarget) -> Error {
    let or_var = var.map_or(String::new(), |v| format!(", or the whole URL in {v}"));
    Error::usage(format!(
        "a password in {what} is visible to every user of this machine (the command line is public)",
    ))
    .hint(format!(
        "put the password in ~/.pgpass or PGPASSWORD{or_var}: {what} {}",
        target.shown
    ))
}

impl Context {
    /// Whether the store is there to read: a file that exists, or any
    /// PostgreSQL store (its schema is checked when it is opened).
    pub fn store_exists(&self) -> Result<bool> {
        if self.pg_target()?.is_some() {
            return Ok(true);
        }
        Ok(self.store_path()?.exists())
    }

    /// A verifier of the store (`verify --batch`, `serve`): the file, or
    /// the PostgreSQL store.
    pub fn open_verifier(
        &self,
        options: keyadm::VerifierOptions,
        trust: &keyadm::ops::verify::TrustChoice,
        witness: Option<&keyadm::ops::witness::WitnessChoice>,
    ) -> Result<keyadm::Verifier> {
        match self.pg_target()? {
            Some(t) => keyadm::Verifier::open_pg_witnessed(&t, options, trust, witness),
            None => keyadm::Verifier::open_witnessed(&self.store_path()?, options, trust, witness),
        }
    }

    /// The store file. A PostgreSQL URL is refused here: only the commands
    /// that need a file (none today but those that name one) ask for it.
    pub fn store_path(&self) -> Result<PathBuf> {
        if let Some(t) = self.pg_target()? {
            return Err(Error::usage(format!(
                "this command does not work on a PostgreSQL store yet ({})",
                t.shown
            ))
            .hint("run it on an SQLite store (--db PATH)"));
        }
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

    /// The declared actor: `--actor`, `KEYADM_ACTOR`, else `$USER`,
    /// `$LOGNAME`, else the OS account's login name.
    pub fn actor(&self) -> String {
        self.identity().declared
    }

    /// The declared actor and the OS account that runs this process.
    pub fn identity(&self) -> Identity {
        let declared = self
            .global
            .actor
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("LOGNAME").ok());
        Identity::new(declared, OsAccount::current())
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

    /// `$XDG_CONFIG_HOME/keyadm/trust`: where trust keys are published and found.
    pub fn trust_dir(&self) -> Option<PathBuf> {
        xdg_dir("XDG_CONFIG_HOME", ".config")
            .ok()
            .map(|d| d.join("keyadm/trust"))
    }

    /// `$XDG_STATE_HOME/keyadm` (else `~/.local/state/keyadm`): where the
    /// head witness of each store is kept (SPEC §5.4).
    pub fn state_dir(&self) -> Result<PathBuf> {
        Ok(xdg_dir("XDG_STATE_HOME", ".local/state")?.join("keyadm"))
    }

    /// The head witness for verifiers and `audit verify`; `accept`:
    /// `--accept-head`.
    pub fn witness_choice(&self, accept: bool) -> Result<keyadm::ops::witness::WitnessChoice> {
        Ok(keyadm::ops::witness::WitnessChoice {
            dir: self.state_dir()?,
            accept,
        })
    }

    /// Where verifiers find the trust key (SPEC §5.4): `--trust-key`, then
    /// `KEYADM_TRUST_KEY`, then the trust folder.
    pub fn trust_choice(
        &self,
        file: Option<PathBuf>,
        require: bool,
    ) -> keyadm::ops::verify::TrustChoice {
        keyadm::ops::verify::TrustChoice {
            file: file.or_else(|| {
                std::env::var_os("KEYADM_TRUST_KEY")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            }),
            dir: self.trust_dir(),
            require,
        }
    }

    pub fn location(&self) -> Result<StoreLocation> {
        let pg = self.pg_target()?;
        Ok(StoreLocation {
            path: match &pg {
                Some(t) => PathBuf::from(&t.shown),
                None => self.store_path()?,
            },
            pg,
            master: self.master_key_source()?,
            trust_dir: self.trust_dir(),
        })
    }

    fn open(&self, how: Open) -> Result<Session> {
        let mut session = Session::open(&self.location()?, how, self.identity(), self.clock)?;
        lock_notice(&mut session, self.printer.quiet);
        for c in session.created() {
            self.printer.always(match c {
                Created::MasterKey(p) => format!(
                    "keyadm: created a new master key at {}; back it up: without it no stored value can be opened",
                    p.display()
                ),
                Created::Store(p) => format!("keyadm: created a new store at {}", p.display()),
            });
        }
        let _ = self.resolved.set(session.actor().clone());
        Ok(session)
    }

    /// A session on a store opened here (an in-memory one for a dry run).
    pub fn resolve(&self, store: keyadm::Store) -> Result<Session> {
        let mut session = Session::resolve(store, self.identity(), self.clock)?;
        lock_notice(&mut session, self.printer.quiet);
        let _ = self.resolved.set(session.actor().clone());
        Ok(session)
    }

    /// Opens an existing store for reading, without the master key.
    pub fn open_read(&self) -> Result<Session> {
        self.open(Open::Read)
    }

    /// The registered user the actor is, if any. Call after opening the store.
    pub fn actor_user(&self) -> Option<&User> {
        debug_assert!(
            self.resolved.get().is_some(),
            "the actor is looked up when the store is opened"
        );
        match self.resolved.get() {
            Some(Actor::User(u)) => Some(u),
            _ => None,
        }
    }

    /// Opens the store for a change, with the master key; creates both on
    /// first use. Never makes a new master key for an existing store.
    pub fn open_write(&self) -> Result<Session> {
        self.open(Open::Write)
    }

    /// Opens an existing store for a change, with the master key; creates
    /// nothing (for commands that act on keys a new store cannot hold).
    pub fn open_write_existing(&self) -> Result<Session> {
        self.open(Open::WriteExisting)
    }

    /// The tenant the actor is confined to, if any (`None`: an operator
    /// sees all). Call after opening the store.
    pub fn confined_tenant(&self) -> Option<&str> {
        self.actor_user().map(|u| u.tenant.as_str())
    }

    /// How to show times: `--date-format`, `KEYADM_DATE_FORMAT`, else the setting.
    /// An `--expires` input read as of now; one under an hour away is
    /// taken, with a warning (`6m` is six minutes).
    pub fn expiry(&self, input: &str) -> Result<keyadm::domain::expiry::Expiry> {
        use keyadm::domain::expiry::{short_expiry_warning, Expiry};
        let e = self.parse_expiry(input)?;
        if let Expiry::At(at) = e {
            if let Some(w) = short_expiry_warning(at, self.now()) {
                self.printer.warn(w);
            }
        }
        Ok(e)
    }

    pub fn time_format(&self, settings: &Settings) -> TimeFormat {
        let f = self
            .global
            .date_format
            .as_deref()
            .unwrap_or(settings.date_format());
        let tf = TimeFormat::new(f, self.global.utc);
        // Only a stored setting can be bad (options are validated): say so once.
        static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        if tf.fell_back() && !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
            self.printer.warn(format!(
                "the date-format setting \"{}\" cannot show dates; using iso (fix it: keyadm config set date-format iso)",
                f.escape_debug()
            ));
        }
        tf
    }

    /// How expiry inputs may be written besides ISO: in the form of the
    /// display format (`--date-format`, `KEYADM_DATE_FORMAT`, else the
    /// store's setting, read only when the store exists).
    pub fn date_input(&self) -> DateInput {
        let format = match &self.global.date_format {
            Some(f) => f.clone(),
            None => self.stored_date_format(),
        };
        DateInput::new(&format, self.date_format_given)
    }

    fn stored_date_format(&self) -> String {
        let exists = self.store_exists().unwrap_or(false);
        let read = || -> Result<String> {
            let mut session = self.open_read()?;
            session.read(|tx| Ok(tx.settings()?.date_format().to_string()))
        };
        // An unreadable store is reported by the command itself.
        match exists {
            true => read().unwrap_or_else(|_| "iso".into()),
            false => "iso".into(),
        }
    }

    /// An `--expires` value: ISO forms always, and the display format's
    /// (looked up only when the input is not an ISO form).
    pub fn parse_expiry(&self, input: &str) -> Result<Expiry> {
        match parse_expiry(input, self.now()) {
            Ok(e) => Ok(e),
            Err(iso) => {
                let how = self.date_input();
                if how.format == "iso" {
                    return Err(iso);
                }
                parse_expiry_in(input, self.now(), &how)
            }
        }
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
        let yes = super::prompt::guarded_opt(|| {
            dialoguer::Confirm::new()
                .with_prompt(question)
                .default(false)
                .interact_opt()
        })?;
        match yes {
            true => Ok(()),
            false => Err(
                Error::cancelled("cancelled (answered no); nothing was changed")
                    .hint(format!("to go ahead without the question: {flag_hint}")),
            ),
        }
    }
}

/// A write that waits a second for another process's lock says so, once,
/// on stderr (`-q` silences it), then waits on.
fn lock_notice(session: &mut Session, quiet: bool) {
    session.on_lock_wait(move |wait| {
        if !quiet {
            use std::io::Write;
            let _ = writeln!(std::io::stderr().lock(), "keyadm: {wait}");
        }
    });
}
