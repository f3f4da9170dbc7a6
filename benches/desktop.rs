//! The desktop benchmark: the real app, launched through WebDriver on a virtual display, in the
//! same private desktop the end-to-end tests use.
//!
//! - **Start to interactive.** From asking WebDriver for a session (which launches the app) to
//!   the inbox's list being on screen, on a fresh data directory each time, so every start is
//!   a first start into the demo.
//! - **Idle memory.** After a start and ten seconds of idling, the resident memory (RSS, and
//!   PSS, which splits shared pages fairly) of the app and every process it started: WebKit's
//!   web and network processes, and the sandbox helpers when WebKit uses them.
//! - **Reply on screen.** With a conversation open, a customer's text is posted to the demo's
//!   embedded sandbox directly (its control API), and timed until the text is in the thread's
//!   DOM. That span is mostly the wait for the engine's next poll of the provider, once a
//!   second in the demo, so it reads against that interval; the texts are posted at random
//!   moments so they fall across the whole interval. The same texts are also timed from the
//!   moment the engine recorded them (the `at` of their `reply_received` event, read from the
//!   app's database afterwards) to the DOM: the part that is the app's own.
//!
//! The app measured is the one built with the benchmark's profile (`target/release`), unless
//! `TEXTBACK_DESKTOP_BIN` names another.

// Shared with the other benchmarks and the end-to-end tests rather than copied; this
// benchmark uses only part of each.
#[allow(dead_code)]
#[path = "../tests/e2e/app.rs"]
mod app;
#[allow(dead_code)]
mod common;
#[allow(dead_code)]
#[path = "../tests/e2e/processes.rs"]
mod processes;
#[allow(dead_code)]
#[path = "../tests/e2e/session.rs"]
mod session;

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use rand::Rng;
use serde_json::{json, Value};

use app::{testid, App, DEMO_CALLER};
use common::Summary;
use session::Session;

/// Launches timed for start to interactive.
const STARTS: usize = 5;
/// How long the app idles before its memory is read.
const IDLE: Duration = Duration::from_secs(10);
/// Customer texts timed from the provider to the screen.
const REPLIES: usize = 10;
/// The engine's poll interval in the demo.
const DEMO_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How often the DOM is read while a reply is awaited: fine enough not to blur the figure.
const DOM_POLL: Duration = Duration::from_millis(10);
/// The demo's business number, which the customer texts.
const DEMO_NUMBER: &str = "+12125550100";

fn main() -> ExitCode {
    common::init_tracing();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    common::conclude("desktop", runtime.block_on(run()))
}

async fn run() -> anyhow::Result<(Value, Vec<String>)> {
    let binary = session::app_binary()?;
    eprintln!("app: {}", binary.display());

    eprintln!("start to interactive: {STARTS} launches on fresh data directories");
    let starts = start_to_interactive().await?;
    figure(
        "start to interactive p50",
        format!("{:.0} ms", starts.p50_ms),
    );
    figure(
        "start to interactive max",
        format!("{:.0} ms", starts.max_ms),
    );

    eprintln!("idle memory: after a start and {} s idle", IDLE.as_secs());
    let memory = idle_memory().await?;
    figure(
        "idle RSS, app and WebKit",
        format!("{:.1} MB", memory.rss_mb),
    );
    figure(
        "idle PSS, app and WebKit",
        format!("{:.1} MB", memory.pss_mb),
    );

    let interval_ms = DEMO_POLL_INTERVAL.as_millis();
    eprintln!("reply on screen: {REPLIES} texts, the engine polling every {interval_ms} ms");
    let replies = reply_on_screen().await?;
    let (posted, p90_ms) = &replies.from_provider;
    figure("reply on screen p50", format!("{:.0} ms", posted.p50_ms));
    figure("reply on screen p90", format!("{p90_ms:.0} ms"));
    figure("reply on screen max", format!("{:.0} ms", posted.max_ms));
    let (recorded, recorded_p90_ms) = &replies.from_engine;
    figure("engine to screen p50", format!("{:.0} ms", recorded.p50_ms));
    figure("engine to screen p90", format!("{recorded_p90_ms:.0} ms"));
    figure("engine to screen max", format!("{:.0} ms", recorded.max_ms));

    let figures = json!({
        "bench": "desktop",
        "app": binary.display().to_string(),
        "start_to_interactive": {
            "n": starts.n,
            "p50_ms": starts.p50_ms,
            "max_ms": starts.max_ms,
        },
        "idle_memory": {
            "idle_s": IDLE.as_secs(),
            "rss_mb": memory.rss_mb,
            "pss_mb": memory.pss_mb,
            "processes": memory.processes,
        },
        "reply_on_screen": {
            "poll_interval_ms": interval_ms,
            "n": posted.n,
            "p50_ms": posted.p50_ms,
            "p90_ms": p90_ms,
            "max_ms": posted.max_ms,
        },
        "engine_to_screen": {
            "n": recorded.n,
            "p50_ms": recorded.p50_ms,
            "p90_ms": recorded_p90_ms,
            "max_ms": recorded.max_ms,
        },
    });
    Ok((figures, Vec::new()))
}

/// Times [`STARTS`] launches, each in a fresh session, until the inbox's list is displayed.
async fn start_to_interactive() -> anyhow::Result<Summary> {
    let mut samples = Vec::with_capacity(STARTS);
    for _ in 0..STARTS {
        let session = Session::start()?;

        let started = Instant::now();
        let app = App::launch(&session).await?;
        let list = app.wait_for(&testid("conversation-list")).await?;
        let displayed = list.is_displayed().await? && list.is_enabled().await?;
        samples.push(started.elapsed());

        anyhow::ensure!(
            displayed,
            "the inbox's list is in the DOM but not on screen"
        );
        app.quit().await?;
    }
    Ok(Summary::of(&samples))
}

/// What the app and its processes hold in memory.
struct Memory {
    rss_mb: f64,
    pss_mb: f64,
    /// Each process: its name, RSS and PSS in MB.
    processes: Vec<Value>,
}

/// Reads the memory of the app and its descendants after [`IDLE`].
async fn idle_memory() -> anyhow::Result<Memory> {
    let session = Session::start()?;
    let app = App::launch(&session).await?;

    tokio::time::sleep(IDLE).await;
    let mut memory = Memory {
        rss_mb: 0.0,
        pss_mb: 0.0,
        processes: Vec::new(),
    };
    for (pid, name) in session.app_processes() {
        let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
            .with_context(|| format!("reading the memory of {name} ({pid})"))?;
        let rss = kb_field(&rollup, "Rss:") / 1024.0;
        let pss = kb_field(&rollup, "Pss:") / 1024.0;
        eprintln!("  {name:<34} RSS {rss:>7.1} MB   PSS {pss:>7.1} MB");
        memory.rss_mb += rss;
        memory.pss_mb += pss;
        memory
            .processes
            .push(json!({ "name": name, "rss_mb": round1(rss), "pss_mb": round1(pss) }));
    }
    memory.rss_mb = round1(memory.rss_mb);
    memory.pss_mb = round1(memory.pss_mb);

    app.quit().await?;
    Ok(memory)
}

/// The times of the customers' texts to the screen, each with its p90.
struct Replies {
    /// From the sandbox's control API, that is the provider, to the open thread's DOM.
    from_provider: (Summary, f64),
    /// From the engine recording the text to the open thread's DOM.
    from_engine: (Summary, f64),
}

/// Times [`REPLIES`] customer texts to the open thread's DOM.
async fn reply_on_screen() -> anyhow::Result<Replies> {
    let session = Session::start()?;
    let app = App::launch(&session).await?;
    let http = reqwest::Client::new();
    let sandbox = demo_sandbox_url(&session.data_dir())?;
    post_sms(&http, &sandbox, "Hello, are you open today?").await?;
    app.open_conversation(DEMO_CALLER).await?;

    let mut samples = Vec::with_capacity(REPLIES);
    let mut shown_at = Vec::with_capacity(REPLIES);
    for n in 0..REPLIES {
        let phase = rand::rng().random_range(0..DEMO_POLL_INTERVAL.as_millis() as u64);
        tokio::time::sleep(Duration::from_millis(phase)).await;
        let body = format!("Reply number {n} from the benchmark");

        let posted = Instant::now();
        post_sms(&http, &sandbox, &body).await?;
        wait_for_body(&app, &body).await?;
        samples.push(posted.elapsed());
        shown_at.push((body, SystemTime::now()));
    }
    app.quit().await?;

    let db = rusqlite::Connection::open_with_flags(
        session.data_dir().join("demo").join("textback.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .context("opening the app's demo database")?;
    let mut from_engine = Vec::with_capacity(REPLIES);
    for (body, shown) in shown_at {
        let recorded_ms: i64 = db
            .query_row(
                "SELECT at FROM events WHERE kind = 'reply_received'
                 AND json_extract(data, '$.body') = ?1",
                [&body],
                |row| row.get(0),
            )
            .with_context(|| format!("the engine's record of {body:?}"))?;
        let recorded = UNIX_EPOCH + Duration::from_millis(recorded_ms.try_into()?);
        from_engine.push(shown.duration_since(recorded).unwrap_or_default());
    }
    Ok(Replies {
        from_provider: with_p90(&samples),
        from_engine: with_p90(&from_engine),
    })
}

/// The summary of `samples` and their p90 (nearest rank), in milliseconds.
fn with_p90(samples: &[Duration]) -> (Summary, f64) {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let p90 = common::percentile(&sorted, 0.90);
    (Summary::of(samples), common::ms(p90))
}

/// The embedded sandbox's address, which the app writes to its data directory in the demo.
fn demo_sandbox_url(data_dir: &Path) -> anyhow::Result<String> {
    let url = std::fs::read_to_string(data_dir.join("demo-sandbox-url"))
        .context("reading the demo sandbox's address")?;
    Ok(url.trim().trim_end_matches('/').to_owned())
}

/// Has the demo's caller text the business, through the sandbox's control API.
async fn post_sms(http: &reqwest::Client, sandbox: &str, body: &str) -> anyhow::Result<()> {
    http.post(format!("{sandbox}/sandbox/sms"))
        .json(&json!({ "from": DEMO_CALLER, "to": DEMO_NUMBER, "body": body }))
        .send()
        .await?
        .error_for_status()
        .context("posting a customer's text to the sandbox")?;
    Ok(())
}

/// Reads the open thread every [`DOM_POLL`] until a message with `body` is in it.
async fn wait_for_body(app: &App, body: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + app::PATIENCE;
    loop {
        let items = app.thread_items().await?;
        if items
            .iter()
            .any(|item| item.body.as_deref().map(str::trim) == Some(body))
        {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the text {body:?} never reached the screen"
        );
        tokio::time::sleep(DOM_POLL).await;
    }
}

/// Prints one figure; the desktop has no targets yet, so none is judged.
fn figure(label: &str, value: String) {
    eprintln!("  {label:<34} {value:>14}");
}

/// The kB figure of the line starting with `field` in `/proc/<pid>/smaps_rollup`.
fn kb_field(rollup: &str, field: &str) -> f64 {
    rollup
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
        .unwrap_or(0.0)
}

fn round1(mb: f64) -> f64 {
    (mb * 10.0).round() / 10.0
}
