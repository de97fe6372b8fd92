//! `scan --disable`: disables the active keys a scan found, reason
//! `leaked`, each audited with where it was found. Finding them is
//! [`crate::scan`]'s.

use crate::store::ID_PREFIX;
use std::collections::BTreeMap;

use super::keys::{disable_key, DisableCause};
use super::{Right, Session};
use crate::error::Result;

/// Disables each key of `found` (key ID → the `path:line` places it was
/// found) in one transaction; returns the IDs it disabled (a key that
/// another process disabled meanwhile is left out). An admin's, for its
/// own tenant: refused to a member even when nothing was found.
pub fn disable_found(
    session: &mut Session,
    found: &BTreeMap<&str, Vec<String>>,
) -> Result<Vec<String>> {
    const WHAT: &str = "disable keys";
    session.require(Right::Admin, WHAT)?;
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let actor = session.actor_name().to_string();
    let tenant = session.confined_tenant().map(str::to_string);
    session.write(Right::Admin, WHAT, |tx| {
        let mut done = Vec::new();
        for (id, places) in found {
            let mut k = tx.find_key(tenant.as_deref(), None, &format!("{ID_PREFIX}{id}"))?;
            let found_in = places.clone();
            if disable_key(tx, &actor, &mut k, DisableCause::Leaked { found_in }, false)? {
                done.push(k.id);
            }
        }
        Ok(done)
    })
}
