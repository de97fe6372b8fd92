//! Reading keys: `list` (and the selection `export` writes) and `show`.
//! Read-only, one snapshot each; what a confined actor sees is its tenant.

use std::collections::HashMap;

use chrono::Duration;

use super::keys::Scope;
use super::Session;
use crate::domain::key::{Key, KeyState, KeyType};
use crate::domain::org::{org_not_found, tenant_of};
use crate::domain::settings::Settings;
use crate::error::{Error, Result};
use crate::store::{KeyQuery, Tx};

pub use crate::store::KeySort;

/// The filters of `list` and `export`, parsed.
#[derive(Debug, Clone, Default)]
pub struct KeyFilter {
    /// Case-insensitive, in the shown columns and the tags.
    pub search: Option<String>,
    pub key_type: Option<KeyType>,
    /// Every one must be present.
    pub tags: Vec<String>,
    pub state: Option<KeyState>,
    /// Seconds from now.
    pub expiring_within: Option<u64>,
    /// Only keys beyond the max-lifetime setting.
    pub violations: bool,
    pub user: Option<String>,
}

/// Which keys, in which order.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// At and below this organization (it must exist, and be visible).
    pub org: Option<String>,
    pub filter: KeyFilter,
    pub sort: KeySort,
    pub reverse: bool,
}

/// A filter checked against the store's settings, ready to test keys.
struct Matcher<'f> {
    f: &'f KeyFilter,
    search: Option<String>,
    max_lifetime: Option<Option<u64>>,
    now: chrono::DateTime<chrono::Utc>,
}

impl<'f> Matcher<'f> {
    fn new(
        f: &'f KeyFilter,
        settings: &Settings,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Self> {
        let max = settings.max_lifetime();
        if f.violations && max.is_none() {
            return Err(
                Error::usage("--violations needs the max-lifetime setting, which is none")
                    .hint("set it first, e.g. keyadm config set max-lifetime 1y"),
            );
        }
        Ok(Matcher {
            f,
            search: f.search.as_ref().map(|s| s.to_lowercase()),
            max_lifetime: f.violations.then_some(max),
            now,
        })
    }

    fn matches<V: AsRef<[String]>>(&self, k: &Key, cells: impl FnOnce() -> V) -> bool {
        let (f, now) = (self.f, self.now);
        if f.key_type.is_some_and(|t| t != k.key_type)
            || !f.tags.iter().all(|t| k.tags.contains(t))
            || f.state.as_ref().is_some_and(|s| !in_state(k, s, now))
        {
            return false;
        }
        if let Some(within) = f.expiring_within {
            let limit = now + Duration::seconds(within as i64);
            if !k.expires_at.is_some_and(|e| e > now && e <= limit) {
                return false;
            }
        }
        if let Some(max) = self.max_lifetime {
            if !breaks_max_lifetime(k, max.unwrap_or(0), now) {
                return false;
            }
        }
        if f.user
            .as_ref()
            .is_some_and(|u| k.user.as_deref() != Some(u.as_str()))
        {
            return false;
        }
        if let Some(s) = &self.search {
            let hit = cells()
                .as_ref()
                .iter()
                .chain(k.tags.iter())
                .any(|c| c.to_lowercase().contains(s.as_str()));
            if !hit {
                return false;
            }
        }
        true
    }
}

/// Is `k` in state `s` for `list --enabled|--disabled|--expired`? A key
/// that `sweep` disabled because it expired is both disabled and expired.
fn in_state(k: &Key, s: &KeyState, now: chrono::DateTime<chrono::Utc>) -> bool {
    let swept = !k.enabled && k.is_expired(now) && k.disabled_reason.as_deref() == Some("expired");
    k.state(now) == *s || (*s == KeyState::Expired && swept)
}

/// Does `k` break a `max-lifetime` of `max` seconds at `now`: an expiry
/// later than now + max, or none, on a type that takes one?
pub fn breaks_max_lifetime(k: &Key, max: u64, now: chrono::DateTime<chrono::Utc>) -> bool {
    let limit = now + Duration::seconds(max as i64);
    k.key_type.takes_expiry() && k.expires_at.is_none_or(|e| e > limit)
}

/// `--org` must name an organization that exists and that the actor may
/// see: a typo must not look like an empty organization.
fn check_org(tx: &Tx, confined: Option<&str>, org: Option<&str>) -> Result<()> {
    if let Some(org) = org {
        let hidden = confined.is_some_and(|t| t != tenant_of(org));
        if hidden || !tx.org_exists(org)? {
            return Err(org_not_found(org).hint("keyadm org list shows the organizations"));
        }
    }
    Ok(())
}

/// Walks the keys `sel` selects, in its order, streaming (one key in
/// memory at a time). `begin` gets the store's settings first and makes
/// what the other two share (how to show times); `cells` gives the shown
/// columns the search looks in; `each` gets every selected key and, with
/// `user_states`, the state of the user it is bound to. Returns `begin`'s value.
pub fn select<C, V: AsRef<[String]>>(
    session: &mut Session,
    sel: &Selection,
    user_states: bool,
    begin: impl FnOnce(&Settings) -> Result<C>,
    cells: impl Fn(&C, &Key) -> V,
    mut each: impl FnMut(&C, Key, Option<&'static str>) -> Result<()>,
) -> Result<C> {
    let now = session.now();
    let confined = session.confined_tenant().map(str::to_string);
    session.read(|tx| {
        let settings = tx.settings()?;
        let shared = begin(&settings)?;
        check_org(tx, confined.as_deref(), sel.org.as_deref())?;
        let matcher = Matcher::new(&sel.filter, &settings, now)?;
        let query = KeyQuery {
            tenant: confined.clone(),
            org: sel.org.clone(),
            sort: sel.sort,
            reverse: sel.reverse,
        };
        let states = match user_states {
            true => tx.user_states(confined.as_deref())?,
            false => HashMap::new(),
        };
        tx.each_key(&query, |k| {
            if matcher.matches(&k, || cells(&shared, &k)) {
                let state = binding_state(&states, &k);
                each(&shared, k, state)?;
            }
            Ok(())
        })?;
        Ok(shared)
    })
}

/// The state of the user a key is bound to: `None` for a key of all users,
/// else `enabled`, `disabled` or `removed`, from `states` (name → enabled).
pub fn binding_state(states: &HashMap<String, bool>, key: &Key) -> Option<&'static str> {
    let user = key.user.as_deref()?;
    Some(match states.get(user) {
        Some(true) => "enabled",
        Some(false) => "disabled",
        None => "removed",
    })
}

/// The same for one key, looked up in the store.
pub fn bound_user_state(tx: &Tx, key: &Key) -> Result<Option<&'static str>> {
    let Some(name) = key.user.as_deref() else {
        return Ok(None);
    };
    let states = tx
        .find_user(name)?
        .filter(|u| u.tenant == key.tenant)
        .map(|u| (u.name, u.enabled))
        .into_iter()
        .collect();
    Ok(binding_state(&states, key))
}

/// A key as `show` prints it (without its value).
pub struct Shown {
    pub key: Key,
    pub settings: Settings,
    pub user_state: Option<&'static str>,
}

/// `show KEY`.
pub fn show(session: &mut Session, scope: Scope, key: &str) -> Result<Shown> {
    let tenant = session.confined_tenant().map(str::to_string);
    session.read(|tx| {
        let key = tx.find_key(tenant.as_deref(), scope.org, key)?;
        let user_state = bound_user_state(tx, &key)?;
        Ok(Shown {
            key,
            settings: tx.settings()?,
            user_state,
        })
    })
}
