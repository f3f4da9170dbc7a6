//! Conversations: one per (business number, customer number).

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::model::{status_from_sql, ConversationStatus};
use super::{Result, StoreError, Tx};
use crate::clock::to_ms;
use crate::events::EventKind;

/// How much of the newest message the inbox shows.
const PREVIEW_CHARS: usize = 120;

impl Tx<'_> {
    /// The conversation between a business number and a customer, created if new.
    pub fn conversation_for(
        &mut self,
        business: &str,
        customer: &str,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        self.run(
            "INSERT INTO conversations (business_number, customer_number, last_activity_at,
                                        created_at)
             VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT (business_number, customer_number) DO NOTHING",
            params![business, customer, to_ms(at)],
        )?;
        Ok(super::cached_row(
            self,
            "SELECT id FROM conversations WHERE business_number = ?1 AND customer_number = ?2",
            params![business, customer],
            |r| r.get(0),
        )?)
    }

    /// Moves the conversation to the top of the inbox with a new preview line.
    pub fn touch_conversation(
        &mut self,
        id: i64,
        at: DateTime<Utc>,
        preview: &str,
        unread: bool,
    ) -> Result<()> {
        let preview: String = preview.chars().take(PREVIEW_CHARS).collect();
        self.run(
            "UPDATE conversations
             SET last_activity_at = MAX(last_activity_at, ?2), last_preview = ?3,
                 unread = unread + ?4
             WHERE id = ?1",
            params![id, to_ms(at), preview, unread as i64],
        )?;
        Ok(())
    }

    /// Records when the customer last wrote, or when staff last did.
    pub fn note_activity(&mut self, id: i64, at: DateTime<Utc>, by_customer: bool) -> Result<()> {
        let column = if by_customer {
            "last_inbound_at"
        } else {
            "last_staff_at"
        };
        self.run(
            &format!(
                "UPDATE conversations SET {column} = MAX(COALESCE({column}, 0), ?2) WHERE id = ?1"
            ),
            params![id, to_ms(at)],
        )?;
        Ok(())
    }

    /// Sets a status by hand, recording the change. Returns whether it changed.
    pub fn set_status(
        &mut self,
        id: i64,
        status: ConversationStatus,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let current = conversation_status(self, id)?;
        if current == status {
            return Ok(false);
        }
        self.run(
            "UPDATE conversations SET status = ?2 WHERE id = ?1",
            params![id, status.as_str()],
        )?;
        let kind = EventKind::StatusChanged {
            from: current.to_string(),
            to: status.to_string(),
        };
        self.event(at, Some(id), kind)?;
        Ok(true)
    }

    /// Moves the status forward on its own: a new lead becomes `texted` once texted, and
    /// anything but `booked` or `spam` becomes `replied` when the customer writes.
    pub fn advance_status(
        &mut self,
        id: i64,
        to: ConversationStatus,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let current = conversation_status(self, id)?;
        let moves = match to {
            ConversationStatus::Texted => current == ConversationStatus::New,
            ConversationStatus::Replied => matches!(
                current,
                ConversationStatus::New | ConversationStatus::Texted | ConversationStatus::Lost
            ),
            _ => false,
        };
        if moves {
            self.set_status(id, to, at)?;
        }
        Ok(())
    }

    /// Assigns the conversation to a person, or to nobody.
    pub fn assign(&mut self, id: i64, to: Option<&str>, at: DateTime<Utc>) -> Result<()> {
        let changed = self.run(
            "UPDATE conversations SET assigned_to = ?2 WHERE id = ?1",
            params![id, to],
        )?;
        if changed == 0 {
            return Err(not_found(id));
        }
        self.event(
            at,
            Some(id),
            EventKind::Assigned {
                to: to.map(str::to_owned),
            },
        )?;
        Ok(())
    }

    /// Flags the conversation for staff, with the reason shown in the inbox.
    pub fn flag_for_staff(
        &mut self,
        id: i64,
        reason: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.run(
            "UPDATE conversations SET needs_staff = ?2 WHERE id = ?1",
            params![id, reason],
        )?;
        let kind = EventKind::StaffAlert {
            reason: reason.into(),
            detail: detail.into(),
        };
        self.event(at, Some(id), kind)?;
        Ok(())
    }

    /// Marks everything in the conversation read and clears any staff flag.
    pub fn mark_read(&mut self, id: i64, at: DateTime<Utc>) -> Result<()> {
        let changed = self.run(
            "UPDATE conversations SET unread = 0, needs_staff = NULL
             WHERE id = ?1 AND (unread > 0 OR needs_staff IS NOT NULL)",
            [id],
        )?;
        if changed > 0 {
            self.event(at, Some(id), EventKind::ConversationRead)?;
        }
        Ok(())
    }

    /// Adds a staff note.
    pub fn add_note(
        &mut self,
        id: i64,
        author: Option<&str>,
        body: &str,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        conversation_status(self, id)?;
        self.run(
            "INSERT INTO notes (conversation_id, author, body, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![id, author, body, to_ms(at)],
        )?;
        let note_id = self.last_insert_rowid();
        self.event(at, Some(id), EventKind::NoteAdded { note_id })?;
        Ok(note_id)
    }
}

/// The status of conversation `id`.
pub fn conversation_status(conn: &Connection, id: i64) -> Result<ConversationStatus> {
    let status: Option<String> = super::cached_row(
        conn,
        "SELECT status FROM conversations WHERE id = ?1",
        [id],
        |r| r.get(0),
    )
    .optional()?;
    status_from_sql(status.ok_or_else(|| not_found(id))?).map_err(StoreError::from)
}

/// The business and customer numbers of conversation `id`.
pub fn conversation_numbers(conn: &Connection, id: i64) -> Result<(String, String)> {
    super::cached_row(
        conn,
        "SELECT business_number, customer_number FROM conversations WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| not_found(id))
}

/// When the customer or staff last wrote in any open conversation with `customer` (one not
/// booked, lost or spam).
pub fn last_exchange(conn: &Connection, customer: &str) -> Result<Option<DateTime<Utc>>> {
    let ms: Option<i64> = super::cached_row(
        conn,
        "SELECT MAX(MAX(COALESCE(last_inbound_at, 0), COALESCE(last_staff_at, 0)))
         FROM conversations
         WHERE customer_number = ?1 AND status NOT IN ('booked', 'lost', 'spam')",
        [customer],
        |r| r.get(0),
    )?;
    Ok(ms.filter(|ms| *ms > 0).map(crate::clock::from_ms))
}

pub(super) fn not_found(id: i64) -> StoreError {
    StoreError::NotFound {
        what: format!("conversation {id}"),
    }
}
