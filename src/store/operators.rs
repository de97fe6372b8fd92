//! The store's operators: names recorded in the store (SPEC §5.1), never
//! inferred from "not a registered user".

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{timestamp, Tx};
use crate::error::Result;

/// An operator as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Operator {
    pub name: String,
    pub added_at: String,
    pub added_by: String,
}

impl Tx<'_> {
    /// Whether a database role of this name exists (PostgreSQL only).
    pub fn login_role_exists(&self, name: &str) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ?1)",
            [name],
            |r| r.get(0),
        )?)
    }

    /// Whether a user of this name exists in any tenant: on PostgreSQL a
    /// tenant's role sees only its tenant's users, so a SECURITY DEFINER
    /// function answers.
    pub fn user_name_taken(&self, name: &str) -> Result<bool> {
        if !self.conn.is_pg() {
            return Ok(self.find_user(name)?.is_some());
        }
        Ok(self
            .conn
            .query_row("SELECT keyadm_user_name_taken(?1)", [name], |r| r.get(0))?)
    }

    /// Creates the login role of a new keyadm user (PostgreSQL only),
    /// through the SECURITY DEFINER function of
    /// `migrations/pg/0010_pg_rls.sql`: the caller needs no CREATEROLE.
    pub fn create_login(&self, name: &str, password: Option<&str>) -> Result<()> {
        self.conn.execute(
            "SELECT keyadm_create_login(?1, ?2)",
            params![name, password],
        )?;
        Ok(())
    }

    pub fn is_operator(&self, name: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM operators WHERE name = ?1")?
            .query_row([name], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Every operator, by name.
    pub fn operators(&self) -> Result<Vec<Operator>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name, added_at, added_by FROM operators ORDER BY name")?;
        let all = stmt
            .query_map([], |r| {
                Ok(Operator {
                    name: r.get("name")?,
                    added_at: r.get("added_at")?,
                    added_by: r.get("added_by")?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(all)
    }

    /// Records `name` as an operator; false when it already was one.
    pub fn insert_operator(&self, name: &str, added_by: &str) -> Result<bool> {
        let n = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO operators (name, added_at, added_by) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![name, timestamp(self.now), added_by])?;
        Ok(n == 1)
    }

    /// Removes an operator; false when `name` was none.
    pub fn delete_operator(&self, name: &str) -> Result<bool> {
        let n = self
            .conn
            .prepare_cached("DELETE FROM operators WHERE name = ?1")?
            .execute([name])?;
        Ok(n == 1)
    }
}
