//! What Textback needs from a telephony provider, and the clients that speak to real ones.
//!
//! The engine sees a provider only through [`Provider`]: list calls, list messages, send a
//! message, fetch a message. Each client is plain HTTP against the provider's documented REST
//! API, so the same [`twilio::TwilioClient`] serves Twilio, SignalWire (another base URL) and
//! Textback's own sandbox.
//!
//! Sending is the one operation that is not idempotent. A client never retries a send whose
//! request may have reached the provider; it reports [`ProviderError::outcome_unknown`]
//! instead, and the engine reconciles against the provider's message list before sending again.

#![forbid(unsafe_code)]

mod http;
mod lenient;
mod retry;
pub mod telnyx;
pub mod twilio;

pub use retry::RetryPolicy;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The state a call leg is in, as Twilio names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallStatus {
    Queued,
    Ringing,
    InProgress,
    Completed,
    Busy,
    Failed,
    NoAnswer,
    Canceled,
    /// A status this client does not know; kept verbatim and treated as not yet final.
    Other(String),
}

impl CallStatus {
    /// Parses Twilio's wire form (`no-answer`, `in-progress`, ...).
    pub fn parse(s: &str) -> Self {
        match s {
            "queued" => Self::Queued,
            "ringing" => Self::Ringing,
            "in-progress" => Self::InProgress,
            "completed" => Self::Completed,
            "busy" => Self::Busy,
            "failed" => Self::Failed,
            "no-answer" => Self::NoAnswer,
            "canceled" => Self::Canceled,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Twilio's wire form.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Queued => "queued",
            Self::Ringing => "ringing",
            Self::InProgress => "in-progress",
            Self::Completed => "completed",
            Self::Busy => "busy",
            Self::Failed => "failed",
            Self::NoAnswer => "no-answer",
            Self::Canceled => "canceled",
            Self::Other(s) => s,
        }
    }

    /// Whether the leg has ended and its status will not change again.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Busy | Self::Failed | Self::NoAnswer | Self::Canceled
        )
    }
}

/// One call leg as the provider reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    pub sid: String,
    /// Set on a child leg, such as the `outbound-dial` leg a `<Dial>` creates.
    pub parent_call_sid: Option<String>,
    pub from: String,
    pub to: String,
    pub status: CallStatus,
    /// `inbound`, `outbound-api` or `outbound-dial`.
    pub direction: String,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub duration_s: Option<u32>,
    /// Answering-machine detection's verdict (`human`, `machine_start`, ...), where it ran.
    pub answered_by: Option<String>,
}

/// One message as the provider reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRecord {
    pub sid: String,
    pub from: String,
    pub to: String,
    pub body: String,
    /// `queued`, `sending`, `sent`, `delivered`, `undelivered`, `failed`, `received`, ...
    pub status: String,
    /// `inbound`, `outbound-api`, `outbound-call` or `outbound-reply`.
    pub direction: String,
    pub date_created: Option<DateTime<Utc>>,
    pub date_sent: Option<DateTime<Utc>>,
    pub error_code: Option<u32>,
    pub error_message: Option<String>,
    pub num_segments: Option<u32>,
}

impl MessageRecord {
    /// Whether this is a message a customer sent to us.
    pub fn is_inbound(&self) -> bool {
        self.direction == "inbound"
    }
}

/// Filters for listing calls. Every field left `None` is not sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallQuery {
    pub to: Option<String>,
    /// Calls that started on or after this instant (`StartTime>`).
    pub started_after: Option<DateTime<Utc>>,
    pub parent_call_sid: Option<String>,
    pub page_size: Option<u32>,
}

/// Filters for listing messages. Every field left `None` is not sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MessageQuery {
    pub to: Option<String>,
    pub from: Option<String>,
    /// Messages sent on or after this instant (`DateSent>`).
    pub sent_after: Option<DateTime<Utc>>,
    pub page_size: Option<u32>,
}

/// A message to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    pub from: String,
    pub to: String,
    pub body: String,
}

/// Why a provider request did not succeed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProviderError {
    /// The provider answered with an error; `code` is its error code (Twilio's 21610, ...).
    #[error("provider answered {status}{}: {message}", code.map(|c| format!(" with error {c}")).unwrap_or_default())]
    Api {
        status: u16,
        code: Option<u32>,
        message: String,
        more_info: Option<String>,
        /// How long the provider asked us to wait, from `Retry-After`.
        retry_after_s: Option<u64>,
    },
    /// No usable answer arrived. `request_sent` says whether the request may have reached the
    /// provider (a reset or time-out after sending) rather than failing to connect at all.
    #[error("could not reach the provider: {message}")]
    Transport { message: String, request_sent: bool },
    /// The provider answered 2xx with a body this client could not read.
    #[error("could not read the provider's answer: {message}")]
    Decode { message: String },
}

impl ProviderError {
    /// The provider's error code, if it gave one.
    pub fn code(&self) -> Option<u32> {
        match self {
            Self::Api { code, .. } => *code,
            _ => None,
        }
    }

    /// Whether trying the same request later may succeed (429, 5xx, network trouble).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Api { status, .. } => *status == 429 || *status >= 500,
            Self::Transport { .. } => true,
            Self::Decode { .. } => false,
        }
    }

    /// Whether a create request may have taken effect even though it failed: the caller must
    /// check the provider's records before sending again.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Self::Api { status, .. } => *status >= 500,
            Self::Transport { request_sent, .. } => *request_sent,
            Self::Decode { .. } => true,
        }
    }

    /// The recipient has opted out at the carrier or provider.
    pub fn is_opt_out(&self) -> bool {
        self.code().is_some_and(code_means_opt_out)
    }

    /// The recipient cannot receive texts.
    pub fn is_not_mobile(&self) -> bool {
        self.code().is_some_and(code_means_not_mobile)
    }
}

/// Whether a provider error code, from a refused request or a failed delivery, means the
/// recipient opted out: Twilio's 21610 ("unsubscribed recipient"), Telnyx's 40300 ("blocked
/// due to STOP message").
pub fn code_means_opt_out(code: u32) -> bool {
    matches!(code, 21610 | 40300)
}

/// Whether a provider error code means the number cannot receive texts: Twilio's 21614 ("not a
/// mobile number") and 30006 ("landline or unreachable carrier"), Telnyx's 40001 ("not
/// routable": a landline or non-routable number).
pub fn code_means_not_mobile(code: u32) -> bool {
    matches!(code, 21614 | 30006 | 40001)
}

/// A telephony provider, as the engine uses it.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Every call matching `query`, following the provider's pagination, newest first.
    async fn list_calls(&self, query: &CallQuery) -> Result<Vec<CallRecord>, ProviderError>;

    /// Every message matching `query`, following the provider's pagination, newest first.
    async fn list_messages(
        &self,
        query: &MessageQuery,
    ) -> Result<Vec<MessageRecord>, ProviderError>;

    /// Creates (sends) a message. Never retried once the request may have reached the provider.
    async fn send_message(&self, message: &NewMessage) -> Result<MessageRecord, ProviderError>;

    /// One message by its SID, for its delivery status.
    async fn fetch_message(&self, sid: &str) -> Result<MessageRecord, ProviderError>;
}
