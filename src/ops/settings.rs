//! `config list|get|set`: the store's settings. Everyone reads them; only
//! an operator changes them (audited, action `config`).

use serde::Serialize;
use serde_json::json;

use super::{Right, Session};
use crate::domain::org::{org_not_found, tenant_of, DEFAULT_TENANT};
use crate::domain::settings::{normalize, tenant_setting, unknown, Settings, SETTINGS};
use crate::error::{Error, Result};
use crate::ops::listing::breaks_max_lifetime;
use crate::store::{KeyQuery, KeySort, NewAudit};

/// One setting and its value (fields in the order `--json` prints them).
#[derive(Debug, Clone, Serialize)]
pub struct SettingValue {
    pub name: String,
    pub value: String,
}

/// What `config set` did: `before == value` when nothing changed.
#[derive(Debug, Clone, Serialize)]
pub struct SettingChange {
    pub before: String,
    pub name: String,
    pub value: String,
    /// For `max-lifetime`: how many keys the new value makes violate it
    /// (`keyadm list --violations` lists them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violations: Option<u64>,
}

impl SettingChange {
    pub fn changed(&self) -> bool {
        self.before != self.value
    }
}

/// A checked new value for a setting, in its normal form. Made before
/// the store is opened, so that a bad value changes (and creates) nothing.
#[derive(Debug, Clone)]
pub struct NewSetting {
    name: String,
    value: String,
}

impl NewSetting {
    pub fn parse(name: &str, value: &str) -> Result<NewSetting> {
        Ok(NewSetting {
            name: name.to_string(),
            value: normalize(name, value)?,
        })
    }
}

/// A value with what `config set --insecure-smtp` / `--webhook-format`
/// add to it (each only with its setting, exit 2 otherwise).
pub fn with_flags(
    name: &str,
    value: &str,
    insecure_smtp: bool,
    webhook_format: Option<&str>,
) -> Result<String> {
    let mut v = value.trim().to_string();
    if insecure_smtp {
        if name != "notify-smtp" {
            return Err(Error::usage("--insecure-smtp goes only with notify-smtp")
                .hint("keyadm config set notify-smtp smtp://127.0.0.1:25 --insecure-smtp"));
        }
        if !v.split_whitespace().any(|w| w == "insecure") {
            v.push_str(" insecure");
        }
    }
    if let Some(f) = webhook_format {
        if name != "notify-webhook" {
            return Err(Error::usage("--webhook-format goes only with notify-webhook")
                .hint("keyadm config set notify-webhook https://hooks.slack.com/services/… --webhook-format slack"));
        }
        if v.split_whitespace().any(|w| w.starts_with("format=")) {
            return Err(Error::usage("the format is given twice")
                .hint("give --webhook-format or format= in the value, not both"));
        }
        v.push_str(&format!(" format={f}"));
    }
    Ok(v)
}

/// Refuses a name that is no setting (exit 2, listing the settings).
pub fn check_name(name: &str) -> Result<()> {
    match SETTINGS.iter().any(|(n, _, _)| *n == name) {
        true => Ok(()),
        false => Err(unknown(name)),
    }
}

/// The settings that are a tenant's own (a tenant admin sets them for its
/// tenant); every other one is the operators'.
pub const TENANT_SETTINGS: [&str; 1] = ["notify-to"];

/// The tenant a tenant setting is read or set for: that of `org` (another
/// tenant's is "not found" to a confined actor), else the actor's, else
/// `default`.
fn tenant_for(session: &mut Session, org: Option<&str>) -> Result<String> {
    let Some(org) = org.filter(|o| !o.is_empty()) else {
        return Ok(session
            .confined_tenant()
            .unwrap_or(DEFAULT_TENANT)
            .to_string());
    };
    let tenant = tenant_of(org).to_string();
    if session.confined_tenant().is_some_and(|t| t != tenant) {
        return Err(org_not_found(org));
    }
    let exists = session.read(|tx| tx.org_exists(org))?;
    match exists {
        true => Ok(tenant),
        false => Err(org_not_found(org)),
    }
}

pub fn list(session: &mut Session) -> Result<Settings> {
    list_for(session, None)
}

/// The settings, `notify-to` that of `org`'s tenant (see [`get_for`]).
pub fn list_for(session: &mut Session, org: Option<&str>) -> Result<Settings> {
    let tenant = tenant_for(session, org)?;
    Ok(session.read(|tx| tx.settings())?.for_tenant(&tenant))
}

pub fn get(session: &mut Session, name: &str) -> Result<SettingValue> {
    get_for(session, name, None)
}

/// One setting; a tenant setting (`notify-to`) for the tenant of `org`,
/// else of the actor, else `default`.
pub fn get_for(session: &mut Session, name: &str, org: Option<&str>) -> Result<SettingValue> {
    check_name(name)?;
    let settings = list_for(session, org)?;
    Ok(SettingValue {
        name: name.to_string(),
        value: settings.get(name).to_string(),
    })
}

/// Sets a setting (an operator's); audited only when the value changes.
pub fn set(session: &mut Session, new: &NewSetting) -> Result<SettingChange> {
    set_for(session, new, None)
}

/// Sets a setting: an operator's, or a tenant setting (`notify-to`), which
/// a tenant admin sets for its own tenant (of `org`, else its own).
pub fn set_for(
    session: &mut Session,
    new: &NewSetting,
    org: Option<&str>,
) -> Result<SettingChange> {
    let actor = session.actor_name().to_string();
    let NewSetting { name, value } = new;
    let tenant = match TENANT_SETTINGS.contains(&name.as_str()) {
        true => Some(tenant_for(session, org)?),
        false => None,
    };
    let (right, what) = match &tenant {
        Some(_) => (Right::Admin, "change the tenant's notice recipients"),
        None => (Right::Operator, "change the store's settings"),
    };
    session.write(right, what, |tx| {
        let settings = tx.settings()?;
        let (stored, before) = match &tenant {
            Some(t) => (
                tenant_setting(name, t),
                settings.for_tenant(t).get(name).to_string(),
            ),
            None => (name.clone(), settings.get(name).to_string()),
        };
        if before != *value {
            tx.set_setting(&stored, value)?;
            tx.append_audit(NewAudit {
                actor: &actor,
                action: "config",
                key_id: None,
                key_name: None,
                tenant: tenant.as_deref(),
                details: json!({ "setting": name, "before": before, "after": value }),
            })?;
        }
        let settings = tx.settings()?;
        let violations = match (name.as_str(), settings.max_lifetime()) {
            ("max-lifetime", Some(max)) => {
                let (now, mut n) = (tx.now(), 0);
                let query = KeyQuery {
                    tenant: None,
                    org: None,
                    sort: KeySort::Name,
                    reverse: false,
                };
                tx.each_key(&query, |k| {
                    n += u64::from(breaks_max_lifetime(&k, max, now));
                    Ok(())
                })?;
                Some(n)
            }
            _ => None,
        };
        Ok(SettingChange {
            before,
            name: name.clone(),
            value: value.clone(),
            violations,
        })
    })
}
