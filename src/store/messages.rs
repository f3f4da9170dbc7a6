//! Messages and the outbox.
//!
//! An outbound text is a `messages` row plus an `outbox` row, both written in the transaction
//! that decided to send it. The outbox row walks `pending` → `sending` → `done`. A row is put in
//! `sending` and committed *before* its request leaves, so after a crash or an answer that
//! leaves the outcome unknown, the sender knows it must look for the text at the provider
//! before sending it again.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::model::{time, Message};
use super::{Result, StoreError, Tx};
use crate::clock::{from_ms, to_ms};
use crate::events::EventKind;

/// An outbound text to schedule.
#[derive(Debug, Clone)]
pub struct NewOutbound<'a> {
    pub conversation_id: i64,
    /// `text_back`, `follow_up`, `staff` or `help`.
    pub kind: &'a str,
    pub body: &'a str,
    pub template: Option<&'a str>,
    pub follow_up_step: Option<u32>,
    pub call_id: Option<i64>,
    pub author: Option<&'a str>,
    pub due_at: DateTime<Utc>,
}

/// A text the sender has to work on.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    pub message_id: i64,
    pub conversation_id: i64,
    pub kind: String,
    pub from: String,
    pub to: String,
    pub body: String,
    /// `pending`, or `sending` when an earlier attempt's outcome is unknown.
    pub state: String,
    pub attempts: u32,
    pub due_at: DateTime<Utc>,
    /// When the first attempt began: where to start looking at the provider.
    pub first_attempt_at: Option<DateTime<Utc>>,
    pub call_id: Option<i64>,
}

const OUTBOX_SELECT: &str = "
    SELECT o.message_id, m.conversation_id, m.kind, c.business_number, c.customer_number, m.body,
           o.state, o.attempts, o.due_at, o.first_attempt_at, m.call_id
    FROM outbox o
    JOIN messages m ON m.id = o.message_id
    JOIN conversations c ON c.id = m.conversation_id";

fn outbox_item(r: &Row<'_>) -> rusqlite::Result<OutboxItem> {
    Ok(OutboxItem {
        message_id: r.get(0)?,
        conversation_id: r.get(1)?,
        kind: r.get(2)?,
        from: r.get(3)?,
        to: r.get(4)?,
        body: r.get(5)?,
        state: r.get(6)?,
        attempts: r.get(7)?,
        due_at: from_ms(r.get(8)?),
        first_attempt_at: time(r.get(9)?),
        call_id: r.get(10)?,
    })
}

impl Tx<'_> {
    /// Writes a text to the outbox. Returns the message id.
    pub fn schedule_text(&mut self, text: &NewOutbound<'_>, now: DateTime<Utc>) -> Result<i64> {
        self.run(
            "INSERT INTO messages (conversation_id, direction, kind, body, status, author,
                                   template, follow_up_step, call_id, created_at, updated_at)
             VALUES (?1, 'out', ?2, ?3, 'scheduled', ?4, ?5, ?6, ?7, ?8, ?8)",
            params![
                text.conversation_id,
                text.kind,
                text.body,
                text.author,
                text.template,
                text.follow_up_step,
                text.call_id,
                to_ms(now),
            ],
        )?;
        let message_id = self.last_insert_rowid();
        self.run(
            "INSERT INTO outbox (message_id, due_at, state) VALUES (?1, ?2, 'pending')",
            params![message_id, to_ms(text.due_at)],
        )?;
        let kind = EventKind::TextScheduled {
            message_id,
            kind: text.kind.into(),
            due_at: text.due_at,
        };
        self.event(now, Some(text.conversation_id), kind)?;
        Ok(message_id)
    }

    /// Records a customer's text; `None` when that SID is already stored.
    pub fn insert_inbound(
        &mut self,
        conversation_id: i64,
        sid: &str,
        body: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let inserted = self.run(
            "INSERT INTO messages (conversation_id, direction, kind, body, status, sid,
                                   created_at, sent_at, updated_at)
             VALUES (?1, 'in', 'reply', ?2, 'received', ?3, ?4, ?4, ?4)
             ON CONFLICT (sid) DO NOTHING",
            params![conversation_id, body, sid, to_ms(at)],
        )?;
        Ok((inserted == 1).then(|| self.last_insert_rowid()))
    }

    /// Marks an attempt as begun. Committed before the request leaves.
    pub fn begin_attempt(&mut self, message_id: i64, now: DateTime<Utc>) -> Result<()> {
        self.run(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1,
                               first_attempt_at = COALESCE(first_attempt_at, ?2)
             WHERE message_id = ?1",
            params![message_id, to_ms(now)],
        )?;
        self.run(
            "UPDATE messages SET status = 'sending', updated_at = ?2 WHERE id = ?1",
            params![message_id, to_ms(now)],
        )?;
        Ok(())
    }

    /// Records that the provider has the text, under `sid`.
    pub fn record_sent(
        &mut self,
        message_id: i64,
        sid: &str,
        status: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.run(
            "UPDATE messages SET sid = ?2, status = ?3, sent_at = ?4, updated_at = ?4
             WHERE id = ?1",
            params![message_id, sid, status, to_ms(now)],
        )?;
        self.finish_outbox(message_id, None)?;
        self.run(
            "UPDATE calls SET decision = 'texted', skip_reason = NULL WHERE message_id = ?1",
            [message_id],
        )?;
        let conversation = message_conversation(self, message_id)?;
        self.event(
            now,
            Some(conversation),
            EventKind::TextSent {
                message_id,
                sid: sid.into(),
            },
        )?;
        Ok(())
    }

    /// Records that the text will not go out because the provider refused it.
    pub fn record_failed(
        &mut self,
        message_id: i64,
        code: Option<u32>,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.run(
            "UPDATE messages SET status = 'failed', error_code = ?2, error_message = ?3,
                                 updated_at = ?4
             WHERE id = ?1",
            params![message_id, code, reason, to_ms(now)],
        )?;
        self.finish_outbox(message_id, Some(reason))?;
        self.run(
            "UPDATE calls SET decision = 'failed', skip_reason = ?2 WHERE message_id = ?1",
            params![
                message_id,
                code.map_or_else(|| "provider_error".to_owned(), |c| format!("error_{c}"))
            ],
        )?;
        let conversation = message_conversation(self, message_id)?;
        let kind = EventKind::TextFailed {
            message_id,
            code,
            reason: reason.into(),
        };
        self.event(now, Some(conversation), kind)?;
        Ok(())
    }

    /// Withdraws a text that has not been attempted. Returns whether it was withdrawn; a text
    /// whose send has begun cannot be.
    pub fn cancel_text(
        &mut self,
        message_id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let cancelled = self.run(
            "UPDATE outbox SET state = 'done', last_error = ?2
             WHERE message_id = ?1 AND state = 'pending'",
            params![message_id, reason],
        )?;
        if cancelled == 0 {
            return Ok(false);
        }
        self.run(
            "UPDATE messages SET status = 'cancelled', skip_reason = ?2, updated_at = ?3
             WHERE id = ?1",
            params![message_id, reason, to_ms(now)],
        )?;
        self.run(
            "UPDATE calls SET decision = 'skipped', skip_reason = ?2 WHERE message_id = ?1",
            params![message_id, reason],
        )?;
        let conversation = message_conversation(self, message_id)?;
        let kind = EventKind::TextCancelled {
            message_id,
            reason: reason.into(),
        };
        self.event(now, Some(conversation), kind)?;
        Ok(true)
    }

    /// Puts a text back to wait until `due_at`. `definitely_not_sent` says the last attempt
    /// surely did not reach the provider; otherwise the row stays `sending` so the next
    /// attempt reconciles first.
    pub fn retry_text_later(
        &mut self,
        message_id: i64,
        due_at: DateTime<Utc>,
        definitely_not_sent: bool,
        error: &str,
    ) -> Result<()> {
        let state = if definitely_not_sent {
            "pending"
        } else {
            "sending"
        };
        self.run(
            "UPDATE outbox SET state = ?2, due_at = ?3, last_error = ?4 WHERE message_id = ?1",
            params![message_id, state, to_ms(due_at), error],
        )?;
        if definitely_not_sent {
            self.run(
                "UPDATE messages SET status = 'scheduled' WHERE id = ?1 AND status = 'sending'",
                [message_id],
            )?;
        }
        Ok(())
    }

    /// Moves a pending text to a later time (quiet hours).
    pub fn defer_text(&mut self, message_id: i64, due_at: DateTime<Utc>) -> Result<()> {
        self.run(
            "UPDATE outbox SET due_at = ?2 WHERE message_id = ?1 AND state = 'pending'",
            params![message_id, to_ms(due_at)],
        )?;
        Ok(())
    }

    /// Records a new delivery status from the provider. Returns whether it changed.
    pub fn update_delivery(
        &mut self,
        message_id: i64,
        status: &str,
        error_code: Option<u32>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let changed = self.run(
            "UPDATE messages SET status = ?2, error_code = COALESCE(?3, error_code), updated_at = ?4
             WHERE id = ?1 AND status != ?2",
            params![message_id, status, error_code, to_ms(now)],
        )?;
        if changed == 0 {
            return Ok(false);
        }
        let conversation = message_conversation(self, message_id)?;
        let kind = EventKind::DeliveryChanged {
            message_id,
            status: status.into(),
            error_code,
        };
        self.event(now, Some(conversation), kind)?;
        Ok(true)
    }

    fn finish_outbox(&mut self, message_id: i64, error: Option<&str>) -> Result<()> {
        self.run(
            "UPDATE outbox SET state = 'done', last_error = ?2 WHERE message_id = ?1",
            params![message_id, error],
        )?;
        Ok(())
    }
}

/// Texts due by `now`, oldest due first, at most `limit`.
pub fn due_texts(conn: &Connection, now: DateTime<Utc>, limit: usize) -> Result<Vec<OutboxItem>> {
    let sql = format!(
        "{OUTBOX_SELECT} WHERE o.state != 'done' AND o.due_at <= ?1 ORDER BY o.due_at, o.message_id
         LIMIT ?2"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![to_ms(now), limit as i64], outbox_item)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One outbox row, in whatever state.
pub fn outbox_item_by_id(conn: &Connection, message_id: i64) -> Result<Option<OutboxItem>> {
    let sql = format!("{OUTBOX_SELECT} WHERE o.message_id = ?1 AND o.state != 'done'");
    Ok(super::cached_row(conn, &sql, [message_id], outbox_item).optional()?)
}

/// When the next text not yet done falls due.
pub fn next_due(conn: &Connection) -> Result<Option<DateTime<Utc>>> {
    let ms: Option<i64> = super::cached_row(
        conn,
        "SELECT MIN(due_at) FROM outbox WHERE state != 'done'",
        [],
        |r| r.get(0),
    )?;
    Ok(ms.map(from_ms))
}

/// Pending texts to `customer` of the given kinds.
pub fn pending_texts_to(conn: &Connection, customer: &str, kinds: &[&str]) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.message_id, m.kind FROM outbox o
         JOIN messages m ON m.id = o.message_id
         JOIN conversations c ON c.id = m.conversation_id
         WHERE o.state = 'pending' AND c.customer_number = ?1",
    )?;
    let rows = stmt.query_map([customer], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut ids = Vec::new();
    for row in rows {
        let (id, kind) = row?;
        if kinds.contains(&kind.as_str()) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Sent texts whose delivery is not final yet, sent after `since`.
pub fn texts_in_flight(
    conn: &Connection,
    since: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, sid FROM messages
         WHERE status IN ('queued', 'accepted', 'sending', 'sent') AND sid IS NOT NULL
               AND sent_at >= ?1
         ORDER BY sent_at LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![to_ms(since), limit as i64], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether an automatic text to `customer` was sent or is on its way since `since`.
pub fn texted_since(conn: &Connection, customer: &str, since: DateTime<Utc>) -> Result<bool> {
    Ok(super::cached_row(
        conn,
        "SELECT 1 FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE c.customer_number = ?1 AND m.kind = 'text_back' AND m.created_at >= ?2
                   AND m.status NOT IN ('cancelled', 'failed', 'undelivered')
             LIMIT 1",
        params![customer, to_ms(since)],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

/// How many automatic texts were scheduled since `since` (for the daily and hourly caps).
pub fn automatic_texts_since(conn: &Connection, since: DateTime<Utc>) -> Result<u32> {
    Ok(super::cached_row(
        conn,
        "SELECT COUNT(*) FROM messages
         WHERE direction = 'out' AND kind IN ('text_back', 'follow_up') AND created_at >= ?1
               AND status != 'cancelled'",
        [to_ms(since)],
        |r| r.get(0),
    )?)
}

/// One message by id.
pub fn message(conn: &Connection, id: i64) -> Result<Message> {
    let sql = format!("{MESSAGE_SELECT} WHERE m.id = ?1");
    super::cached_row(conn, &sql, [id], message_row)
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("message {id}"),
        })
}

pub(super) const MESSAGE_SELECT: &str = "
    SELECT m.id, m.conversation_id, m.direction, m.kind, m.body, m.status, m.sid, m.error_code,
           m.error_message, m.skip_reason, m.author, m.template, m.follow_up_step, m.call_id,
           m.created_at, m.sent_at, o.due_at
    FROM messages m LEFT JOIN outbox o ON o.message_id = m.id AND o.state != 'done'";

pub(super) fn message_row(r: &Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        direction: r.get(2)?,
        kind: r.get(3)?,
        body: r.get(4)?,
        status: r.get(5)?,
        sid: r.get(6)?,
        error_code: r.get(7)?,
        error_message: r.get(8)?,
        skip_reason: r.get(9)?,
        author: r.get(10)?,
        template: r.get(11)?,
        follow_up_step: r.get(12)?,
        call_id: r.get(13)?,
        created_at: from_ms(r.get(14)?),
        sent_at: time(r.get(15)?),
        due_at: time(r.get(16)?),
    })
}

fn message_conversation(conn: &Connection, message_id: i64) -> Result<i64> {
    Ok(super::cached_row(
        conn,
        "SELECT conversation_id FROM messages WHERE id = ?1",
        [message_id],
        |r| r.get(0),
    )?)
}

/// The message stored under a provider SID, if any.
pub fn message_by_sid(conn: &Connection, sid: &str) -> Result<Option<i64>> {
    Ok(
        super::cached_row(conn, "SELECT id FROM messages WHERE sid = ?1", [sid], |r| {
            r.get(0)
        })
        .optional()?,
    )
}
