//! The pipeline benchmark's rig: a sandbox on loopback, a fresh database and an engine wired
//! to them the way demo mode wires them, and [`Probe`], the provider wrapper that notes when
//! things happen.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use async_trait::async_trait;
use textback::clock::{SharedClock, SystemClock};
use textback::config::Config;
use textback::provider::{self, Secret};
use textback::store::Store;
use textback::Engine;
use textback_provider::{
    CallQuery, CallRecord, MessageQuery, MessageRecord, NewMessage, Provider, ProviderError,
};
use textback_sandbox::{MessageDirection, RunningSandbox, Sandbox, SandboxOptions};
use tokio::sync::watch;

/// A sandbox serving on loopback and an engine working against it, on its own database.
pub struct Rig {
    sandbox: RunningSandbox,
    pub engine: Arc<Engine>,
    pub probe: Arc<Probe>,
    /// Holds the database file until the rig is dropped.
    _dir: tempfile::TempDir,
}

impl Rig {
    /// Wires a fresh sandbox, database and engine the way demo mode does, with rules that let
    /// every call through at once, polling every `poll_interval_s` seconds once started.
    pub async fn start(numbers: &[String], poll_interval_s: u64) -> anyhow::Result<Self> {
        let sandbox = Sandbox::new(SandboxOptions::default());
        let secret = Secret::new(sandbox.auth_token());
        let account_sid = sandbox.account_sid().to_owned();
        let running = sandbox.spawn("127.0.0.1:0").await?;
        let config = config(&running.base_url(), &account_sid, numbers, poll_interval_s)?;

        let dir = tempfile::tempdir()?;
        let store = Arc::new(Store::open(&dir.path().join("textback.db"))?);
        let client = provider::build(&config.provider, &secret).map_err(|e| anyhow!(e))?;
        let probe = Probe::wrap(client);
        let clock: SharedClock = Arc::new(SystemClock);
        let engine = Engine::new(store, probe.clone(), clock, config);
        Ok(Self {
            sandbox: running,
            engine,
            probe,
            _dir: dir,
        })
    }

    pub fn sandbox(&self) -> &Sandbox {
        self.sandbox.sandbox()
    }

    /// How many texts the sandbox holds for each recipient.
    pub fn texts_by_recipient(&self) -> HashMap<String, usize> {
        let mut texts = HashMap::new();
        for message in self.sandbox().messages() {
            if message.direction != MessageDirection::Inbound {
                *texts.entry(message.to).or_insert(0) += 1;
            }
        }
        texts
    }

    /// The failed checks of "exactly one text per caller, and none to anyone else", with a
    /// few of the callers it failed for.
    pub fn one_text_each(&self, callers: &[String], run: &str) -> Vec<String> {
        let texts = self.texts_by_recipient();
        let wrong: Vec<String> = callers
            .iter()
            .map(|caller| (caller, texts.get(caller).copied().unwrap_or(0)))
            .filter(|(_, n)| *n != 1)
            .map(|(caller, n)| format!("{caller} got {n}"))
            .collect();
        let mut failures = Vec::new();
        if !wrong.is_empty() {
            failures.push(format!(
                "{run}: {} of {} callers did not get exactly one text ({}, ...)",
                wrong.len(),
                callers.len(),
                wrong[..wrong.len().min(3)].join(", ")
            ));
        }
        if texts.len() > callers.len() {
            failures.push(format!(
                "{run}: texts went to {} numbers, only {} called",
                texts.len(),
                callers.len()
            ));
        }
        failures
    }
}

/// The engine's configuration: the sandbox as provider, texts due as soon as a call ends, no
/// quiet hours, no follow-ups, and caps too high to reach.
fn config(
    base_url: &str,
    account_sid: &str,
    numbers: &[String],
    poll_interval_s: u64,
) -> anyhow::Result<Config> {
    let numbers: Vec<String> = numbers.iter().map(|n| format!("\"{n}\"")).collect();
    let text = format!(
        r#"
[business]
name = "Harbor Dental (bench)"
time_zone = "America/New_York"
numbers = [{numbers}]
booking_link = "https://harbor.example/book"

[provider]
kind = "sandbox"
base_url = "{base_url}"
account_sid = "{account_sid}"
poll_interval = "{poll_interval_s}s"

[rules]
grace = "0s"
quiet_hours = "off"
follow_ups = []
daily_cap = 1000000
hourly_cap = 1000000
"#,
        numbers = numbers.join(", ")
    );
    Config::from_toml(&text).context("the benchmark configuration")
}

/// `count` business numbers, `+12125550100` upwards.
pub fn business_numbers(count: usize) -> Vec<String> {
    (0..count)
        .map(|k| format!("+1212555{:04}", 100 + k))
        .collect()
}

/// The `i`th caller of a run; each run has its own exchange, so no caller calls twice.
pub fn caller(exchange: u32, i: usize) -> String {
    format!("+1212{exchange}{i:04}")
}

/// The real provider, noting when each call was first listed and when each send began.
pub struct Probe {
    inner: Arc<dyn Provider>,
    marks: Mutex<Marks>,
    /// How many sends the provider accepted.
    sent: watch::Sender<usize>,
}

#[derive(Default)]
struct Marks {
    /// When a list of calls first returned each caller's parent leg.
    seen: HashMap<String, Instant>,
    /// When the first send to each number began.
    send_began: HashMap<String, Instant>,
}

impl Probe {
    fn wrap(inner: Arc<dyn Provider>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            marks: Mutex::default(),
            sent: watch::Sender::new(0),
        })
    }

    fn marks(&self) -> MutexGuard<'_, Marks> {
        self.marks.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// From the call's first listing to the start of the send of its text.
    pub fn overhead(&self, caller: &str) -> anyhow::Result<Duration> {
        let marks = self.marks();
        let seen = marks
            .seen
            .get(caller)
            .context("the call was never listed")?;
        let began = marks
            .send_began
            .get(caller)
            .context("the text was never sent")?;
        Ok(began.saturating_duration_since(*seen))
    }

    pub fn send_began(&self, to: &str) -> Option<Instant> {
        self.marks().send_began.get(to).copied()
    }

    /// When the last of the calls was first listed.
    pub fn last_seen(&self) -> Option<Instant> {
        self.marks().seen.values().max().copied()
    }

    /// Waits until `count` sends were accepted; false if `timeout` passed first.
    pub async fn wait_for_sends(&self, count: usize, timeout: Duration) -> bool {
        let mut sent = self.sent.subscribe();
        tokio::time::timeout(timeout, sent.wait_for(|n| *n >= count))
            .await
            .is_ok_and(|waited| waited.is_ok())
    }
}

#[async_trait]
impl Provider for Probe {
    async fn list_calls(&self, query: &CallQuery) -> Result<Vec<CallRecord>, ProviderError> {
        let calls = self.inner.list_calls(query).await?;
        let now = Instant::now();
        let mut marks = self.marks();
        for call in calls.iter().filter(|c| c.parent_call_sid.is_none()) {
            marks.seen.entry(call.from.clone()).or_insert(now);
        }
        Ok(calls)
    }

    async fn list_messages(
        &self,
        query: &MessageQuery,
    ) -> Result<Vec<MessageRecord>, ProviderError> {
        self.inner.list_messages(query).await
    }

    async fn send_message(&self, message: &NewMessage) -> Result<MessageRecord, ProviderError> {
        let now = Instant::now();
        self.marks()
            .send_began
            .entry(message.to.clone())
            .or_insert(now);
        let sent = self.inner.send_message(message).await;
        if sent.is_ok() {
            self.sent.send_modify(|n| *n += 1);
        }
        sent
    }

    async fn fetch_message(&self, sid: &str) -> Result<MessageRecord, ProviderError> {
        self.inner.fetch_message(sid).await
    }
}
