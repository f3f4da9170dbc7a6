//! The engine against the sandbox's Telnyx API: calls found in Telnyx's call detail records,
//! texts sent through `POST /v2/messages`, over real HTTP on loopback and a real SQLite file.
//!
//! The harness is the Twilio one's in small: a clock the test moves by hand, read by both the
//! engine and the sandbox, and the provider client built from the configuration exactly as
//! `textback run` builds it.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use textback::clock::{Clock, ManualClock, SharedClock};
use textback::config::Config;
use textback::engine::Engine;
use textback::provider::{build, Secret};
use textback::store::Store;
use textback_sandbox::{
    CallOutcome, MessageDirection, RunningSandbox, Sandbox, SandboxMessage, SandboxOptions,
};

const BUSINESS: &str = "+12125550100";

/// Thursday 3 December 2026, 10:00 in New York.
fn ten_am() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 15, 0, 0)
        .single()
        .expect("valid instant")
}

struct Harness {
    _dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    sandbox: RunningSandbox,
    engine: Arc<Engine>,
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
public_key = "{}"
"#,
            sandbox.base_url(),
            sandbox.sandbox().telnyx_public_key(),
        ))
        .expect("test configuration is valid");
        let secret = Secret::new(sandbox.sandbox().auth_token());
        let provider = build(&config.provider, &secret).expect("Telnyx client builds");
        let dir = tempfile::tempdir().expect("temporary folder");
        let store = Arc::new(Store::open(&dir.path().join("textback.db")).expect("store opens"));
        let shared: SharedClock = clock.clone();
        let engine = Engine::new(store, provider, shared, config);
        Self {
            _dir: dir,
            clock,
            sandbox,
            engine,
        }
    }

    /// One round of every engine step at the current time.
    async fn step(&self) {
        self.engine.poll_calls().await.expect("call poll");
        self.engine.poll_messages().await.expect("message poll");
        self.engine.run_due().await.expect("sender round");
    }

    fn texts_to(&self, number: &str) -> Vec<SandboxMessage> {
        self.sandbox
            .sandbox()
            .messages()
            .into_iter()
            .filter(|m| m.direction == MessageDirection::OutboundApi && m.to == number)
            .collect()
    }
}

/// A missed call found in Telnyx's records gets exactly one text, however often the engine
/// polls afterwards; an answered call gets none.
#[tokio::test]
async fn missed_call_gets_exactly_one_text_through_telnyx() {
    let harness = Harness::new().await;
    let missed = "+12125552001";
    let answered = "+12125552002";
    let sandbox = harness.sandbox.sandbox();
    sandbox
        .place_call(missed, BUSINESS, CallOutcome::NoAnswer)
        .expect("call placed");
    sandbox
        .place_call(answered, BUSINESS, CallOutcome::Answered)
        .expect("call placed");

    for _ in 0..4 {
        harness.step().await;
        harness.clock.advance(Duration::seconds(10));
    }

    let texts = harness.texts_to(missed);
    assert_eq!(
        texts.len(),
        1,
        "exactly one text to the missed caller: {texts:?}"
    );
    assert_eq!(
        texts[0].from, BUSINESS,
        "sent from the number that was called"
    );
    assert!(
        texts[0].body.contains("Harbor Dental"),
        "the business-hours template: {}",
        texts[0].body
    );
    assert!(
        harness.texts_to(answered).is_empty(),
        "an answered call is not texted"
    );
}
