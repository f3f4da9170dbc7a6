//! The records the sandbox keeps, in Rust terms rather than Twilio's JSON.
//!
//! Tests read these through [`Sandbox::calls`](crate::Sandbox::calls) and
//! [`Sandbox::messages`](crate::Sandbox::messages), so they are typed (enums for statuses and
//! directions, `DateTime` for times) where the wire form is all strings. Every enum's
//! `as_str` is the exact Twilio spelling, and its serde form matches it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::SandboxError;

/// How a simulated call to the business number ends.
///
/// Each outcome stands for what happened to the forwarded leg that `<Dial>` placed to the front
/// desk; see [`Sandbox::place_call`](crate::Sandbox::place_call) for the legs each one creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallOutcome {
    /// Someone at the front desk picked up and talked to the caller.
    Answered,
    /// The front desk phone rang out.
    NoAnswer,
    /// The front desk line was busy.
    Busy,
    /// The caller hung up while the front desk phone was still ringing.
    Canceled,
    /// The forward could not be placed at all.
    Failed,
    /// The forward was picked up by a voicemail box.
    Voicemail,
    /// The caller hung up before the call was forwarded at all.
    Hangup,
}

/// A call leg's status, spelled as Twilio spells it (`no-answer`, `in-progress`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallStatus {
    Queued,
    Ringing,
    InProgress,
    Completed,
    Busy,
    Failed,
    NoAnswer,
    Canceled,
}

impl CallStatus {
    /// Twilio's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Ringing => "ringing",
            Self::InProgress => "in-progress",
            Self::Completed => "completed",
            Self::Busy => "busy",
            Self::Failed => "failed",
            Self::NoAnswer => "no-answer",
            Self::Canceled => "canceled",
        }
    }

    /// Reads Twilio's spelling; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::Ringing,
            Self::InProgress,
            Self::Completed,
            Self::Busy,
            Self::Failed,
            Self::NoAnswer,
            Self::Canceled,
        ]
        .into_iter()
        .find(|status| status.as_str() == s)
    }
}

/// Which way a call leg goes: the caller's leg into Twilio, or the leg `<Dial>` placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallDirection {
    Inbound,
    OutboundDial,
}

impl CallDirection {
    /// Twilio's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::OutboundDial => "outbound-dial",
        }
    }
}

/// One call leg. Times are whole seconds, as Twilio reports them.
#[derive(Debug, Clone, PartialEq)]
pub struct SandboxCall {
    pub sid: String,
    /// The inbound leg's SID, on the leg `<Dial>` placed.
    pub parent_call_sid: Option<String>,
    pub from: String,
    pub to: String,
    pub status: CallStatus,
    pub direction: CallDirection,
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
    /// Seconds from start to end for a completed leg; zero for one that never connected.
    pub duration_s: u32,
    /// `machine_end_beep` when the forward reached a voicemail box, else `None`.
    pub answered_by: Option<String>,
}

/// Which way a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessageDirection {
    /// A customer texted the business.
    Inbound,
    /// The business sent it through `POST Messages.json`.
    OutboundApi,
}

impl MessageDirection {
    /// Twilio's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::OutboundApi => "outbound-api",
        }
    }
}

/// A message's delivery status, spelled as Twilio spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessageStatus {
    /// Accepted and waiting to go out; only the answer to the create request shows this.
    Queued,
    /// The carrier confirmed delivery.
    Delivered,
    /// An inbound message that arrived.
    Received,
}

impl MessageStatus {
    /// Twilio's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Delivered => "delivered",
            Self::Received => "received",
        }
    }
}

/// One message, as any read after its creation reports it.
///
/// Outbound messages are stored already `delivered` with `date_sent` set: delivery in the
/// sandbox is instant and certain, so only the answer to the create request itself says
/// `queued`.
#[derive(Debug, Clone, PartialEq)]
pub struct SandboxMessage {
    pub sid: String,
    pub from: String,
    pub to: String,
    pub body: String,
    pub direction: MessageDirection,
    pub status: MessageStatus,
    pub date_created: DateTime<Utc>,
    pub date_sent: DateTime<Utc>,
    pub num_segments: u32,
    /// Set when the message was sent through a Messaging Service instead of a `From` number.
    pub messaging_service_sid: Option<String>,
}

/// Trouble to inject into the Twilio API paths. All zero means none.
///
/// The probabilities are drawn once per request against one roll, in the order error, rate
/// limit, reset, so their sum is the chance that a request fails (capped at 1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Chance of a 500 answer (code 20500) without the request taking effect.
    pub error_rate: f64,
    /// Chance of a 429 answer (code 20429, `Retry-After: 1`) without the request taking effect.
    pub rate_limit_rate: f64,
    /// Chance that the connection is dropped without any answer. A dropped create request took
    /// effect half the time, so the client cannot know whether it did.
    pub reset_rate: f64,
    /// Delay before every Twilio API answer, in milliseconds.
    pub latency_ms: u64,
}

impl Faults {
    /// Checks that every probability is within 0..=1.
    pub fn validate(&self) -> Result<(), SandboxError> {
        let rates = [
            ("error_rate", self.error_rate),
            ("rate_limit_rate", self.rate_limit_rate),
            ("reset_rate", self.reset_rate),
        ];
        match rates
            .into_iter()
            .find(|(_, value)| !(0.0..=1.0).contains(value))
        {
            Some((field, value)) => Err(SandboxError::InvalidRate { field, value }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The serde spelling of an outcome is the one the control API documents.
    #[test]
    fn outcomes_use_kebab_case() {
        let outcome = CallOutcome::NoAnswer;

        let json = serde_json::to_string(&outcome).expect("serializes");

        assert_eq!(json, "\"no-answer\"", "no-answer is kebab-case on the wire");
    }

    /// `parse` accepts exactly what `as_str` writes.
    #[test]
    fn call_status_round_trips() {
        let status = CallStatus::InProgress;

        let parsed = CallStatus::parse(status.as_str());

        assert_eq!(parsed, Some(status), "as_str and parse agree");
        assert_eq!(
            CallStatus::parse("done"),
            None,
            "unknown statuses are rejected"
        );
    }

    /// A rate above one or a NaN is refused, naming the field.
    #[test]
    fn faults_reject_out_of_range_rates() {
        let faults = Faults {
            rate_limit_rate: 1.5,
            ..Faults::default()
        };
        let nan = Faults {
            reset_rate: f64::NAN,
            ..Faults::default()
        };

        let too_high = faults.validate();
        let not_a_number = nan.validate();

        assert!(
            matches!(
                too_high,
                Err(SandboxError::InvalidRate {
                    field: "rate_limit_rate",
                    ..
                })
            ),
            "1.5 is not a probability: {too_high:?}"
        );
        assert!(not_a_number.is_err(), "NaN is not a probability");
        assert!(Faults::default().validate().is_ok(), "no faults is valid");
    }
}
