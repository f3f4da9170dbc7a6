//! Crash safety of the whole engine: every text that must go out goes out exactly once, however
//! often the engine process dies.
//!
//! The real `textback run` binary is killed with SIGKILL at random moments while calls and
//! customer texts arrive, and restarted each time on the same database. The sandbox lives in the
//! test process, so the provider's record of what was sent survives every kill and is the
//! judge: at the end each caller must have received exactly the texts the rules promise. A
//! small latency on every provider request makes some kills land while a request is in flight,
//! which is the case the outbox's reconciliation exists for.
//!
//! The run is random but seeded. The seed is printed; `TEXTBACK_CRASH_SEED` replays the same
//! callers and kill schedule (the interleaving with the engine still varies from run to run),
//! and `TEXTBACK_CRASH_KILLS` sets how many times the engine is killed.

mod support;

use std::cell::Cell;
use std::collections::HashSet;
use std::fs::OpenOptions;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tempfile::TempDir;
use textback::clock::{Clock, ManualClock};
use textback::store::{NewOutbound, Store};
use textback::Engine;
use textback_provider::NewMessage;
use textback_sandbox::{
    CallOutcome, CallStatus, Faults, MessageDirection, Sandbox, SandboxMessage, SandboxOptions,
};

use plan::{Plan, Role, Step};
use support::process::{EngineProcess, World};
use support::texts::{received_by_customer, Received, FOLLOW_UP, TEXT_BACK};

/// The numbers callers dial.
const BUSINESS_NUMBERS: [&str; 3] = ["+12125550100", "+12125550101", "+12125550102"];
/// The follow-up delay: long enough after a text-back for a reply sent at once to be polled
/// first (the poll interval is one second), short enough to run many within the test.
const FOLLOW_UP_AFTER: &str = "3s";
/// How long calls and texts keep arriving.
const TRAFFIC: Duration = Duration::from_secs(30);
/// How many kills when `TEXTBACK_CRASH_KILLS` is not set.
const DEFAULT_KILLS: u32 = 25;
/// The longest the engine may stay down between a kill and its restart.
const MAX_DOWNTIME: Duration = Duration::from_millis(600);
/// How long the engine may take, once left alone, to finish everything it has to do.
const SETTLE_LIMIT: Duration = Duration::from_secs(30);
/// How long the provider's record must stay unchanged, with nothing left to do, to be final.
const QUIET_FOR: Duration = Duration::from_secs(2);
/// How often the test looks at the sandbox while it waits.
const TICK: Duration = Duration::from_millis(20);

/// Guards the promise that killing the engine at any instant loses no text and duplicates none:
/// one text-back per missed caller, one follow-up per caller who stayed silent, and nothing to
/// callers who were answered or had texted STOP before calling.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_engine_at_random_loses_and_duplicates_no_text() {
    let seed = env_number("TEXTBACK_CRASH_SEED").unwrap_or_else(fresh_seed);
    let kills = env_number("TEXTBACK_CRASH_KILLS").map_or(DEFAULT_KILLS, |k| k as u32);
    println!("crash test: seed {seed} (TEXTBACK_CRASH_SEED), {kills} kills (TEXTBACK_CRASH_KILLS)");
    let began = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let plan = Plan::new(&mut rng);
    let world = World::start(SandboxOptions::default(), config_toml).await;

    let chaos_over = Cell::new(false);
    let mut replies = Replies::new(&plan);
    let chaos = engine::chaos(
        &world,
        kills,
        StdRng::seed_from_u64(seed ^ 0x5eed),
        &chaos_over,
    );
    let drive = drive(&world.sandbox, &plan, &mut replies, &chaos_over);
    let (chaos, ()) = tokio::join!(chaos, drive);
    let settled = settle(&world, &mut replies).await;
    let mut last = chaos.engine;
    let last_exit = last.kill();

    let mut failures = chaos.failures;
    failures.extend(last_exit.err());
    failures.extend(settled.err());
    let store = Store::open(&world.db).expect("the database opens after the run");
    let verdict = verdict::judge(&plan, &world, &store);
    failures.extend(verdict.failures);
    let resent = count(&store, "SELECT COUNT(*) FROM outbox WHERE attempts > 1");
    println!(
        "crash test: seed {seed}, {kills} kills, {} calls, {} texts sent; kills left {} sends \
         unfinished, {} accepted by the provider but unrecorded; {resent} sent again after a \
         lost attempt; {} follow-ups excused; {:.1} s",
        plan.calls(),
        verdict.sent,
        chaos.interrupted.sending,
        chaos.interrupted.unrecorded,
        verdict.excused.len(),
        began.elapsed().as_secs_f64()
    );
    for line in &verdict.excused {
        println!("  excused: {line}");
    }
    if !failures.is_empty() {
        let log = log_tail(&world.log);
        let kept = world.keep();
        panic!(
            "crash test failed with seed {seed} ({kills} kills; replay with \
             TEXTBACK_CRASH_SEED={seed}); database and engine log kept in {}:\n  {}\n\
             engine log, last lines:\n{log}",
            kept.display(),
            failures.join("\n  ")
        );
    }
}

/// The last lines the engines logged, for a failure message.
fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// Guards the order of a poll round: a STOP that reached the provider while the engine was
/// down is handled before the missed call that came after it, so that call is not texted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_received_while_the_engine_was_down_keeps_the_later_call_from_being_texted() {
    let world = World::start(SandboxOptions::default(), config_toml).await;
    let latency = Faults {
        latency_ms: 30,
        ..Faults::default()
    };
    world.sandbox.set_faults(latency);
    let caller = "+13125550999";
    let business = BUSINESS_NUMBERS[0];
    world
        .sandbox
        .receive_sms(caller, business, "STOP")
        .expect("the sandbox takes the STOP");
    world
        .sandbox
        .place_call(caller, business, CallOutcome::NoAnswer)
        .expect("the sandbox takes the call");

    let mut engine = engine::start(&world);
    let settled = settle(&world, &mut Replies::default()).await;
    let exit = engine.kill();

    settled.expect("the engine handles the STOP and the call");
    exit.expect("the engine runs until killed");
    let texted: Vec<String> = world
        .sandbox
        .messages()
        .into_iter()
        .filter(|m| m.to == caller)
        .map(|m| m.body)
        .collect();
    assert!(
        texted.is_empty(),
        "a caller who texted STOP before calling gets no text, even when both reached the \
         provider while the engine was down; got {texted:?}"
    );
}

/// Guards the time a text found by reconciliation is recorded at: when the provider created it,
/// not when the engine came back. Otherwise a reply the engine recorded in between seems to come
/// before the text-back and does not stop its follow-up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_recorded_before_reconciliation_still_stops_the_follow_up() {
    let start = DateTime::parse_from_rfc3339("2024-03-09T15:00:00.400Z").expect("a valid time");
    let clock = ManualClock::new(start.with_timezone(&Utc));
    let server = support::serve_sandbox_with_clock(&clock).await;
    let sandbox = server.sandbox();
    let dir = TempDir::new().expect("a temporary directory");
    let config = textback::config::Config::from_toml(&config_toml(
        &server.base_url(),
        sandbox.account_sid(),
    ))
    .expect("the configuration is valid");
    let secret = textback::provider::Secret::new(sandbox.auth_token());
    let provider = textback::provider::build(&config.provider, &secret).expect("a provider");
    let store = Arc::new(Store::open(&dir.path().join("textback.db")).expect("the store opens"));
    let engine = Engine::new(store.clone(), provider.clone(), clock.clone(), config);
    let (caller, business) = ("+13125550998", BUSINESS_NUMBERS[0]);
    let body = format!("{TEXT_BACK} at Crash Dental.");
    begin_text_back(&store, business, caller, &body, clock.now());
    let text_back = NewMessage {
        from: business.into(),
        to: caller.into(),
        body,
    };
    provider
        .send_message(&text_back)
        .await
        .expect("the provider takes the text-back");
    sandbox
        .receive_sms(caller, business, "Thanks")
        .expect("the sandbox takes the reply");

    clock.advance(chrono::Duration::seconds(2));
    engine.poll_messages().await.expect("the reply is polled");
    let reconciled = engine.run_due().await.expect("the sender runs").reconciled;
    clock.advance(chrono::Duration::seconds(4));
    engine.run_due().await.expect("the sender runs again");

    assert_eq!(
        reconciled, 1,
        "the text-back sent before the crash is found, not sent again"
    );
    let texts: Vec<String> = sandbox
        .messages()
        .into_iter()
        .filter(|m| m.to == caller)
        .map(|m| m.body)
        .collect();
    assert_eq!(
        texts.len(),
        1,
        "a customer who replied to the text-back gets no follow-up, even when the text-back was \
         only found at the provider after the reply; got {texts:?}"
    );
}

/// Leaves a text-back as a kill right after its request left would: attempt begun, outcome
/// unknown.
fn begin_text_back(store: &Store, business: &str, caller: &str, body: &str, now: DateTime<Utc>) {
    store
        .write(|tx| {
            let conversation_id = tx.conversation_for(business, caller, now)?;
            let text = NewOutbound {
                conversation_id,
                kind: "text_back",
                body,
                template: Some("business_hours"),
                follow_up_step: None,
                call_id: None,
                author: None,
                due_at: now,
            };
            let message_id = tx.schedule_text(&text, now)?;
            tx.begin_attempt(message_id, now)
        })
        .expect("the text-back is written");
}

/// A number from the environment, if the variable is set; a malformed one is an error.
fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(value.trim().parse().unwrap_or_else(|_| {
        panic!("{name}={value:?} is not a whole number");
    }))
}

/// A seed that differs from run to run.
fn fresh_seed() -> u64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.map_or(0, |d| d.as_nanos() as u64) ^ u64::from(std::process::id())
}

/// A configuration for quick rounds: no grace, no quiet hours, one short follow-up, caps out
/// of the way, and templates that tell a text-back from a follow-up at a glance.
fn config_toml(base_url: &str, account_sid: &str) -> String {
    let numbers = BUSINESS_NUMBERS.map(|n| format!("{n:?}")).join(", ");
    format!(
        r#"
[business]
name = "Crash Dental"
time_zone = "America/New_York"
numbers = [{numbers}]
booking_link = "https://crash.example/book"

[provider]
kind = "sandbox"
base_url = "{base_url}"
account_sid = "{account_sid}"
poll_interval = "1s"

[rules]
grace = "0s"
quiet_hours = "off"
dedupe_window = "24h"
max_call_age = "30m"
follow_ups = ["{FOLLOW_UP_AFTER}"]
daily_cap = 100000
hourly_cap = 100000

[templates]
business_hours = "{TEXT_BACK} at {{business}}. Book at {{booking_link}} or reply here."
after_hours = "{TEXT_BACK} at {{business}}; we are closed. Reply here and we will call."
follow_ups = ["{FOLLOW_UP} from {{business}}. Can we help?"]
help = "{{business}} front desk. Reply STOP to opt out."
"#
    )
}

/// Plays the plan against the sandbox, answering text-backs to repliers as they appear, and
/// goes on answering them until the kills are over.
async fn drive(sandbox: &Sandbox, plan: &Plan, replies: &mut Replies, chaos_over: &Cell<bool>) {
    let start = Instant::now();
    for (at, step) in &plan.steps {
        while start.elapsed() < *at {
            replies.answer(sandbox);
            tokio::time::sleep(TICK.min(at.saturating_sub(start.elapsed()))).await;
        }
        match step {
            Step::Call { from, to, outcome } => sandbox.place_call(from, to, *outcome),
            Step::Text { from, to, body } => sandbox.receive_sms(from, to, body),
        }
        .expect("the sandbox accepts the planned call or text");
    }
    while !chaos_over.get() {
        replies.answer(sandbox);
        tokio::time::sleep(TICK).await;
    }
}

/// Lets the last engine run until it has seen every call and text and has nothing left to
/// send, and the provider's record has stopped changing.
async fn settle(world: &World, replies: &mut Replies) -> Result<(), String> {
    let store = Store::open(&world.db).map_err(|e| format!("the database opens: {e}"))?;
    let deadline = Instant::now() + SETTLE_LIMIT;
    let mut last_count = usize::MAX;
    let mut quiet_since = Instant::now();
    loop {
        replies.answer(&world.sandbox);
        let messages = world.sandbox.messages().len();
        let progress = Progress::read(&world.sandbox, &store);
        if messages != last_count || !progress.done() {
            last_count = messages;
            quiet_since = Instant::now();
        } else if quiet_since.elapsed() >= QUIET_FOR {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the engine, left alone, finishes its work within {SETTLE_LIMIT:?} \
                 (still {progress:?})"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How far the engine has got with what the sandbox holds.
#[derive(Debug)]
struct Progress {
    missed_calls_unknown: usize,
    inbound_known: i64,
    inbound_total: i64,
    unsent: i64,
    steps_waiting: i64,
}

impl Progress {
    fn read(sandbox: &Sandbox, store: &Store) -> Self {
        let inbound_total = sandbox.messages().iter().filter(|m| is_inbound(m)).count() as i64;
        let answered = answered_calls(sandbox);
        let missed_calls_unknown = sandbox
            .calls()
            .iter()
            .filter(|c| c.parent_call_sid.is_none() && !answered.contains(&c.sid))
            .filter(|c| !call_known(store, &c.sid))
            .count();
        Self {
            missed_calls_unknown,
            inbound_known: count(
                store,
                "SELECT COUNT(*) FROM messages WHERE direction = 'in'",
            ),
            inbound_total,
            unsent: count(store, "SELECT COUNT(*) FROM outbox WHERE state != 'done'"),
            steps_waiting: count(
                store,
                "SELECT COUNT(*) FROM follow_ups WHERE state = 'scheduled'",
            ),
        }
    }

    fn done(&self) -> bool {
        self.missed_calls_unknown == 0
            && self.inbound_known == self.inbound_total
            && self.unsent == 0
            && self.steps_waiting == 0
    }
}

/// The SIDs of the parent legs of answered calls: those with a forward a person picked up.
fn answered_calls(sandbox: &Sandbox) -> HashSet<String> {
    sandbox
        .calls()
        .into_iter()
        .filter(|c| c.status == CallStatus::Completed && c.answered_by.is_none())
        .filter_map(|c| c.parent_call_sid)
        .collect()
}

fn call_known(store: &Store, sid: &str) -> bool {
    store
        .read(|c| textback::store::call_known(c, sid))
        .unwrap_or_else(|e| panic!("looking up call {sid}: {e}"))
}

/// The single number a query returns.
fn count(store: &Store, sql: &str) -> i64 {
    store
        .read(|c| Ok(c.query_row(sql, [], |r| r.get(0))?))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Repliers answer their text-back with "Thanks" as soon as it reaches them.
#[derive(Default)]
struct Replies {
    waiting: Vec<String>,
}

impl Replies {
    fn new(plan: &Plan) -> Self {
        let waiting = plan
            .callers
            .iter()
            .filter(|c| c.role == Role::Replier)
            .map(|c| c.number.clone())
            .collect();
        Self { waiting }
    }

    /// Sends the replies due: one per replier, to the number their text-back came from.
    fn answer(&mut self, sandbox: &Sandbox) {
        if self.waiting.is_empty() {
            return;
        }
        for message in sandbox.messages() {
            let Some(index) = self.waiting.iter().position(|n| *n == message.to) else {
                continue;
            };
            if message.body.starts_with(TEXT_BACK) {
                let replier = self.waiting.swap_remove(index);
                sandbox
                    .receive_sms(&replier, &message.from, "Thanks")
                    .expect("the sandbox accepts the reply");
            }
        }
    }
}

/// Who calls, what each caller does, and when.
mod plan {
    use super::*;

    /// What a caller does, and so what they must receive.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Role {
        /// Missed and never writes: one text-back, then one follow-up.
        Silent,
        /// Missed, and answers the text-back at once: one text-back, no follow-up.
        Replier,
        /// Texts STOP, then calls and is missed: nothing at all.
        Stopper,
        /// Answered: nothing at all.
        Answered,
    }

    /// How many callers play each role.
    const CAST: [(Role, usize); 4] = [
        (Role::Silent, 200),
        (Role::Replier, 50),
        (Role::Stopper, 50),
        (Role::Answered, 20),
    ];
    /// The chance that a caller calls a second time.
    const REPEAT: f64 = 0.3;
    /// The outcomes that count as missed (voicemail does, by default).
    const MISSED: [CallOutcome; 6] = [
        CallOutcome::NoAnswer,
        CallOutcome::Busy,
        CallOutcome::Voicemail,
        CallOutcome::Hangup,
        CallOutcome::Canceled,
        CallOutcome::Failed,
    ];

    pub struct Caller {
        pub number: String,
        pub role: Role,
    }

    pub enum Step {
        Call {
            from: String,
            to: &'static str,
            outcome: CallOutcome,
        },
        Text {
            from: String,
            to: &'static str,
            body: &'static str,
        },
    }

    /// Every caller, and every call and text in the order they happen.
    pub struct Plan {
        pub callers: Vec<Caller>,
        pub steps: Vec<(Duration, Step)>,
    }

    impl Plan {
        pub fn new(rng: &mut StdRng) -> Self {
            let mut plan = Self {
                callers: Vec::new(),
                steps: Vec::new(),
            };
            for (role, count) in CAST {
                for _ in 0..count {
                    plan.add(rng, role);
                }
            }
            plan.steps.sort_by_key(|(at, _)| *at);
            plan
        }

        /// How many calls the plan places.
        pub fn calls(&self) -> usize {
            let calls = self
                .steps
                .iter()
                .filter(|(_, s)| matches!(s, Step::Call { .. }));
            calls.count()
        }

        fn add(&mut self, rng: &mut StdRng, role: Role) {
            let number = format!("+1312555{:04}", 1000 + self.callers.len());
            let to = BUSINESS_NUMBERS[rng.random_range(0..BUSINESS_NUMBERS.len())];
            let mut at = millis(rng.random_range(0..TRAFFIC.as_millis() as u64));
            if role == Role::Stopper {
                let body = "STOP";
                let from = number.clone();
                self.steps.push((at, Step::Text { from, to, body }));
                // Well over a poll interval, so a running engine has seen the STOP.
                at += millis(rng.random_range(2_500..4_000));
            }
            self.call(rng, &number, role, to, at);
            if rng.random_bool(REPEAT) {
                let again = BUSINESS_NUMBERS[rng.random_range(0..BUSINESS_NUMBERS.len())];
                let later = at + millis(rng.random_range(300..4_000));
                self.call(rng, &number, role, again, later);
            }
            self.callers.push(Caller { number, role });
        }

        fn call(
            &mut self,
            rng: &mut StdRng,
            from: &str,
            role: Role,
            to: &'static str,
            at: Duration,
        ) {
            let outcome = match role {
                Role::Answered => CallOutcome::Answered,
                _ => MISSED[rng.random_range(0..MISSED.len())],
            };
            let from = from.to_owned();
            self.steps.push((at, Step::Call { from, to, outcome }));
        }
    }

    fn millis(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }
}

/// The engine as a child process, and the schedule that kills it.
mod engine {
    use super::*;

    /// Starts `textback run` on the world's configuration and database, logging warnings to
    /// its log file.
    pub fn start(world: &World) -> EngineProcess {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&world.log)
            .expect("the engine log opens");
        let mut command = world.run_command(world.sandbox.auth_token());
        command
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log);
        EngineProcess::spawn(command)
    }

    /// What the kill schedule left: the engine that runs on, what the kills interrupted, and
    /// any engine that died by itself.
    pub struct Chaos {
        pub engine: EngineProcess,
        pub interrupted: Interrupted,
        pub failures: Vec<String>,
    }

    /// The sends the kills cut short, counted right after each kill and summed (a send still
    /// unfinished at the next kill counts again): a measure of how often the test reached the
    /// moments the outbox's reconciliation exists for.
    #[derive(Debug, Default)]
    pub struct Interrupted {
        /// Outbox rows left `sending`: attempt begun, outcome unknown to the engine.
        pub sending: i64,
        /// Texts the provider had accepted that the database did not record yet.
        pub unrecorded: usize,
    }

    impl Interrupted {
        fn add(&mut self, sandbox: &Sandbox, store: &Store) {
            self.sending += count(store, "SELECT COUNT(*) FROM outbox WHERE state = 'sending'");
            let unrecorded = sandbox.messages().into_iter().filter(|m| {
                let known = store.read(|c| textback::store::message_by_sid(c, &m.sid));
                !is_inbound(m) && known.expect("a message is looked up by SID").is_none()
            });
            self.unrecorded += unrecorded.count();
        }
    }

    /// Starts the engine, kills it `kills` times at moments spread over the traffic and the
    /// follow-ups after it, restarting it each time, and leaves the last one running.
    ///
    /// Half the kills land at a random instant. The other half are aimed: they fire as soon
    /// as the provider accepts a text, which is when the engine has sent it but likely not
    /// yet recorded it, or has more sends in flight.
    pub async fn chaos(world: &World, kills: u32, mut rng: StdRng, over: &Cell<bool>) -> Chaos {
        let span = TRAFFIC + Duration::from_secs(5);
        let cycle = span.as_millis() as u64 / u64::from(kills.max(1));
        let longest_up = (2 * cycle)
            .saturating_sub(MAX_DOWNTIME.as_millis() as u64)
            .max(100);
        let store = Store::open(&world.db).expect("the database opens");
        let mut interrupted = Interrupted::default();
        let mut failures = Vec::new();
        for _ in 0..kills {
            let latency_ms = rng.random_range(5..=20);
            world.sandbox.set_faults(Faults {
                latency_ms,
                ..Faults::default()
            });
            let mut engine = start(world);
            let up = Duration::from_millis(rng.random_range(50..=longest_up));
            if rng.random_bool(0.5) {
                next_accepted_text(&world.sandbox, up).await;
            } else {
                tokio::time::sleep(up).await;
            }
            match engine.kill() {
                Ok(()) => interrupted.add(&world.sandbox, &store),
                Err(e) => failures.push(e),
            }
            let down = rng.random_range(0..=MAX_DOWNTIME.as_millis() as u64);
            tokio::time::sleep(Duration::from_millis(down)).await;
        }
        over.set(true);
        Chaos {
            engine: start(world),
            interrupted,
            failures,
        }
    }

    /// Waits until the provider accepts another text, or `limit` has passed.
    async fn next_accepted_text(sandbox: &Sandbox, limit: Duration) {
        let sent = |s: &Sandbox| s.messages().iter().filter(|m| !is_inbound(m)).count();
        let before = sent(sandbox);
        let deadline = Instant::now() + limit;
        while sent(sandbox) == before && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

fn is_inbound(message: &SandboxMessage) -> bool {
    message.direction == MessageDirection::Inbound
}

/// The checks, on the provider's record and the database.
mod verdict {
    use super::*;

    /// What the judge found.
    pub struct Verdict {
        pub failures: Vec<String>,
        /// Follow-ups to repliers that the engine queued before it had seen the reply.
        pub excused: Vec<String>,
        pub sent: usize,
    }

    /// Checks every caller's texts against their role, every sent text against the database,
    /// the database's integrity, and the calls the CLI lists.
    pub fn judge(plan: &Plan, world: &World, store: &Store) -> Verdict {
        let messages = world.sandbox.messages();
        let sent: Vec<&SandboxMessage> = messages.iter().filter(|m| !is_inbound(m)).collect();
        let mut verdict = Verdict {
            failures: Vec::new(),
            excused: Vec::new(),
            sent: sent.len(),
        };

        let received = received_by_customer(sent.iter().copied());
        for caller in &plan.callers {
            let got = received.get(&caller.number).copied().unwrap_or_default();
            check_caller(&mut verdict, store, &caller.number, caller.role, got);
        }
        let known: Vec<&String> = plan.callers.iter().map(|c| &c.number).collect();
        for message in &sent {
            if !known.contains(&&message.to) {
                verdict.failures.push(format!(
                    "texts go only to callers, but {} got {:?}",
                    message.to, message.body
                ));
            }
        }

        check_recorded(&mut verdict, store, &sent);
        check_integrity(&mut verdict, store);
        check_calls_listed(&mut verdict, world);
        verdict
    }

    fn check_caller(verdict: &mut Verdict, store: &Store, number: &str, role: Role, got: Received) {
        let texted = got.text_backs + got.follow_ups + got.other > 0;
        let mut broken = Vec::new();
        match role {
            Role::Silent | Role::Replier if got.text_backs != 1 => {
                broken.push("a missed caller gets exactly one text-back".to_owned());
            }
            Role::Stopper if texted => {
                broken.push("a caller who texted STOP before calling gets no text at all".into());
            }
            Role::Answered if texted => broken.push("an answered caller gets no text".into()),
            _ => {}
        }
        if matches!(role, Role::Silent | Role::Replier) && got.other > 0 {
            broken.push("a missed caller gets only a text-back and follow-ups".into());
        }
        if role == Role::Silent && got.follow_ups != 1 {
            broken.push("a missed caller who stays silent gets exactly one follow-up".into());
        }
        if role == Role::Replier && got.follow_ups > 1 {
            broken.push("a follow-up is never sent twice".into());
        }
        if role == Role::Replier && got.follow_ups == 1 {
            match queued_before_reply(store, number) {
                Ok(detail) => verdict.excused.push(format!("{number}: {detail}")),
                Err(detail) => broken.push(format!(
                    "no follow-up is queued once the engine has the customer's reply ({detail})"
                )),
            }
        }
        for what in broken {
            let failure = format!("{what}: {role:?} caller {number} got {got:?}");
            verdict.failures.push(failure);
        }
    }

    /// Whether the engine queued this customer's follow-up before it recorded their reply,
    /// which is the one way a follow-up may reach a customer who replied at once: `Ok` if so,
    /// `Err` if not, each with the events that tell. Events are compared by id, the order
    /// their transactions committed in; their times are read before the work and can disagree.
    fn queued_before_reply(store: &Store, customer: &str) -> Result<String, String> {
        let (queued, replied): (Option<i64>, Option<i64>) = store
            .read(|c| {
                Ok(c.query_row(
                    "SELECT
                       (SELECT MIN(e.id) FROM events e
                          JOIN conversations c ON c.id = e.conversation_id
                         WHERE c.customer_number = ?1 AND e.kind = 'text_scheduled'
                               AND json_extract(e.data, '$.kind') = 'follow_up'),
                       (SELECT MIN(e.id) FROM events e
                          JOIN conversations c ON c.id = e.conversation_id
                         WHERE c.customer_number = ?1 AND e.kind = 'reply_received')",
                    [customer],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .expect("follow-up and reply events read");
        let detail = format!("follow-up queued in event {queued:?}, reply recorded in {replied:?}");
        match (queued, replied) {
            (Some(q), Some(r)) if q < r => Ok(detail),
            (Some(_), None) => Ok(detail),
            _ => Err(detail),
        }
    }

    /// Every text the provider accepted is recorded in the database under its SID: a text
    /// sent just before a kill was found again, not forgotten.
    fn check_recorded(verdict: &mut Verdict, store: &Store, sent: &[&SandboxMessage]) {
        for message in sent {
            let recorded = store
                .read(|c| textback::store::message_by_sid(c, &message.sid))
                .expect("a message is looked up by SID");
            if recorded.is_none() {
                verdict.failures.push(format!(
                    "every text the provider accepted is recorded in the database, but {} to {} \
                     is not ({:?})",
                    message.sid, message.to, message.body
                ));
            }
        }
    }

    fn check_integrity(verdict: &mut Verdict, store: &Store) {
        match store.integrity_check() {
            Ok(answer) if answer == "ok" => {}
            other => verdict.failures.push(format!(
                "the database survives every kill intact, but integrity_check says {other:?}"
            )),
        }
    }

    /// `textback calls --json` lists every missed call exactly once, and no call twice.
    ///
    /// Limitation: an answered call may be missing. The sandbox records a call only once it
    /// has ended, with its start 127 s in the past for an answered call, beyond the two
    /// minutes by which the engine's call poll overlaps; Twilio lists a call while it is in
    /// progress, so the engine never falls behind it there.
    fn check_calls_listed(verdict: &mut Verdict, world: &World) {
        let output = Command::new(env!("CARGO_BIN_EXE_textback"))
            .args(["calls", "--json", "--db"])
            .arg(&world.db)
            .output()
            .expect("textback calls runs");
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            verdict
                .failures
                .push(format!("textback calls --json succeeds, but: {stderr}"));
            return;
        }
        let listed: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("textback calls prints JSON");
        let sids: Vec<&str> = listed["calls"]
            .as_array()
            .expect("a list of calls")
            .iter()
            .filter_map(|c| c["sid"].as_str())
            .collect();
        let answered = answered_calls(&world.sandbox);
        for call in world.sandbox.calls() {
            let is_parent = call.parent_call_sid.is_none();
            let times = sids.iter().filter(|s| **s == call.sid).count();
            let missed = !answered.contains(&call.sid);
            if is_parent && (times > 1 || (times == 0 && missed)) {
                verdict.failures.push(format!(
                    "textback calls lists every missed call exactly once, but {} from {} is \
                     listed {times} times",
                    call.sid, call.from
                ));
            }
        }
    }
}
