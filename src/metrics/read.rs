//! The queries behind the figures. Each names the event kinds it reads, so SQLite walks the
//! `events_by_kind` (kind, at) index for the period instead of every event of it, and reaches
//! messages and calls by primary key through the ids the event's `data` carries.

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

/// One event in the life of a conversation texted back in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub conversation_id: i64,
    pub at: i64,
    pub what: What,
}

/// What a [`Step`] was.
#[derive(Debug, Clone, PartialEq)]
pub enum What {
    /// A text-back went out; `call_ended_at` is the end of the call it answers.
    TextBack {
        template: Option<String>,
        call_ended_at: Option<i64>,
    },
    /// Follow-up number `step` (1 for the first) went out.
    FollowUp { step: u32 },
    /// A staff member's text went out.
    Staff,
    /// The customer texted in.
    Reply,
    /// Staff marked the conversation booked.
    Booked,
}

/// Everything from `from` on in each conversation that had a text-back sent in `[from, to)`,
/// in time order by conversation. Later events are read too, so a reply or a booking that
/// comes after the period is still credited to the text-back that led to it. The JSON of an
/// event is read only for the kinds that need it: parsing every reply's body doubled the time.
pub fn texted_conversations(conn: &Connection, from: i64, to: i64) -> Result<Vec<Step>> {
    let mut stmt = conn.prepare_cached(
        "WITH texted AS (
             SELECT DISTINCT e.conversation_id AS id
             FROM events e JOIN messages m ON m.id = json_extract(e.data, '$.message_id')
             WHERE e.kind = 'text_sent' AND e.at >= ?1 AND e.at < ?2 AND m.kind = 'text_back'
         )
         SELECT e.conversation_id, e.at, e.kind, m.kind, m.template, m.follow_up_step,
                c.ended_at,
                CASE WHEN e.kind = 'status_changed' THEN json_extract(e.data, '$.to') END
         FROM texted t
         JOIN events e ON e.conversation_id = t.id AND e.at >= ?1
         LEFT JOIN messages m
             ON m.id = CASE WHEN e.kind = 'text_sent' THEN json_extract(e.data, '$.message_id') END
         LEFT JOIN calls c ON c.id = m.call_id
         WHERE e.kind IN ('text_sent', 'reply_received', 'status_changed')
         ORDER BY e.conversation_id, e.at, e.id",
    )?;
    let rows = stmt.query_map(params![from, to], |r| {
        let kind: String = r.get(2)?;
        let what = match (kind.as_str(), r.get::<_, Option<String>>(3)?.as_deref()) {
            ("text_sent", Some("text_back")) => Some(What::TextBack {
                template: r.get(4)?,
                call_ended_at: r.get(6)?,
            }),
            ("text_sent", Some("follow_up")) => Some(What::FollowUp {
                step: r.get::<_, Option<u32>>(5)?.unwrap_or(1),
            }),
            ("text_sent", Some("staff")) => Some(What::Staff),
            ("reply_received", _) => Some(What::Reply),
            ("status_changed", _) => (r.get::<_, Option<String>>(7)?.as_deref() == Some("booked"))
                .then_some(What::Booked),
            _ => None,
        };
        let (conversation_id, at) = (r.get(0)?, r.get(1)?);
        Ok(what.map(|what| Step {
            conversation_id,
            at,
            what,
        }))
    })?;
    let mut steps = Vec::new();
    for row in rows {
        steps.extend(row?);
    }
    Ok(steps)
}
