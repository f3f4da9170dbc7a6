//! Telnyx webhook mode: the ingress's Telnyx route on a loopback port, fed by the sandbox's
//! signed Telnyx webhooks or by events signed here, with the engine on a real SQLite file and
//! texts sent through the sandbox's `POST /v2/messages`.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::prelude::{Engine as _, BASE64_STANDARD};
use chrono::{DateTime, Duration, TimeZone, Utc};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};
use textback::clock::{Clock, ManualClock, SharedClock};
use textback::config::Config;
use textback::engine::Engine;
use textback::ingress::{self, paths, IngressError, RunningIngress, Signing};
use textback::provider::{build, Secret};
use textback::store::{self, Store};
use textback_sandbox::{
    CallOutcome, MessageDirection, RunningSandbox, Sandbox, SandboxMessage, SandboxOptions,
};
use tokio::net::TcpListener;

const BUSINESS: &str = "+12125550100";

/// Thursday 3 December 2026, 10:00 in New York.
fn ten_am() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 15, 0, 0)
        .single()
        .expect("valid instant")
}

fn caller(n: u32) -> String {
    format!("+1212555{:04}", 2000 + n)
}

/// An engine on Telnyx (the sandbox's Telnyx API), its ingress serving the Telnyx route and
/// checking signatures with the sandbox's public key.
struct Harness {
    _dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    sandbox: RunningSandbox,
    engine: Arc<Engine>,
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

impl Harness {
    async fn new() -> Self {
        let clock = ManualClock::new(ten_am());
        let sandbox_clock = clock.clone();
        let options = SandboxOptions {
            clock: Arc::new(move || sandbox_clock.now()),
            ..SandboxOptions::default()
        };
        let sandbox = Sandbox::new(options)
            .spawn("127.0.0.1:0")
            .await
            .expect("sandbox starts");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("port");
        let local_url = format!("http://{}", listener.local_addr().expect("address"));
        let public_key = sandbox.sandbox().telnyx_public_key();
        let config = Config::from_toml(&format!(
            r#"
[business]
name = "Harbor Dental"
time_zone = "America/New_York"
numbers = ["{BUSINESS}"]
booking_link = "https://harbor.example/book"

[provider]
kind = "telnyx"
base_url = "{}"
public_key = "{public_key}"

[rules]
grace = "0s"

[ingress]
listen = "127.0.0.1:0"
public_url = "{local_url}"
"#,
            sandbox.base_url(),
        ))
        .expect("test configuration is valid");
        let secret = Secret::new(sandbox.sandbox().auth_token());
        let provider = build(&config.provider, &secret).expect("Telnyx client builds");
        let dir = tempfile::tempdir().expect("temporary folder");
        let store = Arc::new(Store::open(&dir.path().join("textback.db")).expect("store opens"));
        let shared: SharedClock = clock.clone();
        let engine = Engine::new(store, provider, shared, config);
        let signing = Signing::TelnyxPublicKey(public_key);
        let ingress = ingress::spawn_on(listener, engine.clone(), signing).expect("ingress");
        Self {
            _dir: dir,
            clock,
            sandbox,
            engine,
            webhook_url: format!("{local_url}{}", paths::TELNYX),
            client: reqwest::Client::new(),
            _ingress: ingress,
        }
    }

    fn sandbox(&self) -> &Sandbox {
        self.sandbox.sandbox()
    }

    /// Points the sandbox's Telnyx webhooks at the ingress.
    fn connect_sandbox(&self) {
        self.sandbox()
            .set_telnyx_webhooks(Some(self.webhook_url.clone()));
    }

    /// Lets every webhook due go out, then runs the sender and lets its texts' webhooks out.
    async fn settle_and_send(&self) {
        self.sandbox().webhooks_settled().await;
        self.engine.run_due().await.expect("sender round");
        self.sandbox().webhooks_settled().await;
    }

    /// One round of every engine step at the current time, polling included.
    async fn step(&self) {
        self.engine.poll_calls().await.expect("call poll");
        self.engine.poll_messages().await.expect("message poll");
        self.engine.run_due().await.expect("sender round");
    }

    async fn post(&self, body: &[u8], sign: Sign<'_>) -> Answer {
        let now = self.clock.now().timestamp();
        let (signature, timestamp) = match sign {
            Sign::Sandbox { age_s } => {
                let at = now - age_s;
                (
                    Some(self.sandbox().telnyx_signature(at, body)),
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

    fn texts_to(&self, number: &str) -> Vec<SandboxMessage> {
        self.sandbox()
            .messages()
            .into_iter()
            .filter(|m| m.direction == MessageDirection::OutboundApi && m.to == number)
            .collect()
    }

    /// The stored calls, oldest first.
    fn calls(&self) -> Vec<store::Call> {
        let mut calls = self
            .engine
            .store()
            .read(|c| store::calls(c, None, 500))
            .expect("calls");
        calls.reverse();
        calls
    }

    fn count(&self, sql: &str) -> i64 {
        self.engine
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
    let h = Harness::new().await;
    h.connect_sandbox();
    let sandbox = h.sandbox();

    let missed = sandbox
        .place_call(&caller(1), BUSINESS, CallOutcome::NoAnswer)
        .expect("call placed");
    let hung_up = sandbox
        .place_call(&caller(2), BUSINESS, CallOutcome::Hangup)
        .expect("call placed");
    let answered = sandbox
        .place_call(&caller(3), BUSINESS, CallOutcome::Answered)
        .expect("call placed");
    h.settle_and_send().await;

    let outcomes: BTreeMap<String, String> =
        h.calls().into_iter().map(|c| (c.sid, c.outcome)).collect();
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
        h.texts_to(&caller(1)).len(),
        1,
        "the missed call is texted once"
    );
    assert_eq!(
        h.texts_to(&caller(2)).len(),
        1,
        "so is the caller who hung up"
    );
    assert!(
        h.texts_to(&caller(3)).is_empty(),
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
    let missed_call = h.calls().into_iter().find(|c| c.sid == missed);
    let text_id = missed_call
        .and_then(|c| c.message_id)
        .expect("the text-back");
    let text = h
        .engine
        .store()
        .read(|c| store::message(c, text_id))
        .expect("the text");
    assert_eq!(text.status, "delivered", "message.finalized was recorded");
}

/// A reply pushed as `message.received` stops the follow-ups, and nothing more is sent.
#[tokio::test]
async fn an_inbound_reply_stops_follow_ups() {
    let h = Harness::new().await;
    h.connect_sandbox();
    h.sandbox()
        .place_call(&caller(1), BUSINESS, CallOutcome::Busy)
        .expect("call placed");
    h.settle_and_send().await;
    let conversation = h.calls()[0].conversation_id.expect("a conversation");

    h.sandbox()
        .receive_sms(&caller(1), BUSINESS, "Can I come in Tuesday?")
        .expect("text received");
    h.sandbox().webhooks_settled().await;
    h.clock.advance(Duration::days(2));
    h.engine.run_due().await.expect("sender round");

    let scheduled = h.count(&format!(
        "SELECT COUNT(*) FROM follow_ups WHERE conversation_id = {conversation} \
         AND state = 'scheduled'"
    ));
    let stopped = h.count(&format!(
        "SELECT COUNT(*) FROM follow_ups WHERE conversation_id = {conversation} \
         AND state = 'stopped' AND stop_reason = 'replied'"
    ));
    assert_eq!(scheduled, 0, "no follow-up is left waiting");
    assert!(stopped > 0, "the reply stopped the sequence");
    assert_eq!(
        h.texts_to(&caller(1)).len(),
        1,
        "only the text-back was sent"
    );
    assert_eq!(h.events("reply_received"), 1, "the reply is in the inbox");
}

/// A delivery without signature headers, with a changed body, signed by another key, or
/// signed six minutes ago (or ahead) is refused with 403, and nothing changes; the genuine one
/// is then accepted.
#[tokio::test]
async fn unsigned_tampered_stale_or_foreign_deliveries_are_refused() {
    let h = Harness::new().await;
    let genuine = hangup("ev-1", "leg-1", &caller(1), "timeout");
    let at = h.clock.now().timestamp();
    let good_signature = h.sandbox().telnyx_signature(at, &genuine);
    let tampered = hangup("ev-1", "leg-1", &caller(2), "timeout");
    let foreign = SigningKey::from_bytes(&rand::random());
    let before = h.counts();

    let missing = h.post(&genuine, Sign::Missing).await;
    let changed = h
        .post(
            &tampered,
            Sign::Raw {
                signature: &good_signature,
                timestamp: &at.to_string(),
            },
        )
        .await;
    let other_key = h.post(&genuine, Sign::Key(&foreign)).await;
    let stale = h.post(&genuine, Sign::Sandbox { age_s: 6 * 60 }).await;
    let ahead = h.post(&genuine, Sign::Sandbox { age_s: -6 * 60 }).await;
    let garbled = h
        .post(
            &genuine,
            Sign::Raw {
                signature: "not base64!",
                timestamp: &at.to_string(),
            },
        )
        .await;
    let after_refusals = h.counts();
    let accepted = h.post(&genuine, Sign::Sandbox { age_s: 4 * 60 }).await;

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
    assert_eq!(h.calls().len(), 1, "the genuine delivery recorded its call");
}

/// A body over the limit is refused with 413 and one that is not a Telnyx event with 400
/// saying why, and neither changes anything.
#[tokio::test]
async fn oversized_or_unreadable_bodies_are_refused_clearly() {
    let h = Harness::new().await;
    let huge = format!("{{\"data\": \"{}\"}}", "a".repeat(70 * 1024)).into_bytes();
    let before = h.counts();

    let too_big = h.post(&huge, Sign::Sandbox { age_s: 0 }).await;
    let not_json = h.post(b"{\"data\": ", Sign::Sandbox { age_s: 0 }).await;
    let no_id = h
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
    assert_eq!(h.counts(), before, "nothing was recorded");
}

/// Telnyx's retry of an event (same id), and another event about the same call or text,
/// change nothing the second time.
#[tokio::test]
async fn replayed_events_change_nothing_twice() {
    let h = Harness::new().await;
    let call = hangup("ev-call", "leg-7", &caller(1), "user_busy");
    let reply = message_received("ev-reply", "msg-8", &caller(1), "Is Friday free?");
    let same_call_again = hangup("ev-call-2", "leg-7", &caller(1), "user_busy");

    let first = h.post(&call, Sign::Sandbox { age_s: 0 }).await;
    let first_reply = h.post(&reply, Sign::Sandbox { age_s: 0 }).await;
    let after_first = h.counts();
    let retried = h.post(&call, Sign::Sandbox { age_s: 0 }).await;
    let retried_reply = h.post(&reply, Sign::Sandbox { age_s: 0 }).await;
    let other_event = h.post(&same_call_again, Sign::Sandbox { age_s: 0 }).await;

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
    assert_eq!(h.counts(), after_first, "the repeats changed nothing");
    assert_eq!(h.events("call_detected"), 1, "one call detected");
    assert_eq!(h.events("text_scheduled"), 1, "one text scheduled");
    assert_eq!(h.events("reply_received"), 1, "one reply stored");
}

/// With the detail-record polling and the webhooks both on, a missed call and its reply are
/// handled once: one call, one text.
#[tokio::test]
async fn polling_and_webhooks_together_send_one_text() {
    let h = Harness::new().await;
    let control = format!("{}/sandbox/telnyx/webhooks", h.sandbox.base_url());
    let set = h
        .client
        .post(&control)
        .json(&json!({ "url": h.webhook_url }))
        .send()
        .await
        .expect("control API answers");

    h.sandbox()
        .place_call(&caller(1), BUSINESS, CallOutcome::NoAnswer)
        .expect("call placed");
    h.step().await;
    h.sandbox().webhooks_settled().await;
    h.step().await;
    h.sandbox()
        .receive_sms(&caller(1), BUSINESS, "Thanks!")
        .expect("text received");
    h.step().await;
    h.sandbox().webhooks_settled().await;
    h.clock.advance(Duration::seconds(10));
    h.step().await;

    assert_eq!(set.status(), 200, "the control API set the webhook URL");
    assert_eq!(h.texts_to(&caller(1)).len(), 1, "one text-back");
    assert_eq!(h.calls().len(), 1, "one call");
    assert_eq!(h.events("call_detected"), 1, "detected once");
    assert_eq!(h.events("text_scheduled"), 1, "scheduled once");
    assert_eq!(h.events("reply_received"), 1, "the reply stored once");
}

/// A Telnyx ingress serves only the Telnyx route, and refuses to start with Twilio's key.
#[tokio::test]
async fn a_telnyx_ingress_serves_only_telnyx() {
    let h = Harness::new().await;
    let twilio_path = h.webhook_url.replace(paths::TELNYX, paths::SMS);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("port");

    let twilio = h
        .client
        .post(&twilio_path)
        .form(&[("MessageSid", "SM1")])
        .send()
        .await
        .expect("ingress answers");
    let wrong_key = ingress::spawn_on(
        listener,
        h.engine.clone(),
        Signing::TwilioAuthToken(Secret::new("token")),
    );

    assert_eq!(twilio.status(), 404, "no Twilio route for a Telnyx account");
    assert!(
        matches!(wrong_key, Err(IngressError::WrongSigning { .. })),
        "Twilio's key does not verify Telnyx webhooks: {wrong_key:?}"
    );
}
