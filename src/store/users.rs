//! User rows: finding, listing, inserting, changing and removing users, and
//! the keys bound to them.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};

use super::db::Row;

use super::{parse_timestamp, timestamp, Tx};
use crate::domain::rules::{FromStored, Rule};
use crate::domain::user::User;
use crate::error::Result;

columns! {
    mod col {
        NAME = "name",
        DISPLAY_NAME = "display_name",
        EMAIL = "email",
        ORG = "org",
        TENANT = "tenant",
        GROUPS = "groups_json",
        ROLE = "role",
        ENABLED = "enabled",
        PRIVILEGES = "privileges",
        CREATED_AT = "created_at",
    }
}

const COLUMNS: &str = col::SQL;

fn bad(i: usize, what: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        i,
        rusqlite::types::Type::Text,
        what.to_string().into(),
    )
}

fn user_from_row(r: &Row) -> rusqlite::Result<User> {
    let groups: Vec<String> =
        serde_json::from_str(&r.get::<_, String>(col::GROUPS)?).map_err(|e| bad(col::GROUPS, e))?;
    let privileges: Vec<String> = serde_json::from_str(&r.get::<_, String>(col::PRIVILEGES)?)
        .map_err(|e| bad(col::PRIVILEGES, e))?;
    Ok(User {
        name: r.get(col::NAME)?,
        display_name: r.get(col::DISPLAY_NAME)?,
        email: r.get(col::EMAIL)?,
        org: r.get(col::ORG)?,
        tenant: r.get(col::TENANT)?,
        groups,
        role: r
            .get::<_, String>(col::ROLE)?
            .parse()
            .map_err(|_| bad(col::ROLE, "bad role"))?,
        enabled: r.get(col::ENABLED)?,
        privileges: privileges
            .iter()
            .map(|p| {
                Rule::from_stored(p)
                    .map_err(|_| bad(col::PRIVILEGES, format!("bad privilege {p:?}")))
            })
            .collect::<rusqlite::Result<_>>()?,
        created_at: parse_timestamp(&r.get::<_, String>(col::CREATED_AT)?)?,
    })
}

fn privileges_json(u: &User) -> String {
    serde_json::to_string(&u.privileges).expect("rules serialize")
}

fn groups_json(u: &User) -> String {
    serde_json::to_string(&u.groups).expect("strings serialize")
}

impl Tx<'_> {
    /// The user of this name, in any tenant (names are unique in the store).
    pub fn find_user(&self, name: &str) -> Result<Option<User>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM users WHERE name = ?1"))?;
        Ok(stmt.query_row([name], user_from_row).optional()?)
    }

    /// The users of a tenant (all when `None`), at or below `org` if given, by name.
    pub fn users(&self, tenant: Option<&str>, org: Option<&str>) -> Result<Vec<User>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM users
             WHERE (?1 IS NULL OR tenant = ?1)
               AND (?2 IS NULL OR org = ?2 OR substr(org, 1, length(?2) + 1) = ?2 || '/')
             ORDER BY name"
        ))?;
        let users = stmt
            .query_map(params![tenant, org], user_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(users)
    }

    /// Whether each user of a tenant (all when `None`) is enabled, by name.
    pub fn user_states(&self, tenant: Option<&str>) -> Result<HashMap<String, bool>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name, enabled FROM users WHERE (?1 IS NULL OR tenant = ?1)")?;
        let states = stmt
            .query_map(params![tenant], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<HashMap<_, _>>>()?;
        Ok(states)
    }

    pub fn insert_user(&self, u: &User) -> Result<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO users ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            ))?
            .execute(params![
                u.name,
                u.display_name,
                u.email,
                u.org,
                u.tenant,
                groups_json(u),
                u.role.as_str(),
                u.enabled,
                privileges_json(u),
                timestamp(u.created_at),
            ])?;
        self.sign_user_row(&u.name)
    }

    /// Writes every changeable field of `u` (found by its name).
    pub fn update_user(&self, u: &User) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE users SET display_name = ?2, email = ?3, org = ?4, tenant = ?5,
                    groups_json = ?6, role = ?7, enabled = ?8, privileges = ?9
                 WHERE name = ?1",
            )?
            .execute(params![
                u.name,
                u.display_name,
                u.email,
                u.org,
                u.tenant,
                groups_json(u),
                u.role.as_str(),
                u.enabled,
                privileges_json(u),
            ])?;
        self.sign_user_row(&u.name)
    }

    /// Removes a user; keys bound to them keep the name (and deny everything).
    pub fn delete_user(&self, name: &str) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM users WHERE name = ?1")?
            .execute([name])?;
        Ok(())
    }

    /// How many keys are bound to a user name (whether or not the user exists).
    pub fn count_keys_bound_to(&self, name: &str) -> Result<i64> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT count(*) FROM keys WHERE user_name = ?1")?;
        Ok(stmt.query_row([name], |r| r.get(0))?)
    }
}
