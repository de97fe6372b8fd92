//! `config list|get|set`: the store's settings. Everyone reads them; only
//! an operator changes them (audited, action `config`).

use serde::Serialize;
use serde_json::json;

use super::{Right, Session};
use crate::domain::settings::{normalize, unknown, Settings, SETTINGS};
use crate::error::Result;
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

/// Refuses a name that is no setting (exit 2, listing the settings).
pub fn check_name(name: &str) -> Result<()> {
    match SETTINGS.iter().any(|(n, _, _)| *n == name) {
        true => Ok(()),
        false => Err(unknown(name)),
    }
}

pub fn list(session: &mut Session) -> Result<Settings> {
    session.read(|tx| tx.settings())
}

pub fn get(session: &mut Session, name: &str) -> Result<SettingValue> {
    check_name(name)?;
    let settings = session.read(|tx| tx.settings())?;
    Ok(SettingValue {
        name: name.to_string(),
        value: settings.get(name).to_string(),
    })
}

/// Sets a setting (an operator's); audited only when the value changes.
pub fn set(session: &mut Session, new: &NewSetting) -> Result<SettingChange> {
    let actor = session.actor_name().to_string();
    let NewSetting { name, value } = new;
    session.write(Right::Operator, "change the store's settings", |tx| {
        let before = tx.settings()?.get(name).to_string();
        if before != *value {
            tx.set_setting(name, value)?;
            tx.append_audit(NewAudit {
                actor: &actor,
                action: "config",
                key_id: None,
                key_name: None,
                tenant: None,
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
