//! Settings rows.

use std::collections::BTreeMap;

use super::Tx;
use crate::domain::settings::Settings;
use crate::error::Result;

impl Tx<'_> {
    pub fn settings(&self) -> Result<Settings> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name, value FROM settings")?;
        let values = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<rusqlite::Result<BTreeMap<_, _>>>()?;
        Ok(Settings::from_stored(values))
    }

    pub fn set_setting(&self, name: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings (name, value) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            [name, value],
        )?;
        Ok(())
    }
}
