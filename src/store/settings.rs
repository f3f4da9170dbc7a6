//! Settings (JSON values by key) and poll cursors (one instant per poller).

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::{Result, Tx};
use crate::clock::{from_ms, to_ms};

impl Tx<'_> {
    pub fn put_setting(&mut self, key: &str, value: &serde_json::Value) -> Result<()> {
        self.run(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value.to_string()],
        )?;
        Ok(())
    }

    pub fn put_cursor(&mut self, name: &str, at: DateTime<Utc>) -> Result<()> {
        self.run(
            "INSERT INTO poll_cursors (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            params![name, to_ms(at)],
        )?;
        Ok(())
    }
}

pub fn setting(conn: &Connection, key: &str) -> Result<Option<serde_json::Value>> {
    let text: Option<String> = super::cached_row(
        conn,
        "SELECT value FROM settings WHERE key = ?1",
        [key],
        |r| r.get(0),
    )
    .optional()?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

pub fn cursor(conn: &Connection, name: &str) -> Result<Option<DateTime<Utc>>> {
    let ms: Option<i64> = super::cached_row(
        conn,
        "SELECT value FROM poll_cursors WHERE name = ?1",
        [name],
        |r| r.get(0),
    )
    .optional()?;
    Ok(ms.map(from_ms))
}
