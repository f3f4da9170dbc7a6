//! CRM webhooks end to end: the engine against the sandbox, posting to a receiver on loopback
//! that checks signatures the way a CRM's receiver would, with time moved by hand.

mod support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use textback::clock::{Clock, ManualClock};
use textback::config::{Config, Webhook};
use textback::crm;
use textback::store::{ConversationStatus, Store};
use textback::{Engine, EngineHandle};
use textback_sandbox::CallOutcome;

use support::{caller, fast_client, Harness};

const SECRET: &str = "whsec_test_5f1c";

/// How the receiver answers.
const ANSWER_OK: u8 = 0;
const ANSWER_500: u8 = 1;
const ANSWER_GONE: u8 = 2;

/// A CRM's webhook receiver: verifies each request's signature, rejects a stale timestamp and
/// records the event ids it accepted.
struct Receiver {
    /// The engine's clock once attached: the receiver's "now", as a real receiver reads the
    /// same wall clock as the engine.
    clock: Mutex<Option<Arc<ManualClock>>>,
    answer: AtomicU8,
    delay_ms: AtomicU64,
    accepted: Mutex<Vec<serde_json::Value>>,
    rejected: Mutex<Vec<String>>,
}

impl Receiver {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            clock: Mutex::new(None),
            answer: AtomicU8::new(ANSWER_OK),
            delay_ms: AtomicU64::new(0),
            accepted: Mutex::new(Vec::new()),
            rejected: Mutex::new(Vec::new()),
        })
    }

    /// Serves on `addr` (port 0 for any) and returns the webhook url.
    async fn serve(self: &Arc<Self>, addr: SocketAddr) -> String {
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}/hook")
    }

    fn attach(&self, clock: Arc<ManualClock>) {
        *self.clock.lock().unwrap() = Some(clock);
    }

    fn now(&self) -> i64 {
        let clock = self.clock.lock().unwrap().clone();
        clock
            .expect("attached to the engine's clock")
            .now()
            .timestamp()
    }

    fn set_answer(&self, answer: u8) {
        self.answer.store(answer, Ordering::SeqCst);
    }

    fn ids(&self) -> Vec<String> {
        let accepted = self.accepted.lock().unwrap();
        accepted
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect()
    }

    fn types(&self) -> Vec<String> {
        let accepted = self.accepted.lock().unwrap();
        accepted
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_owned())
            .collect()
    }

    fn rejected(&self) -> Vec<String> {
        self.rejected.lock().unwrap().clone()
    }
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let delay = receiver.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(StdDuration::from_millis(delay)).await;
    }
    match receiver.answer.load(Ordering::SeqCst) {
        ANSWER_500 => return StatusCode::INTERNAL_SERVER_ERROR,
        ANSWER_GONE => return StatusCode::GONE,
        _ => {}
    }
    if let Err(why) = verify(&headers, &body, receiver.now()) {
        receiver.rejected.lock().unwrap().push(why);
        return StatusCode::UNAUTHORIZED;
    }
    let event: serde_json::Value = serde_json::from_slice(&body).expect("the body is JSON");
    receiver.accepted.lock().unwrap().push(event);
    StatusCode::OK
}

/// A receiver's check: recompute HMAC-SHA256 over "t.body", compare in constant time, refuse a
/// timestamp more than five minutes from now.
fn verify(headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), String> {
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
    if content_type != Some("application/json") {
        return Err(format!("content type {content_type:?}"));
    }
    let header = headers
        .get("textback-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or("no signature")?;
    let fields: HashMap<&str, &str> = header
        .split(',')
        .filter_map(|part| part.split_once('='))
        .collect();
    let t: i64 = fields.get("t").and_then(|t| t.parse().ok()).ok_or("no t")?;
    let v1 = fields.get("v1").and_then(|v| hex(v)).ok_or("no v1")?;
    if (now - t).abs() > 300 {
        return Err(format!("stale timestamp {t}"));
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&v1)
        .map_err(|_| "bad signature".to_owned())
}

fn hex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn webhook_config(url: &str) -> String {
    format!("[rules]\ngrace = \"0s\"\n\n[[webhooks]]\nurl = \"{url}\"\nsecret_env = \"CRM_SECRET\"")
}

fn secrets(engine: &Engine) -> crm::WebhookSecrets {
    crm::secrets_with(&engine.config().webhooks, |name| {
        (name == "CRM_SECRET").then(|| SECRET.to_owned())
    })
    .expect("the secret is found")
}

/// A harness with a receiver configured as its one endpoint, connected.
async fn with_receiver() -> (Harness, Arc<Receiver>, String) {
    let receiver = Receiver::new();
    let url = receiver.serve(([127, 0, 0, 1], 0).into()).await;
    let h = Harness::new(&webhook_config(&url)).await;
    receiver.attach(h.clock.clone());
    h.engine.connect_webhooks(secrets(&h.engine)).unwrap();
    (h, receiver, url)
}

/// A missed call texted back, a reply, a status change and an opt-out.
async fn a_conversation(h: &Harness, n: u32) {
    h.call(&caller(n), CallOutcome::NoAnswer);
    h.step().await;
    h.sms(&caller(n), "Do you have anything Friday?");
    h.step().await;
    let conversation = h
        .calls()
        .iter()
        .find(|c| c.from == caller(n))
        .and_then(|c| c.conversation_id)
        .expect("a conversation");
    h.handle
        .set_status(conversation, ConversationStatus::Booked)
        .unwrap();
    h.sms(&caller(n), "STOP");
    h.step().await;
}

/// The payload ids of every stored event a CRM should get, in log order.
fn expected_ids(store: &Store) -> Vec<String> {
    store
        .read(|c| {
            let mut statement = c.prepare("SELECT id, kind, data FROM events ORDER BY id")?;
            let rows = statement.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            let mut ids = Vec::new();
            for row in rows {
                let (id, kind, data) = row?;
                let missed = !data.contains("\"missed\":false");
                if crm::payload_type(&kind).is_some() && (kind != "call_detected" || missed) {
                    ids.push(format!("evt_{id}"));
                }
            }
            Ok(ids)
        })
        .unwrap()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn every_event_of_interest_arrives_once_and_signed() {
    let (h, receiver, _) = with_receiver().await;
    a_conversation(&h, 1).await;
    h.call(&caller(2), CallOutcome::Answered);
    h.step().await;

    let report = h.engine.deliver_webhooks().await.unwrap();
    let again = h.engine.deliver_webhooks().await.unwrap();

    let types = receiver.types();
    for wanted in [
        "call.missed",
        "text.sent",
        "reply.received",
        "conversation.status_changed",
        "contact.opted_out",
    ] {
        assert!(
            types.iter().any(|t| t == wanted),
            "{wanted} arrives: {types:?}"
        );
    }
    assert_eq!(
        types.iter().filter(|t| *t == "call.missed").count(),
        1,
        "the answered call is not a missed call"
    );
    assert_eq!(
        sorted(receiver.ids()),
        sorted(expected_ids(h.store())),
        "each event exactly once"
    );
    assert!(receiver.rejected().is_empty(), "every signature checks out");
    assert_eq!(
        report.delivered,
        receiver.ids().len(),
        "the round reports them"
    );
    assert_eq!(
        again.queued + again.delivered,
        0,
        "a second round sends nothing"
    );
}

#[tokio::test]
async fn the_payload_carries_the_documented_fields() {
    let (h, receiver, _) = with_receiver().await;
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;

    h.engine.deliver_webhooks().await.unwrap();

    let accepted = receiver.accepted.lock().unwrap().clone();
    let missed = accepted
        .iter()
        .find(|e| e["type"] == "call.missed")
        .expect("the missed call arrived");
    let keys: Vec<&String> = missed.as_object().unwrap().keys().collect();
    assert_eq!(
        keys.len(),
        4,
        "id, type, created_at and data only: {keys:?}"
    );
    assert!(
        missed["id"].as_str().unwrap().starts_with("evt_"),
        "a stable event id"
    );
    let created_at = missed["created_at"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(created_at).is_ok(),
        "created_at is RFC 3339: {created_at}"
    );
    assert_eq!(missed["data"]["from"], caller(1), "the caller");
    assert_eq!(missed["data"]["customer_number"], caller(1), "the customer");
}

#[tokio::test]
async fn a_failing_receiver_gets_everything_once_when_it_recovers() {
    let (h, receiver, url) = with_receiver().await;
    receiver.set_answer(ANSWER_500);
    a_conversation(&h, 1).await;

    let failing = h.engine.deliver_webhooks().await.unwrap();
    receiver.set_answer(ANSWER_OK);
    let too_soon = h.engine.deliver_webhooks().await.unwrap();
    h.advance(3600);
    h.engine.deliver_webhooks().await.unwrap();
    h.advance(3600);
    h.engine.deliver_webhooks().await.unwrap();

    assert!(failing.retrying > 0, "the 500s are retried");
    assert_eq!(
        too_soon.delivered, 0,
        "nothing is retried before its backoff"
    );
    assert_eq!(
        sorted(receiver.ids()),
        sorted(expected_ids(h.store())),
        "each event exactly once after the outage"
    );
    let recent = h.handle.recent_deliveries(500).unwrap();
    assert!(
        recent
            .iter()
            .any(|a| a.status == Some(500) && a.outcome == "retrying" && a.url == url),
        "the failures are listed"
    );
    assert!(
        recent.iter().any(|a| a.outcome == "delivered"),
        "and so are the deliveries"
    );
}

#[tokio::test]
async fn a_receiver_that_was_not_running_gets_everything_once_when_it_starts() {
    let spare = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = spare.local_addr().unwrap();
    drop(spare);
    let url = format!("http://{addr}/hook");
    let h = Harness::new(&webhook_config(&url)).await;
    let receiver = Receiver::new();
    receiver.attach(h.clock.clone());
    h.engine.connect_webhooks(secrets(&h.engine)).unwrap();
    a_conversation(&h, 1).await;

    let refused = h.engine.deliver_webhooks().await.unwrap();
    receiver.serve(addr).await;
    h.advance(3600);
    h.engine.deliver_webhooks().await.unwrap();

    assert!(refused.retrying > 0, "refused connections are retried");
    assert_eq!(
        sorted(receiver.ids()),
        sorted(expected_ids(h.store())),
        "each event exactly once once the receiver runs"
    );
}

#[tokio::test]
async fn a_restart_loses_nothing_and_sends_nothing_twice() {
    let (h, receiver, _) = with_receiver().await;
    a_conversation(&h, 1).await;
    h.engine.deliver_webhooks().await.unwrap();
    let before = receiver.ids().len();
    // Committed while no sender runs: the old engine is about to go away.
    a_conversation(&h, 2).await;

    let store = Arc::new(Store::open(h.store().path()).unwrap());
    let config: Config = (*h.engine.config()).clone();
    let restarted = Engine::new(store, fast_client(&h.sandbox), h.clock.clone(), config);
    restarted.connect_webhooks(secrets(&restarted)).unwrap();
    restarted.deliver_webhooks().await.unwrap();
    restarted.deliver_webhooks().await.unwrap();

    assert!(before > 0, "the first engine delivered some");
    assert!(
        receiver.ids().len() > before,
        "the restarted one delivered the rest"
    );
    assert_eq!(
        sorted(receiver.ids()),
        sorted(expected_ids(h.store())),
        "each event exactly once across the restart"
    );
}

#[tokio::test]
async fn a_delivery_is_retried_for_a_day_then_recorded_as_failed() {
    let (h, receiver, url) = with_receiver().await;
    receiver.set_answer(ANSWER_500);
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;

    let mut rounds = 0;
    for _ in 0..30 {
        h.engine.deliver_webhooks().await.unwrap();
        h.advance(3600);
        rounds += 1;
    }
    h.engine.deliver_webhooks().await.unwrap();

    let endpoint = &h.handle.webhook_endpoints().unwrap()[0];
    assert_eq!(endpoint.url, url, "the configured endpoint");
    assert_eq!(
        endpoint.pending, 0,
        "nothing is retried after {rounds} hours"
    );
    assert_eq!(
        endpoint.failed as usize,
        expected_ids(h.store()).len(),
        "every delivery is recorded as failed"
    );
    let recent = h.handle.recent_deliveries(10).unwrap();
    assert_eq!(
        recent[0].outcome, "failed",
        "the last attempt says it gave up"
    );
    assert!(
        recent.iter().filter(|a| a.outcome == "retrying").count() > 1,
        "after retries"
    );
}

#[tokio::test]
async fn a_gone_endpoint_gets_nothing_more_until_a_test_event_succeeds() {
    let (h, receiver, url) = with_receiver().await;
    receiver.set_answer(ANSWER_GONE);
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;
    h.engine.deliver_webhooks().await.unwrap();
    receiver.set_answer(ANSWER_OK);

    h.call(&caller(2), CallOutcome::NoAnswer);
    h.step().await;
    h.advance(3600);
    let while_gone = h.engine.deliver_webhooks().await.unwrap();
    let test = h.handle.send_test_event(&url).await.unwrap();
    h.call(&caller(3), CallOutcome::NoAnswer);
    h.step().await;
    h.engine.deliver_webhooks().await.unwrap();

    assert_eq!(
        while_gone.delivered + while_gone.queued,
        0,
        "nothing after a 410"
    );
    assert_eq!(test.outcome, "delivered", "the test event went through");
    assert_eq!(test.status, Some(200), "with the receiver's status");
    let types = receiver.types();
    assert_eq!(types[0], "test", "the test event arrived first");
    assert!(
        types.iter().filter(|t| *t == "call.missed").count() == 1,
        "only the call after the revival arrived: {types:?}"
    );
    assert!(
        receiver.rejected().is_empty(),
        "the test event is signed too"
    );
}

#[tokio::test]
async fn the_endpoints_list_says_how_each_stands() {
    let (h, _receiver, url) = with_receiver().await;
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;
    h.engine.deliver_webhooks().await.unwrap();

    let endpoints = h.handle.webhook_endpoints().unwrap();

    assert_eq!(endpoints.len(), 1, "one endpoint configured");
    assert_eq!(endpoints[0].url, url, "by its url");
    assert_eq!(
        endpoints[0].secret_env, "CRM_SECRET",
        "naming the variable, not the secret"
    );
    assert!(endpoints[0].connected, "its secret was handed in");
    assert_eq!(
        endpoints[0].delivered as usize,
        expected_ids(h.store()).len(),
        "every event so far"
    );
    assert!(
        h.handle
            .send_test_event("http://127.0.0.1:1/other")
            .await
            .is_err(),
        "a test event only goes to a configured endpoint"
    );
}

#[tokio::test]
async fn a_missing_secret_names_its_variable() {
    let hooks = [Webhook {
        url: "https://hooks.example/textback".into(),
        secret_env: "TEXTBACK_TEST_UNSET_CRM_SECRET".into(),
    }];

    let error = crm::secrets_from_env(&hooks).unwrap_err();

    assert!(
        error.contains("TEXTBACK_TEST_UNSET_CRM_SECRET"),
        "the error names the variable: {error}"
    );
}

#[tokio::test]
async fn a_slow_receiver_does_not_delay_a_text_back() {
    let (h, receiver, _) = with_receiver().await;
    receiver.delay_ms.store(30_000, Ordering::SeqCst);
    h.call(&caller(1), CallOutcome::NoAnswer);
    let started = std::time::Instant::now();
    let handle = EngineHandle::start(h.engine.clone());

    let mut texted = false;
    while started.elapsed() < StdDuration::from_secs(8) {
        if h.texts_to(&caller(1)).len() == 1 {
            texted = true;
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    let waited = started.elapsed();
    handle.stop().await;

    assert!(texted, "the text went out while the receiver was stuck");
    assert!(
        waited < StdDuration::from_secs(7),
        "within a poll or so, not after the webhook timeout: {waited:?}"
    );
    assert!(
        receiver.ids().is_empty(),
        "the receiver had answered nothing yet"
    );
}

/// Pruning deletes delivered and given-up deliveries, and attempts, older than 30 days, and
/// keeps recent ones and everything still pending.
#[tokio::test]
async fn old_finished_deliveries_are_pruned_and_recent_ones_kept() {
    let (h, receiver, _) = with_receiver().await;
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;
    h.engine.deliver_webhooks().await.unwrap();
    let old_delivered = h.handle.webhook_endpoints().unwrap()[0].delivered;
    receiver.set_answer(ANSWER_500);
    h.call(&caller(2), CallOutcome::NoAnswer);
    h.step().await;
    for _ in 0..26 {
        h.engine.deliver_webhooks().await.unwrap();
        h.advance(3600);
    }
    h.advance(31 * 86_400);
    receiver.set_answer(ANSWER_OK);
    h.call(&caller(3), CallOutcome::NoAnswer);
    h.step().await;
    h.engine.deliver_webhooks().await.unwrap();
    receiver.set_answer(ANSWER_500);
    h.call(&caller(4), CallOutcome::NoAnswer);
    h.step().await;
    h.engine.deliver_webhooks().await.unwrap();
    let before = h.handle.webhook_endpoints().unwrap()[0].clone();
    let cutoff = (h.clock.now() - crm::KEEP_FOR).timestamp_millis();

    let pruned = h.engine.prune_webhooks().unwrap();

    let after = &h.handle.webhook_endpoints().unwrap()[0];
    let attempts = |sql: &str| -> i64 {
        h.store()
            .read(|c| Ok(c.query_row(sql, [cutoff], |r| r.get(0))?))
            .unwrap()
    };
    assert!(
        old_delivered > 0 && before.failed > 0 && before.pending > 0,
        "the setup made old delivered, old given-up and pending rows: {before:?}"
    );
    assert_eq!(
        after.delivered,
        before.delivered - old_delivered,
        "the old delivered rows went, the recent ones stayed"
    );
    assert_eq!(after.failed, 0, "the old given-up rows went");
    assert_eq!(
        after.pending, before.pending,
        "pending rows are never pruned"
    );
    assert_eq!(
        attempts("SELECT COUNT(*) FROM webhook_attempts WHERE at < ?1"),
        0,
        "no attempt older than 30 days is left"
    );
    assert!(
        attempts("SELECT COUNT(*) FROM webhook_attempts WHERE at >= ?1") > 0,
        "recent attempts are kept"
    );
    assert!(
        pruned as u32 > old_delivered + before.failed,
        "the count covers the deliveries and their attempts: {pruned}"
    );
}
