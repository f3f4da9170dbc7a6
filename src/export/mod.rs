//! CSV exports for spreadsheets and other tools: one row per conversation (a lead), or one row
//! per event of the audit log.
//!
//! Both read a connection and write to any [`Write`], row by row, so a large database is
//! exported in constant memory and the desktop app can write to a file it chose. By default the
//! file is made for spreadsheets (a byte-order mark, phone numbers kept as text, customer text
//! that looks like a formula neutralized; see [`csv`]); [`ExportOptions::plain`] writes raw
//! values for programs.

pub mod csv;

use std::io::Write;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Tz;
use rusqlite::{params, Connection};

use crate::clock::{from_ms, to_ms};
use csv::{Cell, CsvWriter};

/// What to export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// Keep what happened at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Keep what happened before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Write raw values with no byte-order mark, for programs rather than spreadsheets.
    pub plain: bool,
}

impl ExportOptions {
    /// Sets the range to the local days `from` through `to` (both included) in `tz`.
    pub fn days(mut self, tz: Tz, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Self {
        let midnight = |day: NaiveDate| {
            crate::config::local_instant(tz, day.and_hms_opt(0, 0, 0).expect("midnight exists"))
        };
        self.from = from.map(midnight);
        self.to = to.and_then(|d| d.succ_opt()).map(midnight);
        self
    }

    fn range_ms(&self) -> (i64, i64) {
        (
            self.from.map_or(i64::MIN, to_ms),
            self.to.map_or(i64::MAX, to_ms),
        )
    }
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("reading the database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("writing the export: {0}")]
    Write(#[from] std::io::Error),
}

/// The columns of [`conversations`], in order.
pub const CONVERSATION_COLUMNS: [&str; 11] = [
    "business_number",
    "customer_number",
    "name",
    "first_call",
    "last_activity",
    "status",
    "calls",
    "texts_sent",
    "replies",
    "booked",
    "assigned_to",
];

/// The columns of [`events`], in order.
pub const EVENT_COLUMNS: [&str; 7] = [
    "id",
    "time_utc",
    "time_local",
    "kind",
    "conversation_id",
    "customer_number",
    "data",
];

/// Writes one row per conversation active in the range (begun before its end, with activity
/// after its start), oldest first. Times are local to `tz`, ISO 8601 with their offset;
/// `first_call` is empty for a lead who only ever texted. `texts_sent` counts outbound texts
/// the provider accepted, automatic or by staff. Returns the number of rows.
pub fn conversations<W: Write>(
    conn: &Connection,
    tz: Tz,
    out: W,
    options: &ExportOptions,
) -> Result<usize, ExportError> {
    let mut csv = CsvWriter::new(out, options.plain)?;
    csv.record(&CONVERSATION_COLUMNS.map(Cell::Ours))?;

    let (from, to) = options.range_ms();
    let mut stmt = conn.prepare(
        "SELECT c.business_number, c.customer_number, c.customer_name,
                (SELECT MIN(COALESCE(k.ended_at, k.detected_at)) FROM calls k
                 WHERE k.conversation_id = c.id),
                c.last_activity_at, c.status,
                (SELECT COUNT(*) FROM calls k WHERE k.conversation_id = c.id),
                (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id
                     AND m.direction = 'out' AND m.sent_at IS NOT NULL),
                (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id
                     AND m.direction = 'in'),
                c.assigned_to
         FROM conversations c
         WHERE c.last_activity_at >= ?1 AND c.created_at < ?2
         ORDER BY c.created_at, c.id",
    )?;
    let mut rows = stmt.query(params![from, to])?;
    let mut count = 0;
    while let Some(r) = rows.next()? {
        let name: Option<String> = r.get(2)?;
        let first_call = r.get::<_, Option<i64>>(3)?.map(|ms| local(from_ms(ms), tz));
        let status: String = r.get(5)?;
        let counts = [r.get::<_, i64>(6)?, r.get(7)?, r.get(8)?].map(|n| n.to_string());
        let assigned: Option<String> = r.get(9)?;
        csv.record(&[
            Cell::Phone(&r.get::<_, String>(0)?),
            Cell::Phone(&r.get::<_, String>(1)?),
            Cell::Outside(name.as_deref().unwrap_or("")),
            Cell::Ours(first_call.as_deref().unwrap_or("")),
            Cell::Ours(&local(from_ms(r.get(4)?), tz)),
            Cell::Ours(&status),
            Cell::Ours(&counts[0]),
            Cell::Ours(&counts[1]),
            Cell::Ours(&counts[2]),
            Cell::Ours(if status == "booked" { "yes" } else { "no" }),
            Cell::Outside(assigned.as_deref().unwrap_or("")),
        ])?;
        count += 1;
    }
    csv.finish()?;
    Ok(count)
}

/// Writes one row per event in the range, in the order they happened: the time in UTC and in
/// `tz`, the conversation's customer number when there is one, and the event's data as JSON.
/// Returns the number of rows.
pub fn events<W: Write>(
    conn: &Connection,
    tz: Tz,
    out: W,
    options: &ExportOptions,
) -> Result<usize, ExportError> {
    let mut csv = CsvWriter::new(out, options.plain)?;
    csv.record(&EVENT_COLUMNS.map(Cell::Ours))?;

    let (from, to) = options.range_ms();
    let mut stmt = conn.prepare(
        "SELECT e.id, e.at, e.kind, e.conversation_id, c.customer_number, e.data
         FROM events e LEFT JOIN conversations c ON c.id = e.conversation_id
         WHERE e.at >= ?1 AND e.at < ?2
         ORDER BY e.at, e.id",
    )?;
    let mut rows = stmt.query(params![from, to])?;
    let mut count = 0;
    while let Some(r) = rows.next()? {
        let at = from_ms(r.get(1)?);
        let conversation = r.get::<_, Option<i64>>(3)?.map(|id| id.to_string());
        let customer: Option<String> = r.get(4)?;
        csv.record(&[
            Cell::Ours(&r.get::<_, i64>(0)?.to_string()),
            Cell::Ours(&at.to_rfc3339_opts(SecondsFormat::Secs, true)),
            Cell::Ours(&local(at, tz)),
            Cell::Ours(&r.get::<_, String>(2)?),
            Cell::Ours(conversation.as_deref().unwrap_or("")),
            Cell::Phone(customer.as_deref().unwrap_or("")),
            Cell::Outside(&r.get::<_, String>(5)?),
        ])?;
        count += 1;
    }
    csv.finish()?;
    Ok(count)
}

/// `at` in `tz`, ISO 8601 to the second with its offset, such as `2026-12-03T10:00:00-05:00`.
fn local(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}
