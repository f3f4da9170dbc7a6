//! The pipeline benchmark: from a missed call to the text that answers it, with the engine and
//! the sandbox in one process, real HTTP on loopback and a real SQLite file.
//!
//! Three runs, each on a fresh sandbox and database so one cannot slow the next:
//!
//! - **Engine overhead.** Calls one at a time, driven by the engine's public steps
//!   (`poll_calls`, then `run_due`). Measured from the moment the provider's list of parent legs
//!   returned the call to the moment the text's send request began. That span holds everything
//!   the engine does for a call: the child-leg look-up over HTTP, the rules, the transaction that
//!   records the call and schedules the text, the sender's read of the outbox and the
//!   transaction that claims the text.
//! - **Poll latency.** The background tasks running as in production, calls placed at random
//!   moments; measured from placing the call (the sandbox records it as just ended) to the send
//!   request. Mostly the wait for the next poll, so the figure is read against the interval.
//! - **Burst.** Thousands of missed calls already waiting at the sandbox when the background
//!   tasks start; timed until the last text exists at the sandbox, then checked for exactly one
//!   text per caller.
//! - **CRM webhooks.** Thousands of missed-call events in the log and one CRM endpoint, a
//!   receiver on loopback that checks every signature; timed from the first delivery round until
//!   the receiver holds every event, then checked for exactly one copy of each.
//!
//! The provider the engine uses is the real Twilio client wrapped in
//! [`Probe`](pipeline_rig::Probe), which only notes instants and counts sends; every request
//! still goes over HTTP to the sandbox.

mod common;
mod pipeline_rig;

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use textback::config::RawWebhook;
use textback::events::EventKind;
use textback::EngineHandle;
use textback_sandbox::CallOutcome;

use common::{report, Summary};
use pipeline_rig::{business_numbers, caller, Rig};

/// Calls measured one at a time, after the warm-up calls that open connections.
const OVERHEAD_CALLS: usize = 300;
const WARM_UP_CALLS: usize = 10;

/// The poll interval of the background tasks, in whole seconds as the configuration takes it.
const POLL_INTERVAL_S: u64 = 1;
/// Calls placed at random moments over the spread, while the background tasks run. With 40
/// calls, the p99 is the slowest of them.
const POLL_CALLS: usize = 40;
const POLL_SPREAD: Duration = Duration::from_secs(20);

const BURST_CALLS: usize = 5_000;
const BURST_NUMBERS: usize = 10;
/// The longest the burst may take before the run gives up on it.
const BURST_TIMEOUT: Duration = Duration::from_secs(120);
/// Polls allowed after the last text, so a text sent twice has the chance to show.
const SETTLE_POLLS: u32 = 2;

/// Events in the log for the CRM run, and the longest it may take.
const CRM_EVENTS: usize = 5_000;
const CRM_TIMEOUT: Duration = Duration::from_secs(120);
const CRM_SECRET: &str = "bench-crm-secret";

/// Targets, printed beside the figures and never asserted.
const OVERHEAD_P99_TARGET_MS: f64 = 5.0;
const POLL_MARGIN_TARGET_MS: f64 = 100.0;
const BURST_RATE_TARGET: f64 = 500.0;
const CRM_RATE_TARGET: f64 = 500.0;

fn main() -> ExitCode {
    common::init_tracing();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    common::conclude("pipeline", runtime.block_on(run()))
}

async fn run() -> anyhow::Result<(Value, Vec<String>)> {
    let mut failures = Vec::new();
    let mut rng = StdRng::seed_from_u64(7);

    eprintln!("engine overhead: {OVERHEAD_CALLS} calls, one at a time, by steps");
    let overhead = engine_overhead(&mut failures).await?;
    report(
        "engine overhead p50",
        format!("{:.3} ms", overhead.p50_ms),
        "(none)",
        true,
    );
    report(
        "engine overhead p99",
        format!("{:.3} ms", overhead.p99_ms),
        &format!("< {OVERHEAD_P99_TARGET_MS} ms"),
        overhead.p99_ms < OVERHEAD_P99_TARGET_MS,
    );

    let interval_ms = (POLL_INTERVAL_S * 1000) as f64;
    eprintln!(
        "poll latency: {POLL_CALLS} calls over {} s, polling every {interval_ms} ms",
        POLL_SPREAD.as_secs()
    );
    let poll = poll_latency(&mut rng, &mut failures).await?;
    report(
        "poll latency p50",
        format!("{:.1} ms", poll.p50_ms),
        "(none)",
        true,
    );
    report(
        "poll latency p99",
        format!("{:.1} ms", poll.p99_ms),
        &format!("<= interval + {POLL_MARGIN_TARGET_MS} ms"),
        poll.p99_ms <= interval_ms + POLL_MARGIN_TARGET_MS,
    );

    eprintln!("burst: {BURST_CALLS} missed calls to {BURST_NUMBERS} numbers at once");
    let burst = burst(&mut failures).await?;
    report(
        "burst texts per second",
        format!("{:.0} /s", burst.texts_per_s),
        &format!(">= {BURST_RATE_TARGET} /s"),
        burst.texts_per_s >= BURST_RATE_TARGET,
    );
    report(
        "burst duplicates",
        burst.duplicates.to_string(),
        "0",
        burst.duplicates == 0,
    );

    eprintln!("crm: {CRM_EVENTS} events to one webhook endpoint on loopback");
    let crm = crm_throughput(&mut failures).await?;
    report(
        "crm deliveries per second",
        format!("{:.0} /s", crm.per_s),
        &format!(">= {CRM_RATE_TARGET} /s"),
        crm.per_s >= CRM_RATE_TARGET,
    );
    report(
        "crm duplicates",
        crm.duplicates.to_string(),
        "0",
        crm.duplicates == 0,
    );

    let peak_rss_mb = common::peak_rss_mb();
    if let Some(mb) = peak_rss_mb {
        eprintln!("  peak RSS {mb:.1} MB");
    }
    let figures = json!({
        "bench": "pipeline",
        "engine_overhead": overhead,
        "poll_latency": {
            "interval_ms": interval_ms,
            "n": poll.n,
            "p50_ms": poll.p50_ms,
            "p99_ms": poll.p99_ms,
            "max_ms": poll.max_ms,
        },
        "burst": burst.to_json(),
        "crm": crm.to_json(),
        "peak_rss_mb": peak_rss_mb,
        "targets": {
            "engine_overhead_p99_ms_below": OVERHEAD_P99_TARGET_MS,
            "poll_latency_p99_ms_at_most": interval_ms + POLL_MARGIN_TARGET_MS,
            "burst_texts_per_s_at_least": BURST_RATE_TARGET,
            "burst_duplicates": 0,
            "crm_deliveries_per_s_at_least": CRM_RATE_TARGET,
            "crm_duplicates": 0,
        },
    });
    Ok((figures, failures))
}

/// Calls one at a time, each followed by one poll and one sender round.
///
/// Each poll lists the last few minutes of calls again (the engine's overlap), so by the last
/// call it checks a few hundred known calls before reaching the new one; that is engine work
/// and stays in the figure. The WAL is checkpointed beside the steps, as the running engine's
/// background task does, not inside the commits.
async fn engine_overhead(failures: &mut Vec<String>) -> anyhow::Result<Summary> {
    let business = business_numbers(1);
    let rig = Rig::start(&business, POLL_INTERVAL_S).await?;
    let callers: Vec<String> = (0..WARM_UP_CALLS + OVERHEAD_CALLS)
        .map(|i| caller(301, i))
        .collect();

    let store = rig.engine.store().clone();
    store.defer_checkpoints()?;
    let checkpoints = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let store = store.clone();
            let _ = tokio::task::spawn_blocking(move || store.checkpoint()).await;
        }
    });

    let mut samples = Vec::with_capacity(OVERHEAD_CALLS);
    for (i, caller) in callers.iter().enumerate() {
        rig.sandbox()
            .place_call(caller, &business[0], CallOutcome::NoAnswer)?;
        let polled = rig.engine.poll_calls().await?;
        let sent = rig.engine.run_due().await?;
        if polled.scheduled != 1 || sent.sent != 1 {
            failures.push(format!(
                "overhead call {i}: {} scheduled and {} sent, expected 1 and 1",
                polled.scheduled, sent.sent
            ));
            continue;
        }
        if i >= WARM_UP_CALLS {
            samples.push(rig.probe.overhead(caller)?);
        }
    }

    checkpoints.abort();
    failures.extend(rig.one_text_each(&callers, "overhead"));
    Ok(Summary::of(&samples))
}

/// Calls at random moments while the background tasks poll.
async fn poll_latency(rng: &mut StdRng, failures: &mut Vec<String>) -> anyhow::Result<Summary> {
    let business = business_numbers(1);
    let rig = Rig::start(&business, POLL_INTERVAL_S).await?;
    let mut offsets: Vec<Duration> = (0..POLL_CALLS)
        .map(|_| rng.random_range(Duration::ZERO..POLL_SPREAD))
        .collect();
    offsets.sort_unstable();
    let handle = EngineHandle::start(rig.engine.clone());

    let start = tokio::time::Instant::now();
    let mut placed = Vec::with_capacity(POLL_CALLS);
    for (i, offset) in offsets.into_iter().enumerate() {
        tokio::time::sleep_until(start + offset).await;
        let caller = caller(401, i);
        rig.sandbox()
            .place_call(&caller, &business[0], CallOutcome::NoAnswer)?;
        placed.push((caller, Instant::now()));
    }
    let all_sent = rig
        .probe
        .wait_for_sends(POLL_CALLS, poll_interval() * 10)
        .await;
    handle.stop().await;

    if !all_sent {
        failures.push(format!(
            "poll latency: not every one of {POLL_CALLS} calls was texted"
        ));
    }
    let callers: Vec<String> = placed.iter().map(|(caller, _)| caller.clone()).collect();
    failures.extend(rig.one_text_each(&callers, "poll latency"));
    let samples: Vec<Duration> = placed
        .iter()
        .filter_map(|(caller, at)| Some(rig.probe.send_began(caller)? - *at))
        .collect();
    Ok(Summary::of(&samples))
}

/// What the burst run measured.
struct Burst {
    placing: Duration,
    /// From the start of the background tasks until the last call was listed.
    detected: Duration,
    /// From the start of the background tasks until the last text was at the sandbox.
    elapsed: Duration,
    texts_per_s: f64,
    texts: usize,
    duplicates: usize,
    missing: usize,
}

impl Burst {
    fn to_json(&self) -> Value {
        json!({
            "calls": BURST_CALLS,
            "business_numbers": BURST_NUMBERS,
            "placing_s": common::secs(self.placing),
            "detected_s": common::secs(self.detected),
            "elapsed_s": common::secs(self.elapsed),
            "texts_per_s": self.texts_per_s.round(),
            "texts": self.texts,
            "duplicates": self.duplicates,
            "missing": self.missing,
        })
    }
}

/// Many missed calls waiting at once, worked by the background tasks.
async fn burst(failures: &mut Vec<String>) -> anyhow::Result<Burst> {
    let business = business_numbers(BURST_NUMBERS);
    let rig = Rig::start(&business, POLL_INTERVAL_S).await?;
    let callers: Vec<String> = (0..BURST_CALLS).map(|i| caller(601, i)).collect();
    let placing = Instant::now();
    for (i, caller) in callers.iter().enumerate() {
        let to = &business[i % BURST_NUMBERS];
        rig.sandbox()
            .place_call(caller, to, CallOutcome::NoAnswer)?;
    }
    let placing = placing.elapsed();

    let start = Instant::now();
    let handle = EngineHandle::start(rig.engine.clone());
    let all_sent = rig.probe.wait_for_sends(BURST_CALLS, BURST_TIMEOUT).await;
    let elapsed = start.elapsed();
    tokio::time::sleep(poll_interval() * SETTLE_POLLS).await;
    handle.stop().await;

    if !all_sent {
        failures.push(format!(
            "burst: fewer than {BURST_CALLS} texts after {} s",
            BURST_TIMEOUT.as_secs()
        ));
    }
    let texts = rig.texts_by_recipient();
    let duplicates = texts.values().map(|n| n.saturating_sub(1)).sum();
    let missing = callers.iter().filter(|c| !texts.contains_key(*c)).count();
    failures.extend(rig.one_text_each(&callers, "burst"));
    let detected = rig.probe.last_seen().map_or(elapsed, |at| at - start);
    eprintln!(
        "  placed in {:.2} s; all calls listed after {:.2} s; all texts after {:.2} s",
        placing.as_secs_f64(),
        detected.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    Ok(Burst {
        placing,
        detected,
        elapsed,
        texts_per_s: BURST_CALLS as f64 / elapsed.as_secs_f64(),
        texts: texts.values().sum(),
        duplicates,
        missing,
    })
}

/// What the CRM run measured.
struct Crm {
    elapsed: Duration,
    per_s: f64,
    delivered: usize,
    duplicates: usize,
    missing: usize,
    bad_signatures: usize,
}

impl Crm {
    fn to_json(&self) -> Value {
        json!({
            "events": CRM_EVENTS,
            "concurrency": textback::crm::CONCURRENCY,
            "elapsed_s": common::secs(self.elapsed),
            "deliveries_per_s": self.per_s.round(),
            "delivered": self.delivered,
            "duplicates": self.duplicates,
            "missing": self.missing,
            "bad_signatures": self.bad_signatures,
        })
    }
}

/// What the CRM receiver saw: event ids by count, and requests whose signature failed.
#[derive(Default)]
struct Received {
    ids: HashMap<String, usize>,
    bad_signatures: usize,
}

/// Missed-call events written straight to the log, then delivered by the engine's own rounds
/// to a receiver on loopback that verifies each signature, as a CRM would.
async fn crm_throughput(failures: &mut Vec<String>) -> anyhow::Result<Crm> {
    let business = business_numbers(1);
    let rig = Rig::start(&business, POLL_INTERVAL_S).await?;
    let received = Arc::new(Mutex::new(Received::default()));
    let url = crm_receiver(received.clone()).await?;
    let handle = EngineHandle::idle(rig.engine.clone());
    let mut raw = handle.settings();
    raw.webhooks.push(RawWebhook {
        url: url.clone(),
        secret_env: "BENCH_CRM_SECRET".into(),
    });
    handle.update_settings(raw)?;
    let secrets = textback::crm::secrets_with(&rig.engine.config().webhooks, |_| {
        Some(CRM_SECRET.to_owned())
    })
    .map_err(anyhow::Error::msg)?;
    rig.engine.connect_webhooks(secrets)?;
    let now = rig.engine.now();
    rig.engine.store().write(|tx| {
        for i in 0..CRM_EVENTS {
            let kind = EventKind::CallDetected {
                call_id: i as i64,
                sid: format!("CA{i:032x}"),
                from: caller(701, i),
                to: business[0].clone(),
                outcome: "no-answer".into(),
                missed: true,
            };
            tx.event(now, None, kind)?;
        }
        Ok(())
    })?;

    let start = Instant::now();
    let mut delivered = 0;
    while delivered < CRM_EVENTS && start.elapsed() < CRM_TIMEOUT {
        let round = rig.engine.deliver_webhooks().await?;
        delivered += round.delivered;
        if round.queued + round.delivered + round.retrying == 0 {
            break;
        }
    }
    let elapsed = start.elapsed();
    rig.engine.deliver_webhooks().await?;

    let received = received
        .lock()
        .map_err(|_| anyhow::anyhow!("receiver poisoned"))?;
    let duplicates = received.ids.values().map(|n| n.saturating_sub(1)).sum();
    let missing = CRM_EVENTS.saturating_sub(received.ids.len());
    if duplicates + missing + received.bad_signatures > 0 {
        failures.push(format!(
            "crm: {duplicates} duplicates, {missing} missing, {} bad signatures",
            received.bad_signatures
        ));
    }
    Ok(Crm {
        elapsed,
        per_s: delivered as f64 / elapsed.as_secs_f64(),
        delivered,
        duplicates,
        missing,
        bad_signatures: received.bad_signatures,
    })
}

/// A webhook receiver on loopback that checks each request's signature and counts event ids.
async fn crm_receiver(received: Arc<Mutex<Received>>) -> anyhow::Result<String> {
    async fn receive(
        State(received): State<Arc<Mutex<Received>>>,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        let signature = headers
            .get(textback::crm::SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let t = signature
            .strip_prefix("t=")
            .and_then(|rest| rest.split(',').next())
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let body = String::from_utf8_lossy(&body);
        let expected = textback::crm::signature_header(CRM_SECRET, t, &body);
        let id = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v["id"].as_str().map(str::to_owned));
        let mut received = received.lock().unwrap_or_else(|e| e.into_inner());
        match id {
            Some(id) if expected == signature => *received.ids.entry(id).or_insert(0) += 1,
            _ => received.bad_signatures += 1,
        }
        StatusCode::OK
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(received);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(format!("http://{addr}/hook"))
}

fn poll_interval() -> Duration {
    Duration::from_secs(POLL_INTERVAL_S)
}
