//! `user add|list|edit|enable|disable|remove`: the users of a tenant, their
//! role and privileges. Changes are an admin's, within its own tenant,
//! audited with action `user`. Also the check that binds a key to a user.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{Right, Session};
use crate::domain::org::{org_not_found, tenant_of, DEFAULT_TENANT};
use crate::domain::user::User;
use crate::error::{Error, Result};
use crate::store::{NewAudit, Tx};

mod request;
pub use request::{CheckedEdit, NewUser, UserEdit};

/// A user as `user list --json` and the other `--json` outputs show it.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    #[serde(flatten)]
    pub user: User,
    pub state: &'static str,
    /// Keys bound to the user.
    pub keys: i64,
}

impl UserView {
    fn new(user: User, keys: i64) -> UserView {
        UserView {
            state: user.state(),
            user,
            keys,
        }
    }
}

/// What `user enable|disable|remove` did to one user.
#[derive(Debug, Clone, Serialize)]
pub struct UserOutcome {
    pub name: String,
    pub changed: bool,
    pub state: &'static str,
    /// Keys bound to the user.
    pub keys: i64,
}

/// What `user edit` did: the user after it, and the changed fields
/// (`{field: {"before": …, "after": …}}`, empty when nothing changed).
#[derive(Debug, Clone)]
pub struct UserEdited {
    pub user: UserView,
    pub changed: Map<String, Value>,
}

pub fn user_not_found(name: &str) -> Error {
    Error::not_found(format!("no user \"{name}\"")).hint("list the users with: keyadm user list")
}

/// A user the actor may see: any for the operator, their tenant's for a user.
fn find_visible(tx: &Tx, tenant: Option<&str>, name: &str) -> Result<User> {
    tx.find_user(name)?
        .filter(|u| tenant.is_none_or(|t| t == u.tenant))
        .ok_or_else(|| user_not_found(name))
}

/// Finds every named user once, in argument order.
fn find_all(tx: &Tx, tenant: Option<&str>, names: &[String]) -> Result<Vec<User>> {
    let mut out: Vec<User> = Vec::new();
    for n in names {
        let u = find_visible(tx, tenant, n)?;
        if !out.iter().any(|x| x.name == u.name) {
            out.push(u);
        }
    }
    Ok(out)
}

fn audit_user(tx: &Tx, actor: &str, user: &User, details: Value) -> Result<()> {
    tx.append_audit(NewAudit {
        actor,
        action: "user",
        key_id: None,
        key_name: None,
        tenant: Some(&user.tenant),
        details,
    })
}

/// The longest name PostgreSQL gives a role (NAMEDATALEN - 1).
pub const PG_ROLE_NAME_MAX: usize = 63;

/// Registers a user in `org` (else the actor's organization, else the
/// default tenant), within the actor's tenant.
pub fn add(session: &mut Session, org: Option<&str>, new: &NewUser) -> Result<UserView> {
    add_with_login(session, org, new, None)
}

/// The login role `user add --create-login` creates with the user, on
/// PostgreSQL: with a password, or none (peer or trust authentication).
#[derive(Debug, Clone, Default)]
pub struct NewLogin {
    pub password: Option<String>,
}

/// [`add`], creating the user's login role too when `login` is given
/// (an operator's, on PostgreSQL only; SPEC §5.10).
pub fn add_with_login(
    session: &mut Session,
    org: Option<&str>,
    new: &NewUser,
    login: Option<&NewLogin>,
) -> Result<UserView> {
    const WHAT: &str = "add users";
    session.require(Right::Admin, WHAT)?;
    if login.is_some() {
        if !session.on_postgres() {
            return Err(Error::usage(
                "--create-login is for a PostgreSQL store: a file store has no login roles",
            )
            .hint("drop --create-login; on a file store a user is who runs keyadm (--actor)"));
        }
        session.require(Right::Operator, "create login roles")?;
    }
    // On PostgreSQL a user is the login role of its name (SPEC §5.10).
    if session.on_postgres() && new.name.len() > PG_ROLE_NAME_MAX {
        return Err(Error::usage(format!(
            "the user name \"{}\" is {} bytes: on PostgreSQL a user is a database role, whose name is at most {PG_ROLE_NAME_MAX} bytes",
            new.name.escape_debug(),
            new.name.len()
        ))
        .hint("choose a shorter name"));
    }
    let org = org
        .map(str::to_string)
        .or_else(|| session.actor_user().map(|u| u.org.clone()))
        .unwrap_or_else(|| DEFAULT_TENANT.to_string());
    if session
        .confined_tenant()
        .is_some_and(|t| t != tenant_of(&org))
    {
        return Err(org_not_found(&org));
    }
    let actor = session.actor_name().to_string();
    let now = session.now();
    let user = session.write(Right::Admin, WHAT, |tx| {
        let name = &new.name;
        if !tx.org_exists(&org)? {
            return Err(org_not_found(&org));
        }
        if tx.is_operator(name)? {
            return Err(Error::refused(format!(
                "the name \"{name}\" is reserved: it is an operator of this store"
            ))
            .hint("choose another name (keyadm operator list shows the reserved ones)"));
        }
        if tx.user_name_taken(name)? {
            return Err(
                Error::refused(format!("the user name \"{name}\" is taken"))
                    .hint("choose another name (user names are unique in the store)"),
            );
        }
        let bound = tx.count_keys_bound_to(name)?;
        if bound > 0 {
            return Err(Error::refused(format!(
                "{bound} key{} still bound to the removed user \"{name}\"; a new user of that name would inherit them",
                if bound == 1 { " is" } else { "s are" },
            ))
            .hint(format!(
                "rebind or delete them first: keyadm list --user {name} (then keyadm edit KEY --user all)"
            )));
        }
        let user = User {
            name: name.clone(),
            display_name: new.display_name.clone(),
            email: new.email.clone(),
            org: org.clone(),
            tenant: tenant_of(&org).to_string(),
            groups: new.groups.clone(),
            role: new.role,
            enabled: true,
            privileges: new.privileges.clone(),
            created_at: now,
        };
        if let Some(login) = login {
            if tx.login_role_exists(name)? {
                return Err(Error::refused(format!(
                    "the database role \"{name}\" exists already"
                ))
                .hint("drop --create-login to make that role a keyadm user, or choose another name"));
            }
            tx.create_login(name, login.password.as_deref())?;
        }
        tx.insert_user(&user)?;
        let mut details = json!({"op": "add", "user": user});
        if login.is_some() {
            details["login_created"] = json!(true);
        }
        audit_user(tx, &actor, &user, details)?;
        Ok(user)
    })?;
    Ok(UserView::new(user, 0))
}

/// The users the actor sees, at and below `org` when given, in `group`
/// and containing `search` when given, with their bound keys counted.
pub fn list(
    session: &mut Session,
    org: Option<&str>,
    group: Option<&str>,
    search: Option<&str>,
) -> Result<Vec<UserView>> {
    let tenant = session.confined_tenant().map(str::to_string);
    session.read(|tx| {
        tx.users(tenant.as_deref(), org)?
            .into_iter()
            .filter(|u| u.matches(group, search))
            .map(|u| {
                let keys = tx.count_keys_bound_to(&u.name)?;
                Ok(UserView::new(u, keys))
            })
            .collect()
    })
}

/// Changes a user's fields, role or privileges; audited when something changed.
pub fn edit(session: &mut Session, name: &str, edit: &CheckedEdit) -> Result<UserEdited> {
    const WHAT: &str = "change users";
    session.require(Right::Admin, WHAT)?;
    let actor = session.actor_name().to_string();
    let tenant = session.confined_tenant().map(str::to_string);
    session.write(Right::Admin, WHAT, |tx| {
        let old = find_visible(tx, tenant.as_deref(), name)?;
        let new = edit.apply(&old)?;
        if new.org != old.org && !tx.org_exists(&new.org)? {
            return Err(org_not_found(&new.org));
        }
        let changed = super::key_changes::diff(&old, &new);
        if !changed.is_empty() {
            tx.update_user(&new)?;
            audit_user(
                tx,
                &actor,
                &new,
                json!({"op": "edit", "user": new.name, "changes": changed.clone()}),
            )?;
        }
        let keys = tx.count_keys_bound_to(&new.name)?;
        Ok(UserEdited {
            user: UserView::new(new, keys),
            changed,
        })
    })
}

/// Enables or disables the named users (idempotent; all must exist).
pub fn set_enabled(
    session: &mut Session,
    names: &[String],
    enabled: bool,
) -> Result<Vec<UserOutcome>> {
    let op = if enabled { "enable" } else { "disable" };
    let what = format!("{op} users");
    session.require(Right::Admin, &what)?;
    let actor = session.actor_name().to_string();
    let tenant = session.confined_tenant().map(str::to_string);
    session.write(Right::Admin, &what, |tx| {
        let mut out = Vec::new();
        for mut u in find_all(tx, tenant.as_deref(), names)? {
            let changed = u.enabled != enabled;
            let keys = tx.count_keys_bound_to(&u.name)?;
            if changed {
                u.enabled = enabled;
                tx.update_user(&u)?;
                audit_user(
                    tx,
                    &actor,
                    &u,
                    json!({"op": op, "user": u.name, "bound_keys": keys}),
                )?;
            }
            out.push(UserOutcome {
                name: u.name.clone(),
                changed,
                state: u.state(),
                keys,
            });
        }
        Ok(out)
    })
}

/// A user that `remove` would remove, and the keys bound to them (which
/// will deny everything): for the front end to warn and ask first, before
/// any write lock is taken.
#[derive(Debug, Clone)]
pub struct Removal {
    pub name: String,
    pub bound_keys: i64,
}

/// What removing the named users would do (all must exist).
pub fn plan_removal(session: &mut Session, names: &[String]) -> Result<Vec<Removal>> {
    session.require(Right::Admin, "remove users")?;
    let tenant = session.confined_tenant().map(str::to_string);
    session.read(|tx| {
        find_all(tx, tenant.as_deref(), names)?
            .into_iter()
            .map(|u| {
                Ok(Removal {
                    bound_keys: tx.count_keys_bound_to(&u.name)?,
                    name: u.name,
                })
            })
            .collect()
    })
}

/// Removes the named users (all must exist); keys bound to them deny everything.
pub fn remove(session: &mut Session, names: &[String]) -> Result<Vec<UserOutcome>> {
    let actor = session.actor_name().to_string();
    let tenant = session.confined_tenant().map(str::to_string);
    session.write(Right::Admin, "remove users", |tx| {
        let mut out = Vec::new();
        for u in find_all(tx, tenant.as_deref(), names)? {
            let keys = tx.count_keys_bound_to(&u.name)?;
            tx.delete_user(&u.name)?;
            audit_user(
                tx,
                &actor,
                &u,
                json!({"op": "remove", "user": u, "bound_keys": keys}),
            )?;
            out.push(UserOutcome {
                name: u.name,
                changed: true,
                state: "removed",
                keys,
            });
        }
        Ok(out)
    })
}
