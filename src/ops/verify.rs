//! `verify` of one presented key: the same checks, order and reasons as
//! the in-memory [`crate::Verifier`]. It never depends on the actor (SPEC
//! §5.1): the store is opened without an identity.

use std::path::Path;
use std::sync::Arc;

use crate::domain::expiry::Clock;
use crate::domain::value::{parse_value, value_hash};
use crate::domain::verify::{check, Decision, Grant, KeyIdentity, Reason, Request};
use crate::error::Result;
use crate::ops::witness::{judge_without_walk, Rollback, Witness};
use crate::store::{last_use_due, Access, Store};

pub use crate::store::{TrustChoice, TrustKey};

/// The warning of a verifier without a trust key (once per process).
pub const UNTRUSTED_WARNING: &str = "no trust key for this store: forged rows are not detected (pass --trust-key FILE or set KEYADM_TRUST_KEY; keyadm trust export prints it)";

/// `keyadm trust export`: the store's trust key, as its `.pub` file holds it.
pub fn trust_export(session: &mut crate::ops::session::Session) -> Result<TrustKey> {
    session.read(|tx| tx.trust_key())
}

/// Decides `req` against the store at `path`, then records the key's last
/// use (at most once a minute, never waiting or failing the answer).
/// `answer` is called with the decision before the use is recorded, so
/// that the caller can hand it out first. With a trust key (`trust`), the
/// key's row (and its user's) must be signed, else it is denied `forged`;
/// without one, `untrusted` is called (the caller warns). With a witness
/// folder, a store behind its head witness (read, never written here) is
/// denied `store_rolled_back`, and `rolled_back` is called (the caller says
/// which chain).
#[allow(clippy::too_many_arguments)]
pub fn verify_one(
    at: &crate::ops::StoreLocation,
    req: &Request,
    clock: &Clock,
    trust: &TrustChoice,
    witness_dir: Option<&Path>,
    untrusted: impl FnOnce(),
    rolled_back: impl FnOnce(&Rollback),
    answer: impl FnOnce(&Decision),
) -> Result<Decision> {
    let now = clock.now();
    if parse_value(req.key).is_err() {
        let d = Decision::deny(Reason::Malformed, None);
        answer(&d);
        return Ok(d);
    }
    let mut store = match &at.pg {
        Some(t) => Store::open_pg(t, Access::Existing, now)?,
        None => Store::open(&at.path, Access::Existing, now)?,
    };
    let store_id = store.read(now, |tx| tx.store_id())?;
    let trust = trust.resolve(store_id.as_deref())?;
    if trust.is_none() {
        untrusted();
    }
    if let (Some(dir), Some(id)) = (witness_dir, &store_id) {
        // A witness this account cannot read is as good as none (whoever
        // could make it so could remove it): a one-shot verify never fails on it.
        let witness = Witness::load(dir, id).unwrap_or_default();
        if !witness.heads.is_empty() {
            // Places and hashes only: a signature check per chain would
            // cost more than the rest of a one-shot verify, and without a
            // walk a signed head further on proves nothing more.
            let heads = store.read(now, |tx| tx.signed_heads(None))?;
            if let Some(rb) = judge_without_walk(&witness, &heads, false) {
                rolled_back(&rb);
                let d = Decision::deny(Reason::StoreRolledBack, None);
                answer(&d);
                return Ok(d);
            }
        }
    }
    let found = store.read(now, |tx| {
        let Some((key, is_current)) = tx.find_key_by_hash(&value_hash(req.key))? else {
            return Ok(None);
        };
        if let Some(t) = &trust {
            let user_forged = match &key.user {
                Some(u) => tx.user_exists_unsigned(u, t)?,
                None => false,
            };
            if user_forged || !tx.key_row_signed(&key.id, t)? {
                return Ok(Some(Err(())));
            }
        }
        let user = match &key.user {
            Some(u) => tx.find_user_for_verify(&key.tenant, u)?,
            None => None,
        };
        Ok(Some(Ok((key, is_current, user))))
    })?;
    if let Some(Err(())) = found {
        let d = Decision::deny(Reason::Forged, None);
        answer(&d);
        return Ok(d);
    }
    let Some(Ok((key, is_current, user))) = found else {
        let d = Decision::deny(Reason::Unknown, None);
        answer(&d);
        return Ok(d);
    };
    let grant = Grant::of(&key, is_current, user.as_ref());
    let decision = Decision::from_check(
        check(&grant, req, now),
        Arc::new(KeyIdentity::of(&key)),
        is_current,
    );
    answer(&decision);
    let last = if is_current {
        key.current_used_at
    } else {
        key.previous_used_at
    };
    if last_use_due(last, now) {
        let _ = store.record_key_uses_nowait(&[(key.id.clone(), now, is_current)]);
    }
    Ok(decision)
}
