//! The one event type that flows out of the engine.
//!
//! Every change worth telling someone about (the inbox, a notification, a CRM) is an
//! [`Event`]. Events are written to the `events` table in the same transaction as the change
//! they describe, so the log is a complete audit trail, and are published to subscribers only
//! after that transaction commits, so nobody hears of a change that was rolled back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Something that happened, as stored and as published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the event log; increases with every event.
    pub id: i64,
    pub at: DateTime<Utc>,
    pub conversation_id: Option<i64>,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened. Serialized with a `type` tag in snake case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A call ended and was classified; `missed` says whether it counts as missed.
    CallDetected {
        call_id: i64,
        sid: String,
        from: String,
        to: String,
        outcome: String,
        missed: bool,
    },
    /// A missed call will not be texted, for `reason`.
    CallSkipped {
        call_id: i64,
        reason: String,
    },
    /// A text was written to the outbox, due at `due_at`.
    TextScheduled {
        message_id: i64,
        kind: String,
        due_at: DateTime<Utc>,
    },
    /// The provider accepted a text.
    TextSent {
        message_id: i64,
        sid: String,
    },
    /// A text will not go out: the provider refused it or a rule stopped it.
    TextFailed {
        message_id: i64,
        code: Option<u32>,
        reason: String,
    },
    /// A scheduled text was withdrawn before it went out.
    TextCancelled {
        message_id: i64,
        reason: String,
    },
    /// The provider reported a new delivery status.
    DeliveryChanged {
        message_id: i64,
        status: String,
        error_code: Option<u32>,
    },
    /// A customer texted in.
    ReplyReceived {
        message_id: i64,
        from: String,
        body: String,
    },
    OptedOut {
        number: String,
        source: String,
    },
    OptedIn {
        number: String,
    },
    StatusChanged {
        from: String,
        to: String,
    },
    Assigned {
        to: Option<String>,
    },
    NoteAdded {
        note_id: i64,
    },
    Blocked {
        number: String,
    },
    Unblocked {
        number: String,
    },
    ConversationRead,
    /// A follow-up sequence stopped before its end.
    FollowUpsStopped {
        reason: String,
    },
    /// Something staff should look at: a call during a live conversation, a text that asks not
    /// to be contacted, a call too old to text.
    StaffAlert {
        reason: String,
        detail: String,
    },
    /// The provider could not be reached or refused to work; `since` is when trouble began.
    ProviderDown {
        since: DateTime<Utc>,
        error: String,
    },
    ProviderUp,
    SettingsChanged,
    /// Many calls were refused texts for `reason` in a short time: `count` in the last
    /// `window_minutes`. Often a sign of SMS pumping (fraudsters calling to make the business
    /// text premium or foreign numbers), which the country list and caps block but staff should
    /// know about.
    PumpingAlert {
        reason: String,
        count: u32,
        window_minutes: u32,
    },
    /// A copy of the database was written to `path`.
    BackupMade {
        path: String,
    },
    /// The daily copy of the database could not be made; it is tried again within the hour.
    BackupFailed {
        error: String,
    },
}

impl EventKind {
    /// The name stored in the `kind` column (the serde tag).
    pub fn name(&self) -> &'static str {
        match self {
            Self::CallDetected { .. } => "call_detected",
            Self::CallSkipped { .. } => "call_skipped",
            Self::TextScheduled { .. } => "text_scheduled",
            Self::TextSent { .. } => "text_sent",
            Self::TextFailed { .. } => "text_failed",
            Self::TextCancelled { .. } => "text_cancelled",
            Self::DeliveryChanged { .. } => "delivery_changed",
            Self::ReplyReceived { .. } => "reply_received",
            Self::OptedOut { .. } => "opted_out",
            Self::OptedIn { .. } => "opted_in",
            Self::StatusChanged { .. } => "status_changed",
            Self::Assigned { .. } => "assigned",
            Self::NoteAdded { .. } => "note_added",
            Self::Blocked { .. } => "blocked",
            Self::Unblocked { .. } => "unblocked",
            Self::ConversationRead => "conversation_read",
            Self::FollowUpsStopped { .. } => "follow_ups_stopped",
            Self::StaffAlert { .. } => "staff_alert",
            Self::ProviderDown { .. } => "provider_down",
            Self::ProviderUp => "provider_up",
            Self::SettingsChanged => "settings_changed",
            Self::PumpingAlert { .. } => "pumping_alert",
            Self::BackupMade { .. } => "backup_made",
            Self::BackupFailed { .. } => "backup_failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_name_is_the_serde_tag() {
        let kind = EventKind::CallSkipped {
            call_id: 1,
            reason: "blocked".into(),
        };

        let json = serde_json::to_value(&kind).unwrap();

        assert_eq!(json["type"], kind.name(), "name() and the serde tag agree");
    }
}
