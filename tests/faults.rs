//! The engine against a provider that misbehaves: every text goes out exactly once, and an
//! outage is noticed, reported, and recovered from with no one stepping in.
//!
//! The engine runs in this process with its background tasks, the real clock and the client
//! `textback run` builds (its default retry policy), against a sandbox that fails a third of
//! the requests (500s, 429s, dropped connections) and answers slowly. The sandbox's record of
//! what was sent is the judge. Waits are bounded; nothing is asserted about how long anything
//! took.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tempfile::TempDir;
use textback::clock::{SharedClock, SystemClock};
use textback::config::Config;
use textback::engine::{Engine, EngineHandle, ProviderHealth};
use textback::provider::{self, Secret};
use textback::store::{self, Store};
use textback_sandbox::{CallOutcome, Faults, RunningSandbox, Sandbox, SandboxOptions};

use support::texts::{received_by_customer, Received, FOLLOW_UP, TEXT_BACK};
use support::{serve_sandbox, wait_until};

/// The numbers callers dial.
const BUSINESS_NUMBERS: [&str; 2] = ["+12125550100", "+12125550101"];
/// The faults of the whole run, outage aside.
const FAULTY: Faults = Faults {
    error_rate: 0.20,
    rate_limit_rate: 0.10,
    reset_rate: 0.05,
    latency_ms: 200,
};
/// Missed callers who stay silent, each owed one text-back and one follow-up.
const SILENT: u32 = 280;
/// How many of them call a second time.
const REPEATS: u32 = 30;
/// Callers who text STOP and then call.
const STOPPERS: u32 = 20;
/// Callers whose calls are placed while the provider is down.
const DURING_OUTAGE: u32 = 3;
/// The longest any one wait of the test may last. A text that fails eight times in a row waits
/// about 510 s in all between attempts (the sender doubles its wait up to five minutes).
const PATIENCE: Duration = Duration::from_secs(600);
/// How long the provider's record must stay unchanged, with nothing left to do, to be final.
const QUIET_FOR: Duration = Duration::from_secs(3);

/// Guards exactly-once delivery through a faulty provider, and the outage cycle: the provider
/// is reported down once it stops answering, up once it answers again, and the calls missed
/// meanwhile are texted after recovery on their own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faulty_provider_gets_every_text_exactly_once_and_an_outage_heals_itself() {
    let began = Instant::now();
    let world = World::start().await;
    world.sandbox.set_faults(FAULTY);
    let silent: Vec<String> = (0..SILENT).map(caller).collect();
    let stoppers: Vec<String> = (0..STOPPERS).map(|i| caller(500 + i)).collect();

    place_traffic(&world, &silent, &stoppers).await;
    let first_round = wait_until(PATIENCE, || world.all_texted(&silent)).await;
    let quiet = world.settle().await;

    if let Err(e) = first_round {
        panic!(
            "every silent caller gets a text-back and a follow-up despite the faults: {e}\n{}",
            world.unfinished(&silent)
        );
    }
    quiet.expect("the engine finishes its work and the provider's record stops changing");
    world.assert_exactly_once(&silent, &stoppers);
    let faulty_round = began.elapsed();

    // The faulty round may already have strung together enough failures to count as an outage;
    // what matters here is what the total outage below records.
    let before_outage = world.count("SELECT COALESCE(MAX(id), 0) FROM events");
    world.sandbox.set_faults(Faults {
        error_rate: 1.0,
        latency_ms: 200,
        ..Faults::default()
    });
    let late: Vec<String> = (0..DURING_OUTAGE).map(|i| caller(900 + i)).collect();
    for (i, number) in late.iter().enumerate() {
        world.call(number, BUSINESS_NUMBERS[i % 2], CallOutcome::NoAnswer);
    }
    let is_down = || matches!(world.handle.provider_health(), ProviderHealth::Down { .. });
    let down = wait_until(PATIENCE, is_down).await;
    world.sandbox.set_faults(Faults::default());
    let up = wait_until(PATIENCE, || {
        world.handle.provider_health() == ProviderHealth::Up
    })
    .await;
    let recovered = wait_until(PATIENCE, || world.all_texted(&late)).await;
    let quiet = world.settle().await;

    down.expect("a provider that fails every request is reported down");
    up.expect("the provider is reported up once it answers again");
    let downs = world.count(&format!(
        "SELECT COUNT(*) FROM events WHERE kind = 'provider_down' AND id > {before_outage}"
    ));
    assert!(downs >= 1, "the outage is recorded, for staff to see");
    assert_eq!(
        world.count("SELECT COUNT(*) FROM events WHERE kind = 'provider_down'"),
        world.count("SELECT COUNT(*) FROM events WHERE kind = 'provider_up'"),
        "every recorded outage has its recorded end"
    );
    assert_eq!(
        world.count(
            "SELECT COUNT(*) FROM events WHERE id = (SELECT MAX(id) FROM events \
             WHERE kind IN ('provider_down', 'provider_up')) AND kind = 'provider_up'"
        ),
        1,
        "and the last word is that the provider is up"
    );
    recovered.expect("calls placed during the outage are texted after it, with no one stepping in");
    quiet.expect("the engine finishes its work after the outage");
    let everyone: Vec<String> = silent.iter().chain(&late).cloned().collect();
    world.assert_exactly_once(&everyone, &stoppers);
    println!(
        "faults test: {} texts sent, {} needed more than one attempt; faulty round {:.1} s, \
         outage and recovery {:.1} s",
        world
            .received()
            .values()
            .map(|r| r.text_backs + r.follow_ups)
            .sum::<usize>(),
        world.count("SELECT COUNT(*) FROM outbox WHERE attempts > 1"),
        faulty_round.as_secs_f64(),
        (began.elapsed() - faulty_round).as_secs_f64(),
    );

    world.handle.stop().await;
}

/// A distinct US caller number.
fn caller(n: u32) -> String {
    format!("+1312555{:04}", 1000 + n)
}

/// Places every call of the first round: the silent callers (some twice), and the STOP-first
/// callers, whose calls wait until the engine has recorded their opt-out.
async fn place_traffic(world: &World, silent: &[String], stoppers: &[String]) {
    for (i, number) in stoppers.iter().enumerate() {
        world
            .sandbox
            .receive_sms(number, BUSINESS_NUMBERS[i % 2], "STOP")
            .expect("the sandbox takes the STOP");
    }
    let outcomes = [
        CallOutcome::NoAnswer,
        CallOutcome::Busy,
        CallOutcome::Voicemail,
    ];
    for (i, number) in silent.iter().enumerate() {
        world.call(
            number,
            BUSINESS_NUMBERS[i % 2],
            outcomes[i % outcomes.len()],
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (i, number) in silent.iter().take(REPEATS as usize).enumerate() {
        world.call(number, BUSINESS_NUMBERS[(i + 1) % 2], CallOutcome::NoAnswer);
    }
    let opted_out = wait_until(PATIENCE, || stoppers.iter().all(|n| world.opted_out(n))).await;
    opted_out.expect("the engine reads every STOP despite the faults");
    for (i, number) in stoppers.iter().enumerate() {
        world.call(number, BUSINESS_NUMBERS[i % 2], CallOutcome::NoAnswer);
    }
}

/// The sandbox and a running engine on a database of its own.
struct World {
    _server: RunningSandbox,
    sandbox: Sandbox,
    _dir: TempDir,
    store: Arc<Store>,
    handle: EngineHandle,
}

impl World {
    async fn start() -> Self {
        let server = serve_sandbox(SandboxOptions::default()).await;
        let sandbox = server.sandbox().clone();
        let config = Config::from_toml(&config_toml(&server.base_url(), sandbox.account_sid()))
            .expect("the configuration is valid");
        let secret = Secret::new(sandbox.auth_token());
        let provider = provider::build(&config.provider, &secret).expect("the client builds");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = Arc::new(Store::open(&dir.path().join("textback.db")).expect("store opens"));
        let clock: SharedClock = Arc::new(SystemClock);
        let engine = Engine::new(store.clone(), provider, clock, config);
        Self {
            _server: server,
            sandbox,
            _dir: dir,
            store,
            handle: EngineHandle::start(engine),
        }
    }

    fn call(&self, from: &str, to: &str, outcome: CallOutcome) {
        self.sandbox
            .place_call(from, to, outcome)
            .expect("the sandbox takes the call");
    }

    fn opted_out(&self, number: &str) -> bool {
        self.store
            .read(|c| store::is_opted_out(c, number))
            .expect("the opt-out is read")
    }

    fn count(&self, sql: &str) -> i64 {
        self.store
            .read(|c| Ok(c.query_row(sql, [], |r| r.get(0))?))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// What each customer received, from the provider's record.
    fn received(&self) -> HashMap<String, Received> {
        received_by_customer(&self.sandbox.messages())
    }

    /// Whether each of `callers` has at least a text-back and a follow-up.
    /// What the database says about callers still missing a text, for a failure message.
    fn unfinished(&self, callers: &[String]) -> String {
        let received = self.received();
        let missing: Vec<&String> = callers
            .iter()
            .filter(|n| {
                received
                    .get(*n)
                    .is_none_or(|r| r.text_backs == 0 || r.follow_ups == 0)
            })
            .collect();
        let mut report = format!("{} callers unfinished", missing.len());
        for number in missing.iter().take(10) {
            let rows: Vec<String> = self
                .store
                .read(|c| {
                    let mut stmt = c.prepare(
                        "SELECT m.kind, m.status, o.state, o.attempts, o.due_at, o.last_error
                         FROM messages m JOIN conversations v ON v.id = m.conversation_id
                         LEFT JOIN outbox o ON o.message_id = m.id
                         WHERE v.customer_number = ?1 AND m.direction = 'out'",
                    )?;
                    let rows = stmt.query_map([number.as_str()], |r| {
                        Ok(format!(
                            "{}:{} outbox={:?} attempts={:?} due={:?} error={:?}",
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, Option<String>>(2)?,
                            r.get::<_, Option<i64>>(3)?,
                            r.get::<_, Option<i64>>(4)?,
                            r.get::<_, Option<String>>(5)?,
                        ))
                    })?;
                    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
                })
                .unwrap_or_default();
            report.push_str(&format!("\n  {number}: {rows:?}"));
        }
        report
    }

    fn all_texted(&self, callers: &[String]) -> bool {
        let received = self.received();
        callers.iter().all(|number| {
            received
                .get(number)
                .is_some_and(|r| r.text_backs >= 1 && r.follow_ups >= 1)
        })
    }

    /// Waits until the outbox and the follow-ups are done and the provider's record has not
    /// changed for [`QUIET_FOR`], so a late duplicate would be seen.
    async fn settle(&self) -> Result<(), String> {
        let deadline = Instant::now() + PATIENCE;
        let mut last = usize::MAX;
        let mut quiet_since = Instant::now();
        loop {
            let messages = self.sandbox.messages().len();
            let busy = self.count("SELECT COUNT(*) FROM outbox WHERE state != 'done'")
                + self.count("SELECT COUNT(*) FROM follow_ups WHERE state = 'scheduled'");
            if messages != last || busy > 0 {
                last = messages;
                quiet_since = Instant::now();
            } else if quiet_since.elapsed() >= QUIET_FOR {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{busy} texts or follow-ups still open after {PATIENCE:?}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Every caller in `texted` got exactly one text-back and one follow-up; nobody in
    /// `opted_out` and nobody else got anything; the database is sound.
    fn assert_exactly_once(&self, texted: &[String], opted_out: &[String]) {
        let received = self.received();
        let once = Received {
            text_backs: 1,
            follow_ups: 1,
            other: 0,
        };
        for number in texted {
            assert_eq!(
                received.get(number).copied().unwrap_or_default(),
                once,
                "a silent missed caller ({number}) gets exactly one text-back and one follow-up, \
                 through every fault"
            );
        }
        for number in opted_out {
            assert_eq!(
                received.get(number),
                None,
                "a caller who texted STOP first ({number}) gets nothing"
            );
        }
        let strangers: Vec<&String> = received.keys().filter(|n| !texted.contains(n)).collect();
        assert!(
            strangers.is_empty(),
            "texts go only to missed callers; also texted: {strangers:?}"
        );
        assert_eq!(
            self.store.integrity_check().expect("the check runs"),
            "ok",
            "the database stays sound"
        );
    }
}

/// Quick rounds: a 300 ms poll, no grace, no quiet hours, one follow-up after 2 s, caps out of
/// the way, and templates that tell a text-back from a follow-up.
fn config_toml(base_url: &str, account_sid: &str) -> String {
    let numbers = BUSINESS_NUMBERS.map(|n| format!("{n:?}")).join(", ");
    format!(
        r#"
[business]
name = "Fault Dental"
time_zone = "America/New_York"
numbers = [{numbers}]
booking_link = "https://fault.example/book"

[provider]
kind = "sandbox"
base_url = "{base_url}"
account_sid = "{account_sid}"
poll_interval = "300ms"

[rules]
grace = "0s"
quiet_hours = "off"
follow_ups = ["2s"]
daily_cap = 100000
hourly_cap = 100000

[templates]
business_hours = "{TEXT_BACK} at {{business}}. Book at {{booking_link}} or reply here."
after_hours = "{TEXT_BACK} at {{business}}; we are closed. Reply here and we will call."
follow_ups = ["{FOLLOW_UP} from {{business}}. Can we help?"]

[backup]
enabled = false
"#
    )
}
