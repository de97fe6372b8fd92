//! Organizations.

use rusqlite::OptionalExtension;

use super::{timestamp, Tx};
use crate::domain::org::tenant_of;
use crate::error::Result;

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
}
