//! Calls: each provider call handled once, ever, keyed by its SID.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::{Result, Tx};
use crate::clock::to_ms;

/// A call about to be recorded.
#[derive(Debug, Clone)]
pub struct NewCall<'a> {
    pub sid: &'a str,
    pub conversation_id: Option<i64>,
    pub from: &'a str,
    pub to: &'a str,
    pub outcome: &'a str,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub detected_at: DateTime<Utc>,
}

impl Tx<'_> {
    /// Records a call; `None` when a call with that SID was recorded before.
    pub fn insert_call(&mut self, call: &NewCall<'_>) -> Result<Option<i64>> {
        let inserted = self.run(
            "INSERT INTO calls (sid, conversation_id, from_number, to_number, outcome, started_at,
                                ended_at, detected_at, decision)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'skipped')
             ON CONFLICT (sid) DO NOTHING",
            params![
                call.sid,
                call.conversation_id,
                call.from,
                call.to,
                call.outcome,
                call.started_at.map(to_ms),
                call.ended_at.map(to_ms),
                to_ms(call.detected_at),
            ],
        )?;
        Ok((inserted == 1).then(|| self.last_insert_rowid()))
    }

    /// Records what was decided about a call.
    pub fn set_call_decision(
        &mut self,
        call_id: i64,
        decision: &str,
        skip_reason: Option<&str>,
        message_id: Option<i64>,
    ) -> Result<()> {
        self.run(
            "UPDATE calls SET decision = ?2, skip_reason = ?3,
                              message_id = COALESCE(?4, message_id)
             WHERE id = ?1",
            params![call_id, decision, skip_reason, message_id],
        )?;
        Ok(())
    }
}

/// Whether a call with this SID has been recorded.
pub fn call_known(conn: &Connection, sid: &str) -> Result<bool> {
    Ok(super::cached_row(
        conn,
        "SELECT 1 FROM calls WHERE sid = ?1",
        [sid],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

/// The call that caused a text-back, if any.
pub fn call_for_message(conn: &Connection, message_id: i64) -> Result<Option<i64>> {
    Ok(super::cached_row(
        conn,
        "SELECT id FROM calls WHERE message_id = ?1",
        [message_id],
        |r| r.get(0),
    )
    .optional()?)
}
