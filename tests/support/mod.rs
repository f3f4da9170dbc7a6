//! A Textback engine wired to a sandbox over real HTTP on loopback and a real SQLite file,
//! with a clock the test moves by hand. Both the engine and the sandbox read that clock, so a
//! call's end, the grace and a follow-up "tomorrow at 10:00" line up without sleeping.
//!
//! Also what tests that run the engine their own way share: starting the sandbox, waiting
//! for a condition, the `textback run` process and the files it runs on ([`process`]), and
//! the tally of what the business sent ([`texts`]).

#![allow(
    dead_code,
    reason = "each test binary compiles this module and uses only part of it"
)]

pub mod process;
pub mod texts;

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, TimeZone, Utc};
use textback::clock::{Clock, ManualClock, SharedClock};
use textback::config::Config;
use textback::engine::{Engine, EngineHandle};
use textback::provider::{build, Secret};
use textback::store::{self, Store};
use textback_provider::twilio::{Credentials, RetryPolicy, TwilioClient, TwilioConfig};
use textback_provider::Provider;
use textback_sandbox::{
    CallOutcome, MessageDirection, RunningSandbox, Sandbox, SandboxMessage, SandboxOptions,
};

/// The business number callers dial.
pub const BUSINESS: &str = "+12125550100";
/// A second business line.
pub const SECOND_LINE: &str = "+12125550101";

/// Thursday 3 December 2026, 10:00 in New York.
pub fn ten_am() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 15, 0, 0).unwrap()
}

/// A distinct US mobile-style caller number.
pub fn caller(n: u32) -> String {
    format!("+1212555{:04}", 2000 + n)
}

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    pub sandbox: RunningSandbox,
    pub engine: Arc<Engine>,
    pub handle: EngineHandle,
}

impl Harness {
    /// An engine for "Harbor Dental" at 10:00 on a Thursday on the sandbox's Twilio API, with
    /// `rules` and further TOML appended to the configuration.
    pub async fn new(extra: &str) -> Self {
        Self::starting_at(ten_am(), extra).await
    }

    /// The same engine with the clock at `start`.
    pub async fn starting_at(start: DateTime<Utc>, extra: &str) -> Self {
        let clock = ManualClock::new(start);
        let sandbox = serve_sandbox_with_clock(&clock).await;
        let rest = format!(
            r#"
[provider]
kind = "sandbox"
base_url = "{}"
account_sid = "{}"

[[staff]]
name = "Dana"
number = "+12125550199"

{extra}
"#,
            sandbox.base_url(),
            sandbox.sandbox().account_sid(),
        );
        let config = harbor_dental(&[BUSINESS, SECOND_LINE], &rest);
        let provider = fast_client(&sandbox);
        Self::assemble(clock, sandbox, provider, config)
    }

    /// An engine for "Harbor Dental" at 10:00 on a Thursday on the sandbox's Telnyx API, with
    /// `extra` TOML appended to the configuration. The client is built from the configuration
    /// exactly as `textback run` builds it.
    pub async fn telnyx(extra: &str) -> Self {
        let clock = ManualClock::new(ten_am());
        let sandbox = serve_sandbox_with_clock(&clock).await;
        let rest = format!(
            r#"
[provider]
kind = "telnyx"
base_url = "{}"
public_key = "{}"

{extra}
"#,
            sandbox.base_url(),
            sandbox.sandbox().telnyx_public_key(),
        );
        let config = harbor_dental(&[BUSINESS], &rest);
        let secret = Secret::new(sandbox.sandbox().auth_token());
        let provider = build(&config.provider, &secret).expect("Telnyx client builds");
        Self::assemble(clock, sandbox, provider, config)
    }

    /// Puts an engine with `config` and `provider` on a fresh SQLite file, reading `clock`.
    fn assemble(
        clock: Arc<ManualClock>,
        sandbox: RunningSandbox,
        provider: Arc<dyn Provider>,
        config: Config,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&dir.path().join("textback.db")).unwrap());
        let shared: SharedClock = clock.clone();
        let engine = Engine::new(store, provider, shared, config);
        let handle = EngineHandle::idle(engine.clone());
        Self {
            dir,
            clock,
            sandbox,
            engine,
            handle,
        }
    }

    pub fn sandbox(&self) -> &Sandbox {
        self.sandbox.sandbox()
    }

    pub fn store(&self) -> &Arc<Store> {
        self.engine.store()
    }

    /// A call from `from` to the main line, ending now.
    pub fn call(&self, from: &str, outcome: CallOutcome) -> String {
        self.sandbox()
            .place_call(from, BUSINESS, outcome)
            .expect("call placed")
    }

    /// A text from `from` to the main line.
    pub fn sms(&self, from: &str, body: &str) -> String {
        self.sandbox()
            .receive_sms(from, BUSINESS, body)
            .expect("text received")
    }

    /// One round of every engine step at the current time.
    pub async fn step(&self) {
        self.engine.poll_calls().await.expect("call poll");
        self.engine.poll_messages().await.expect("message poll");
        self.engine.run_due().await.expect("sender round");
    }

    pub fn advance(&self, seconds: i64) {
        self.clock.advance(Duration::seconds(seconds));
    }

    /// Texts the business sent to `number`, oldest first.
    pub fn texts_to(&self, number: &str) -> Vec<SandboxMessage> {
        self.sandbox()
            .messages()
            .into_iter()
            .filter(|m| m.direction == MessageDirection::OutboundApi && m.to == number)
            .collect()
    }

    pub fn outbound_count(&self) -> usize {
        self.sandbox()
            .messages()
            .iter()
            .filter(|m| m.direction == MessageDirection::OutboundApi)
            .count()
    }

    /// The stored calls, oldest first.
    pub fn calls(&self) -> Vec<store::Call> {
        let mut calls = self.store().read(|c| store::calls(c, None, 500)).unwrap();
        calls.reverse();
        calls
    }

    pub fn call_by_sid(&self, sid: &str) -> store::Call {
        self.calls()
            .into_iter()
            .find(|c| c.sid == sid)
            .expect("call recorded")
    }
}

/// The configuration of "Harbor Dental" in New York, answering on `numbers`, with `rest` (the
/// provider and anything else) after its business section.
fn harbor_dental(numbers: &[&str], rest: &str) -> Config {
    let numbers: Vec<String> = numbers.iter().map(|n| format!("{n:?}")).collect();
    let numbers = numbers.join(", ");
    Config::from_toml(&format!(
        r#"
[business]
name = "Harbor Dental"
time_zone = "America/New_York"
numbers = [{numbers}]
booking_link = "https://harbor.example/book"
{rest}"#
    ))
    .expect("test configuration is valid")
}

/// A Twilio client for the sandbox that retries quickly, so fault tests stay short.
pub fn fast_client(sandbox: &RunningSandbox) -> Arc<dyn Provider> {
    let credentials = Credentials::AuthToken {
        account_sid: sandbox.sandbox().account_sid().to_owned(),
        auth_token: sandbox.sandbox().auth_token().to_owned(),
    };
    let mut config = TwilioConfig::new(credentials);
    config.base_url = sandbox.base_url();
    config.retry = RetryPolicy {
        max_attempts: 3,
        base_delay: StdDuration::from_millis(1),
        max_delay: StdDuration::from_millis(5),
    };
    config.timeout = StdDuration::from_secs(5);
    Arc::new(TwilioClient::new(config).expect("client builds"))
}

/// Serves a sandbox with `options` on a free loopback port, for as long as the returned server
/// lives.
pub async fn serve_sandbox(options: SandboxOptions) -> RunningSandbox {
    Sandbox::new(options)
        .spawn("127.0.0.1:0")
        .await
        .expect("the sandbox binds a loopback port")
}

/// Serves a sandbox that reads `clock`, so that it and an engine reading the same clock agree
/// on the time the test sets.
pub async fn serve_sandbox_with_clock(clock: &Arc<ManualClock>) -> RunningSandbox {
    let sandbox_clock = clock.clone();
    serve_sandbox(SandboxOptions {
        clock: Arc::new(move || sandbox_clock.now()),
        ..SandboxOptions::default()
    })
    .await
}

/// Checks `done` every 100 ms until it holds, or fails once `patience` has passed, for tests
/// that wait on an engine running on the real clock.
pub async fn wait_until(
    patience: StdDuration,
    mut done: impl FnMut() -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + patience;
    while !done() {
        if Instant::now() > deadline {
            return Err(format!("still not done after {patience:?}"));
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    Ok(())
}
