//! Organizations: their paths, and what is in them.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};

use super::{timestamp, Tx};
use crate::domain::org::tenant_of;
use crate::error::Result;

/// `org = ?n` or below it, for a query with the organization in parameter `?n`.
fn within(column: &str, n: u8) -> String {
    format!("({column} = ?{n} OR substr({column}, 1, length(?{n}) + 1) = ?{n} || '/')")
}

impl Tx<'_> {
    pub fn org_exists(&self, path: &str) -> Result<bool> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM orgs WHERE path = ?1")?;
        Ok(stmt.query_row([path], |_| Ok(())).optional()?.is_some())
    }

    pub fn insert_org(&self, path: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO orgs (path, tenant, created_at) VALUES (?1, ?2, ?3)",
            [path, tenant_of(path), &timestamp(self.now)],
        )?;
        Ok(())
    }

    /// The organizations of a tenant (all when `None`), unordered.
    pub fn orgs(&self, tenant: Option<&str>) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT path FROM orgs WHERE (?1 IS NULL OR tenant = ?1)")?;
        let paths = stmt
            .query_map(params![tenant], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(paths)
    }

    /// The number of keys in each organization (exactly there, not below).
    pub fn key_counts_by_org(&self, tenant: Option<&str>) -> Result<HashMap<String, i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT org, count(*) FROM keys WHERE (?1 IS NULL OR tenant = ?1) GROUP BY org",
        )?;
        let counts = stmt
            .query_map(params![tenant], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<HashMap<_, _>>>()?;
        Ok(counts)
    }

    /// The number of users in each organization (exactly there, not below).
    pub fn user_counts_by_org(&self, tenant: Option<&str>) -> Result<HashMap<String, i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT org, count(*) FROM users WHERE (?1 IS NULL OR tenant = ?1) GROUP BY org",
        )?;
        let counts = stmt
            .query_map(params![tenant], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<HashMap<_, _>>>()?;
        Ok(counts)
    }

    /// Keys and users at or below an organization.
    pub fn count_within_org(&self, path: &str) -> Result<(i64, i64)> {
        let keys: i64 = self
            .conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM keys WHERE {}",
                within("org", 1)
            ))?
            .query_row([path], |r| r.get(0))?;
        let users: i64 = self
            .conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM users WHERE {}",
                within("org", 1)
            ))?
            .query_row([path], |r| r.get(0))?;
        Ok((keys, users))
    }

    /// Removes an organization and every organization below it; returns their paths.
    pub fn delete_orgs_within(&self, path: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "DELETE FROM orgs WHERE {} RETURNING path",
            within("path", 1)
        ))?;
        let mut removed = stmt
            .query_map([path], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        removed.sort();
        Ok(removed)
    }
}
