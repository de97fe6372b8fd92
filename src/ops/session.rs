//! The session: who acts and when, and the only way to the store. Every
//! operation reads through `Session::read` and changes through
//! `Session::write`, which checks the actor's right first (SPEC §5.1), so
//! that no operation can forget it.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::crypto::seal::{MasterKey, MasterKeySource};
use crate::domain::expiry::Clock;
use crate::domain::user::{Role, User};
use crate::error::{Error, Result};
use crate::identity::OsAccount;
use crate::store::{Access, Author, Store, Tx};

/// Where a session's store is: a PostgreSQL URL (SPEC §5.10) or a path.
pub use crate::store::{is_pg_location, PgEnv, PgTarget};

/// Who runs a command, as the front end found it: the declared actor
/// (`--actor`, `KEYADM_ACTOR`, else `$USER`/`$LOGNAME`/passwd) and the OS
/// account that really runs it.
#[derive(Debug, Clone)]
pub struct Identity {
    pub declared: String,
    pub os: OsAccount,
}

impl Identity {
    /// The declared name, else the OS account's own name.
    pub fn new(declared: Option<String>, os: OsAccount) -> Identity {
        let declared = declared
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| os.name());
        Identity { declared, os }
    }
}

/// What the actor is to the store, once resolved (SPEC §5.1).
#[derive(Debug, Clone)]
pub enum Actor {
    /// Everything, every tenant; `name` is the declared actor (a label
    /// when the OS account made it an operator).
    Operator { name: String },
    /// A registered user, confined to its tenant; its role says what it may change.
    User(User),
}

/// What an operation needs of the actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Right {
    /// Read its tenant (every actor the store knows).
    Read,
    /// Audited reveal, copy and export of its tenant's keys (members too).
    Reveal,
    /// Change its tenant: keys, users, organizations, sweep, notify.
    Admin,
    /// The whole store: settings, operators, every tenant.
    Operator,
}

/// Where the store and its master key are.
#[derive(Debug, Clone)]
pub struct StoreLocation {
    pub path: PathBuf,
    /// A store on PostgreSQL instead of the file at `path` (issue 13).
    pub pg: Option<crate::store::PgTarget>,
    pub master: MasterKeySource,
    /// Where the store's trust key is published on unlock
    /// (`$XDG_CONFIG_HOME/keyadm/trust`, SPEC §5.4); `None`: nowhere.
    pub trust_dir: Option<PathBuf>,
}

/// How a command opens the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// An existing store, without the master key.
    Read,
    /// With the master key; the store and key are created on first use.
    Write,
    /// An existing store, with the master key; creates nothing.
    WriteExisting,
}

/// What opening created, for the front end to tell the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    MasterKey(PathBuf),
    Store(PathBuf),
}

pub struct Session {
    store: Store,
    identity: Identity,
    actor: Actor,
    clock: Clock,
    created: Vec<Created>,
}

impl Session {
    /// Opens the store at `at` as `identity`, and resolves the actor.
    pub fn open(
        at: &StoreLocation,
        how: Open,
        identity: Identity,
        clock: Clock,
    ) -> Result<Session> {
        let now = clock.now();
        let mut created = Vec::new();
        let store = match how {
            Open::Read => match &at.pg {
                Some(t) => Store::open_pg(t, Access::Existing, now)?,
                None => Store::open(&at.path, Access::Existing, now)?,
            },
            Open::Write | Open::WriteExisting => {
                let access = if how == Open::Write {
                    Access::Create
                } else {
                    Access::Existing
                };
                open_with_master(at, access, now, &mut created)?
            }
        };
        let mut s = Session::resolve(store, identity, clock)?;
        s.created = created;
        Ok(s)
    }

    /// Resolves who `identity` is in `store` (SPEC §5.1): a declared
    /// operator name; else a registered user (confined to its tenant);
    /// else an OS account that is an operator (the declared name kept as
    /// a label); else refused.
    pub fn resolve(mut store: Store, mut identity: Identity, clock: Clock) -> Result<Session> {
        // On PostgreSQL the actor is the role that authenticated (SPEC
        // §5.1); a different declared name is only a label.
        let role = store.session_user()?;
        let mut label = None;
        if let Some(role) = &role {
            if identity.declared != *role {
                label = Some(std::mem::replace(&mut identity.declared, role.clone()));
            }
        }
        let declared = identity.declared.clone();
        let os_name = identity.os.name();
        let (declared_op, user, os_op) = store.read(clock.now(), |tx| {
            let declared_op = tx.is_operator(&declared)?;
            let user = match declared_op {
                true => None,
                false => tx.find_user(&declared)?,
            };
            let os_op = role.is_none() && tx.is_operator(&os_name)?;
            Ok((declared_op, user, os_op))
        })?;
        let actor = match (declared_op, user) {
            (true, _) => Actor::Operator { name: declared },
            (false, Some(u)) if !u.enabled => {
                return Err(Error::refused(format!(
                    "the actor \"{}\" is a disabled user of tenant \"{}\"",
                    u.name, u.tenant
                ))
                .hint(format!(
                    "an admin of the tenant can enable them: keyadm user enable {}",
                    u.name
                )))
            }
            (false, Some(u)) => Actor::User(u),
            (false, None) if os_op => Actor::Operator { name: declared },
            (false, None) if role.is_some() => {
                return Err(Error::refused(format!(
                    "the database role \"{declared}\" is neither an operator of this store nor a registered user"
                ))
                .hint(format!(
                    "an operator can add the role: keyadm operator add {declared}"
                )))
            }
            (false, None) => {
                return Err(Error::refused(format!(
                    "the actor \"{declared}\" is neither an operator of this store nor a registered user, and the OS account \"{os_name}\" is no operator"
                ))
                .hint(format!(
                    "an operator can add the name: keyadm operator add {declared}"
                )))
            }
        };
        store.set_author(Author {
            os_uid: identity.os.uid,
            os_user: identity.os.login.clone(),
            as_of: clock.as_of(),
            clock,
            label,
        });
        Ok(Session {
            store,
            identity,
            actor,
            clock,
            created: Vec::new(),
        })
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The declared actor: what "created by" and the audit log record.
    pub fn actor_name(&self) -> &str {
        &self.identity.declared
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The registered user the actor is, if any.
    pub fn actor_user(&self) -> Option<&User> {
        match &self.actor {
            Actor::User(u) => Some(u),
            Actor::Operator { .. } => None,
        }
    }

    /// Whether the store is on PostgreSQL.
    pub fn on_postgres(&self) -> bool {
        self.store.is_pg()
    }

    pub fn is_operator(&self) -> bool {
        matches!(self.actor, Actor::Operator { .. })
    }

    /// The tenant the actor is confined to (`None`: an operator sees all).
    pub fn confined_tenant(&self) -> Option<&str> {
        self.actor_user().map(|u| u.tenant.as_str())
    }

    /// The as-of time of every decision (`KEYADM_NOW`, else now).
    /// The open store, for an operation that reads it whole (`store copy`).
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// Attaches the master key to a session opened for reading (signing
    /// reads sealed values and writes nothing).
    pub fn unlock(&mut self, master: MasterKey) -> Result<()> {
        self.store.unlock(master)
    }

    /// What opening created (a master key, a store), first use only.
    pub fn created(&self) -> &[Created] {
        &self.created
    }

    /// Refuses (exit 4) unless the actor has `right`; `what` completes
    /// "may not …", e.g. "generate keys".
    pub fn require(&self, right: Right, what: &str) -> Result<()> {
        let user = match (&self.actor, right) {
            (Actor::Operator { .. }, _) | (Actor::User(_), Right::Read | Right::Reveal) => {
                return Ok(())
            }
            (Actor::User(u), Right::Admin) if u.role == Role::Admin => return Ok(()),
            (Actor::User(u), _) => u,
        };
        Err(match right {
            Right::Operator => Error::refused(format!(
                "the actor \"{}\" is a user of tenant \"{}\" and may not {what}",
                user.name, user.tenant
            ))
            .hint("an operator of the store can (keyadm operator list names them)"),
            _ => Error::refused(format!(
                "the actor \"{}\" is a member of tenant \"{}\" and may not {what}",
                user.name, user.tenant
            ))
            .hint(format!(
                "ask an admin of tenant \"{}\" (keyadm user list --json shows the roles)",
                user.tenant
            )),
        })
    }

    /// Calls `notice` when a write of this session has waited a second for
    /// another process's lock (see [`Store::on_lock_wait`]).
    pub fn on_lock_wait(&mut self, notice: impl FnMut(&crate::store::LockWait) + Send + 'static) {
        self.store.on_lock_wait(notice);
    }

    /// Runs `f` against a consistent snapshot (every actor may read; what
    /// it sees is confined by the queries to `confined_tenant`).
    pub fn read<T>(&mut self, f: impl FnOnce(&Tx) -> Result<T>) -> Result<T> {
        let now = self.clock.now();
        self.store.read(now, f)
    }

    /// Runs `f` in one write transaction, once the actor is found to have
    /// `right` (`what` names the change in the refusal).
    pub fn write<T>(
        &mut self,
        right: Right,
        what: &str,
        f: impl FnOnce(&Tx) -> Result<T>,
    ) -> Result<T> {
        self.require(right, what)?;
        let now = self.clock.now();
        self.store.write(now, f)
    }

    /// Runs `f` as `write` does, and rolls everything back (a dry run that
    /// goes through every check of the real change).
    pub fn write_rolled_back<T>(
        &mut self,
        right: Right,
        what: &str,
        f: impl FnOnce(&Tx) -> Result<T>,
    ) -> Result<T> {
        self.require(right, what)?;
        let now = self.clock.now();
        self.store.write_rolled_back(now, f)
    }
}

/// Opens the store with the master key, creating both on first use; never
/// makes a new master key for an existing store.
fn open_with_master(
    at: &StoreLocation,
    access: Access,
    now: DateTime<Utc>,
    created: &mut Vec<Created>,
) -> Result<Store> {
    if let Some(target) = &at.pg {
        // The schema is made (or checked) first; a new master key only for
        // a store that has never had one.
        let mut store = Store::open_pg(target, access, now)?;
        let master = match MasterKey::load(&at.master)? {
            Some(k) => k,
            None => match &at.master {
                MasterKeySource::File(p)
                    if access == Access::Create && !store.has_master_check()? =>
                {
                    let (k, made) = MasterKey::create_file(p)?;
                    if made {
                        created.push(Created::MasterKey(p.clone()));
                    }
                    k
                }
                _ => return Err(missing_master(&at.master)),
            },
        };
        if store.created_schema() {
            created.push(Created::Store(at.path.clone()));
        }
        store.unlock(master)?;
        publish_trust_key(&mut store, at);
        return Ok(store);
    }
    // An existing file is checked (schema, "is it a store") before the
    // master key is looked for, and nothing is created for it.
    if at.path.exists() || access == Access::Existing {
        let mut store = Store::open(&at.path, Access::Existing, now)?;
        let master = MasterKey::load(&at.master)?.ok_or_else(|| missing_master(&at.master))?;
        store.unlock(master)?;
        publish_trust_key(&mut store, at);
        return Ok(store);
    }
    let master = match MasterKey::load(&at.master)? {
        Some(k) => k,
        None => match &at.master {
            MasterKeySource::File(p) => {
                let (k, made) = MasterKey::create_file(p)?;
                // (Another process creating it at the same moment says so.)
                if made {
                    created.push(Created::MasterKey(p.clone()));
                }
                k
            }
            MasterKeySource::Inline(_) => unreachable!("an inline key always loads"),
        },
    };
    let mut store = Store::open(&at.path, Access::Create, now)?;
    created.push(Created::Store(at.path.clone()));
    store.unlock(master)?;
    publish_trust_key(&mut store, at);
    Ok(store)
}

/// Writes the trust key where verifiers look for it, when it is not there
/// yet. A failure does not fail the command (`keyadm trust export` prints
/// the key any time).
fn publish_trust_key(store: &mut Store, at: &StoreLocation) {
    if let Some(dir) = &at.trust_dir {
        let _ = store.publish_trust_key(dir);
    }
}

fn missing_master(source: &MasterKeySource) -> Error {
    Error::environment(format!("the master key {} is missing, and the store already exists", source.describe()))
        .hint("restore the master key file of this store, or point --master-key-file at it; keyadm never makes a new one for an existing store")
}
