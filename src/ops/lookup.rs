//! `lookup`: which key a presented value is, without recording a use;
//! confined to the actor's tenant (another tenant's key is not found).

use super::Session;
use crate::domain::key::Key;
use crate::domain::settings::Settings;
use crate::domain::value::{parse_value, value_hash};
use crate::error::{Error, Result};

/// The key a value belongs to.
pub struct Found {
    pub key: Key,
    /// False for the previous value of a rotated key.
    pub is_current: bool,
    /// The store's settings (for showing times).
    pub settings: Settings,
}

impl Found {
    /// `current`, or `previous` for the old value of a rotated key.
    pub fn matched(&self) -> &'static str {
        match self.is_current {
            true => "current",
            false => "previous",
        }
    }
}

/// Checks that `value` is a key value (exit 2 otherwise, before any store is opened).
pub fn check_value(value: &str) -> Result<()> {
    parse_value(value).map(|_| ())
}

/// Finds the key whose current or previous value is `value` (exit 3 when none).
pub fn lookup(session: &mut Session, value: &str) -> Result<Found> {
    check_value(value)?;
    let tenant = session.confined_tenant().map(str::to_string);
    let (found, settings) =
        session.read(|tx| Ok((tx.find_key_by_hash(&value_hash(value))?, tx.settings()?)))?;
    let (key, is_current) = found
        .filter(|(k, _)| tenant.as_deref().is_none_or(|t| t == k.tenant))
        .ok_or_else(|| {
            Error::not_found("no key of this store has this value")
                .hint("check that it is the right store (--db, KEYADM_DB)")
        })?;
    Ok(Found {
        key,
        is_current,
        settings,
    })
}
