//! Operations on keys. The steps every operation that changes a key's state
//! shares live here once (disable and audit), so that `disable`, `sweep`
//! and `scan --disable` record the same shape.

use serde_json::{json, Value};

use crate::domain::key::Key;
use crate::error::Result;
use crate::store::{NewAudit, Tx};

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
