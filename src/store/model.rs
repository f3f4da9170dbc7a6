//! The rows the store hands out: what the inbox, a thread and the call list show.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::from_ms;

/// Where a lead stands. Staff set `booked`, `lost` and `spam`; the engine moves a lead from
/// `new` to `texted` and to `replied` on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    New,
    Texted,
    Replied,
    Booked,
    Lost,
    Spam,
}

impl ConversationStatus {
    pub const ALL: [Self; 6] = [
        Self::New,
        Self::Texted,
        Self::Replied,
        Self::Booked,
        Self::Lost,
        Self::Spam,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Texted => "texted",
            Self::Replied => "replied",
            Self::Booked => "booked",
            Self::Lost => "lost",
            Self::Spam => "spam",
        }
    }

    /// Whether staff have closed the conversation, which stops any follow-ups.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Booked | Self::Lost | Self::Spam)
    }
}

impl std::str::FromStr for ConversationStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                format!("unknown status {s:?}; expected new, texted, replied, booked, lost or spam")
            })
    }
}

impl std::fmt::Display for ConversationStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

pub(crate) fn status_from_sql(s: String) -> rusqlite::Result<ConversationStatus> {
    s.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

pub(crate) fn time(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.map(from_ms)
}

/// One conversation as the inbox lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationSummary {
    pub id: i64,
    pub business_number: String,
    pub customer_number: String,
    pub customer_name: Option<String>,
    pub status: ConversationStatus,
    pub unread: u32,
    pub assigned_to: Option<String>,
    /// Why staff should look at this conversation, if they should.
    pub needs_staff: Option<String>,
    pub last_activity_at: DateTime<Utc>,
    pub last_preview: String,
    pub opted_out: bool,
    pub blocked: bool,
}

/// A text, in or out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub id: i64,
    pub conversation_id: i64,
    /// `in` or `out`.
    pub direction: String,
    /// `reply`, `text_back`, `follow_up`, `staff` or `help`.
    pub kind: String,
    pub body: String,
    /// Outbound: `scheduled`, `sending`, then the provider's (`queued`, `sent`, `delivered`,
    /// `undelivered`, `failed`), or `cancelled`. Inbound: `received`.
    pub status: String,
    pub sid: Option<String>,
    pub error_code: Option<u32>,
    pub error_message: Option<String>,
    /// Why a scheduled text was withdrawn.
    pub skip_reason: Option<String>,
    pub author: Option<String>,
    pub template: Option<String>,
    pub follow_up_step: Option<u32>,
    pub call_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// When a text still waiting in the outbox is due.
    pub due_at: Option<DateTime<Utc>>,
}

/// A call and what was decided about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    pub id: i64,
    pub sid: String,
    pub conversation_id: Option<i64>,
    pub from: String,
    pub to: String,
    /// `answered`, `no-answer`, `busy`, `canceled`, `failed`, `voicemail` or `hangup`.
    pub outcome: String,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub detected_at: DateTime<Utc>,
    /// `pending` (a text is scheduled), `texted`, `skipped` or `failed`.
    pub decision: String,
    pub skip_reason: Option<String>,
    pub message_id: Option<i64>,
}

/// A staff note on a conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    pub id: i64,
    pub conversation_id: i64,
    pub author: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// One entry of a thread, in time order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ThreadItem {
    Call(Call),
    Message(Message),
    Note(Note),
}

impl ThreadItem {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::Call(c) => c.ended_at.unwrap_or(c.detected_at),
            Self::Message(m) => m.created_at,
            Self::Note(n) => n.created_at,
        }
    }
}

/// A conversation with everything in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thread {
    pub conversation: ConversationSummary,
    pub items: Vec<ThreadItem>,
}

/// A search hit: a message and the conversation it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub conversation_id: i64,
    pub customer_number: String,
    pub message_id: Option<i64>,
    pub body: String,
    pub at: DateTime<Utc>,
}
