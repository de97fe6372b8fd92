//! Handing values over: `show --reveal/--value`, `copy` and `export
//! --include-secrets` (SPEC §5.8). A value leaves the process only after
//! the commit of the entry that audits it: every step that can fail comes
//! first (a [`Handover`] prepared by the front end: a clipboard holder
//! started and fed, a temp file written and fsynced), then the commit,
//! then the release. A release that fails after the commit is recorded by
//! a follow-up entry of the same action with `delivered: false` (the
//! chain cannot take an update of the committed entry), and is exit 5.

use crate::store::ID_PREFIX;
use serde_json::{json, Value};

use super::keys::Scope;
use super::listing::{bound_user_state, select, Selection};
use super::{Right, Session};
use crate::domain::expiry::format_duration;
use crate::domain::key::Key;
use crate::domain::settings::Settings;
use crate::domain::value::SecretValue;
use crate::error::{Error, Result};
use crate::store::{NewAudit, Tx};

/// A value made ready to leave the process, every step that can fail done.
/// [`Handover::release`] lets it go once its entry is committed; dropping
/// it unreleased must leave nothing of the value behind.
pub trait Handover {
    /// What the front end tells the user once it is released.
    type Said;
    fn release(self) -> Result<Self::Said>;
}

/// Where `copy` (and `generate --copy`) put a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The system clipboard, cleared after a while.
    Clipboard,
    /// The terminal's clipboard (OSC 52), which keyadm cannot clear.
    Osc52,
}

/// How to copy: where, and `--clear-after` (else the setting).
#[derive(Debug, Clone, Copy)]
pub struct CopyPlan {
    pub via: Via,
    pub clear_after: Option<u64>,
}

impl CopyPlan {
    /// The clear-after from the option, else the setting.
    pub fn clear_after(&self, settings: &Settings) -> u64 {
        self.clear_after
            .unwrap_or_else(|| settings.clipboard_clear())
    }

    /// The details of the `copy` entry (and of `copy --json`).
    pub fn details(&self, clear_after: u64) -> Value {
        let osc52 = self.via == Via::Osc52;
        json!({
            "via": if osc52 { "osc52" } else { "clipboard" },
            "clear_after": if osc52 { None } else { Some(format_duration(clear_after)) },
        })
    }
}

/// The refusal for a show-once key's value (exit 4).
pub fn not_retrievable(key: &Key) -> Error {
    Error::refused(format!(
        "the value of key \"{}\" is not retrievable: it was shown once at generation and never stored",
        key.name
    ))
    .hint(format!(
        "if it is lost, give the key a new value: keyadm rotate {}",
        key.id
    ))
}

/// Opens a key's current value and records who saw it (`action`: reveal,
/// copy, export), inside the caller's transaction.
pub fn open_value(
    tx: &Tx,
    key: &Key,
    actor: &str,
    action: &str,
    details: Value,
) -> Result<SecretValue> {
    let sealed = tx
        .sealed_value(&key.id)?
        .ok_or_else(|| not_retrievable(key))?;
    let value = tx.master()?.open(&key.id, &sealed)?;
    tx.append_audit(NewAudit::key(actor, action, key, details))?;
    Ok(value)
}

/// After a committed hand-over whose release failed: a follow-up entry of
/// the same `action` saying `delivered: false`. Best effort: the failure
/// itself is what the caller reports.
pub fn record_undelivered(session: &mut Session, action: &str, key: Option<&Key>, why: &Error) {
    let actor = session.actor_name().to_string();
    let tenant = session.confined_tenant().map(str::to_string);
    let _ = session.write(Right::Reveal, "hand values over", |tx| {
        tx.append_audit(NewAudit {
            actor: &actor,
            action,
            key_id: key.map(|k| k.id.as_str()),
            key_name: key.map(|k| k.name.as_str()),
            tenant: key.map(|k| k.tenant.as_str()).or(tenant.as_deref()),
            details: json!({ "delivered": false, "error": why.message().what }),
        })
    });
}

/// Releases `held`; a failure is recorded (see [`record_undelivered`]) and
/// returned as exit 5, saying that the audit log has it.
fn release<H: Handover>(
    session: &mut Session,
    held: H,
    action: &str,
    key: Option<&Key>,
) -> Result<H::Said> {
    held.release().map_err(|e| {
        record_undelivered(session, action, key, &e);
        let m = e.message();
        let fresh = Error::environment(format!(
            "{}; the {action} is in the audit log, marked not delivered",
            m.what
        ));
        match &m.hint {
            Some(h) => fresh.hint(h.clone()),
            None => fresh.hint("fix the cause and run the command again"),
        }
    })
}

/// A revealed value, with what `show` prints beside it.
pub struct Revealed {
    pub key: Key,
    pub value: SecretValue,
    pub settings: Settings,
    pub user_state: Option<&'static str>,
}

/// `show --reveal` / `show --value` (`via` says which, in the entry).
pub fn reveal(session: &mut Session, scope: Scope, key: &str, via: &str) -> Result<Revealed> {
    let actor = session.actor_name().to_string();
    let tenant = session.confined_tenant().map(str::to_string);
    session.write(Right::Reveal, "reveal keys", |tx| {
        let key = tx.find_key(tenant.as_deref(), scope.org, key)?;
        let value = open_value(tx, &key, &actor, "reveal", json!({ "via": via }))?;
        let user_state = bound_user_state(tx, &key)?;
        Ok(Revealed {
            key,
            value,
            settings: tx.settings()?,
            user_state,
        })
    })
}

/// What `copy` did.
pub struct Copied<S> {
    pub key: Key,
    pub clear_after: u64,
    pub settings: Settings,
    pub said: S,
}

/// `copy`: `prepare` starts the hand-over (given the value and the
/// clear-after in seconds) inside the transaction; it is released after
/// the commit.
pub fn copy<H: Handover>(
    session: &mut Session,
    scope: Scope,
    key: &str,
    plan: &CopyPlan,
    prepare: impl FnOnce(&SecretValue, u64) -> Result<H>,
) -> Result<Copied<H::Said>> {
    let actor = session.actor_name().to_string();
    let tenant = session.confined_tenant().map(str::to_string);
    // A show-once key has nothing to copy: say that before any clipboard question.
    let found = session.read(|tx| tx.find_key(tenant.as_deref(), scope.org, key))?;
    if found.show_once {
        return Err(not_retrievable(&found));
    }
    let (key, secs, settings, held) = session.write(Right::Reveal, "copy keys", |tx| {
        let key = tx.find_key(tenant.as_deref(), scope.org, key)?;
        let settings = tx.settings()?;
        let secs = plan.clear_after(&settings);
        let value = open_value(tx, &key, &actor, "copy", plan.details(secs))?;
        let held = prepare(&value, secs)?;
        Ok((key, secs, settings, held))
    })?;
    let said = release(session, held, "copy", Some(&key))?;
    Ok(Copied {
        key,
        clear_after: secs,
        settings,
        said,
    })
}

/// A key of an export and, with secrets, its value (`None` for a show-once
/// key, which has its value's hash instead, so that an import of the file
/// keeps it verifiable).
pub struct ExportRow {
    pub key: Key,
    pub value: Option<SecretValue>,
    /// A show-once key's value hash.
    pub value_hash: Option<[u8; 32]>,
}

/// The first step of `export`: the keys it would write (the filters of
/// `list`), refused when secrets are asked of keys that have none. The
/// front end confirms before [`export`].
/// (`begin` and `cells` as for [`select`].)
pub fn export_plan<C, V: AsRef<[String]>>(
    session: &mut Session,
    selection: &Selection,
    begin: impl FnOnce(&Settings) -> C,
    cells: impl Fn(&C, &Key) -> V,
    include_secrets: bool,
) -> Result<Vec<Key>> {
    let mut keys = Vec::new();
    select(
        session,
        selection,
        false,
        |settings| Ok(begin(settings)),
        cells,
        |_, k, _| {
            keys.push(k);
            Ok(())
        },
    )?;
    if include_secrets && !keys.is_empty() && keys.iter().all(|k| k.show_once) {
        let n = keys.len();
        return Err(Error::refused(format!(
            "no value to export: the {n} selected key{} shown once and not stored",
            if n == 1 { " was" } else { "s were" }
        ))
        .hint("export without --include-secrets, or give them new values with keyadm rotate"));
    }
    Ok(keys)
}

/// What `export` did.
pub struct Exported<S> {
    pub keys: usize,
    /// Show-once keys whose value column is blank.
    pub blank: usize,
    pub said: S,
}

/// `export`: the keys of [`export_plan`] (by ID), with their values when
/// `include_secrets`; `prepare` renders the rows and makes the output
/// ready (a temp file written and fsynced) inside the transaction; it is
/// released (linked into place, written to stdout) after the commit.
pub fn export<H: Handover>(
    session: &mut Session,
    ids: &[String],
    include_secrets: bool,
    format: &str,
    output: Option<&str>,
    prepare: impl FnOnce(&[ExportRow]) -> Result<H>,
) -> Result<Exported<H::Said>> {
    let actor = session.actor_name().to_string();
    let tenant = session.confined_tenant().map(str::to_string);
    let (keys, blank, held) = session.write(Right::Reveal, "export keys", |tx| {
        let mut rows = Vec::with_capacity(ids.len());
        let mut blank = 0;
        for id in ids {
            let key = tx.find_key(tenant.as_deref(), None, &format!("{ID_PREFIX}{id}"))?;
            let value = if !include_secrets {
                None
            } else if key.show_once {
                blank += 1;
                None
            } else {
                let details = json!({ "format": format });
                Some(open_value(tx, &key, &actor, "export", details)?)
            };
            let value_hash = match key.show_once {
                true => tx.key_value_hash(&key.id)?,
                false => None,
            };
            rows.push(ExportRow {
                key,
                value,
                value_hash,
            });
        }
        tx.append_audit(NewAudit {
            actor: &actor,
            action: "export",
            key_id: None,
            key_name: None,
            tenant: tenant.as_deref(),
            details: json!({
                "format": format,
                "keys": rows.len(),
                "include_secrets": include_secrets,
                "output": output,
            }),
        })?;
        let held = prepare(&rows)?;
        Ok((rows.len(), blank, held))
    })?;
    let said = release(session, held, "export", None)?;
    Ok(Exported { keys, blank, said })
}
