//! Telnyx's message JSON, as far as Textback reads it, and its conversion into records.
//!
//! Telnyx and Twilio name message states differently. [`MessageRecord::status`] keeps Twilio's
//! vocabulary, which the engine and the store already speak, so Telnyx's states are translated
//! here, in one place (see [`message_status`]); a state not listed there is kept verbatim.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::lenient;
use crate::MessageRecord;

/// `{"data": ...}`, the envelope of every single-resource answer.
#[derive(Debug, Deserialize)]
pub(super) struct Envelope<T> {
    pub data: T,
}

/// One page of `GET /v2/detail_records`: records of any type, and the paging summary.
#[derive(Debug, Deserialize)]
pub(super) struct DetailPage {
    #[serde(default)]
    pub data: Vec<Value>,
    #[serde(default)]
    pub meta: Option<PageMeta>,
}

/// `meta` of a list answer. Only `total_pages` decides whether to read on.
#[derive(Debug, Deserialize)]
pub(super) struct PageMeta {
    #[serde(default, deserialize_with = "lenient::optional_u32")]
    pub total_pages: Option<u32>,
}

/// A message resource: just sent, fetched, or inside a webhook.
#[derive(Debug, Deserialize)]
pub(super) struct WireMessage {
    id: String,
    #[serde(default, deserialize_with = "lenient::optional_number")]
    from: Option<String>,
    /// Recipients; a text to one customer has exactly one.
    #[serde(default)]
    to: Vec<Value>,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    text: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    direction: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional_u32")]
    parts: Option<u32>,
    #[serde(default, deserialize_with = "lenient::optional_datetime")]
    received_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::optional_datetime")]
    created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::optional_datetime")]
    sent_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::first_error")]
    errors: Option<lenient::FirstError>,
}

impl From<WireMessage> for MessageRecord {
    fn from(message: WireMessage) -> Self {
        let recipient = message.to.first();
        let direction = direction(message.direction.as_deref());
        let status = recipient
            .and_then(|r| r.get("status"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let (error_code, error_message) = message.errors.unwrap_or_default();
        Self {
            sid: message.id,
            from: message.from.unwrap_or_default(),
            to: recipient
                .and_then(lenient::number_from_value)
                .unwrap_or_default(),
            body: message.text.unwrap_or_default(),
            status: message_status(status, &direction).to_owned(),
            direction,
            date_created: message.created_at.or(message.received_at),
            date_sent: message.sent_at.or(message.received_at),
            error_code,
            error_message,
            num_segments: message.parts,
        }
    }
}

/// A message detail record (`record_type` `message_detail_record`). It has no text: the
/// client reads that from the message itself.
#[derive(Debug, Deserialize)]
pub(super) struct WireMessageRecord {
    /// The message's id, the one `GET /v2/messages/{id}` takes.
    #[serde(alias = "id")]
    uuid: String,
    /// The sender.
    #[serde(default, deserialize_with = "lenient::optional_text")]
    cli: Option<String>,
    /// The recipient.
    #[serde(default, deserialize_with = "lenient::optional_text")]
    cld: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    direction: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    status: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional_u32")]
    parts: Option<u32>,
    #[serde(default, deserialize_with = "lenient::optional_datetime")]
    created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::optional_datetime")]
    sent_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::first_error")]
    errors: Option<lenient::FirstError>,
}

impl From<WireMessageRecord> for MessageRecord {
    fn from(record: WireMessageRecord) -> Self {
        let direction = direction(record.direction.as_deref());
        let status = record.status.as_deref().unwrap_or_default();
        let (error_code, error_message) = record.errors.unwrap_or_default();
        Self {
            sid: record.uuid,
            from: record.cli.unwrap_or_default(),
            to: record.cld.unwrap_or_default(),
            body: String::new(),
            status: message_status(status, &direction).to_owned(),
            direction,
            date_created: record.created_at,
            date_sent: record.sent_at,
            error_code,
            error_message,
            num_segments: record.parts,
        }
    }
}

/// Telnyx's error body: `{"errors": [{"code": "10007", "title": "...", "detail": "..."}]}`.
#[derive(Debug, Deserialize)]
pub(super) struct WireErrors {
    pub errors: Vec<WireError>,
}

#[derive(Debug, Deserialize)]
pub(super) struct WireError {
    #[serde(default)]
    pub code: Option<Value>,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    pub detail: Option<String>,
    /// Some answers link the code's documentation under `meta.url`.
    #[serde(default)]
    pub meta: Option<Value>,
}

/// `inbound` stays; Telnyx's `outbound` becomes Twilio's `outbound-api`, as every Textback text
/// is sent through the API.
fn direction(telnyx: Option<&str>) -> String {
    match telnyx {
        Some("inbound") => "inbound".to_owned(),
        Some("outbound") | None => "outbound-api".to_owned(),
        Some(other) => other.to_owned(),
    }
}

/// A Telnyx message state in Twilio's words.
///
/// Message resources say `queued`, `sending`, `sent`, `delivered`, `sending_failed`,
/// `delivery_failed`, `delivery_unconfirmed`, `expired`; detail records say `delivered`,
/// `received`, `failed`, `gw_reject`, `gw_timeout`, `dlr_timeout`, `dlr_unconfirmed`. An
/// inbound message is `received` whatever Telnyx calls it (its webhook says `delivered`).
pub(super) fn message_status<'a>(telnyx: &'a str, direction: &str) -> &'a str {
    if direction == "inbound" {
        return "received";
    }
    match telnyx {
        "sending_failed" | "gw_reject" | "failed" => "failed",
        "delivery_failed" | "expired" | "gw_timeout" | "dlr_timeout" => "undelivered",
        "delivery_unconfirmed" | "dlr_unconfirmed" => "sent",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The retrieve-message example from Telnyx's documentation reads into a record.
    #[test]
    fn documented_message_reads_into_record() {
        let answer = json!({"data": {
            "record_type": "message",
            "id": "834f3d53-8a3c-4aa0-a733-7f2d682a72df",
            "direction": "outbound",
            "type": "sms",
            "from": "+18445550001",
            "to": [{"phone_number": "+18665550002", "status": "delivered",
                    "updated_at": "2019-01-23T18:10:02.574Z"}],
            "text": "Hello, World!",
            "cost": {"cost": "1.23", "currency": "USD"},
            "parts": 1,
            "created_at": "2019-01-23T18:10:02.574Z",
            "updated_at": "2019-01-23T18:10:02.574Z",
            "errors": []
        }});

        let envelope: Envelope<WireMessage> =
            serde_json::from_value(answer).expect("documented example should parse");
        let record = MessageRecord::from(envelope.data);

        assert_eq!(record.sid, "834f3d53-8a3c-4aa0-a733-7f2d682a72df", "id");
        assert_eq!(record.from, "+18445550001", "bare sender");
        assert_eq!(record.to, "+18665550002", "first recipient");
        assert_eq!(record.body, "Hello, World!", "text");
        assert_eq!(record.status, "delivered", "recipient status");
        assert_eq!(
            record.direction, "outbound-api",
            "outbound in Twilio's words"
        );
        assert_eq!(record.num_segments, Some(1), "parts");
        assert_eq!(record.error_code, None, "no errors");
        assert!(record.date_created.is_some(), "created_at");
    }

    /// A failed delivery keeps its numeric error code and title.
    #[test]
    fn failed_message_keeps_its_error() {
        let message = json!({
            "id": "m1", "direction": "outbound", "from": {"phone_number": "+15550001"},
            "to": [{"phone_number": "+15550002", "status": "delivery_failed"}],
            "errors": [{"code": "40001", "title": "Not routable"}]
        });

        let record = MessageRecord::from(
            serde_json::from_value::<WireMessage>(message).expect("message should parse"),
        );

        assert_eq!(
            record.status, "undelivered",
            "delivery_failed in Twilio's words"
        );
        assert_eq!(record.error_code, Some(40001), "numeric code");
        assert_eq!(
            record.error_message.as_deref(),
            Some("Not routable"),
            "title"
        );
    }

    /// The documented message detail record reads, with no text of its own.
    #[test]
    fn documented_message_detail_record_reads() {
        let record = json!({
            "record_type": "message_detail_record",
            "uuid": "3ca7bd3d-7d82-4e07-9df4-009123068320",
            "created_at": "2020-07-01T00:00:00Z",
            "sent_at": "2020-07-01T00:00:00Z",
            "cld": "+1555123456", "cli": "+1555123457",
            "direction": "inbound", "status": "received", "parts": 2,
            "errors": []
        });

        let record = MessageRecord::from(
            serde_json::from_value::<WireMessageRecord>(record).expect("MDR should parse"),
        );

        assert_eq!(record.sid, "3ca7bd3d-7d82-4e07-9df4-009123068320", "uuid");
        assert_eq!(
            (record.from.as_str(), record.to.as_str()),
            ("+1555123457", "+1555123456")
        );
        assert!(record.is_inbound(), "inbound direction");
        assert_eq!(record.status, "received", "status");
        assert_eq!(record.body, "", "no text in a detail record");
        assert_eq!(record.num_segments, Some(2), "parts");
    }

    /// Every Telnyx state the engine must act on lands in Twilio's vocabulary.
    #[test]
    fn states_are_translated() {
        let cases = [
            ("queued", "outbound-api", "queued"),
            ("sent", "outbound-api", "sent"),
            ("delivered", "outbound-api", "delivered"),
            ("sending_failed", "outbound-api", "failed"),
            ("gw_reject", "outbound-api", "failed"),
            ("delivery_failed", "outbound-api", "undelivered"),
            ("expired", "outbound-api", "undelivered"),
            ("delivery_unconfirmed", "outbound-api", "sent"),
            ("delivered", "inbound", "received"),
            ("webhook_delivered", "outbound-api", "webhook_delivered"),
        ];

        for (telnyx, direction, expected) in cases {
            assert_eq!(
                message_status(telnyx, direction),
                expected,
                "{telnyx} {direction}"
            );
        }
    }
}
