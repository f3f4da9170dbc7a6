//! What is known about a phone number: opted out, blocked, unable to receive texts.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::{Result, Tx};
use crate::clock::to_ms;
use crate::events::EventKind;

impl Tx<'_> {
    /// Opts a number out. Returns whether it was opted in before.
    pub fn opt_out(&mut self, number: &str, source: &str, now: DateTime<Utc>) -> Result<bool> {
        let inserted = self.run(
            "INSERT INTO opt_outs (number, source, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (number) DO NOTHING",
            params![number, source, to_ms(now)],
        )?;
        if inserted == 1 {
            let kind = EventKind::OptedOut {
                number: number.into(),
                source: source.into(),
            };
            self.event(now, None, kind)?;
        }
        Ok(inserted == 1)
    }

    /// Opts a number back in. Returns whether it was opted out before.
    pub fn opt_in(&mut self, number: &str, now: DateTime<Utc>) -> Result<bool> {
        let removed = self.run("DELETE FROM opt_outs WHERE number = ?1", [number])?;
        if removed == 1 {
            self.event(
                now,
                None,
                EventKind::OptedIn {
                    number: number.into(),
                },
            )?;
        }
        Ok(removed == 1)
    }

    /// Blocks a number: it is never texted and its calls are skipped.
    pub fn block(&mut self, number: &str, reason: Option<&str>, now: DateTime<Utc>) -> Result<()> {
        let inserted = self.run(
            "INSERT INTO blocks (number, reason, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (number) DO NOTHING",
            params![number, reason, to_ms(now)],
        )?;
        if inserted == 1 {
            self.event(
                now,
                None,
                EventKind::Blocked {
                    number: number.into(),
                },
            )?;
        }
        Ok(())
    }

    pub fn unblock(&mut self, number: &str, now: DateTime<Utc>) -> Result<()> {
        if self.run("DELETE FROM blocks WHERE number = ?1", [number])? == 1 {
            self.event(
                now,
                None,
                EventKind::Unblocked {
                    number: number.into(),
                },
            )?;
        }
        Ok(())
    }

    /// Remembers that `number` cannot receive texts, from provider error `code`.
    pub fn mark_not_mobile(&mut self, number: &str, code: u32, now: DateTime<Utc>) -> Result<()> {
        self.run(
            "INSERT INTO number_facts (number, not_mobile, error_code, updated_at)
             VALUES (?1, 1, ?2, ?3)
             ON CONFLICT (number) DO UPDATE SET not_mobile = 1, error_code = ?2, updated_at = ?3",
            params![number, code, to_ms(now)],
        )?;
        Ok(())
    }
}

fn exists(conn: &Connection, sql: &str, number: &str) -> Result<bool> {
    Ok(super::cached_row(conn, sql, [number], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn is_opted_out(conn: &Connection, number: &str) -> Result<bool> {
    exists(conn, "SELECT 1 FROM opt_outs WHERE number = ?1", number)
}

pub fn is_blocked(conn: &Connection, number: &str) -> Result<bool> {
    exists(conn, "SELECT 1 FROM blocks WHERE number = ?1", number)
}

pub fn is_not_mobile(conn: &Connection, number: &str) -> Result<bool> {
    exists(
        conn,
        "SELECT 1 FROM number_facts WHERE number = ?1 AND not_mobile = 1",
        number,
    )
}
