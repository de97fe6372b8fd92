//! Operations on keys: issuing one (generate and import), and the rules
//! every key operation shares once: finding KEY arguments, the user
//! binding, and the step "disable and audit" that `disable`, `sweep` and
//! `scan --disable` record in the same shape. Edit, enable, disable and
//! delete are in [`super::key_changes`]; reveal, copy and export in
//! [`super::handover`]; list and show in [`super::listing`].

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::handover::{record_undelivered, CopyPlan, Handover};
use super::{Right, Session};
use crate::domain::expiry::format_duration;
use crate::domain::import_file::ImportValue;
use crate::domain::key::{Key, KeyType, TENANT_KEY_LIMIT};
use crate::domain::key_spec::{
    check_store_rules, name_is_an_id, name_taken, resolve_expiry, KeySpec,
};
use crate::domain::org::{org_not_found, tenant_of, DEFAULT_TENANT};
use crate::domain::rules::Rule;
use crate::domain::settings::Settings;
use crate::domain::user::User;
use crate::domain::value::{generate_value, is_key_id, new_key_id, SecretValue};
use crate::error::{Error, Result};
use crate::store::{NewAudit, NewKey, Tx};

/// Why a key is disabled, and the entry that records it.
#[derive(Debug, Clone)]
pub enum DisableCause {
    /// `disable KEY --reason TEXT` (action `disable`).
    Asked(Option<String>),
    /// Expired, by `sweep` (action `expire`).
    Expired,
    /// Found in files by `scan --disable` (action `disable`, reason `leaked`).
    Leaked { found_in: Vec<String> },
}

/// Disables `key` if it is enabled, and appends its audit entry; false
/// (and nothing written) when it already was disabled. With `dry_run`
/// the key is changed in memory only.
pub fn disable_key(
    tx: &Tx,
    actor: &str,
    key: &mut Key,
    cause: DisableCause,
    dry_run: bool,
) -> Result<bool> {
    if !key.enabled {
        return Ok(false);
    }
    let (action, reason, details): (&str, Option<String>, Value) = match cause {
        DisableCause::Asked(reason) => ("disable", reason.clone(), json!({ "reason": reason })),
        DisableCause::Expired => (
            "expire",
            Some("expired".into()),
            json!({ "expires_at": key.expires_at, "reason": "expired" }),
        ),
        DisableCause::Leaked { found_in } => (
            "disable",
            Some("leaked".into()),
            json!({ "reason": "leaked", "found_in": found_in, "via": "scan --disable" }),
        ),
    };
    key.enabled = false;
    key.disabled_reason = reason;
    if !dry_run {
        tx.update_key(key)?;
        tx.append_audit(NewAudit::key(actor, action, key, details))?;
    }
    Ok(true)
}

/// Where KEY arguments are looked for: the actor's tenant (if confined)
/// and `--org` (which narrows a name to that organization's tenant).
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope<'a> {
    pub org: Option<&'a str>,
}

/// Finds every named key once, in argument order.
pub fn find_keys(
    tx: &Tx,
    tenant: Option<&str>,
    org: Option<&str>,
    names: &[String],
) -> Result<Vec<Key>> {
    let mut keys: Vec<Key> = Vec::new();
    for n in names {
        let k = tx.find_key(tenant, org, n)?;
        if !keys.iter().any(|x| x.id == k.id) {
            keys.push(k);
        }
    }
    Ok(keys)
}

fn user_not_found(name: &str) -> Error {
    Error::not_found(format!("no user \"{name}\"")).hint("list the users with: keyadm user list")
}

/// Checks that a key of `tenant` may be bound to the user `name`: the user
/// exists in that tenant, is enabled, and, for a custom key, has privileges
/// covering every one of `rules`.
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

/// The users a new key of `tenant` could be bound to (enabled ones), split
/// into those the binding rule accepts and those it refuses (a custom key's
/// rules beyond their privileges). Empty when the store does not exist yet.
pub fn bindable_users(
    session: &mut Session,
    tenant: &str,
    key_type: KeyType,
    rules: &[Rule],
) -> Result<(Vec<User>, Vec<User>)> {
    if session.confined_tenant().is_some_and(|t| t != tenant) {
        // `generate` refuses this organization anyway; offer no one of it.
        return Ok((Vec::new(), Vec::new()));
    }
    let users = session.read(|tx| tx.users(Some(tenant), None))?;
    Ok(users
        .into_iter()
        .filter(|u| u.enabled)
        .partition(|u| key_type != KeyType::Custom || u.uncovered_rule(rules).is_none()))
}

/// A name that is the ID of another key the actor can see (`visible`: a
/// confined actor's tenant; `None`, an operator's, every tenant) is
/// refused: the KEY argument would be ambiguous. A foreign key's ID is
/// accepted from a confined actor, to whom other tenants do not exist.
pub(crate) fn refuse_name_that_is_an_id(tx: &Tx, visible: Option<&str>, name: &str) -> Result<()> {
    if is_key_id(name) && tx.key_id_taken_in(visible, name)? {
        return Err(name_is_an_id(name));
    }
    Ok(())
}

/// An imported ID is replaced when it is a key's ID anywhere (IDs are
/// unique store-wide) or the name of a key the actor can see (a KEY
/// argument would be ambiguous). The replacement never says why.
fn imported_id_clashes(tx: &Tx, visible: Option<&str>, id: &str) -> Result<bool> {
    Ok(tx.key_id_taken(id)? || tx.key_name_used_in(visible, id)?)
}

/// An imported value must not be in the store already (value hashes are
/// unique store-wide). The key holding it is named only when the actor can
/// see it; otherwise the refusal says nothing of where (or whether) the
/// value is held: "this value cannot be imported" (SPEC §5.1).
pub fn refuse_value_held(tx: &Tx, confined: Option<&str>, hash: &[u8; 32]) -> Result<()> {
    match tx.find_key_by_hash(hash)? {
        // On PostgreSQL another tenant's keys are out of a tenant role's sight.
        None if !tx.value_held_anywhere(hash)? => Ok(()),
        None => Err(Error::refused("this value cannot be imported").hint(
            "leave that row out of the file, or give the key a new value where it comes from",
        )),
        Some((other, _)) if confined.is_none_or(|t| t == other.tenant) => {
            Err(Error::refused(format!(
                "its value is already in this store, as key \"{}\" ({})",
                other.name, other.id
            ))
            .hint("leave that row out of the file"))
        }
        Some(_) => Err(Error::refused("this value cannot be imported").hint(
            "leave that row out of the file, or give the key a new value where it comes from",
        )),
    }
}

/// What an imported key brings along instead of what `generate` makes up:
/// its value, its ID (kept unless taken here), its state and its history.
pub struct Imported {
    pub id: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// The refusals a store that does not exist yet would give (default
/// settings, only the default organization): checked before opening
/// creates it, so a refused first `generate` creates nothing.
pub fn check_for_new_store(spec: &KeySpec) -> Result<()> {
    let mut spec = spec.clone();
    if spec.org.is_empty() {
        spec.org = DEFAULT_TENANT.to_string();
    }
    check_store_rules(&spec, &Settings::default(), spec.org == DEFAULT_TENANT)
}

/// Inserts a key for `spec` inside the caller's transaction, with every
/// rule that needs the store checked here (settings, organization, user
/// binding, the tenant's limit, the name); with `imported`, an import (the
/// given value and ID, an `import` entry), else a new value (`generate`).
/// `confined`: the actor is confined to the key's tenant, so other tenants'
/// keys play no part in what it is told (SPEC §5.1).
pub fn issue(
    tx: &Tx,
    spec: &KeySpec,
    actor: &str,
    confined: bool,
    value: &ImportValue,
    imported: Option<Imported>,
) -> Result<Key> {
    let settings = tx.settings()?;
    let now = tx.now();
    let tenant = tenant_of(&spec.org).to_string();
    check_store_rules(spec, &settings, tx.org_exists(&spec.org)?)?;
    if let Some(user) = &spec.user {
        check_user_binding(tx, &tenant, user, spec.key_type, &spec.rules)?;
    }
    let count = tx.count_keys_in_tenant(&tenant)?;
    if count >= TENANT_KEY_LIMIT {
        return Err(Error::refused(format!(
            "tenant \"{tenant}\" already has {count} keys, the limit is {TENANT_KEY_LIMIT}"
        ))
        .hint("delete keys it no longer needs (disabled and expired keys count too): keyadm list --disabled"));
    }
    if tx.key_name_taken(&tenant, &spec.name, None)? {
        return Err(name_taken(&spec.name, &tenant));
    }
    let visible = confined.then_some(tenant.as_str());
    refuse_name_that_is_an_id(tx, visible, &spec.name)?;
    let expires_at = resolve_expiry(spec.expires, spec.key_type, &settings, now)?;
    let preferred = match &imported {
        Some(Imported { id: Some(id), .. }) if !imported_id_clashes(tx, visible, id)? => {
            Some(id.clone())
        }
        _ => None,
    };
    let id = match preferred {
        Some(id) => id,
        None => loop {
            let id = new_key_id();
            if !tx.key_id_taken(&id)? {
                break id;
            }
        },
    };
    let whole = match value {
        ImportValue::Whole(v) => Some(v),
        // Only a show-once key is imported without its value.
        ImportValue::HashOnly { .. } if spec.show_once => None,
        ImportValue::HashOnly { .. } => {
            return Err(
                Error::usage("a key imported without its value must be show-once")
                    .hint("set show_once true in the row, or import the key with its value"),
            )
        }
    };
    let key = Key {
        id: id.clone(),
        name: spec.name.clone(),
        key_type: spec.key_type,
        org: spec.org.clone(),
        tenant: tenant.clone(),
        description: spec.description.clone(),
        enabled: imported.as_ref().is_none_or(|i| i.enabled),
        disabled_reason: imported.as_ref().and_then(|i| i.disabled_reason.clone()),
        created_at: imported.as_ref().map_or(now, |i| i.created_at),
        created_by: imported
            .as_ref()
            .map_or_else(|| actor.to_string(), |i| i.created_by.clone()),
        expires_at,
        key: value.truncated(),
        show_once: spec.show_once,
        previous: None,
        rotated_at: None,
        rotate_every: spec.rotate_every,
        rate_limit: spec.rate_limit,
        user: spec.user.clone(),
        rules: spec.rules.clone(),
        origins: spec.origins.clone(),
        ips: spec.ips.clone(),
        tags: spec.tags.clone(),
        last_used_at: None,
        current_used_at: None,
        previous_used_at: None,
        expiry_set_at: expires_at.map(|_| now),
    };
    let sealed = (!spec.show_once)
        .then_some(whole)
        .flatten()
        .map(|v| tx.master().map(|m| m.seal(&id, v)))
        .transpose()?;
    tx.insert_key(&NewKey {
        key: &key,
        hash: value.hash(),
        sealed,
    })?;
    tx.append_audit(NewAudit {
        actor,
        action: if imported.is_some() {
            "import"
        } else {
            "generate"
        },
        key_id: Some(&key.id),
        key_name: Some(&key.name),
        tenant: Some(&tenant),
        details: json!({
            "type": key.key_type,
            "org": key.org,
            "expires_at": key.expires_at,
            "show_once": key.show_once,
            "description": key.description,
            "rules": key.rules,
            "origins": key.origins,
            "ips": key.ips,
            "tags": key.tags,
            "user": key.user,
            "rotate_every": key.rotate_every.map(format_duration),
        }),
    })?;
    Ok(key)
}

/// A generated key and its value; `copied` says how it was handed over
/// when the value went to a clipboard instead of the caller.
pub struct Generated<S> {
    pub key: Key,
    pub value: SecretValue,
    pub settings: Settings,
    pub copied: Option<S>,
}

/// The organization a new key goes to: `spec.org`, else the actor's, else
/// the default tenant; another tenant's is "not found" to a confined actor.
fn resolve_org(session: &Session, spec: &mut KeySpec) -> Result<()> {
    if spec.org.is_empty() {
        spec.org = session
            .actor_user()
            .map_or_else(|| DEFAULT_TENANT.to_string(), |u| u.org.clone());
    }
    if session
        .confined_tenant()
        .is_some_and(|t| t != tenant_of(&spec.org))
    {
        return Err(org_not_found(&spec.org));
    }
    Ok(())
}

/// No hand-over: for [`generate_key`].
struct Nothing;

impl Handover for Nothing {
    type Said = ();
    fn release(self) -> Result<()> {
        Ok(())
    }
}

/// `generate` for a program (a Rust service, a front end without a
/// clipboard): checks `spec`, issues the key in one audited transaction,
/// and returns it with its value.
pub fn generate_key(session: &mut Session, spec: KeySpec) -> Result<(Key, SecretValue)> {
    type Prepare = fn(&SecretValue, u64) -> Result<Nothing>;
    let g = generate(session, spec, None::<(&CopyPlan, Prepare)>)?;
    Ok((g.key, g.value))
}

/// `generate`: issues a key for `spec`. With `copy`, the value goes to a
/// clipboard instead (SPEC §5.8): `prepare` does every step that can fail
/// before the commit; the hand-over is released after it.
pub fn generate<H: Handover>(
    session: &mut Session,
    mut spec: KeySpec,
    copy: Option<(&CopyPlan, impl FnOnce(&SecretValue, u64) -> Result<H>)>,
) -> Result<Generated<H::Said>> {
    session.require(Right::Admin, "generate keys")?;
    resolve_org(session, &mut spec)?;
    let actor = session.actor_name().to_string();
    let confined = session.confined_tenant().is_some();
    let (key, value, settings, held) = session.write(Right::Admin, "generate keys", |tx| {
        let settings = tx.settings()?;
        let value = generate_value(settings.key_prefix(), spec.key_type);
        let key = issue(
            tx,
            &spec,
            &actor,
            confined,
            &ImportValue::Whole(value.clone()),
            None,
        )?;
        let held = match copy {
            None => None,
            Some((plan, prepare)) => {
                let secs = plan.clear_after(&settings);
                tx.append_audit(NewAudit::key(&actor, "copy", &key, plan.details(secs)))?;
                Some(prepare(&value, secs)?)
            }
        };
        Ok((key, value, settings, held))
    })?;
    let copied = match held {
        None => None,
        Some(h) => match h.release() {
            Ok(said) => Some(said),
            Err(e) => {
                record_undelivered(session, "copy", Some(&key), &e);
                let hint = if key.show_once {
                    format!("its value is not stored: give it a new one with keyadm rotate {0}, or disable and delete it", key.id)
                } else {
                    format!("see its value with: keyadm show {} --value", key.id)
                };
                return Err(Error::environment(format!(
                    "the key \"{}\" was generated, but its value was not copied: {}",
                    key.name,
                    e.message().what
                ))
                .hint(hint));
            }
        },
    };
    Ok(Generated {
        key,
        value,
        settings,
        copied,
    })
}

/// Finds one key the actor may see (`edit` without options prefills its form with it).
pub fn find(session: &mut Session, scope: Scope, key: &str) -> Result<Key> {
    let tenant = session.confined_tenant().map(str::to_string);
    session.read(|tx| tx.find_key(tenant.as_deref(), scope.org, key))
}
