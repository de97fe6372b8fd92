//! `verify` of one presented key: the same checks, order and reasons as
//! the in-memory [`crate::Verifier`]. It never depends on the actor (SPEC
//! §5.1): the store is opened without an identity.

use std::path::Path;
use std::sync::Arc;

use crate::domain::expiry::Clock;
use crate::domain::value::{parse_value, value_hash};
use crate::domain::verify::{check, Decision, Grant, KeyIdentity, Reason, Request};
use crate::error::Result;
use crate::store::{last_use_due, Access, Store};

/// Decides `req` against the store at `path`, then records the key's last
/// use (at most once a minute, never waiting or failing the answer).
/// `answer` is called with the decision before the use is recorded, so
/// that the caller can hand it out first.
pub fn verify_one(
    path: &Path,
    req: &Request,
    clock: &Clock,
    answer: impl FnOnce(&Decision),
) -> Result<Decision> {
    let now = clock.now();
    if parse_value(req.key).is_err() {
        let d = Decision::deny(Reason::Malformed, None);
        answer(&d);
        return Ok(d);
    }
    let mut store = Store::open(path, Access::Existing, now)?;
    let found = store.read(now, |tx| {
        let Some((key, is_current)) = tx.find_key_by_hash(&value_hash(req.key))? else {
            return Ok(None);
        };
        let user = match &key.user {
            Some(u) => tx.find_user_for_verify(&key.tenant, u)?,
            None => None,
        };
        Ok(Some((key, is_current, user)))
    })?;
    let Some((key, is_current, user)) = found else {
        let d = Decision::deny(Reason::Unknown, None);
        answer(&d);
        return Ok(d);
    };
    let grant = Grant::of(&key, is_current, user.as_ref());
    let decision = Decision::from_check(check(&grant, req, now), Arc::new(KeyIdentity::of(&key)));
    answer(&decision);
    if last_use_due(key.last_used_at, now) {
        let _ = store.record_key_uses_nowait(&[(key.id.clone(), now)]);
    }
    Ok(decision)
}
