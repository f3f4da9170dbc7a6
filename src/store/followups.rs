//! Follow-up sequences: the texts that go out when a customer stays silent.
//!
//! The steps of a sequence are written when its first text is recorded as sent, each with its
//! due time. A step that falls due becomes an outbox text in the same transaction that marks it
//! queued, so a step is never lost nor queued twice.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use super::{Result, Tx};
use crate::clock::{from_ms, to_ms};
use crate::events::EventKind;

/// A follow-up step whose time has come.
#[derive(Debug, Clone, PartialEq)]
pub struct DueFollowUp {
    pub id: i64,
    pub conversation_id: i64,
    pub first_message_id: i64,
    pub step: u32,
    pub due_at: DateTime<Utc>,
}

impl Tx<'_> {
    /// Schedules the steps of a sequence started by `first_message_id`.
    pub fn schedule_follow_ups(
        &mut self,
        conversation_id: i64,
        first_message_id: i64,
        due: &[DateTime<Utc>],
    ) -> Result<()> {
        for (step, due_at) in due.iter().enumerate() {
            self.run(
                "INSERT INTO follow_ups (conversation_id, first_message_id, step, due_at, state)
                 VALUES (?1, ?2, ?3, ?4, 'scheduled')
                 ON CONFLICT (first_message_id, step) DO NOTHING",
                params![
                    conversation_id,
                    first_message_id,
                    step as i64,
                    to_ms(*due_at)
                ],
            )?;
        }
        Ok(())
    }

    /// Marks a step queued as outbox text `message_id`.
    pub fn follow_up_queued(&mut self, id: i64, message_id: i64) -> Result<()> {
        self.run(
            "UPDATE follow_ups SET state = 'queued', message_id = ?2 WHERE id = ?1",
            params![id, message_id],
        )?;
        Ok(())
    }

    /// Stops every scheduled step of a conversation, and withdraws follow-up texts still
    /// waiting in the outbox. Returns how many steps stopped.
    pub fn stop_follow_ups(
        &mut self,
        conversation_id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let stopped = self.run(
            "UPDATE follow_ups SET state = 'stopped', stop_reason = ?2
             WHERE conversation_id = ?1 AND state = 'scheduled'",
            params![conversation_id, reason],
        )?;
        let waiting: Vec<i64> = {
            let mut stmt = self.prepare_cached(
                "SELECT o.message_id FROM outbox o JOIN messages m ON m.id = o.message_id
                 WHERE m.conversation_id = ?1 AND m.kind = 'follow_up' AND o.state = 'pending'",
            )?;
            let rows = stmt.query_map([conversation_id], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut withdrawn = 0;
        for message_id in waiting {
            withdrawn += usize::from(self.cancel_text(message_id, reason, now)?);
        }
        if stopped + withdrawn > 0 {
            let kind = EventKind::FollowUpsStopped {
                reason: reason.into(),
            };
            self.event(now, Some(conversation_id), kind)?;
        }
        Ok(stopped)
    }

    /// Stops one step, for `reason`.
    pub fn stop_follow_up(&mut self, id: i64, reason: &str) -> Result<()> {
        self.run(
            "UPDATE follow_ups SET state = 'stopped', stop_reason = ?2 WHERE id = ?1",
            params![id, reason],
        )?;
        Ok(())
    }
}

/// Steps due by `now`, oldest first.
pub fn due_follow_ups(
    conn: &Connection,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<DueFollowUp>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, conversation_id, first_message_id, step, due_at FROM follow_ups
         WHERE state = 'scheduled' AND due_at <= ?1 ORDER BY due_at, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![to_ms(now), limit as i64], |r| {
        Ok(DueFollowUp {
            id: r.get(0)?,
            conversation_id: r.get(1)?,
            first_message_id: r.get(2)?,
            step: r.get(3)?,
            due_at: from_ms(r.get(4)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// When the next scheduled step falls due.
pub fn next_follow_up(conn: &Connection) -> Result<Option<DateTime<Utc>>> {
    let ms: Option<i64> = super::cached_row(
        conn,
        "SELECT MIN(due_at) FROM follow_ups WHERE state = 'scheduled'",
        [],
        |r| r.get(0),
    )?;
    Ok(ms.map(from_ms))
}

/// Whether anything happened in the conversation since `since` that stops a sequence: a
/// customer text or a staff message. Returns the stop reason.
pub fn sequence_interrupted(
    conn: &Connection,
    conversation_id: i64,
    since: DateTime<Utc>,
) -> Result<Option<&'static str>> {
    let (inbound, staff): (i64, i64) = super::cached_row(
        conn,
        "SELECT COALESCE(last_inbound_at, 0), COALESCE(last_staff_at, 0)
         FROM conversations WHERE id = ?1",
        [conversation_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let since = to_ms(since);
    Ok(if inbound >= since {
        Some("replied")
    } else if staff >= since {
        Some("staff_message")
    } else {
        None
    })
}
