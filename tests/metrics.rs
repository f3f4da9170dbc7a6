//! The weekly figures, from a week scripted through the engine against the sandbox, with the
//! counts known in advance; and the `textback stats` and `textback set-status` commands on
//! the same database.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use chrono::NaiveDate;
use serde_json::Value;
use textback::metrics::{self, Metrics, Period};
use textback::store::{self, ConversationStatus};
use textback_sandbox::CallOutcome;

use support::{caller, Harness};

/// Caller IDs the rules refuse, each for its own reason.
const ANONYMOUS: &str = "+266696687";
const ABROAD: &str = "+447400123456";
/// Twilio's test number that refuses texts as unreachable (21612).
const UNREACHABLE: &str = "+15005550002";

/// The week of the scripted calls: Monday 30 November to Sunday 6 December 2026.
fn scripted_week() -> Period {
    let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
    let first = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    Period::days(first, day(6), chrono_tz::America::New_York).unwrap()
}

/// Thursday at 10:00 in New York: three callers texted back, one answered call, five missed
/// calls skipped for five reasons, one text-back refused by the provider; a reply to the
/// text-back answered by staff 10 minutes later and booked; a reply to the first follow-up.
async fn scripted() -> Harness {
    let h = Harness::new("").await;
    h.handle.block(&caller(5), Some("spam")).unwrap();
    h.handle.set_opted_out(&caller(6), true).unwrap();
    // Stored settings tell the command line the business's time zone.
    h.handle.update_settings(h.handle.settings()).unwrap();

    for (n, outcome) in [
        (1, CallOutcome::NoAnswer),
        (2, CallOutcome::Busy),
        (3, CallOutcome::Voicemail),
        (4, CallOutcome::Answered),
        (5, CallOutcome::NoAnswer),
        (6, CallOutcome::NoAnswer),
    ] {
        h.call(&caller(n), outcome);
    }
    h.call(ANONYMOUS, CallOutcome::NoAnswer);
    h.call(ABROAD, CallOutcome::NoAnswer);
    h.call(UNREACHABLE, CallOutcome::NoAnswer);
    h.step().await;
    h.advance(15);
    h.step().await;
    h.engine.refresh_delivery().await.unwrap();

    h.advance(60);
    h.call(&caller(2), CallOutcome::Busy);
    h.step().await;
    h.advance(60);
    h.sms(&caller(1), "Can I come in Tuesday?");
    h.step().await;
    h.advance(600);
    let first = conversation_with(&h, &caller(1));
    h.handle
        .send_reply(first, "Tuesday 9:00 works", None)
        .unwrap();
    h.step().await;
    h.handle
        .set_status(first, ConversationStatus::Booked)
        .unwrap();

    h.advance(3 * 3600);
    h.step().await;
    h.advance(60);
    h.sms(&caller(3), "Yes please call me");
    h.step().await;
    h
}

fn conversation_with(h: &Harness, number: &str) -> i64 {
    h.store()
        .read(|c| store::conversations_with(c, number))
        .unwrap()[0]
        .id
}

fn week_of(h: &Harness) -> Metrics {
    h.store()
        .read(|c| metrics::for_period(c, &scripted_week()))
        .unwrap()
}

fn textback(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_textback"))
        .args(args)
        .arg("--db")
        .arg(db)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

fn db(h: &Harness) -> std::path::PathBuf {
    h.dir.path().join("textback.db")
}

/// Every count of the scripted week comes out exactly.
#[tokio::test]
async fn a_scripted_week_gives_its_known_counts() {
    let h = scripted().await;

    let m = week_of(&h);

    assert_eq!(
        m.missed, 9,
        "eight missed callers, one twice; the answered call is not"
    );
    assert_eq!(m.texted, 3, "callers 1, 2 and 3 were texted back");
    let skipped: Vec<(&str, u64)> = m.skipped.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        skipped,
        [
            ("anonymous", 1),
            ("blocked", 1),
            ("country_not_allowed", 1),
            ("dedupe", 1),
            ("opted_out", 1),
        ],
        "one skip for each reason"
    );
    assert_eq!(
        m.delivered, 3,
        "the three text-backs were reported delivered"
    );
    let failed: Vec<(&str, u64)> = m.failed.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(failed, [("21612", 1)], "one text refused as unreachable");
    assert_eq!(m.replied, 2, "callers 1 and 3 answered");
    assert_eq!(m.reply_rate, Some(0.6667), "2 of 3");
    assert_eq!(m.booked, 1, "caller 1 booked");
    assert_eq!(
        m.conversion_rate,
        Some(0.1111),
        "1 booking for 9 missed calls"
    );
}

/// Who answered which text, how fast staff wrote back, and when calls were missed.
#[tokio::test]
async fn replies_are_credited_to_the_text_they_answer() {
    let h = scripted().await;

    let m = week_of(&h);

    assert_eq!(m.replies_by_step.get("text_back"), Some(&1), "caller 1");
    assert_eq!(
        m.replies_by_step.get("follow_up_1"),
        Some(&1),
        "caller 3, after the 3 h follow-up"
    );
    assert_eq!(
        m.staff_reply_p50_s,
        Some(600.0),
        "staff answered 10 minutes later"
    );
    assert_eq!(m.staff_reply_n, 1, "in one conversation");
    let template = &m.templates["business_hours"];
    assert_eq!(
        (template.sent, template.replied, template.booked),
        (3, 2, 1),
        "the business-hours text's sample, replies and bookings"
    );
    let thursday_ten = m.missed_by_hour[3][10];
    assert_eq!(thursday_ten, 9, "every missed call on Thursday at 10");
    let total: u64 = m.missed_by_hour.iter().flatten().sum();
    assert_eq!(total, m.missed, "the matrix holds every missed call");
}

/// The grace of 15 s under the manual clock is the time to text.
#[tokio::test]
async fn time_to_text_is_the_grace() {
    let h = scripted().await;

    let m = week_of(&h);

    assert_eq!(
        m.time_to_text_p50_s,
        Some(15.0),
        "median from call end to text"
    );
    assert_eq!(m.time_to_text_p90_s, Some(15.0), "p90 too");
    assert_eq!(m.time_to_text_n, 3, "over the three text-backs");
    let counts: Vec<(Option<u64>, u64)> = m
        .time_to_text_histogram
        .iter()
        .map(|b| (b.up_to_s, b.count))
        .collect();
    assert_eq!(
        counts,
        [
            (Some(5), 0),
            (Some(15), 3),
            (Some(30), 0),
            (Some(60), 0),
            (Some(300), 0),
            (Some(900), 0),
            (Some(3600), 0),
            (None, 0)
        ],
        "all three in the bucket up to 15 s"
    );
}

/// The default week is the one the engine's clock is in, with the week before beside it.
#[tokio::test]
async fn the_weekly_report_holds_this_week_and_the_last() {
    let h = scripted().await;

    let report = h.handle.weekly_metrics().unwrap();

    assert_eq!(report.current, week_of(&h), "this week is the scripted one");
    let previous = report.previous.expect("the week before is given");
    assert_eq!(
        previous.period.last_day.to_string(),
        "2026-11-29",
        "ends Sunday"
    );
    assert_eq!(previous.missed, 0, "nothing happened the week before");
}

/// `textback stats --json` reads the same figures from the database.
#[tokio::test]
async fn the_stats_command_agrees() {
    let h = scripted().await;
    let expected = serde_json::to_value(week_of(&h)).unwrap();

    let out = textback(
        &db(&h),
        &[
            "stats",
            "--json",
            "--from",
            "2026-11-30",
            "--to",
            "2026-12-06",
        ],
    );

    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "missed",
        "texted",
        "skipped",
        "delivered",
        "failed",
        "replied",
        "reply_rate",
        "booked",
        "conversion_rate",
        "time_to_text_p50_s",
        "time_to_text_p90_s",
        "time_to_text_histogram",
        "missed_by_hour",
        "templates",
    ] {
        assert_eq!(
            printed[key], expected[key],
            "{key} as the library computes it"
        );
    }
    assert_eq!(
        printed["time_zone"], "America/New_York",
        "the stored settings' time zone"
    );
    assert_eq!(
        printed["time_zone_source"], "stored settings",
        "and says so"
    );
}

/// Without `--json`, `textback stats` prints the same figures as a table a person reads.
#[tokio::test]
async fn the_stats_table_reads_the_same_figures() {
    let h = scripted().await;
    let m = week_of(&h);

    let out = textback(
        &db(&h),
        &["stats", "--from", "2026-11-30", "--to", "2026-12-06"],
    );

    assert!(
        out.status.success(),
        "stats runs: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    let row = |label: &str| -> Vec<String> {
        let line = table
            .lines()
            .find(|line| line.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("a row {label:?} in:\n{table}"));
        line[line.find(label).unwrap() + label.len()..]
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(row("missed calls"), [m.missed.to_string()]);
    assert_eq!(row("texted back"), [m.texted.to_string()]);
    assert_eq!(row("texted up to 15 s"), ["3"], "the histogram's bucket");
    assert_eq!(row("texted over an hour"), ["0"], "and its open end");
}

/// A date that is not one is refused, naming the argument.
#[tokio::test]
async fn a_bad_date_names_its_argument() {
    let h = Harness::new("").await;

    let out = textback(
        &db(&h),
        &["stats", "--from", "2026-02-30", "--to", "2026-03-01"],
    );

    assert!(!out.status.success(), "refused");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--from"), "names --from: {stderr}");
}

/// `textback set-status` marks the caller's conversation booked beside a running engine,
/// stops its follow-ups, and the booking shows in the week's figures.
#[tokio::test]
async fn set_status_books_a_conversation() {
    let h = Harness::new("").await;
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;
    h.advance(15);
    h.step().await;

    let out = textback(&db(&h), &["set-status", "(212) 555-2001", "booked"]);

    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = conversation_with(&h, &caller(1));
    let status = h
        .store()
        .read(|c| store::conversation_status(c, id))
        .unwrap();
    assert_eq!(
        status,
        ConversationStatus::Booked,
        "the conversation is booked"
    );
    h.advance(3 * 3600);
    h.step().await;
    assert_eq!(
        h.texts_to(&caller(1)).len(),
        1,
        "no follow-up after booking"
    );
    // The command records the change at the real time, so its week is the real one.
    let out = textback(&db(&h), &["stats", "--json"]);
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["booked"], 1, "the booking is counted");
    assert!(printed["previous"].is_object(), "beside the week before");
}

/// An unknown status, or a number nobody has a conversation with, is refused with exit 1.
#[tokio::test]
async fn set_status_refuses_what_it_cannot_do() {
    let h = Harness::new("").await;
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;

    let unknown = textback(&db(&h), &["set-status", &caller(1), "maybe"]);
    let stranger = textback(&db(&h), &["set-status", &caller(9), "booked"]);

    assert_eq!(unknown.status.code(), Some(1), "unknown status fails");
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("unknown status"),
        "and says why"
    );
    assert_eq!(stranger.status.code(), Some(1), "unknown number fails");
    assert!(
        String::from_utf8_lossy(&stranger.stderr).contains("no conversation"),
        "and says why"
    );
}
