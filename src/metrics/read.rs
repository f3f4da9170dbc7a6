//! The queries behind the counted figures. Each names the event kind it reads and the values of
//! `data` it needs exactly as one of the covering `events_*` indexes holds them, so SQLite reads
//! that index's range for the period and neither the events' rows nor their JSON, and reaches
//! messages and calls by primary key.

use std::collections::BTreeMap;

use rusqlite::{params, Connection};

use crate::store::Result;

/// Automatic texts: the ones whose delivery the figures report.
const AUTOMATIC: &str = "('text_back', 'follow_up')";

/// The end (else start, else detection) of every call detected as missed in `[from, to)`, in
/// milliseconds.
pub fn missed_calls(conn: &Connection, from: i64, to: i64) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT COALESCE(c.ended_at, c.started_at, e.at)
         FROM events e
         LEFT JOIN calls c ON c.id = json_extract(e.data, '$.call_id')
         WHERE e.kind = 'call_detected' AND e.at >= ?1 AND e.at < ?2
               AND json_extract(e.data, '$.missed') = 1",
    )?;
    let rows = stmt.query_map(params![from, to], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Missed calls not texted, by reason code.
pub fn skipped(conn: &Connection, from: i64, to: i64) -> Result<BTreeMap<String, u64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT json_extract(data, '$.reason'), COUNT(*) FROM events
         WHERE kind = 'call_skipped' AND at >= ?1 AND at < ?2
         GROUP BY 1",
    )?;
    let rows = stmt.query_map(params![from, to], |r| {
        Ok((
            r.get::<_, Option<String>>(0)?
                .unwrap_or_else(|| "unknown".into()),
            count(r, 1)?,
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Automatic texts reported delivered in `[from, to)`.
pub fn delivered(conn: &Connection, from: i64, to: i64) -> Result<u64> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT COUNT(DISTINCT m.id)
             FROM events e JOIN messages m ON m.id = json_extract(e.data, '$.message_id')
             WHERE e.kind = 'delivery_changed' AND e.at >= ?1 AND e.at < ?2
                   AND json_extract(e.data, '$.status') = 'delivered' AND m.kind IN {AUTOMATIC}"
        ))?
        .query_row(params![from, to], |r| count(r, 0))?)
}

/// Automatic texts refused by the provider or reported undelivered in `[from, to)`, by error
/// code (`unknown` when the provider gave none).
pub fn failed(conn: &Connection, from: i64, to: i64) -> Result<BTreeMap<String, u64>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT COALESCE(CAST(f.code AS TEXT), 'unknown'), COUNT(DISTINCT m.id)
         FROM (
             SELECT json_extract(data, '$.message_id') AS message_id,
                    json_extract(data, '$.code') AS code
             FROM events WHERE kind = 'text_failed' AND at >= ?1 AND at < ?2
             UNION ALL
             SELECT json_extract(data, '$.message_id'), json_extract(data, '$.error_code')
             FROM events WHERE kind = 'delivery_changed' AND at >= ?1 AND at < ?2
                   AND json_extract(data, '$.status') IN ('undelivered', 'failed')
         ) f
         JOIN messages m ON m.id = f.message_id
         WHERE m.kind IN {AUTOMATIC}
         GROUP BY 1"
    ))?;
    let rows = stmt.query_map(params![from, to], |r| Ok((r.get(0)?, count(r, 1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Conversations marked `booked` in `[from, to)`, each once.
pub fn booked(conn: &Connection, from: i64, to: i64) -> Result<u64> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(DISTINCT conversation_id) FROM events
             WHERE kind = 'status_changed' AND at >= ?1 AND at < ?2
                   AND json_extract(data, '$.to') = 'booked'",
        )?
        .query_row(params![from, to], |r| count(r, 0))?)
}

/// A `COUNT(*)` column; SQLite counts in signed integers.
fn count(r: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<u64> {
    Ok(r.get::<_, i64>(index)?.max(0).unsigned_abs())
}
