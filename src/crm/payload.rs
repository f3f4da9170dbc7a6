//! The JSON a CRM receives and the signature over it.
//!
//! The payload's `type` is a public, dotted name (`call.missed`, `text.sent`, ...) rather than
//! the engine's own kind names, so the engine can rename its events without breaking a
//! receiver's filters.

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::Value;
use sha2::Sha256;

/// The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
pub const SIGNATURE_HEADER: &str = "Textback-Signature";

/// The engine kinds that are delivered. `call_detected` is delivered only when `missed`.
pub(super) const KINDS_SQL: &str = "(kind IN ('text_sent', 'delivery_changed', 'reply_received', \
     'status_changed', 'opted_out') \
     OR (kind = 'call_detected' AND json_extract(data, '$.missed') = 1))";

/// The public name of an engine event kind, or `None` when it is not delivered.
pub fn payload_type(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "call_detected" => "call.missed",
        "text_sent" => "text.sent",
        "delivery_changed" => "text.delivery_changed",
        "reply_received" => "reply.received",
        "status_changed" => "conversation.status_changed",
        "opted_out" => "contact.opted_out",
        _ => return None,
    })
}

/// The body posted for one event, fields in this order.
#[derive(Debug, Serialize)]
pub(super) struct Payload {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: String,
    pub data: Value,
}

impl Payload {
    /// The body for a stored event: its fields without the engine's tag, plus the numbers of
    /// its conversation, so a CRM can file it without asking back.
    pub fn for_event(
        id: i64,
        at: DateTime<Utc>,
        kind: &str,
        stored: &str,
        conversation: Option<(i64, String, String)>,
    ) -> Self {
        let mut data = match serde_json::from_str(stored) {
            Ok(Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        data.remove("type");
        if let Some((conversation_id, business, customer)) = conversation {
            data.insert("conversation_id".into(), conversation_id.into());
            data.insert("business_number".into(), business.into());
            data.insert("customer_number".into(), customer.into());
        }
        Self {
            id: format!("evt_{id}"),
            kind: payload_type(kind).unwrap_or(kind).to_owned(),
            created_at: rfc3339(at),
            data: Value::Object(data),
        }
    }

    /// The body of a test event, sent by hand to check an endpoint.
    pub fn test(at: DateTime<Utc>) -> Self {
        Self {
            id: format!("evt_test_{}", at.timestamp_millis()),
            kind: "test".into(),
            created_at: rfc3339(at),
            data: serde_json::json!({ "message": "A test event from Textback" }),
        }
    }

    pub fn to_body(&self) -> String {
        serde_json::to_string(self).expect("a payload always serializes")
    }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The `Textback-Signature` value for `body` sent at unix second `t`.
pub fn signature_header(secret: &str, t: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any size");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body.as_bytes());
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_hex_over_t_dot_body() {
        let header = signature_header("whsec", 1_700_000_000, r#"{"id":"evt_1"}"#);

        // Computed independently: printf '1700000000.{"id":"evt_1"}' | openssl sha256 -hmac whsec
        assert_eq!(
            header,
            "t=1700000000,v1=e7e846cdb96220c3674ade89e534304fc91f6f15064facee1e7a7096f5f57f62",
            "header format and digest match a receiver's computation"
        );
    }

    #[test]
    fn a_missed_call_is_filed_under_its_public_name_without_the_engine_tag() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let stored = r#"{"type":"call_detected","call_id":3,"missed":true}"#;

        let payload = Payload::for_event(
            42,
            at,
            "call_detected",
            stored,
            Some((7, "+12125550100".into(), "+12125552001".into())),
        );

        assert_eq!(payload.id, "evt_42", "the id is stable per event");
        assert_eq!(payload.kind, "call.missed", "the public name");
        assert_eq!(
            payload.created_at, "2023-11-14T22:13:20.000Z",
            "RFC 3339 in UTC"
        );
        assert!(
            payload.data.get("type").is_none(),
            "the engine's tag is dropped"
        );
        assert_eq!(
            payload.data["customer_number"], "+12125552001",
            "numbers are added"
        );
        let body = payload.to_body();
        assert!(
            body.starts_with(r#"{"id":"evt_42","type":"call.missed","created_at":"#),
            "fields in the documented order: {body}"
        );
    }
}
