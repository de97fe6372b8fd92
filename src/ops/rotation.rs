//! `rotate`: new values for keys, the old ones working for a grace period;
//! `rotate --due`: the keys whose `--rotate-every` policy is due; and
//! `rotate --exec`: rotate and deliver, one key at a time, the rotation
//! undone when its delivery fails.
//!
//! Rotating and delivering commits each key in its own transaction before
//! its delivery runs, so the store knows every value a hook may have
//! handed out, and no write lock is held while the hook works (a slow
//! deploy must not block other keyadm processes). When the delivery fails,
//! a second transaction puts the key's value columns back exactly as they
//! were (the old value current again, its earlier grace value too) — but
//! only if nobody rotated the key meanwhile — and audits the undo. The
//! other keys go on.

use crate::store::ID_PREFIX;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

use super::{Right, Session};
use crate::domain::expiry::format_duration;
use crate::domain::key::{Key, KeyState};
use crate::domain::settings::Settings;
use crate::domain::value::generate_value;
use crate::error::{Error, Result};
use crate::store::{NewAudit, Rotation, Tx, ValueState};
use crate::SecretValue;

/// Which keys to rotate.
#[derive(Debug, Clone)]
pub enum Selection {
    /// These keys (IDs or names), each once, within `org` when given; all
    /// must exist, or none is rotated.
    Named {
        keys: Vec<String>,
        org: Option<String>,
    },
    /// Every enabled key of the actor's tenant whose policy is due.
    Due,
}

impl Selection {
    pub fn is_due(&self) -> bool {
        matches!(self, Selection::Due)
    }
}

/// A key after rotation, with its new value.
pub struct Rotated {
    pub key: Key,
    pub value: SecretValue,
    pub previous_until: Option<DateTime<Utc>>,
}

/// What `rotate` did: the rotated keys, in order, and the settings they
/// were rotated under (for showing times).
pub struct RotateReport {
    pub rotated: Vec<Rotated>,
    pub settings: Settings,
}

/// What `rotate` would do, changing nothing: the keys it would rotate
/// (named keys must all exist and be enabled, as for the rotation), the
/// grace their old values would get, and the settings (for showing times).
/// Also what the warning about values still in grace is made from.
pub struct RotatePlan {
    pub keys: Vec<Key>,
    pub grace: u64,
    pub settings: Settings,
    pub now: DateTime<Utc>,
}

impl RotatePlan {
    /// The planned keys whose previous value still works: rotating them
    /// ends it now (SPEC §5.9), earlier than its grace said.
    pub fn ending_previous(
        &self,
    ) -> impl Iterator<Item = (&Key, &crate::domain::key::PreviousValue)> {
        self.keys
            .iter()
            .filter_map(|k| k.previous_in_grace(self.now).map(|p| (k, p)))
    }
}

/// Plans a rotation (an admin's, as the rotation itself): see [`RotatePlan`].
pub fn plan_rotation(
    session: &mut Session,
    selection: &Selection,
    grace: Option<u64>,
) -> Result<RotatePlan> {
    session.require(Right::Admin, "rotate keys")?;
    let now = session.now();
    let tenant = session.confined_tenant().map(str::to_string);
    session.read(|tx| {
        let settings = tx.settings()?;
        let keys = select(tx, tenant.as_deref(), selection)?;
        for k in &keys {
            refuse_unless_enabled(k, now)?;
        }
        Ok(RotatePlan {
            keys,
            grace: grace.unwrap_or(settings.rotation_grace()),
            settings,
            now,
        })
    })
}

/// Rotates the selected keys in one transaction: all of them, or none.
/// `grace` is how long the old values keep working (seconds), else the
/// `rotation-grace` setting.
pub fn rotate(
    session: &mut Session,
    selection: &Selection,
    grace: Option<u64>,
) -> Result<RotateReport> {
    let actor = session.actor_name().to_string();
    let tenant = session.confined_tenant().map(str::to_string);
    session.write(Right::Admin, "rotate keys", |tx| {
        let settings = tx.settings()?;
        let grace = grace.unwrap_or(settings.rotation_grace());
        let rotated = select(tx, tenant.as_deref(), selection)?
            .iter()
            .map(|k| rotate_key(tx, k, grace, &actor))
            .collect::<Result<Vec<_>>>()?;
        Ok(RotateReport { rotated, settings })
    })
}

/// One key's outcome in `rotate --exec`.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub id: String,
    pub name: String,
    pub org: String,
    /// The truncated current value: the new one, or the old one after an undo.
    pub key: String,
    pub previous_valid_until: Option<DateTime<Utc>>,
    pub delivered: bool,
    pub undone: bool,
    pub error: Option<String>,
}

/// What `rotate --exec` did, one entry per key it tried.
pub struct DeliveryReport {
    pub deliveries: Vec<Delivery>,
}

impl DeliveryReport {
    /// The error the command ends with when some delivery failed (exit 5).
    pub fn failure(&self) -> Option<Error> {
        let failed: Vec<&Delivery> = self.deliveries.iter().filter(|d| !d.delivered).collect();
        if failed.is_empty() {
            return None;
        }
        let all = self.deliveries.len();
        let names: Vec<String> = failed
            .iter()
            .map(|d| match d.name.is_empty() {
                true => d.id.clone(),
                false => format!("\"{}\"", d.name),
            })
            .collect();
        Some(
            Error::environment(format!(
                "the hook failed for {} of {all} key{} ({}); {}",
                failed.len(),
                if all == 1 { "" } else { "s" },
                names.join(", "),
                if failed.iter().all(|d| d.undone) {
                    "their rotation was undone and their old values stay current"
                } else {
                    "see each key's line above"
                }
            ))
            .hint("fix the hook (its output is above) and run the same command again"),
        )
    }
}

/// Rotates the selected keys one at a time, each committed before
/// `deliver` is called with its new value (outside any transaction);
/// when `deliver` fails (`Err` says why, never a secret) that key's
/// rotation is undone. Named keys must all exist and be enabled, or none
/// is rotated.
pub fn rotate_and_deliver(
    session: &mut Session,
    selection: &Selection,
    grace: Option<u64>,
    mut deliver: impl FnMut(&Rotated) -> std::result::Result<(), String>,
) -> Result<DeliveryReport> {
    session.require(Right::Admin, "rotate keys")?;
    let ids = plan(session, selection)?;
    let mut out = Vec::new();
    for id in &ids {
        let (rotated, before, old_display) =
            match rotate_one(session, id, selection.is_due(), grace) {
                Ok(Some(step)) => step,
                Ok(None) => continue,
                Err(e) => {
                    out.push(Delivery {
                        id: id.clone(),
                        name: String::new(),
                        org: String::new(),
                        key: String::new(),
                        previous_valid_until: None,
                        delivered: false,
                        undone: false,
                        error: Some(format!("not rotated: {}", e.message())),
                    });
                    continue;
                }
            };
        let delivered = deliver(&rotated);
        let k = &rotated.key;
        let mut d = Delivery {
            id: k.id.clone(),
            name: k.name.clone(),
            org: k.org.clone(),
            key: rotated.value.truncated(),
            previous_valid_until: rotated.previous_until,
            delivered: delivered.is_ok(),
            undone: false,
            error: None,
        };
        if let Err(why) = delivered {
            match undo(session, &rotated, &before, &why) {
                Ok(true) => {
                    d.undone = true;
                    d.key = old_display;
                    d.previous_valid_until = None;
                    d.error = Some(format!("{why}; the rotation was undone"));
                }
                Ok(false) => {
                    d.error = Some(format!(
                        "{why}; the rotation was NOT undone: another process changed the key's value meanwhile"
                    ))
                }
                Err(e) => {
                    d.error = Some(format!(
                        "{why}; the rotation was NOT undone ({}): the new value is current{}",
                        e.message(),
                        if k.show_once {
                            ""
                        } else {
                            "; keyadm show --value gives it"
                        }
                    ))
                }
            }
        }
        out.push(d);
    }
    Ok(DeliveryReport { deliveries: out })
}

/// The IDs of the keys to rotate one at a time; named keys must all exist
/// and be enabled.
fn plan(session: &mut Session, selection: &Selection) -> Result<Vec<String>> {
    let now = session.now();
    let tenant = session.confined_tenant().map(str::to_string);
    session.read(|tx| {
        let keys = select(tx, tenant.as_deref(), selection)?;
        for k in &keys {
            refuse_unless_enabled(k, now)?;
        }
        Ok(keys.into_iter().map(|k| k.id).collect())
    })
}

/// Rotates key `id` in its own transaction; `None` when it is no longer
/// due (another run rotated it meanwhile). Returns the value columns as
/// they were, and the old truncated value, for an undo.
fn rotate_one(
    session: &mut Session,
    id: &str,
    due: bool,
    grace: Option<u64>,
) -> Result<Option<(Rotated, ValueState, String)>> {
    let now = session.now();
    let actor = session.actor_name().to_string();
    let tenant = session.confined_tenant().map(str::to_string);
    session.write(Right::Admin, "rotate keys", |tx| {
        let key = tx.find_key(tenant.as_deref(), None, &format!("{ID_PREFIX}{id}"))?;
        if due && !is_due(&key, now) {
            return Ok(None);
        }
        let before = tx
            .key_value_state(&key.id)?
            .ok_or_else(|| Error::key_not_found(id))?;
        let grace = grace.unwrap_or(tx.settings()?.rotation_grace());
        Ok(Some((
            rotate_key(tx, &key, grace, &actor)?,
            before,
            key.key.clone(),
        )))
    })
}

/// Puts a rotated key's value columns back as `before`, and audits it;
/// false when another process changed the key's value meanwhile.
fn undo(session: &mut Session, rotated: &Rotated, before: &ValueState, why: &str) -> Result<bool> {
    let actor = session.actor_name().to_string();
    let k = &rotated.key;
    let new_hash = rotated.value.hash();
    session.write(Right::Admin, "rotate keys", |tx| {
        if !tx.restore_key_value(&k.id, &new_hash, before)? {
            return Ok(false);
        }
        tx.append_audit(NewAudit::key(
            &actor,
            "rotate",
            k,
            json!({ "undone": true, "hook": why }),
        ))?;
        Ok(true)
    })
}

/// The keys a selection names: the named ones (each once, all must
/// exist), or the enabled keys whose policy is due.
fn select(tx: &Tx, tenant: Option<&str>, selection: &Selection) -> Result<Vec<Key>> {
    match selection {
        Selection::Named { keys, org } => super::keys::find_keys(tx, tenant, org.as_deref(), keys),
        Selection::Due => {
            let now = tx.now();
            Ok(tx
                .keys_with_rotation_policy(tenant)?
                .into_iter()
                .filter(|k| is_due(k, now))
                .collect())
        }
    }
}

/// Is the key enabled, unexpired, and its rotation policy due at `now`?
pub fn is_due(k: &Key, now: DateTime<Utc>) -> bool {
    k.state(now) == KeyState::Enabled && k.rotation_due_at().is_some_and(|d| d <= now)
}

/// Only enabled keys are rotated (exit 4, with how to enable it).
fn refuse_unless_enabled(key: &Key, now: DateTime<Utc>) -> Result<()> {
    match key.state(now) {
        KeyState::Enabled => Ok(()),
        state => Err(Error::refused(format!(
            "key \"{}\" is {}, and only enabled keys are rotated",
            key.name,
            state.as_str()
        ))
        .hint(format!(
            "enable it with a new expiry first: keyadm enable {} --expires 90d",
            key.id
        ))),
    }
}

/// Gives one key a new value inside the caller's transaction, audited.
fn rotate_key(tx: &Tx, key: &Key, grace: u64, actor: &str) -> Result<Rotated> {
    let now = tx.now();
    refuse_unless_enabled(key, now)?;
    let settings = tx.settings()?;
    let value = generate_value(settings.key_prefix(), key.key_type);
    let sealed = (!key.show_once)
        .then(|| tx.master().map(|m| m.seal(&key.id, &value)))
        .transpose()?;
    let previous_until = (grace > 0).then(|| now + Duration::seconds(grace as i64));
    tx.rotate_key(
        &key.id,
        &Rotation {
            hash: value.hash(),
            sealed,
            display: value.truncated(),
            previous_until,
        },
    )?;
    tx.append_audit(NewAudit::key(
        actor,
        "rotate",
        key,
        json!({
            "grace": format_duration(grace),
            "previous_valid_until": previous_until,
            "ended_earlier_previous": key.previous_in_grace(now).is_some(),
        }),
    ))?;
    let mut key = key.clone();
    key.key = value.truncated();
    key.rotated_at = Some(now);
    Ok(Rotated {
        key,
        value,
        previous_until,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(name: &str, delivered: bool, undone: bool) -> Delivery {
        Delivery {
            id: format!("id-{name}"),
            name: name.to_string(),
            org: "default".into(),
            key: String::new(),
            previous_valid_until: None,
            delivered,
            undone,
            error: None,
        }
    }

    #[test]
    fn a_report_without_failed_deliveries_is_no_failure() {
        let r = DeliveryReport {
            deliveries: vec![delivery("a", true, false)],
        };
        assert!(r.failure().is_none());
        assert!(DeliveryReport { deliveries: vec![] }.failure().is_none());
    }

    #[test]
    fn a_failed_delivery_is_exit_5_naming_the_key() {
        let r = DeliveryReport {
            deliveries: vec![delivery("a", true, false), delivery("b", false, true)],
        };
        let e = r.failure().expect("a failure");
        assert_eq!(e.exit_code(), 5);
        assert_eq!(
            e.message().what,
            "the hook failed for 1 of 2 keys (\"b\"); their rotation was undone and their old values stay current"
        );
        let not_rotated = DeliveryReport {
            deliveries: vec![delivery("", false, false)],
        };
        assert!(not_rotated
            .failure()
            .unwrap()
            .message()
            .what
            .contains("(id-)"));
    }
}
