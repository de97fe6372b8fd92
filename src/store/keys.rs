//! Key rows: finding, counting, listing, inserting and changing keys.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::db::Row;

use super::{parse_timestamp, timestamp, Tx};
use crate::domain::key::{Key, PreviousValue};
use crate::domain::org::tenant_of;
use crate::domain::rate_limit::RateLimit;
use crate::domain::rules::FromStored;
use crate::error::{Error, Result};

columns! {
    pub(super) mod col {
        ID = "id",
        NAME = "name",
        TYPE = "type",
        ORG = "org",
        TENANT = "tenant",
        DESCRIPTION = "description",
        ENABLED = "enabled",
        DISABLED_REASON = "disabled_reason",
        CREATED_AT = "created_at",
        CREATED_BY = "created_by",
        EXPIRES_AT = "expires_at",
        DISPLAY = "display",
        SHOW_ONCE = "sealed IS NULL",
        PREV_DISPLAY = "prev_display",
        PREV_UNTIL = "prev_until",
        ROTATED_AT = "rotated_at",
        ROTATE_EVERY = "rotate_every",
        USER_NAME = "user_name",
        RULES = "rules",
        ORIGINS = "origins",
        IPS = "ips",
        TAGS = "tags",
        LAST_USED_AT = "last_used_at",
        RATE_LIMIT = "rate_limit",
        CURRENT_USED_AT = "current_used_at",
        PREVIOUS_USED_AT = "previous_used_at",
        EXPIRY_SET_AT = "expiry_set_at",
    }
}

/// A KEY argument that starts with this is an ID only (`id:3kF9aQ2mX7pL`).
pub const ID_PREFIX: &str = "id:";

/// KEY is the ID of `by_id` and the name of `named`: both are listed, with
/// the ways to say which (`--org` only when it can tell them apart).
fn id_and_name(key: &str, by_id: &Key, named: &Key, scoped: bool) -> Error {
    let name = |k: &Key| k.name.escape_debug().to_string();
    let e = Error::usage(format!(
        "\"{}\" is the ID of the key \"{}\" (tenant \"{}\") and the name of the key {} (tenant \"{}\")",
        key.escape_debug(),
        name(by_id),
        by_id.tenant,
        named.id,
        named.tenant
    ));
    if scoped || by_id.tenant == named.tenant {
        e.hint(format!(
            "say which: {ID_PREFIX}{} for the first, {ID_PREFIX}{} for the second",
            by_id.id, named.id
        ))
    } else {
        e.hint(format!(
            "say which: {ID_PREFIX}{} (or --org {}) for the first, --org {} (or {ID_PREFIX}{}) for the second",
            by_id.id, by_id.tenant, named.tenant, named.id
        ))
    }
}

/// The columns a `Key` is read from (`key_from_row`).
pub(super) const COLUMNS: &str = col::SQL;

/// A key about to be inserted, with its hash and sealed value.
pub struct NewKey<'a> {
    pub key: &'a Key,
    pub hash: [u8; 32],
    /// `None` for a show-once key.
    pub sealed: Option<Vec<u8>>,
}

/// A new value for a key, and what becomes of the old one.
pub struct Rotation {
    pub hash: [u8; 32],
    pub sealed: Option<Vec<u8>>,
    pub display: String,
    /// When the old value stops working; `None` ends it at once.
    pub previous_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeySort {
    #[default]
    Name,
    Issued,
    Expires,
    Type,
    Org,
}

/// Which keys to walk, in which order. Finer filters are the caller's.
#[derive(Debug, Clone, Default)]
pub struct KeyQuery {
    /// Only keys of this tenant (an actor confined to it).
    pub tenant: Option<String>,
    /// Only keys at or below this organization.
    pub org: Option<String>,
    pub sort: KeySort,
    pub reverse: bool,
}

/// Items are read as stored ([`FromStored`]): a value an older keyadm
/// accepted keeps loading.
fn json_list<T: FromStored>(text: &str) -> rusqlite::Result<Vec<T>> {
    // Most keys have empty lists: no parsing for them (list reads every row).
    if text == "[]" {
        return Ok(Vec::new());
    }
    let items: Vec<String> = serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })?;
    items
        .iter()
        .map(|s| {
            T::from_stored(s).map_err(|_| {
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    format!("bad list item {s:?}").into(),
                )
            })
        })
        .collect()
}

fn to_json<T: std::fmt::Display>(items: &[T]) -> String {
    serde_json::to_string(&items.iter().map(|i| i.to_string()).collect::<Vec<_>>())
        .expect("strings serialize")
}

fn opt_time(r: &Row, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    r.get::<_, Option<String>>(i)?
        .map(|s| parse_timestamp(&s))
        .transpose()
}

/// A stored rate limit (`100/1m`), or none.
pub(super) fn rate_limit_column(r: &Row, i: usize) -> rusqlite::Result<Option<RateLimit>> {
    r.with_ref(i, |v| match v.as_str_or_null()? {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| {
            rusqlite::Error::FromSqlConversionFailure(
                i,
                rusqlite::types::Type::Text,
                format!("bad rate limit {s:?}").into(),
            )
        }),
    })
}

pub(super) fn key_from_row(r: &Row) -> rusqlite::Result<Key> {
    let key_type: String = r.get(col::TYPE)?;
    let previous = match (
        r.get::<_, Option<String>>(col::PREV_DISPLAY)?,
        opt_time(r, col::PREV_UNTIL)?,
    ) {
        (Some(key), Some(valid_until)) => Some(PreviousValue { key, valid_until }),
        _ => None,
    };
    Ok(Key {
        id: r.get(col::ID)?,
        name: r.get(col::NAME)?,
        key_type: key_type.parse().map_err(|_| {
            rusqlite::Error::FromSqlConversionFailure(
                col::TYPE,
                rusqlite::types::Type::Text,
                "bad key type".into(),
            )
        })?,
        org: r.get(col::ORG)?,
        tenant: r.get(col::TENANT)?,
        description: r.get(col::DESCRIPTION)?,
        enabled: r.get(col::ENABLED)?,
        disabled_reason: r.get(col::DISABLED_REASON)?,
        created_at: parse_timestamp(&r.get::<_, String>(col::CREATED_AT)?)?,
        created_by: r.get(col::CREATED_BY)?,
        expires_at: opt_time(r, col::EXPIRES_AT)?,
        key: r.get(col::DISPLAY)?,
        show_once: r.get(col::SHOW_ONCE)?,
        previous,
        rotated_at: opt_time(r, col::ROTATED_AT)?,
        rotate_every: r
            .get::<_, Option<i64>>(col::ROTATE_EVERY)?
            .map(|s| s as u64),
        user: r.get(col::USER_NAME)?,
        rules: json_list(&r.get::<_, String>(col::RULES)?)?,
        origins: json_list(&r.get::<_, String>(col::ORIGINS)?)?,
        ips: json_list(&r.get::<_, String>(col::IPS)?)?,
        tags: json_list(&r.get::<_, String>(col::TAGS)?)?,
        last_used_at: opt_time(r, col::LAST_USED_AT)?,
        rate_limit: rate_limit_column(r, col::RATE_LIMIT)?,
        current_used_at: opt_time(r, col::CURRENT_USED_AT)?,
        previous_used_at: opt_time(r, col::PREVIOUS_USED_AT)?,
        expiry_set_at: opt_time(r, col::EXPIRY_SET_AT)?,
    })
}

impl Tx<'_> {
    /// Finds the key a KEY argument names (SPEC §5.1): `id:ID` is an ID
    /// only; otherwise an ID or a name. `tenant` (an actor confined to it)
    /// and `org` (`--org`: that organization's tenant) confine the search,
    /// so keys outside it do not exist: neither their IDs nor their names.
    /// A KEY that is one key's ID and another key's name is ambiguous
    /// (exit 2, both named), as is a name held in several tenants.
    pub fn find_key(&self, tenant: Option<&str>, org: Option<&str>, key: &str) -> Result<Key> {
        let scope = match (tenant, org.map(tenant_of)) {
            (Some(t), Some(o)) if t != o => return Err(Error::key_not_found(key)),
            (Some(t), _) => Some(t),
            (None, o) => o,
        };
        if let Some(id) = key.strip_prefix(ID_PREFIX) {
            return self
                .key_by_id(scope, id)?
                .ok_or_else(|| Error::key_not_found(key));
        }
        let by_id = self.key_by_id(scope, key)?;
        // A name typed in another normal form (NFD "Köln") is the same name;
        // a name an older release stored in NFD is still found as typed.
        let nfc = crate::domain::key::normalize_name(key);
        let mut by_name = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM keys WHERE (name = ?1 OR name = ?4) AND (?2 IS NULL OR tenant = ?2) AND id IS NOT ?3 LIMIT 2"
        ))?;
        let mut named = by_name
            .query_map(
                params![key, scope, by_id.as_ref().map(|k| &k.id), nfc],
                key_from_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        match (by_id, named.len()) {
            (None, 0) => Err(self.not_found_with_suggestions(scope, key)?),
            (Some(k), 0) => Ok(k),
            (None, 1) => Ok(named.remove(0)),
            (None, _) => Err(Error::usage(format!(
                "the name \"{key}\" is used in several tenants"
            ))
            .hint("give the key's ID, or the tenant with --org")),
            (Some(k), _) => Err(id_and_name(key, &k, &named[0], scope.is_some())),
        }
    }

    /// "No key X", with the closest names in `tenant` as "did you mean".
    fn not_found_with_suggestions(&self, tenant: Option<&str>, key: &str) -> Result<Error> {
        let plain = Error::key_not_found(key);
        if crate::domain::value::parse_value(key).is_ok() {
            return Ok(plain);
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name FROM keys WHERE (?1 IS NULL OR tenant = ?1)")?;
        let names = stmt
            .query_map(params![tenant], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let close = crate::domain::key::closest_names(key, names.iter().map(String::as_str));
        if close.is_empty() {
            return Ok(plain);
        }
        let quoted: Vec<String> = close
            .iter()
            .map(|n| format!("\"{}\"", n.escape_debug()))
            .collect();
        Ok(plain.hint(format!(
            "did you mean {}? (list the keys with: keyadm list)",
            quoted.join(" or ")
        )))
    }

    /// The key with the ID `id`, if it is in `tenant` (`None`: anywhere).
    pub fn key_by_id(&self, tenant: Option<&str>, id: &str) -> Result<Option<Key>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM keys WHERE id = ?1"))?;
        Ok(stmt
            .query_row([id], key_from_row)
            .optional()?
            .filter(|k| tenant.is_none_or(|t| t == k.tenant)))
    }

    /// Whether `id` is a key's ID in `tenant` (`None`: anywhere).
    pub fn key_id_taken_in(&self, tenant: Option<&str>, id: &str) -> Result<bool> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM keys WHERE id = ?1 AND (?2 IS NULL OR tenant = ?2)")?;
        Ok(stmt
            .query_row(params![id, tenant], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Whether `name` is a key's name in `tenant` (`None`: anywhere).
    pub fn key_name_used_in(&self, tenant: Option<&str>, name: &str) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT 1 FROM keys WHERE name = ?1 AND (?2 IS NULL OR tenant = ?2) LIMIT 1",
        )?;
        Ok(stmt
            .query_row(params![name, tenant], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The key a presented value belongs to (current or previous value).
    pub fn find_key_by_hash(&self, hash: &[u8; 32]) -> Result<Option<(Key, bool)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS}, value_hash = ?1 AS is_current FROM keys WHERE value_hash = ?1 OR prev_hash = ?1"
        ))?;
        Ok(stmt
            .query_row([&hash[..]], |r| {
                Ok((key_from_row(r)?, r.get::<_, bool>(col::COUNT)?))
            })
            .optional()?)
    }

    /// Whether a value (current or previous) is held by a key of any
    /// tenant, including those a tenant's role cannot see on PostgreSQL.
    pub fn value_held_anywhere(&self, hash: &[u8; 32]) -> Result<bool> {
        if self.conn.is_pg() {
            return Ok(self
                .conn
                .query_row("SELECT keyadm_value_held(?1)", [&hash[..]], |r| r.get(0))?);
        }
        Ok(self.find_key_by_hash(hash)?.is_some())
    }

    pub fn key_name_taken(
        &self,
        tenant: &str,
        name: &str,
        except_id: Option<&str>,
    ) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT 1 FROM keys WHERE tenant = ?1 AND name = ?2 AND id IS NOT ?3",
        )?;
        Ok(stmt
            .query_row(params![tenant, name, except_id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Whether `id` is a key's ID in any tenant (on PostgreSQL a tenant's
    /// role sees only its own rows: a SECURITY DEFINER function answers).
    pub fn key_id_taken(&self, id: &str) -> Result<bool> {
        if self.conn.is_pg() {
            return Ok(self
                .conn
                .query_row("SELECT keyadm_key_id_taken(?1)", [id], |r| r.get(0))?);
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM keys WHERE id = ?1")?;
        Ok(stmt.query_row([id], |_| Ok(())).optional()?.is_some())
    }

    pub fn count_keys_in_tenant(&self, tenant: &str) -> Result<i64> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT count(*) FROM keys WHERE tenant = ?1")?;
        Ok(stmt.query_row([tenant], |r| r.get(0))?)
    }

    pub fn count_internal_keys(&self, tenant: &str, enabled_only: bool) -> Result<i64> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT count(*) FROM keys WHERE tenant = ?1 AND type = 'internal' AND (?2 = 0 OR enabled = 1)",
        )?;
        Ok(stmt.query_row(params![tenant, enabled_only], |r| r.get(0))?)
    }

    /// Walks the keys of a query in order, one at a time (never all in memory).
    pub fn each_key(&self, q: &KeyQuery, mut f: impl FnMut(Key) -> Result<()>) -> Result<()> {
        let order = match q.sort {
            KeySort::Name => "name COLLATE NOCASE",
            KeySort::Issued => "created_at",
            // `never` sorts after every date, and before them reversed.
            KeySort::Expires if q.reverse => "expires_at IS NULL DESC, expires_at",
            KeySort::Expires => "expires_at IS NULL, expires_at",
            KeySort::Type => "type",
            KeySort::Org => "org",
        };
        let dir = if q.reverse { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT {COLUMNS} FROM keys
             WHERE (?1 IS NULL OR tenant = ?1)
               AND (?2 IS NULL OR org = ?2 OR substr(org, 1, length(?2) + 1) = ?2 || '/')
             ORDER BY {order} {dir}, name COLLATE NOCASE {dir}, id {dir}"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params![q.tenant, q.org])?;
        while let Some(row) = rows.next()? {
            f(key_from_row(&row)?)?;
        }
        Ok(())
    }

    pub fn insert_key(&self, new: &NewKey) -> Result<()> {
        let k = new.key;
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO keys (id, name, tenant, org, type, description, enabled, disabled_reason,
                created_at, created_by, expires_at, value_hash, sealed, display, rotate_every,
                user_name, rules, origins, ips, tags, rate_limit, expiry_set_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
        )?;
        stmt.execute(params![
            k.id,
            k.name,
            k.tenant,
            k.org,
            k.key_type.as_str(),
            k.description,
            k.enabled,
            k.disabled_reason,
            timestamp(k.created_at),
            k.created_by,
            k.expires_at.map(timestamp),
            &new.hash[..],
            new.sealed,
            k.key,
            k.rotate_every.map(|s| s as i64),
            k.user,
            to_json(&k.rules),
            to_json(&k.origins),
            to_json(&k.ips),
            to_json(&k.tags),
            k.rate_limit.map(|r| r.to_string()),
            k.expiry_set_at.map(timestamp),
        ])?;
        self.sign_key_row(&k.id)
    }

    /// Writes every editable property of `k` (not its value).
    pub fn update_key(&self, k: &Key) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "UPDATE keys SET name = ?2, description = ?3, enabled = ?4, disabled_reason = ?5,
                expires_at = ?6, rotate_every = ?7, user_name = ?8, rules = ?9, origins = ?10,
                ips = ?11, tags = ?12, org = ?13, tenant = ?14, rate_limit = ?15,
                expiry_set_at = ?16
             WHERE id = ?1",
        )?;
        stmt.execute(params![
            k.id,
            k.name,
            k.description,
            k.enabled,
            k.disabled_reason,
            k.expires_at.map(timestamp),
            k.rotate_every.map(|s| s as i64),
            k.user,
            to_json(&k.rules),
            to_json(&k.origins),
            to_json(&k.ips),
            to_json(&k.tags),
            k.org,
            k.tenant,
            k.rate_limit.map(|r| r.to_string()),
            k.expiry_set_at.map(timestamp),
        ])?;
        self.sign_key_row(&k.id)
    }

    /// Gives a key a new value; the old one is kept until `previous_until`.
    pub fn rotate_key(&self, id: &str, r: &Rotation) -> Result<()> {
        self.drops_secrets();
        let mut stmt = self.conn.prepare_cached(
            "UPDATE keys SET
                prev_hash    = CASE WHEN ?5 IS NULL THEN NULL ELSE value_hash END,
                prev_sealed  = CASE WHEN ?5 IS NULL THEN NULL ELSE sealed END,
                prev_display = CASE WHEN ?5 IS NULL THEN NULL ELSE display END,
                prev_until   = ?5,
                previous_used_at = CASE WHEN ?5 IS NULL THEN NULL ELSE current_used_at END,
                current_used_at = NULL,
                value_hash = ?2, sealed = ?3, display = ?4, rotated_at = ?6
             WHERE id = ?1",
        )?;
        stmt.execute(params![
            id,
            &r.hash[..],
            r.sealed,
            r.display,
            r.previous_until.map(timestamp),
            timestamp(self.now),
        ])?;
        self.sign_key_row(id)
    }

    pub fn delete_key(&self, id: &str) -> Result<()> {
        self.drops_secrets();
        self.conn
            .prepare_cached("DELETE FROM keys WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }

    /// The hash of the key's current value (what verification compares):
    /// all an export can carry of a show-once key.
    pub fn key_value_hash(&self, id: &str) -> Result<Option<[u8; 32]>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT value_hash FROM keys WHERE id = ?1")?;
        Ok(stmt
            .query_row([id], |r| r.get::<_, Vec<u8>>(0))
            .optional()?
            .and_then(|h| h.try_into().ok()))
    }

    /// The sealed current value; `None` for a show-once key.
    pub fn sealed_value(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT sealed FROM keys WHERE id = ?1")?;
        Ok(stmt.query_row([id], |r| r.get(0)).optional()?.flatten())
    }

    /// The sealed previous value, while a rotation's grace lasts.
    pub fn sealed_previous_value(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT prev_sealed FROM keys WHERE id = ?1 AND prev_until > ?2")?;
        Ok(stmt
            .query_row(params![id, timestamp(self.now)], |r| r.get(0))
            .optional()?
            .flatten())
    }

    /// Records a use; never waits for the write lock.
    pub fn record_key_use(&self, id: &str) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE keys SET last_used_at = ?2 WHERE id = ?1")?
            .execute(params![id, timestamp(self.now)])?;
        Ok(())
    }
}
