//! `textback stats` and `textback set-status`: the week's figures, and marking a lead's outcome
//! by the customer's number, on a database a running engine may be writing.
//!
//! The engine does not keep its configuration in a file the CLI can find, so the business's
//! time zone and country come from `--config` when given, else from the settings the engine
//! stored (key `config`), else UTC and the US; the output says which.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};
use textback::config::Config;
use textback::metrics::{self, Metrics, Period, Report};
use textback::store::{self, ConversationStatus, Store};

/// Where the business's time zone and country were found.
struct Business {
    time_zone: Tz,
    country: String,
    source: &'static str,
}

/// Reads a `--from` or `--to` date.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{text:?} is not a date; expected YYYY-MM-DD"))
}

/// Prints the figures of `from..=to`, or of this week and the last when no range is given.
pub fn stats(
    db: &Path,
    config: Option<&Path>,
    range: Option<(NaiveDate, NaiveDate)>,
    as_json: bool,
) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let business = business(&store, config)?;
    let report = match range {
        Some((first, last)) => {
            let period = Period::days(first, last, business.time_zone)
                .map_err(|_| anyhow::anyhow!("--from {first} is after --to {last}"))?;
            Report {
                current: store.read(|c| metrics::for_period(c, &period))?,
                previous: None,
            }
        }
        None => store.read(|c| metrics::weekly(c, Utc::now(), business.time_zone))?,
    };

    if as_json {
        let mut value = serde_json::to_value(&report).expect("figures serialize");
        value["time_zone"] = json!(business.time_zone.name());
        value["time_zone_source"] = json!(business.source);
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!(
            "time zone {} (from {})",
            business.time_zone.name(),
            business.source
        );
        print_table(&report.current, report.previous.as_ref());
    }
    Ok(ExitCode::SUCCESS)
}

/// Marks every conversation with `number` as `status`, recording the change; a closing
/// status also stops their follow-ups, as the inbox's own status change does.
pub fn set_status(db: &Path, number: &str, status: &str) -> anyhow::Result<ExitCode> {
    let status: ConversationStatus = status.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    let store = open(db)?;
    let business = business(&store, None)?;
    let customer = textback_text::phone::parse(number, Some(&business.country))
        .map(|p| p.e164)
        .map_err(|e| anyhow::anyhow!("{number:?} is not a phone number: {e}"))?;
    let now = Utc::now();

    let changed = store.write(|tx| {
        let conversations = store::conversations_with(tx, &customer)?;
        if conversations.is_empty() {
            return Err(store::StoreError::Invalid(format!(
                "no conversation with {customer}"
            )));
        }
        let mut changed = 0;
        for conversation in &conversations {
            changed += usize::from(tx.set_status(conversation.id, status, now)?);
            if status.is_closed() {
                tx.stop_follow_ups(conversation.id, "closed", now)?;
            }
        }
        Ok(changed)
    })?;

    if changed == 0 {
        println!("{customer} was already {status}");
    } else {
        println!("{customer} is now {status}");
    }
    Ok(ExitCode::SUCCESS)
}

fn open(db: &Path) -> anyhow::Result<Store> {
    if !db.exists() {
        anyhow::bail!("no database at {}", db.display());
    }
    Ok(Store::open(db)?)
}

/// The business's time zone and country: from `config` when given, else from the stored
/// settings, else UTC and the US.
fn business(store: &Store, config: Option<&Path>) -> anyhow::Result<Business> {
    if let Some(path) = config {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let config = Config::from_toml(&text).with_context(|| format!("{}", path.display()))?;
        return Ok(Business {
            time_zone: config.business.time_zone,
            country: config.business.country,
            source: "config file",
        });
    }
    let stored = store.read(|c| store::setting(c, "config"))?;
    let field = |pointer: &str| {
        stored
            .as_ref()
            .and_then(|s| s.pointer(pointer))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let country = field("/business/country").unwrap_or_else(|| "US".into());
    match field("/business/time_zone") {
        Some(name) => Ok(Business {
            time_zone: name
                .parse()
                .map_err(|_| anyhow::anyhow!("the stored time zone {name:?} is unknown"))?,
            country,
            source: "stored settings",
        }),
        None => Ok(Business {
            time_zone: Tz::UTC,
            country,
            source: "default, no settings stored",
        }),
    }
}

/// One line of the table: how to write a figure of a period.
type Figure = fn(&Metrics) -> String;

/// The figures as a table, the previous period beside them when there is one.
fn print_table(current: &Metrics, previous: Option<&Metrics>) {
    let title = |m: &Metrics| format!("{} – {}", m.period.first_day, m.period.last_day);
    println!(
        "{:<22} {:>24} {:>24}",
        "",
        title(current),
        previous.map(title).unwrap_or_default()
    );
    let rows: [(&str, Figure); 10] = [
        ("missed calls", |m| m.missed.to_string()),
        ("texted back", |m| m.texted.to_string()),
        ("skipped", |m| m.skipped.values().sum::<u64>().to_string()),
        ("delivered", |m| m.delivered.to_string()),
        ("failed", |m| m.failed.values().sum::<u64>().to_string()),
        ("replied", |m| m.replied.to_string()),
        ("reply rate", |m| percent(m.reply_rate)),
        ("booked", |m| m.booked.to_string()),
        ("conversion rate", |m| percent(m.conversion_rate)),
        ("time to text p50/p90", |m| {
            format!(
                "{} / {}",
                seconds(m.time_to_text_p50_s),
                seconds(m.time_to_text_p90_s)
            )
        }),
    ];
    for (label, figure) in rows {
        println!(
            "{label:<22} {:>24} {:>24}",
            figure(current),
            previous.map(figure).unwrap_or_default()
        );
    }
    println!(
        "{:<22} {:>24} {:>24}",
        "staff reply p50",
        seconds(current.staff_reply_p50_s),
        previous
            .map(|m| seconds(m.staff_reply_p50_s))
            .unwrap_or_default()
    );
    for (reason, count) in &current.skipped {
        println!("  skipped: {reason:<20} {count}");
    }
    for (code, count) in &current.failed {
        println!("  failed: error {code:<14} {count}");
    }
    for bucket in &current.time_to_text_histogram {
        let within = bucket
            .up_to_s
            .map_or_else(|| "over an hour".into(), |s| format!("up to {}", span(s)));
        println!("  texted {within:<23} {}", bucket.count);
    }
    for (step, count) in &current.replies_by_step {
        println!("  replies after {step:<16} {count}");
    }
    for (template, r) in &current.templates {
        println!(
            "  template {template:<20} n={} replied {} ({}) booked {} ({})",
            r.sent,
            r.replied,
            percent(r.reply_rate),
            r.booked,
            percent(r.booking_rate)
        );
    }
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".into(), |r| format!("{:.1} %", r * 100.0))
}

/// A bucket bound in seconds as "30 s", "5 min" or "1 h".
fn span(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s => format!("{} h", s / 3600),
    }
}

fn seconds(s: Option<f64>) -> String {
    s.map_or_else(|| "–".into(), |s| format!("{s:.0} s"))
}
