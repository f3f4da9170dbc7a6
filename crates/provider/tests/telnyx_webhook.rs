//! Telnyx webhook verification and parsing: signatures from keys made in the test, the
//! documented example payloads, and arbitrary input that must never panic.

use base64::prelude::{Engine, BASE64_STANDARD};
use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::{Signer, SigningKey};
use proptest::prelude::*;
use textback_provider::telnyx::webhook::{self, CallPhase, EventPayload, WebhookError};
use textback_sandbox::Sandbox;

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_780_000_000, 0).expect("valid instant")
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&rand::random())
}

fn public(key: &SigningKey) -> String {
    BASE64_STANDARD.encode(key.verifying_key().to_bytes())
}

/// Signs `body` at `at` as Telnyx does: `{timestamp}|{body}`.
fn sign(key: &SigningKey, at: DateTime<Utc>, body: &[u8]) -> (String, String) {
    let timestamp = at.timestamp().to_string();
    let mut signed = format!("{timestamp}|").into_bytes();
    signed.extend_from_slice(body);
    (
        BASE64_STANDARD.encode(key.sign(&signed).to_bytes()),
        timestamp,
    )
}

const BODY: &[u8] =
    br#"{"data":{"event_type":"message.received","id":"e1","payload":{"id":"m1"}}}"#;

/// A good signature passes; a changed body, another key or a bad header fails, named.
#[test]
fn verify_accepts_only_the_signed_body_under_the_right_key() {
    let key = key();
    let (signature, timestamp) = sign(&key, now(), BODY);
    let mut tampered = BODY.to_vec();
    tampered[20] ^= 1;

    let valid = webhook::verify(&public(&key), &signature, &timestamp, BODY, now());
    let changed = webhook::verify(&public(&key), &signature, &timestamp, &tampered, now());
    let other_key = webhook::verify(&public(&self::key()), &signature, &timestamp, BODY, now());
    let garbled = webhook::verify(&public(&key), "not base64!", &timestamp, BODY, now());
    let bad_key = webhook::verify("AAAA", &signature, &timestamp, BODY, now());

    assert_eq!(valid, Ok(()), "the signed body verifies");
    assert_eq!(
        changed,
        Err(WebhookError::BadSignature),
        "a tampered body fails"
    );
    assert_eq!(
        other_key,
        Err(WebhookError::BadSignature),
        "another key fails"
    );
    assert!(
        matches!(garbled, Err(WebhookError::MalformedSignature { .. })),
        "{garbled:?}"
    );
    assert!(
        matches!(bad_key, Err(WebhookError::InvalidPublicKey { .. })),
        "{bad_key:?}"
    );
}

/// Four minutes either way is inside the tolerance; six minutes is not.
#[test]
fn verify_enforces_five_minutes_both_ways() {
    let key = key();
    let verify_at = |signed_at: DateTime<Utc>| {
        let (signature, timestamp) = sign(&key, signed_at, BODY);
        webhook::verify(&public(&key), &signature, &timestamp, BODY, now())
    };

    assert_eq!(
        verify_at(now() - Duration::minutes(4)),
        Ok(()),
        "4 minutes old"
    );
    assert_eq!(
        verify_at(now() + Duration::minutes(4)),
        Ok(()),
        "4 minutes ahead"
    );
    assert_eq!(
        verify_at(now() - Duration::minutes(6)),
        Err(WebhookError::StaleTimestamp { skew_s: 360 }),
        "6 minutes old"
    );
    assert_eq!(
        verify_at(now() + Duration::minutes(6)),
        Err(WebhookError::StaleTimestamp { skew_s: -360 }),
        "6 minutes ahead"
    );
}

/// The sandbox's signatures verify under the public key it publishes.
#[test]
fn sandbox_signatures_verify() {
    let sandbox = Sandbox::default();
    let signature = sandbox.telnyx_signature(now().timestamp(), BODY);

    let result = webhook::verify(
        &sandbox.telnyx_public_key(),
        &signature,
        &now().timestamp().to_string(),
        BODY,
        now(),
    );

    assert_eq!(result, Ok(()), "sandbox signature under its own key");
}

/// Telnyx's documented inbound-message example reads into an inbound record.
#[test]
fn parses_documented_message_received() {
    let body = br#"{"data": {"record_type": "event", "id": "bf6307bd-884d-4c1f-b6ea-c62b8c495d3c",
        "event_type": "message.received", "occurred_at": "2019-01-23T18:10:02.574Z",
        "payload": {"record_type": "message", "direction": "inbound",
          "id": "7ee4241c-f127-47e5-9c34-3aac291f8058", "type": "SMS",
          "from": {"phone_number": "+18665550001", "carrier": "T-MOBILE USA, INC.", "line_type": "Wireless"},
          "to": [{"phone_number": "+18445550001", "status": "delivered", "carrier": "TELNYX LLC", "line_type": "VoIP"}],
          "cc": [], "text": "Hello, World!", "media": [], "encoding": "GSM-7", "parts": 1,
          "received_at": "2019-01-23T18:10:02.574Z", "errors": []}}}"#;

    let event = webhook::parse(body).expect("documented example parses");

    assert_eq!(event.event_type, "message.received", "event type");
    assert_eq!(event.id, "bf6307bd-884d-4c1f-b6ea-c62b8c495d3c", "event id");
    let EventPayload::MessageReceived(message) = event.payload else {
        panic!("expected an inbound message, got {:?}", event.payload);
    };
    assert_eq!(
        message.sid, "7ee4241c-f127-47e5-9c34-3aac291f8058",
        "message id"
    );
    assert_eq!(message.from, "+18665550001", "from.phone_number");
    assert_eq!(message.to, "+18445550001", "to[0].phone_number");
    assert_eq!(message.body, "Hello, World!", "text");
    assert!(message.is_inbound(), "inbound");
    assert_eq!(message.status, "received", "inbound status");
}

/// A finalized delivery failure keeps its state and code.
#[test]
fn parses_message_finalized() {
    let body = br#"{"data": {"event_type": "message.finalized", "id": "e2",
        "occurred_at": "2019-12-09T21:32:14.148+00:00",
        "payload": {"id": "m2", "direction": "outbound", "from": {"phone_number": "+18445550001"},
          "to": [{"phone_number": "+18665550002", "status": "delivery_failed"}],
          "text": "hi", "errors": [{"code": "40001", "title": "Not routable"}]}}}"#;

    let event = webhook::parse(body).expect("parses");

    let EventPayload::MessageStatus(message) = event.payload else {
        panic!("expected a status event, got {:?}", event.payload);
    };
    assert_eq!(
        message.status, "undelivered",
        "delivery_failed in Twilio's words"
    );
    assert_eq!(message.error_code, Some(40001), "Telnyx's code");
}

/// Telnyx's documented `call.hangup` example reads into a call event.
#[test]
fn parses_documented_call_hangup() {
    let body = br#"{"data": {"record_type": "event", "event_type": "call.hangup",
        "id": "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0", "occurred_at": "2018-02-02T22:25:27.521992Z",
        "payload": {"call_control_id": "v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg",
          "connection_id": "7267xxxxxxxxxxxxxx", "call_leg_id": "428c31b6-7af4-4bcb-b7f5-5013ef9657c1",
          "call_session_id": "428c31b6-7af4-4bcb-b7f5-5013ef9657c1", "client_state": "aGF2ZSBhIG5pY2UgZGF5ID1d",
          "from": "+35319605860", "to": "+35319605860", "start_time": "2018-02-02T22:20:27.521992Z",
          "state": "hangup", "hangup_cause": "call_rejected", "hangup_source": "caller",
          "sip_hangup_cause": "603"}}}"#;

    let event = webhook::parse(body).expect("documented example parses");

    let EventPayload::Call(call) = event.payload else {
        panic!("expected a call event, got {:?}", event.payload);
    };
    assert_eq!(call.phase, CallPhase::Hangup, "phase");
    assert_eq!(call.hangup_cause.as_deref(), Some("call_rejected"), "cause");
    assert_eq!(call.hangup_source.as_deref(), Some("caller"), "source");
    assert_eq!(call.from, "+35319605860", "from");
    assert!(
        call.call_control_id.is_some() && call.call_session_id.is_some(),
        "ids"
    );
    assert!(call.start_time.is_some(), "start time");
    assert_eq!(
        call.end_time, event.occurred_at,
        "ended when the event occurred"
    );
}

/// Initiated calls, unknown event types and broken bodies read as documented.
#[test]
fn other_events_and_broken_bodies() {
    let initiated = br#"{"data": {"event_type": "call.initiated", "id": "e3", "payload": {
        "call_control_id": "c1", "from": "+15551230001", "to": "+15551230002",
        "direction": "incoming", "state": "parked", "start_time": "2018-02-02T22:20:27Z"}}}"#;
    let other = br#"{"data": {"event_type": "call.dtmf.received", "id": "e4", "payload": {}}}"#;

    let initiated = webhook::parse(initiated).expect("initiated parses");
    let other = webhook::parse(other).expect("unknown type parses");
    let no_type = webhook::parse(br#"{"data": {"id": "e5"}}"#);
    let no_id = webhook::parse(
        br#"{"data": {"event_type": "message.received", "id": "e", "payload": {}}}"#,
    );
    let not_json = webhook::parse(b"\xff not json");

    assert!(
        matches!(&initiated.payload, EventPayload::Call(c) if c.phase == CallPhase::Initiated
            && c.direction.as_deref() == Some("incoming")),
        "initiated: {initiated:?}"
    );
    assert_eq!(
        other.payload,
        EventPayload::Other,
        "unknown type kept as Other"
    );
    assert_eq!(
        no_type,
        Err(WebhookError::MissingField {
            field: "data.event_type"
        }),
        "no type"
    );
    assert_eq!(
        no_id,
        Err(WebhookError::MissingField {
            field: "data.payload.id"
        }),
        "no id"
    );
    assert!(
        matches!(not_json, Err(WebhookError::InvalidJson { .. })),
        "{not_json:?}"
    );
}

proptest! {
    /// No input to verify panics, and none but the signed one passes.
    #[test]
    fn verify_never_panics(
        key_b64 in ".{0,60}",
        signature in ".{0,100}",
        timestamp in ".{0,20}",
        body in proptest::collection::vec(any::<u8>(), 0..200),
        now_s in any::<i64>(),
    ) {
        let now = DateTime::from_timestamp(now_s.clamp(-8_000_000_000_000, 8_000_000_000_000), 0)
            .unwrap_or_default();
        let result = webhook::verify(&key_b64, &signature, &timestamp, &body, now);
        prop_assert!(result.is_err(), "random input should never verify");
    }

    /// Timestamps at any distance, including extreme ones, never panic.
    #[test]
    fn verify_never_panics_on_extreme_timestamps(timestamp in any::<i64>()) {
        let key = key();
        let (signature, _) = sign(&key, now(), BODY);
        let _ = webhook::verify(&public(&key), &signature, &timestamp.to_string(), BODY, now());
    }

    /// No body, JSON or not, panics the parser.
    #[test]
    fn parse_never_panics_on_bytes(body in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = webhook::parse(&body);
    }

    /// Event-shaped JSON with arbitrary field values never panics the parser.
    #[test]
    fn parse_never_panics_on_event_shapes(
        event_type in prop_oneof![
            Just("message.received"), Just("message.finalized"), Just("call.hangup"),
            Just("call.initiated"), Just("other")
        ],
        value in prop_oneof![
            Just(serde_json::Value::Null), any::<i64>().prop_map(serde_json::Value::from),
            ".{0,20}".prop_map(serde_json::Value::from),
            Just(serde_json::json!([{"phone_number": 5}])), Just(serde_json::json!({}))
        ],
    ) {
        let body = serde_json::json!({"data": {"event_type": event_type, "id": "e",
            "occurred_at": value, "payload": {"id": value, "from": value, "to": value,
            "text": value, "parts": value, "errors": value, "call_control_id": value,
            "start_time": value, "hangup_cause": value}}});
        let _ = webhook::parse(body.to_string().as_bytes());
    }
}
