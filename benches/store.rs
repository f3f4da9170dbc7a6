//! The store benchmark: the reads behind the inbox, a thread, search and metrics, on a database
//! larger than a busy practice fills in years.
//!
//! It fills a real SQLite file, made by `Store::open` so it has the shipped schema, indexes,
//! triggers and pragmas, with 1,000,000 messages in 200,000 conversations over two years: one
//! missed call per conversation, the text-back, then replies, staff answers and follow-ups, and
//! the events the engine would have logged for each. It then closes the file, opens it again as
//! the app would, and times each read many times with the store's own query functions.
//!
//! Peak memory is read for the reading half alone (the kernel's high-water mark is reset after
//! the fill, where Linux allows it), since the fill itself holds nothing the app would.

mod common;
mod store_data;

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use textback::clock::from_ms;
use textback::metrics::{self, Period};
use textback::store::{self, ConversationStatus, InboxFilter, Store};

use common::{report, Summary};
use store_data::{fill, Filled, CONVERSATIONS, MESSAGES, WEEKS, WEEK_MS};

/// Repetitions of each read, unless its time budget runs out first.
const REPEATS: usize = 1_000;
const BUDGET: Duration = Duration::from_secs(10);
/// A page as the inbox asks for it.
const PAGE: u32 = 50;

/// Targets, printed beside the figures and never asserted.
const INBOX_P99_TARGET_MS: f64 = 5.0;
const SEARCH_P99_TARGET_MS: f64 = 20.0;
const RSS_TARGET_MB: f64 = 50.0;
const METRICS_P99_TARGET_MS: f64 = 50.0;
/// The long period timed beside the weekly figures: a quarter, a week's events thirteen times.
const QUARTER_WEEKS: i64 = 13;

fn main() -> ExitCode {
    common::init_tracing();
    common::conclude("store", run())
}

fn run() -> anyhow::Result<(Value, Vec<String>)> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("textback.db");
    let mut rng = StdRng::seed_from_u64(11);
    let end_ms = Utc::now().timestamp_millis();

    eprintln!("filling: {MESSAGES} messages in {CONVERSATIONS} conversations over {WEEKS} weeks");
    let started = Instant::now();
    let filled = fill(&path, &mut rng, end_ms)?;
    let generation = started.elapsed();
    let generation_rss_mb = common::peak_rss_mb();
    let db_size_mb = file_size_mb(&path);
    eprintln!(
        "  filled in {:.1} s: {} events; file {db_size_mb:.0} MB",
        generation.as_secs_f64(),
        filled.events
    );

    let rss_scope = if reset_peak_rss() {
        "reads"
    } else {
        "whole run"
    };
    let store = Store::open(&path)?;
    let mut failures = Vec::new();
    let reads = Reads::time(&store, &filled, &mut rng, end_ms, &mut failures)?;
    let peak_rss_mb = common::peak_rss_mb();
    reads.report(peak_rss_mb);

    let figures = json!({
        "bench": "store",
        "data": {
            "conversations": CONVERSATIONS,
            "messages": MESSAGES,
            "calls": CONVERSATIONS,
            "events": filled.events,
            "weeks": WEEKS,
        },
        "generation_s": common::secs(generation),
        "db_size_mb": db_size_mb,
        "inbox_first_page": reads.inbox,
        "inbox_status_page": reads.inbox_status,
        "thread": reads.thread,
        "search_word": reads.search_word,
        "search_number": reads.search_number,
        "weekly_aggregation": reads.weekly,
        "weekly_aggregation_any_kind": reads.weekly_any_kind,
        "metrics": reads.metrics,
        "weekly_report": reads.weekly_report,
        "quarter_metrics": reads.quarter,
        "call_for_message": reads.call_for_message,
        "peak_rss_mb": peak_rss_mb,
        "peak_rss_scope": rss_scope,
        "peak_rss_generation_mb": generation_rss_mb,
        "targets": {
            "inbox_p99_ms_below": INBOX_P99_TARGET_MS,
            "search_p99_ms_below": SEARCH_P99_TARGET_MS,
            "peak_rss_mb_below": RSS_TARGET_MB,
            "weekly_report_p99_ms_below": METRICS_P99_TARGET_MS,
        },
    });
    Ok((figures, failures))
}

/// The timings of every read, and the checks that the reads found something.
struct Reads {
    inbox: Summary,
    inbox_status: Summary,
    thread: Summary,
    search_word: Summary,
    search_number: Summary,
    weekly: Summary,
    weekly_any_kind: Summary,
    metrics: Summary,
    weekly_report: Summary,
    quarter: Summary,
    call_for_message: Summary,
}

impl Reads {
    fn time(
        store: &Store,
        filled: &Filled,
        rng: &mut StdRng,
        end_ms: i64,
        failures: &mut Vec<String>,
    ) -> anyhow::Result<Self> {
        let first_page = InboxFilter {
            limit: Some(PAGE),
            ..InboxFilter::default()
        };
        let inbox = repeat("inbox, first page", failures, |_| {
            let page = store.read(|c| store::inbox(c, &first_page))?;
            let full = page.conversations.len() == PAGE as usize;
            check(full, "a full first page")
        })?;
        let inbox_status = repeat("inbox, one status", failures, |i| {
            let filter = InboxFilter {
                status: Some(STATUSES[i % STATUSES.len()]),
                ..first_page.clone()
            };
            let page = store.read(|c| store::inbox(c, &filter))?;
            check(
                !page.conversations.is_empty(),
                "conversations of each status",
            )
        })?;
        let thread = repeat("thread", failures, |_| {
            let id = rng.random_range(1..=CONVERSATIONS as i64);
            let thread = store.read(|c| store::thread(c, id))?;
            check(thread.items.len() >= 2, "a call and a text in every thread")
        })?;

        let search_word = repeat("search, a word", failures, |i| {
            let word = SEARCH_WORDS[i % SEARCH_WORDS.len()];
            let hits = store.read(|c| store::search(c, word, PAGE))?;
            check(!hits.is_empty(), "hits for every word searched")
        })?;
        let search_number = repeat("search, part of a number", failures, |_| {
            let customer = filled.customers.choose(rng).context("customers")?;
            let start = rng.random_range(5..=customer.len() - 4);
            let fragment = &customer[start..start + 4];
            let hits = store.read(|c| store::search(c, fragment, PAGE))?;
            check(!hits.is_empty(), "a hit for a fragment of a known number")
        })?;

        let weekly = weekly_aggregation(
            store,
            WEEKLY_NAMED_KINDS,
            "weekly aggregation",
            filled,
            end_ms,
            failures,
        )?;
        let weekly_any_kind = weekly_aggregation(
            store,
            WEEKLY_ANY_KIND,
            "weekly, any kind",
            filled,
            end_ms,
            failures,
        )?;

        let metrics = weekly_metrics(store, end_ms, failures)?;
        let weekly_report = weekly_report(store, end_ms, rng, failures)?;
        let quarter = quarter_metrics(store, end_ms, failures)?;

        // The same look-up by `calls.message_id` that recording a sent, failed or withdrawn text
        // makes (`UPDATE calls ... WHERE message_id = ?`), timed here where it can be read alone.
        let call_for_message = repeat("call behind a text", failures, |_| {
            let message_id = rng.random_range(1..=MESSAGES as i64);
            store.read(|c| store::call_for_message(c, message_id))?;
            Ok(Ok(()))
        })?;

        Ok(Self {
            inbox,
            inbox_status,
            thread,
            search_word,
            search_number,
            weekly,
            weekly_any_kind,
            metrics,
            weekly_report,
            quarter,
            call_for_message,
        })
    }

    fn report(&self, peak_rss_mb: Option<f64>) {
        let p99 = |s: &Summary| format!("{:.3} ms", s.p99_ms);
        report(
            "inbox first page p99",
            p99(&self.inbox),
            &format!("< {INBOX_P99_TARGET_MS} ms"),
            self.inbox.p99_ms < INBOX_P99_TARGET_MS,
        );
        report(
            "inbox status page p99",
            p99(&self.inbox_status),
            &format!("< {INBOX_P99_TARGET_MS} ms"),
            self.inbox_status.p99_ms < INBOX_P99_TARGET_MS,
        );
        report("thread p99", p99(&self.thread), "(none)", true);
        for (label, summary) in [
            ("search word p99", &self.search_word),
            ("search number p99", &self.search_number),
        ] {
            report(
                label,
                p99(summary),
                &format!("< {SEARCH_P99_TARGET_MS} ms"),
                summary.p99_ms < SEARCH_P99_TARGET_MS,
            );
        }
        report("weekly aggregation p99", p99(&self.weekly), "(none)", true);
        report(
            "weekly aggregation, any kind p99",
            p99(&self.weekly_any_kind),
            "(none)",
            true,
        );
        report("one week's figures p99", p99(&self.metrics), "(none)", true);
        report(
            "weekly report p99",
            p99(&self.weekly_report),
            &format!("< {METRICS_P99_TARGET_MS} ms"),
            self.weekly_report.p99_ms < METRICS_P99_TARGET_MS,
        );
        report(
            "a quarter's figures p99",
            p99(&self.quarter),
            "(none)",
            true,
        );
        report(
            "call behind a text p99",
            p99(&self.call_for_message),
            "(none)",
            true,
        );
        let rss = peak_rss_mb.unwrap_or(f64::NAN);
        report(
            "peak RSS",
            format!("{rss:.1} MB"),
            &format!("< {RSS_TARGET_MB} MB"),
            rss < RSS_TARGET_MB,
        );
    }
}

/// A weekly report's count of events by kind: the kinds it shows named, so SQLite answers
/// from the `events_by_kind` index alone.
const WEEKLY_NAMED_KINDS: &str = "
    SELECT kind, COUNT(*) FROM events
    WHERE kind IN ('call_detected', 'call_skipped', 'text_sent', 'text_failed', 'reply_received',
                   'opted_out', 'status_changed')
          AND at >= ?1 AND at < ?2
    GROUP BY kind";

/// The same count over whatever kinds the week holds: SQLite walks `events_by_time` and reads
/// every event row of the week to learn its kind. Timed beside the other to show the cost.
const WEEKLY_ANY_KIND: &str =
    "SELECT kind, COUNT(*) FROM events WHERE at >= ?1 AND at < ?2 GROUP BY kind";

/// Times `sql`, a count of events by kind between `?1` and `?2`, over each week in turn, and
/// checks the weeks together hold every event written.
fn weekly_aggregation(
    store: &Store,
    sql: &str,
    label: &str,
    filled: &Filled,
    end_ms: i64,
    failures: &mut Vec<String>,
) -> anyhow::Result<Summary> {
    let plan = store.read(|c| {
        let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        let rows = stmt.query_map([0, 0], |r| r.get::<_, String>(3))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    })?;
    eprintln!("  {label} plan: {}", plan.join("; "));

    let week = |i: usize| {
        let from = end_ms - WEEKS * WEEK_MS + (i as i64 % WEEKS) * WEEK_MS;
        (from, from + WEEK_MS)
    };
    let mut total = 0;
    let summary = repeat(label, failures, |i| {
        let (from, to) = week(i);
        let counts: Vec<(String, i64)> = store.read(|c| {
            let mut stmt = c.prepare_cached(sql)?;
            let rows = stmt.query_map([from, to], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        if i < WEEKS as usize {
            total += counts.iter().map(|(_, n)| n).sum::<i64>();
        }
        check(!counts.is_empty(), "events in every week")
    })?;
    if total != filled.events {
        failures.push(format!(
            "{label}: the weeks hold {total} events, {} were written",
            filled.events
        ));
    }
    Ok(summary)
}

/// Times every figure of `textback::metrics` over each week in turn, and checks the weeks
/// together count every call as missed (the fill writes one missed call per conversation).
fn weekly_metrics(
    store: &Store,
    end_ms: i64,
    failures: &mut Vec<String>,
) -> anyhow::Result<Summary> {
    let week = |i: usize| utc_weeks(end_ms - WEEKS * WEEK_MS + (i as i64 % WEEKS) * WEEK_MS, 1);
    let mut missed = 0;
    let summary = repeat("weekly metrics", failures, |i| {
        let figures = store.read(|c| metrics::for_period(c, &week(i)))?;
        if i < WEEKS as usize {
            missed += figures.missed;
        }
        check(
            figures.texted > 0 && figures.replied > 0 && figures.time_to_text_p50_s.is_some(),
            "texts, replies and times in every week",
        )
    })?;
    if missed != CONVERSATIONS as u64 {
        failures.push(format!(
            "weekly metrics: the weeks count {missed} missed calls, {CONVERSATIONS} were written"
        ));
    }
    Ok(summary)
}

/// Times what `textback stats` and the app's metrics screen show by default: the figures of the
/// week (Monday to Monday) containing a moment picked at random, and of the week before.
fn weekly_report(
    store: &Store,
    end_ms: i64,
    rng: &mut StdRng,
    failures: &mut Vec<String>,
) -> anyhow::Result<Summary> {
    let start_ms = end_ms - WEEKS * WEEK_MS;
    repeat("weekly report", failures, |_| {
        let now = from_ms(rng.random_range(start_ms + 2 * WEEK_MS..end_ms));
        let report = store.read(|c| metrics::weekly(c, now, chrono_tz::UTC))?;
        let previous = report.previous.as_ref().map_or(0, |p| p.texted);
        check(
            report.current.texted > 0 && previous > 0,
            "texts in the week and in the week before",
        )
    })
}

/// Times the figures of a quarter ending at each week's end in turn: the cost of a long range
/// picked in the app, thirteen weeks of events at once.
fn quarter_metrics(
    store: &Store,
    end_ms: i64,
    failures: &mut Vec<String>,
) -> anyhow::Result<Summary> {
    let start_ms = end_ms - WEEKS * WEEK_MS;
    let quarters = WEEKS - QUARTER_WEEKS + 1;
    repeat("a quarter's figures", failures, |i| {
        let period = utc_weeks(start_ms + (i as i64 % quarters) * WEEK_MS, QUARTER_WEEKS);
        let figures = store.read(|c| metrics::for_period(c, &period))?;
        check(
            figures.missed > 0 && figures.replied > 0,
            "missed calls and replies in every quarter",
        )
    })
}

/// The period of `weeks` weeks from `start_ms`, in UTC.
fn utc_weeks(start_ms: i64, weeks: i64) -> Period {
    let from = from_ms(start_ms);
    let to = from + chrono::Duration::milliseconds(weeks * WEEK_MS);
    Period {
        first_day: from.date_naive(),
        last_day: (to - chrono::Duration::milliseconds(1)).date_naive(),
        from,
        to,
        time_zone: chrono_tz::UTC,
    }
}

/// Runs `read` up to [`REPEATS`] times or until [`BUDGET`] is spent, and summarizes its
/// times. A read that answers wrongly is not timed; the first few such answers become failed
/// checks.
fn repeat(
    label: &str,
    failures: &mut Vec<String>,
    mut read: impl FnMut(usize) -> anyhow::Result<Result<(), String>>,
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let mut samples = Vec::with_capacity(REPEATS);
    let mut wrong = 0;
    for i in 0..REPEATS {
        if started.elapsed() > BUDGET {
            break;
        }
        let at = Instant::now();
        match read(i)? {
            Ok(()) => samples.push(at.elapsed()),
            Err(problem) => {
                wrong += 1;
                if wrong <= 3 {
                    failures.push(format!("{label}: {problem}"));
                }
            }
        }
    }
    let summary = Summary::of(&samples);
    eprintln!(
        "  {label:<26} n={:<5} p50 {:>8.3} ms  p99 {:>8.3} ms  max {:>8.3} ms",
        summary.n, summary.p50_ms, summary.p99_ms, summary.max_ms
    );
    Ok(summary)
}

/// `Ok` when `holds`, else the expectation that failed.
fn check(holds: bool, expected: &str) -> anyhow::Result<Result<(), String>> {
    Ok(if holds {
        Ok(())
    } else {
        Err(format!("expected {expected}"))
    })
}

/// Resets the kernel's peak-memory mark for this process; false where Linux does not allow it.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The database file and its write-ahead log, in MB.
fn file_size_mb(path: &Path) -> f64 {
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let wal = path.with_extension("db-wal");
    let bytes = size(path) + size(&wal);
    (bytes as f64 / 1_048_576.0 * 10.0).round() / 10.0
}

/// The statuses the inbox filters by, in turn.
const STATUSES: [ConversationStatus; 5] = [
    ConversationStatus::Texted,
    ConversationStatus::Replied,
    ConversationStatus::Booked,
    ConversationStatus::Lost,
    ConversationStatus::Spam,
];
/// What staff search for: common words, rarer words and names.
const SEARCH_WORDS: &[&str] = &[
    "appointment",
    "reschedule",
    "insurance",
    "Martinez",
    "crown",
    "whitening",
    "Aetna",
    "tomorrow",
];
