//! Telnyx's webhooks: checking that one really came from Telnyx, and reading it.
//!
//! Telnyx signs each delivery with the account's Ed25519 key. The signature, base64 in the
//! `telnyx-signature-ed25519` header, covers `{telnyx-timestamp}|{raw body}`, so the body must
//! be verified exactly as received, before any JSON parsing. A delivery whose timestamp is more
//! than five minutes from now, either way, is refused even with a good signature, so a captured
//! request cannot be replayed later.
//!
//! [`parse`] reads the events Textback acts on into [`TelnyxEvent`] and keeps any other event
//! type as [`EventPayload::Other`], so the receiver can acknowledge it. Neither function panics,
//! whatever the input; each error names what was wrong.

use base64::prelude::{Engine, BASE64_STANDARD};
use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::Value;

use super::lenient::{number_from_value, parse_datetime, text_from_value};
use super::wire::WireMessage;
use crate::MessageRecord;

/// The header holding the base64 Ed25519 signature.
pub const SIGNATURE_HEADER: &str = "telnyx-signature-ed25519";
/// The header holding the Unix time, in seconds, at which Telnyx signed the delivery.
pub const TIMESTAMP_HEADER: &str = "telnyx-timestamp";
/// How far a delivery's timestamp may be from now, either way.
pub const TOLERANCE: Duration = Duration::minutes(5);

/// Why a webhook delivery was refused or could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The configured public key is not a base64 Ed25519 public key.
    #[error("the Telnyx public key is not usable: {reason}")]
    InvalidPublicKey { reason: String },
    /// The signature header is not a base64 64-byte signature.
    #[error("the {SIGNATURE_HEADER} header is not a signature: {reason}")]
    MalformedSignature { reason: String },
    /// The timestamp header is not a whole number of seconds.
    #[error("the {TIMESTAMP_HEADER} header is not a Unix time in seconds")]
    MalformedTimestamp,
    /// The timestamp is further from now than [`TOLERANCE`]; `skew_s` is positive when it lies
    /// in the past.
    #[error("the delivery's timestamp is {skew_s} s from now, beyond the five-minute tolerance")]
    StaleTimestamp { skew_s: i64 },
    /// The signature does not match the timestamp and body under the public key.
    #[error("the signature does not match the body and timestamp")]
    BadSignature,
    /// The body is not JSON.
    #[error("the body is not JSON: {message}")]
    InvalidJson { message: String },
    /// A field every event of its type carries is missing or not a string; `field` is its path.
    #[error("the event has no {field}")]
    MissingField { field: &'static str },
}

/// Checks a delivery's signature and timestamp against the base64 `public_key_b64`.
///
/// `signature_b64` and `timestamp` are the header values as received, `raw_body` the body's
/// exact bytes, `now` the receiver's clock.
pub fn verify(
    public_key_b64: &str,
    signature_b64: &str,
    timestamp: &str,
    raw_body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), WebhookError> {
    let key = public_key(public_key_b64)?;
    let signature = signature(signature_b64)?;
    let signed_at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| WebhookError::MalformedTimestamp)?;

    let skew_s = now.timestamp().saturating_sub(signed_at);
    if skew_s.unsigned_abs() > TOLERANCE.num_seconds().unsigned_abs() {
        return Err(WebhookError::StaleTimestamp { skew_s });
    }

    let mut signed = Vec::with_capacity(timestamp.len() + 1 + raw_body.len());
    signed.extend_from_slice(timestamp.as_bytes());
    signed.push(b'|');
    signed.extend_from_slice(raw_body);
    key.verify_strict(&signed, &signature)
        .map_err(|_| WebhookError::BadSignature)
}

/// Reads a base64 Ed25519 public key, as Telnyx's portal shows it.
pub fn public_key(public_key_b64: &str) -> Result<VerifyingKey, WebhookError> {
    let invalid = |reason: &str| WebhookError::InvalidPublicKey {
        reason: reason.to_owned(),
    };
    let bytes = BASE64_STANDARD
        .decode(public_key_b64.trim())
        .map_err(|_| invalid("it is not base64"))?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| invalid("it is not 32 bytes long"))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| invalid("it is not a point on Ed25519's curve"))
}

fn signature(signature_b64: &str) -> Result<Signature, WebhookError> {
    let malformed = |reason: &str| WebhookError::MalformedSignature {
        reason: reason.to_owned(),
    };
    let bytes = BASE64_STANDARD
        .decode(signature_b64.trim())
        .map_err(|_| malformed("it is not base64"))?;
    Signature::from_slice(&bytes).map_err(|_| malformed("it is not 64 bytes long"))
}

/// One webhook delivery: `data` of Telnyx's envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct TelnyxEvent {
    /// The event's id; a redelivery of the same event carries the same one.
    pub id: String,
    /// `message.received`, `call.hangup`, ...
    pub event_type: String,
    pub occurred_at: Option<DateTime<Utc>>,
    pub payload: EventPayload,
}

/// What an event says, for the event types Textback acts on.
#[derive(Debug, Clone, PartialEq)]
pub enum EventPayload {
    /// `message.received`: a customer's text, `received`, direction `inbound`.
    MessageReceived(MessageRecord),
    /// `message.sent` or `message.finalized`: a sent text's new state, in Twilio's words.
    MessageStatus(MessageRecord),
    /// `call.initiated`, `call.answered` or `call.hangup`.
    Call(CallEvent),
    /// Any other event type; nothing to act on.
    Other,
}

/// Which step of a call an event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallPhase {
    Initiated,
    Answered,
    Hangup,
}

/// A call-control event about one call leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallEvent {
    pub phase: CallPhase,
    /// The id commands about this leg take; present on every call-control event.
    pub call_control_id: Option<String>,
    pub call_leg_id: Option<String>,
    /// Shared by every leg of one call, so it ties a forward to the inbound leg.
    pub call_session_id: Option<String>,
    pub from: String,
    pub to: String,
    /// `incoming` or `outgoing`, as Telnyx writes it, where given.
    pub direction: Option<String>,
    pub start_time: Option<DateTime<Utc>>,
    /// When the leg ended: the payload's `end_time`, else the hangup event's `occurred_at`.
    pub end_time: Option<DateTime<Utc>>,
    /// On `call.hangup`: `normal_clearing`, `originator_cancel`, `timeout`, `user_busy`, ...
    pub hangup_cause: Option<String>,
    /// On `call.hangup`: `caller`, `callee` or `unknown`.
    pub hangup_source: Option<String>,
}

/// Reads a delivery's JSON body. Call only after [`verify`] accepted it.
pub fn parse(raw_body: &[u8]) -> Result<TelnyxEvent, WebhookError> {
    let envelope: Value =
        serde_json::from_slice(raw_body).map_err(|e| WebhookError::InvalidJson {
            message: e.to_string(),
        })?;
    let data = envelope
        .get("data")
        .filter(|d| d.is_object())
        .ok_or(WebhookError::MissingField { field: "data" })?;
    let event_type = text(data, "event_type").ok_or(WebhookError::MissingField {
        field: "data.event_type",
    })?;
    let id = text(data, "id").ok_or(WebhookError::MissingField { field: "data.id" })?;
    let occurred_at = text(data, "occurred_at").and_then(|t| parse_datetime(&t));
    let payload = || {
        data.get("payload")
            .filter(|p| p.is_object())
            .ok_or(WebhookError::MissingField {
                field: "data.payload",
            })
    };

    let payload = match event_type.as_str() {
        "message.received" => EventPayload::MessageReceived(message(payload()?)?),
        "message.sent" | "message.finalized" => EventPayload::MessageStatus(message(payload()?)?),
        "call.initiated" => EventPayload::Call(call(payload()?, CallPhase::Initiated, None)?),
        "call.answered" => EventPayload::Call(call(payload()?, CallPhase::Answered, None)?),
        "call.hangup" => EventPayload::Call(call(payload()?, CallPhase::Hangup, occurred_at)?),
        _ => EventPayload::Other,
    };
    Ok(TelnyxEvent {
        id,
        event_type,
        occurred_at,
        payload,
    })
}

fn message(payload: &Value) -> Result<MessageRecord, WebhookError> {
    if text(payload, "id").is_none() {
        return Err(WebhookError::MissingField {
            field: "data.payload.id",
        });
    }
    let wire: WireMessage =
        serde_json::from_value(payload.clone()).map_err(|e| WebhookError::InvalidJson {
            message: e.to_string(),
        })?;
    Ok(MessageRecord::from(wire))
}

fn call(
    payload: &Value,
    phase: CallPhase,
    occurred_at: Option<DateTime<Utc>>,
) -> Result<CallEvent, WebhookError> {
    let call_control_id = text(payload, "call_control_id");
    let call_leg_id = text(payload, "call_leg_id");
    let call_session_id = text(payload, "call_session_id");
    if call_control_id.is_none() && call_leg_id.is_none() && call_session_id.is_none() {
        return Err(WebhookError::MissingField {
            field: "data.payload.call_control_id",
        });
    }
    let number = |key: &str| {
        payload
            .get(key)
            .and_then(number_from_value)
            .unwrap_or_default()
    };
    let instant = |key: &str| text(payload, key).and_then(|t| parse_datetime(&t));
    let end_time = instant("end_time").or(occurred_at);
    Ok(CallEvent {
        phase,
        call_control_id,
        call_leg_id,
        call_session_id,
        from: number("from"),
        to: number("to"),
        direction: text(payload, "direction"),
        start_time: instant("start_time"),
        end_time,
        hangup_cause: text(payload, "hangup_cause"),
        hangup_source: text(payload, "hangup_source"),
    })
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(text_from_value)
}
