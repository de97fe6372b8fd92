//! `import`: one checked row of an import file issued as a key, with the
//! rules of `generate` (`keys::issue`). The front end streams the rows and
//! runs them all in one transaction of the session (all or nothing).

use chrono::{DateTime, Utc};

use super::keys::{issue, refuse_value_held, Imported};
use super::Tx;
use crate::domain::expiry::Expiry;
use crate::domain::import_file::ImportRow;
use crate::domain::key::Key;
use crate::domain::key_spec::KeySpec;
use crate::domain::org::{org_not_found, tenant_of};
use crate::error::Result;

/// Who imports, and the defaults a row without them takes.
pub struct Importer<'a> {
    /// The tenant a registered user is confined to (`None`: an operator).
    pub tenant: Option<&'a str>,
    /// `--org`, else the actor's organization, else the default tenant.
    pub default_org: &'a str,
    pub actor: &'a str,
    pub now: DateTime<Utc>,
}

/// Issues one row in `tx`: its organization (the row's, else the default;
/// another tenant's is "not found"), the value not already held, then the
/// rules of `generate`. Gives the key and the ID the row asked for.
pub fn issue_row(tx: &Tx, who: &Importer, row: ImportRow) -> Result<(Key, Option<String>)> {
    let org = row.resolve_org(who.default_org)?;
    if who.tenant.is_some_and(|t| t != tenant_of(&org)) {
        return Err(org_not_found(&org));
    }
    refuse_value_held(tx, who.tenant, &row.value.hash())?;
    let expires = match row.expires_at {
        Some(t) => Some(Expiry::At(t)),
        None if row.key_type.takes_expiry() => Some(Expiry::Never),
        None => None,
    };
    let spec = KeySpec {
        name: row.name,
        key_type: row.key_type,
        description: row.description,
        expires,
        rules: row.rules,
        origins: row.origins,
        ips: row.ips,
        tags: row.tags,
        rotate_every: row.rotate_every,
        rate_limit: row.rate_limit,
        org,
        user: row.user,
        show_once: row.show_once,
    };
    spec.check_type_rules()?;
    let original_id = row.id.clone();
    let key = issue(
        tx,
        &spec,
        who.actor,
        who.tenant.is_some(),
        &row.value,
        Some(Imported {
            id: row.id,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            created_at: row.created_at.unwrap_or(who.now),
            created_by: row.created_by.unwrap_or_else(|| who.actor.to_string()),
        }),
    )?;
    Ok((key, original_id))
}
