//! Operations that change existing keys: edit, enable, disable and
//! delete. Each checks its rules inside its one transaction and appends
//! its own entries; the steps that ask a person (a last internal key, a
//! permanent delete) are a plan the front end confirms first.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::keys::{
    check_user_binding, disable_key, find_keys, refuse_name_that_is_an_id, DisableCause, Scope,
};
use super::{Right, Session};
use crate::domain::expiry::Expiry;
use crate::domain::key::{Key, KeyType};
use crate::domain::key_spec::{check_max_lifetime, check_type_rules, name_taken, Given};
use crate::domain::rate_limit::RateLimit;
use crate::domain::rules::{IpRange, Origin, Rule};
use crate::error::{Error, Result};
use crate::store::{NewAudit, Tx};

/// What an edit changes, its options checked and parsed.
#[derive(Debug, Clone, Default)]
pub struct KeyChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub expires: Option<Expiry>,
    pub tags: Vec<String>,
    pub untags: Vec<String>,
    pub allow: Vec<Rule>,
    pub disallow: Vec<Rule>,
    pub origins: Vec<Origin>,
    /// Clear the origin list first.
    pub no_origin: bool,
    pub ips: Vec<IpRange>,
    /// Clear the address list first.
    pub no_ip: bool,
    /// `Some(0)` removes the policy.
    pub rotate_every: Option<u64>,
    /// `Some(None)`: no rate limit.
    pub rate_limit: Option<Option<RateLimit>>,
    /// `Some(None)`: bind to all users.
    pub user: Option<Option<String>>,
}

fn add_all<T: PartialEq + Clone>(list: &mut Vec<T>, items: &[T]) {
    for i in items {
        if !list.contains(i) {
            list.push(i.clone());
        }
    }
}

/// Applies the changes to a copy of the key, with its type's rules.
fn apply(old: &Key, c: &KeyChanges, now: DateTime<Utc>) -> Result<Key> {
    let mut k = old.clone();
    if let Some(n) = &c.name {
        k.name = n.clone();
    }
    if let Some(d) = &c.description {
        k.description = d.clone();
    }
    for t in &c.untags {
        if !old.tags.contains(t) {
            return Err(
                Error::usage(format!("the key has no tag \"{}\"", t.escape_debug()))
                    .hint(format!("its tags are: keyadm show {}", old.id)),
            );
        }
    }
    add_all(&mut k.tags, &c.tags);
    k.tags.retain(|x| !c.untags.contains(x));
    k.rules.retain(|r| !c.disallow.contains(r));
    add_all(&mut k.rules, &c.allow);
    let given = Given {
        expiry: matches!(c.expires, Some(Expiry::At(_))),
        rules: !c.allow.is_empty() || !c.disallow.is_empty(),
        allow_lists: !c.origins.is_empty() || !c.ips.is_empty(),
        user: c.user.is_some(),
    };
    check_type_rules(k.key_type, given, k.rules.len())?;
    for r in &c.disallow {
        if !old.rules.contains(r) {
            return Err(Error::usage(format!("the key has no rule \"{r}\""))
                .hint(format!("its rules are: keyadm show {}", old.id)));
        }
    }
    if let Some(e) = c.expires {
        if e.at() != k.expires_at {
            k.expires_at = e.at();
            k.expiry_set_at = k.expires_at.map(|_| now);
        }
    }
    if c.no_origin {
        k.origins.clear();
    }
    add_all(&mut k.origins, &c.origins);
    if c.no_ip {
        k.ips.clear();
    }
    add_all(&mut k.ips, &c.ips);
    if let Some(every) = c.rotate_every {
        k.rotate_every = (every > 0).then_some(every);
    }
    if let Some(limit) = c.rate_limit {
        k.rate_limit = limit;
    }
    if let Some(user) = &c.user {
        k.user = user.clone();
    }
    Ok(k)
}

/// Fields that are kept up by the changes that matter, never changed alone.
const BOOKKEEPING: [&str; 4] = [
    "expiry_set_at",
    "last_used_at",
    "current_used_at",
    "previous_used_at",
];

/// The changed fields of a key or a user, `{field: {"before": …, "after": …}}`.
pub fn diff<T: Serialize>(old: &T, new: &T) -> Map<String, Value> {
    let a = serde_json::to_value(old).expect("keys and users serialize");
    let b = serde_json::to_value(new).expect("keys and users serialize");
    let mut out = Map::new();
    if let (Value::Object(a), Value::Object(b)) = (a, b) {
        for (field, after) in b {
            // Bookkeeping that follows a change, not a change of its own.
            if BOOKKEEPING.contains(&field.as_str()) {
                continue;
            }
            let before = a.get(&field).cloned().unwrap_or(Value::Null);
            if before != after {
                out.insert(field, json!({"before": before, "after": after}));
            }
        }
    }
    out
}

/// What `edit` did: the key as it is now and the fields that changed
/// (empty: it already had these values, and nothing was written).
pub struct Edited {
    pub key: Key,
    pub changed: Map<String, Value>,
}

/// `edit`: changes a key's properties (never its type or value).
pub fn edit(session: &mut Session, scope: Scope, key: &str, c: &KeyChanges) -> Result<Edited> {
    session.require(Right::Admin, "edit keys")?;
    let actor = session.actor_name().to_string();
    let tenant = session.confined_tenant().map(str::to_string);
    let now = session.now();
    session.write(Right::Admin, "edit keys", |tx| {
        let old = tx.find_key(tenant.as_deref(), scope.org, key)?;
        let new = apply(&old, c, now)?;
        if let Some(user) = &new.user {
            // A new binding is checked against every rule; an existing one
            // against the rules this edit adds (removing rules only narrows).
            let added: Vec<_> = new
                .rules
                .iter()
                .filter(|r| new.user != old.user || !old.rules.contains(r))
                .cloned()
                .collect();
            if new.user != old.user || !added.is_empty() {
                check_user_binding(tx, &new.tenant, user, new.key_type, &added)?;
            }
        }
        if new.name != old.name {
            if tx.key_name_taken(&new.tenant, &new.name, Some(&new.id))? {
                return Err(name_taken(&new.name, &new.tenant));
            }
            refuse_name_that_is_an_id(tx, tenant.as_deref(), &new.name)?;
        }
        if let Some(e) = c.expires {
            check_max_lifetime(e, &tx.settings()?, now)?;
        }
        let changed = diff(&old, &new);
        if !changed.is_empty() {
            tx.update_key(&new)?;
            tx.append_audit(NewAudit::key(
                &actor,
                "edit",
                &new,
                json!({ "changes": changed.clone() }),
            ))?;
        }
        Ok(Edited { key: new, changed })
    })
}

/// One key of `enable` or `disable`: whether it changed, and its state now.
#[derive(Debug, Clone, Serialize)]
pub struct StateChange {
    pub id: String,
    pub name: String,
    pub changed: bool,
    pub state: &'static str,
}

/// `enable`: every key or none; `expiry` is needed for an expired key.
pub fn enable(
    session: &mut Session,
    scope: Scope,
    names: &[String],
    expiry: Option<Expiry>,
) -> Result<Vec<StateChange>> {
    session.require(Right::Admin, "enable keys")?;
    let actor = session.actor_name().to_string();
    let tenant = session.confined_tenant().map(str::to_string);
    let now = session.now();
    session.write(Right::Admin, "enable keys", |tx| {
        let settings = tx.settings()?;
        let mut out = Vec::new();
        for mut k in find_keys(tx, tenant.as_deref(), scope.org, names)? {
            let before = k.clone();
            if let Some(e) = expiry {
                let given = Given {
                    expiry: matches!(e, Expiry::At(_)),
                    ..Given::default()
                };
                check_type_rules(k.key_type, given, k.rules.len())?;
                if e.at() != k.expires_at {
                    k.expires_at = e.at();
                    k.expiry_set_at = k.expires_at.map(|_| now);
                }
            } else if k.is_expired(now) {
                return Err(Error::refused(format!(
                    "key \"{}\" has expired; enabling it needs a new expiry",
                    k.name
                ))
                .hint(format!("keyadm enable {} --expires 90d", k.id)));
            }
            k.enabled = true;
            k.disabled_reason = None;
            let changed = k.enabled != before.enabled || k.expires_at != before.expires_at;
            if changed {
                if k.key_type.takes_expiry() {
                    let e = k.expires_at.map_or(Expiry::Never, Expiry::At);
                    check_max_lifetime(e, &settings, now)?;
                }
                tx.update_key(&k)?;
                tx.append_audit(NewAudit::key(
                    &actor,
                    "enable",
                    &k,
                    json!({
                        "was": before.state(now).as_str(),
                        "reason_was": before.disabled_reason,
                        "expires_at": {"before": before.expires_at, "after": k.expires_at},
                    }),
                ))?;
            }
            out.push(StateChange {
                id: k.id,
                name: k.name,
                changed,
                state: "enabled",
            });
        }
        Ok(out)
    })
}

/// The tenants whose last enabled internal key disabling `keys` would take.
fn last_internal(tx: &Tx, keys: &[Key]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for k in keys
        .iter()
        .filter(|k| k.key_type == KeyType::Internal && k.enabled)
    {
        let enabled = tx.count_internal_keys(&k.tenant, true)?;
        let going = keys
            .iter()
            .filter(|x| x.tenant == k.tenant && x.key_type == KeyType::Internal && x.enabled)
            .count() as i64;
        if going >= enabled && !out.contains(&k.tenant) {
            out.push(k.tenant.clone());
        }
    }
    Ok(out)
}

/// The first step of `disable`: the tenants whose last enabled internal
/// key it would disable (the front end warns and asks before [`disable`]).
pub fn disable_plan(session: &mut Session, scope: Scope, names: &[String]) -> Result<Vec<String>> {
    session.require(Right::Admin, "disable keys")?;
    let tenant = session.confined_tenant().map(str::to_string);
    session.read(|tx| last_internal(tx, &find_keys(tx, tenant.as_deref(), scope.org, names)?))
}

/// `disable`: every key or none. `confirmed` are the tenants of
/// [`disable_plan`] the user agreed to leave without an enabled internal
/// key; another one found now (a concurrent change) refuses it all.
pub fn disable(
    session: &mut Session,
    scope: Scope,
    names: &[String],
    reason: Option<&str>,
    confirmed: &[String],
) -> Result<Vec<StateChange>> {
    let actor = session.actor_name().to_string();
    let tenant = session.confined_tenant().map(str::to_string);
    session.write(Right::Admin, "disable keys", |tx| {
        let keys = find_keys(tx, tenant.as_deref(), scope.org, names)?;
        if last_internal(tx, &keys)?
            .iter()
            .any(|t| !confirmed.contains(t))
        {
            return Err(Error::refused(
                "another process changed the internal keys meanwhile; nothing was disabled",
            )
            .hint("run the command again"));
        }
        let mut out = Vec::new();
        for mut k in keys {
            let cause = DisableCause::Asked(reason.map(str::to_string));
            let changed = disable_key(tx, &actor, &mut k, cause, false)?;
            out.push(StateChange {
                id: k.id,
                name: k.name,
                changed,
                state: "disabled",
            });
        }
        Ok(out)
    })
}

/// Why each key may not be deleted (empty: all may).
fn delete_refusals(tx: &Tx, keys: &[Key]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for k in keys {
        if k.enabled {
            out.push(format!(
                "\"{}\" is still enabled (keyadm disable {})",
                k.name, k.id
            ));
        } else if k.key_type == KeyType::Internal {
            let internal = tx.count_internal_keys(&k.tenant, false)?;
            let going = keys
                .iter()
                .filter(|x| x.tenant == k.tenant && x.key_type == KeyType::Internal)
                .count() as i64;
            if going >= internal {
                out.push(format!(
                    "\"{}\" is the only internal key of tenant \"{}\"",
                    k.name, k.tenant
                ));
            }
        }
    }
    Ok(out)
}

fn find_deletable(
    tx: &Tx,
    tenant: Option<&str>,
    scope: Scope,
    names: &[String],
) -> Result<Vec<Key>> {
    let keys = find_keys(tx, tenant, scope.org, names)?;
    let reasons = delete_refusals(tx, &keys)?;
    if reasons.is_empty() {
        return Ok(keys);
    }
    Err(Error::refused(format!(
        "{} of {} key{} cannot be deleted, so none was: {}",
        reasons.len(),
        keys.len(),
        if keys.len() == 1 { "" } else { "s" },
        reasons.join("; ")
    ))
    .hint("disable a key before deleting it; a tenant keeps its only internal key"))
}

/// The first step of `delete`: the keys it would delete, or why none may
/// be (the front end lists them and asks before [`delete`]).
pub fn delete_plan(session: &mut Session, scope: Scope, names: &[String]) -> Result<Vec<Key>> {
    session.require(Right::Admin, "delete keys")?;
    let tenant = session.confined_tenant().map(str::to_string);
    session.read(|tx| find_deletable(tx, tenant.as_deref(), scope, names))
}

/// `delete`: permanent, all or nothing (the rules checked again inside the
/// transaction); returns the deleted keys.
pub fn delete(session: &mut Session, scope: Scope, names: &[String]) -> Result<Vec<Key>> {
    let actor = session.actor_name().to_string();
    let tenant = session.confined_tenant().map(str::to_string);
    session.write(Right::Admin, "delete keys", |tx| {
        let keys = find_deletable(tx, tenant.as_deref(), scope, names)?;
        for k in &keys {
            tx.delete_key(&k.id)?;
            tx.append_audit(NewAudit::key(
                &actor,
                "delete",
                k,
                json!({ "type": k.key_type, "org": k.org, "reason_disabled": k.disabled_reason }),
            ))?;
        }
        Ok(keys)
    })
}
