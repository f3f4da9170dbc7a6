//! The figures an owner reads each week: how many calls were missed, how many callers were
//! texted back, how many answered and booked, and how fast it all went.
//!
//! Every figure is computed from the `events` table, the same audit log the engine writes in
//! the transaction of each change, joined to `messages` and `calls` through the ids an event's
//! `data` carries. Nothing is kept in counters of its own, so any figure can be recomputed
//! later and checked against the events behind it.
//!
//! A period is whole local days in the business's time zone ([`Period`]); by default the week
//! from Monday 00:00 to the next Monday 00:00 that contains "now", with the week before it
//! beside it. An event belongs to the period its `at` falls in. The definitions:
//!
//! - `missed`: `call_detected` events with `missed = true`.
//! - `texted`: `text_sent` events for a message of kind `text_back`.
//! - `skipped`: `call_skipped` events, by reason code. Only missed calls are skipped; a
//!   text-back withdrawn because the caller got through (`text_cancelled`) is not a skip.
//! - `delivered`: automatic texts (text-backs and follow-ups) with a `delivery_changed` event
//!   to `delivered`, each text once.
//! - `failed`: automatic texts with a `text_failed` event (the provider refused them) or a
//!   `delivery_changed` event to `undelivered` or `failed`, each text once, by error code
//!   (`unknown` when the provider gave none).
//! - `replied`: conversations with a text-back sent in the period and a `reply_received` after
//!   it, before any later text-back to them. The reply may come after the period: it is
//!   credited to the period of the text-back it answers, so the latest figures can still grow
//!   while replies come in. A conversation texted twice in one period counts once here and
//!   twice in `texted`; the dedupe window (24 h by default) makes that rare.
//! - `reply_rate`: `replied / texted`; `null` when nothing was texted.
//! - `booked`: conversations with a `status_changed` event to `booked` in the period, each
//!   once, whenever their call was.
//! - `conversion_rate`: `booked / missed`, both counted in the period: the share of the
//!   period's missed calls the business turned into bookings, not a cohort (a call missed on
//!   Sunday and booked on Monday counts in two weeks). Missed calls rather than texts are the
//!   denominator because they are what the owner stood to lose.
//! - `time_to_text_p50_s`, `time_to_text_p90_s`: nearest-rank percentiles of the seconds from
//!   a call's end (`calls.ended_at`) to its text-back's `text_sent` event, over the text-backs
//!   sent in the period.
//! - `time_to_text_histogram`: the same seconds counted in the buckets of
//!   [`TIME_TO_TEXT_BUCKETS_S`]: each bucket holds the times above the one before's bound and up
//!   to its own `up_to_s`; the last, with `up_to_s` null, holds the longer ones.
//! - `staff_reply_p50_s`: the median seconds from a replied conversation's first reply to the
//!   first staff text sent after it, over the conversations counted in `replied`.
//! - `replies_by_step`: the conversations counted in `replied`, by the automatic text sent
//!   last before their first reply: `text_back`, `follow_up_1`, `follow_up_2`, ...
//! - `templates`: for each `messages.template` of the period's text-backs, how many were sent
//!   (`n`), answered and followed by a booking (before the next text-back), with the rates.
//! - `missed_by_hour`: missed calls by local weekday (Monday first) and hour of the call's end.
//!
//! The queries name the event kinds they read and the values of `data` they need in the same
//! `json_extract` expressions as the covering indexes of the schema's fourth migration, so
//! SQLite answers each from an ordered range of one index instead of parsing events' JSON. The
//! reply figures follow each texted conversation past the period's end; `steps` explains how
//! that is read. [`weekly`] reads the events of both its weeks once.
//!
//! The time grows with the period's events, not with the size of the database: on the store
//! benchmark's two years of 1,000,000 messages the weekly report (about 1,900 missed calls a
//! week) takes p99 27 ms on a 2-core machine, while a quarter of 25,000 missed calls takes
//! p99 150 ms. Most of it is reading the index entries and the texts they name one row at a
//! time, and sorting them by conversation, so a long range picked in the app is not instant.

mod cohort;
mod period;
mod read;
mod steps;

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;
use rusqlite::Connection;
use serde::Serialize;

pub use period::{BackwardsPeriod, Period};
use steps::Log;

use crate::clock::{from_ms, to_ms};
use crate::store::Result;

/// The figures of one period. See the module documentation for each definition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub period: Period,
    pub missed: u64,
    pub texted: u64,
    pub skipped: BTreeMap<String, u64>,
    pub delivered: u64,
    pub failed: BTreeMap<String, u64>,
    pub replied: u64,
    pub reply_rate: Option<f64>,
    pub booked: u64,
    pub conversion_rate: Option<f64>,
    pub time_to_text_p50_s: Option<f64>,
    pub time_to_text_p90_s: Option<f64>,
    /// Text-backs whose time to text is known.
    pub time_to_text_n: u64,
    pub time_to_text_histogram: Vec<TimeBucket>,
    pub staff_reply_p50_s: Option<f64>,
    /// Replied conversations in which staff wrote back.
    pub staff_reply_n: u64,
    pub replies_by_step: BTreeMap<String, u64>,
    pub templates: BTreeMap<String, TemplateResults>,
    /// Seven rows, Monday first, of 24 hours each.
    pub missed_by_hour: Vec<[u64; 24]>,
}

/// The upper bounds, in seconds, of the buckets the time to text is counted in; one more
/// bucket holds the longer times. The text-backs a quiet night holds until morning land there.
pub const TIME_TO_TEXT_BUCKETS_S: [u64; 7] = [5, 15, 30, 60, 300, 900, 3600];

/// Text-backs whose time to text falls in one bucket of a histogram.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeBucket {
    /// The bucket's upper bound in seconds, inclusive; `None` for the last, open bucket.
    pub up_to_s: Option<u64>,
    pub count: u64,
}

/// How the text-backs of one template fared.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct TemplateResults {
    /// Text-backs sent: the sample size of both rates.
    #[serde(rename = "n")]
    pub sent: u64,
    pub replied: u64,
    pub reply_rate: Option<f64>,
    pub booked: u64,
    pub booking_rate: Option<f64>,
}

/// A period's figures with, for a default week, the week before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    #[serde(flatten)]
    pub current: Metrics,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<Metrics>,
}

/// The figures of the week containing `now`, local time, and of the week before.
pub fn weekly(conn: &Connection, now: DateTime<Utc>, time_zone: Tz) -> Result<Report> {
    let week = Period::week_of(now, time_zone);
    let previous = week.previous();
    // The previous week's text-backs are followed through this week: read both weeks once.
    let log = Log::read(conn, to_ms(previous.from), to_ms(week.to))?;
    Ok(Report {
        previous: Some(figures(conn, &previous, &log)?),
        current: figures(conn, &week, &log)?,
    })
}

/// The figures of `period`, from the events stored so far.
pub fn for_period(conn: &Connection, period: &Period) -> Result<Metrics> {
    let log = Log::read(conn, to_ms(period.from), to_ms(period.to))?;
    figures(conn, period, &log)
}

/// The figures of `period`, its texts followed through `log`, which covers it.
fn figures(conn: &Connection, period: &Period, log: &Log) -> Result<Metrics> {
    let (from, to) = (to_ms(period.from), to_ms(period.to));

    let missed_at = read::missed_calls(conn, from, to)?;
    let missed = missed_at.len() as u64;
    let booked = read::booked(conn, from, to)?;
    let steps = log.texted_conversations(from, to);
    let mut cohort = cohort::follow(&steps, to);

    cohort.time_to_text_s.sort_by(f64::total_cmp);
    cohort.staff_reply_s.sort_by(f64::total_cmp);
    for results in cohort.templates.values_mut() {
        results.reply_rate = rate(results.replied, results.sent);
        results.booking_rate = rate(results.booked, results.sent);
    }
    Ok(Metrics {
        period: period.clone(),
        missed,
        texted: cohort.texted,
        skipped: read::skipped(conn, from, to)?,
        delivered: read::delivered(conn, from, to)?,
        failed: read::failed(conn, from, to)?,
        replied: cohort.replied,
        reply_rate: rate(cohort.replied, cohort.texted),
        booked,
        conversion_rate: rate(booked, missed),
        time_to_text_p50_s: percentile(&cohort.time_to_text_s, 0.50),
        time_to_text_p90_s: percentile(&cohort.time_to_text_s, 0.90),
        time_to_text_n: cohort.time_to_text_s.len() as u64,
        time_to_text_histogram: histogram(&cohort.time_to_text_s),
        staff_reply_p50_s: percentile(&cohort.staff_reply_s, 0.50),
        staff_reply_n: cohort.staff_reply_s.len() as u64,
        replies_by_step: cohort.replies_by_step,
        templates: cohort.templates,
        missed_by_hour: by_weekday_and_hour(&missed_at, period.time_zone),
    })
}

/// `part / whole`, rounded to four places; `None` when `whole` is zero.
fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0)
}

/// The nearest-rank percentile `q` (0 to 1) of sorted values; `None` when there are none.
fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

/// Counts seconds in the buckets of [`TIME_TO_TEXT_BUCKETS_S`] and the open one after them.
fn histogram(seconds: &[f64]) -> Vec<TimeBucket> {
    let bounds = TIME_TO_TEXT_BUCKETS_S.iter().map(|&b| Some(b));
    let mut buckets: Vec<TimeBucket> = bounds
        .chain([None])
        .map(|up_to_s| TimeBucket { up_to_s, count: 0 })
        .collect();
    for &s in seconds {
        let index = TIME_TO_TEXT_BUCKETS_S
            .iter()
            .position(|&bound| s <= bound as f64)
            .unwrap_or(TIME_TO_TEXT_BUCKETS_S.len());
        buckets[index].count += 1;
    }
    buckets
}

/// Counts instants (milliseconds) by local weekday, Monday first, and hour.
fn by_weekday_and_hour(instants: &[i64], time_zone: Tz) -> Vec<[u64; 24]> {
    let mut matrix = vec![[0; 24]; 7];
    for ms in instants {
        let local = from_ms(*ms).with_timezone(&time_zone);
        let day = local.weekday().num_days_from_monday() as usize;
        matrix[day][local.hour() as usize] += 1;
    }
    matrix
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let values: Vec<f64> = (1..=10).map(f64::from).collect();

        assert_eq!(percentile(&values, 0.5), Some(5.0), "median of 1..=10");
        assert_eq!(percentile(&values, 0.9), Some(9.0), "p90 of 1..=10");
        assert_eq!(percentile(&[], 0.5), None, "nothing to rank");
    }

    #[test]
    fn a_time_on_a_bucket_bound_counts_in_that_bucket() {
        let counts =
            |seconds: &[f64]| -> Vec<u64> { histogram(seconds).iter().map(|b| b.count).collect() };

        assert_eq!(counts(&[]), vec![0; 8], "eight empty buckets");
        assert_eq!(
            counts(&[0.0, 5.0, 5.5, 60.0, 3600.0, 3600.5, 36_000.0]),
            vec![2, 1, 0, 1, 0, 0, 1, 2],
        );
        let last = histogram(&[]).pop().expect("an open bucket");
        assert_eq!(last.up_to_s, None, "the last bucket has no bound");
    }

    #[test]
    fn a_rate_of_nothing_is_absent_not_zero() {
        assert_eq!(rate(0, 0), None, "no denominator, no rate");
        assert_eq!(rate(1, 3), Some(0.3333), "rounded to four places");
    }
}
