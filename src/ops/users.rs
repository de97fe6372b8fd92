//! `user add|list|edit|enable|disable|remove`: the users of a tenant, their
//! role and privileges. Changes are an admin's, within its own tenant,
//! audited with action `user`. Also the check that binds a key to a user.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{Right, Session};
use crate::domain::key::{Key, KeyType};
use crate::domain::org::{org_not_found, tenant_of, DEFAULT_TENANT};
use crate::domain::rules::Rule;
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

/// Checks that a key of `tenant` may be bound to the user `name`: the user
/// exists in that tenant, is enabled, and, for a custom key, has privileges
/// covering every one of the key's rules.
pub fn check_user_binding(
    tx: &Tx,
    tenant: &str,
    name: &str,
    key_type: KeyType,
    rules: &[Rule],
) -> Result<()> {
    let user = tx
        .find_user(name)?
        .filter(|u| u.tenant == tenant)
        .ok_or_else(|| user_not_found(name))?;
    if !user.enabled {
        return Err(Error::refused(format!(
            "user \"{name}\" is disabled; a key cannot be bound to them"
        ))
        .hint(format!("enable them first: keyadm user enable {name}")));
    }
    if key_type == KeyType::Custom {
        if let Some(rule) = user.uncovered_rule(rules) {
            return Err(Error::refused(format!(
                "user \"{name}\" lacks the privilege for the rule \"{rule}\""
            ))
            .hint(format!(
                "narrow the rule, bind the key to --user all, or grant it: keyadm user edit {name} --allow '{rule}'"
            )));
        }
    }
    Ok(())
}

/// The state of the user a key is bound to: `None` for a key of all users,
/// else `enabled`, `disabled` or `removed`, from `states` (name → enabled).
pub fn binding_state(states: &HashMap<String, bool>, key: &Key) -> Option<&'static str> {
    let user = key.user.as_deref()?;
    Some(match states.get(user) {
        Some(true) => "enabled",
        Some(false) => "disabled",
        None => "removed",
    })
}

/// The same for one key, looked up in the store.
pub fn bound_user_state(tx: &Tx, key: &Key) -> Result<Option<&'static str>> {
    let Some(name) = key.user.as_deref() else {
        return Ok(None);
    };
    let states = tx
        .find_user(name)?
        .filter(|u| u.tenant == key.tenant)
        .map(|u| (u.name, u.enabled))
        .into_iter()
        .collect();
    Ok(binding_state(&states, key))
}

/// The changed fields of a user, `{field: {"before": …, "after": …}}`
/// (the shape `edit` records for a key).
fn diff(old: &User, new: &User) -> Map<String, Value> {
    let a = serde_json::to_value(old).expect("users serialize");
    let b = serde_json::to_value(new).expect("users serialize");
    let mut out = Map::new();
    if let (Value::Object(a), Value::Object(b)) = (a, b) {
        for (field, after) in b {
            let before = a.get(&field).cloned().unwrap_or(Value::Null);
            if before != after {
                out.insert(field, json!({"before": before, "after": after}));
            }
        }
    }
    out
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

/// Registers a user in `org` (else the actor's organization, else the
/// default tenant), within the actor's tenant.
pub fn add(session: &mut Session, org: Option<&str>, new: &NewUser) -> Result<UserView> {
    const WHAT: &str = "add users";
    session.require(Right::Admin, WHAT)?;
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
        if tx.find_user(name)?.is_some() {
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
        tx.insert_user(&user)?;
        audit_user(tx, &actor, &user, json!({"op": "add", "user": user}))?;
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
        let changed = diff(&old, &new);
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
