//! Telnyx webhook mode: the ingress's Telnyx route on a loopback port, fed by the sandbox's
//! signed Telnyx webhooks or by events signed here, with the engine on a real SQLite file and
//! texts sent through the sandbox's `POST /v2/messages`.

mod support;

use std::collections::BTreeMap;

use base64::prelude::{Engine as _, BASE64_STANDARD};
use chrono::Duration;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};
use textback::clock::Clock;
use textback::ingress::{self, paths, IngressError, RunningIngress, Signing};
use textback::provider::Secret;
use textback::store;
use textback_sandbox::CallOutcome;
use tokio::net::TcpListener;

use support::{caller, Harness, BUSINESS};

/// A harness on Telnyx (the sandbox's Telnyx API) whose ingress serves the Telnyx route and
/// checks signatures with the sandbox's public key.
struct Webhooks {
    h: Harness,
    /// The Telnyx route's address on loopback.
    webhook_url: String,
    client: reqwest::Client,
    _ingress: RunningIngress,
}

/// How a test delivery is signed.
enum Sign<'a> {
    /// With the sandbox's key, `age_s` seconds ago by the shared clock.
    Sandbox { age_s: i64 },
    /// With another key, now.
    Key(&'a SigningKey),
    /// These header values, as given.
    Raw {
        signature: &'a str,
        timestamp: &'a str,
    },
    /// No signature headers at all.
    Missing,
}

/// What came back from the ingress.
struct Answer {
    status: u16,
    body: String,
}

impl Webhooks {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("port");
        let local_url = format!("http://{}", listener.local_addr().expect("address"));
        let h = Harness::telnyx(&format!(
            r#"
[rules]
grace = "0s"

[ingress]
listen = "127.0.0.1:0"
public_url = "{local_url}"
"#
        ))
        .await;
        let signing = Signing::TelnyxPublicKey(h.sandbox().telnyx_public_key());
        let ingress = ingress::spawn_on(listener, h.engine.clone(), signing).expect("ingress");
        Self {
            h,
            webhook_url: format!("{local_url}{}", paths::TELNYX),
            client: reqwest::Client::new(),
            _ingress: ingress,
        }
    }

    /// Points the sandbox's Telnyx webhooks at the ingress.
    fn connect_sandbox(&self) {
        self.h
            .sandbox()
            .set_telnyx_webhooks(Some(self.webhook_url.clone()));
    }

    /// Lets every webhook due go out, then runs the sender and lets its texts' webhooks out.
    async fn settle_and_send(&self) {
        self.h.sandbox().webhooks_settled().await;
        self.h.engine.run_due().await.expect("sender round");
        self.h.sandbox().webhooks_settled().await;
    }

    async fn post(&self, body: &[u8], sign: Sign<'_>) -> Answer {
        let now = self.h.clock.now().timestamp();
        let (signature, timestamp) = match sign {
            Sign::Sandbox { age_s } => {
                let at = now - age_s;
                (
                    Some(self.h.sandbox().telnyx_signature(at, body)),
                    Some(at.to_string()),
                )
            }
            Sign::Key(key) => (Some(signature(key, now, body)), Some(now.to_string())),
            Sign::Raw {
                signature,
                timestamp,
            } => (Some(signature.to_owned()), Some(timestamp.to_owned())),
            Sign::Missing => (None, None),
        };
        let mut request = self
            .client
            .post(&self.webhook_url)
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(signature) = signature {
            request = request.header("telnyx-signature-ed25519", signature);
        }
        if let Some(timestamp) = timestamp {
            request = request.header("telnyx-timestamp", timestamp);
        }
        let response = request.send().await.expect("ingress answers");
        Answer {
            status: response.status().as_u16(),
            body: response.text().await.expect("answer body"),
        }
    }

    fn count(&self, sql: &str) -> i64 {
        self.h
            .store()
            .read(|c| Ok(c.query_row(sql, [], |r| r.get(0))?))
            .expect("count")
    }

    /// Rows in the tables a webhook can change, to show that a refused one changed nothing.
    fn counts(&self) -> [i64; 5] {
        ["calls", "messages", "outbox", "events", "follow_ups"]
            .map(|table| self.count(&format!("SELECT COUNT(*) FROM {table}")))
    }

    fn events(&self, kind: &str) -> i64 {
        self.count(&format!(
            "SELECT COUNT(*) FROM events WHERE kind = '{kind}'"
        ))
    }
}

/// Telnyx's signature of `body` at Unix time `at` under `key`.
fn signature(key: &SigningKey, at: i64, body: &[u8]) -> String {
    let mut signed = format!("{at}|").into_bytes();
    signed.extend_from_slice(body);
    BASE64_STANDARD.encode(key.sign(&signed).to_bytes())
}

/// A `call.hangup` of the inbound leg `leg` from `from` to the business, in Telnyx's envelope.
fn hangup(event_id: &str, leg: &str, from: &str, cause: &str) -> Vec<u8> {
    envelope(
        event_id,
        "call.hangup",
        json!({
            "call_control_id": format!("v3:{leg}"), "call_leg_id": leg,
            "call_session_id": format!("session-{leg}"), "from": from, "to": BUSINESS,
            "direction": "incoming", "state": "hangup", "start_time": "2026-12-03T14:59:30Z",
            "end_time": "2026-12-03T15:00:00Z", "hangup_cause": cause, "hangup_source": "caller"
        }),
    )
}

/// A `message.received` from `from` to the business.
fn message_received(event_id: &str, message_id: &str, from: &str, text: &str) -> Vec<u8> {
    envelope(
        event_id,
        "message.received",
        json!({
            "id": message_id, "record_type": "message", "direction": "inbound", "type": "SMS",
            "from": {"phone_number": from}, "to": [{"phone_number": BUSINESS,
            "status": "webhook_delivered"}], "text": text, "parts": 1,
            "received_at": "2026-12-03T15:00:00Z"
        }),
    )
}

fn envelope(event_id: &str, event_type: &str, payload: Value) -> Vec<u8> {
    json!({
        "data": {"record_type": "event", "event_type": event_type, "id": event_id,
                 "occurred_at": "2026-12-03T15:00:00Z", "payload": payload},
        "meta": {"attempt": 1, "delivered_to": "https://textback.example/telnyx/webhook"}
    })
    .to_string()
    .into_bytes()
}

/// Webhooks alone (no polling): a forward nobody answered and a caller who hung up are each
/// texted once through `POST /v2/messages`, an answered call is not, and the texts' statuses
/// pushed back are recorded.
#[tokio::test]
async fn webhooks_alone_text_a_missed_call_once_and_not_an_answered_one() {
    let w = Webhooks::start().await;
    w.connect_sandbox();
    let sandbox = w.h.sandbox();

    let missed = sandbox
        .place_call(&caller(1), BUSINESS, CallOutcome::NoAnswer)
        .expect("call placed");
    let hung_up = sandbox
        .place_call(&caller(2), BUSINESS, CallOutcome::Hangup)
        .expect("call placed");
    let answered = sandbox
        .place_call(&caller(3), BUSINESS, CallOutcome::Answered)
        .expect("call placed");
    w.settle_and_send().await;

    let outcomes: BTreeMap<String, String> =
        w.h.calls()
            .into_iter()
            .map(|c| (c.sid, c.outcome))
            .collect();
    let expected = BTreeMap::from([
        (missed.clone(), "no-answer".to_owned()),
        (hung_up, "canceled".to_owned()),
        (answered, "answered".to_owned()),
    ]);
    assert_eq!(
        outcomes, expected,
        "each call recorded once, under its leg id, from its hangup cause"
    );
    assert_eq!(
        w.h.texts_to(&caller(1)).len(),
        1,
        "the missed call is texted once"
    );
    assert_eq!(
        w.h.texts_to(&caller(2)).len(),
        1,
        "so is the caller who hung up"
    );
    assert!(
        w.h.texts_to(&caller(3)).is_empty(),
        "the answered caller is not"
    );
    let deliveries = sandbox.webhook_deliveries();
    assert_eq!(
        deliveries.len(),
        (2 + 2 + 3) + 2 * 2,
        "three calls' events (the answered one with call.answered), two texts' statuses"
    );
    assert!(
        deliveries.iter().all(|d| d.status == Some(200)),
        "the ingress accepted every signed webhook: {deliveries:?}"
    );
    let missed_call = w.h.calls().into_iter().find(|c| c.sid == missed);
    let text_id = missed_call
        .and_then(|c| c.message_id)
        .expect("the text-back");
    let text = w.h.store().read(|c| store::message(c, text_id));
    let text = text.expect("the text");
    assert_eq!(text.status, "delivered", "message.finalized was recorded");
}

/// A reply pushed as `message.received` stops the follow-ups, and nothing more is sent.
#[tokio::test]
async fn an_inbound_reply_stops_follow_ups() {
    let w = Webhooks::start().await;
    w.connect_sandbox();
    w.h.sandbox()
        .place_call(&caller(1), BUSINESS, CallOutcome::Busy)
        .expect("call placed");
    w.settle_and_send().await;
    let conversation = w.h.calls()[0].conversation_id.expect("a conversation");

    w.h.sandbox()
        .receive_sms(&caller(1), BUSINESS, "Can I come in Tuesday?")
        .expect("text received");
    w.h.sandbox().webhooks_settled().await;
    w.h.clock.advance(Duration::days(2));
    w.h.engine.run_due().await.expect("sender round");

    let scheduled = w.count(&format!(
        "SELECT COUNT(*) FROM follow_ups WHERE conversation_id = {conversation} \
         AND state = 'scheduled'"
    ));
    let stopped = w.count(&format!(
        "SELECT COUNT(*) FROM follow_ups WHERE conversation_id = {conversation} \
         AND state = 'stopped' AND stop_reason = 'replied'"
    ));
    assert_eq!(scheduled, 0, "no follow-up is left waiting");
    assert!(stopped > 0, "the reply stopped the sequence");
    assert_eq!(
        w.h.texts_to(&caller(1)).len(),
        1,
        "only the text-back was sent"
    );
    assert_eq!(w.events("reply_received"), 1, "the reply is in the inbox");
}

/// A delivery without signature headers, with a changed body, signed by another key, or
/// signed six minutes ago (or ahead) is refused with 403, and nothing changes; the genuine one
/// is then accepted.
#[tokio::test]
async fn unsigned_tampered_stale_or_foreign_deliveries_are_refused() {
    let w = Webhooks::start().await;
    let genuine = hangup("ev-1", "leg-1", &caller(1), "timeout");
    let at = w.h.clock.now().timestamp();
    let good_signature = w.h.sandbox().telnyx_signature(at, &genuine);
    let tampered = hangup("ev-1", "leg-1", &caller(2), "timeout");
    let foreign = SigningKey::from_bytes(&rand::random());
    let before = w.counts();

    let missing = w.post(&genuine, Sign::Missing).await;
    let changed = w
        .post(
            &tampered,
            Sign::Raw {
                signature: &good_signature,
                timestamp: &at.to_string(),
            },
        )
        .await;
    let other_key = w.post(&genuine, Sign::Key(&foreign)).await;
    let stale = w.post(&genuine, Sign::Sandbox { age_s: 6 * 60 }).await;
    let ahead = w.post(&genuine, Sign::Sandbox { age_s: -6 * 60 }).await;
    let garbled = w
        .post(
            &genuine,
            Sign::Raw {
                signature: "not base64!",
                timestamp: &at.to_string(),
            },
        )
        .await;
    let after_refusals = w.counts();
    let accepted = w.post(&genuine, Sign::Sandbox { age_s: 4 * 60 }).await;

    for (what, answer) in [
        ("no signature", &missing),
        ("a changed body", &changed),
        ("another key", &other_key),
        ("six minutes old", &stale),
        ("six minutes ahead", &ahead),
        ("not a signature", &garbled),
    ] {
        assert_eq!(answer.status, 403, "{what}: {}", answer.body);
    }
    assert!(
        missing.body.contains("missing telnyx-signature-ed25519"),
        "says what is missing: {}",
        missing.body
    );
    assert!(
        stale.body.contains("five-minute tolerance"),
        "says the timestamp is too old: {}",
        stale.body
    );
    assert_eq!(
        after_refusals, before,
        "no call, message or event was recorded"
    );
    assert_eq!(
        accepted.status, 200,
        "four minutes old is within: {}",
        accepted.body
    );
    assert_eq!(
        w.h.calls().len(),
        1,
        "the genuine delivery recorded its call"
    );
}

/// A body over the limit is refused with 413 and one that is not a Telnyx event with 400
/// saying why, and neither changes anything.
#[tokio::test]
async fn oversized_or_unreadable_bodies_are_refused_clearly() {
    let w = Webhooks::start().await;
    let huge = format!("{{\"data\": \"{}\"}}", "a".repeat(70 * 1024)).into_bytes();
    let before = w.counts();

    let too_big = w.post(&huge, Sign::Sandbox { age_s: 0 }).await;
    let not_json = w.post(b"{\"data\": ", Sign::Sandbox { age_s: 0 }).await;
    let no_id = w
        .post(
            br#"{"data": {"event_type": "call.hangup", "payload": {}}}"#,
            Sign::Sandbox { age_s: 0 },
        )
        .await;

    assert_eq!(too_big.status, 413, "over the body limit");
    assert_eq!(not_json.status, 400, "signed but not JSON");
    assert!(
        not_json.body.contains("the body is not JSON"),
        "says so: {}",
        not_json.body
    );
    assert_eq!(no_id.status, 400, "an event without an id");
    assert!(
        no_id.body.contains("the event has no data.id"),
        "names the field: {}",
        no_id.body
    );
    assert_eq!(w.counts(), before, "nothing was recorded");
}

/// Telnyx's retry of an event (same id), and another event about the same call or text,
/// change nothing the second time.
#[tokio::test]
async fn replayed_events_change_nothing_twice() {
    let w = Webhooks::start().await;
    let call = hangup("ev-call", "leg-7", &caller(1), "user_busy");
    let reply = message_received("ev-reply", "msg-8", &caller(1), "Is Friday free?");
    let same_call_again = hangup("ev-call-2", "leg-7", &caller(1), "user_busy");

    let first = w.post(&call, Sign::Sandbox { age_s: 0 }).await;
    let first_reply = w.post(&reply, Sign::Sandbox { age_s: 0 }).await;
    let after_first = w.counts();
    let retried = w.post(&call, Sign::Sandbox { age_s: 0 }).await;
    let retried_reply = w.post(&reply, Sign::Sandbox { age_s: 0 }).await;
    let other_event = w.post(&same_call_again, Sign::Sandbox { age_s: 0 }).await;

    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        first.body, r#"{"handled":"applied"}"#,
        "the call was recorded"
    );
    assert_eq!(
        first_reply.body, r#"{"handled":"applied"}"#,
        "the reply too"
    );
    for (what, answer) in [
        ("the retried hangup", &retried),
        ("the retried text", &retried_reply),
        ("a new event for a known call", &other_event),
    ] {
        assert_eq!(answer.status, 200, "{what} is acknowledged");
        assert_eq!(
            answer.body, r#"{"handled":"already_known"}"#,
            "{what} is known"
        );
    }
    assert_eq!(w.counts(), after_first, "the repeats changed nothing");
    assert_eq!(w.events("call_detected"), 1, "one call detected");
    assert_eq!(w.events("text_scheduled"), 1, "one text scheduled");
    assert_eq!(w.events("reply_received"), 1, "one reply stored");
}

/// With the detail-record polling and the webhooks both on, a missed call and its reply are
/// handled once: one call, one text.
#[tokio::test]
async fn polling_and_webhooks_together_send_one_text() {
    let w = Webhooks::start().await;
    let control = format!("{}/sandbox/telnyx/webhooks", w.h.sandbox.base_url());
    let set = w
        .client
        .post(&control)
        .json(&json!({ "url": w.webhook_url }))
        .send()
        .await
        .expect("control API answers");

    w.h.sandbox()
        .place_call(&caller(1), BUSINESS, CallOutcome::NoAnswer)
        .expect("call placed");
    w.h.step().await;
    w.h.sandbox().webhooks_settled().await;
    w.h.step().await;
    w.h.sandbox()
        .receive_sms(&caller(1), BUSINESS, "Thanks!")
        .expect("text received");
    w.h.step().await;
    w.h.sandbox().webhooks_settled().await;
    w.h.clock.advance(Duration::seconds(10));
    w.h.step().await;

    assert_eq!(set.status(), 200, "the control API set the webhook URL");
    assert_eq!(w.h.texts_to(&caller(1)).len(), 1, "one text-back");
    assert_eq!(w.h.calls().len(), 1, "one call");
    assert_eq!(w.events("call_detected"), 1, "detected once");
    assert_eq!(w.events("text_scheduled"), 1, "scheduled once");
    assert_eq!(w.events("reply_received"), 1, "the reply stored once");
}

/// A Telnyx ingress serves only the Telnyx route, and refuses to start with Twilio's key.
#[tokio::test]
async fn a_telnyx_ingress_serves_only_telnyx() {
    let w = Webhooks::start().await;
    let twilio_path = w.webhook_url.replace(paths::TELNYX, paths::SMS);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("port");

    let twilio = w
        .client
        .post(&twilio_path)
        .form(&[("MessageSid", "SM1")])
        .send()
        .await
        .expect("ingress answers");
    let wrong_key = ingress::spawn_on(
        listener,
        w.h.engine.clone(),
        Signing::TwilioAuthToken(Secret::new("token")),
    );

    assert_eq!(twilio.status(), 404, "no Twilio route for a Telnyx account");
    assert!(
        matches!(wrong_key, Err(IngressError::WrongSigning { .. })),
        "Twilio's key does not verify Telnyx webhooks: {wrong_key:?}"
    );
}
