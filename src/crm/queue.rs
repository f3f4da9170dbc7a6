//! The delivery queue in SQLite: endpoint cursors, one row per event and endpoint, and the log
//! of attempts.

use chrono::{DateTime, Utc};
use rand::Rng;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::payload::{Payload, KINDS_SQL};
use super::{BACKOFF_BASE, BACKOFF_CAP, GIVE_UP_AFTER};
use crate::clock::{from_ms, to_ms};
use crate::store::Result;

/// A configured endpoint and how its deliveries stand.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookEndpoint {
    pub url: String,
    /// The environment variable its secret was read from.
    pub secret_env: String,
    /// Whether a secret was handed in for it; without one nothing is sent.
    pub connected: bool,
    /// When it answered 410 Gone; it gets nothing more until a test event succeeds.
    pub gone_since: Option<DateTime<Utc>>,
    pub pending: u32,
    pub delivered: u32,
    pub failed: u32,
}

/// One attempt to post an event, as listed under "recent deliveries".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryAttempt {
    pub url: String,
    /// The payload's `id`, such as `evt_42`.
    pub event_id: String,
    /// The payload's `type`, such as `call.missed`.
    pub event_type: String,
    pub at: DateTime<Utc>,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// Why the attempt failed, when it did.
    pub error: Option<String>,
    /// `delivered`, `retrying`, `failed` (given up) or `gone` (410).
    pub outcome: String,
}

/// A queued delivery that is due, with the body to post.
#[derive(Debug, Clone)]
pub(super) struct Due {
    pub id: i64,
    pub url: String,
    pub payload_id: String,
    pub payload_type: String,
    pub first_attempt_at: Option<i64>,
    pub attempts: u32,
    pub body: String,
}

/// What one request came to.
#[derive(Debug, Clone)]
pub(super) enum Outcome {
    Delivered(u16),
    Gone(u16),
    Failed { status: Option<u16>, error: String },
}

/// Registers `url` at the head of the log if it is new (an endpoint gets the events from the
/// moment it is first connected, not the history), then queues every event of interest after
/// its cursor and moves the cursor to the head. Nothing is queued for an endpoint that is gone.
pub(super) fn enqueue(conn: &Connection, url: &str, now: DateTime<Utc>) -> Result<usize> {
    let head: i64 = conn.query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get(0))?;
    conn.prepare_cached(
        "INSERT INTO webhook_endpoints (url, last_event_id) VALUES (?1, ?2)
         ON CONFLICT (url) DO NOTHING",
    )?
    .execute(params![url, head])?;
    let (cursor, gone): (i64, Option<i64>) = conn.query_row(
        "SELECT last_event_id, gone_at FROM webhook_endpoints WHERE url = ?1",
        [url],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if gone.is_some() || cursor >= head {
        return Ok(0);
    }
    let queued = conn
        .prepare_cached(&format!(
            "INSERT INTO webhook_deliveries (url, event_id, state, next_attempt_at, updated_at)
             SELECT ?1, id, 'pending', ?4, ?4 FROM events
             WHERE id > ?2 AND id <= ?3 AND {KINDS_SQL}
             ON CONFLICT (url, event_id) DO NOTHING"
        ))?
        .execute(params![url, cursor, head, to_ms(now)])?;
    conn.prepare_cached("UPDATE webhook_endpoints SET last_event_id = ?2 WHERE url = ?1")?
        .execute(params![url, head])?;
    Ok(queued)
}

/// Up to `limit` deliveries to `url` due at `now`, oldest first, with their bodies.
pub(super) fn due(
    conn: &Connection,
    url: &str,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<Due>> {
    let mut statement = conn.prepare_cached(
        "SELECT d.id, d.first_attempt_at, d.attempts, e.id, e.at, e.kind, e.data,
                c.id, c.business_number, c.customer_number
         FROM webhook_deliveries d
         JOIN events e ON e.id = d.event_id
         LEFT JOIN conversations c ON c.id = e.conversation_id
         WHERE d.state = 'pending' AND d.url = ?1 AND d.next_attempt_at <= ?2
         ORDER BY d.next_attempt_at, d.id
         LIMIT ?3",
    )?;
    let rows = statement.query_map(params![url, to_ms(now), limit as i64], |r| {
        let conversation = match r.get::<_, Option<i64>>(7)? {
            Some(id) => Some((id, r.get(8)?, r.get(9)?)),
            None => None,
        };
        let kind: String = r.get(5)?;
        let data: String = r.get(6)?;
        let payload = Payload::for_event(r.get(3)?, from_ms(r.get(4)?), &kind, &data, conversation);
        Ok(Due {
            id: r.get(0)?,
            url: url.to_owned(),
            payload_id: payload.id.clone(),
            payload_type: payload.kind.clone(),
            first_attempt_at: r.get(1)?,
            attempts: r.get(2)?,
            body: payload.to_body(),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// When the next queued delivery to one of `urls` falls due.
pub(super) fn next_due(conn: &Connection, urls: &[String]) -> Result<Option<DateTime<Utc>>> {
    let mut next = None;
    for url in urls {
        let at: Option<i64> = conn
            .prepare_cached(
                "SELECT MIN(next_attempt_at) FROM webhook_deliveries
                 WHERE state = 'pending' AND url = ?1",
            )?
            .query_row([url], |r| r.get(0))?;
        next = next.into_iter().chain(at.map(from_ms)).min();
    }
    Ok(next)
}

/// Records what a queued delivery's attempt came to, and logs the attempt.
pub(super) fn record(
    conn: &Connection,
    due: &Due,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> Result<String> {
    let first = due.first_attempt_at.map_or(now, from_ms);
    let attempts = due.attempts + 1;
    let (state, next, logged) = match outcome {
        Outcome::Delivered(_) => ("delivered", now, "delivered"),
        Outcome::Gone(_) => ("failed", now, "gone"),
        Outcome::Failed { .. } if now - first >= GIVE_UP_AFTER => ("failed", now, "failed"),
        Outcome::Failed { .. } => ("pending", now + backoff(attempts), "retrying"),
    };
    let (status, error) = parts(outcome);
    conn.prepare_cached(
        "UPDATE webhook_deliveries SET state = ?2, attempts = ?3, first_attempt_at = ?4,
             next_attempt_at = ?5, last_status = ?6, last_error = ?7, updated_at = ?8
         WHERE id = ?1",
    )?
    .execute(params![
        due.id,
        state,
        attempts,
        to_ms(first),
        to_ms(next),
        status,
        error,
        to_ms(now)
    ])?;
    log_attempt(
        conn,
        &due.url,
        &due.payload_id,
        &due.payload_type,
        outcome,
        logged,
        now,
    )?;
    if let Outcome::Gone(_) = outcome {
        mark_gone(conn, &due.url, now)?;
    }
    Ok(logged.to_owned())
}

/// Records the answer to a test event; a 410 marks the endpoint gone and a 2xx brings a gone
/// endpoint back, from the head of the log.
pub(super) fn record_test(
    conn: &Connection,
    url: &str,
    payload_id: &str,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> Result<String> {
    let logged = match outcome {
        Outcome::Delivered(_) => "delivered",
        Outcome::Gone(_) => "gone",
        Outcome::Failed { .. } => "failed",
    };
    log_attempt(conn, url, payload_id, "test", outcome, logged, now)?;
    match outcome {
        Outcome::Gone(_) => mark_gone(conn, url, now)?,
        Outcome::Delivered(_) => {
            conn.execute(
                "UPDATE webhook_endpoints
                 SET gone_at = NULL, last_event_id = (SELECT COALESCE(MAX(id), 0) FROM events)
                 WHERE url = ?1 AND gone_at IS NOT NULL",
                [url],
            )?;
        }
        Outcome::Failed { .. } => {}
    }
    Ok(logged.to_owned())
}

/// Stops all delivery to `url`: it said it no longer exists.
fn mark_gone(conn: &Connection, url: &str, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE webhook_endpoints SET gone_at = ?2 WHERE url = ?1 AND gone_at IS NULL",
        params![url, to_ms(now)],
    )?;
    conn.execute(
        "UPDATE webhook_deliveries SET state = 'failed', last_error = 'endpoint gone (410)',
             updated_at = ?2
         WHERE url = ?1 AND state = 'pending'",
        params![url, to_ms(now)],
    )?;
    Ok(())
}

fn log_attempt(
    conn: &Connection,
    url: &str,
    payload_id: &str,
    payload_type: &str,
    outcome: &Outcome,
    logged: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let (status, error) = parts(outcome);
    conn.prepare_cached(
        "INSERT INTO webhook_attempts (url, event_id, event_type, at, status, error, outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        url,
        payload_id,
        payload_type,
        to_ms(now),
        status,
        error,
        logged
    ])?;
    Ok(())
}

fn parts(outcome: &Outcome) -> (Option<u16>, Option<String>) {
    match outcome {
        Outcome::Delivered(status) => (Some(*status), None),
        Outcome::Gone(status) => (Some(*status), Some("endpoint gone".into())),
        Outcome::Failed { status, error } => (*status, Some(error.clone())),
    }
}

/// The wait before attempt `attempts + 1`: doubling from [`BACKOFF_BASE`], capped at
/// [`BACKOFF_CAP`], then spread by ±20% so endpoints that failed together do not retry together.
pub(super) fn backoff(attempts: u32) -> chrono::Duration {
    let doubled = BACKOFF_BASE * 2_i32.saturating_pow(attempts.saturating_sub(1).min(20));
    let capped = doubled.min(BACKOFF_CAP);
    let spread = rand::rng().random_range(0.8..1.2);
    chrono::Duration::milliseconds((capped.num_milliseconds() as f64 * spread) as i64)
}

/// Deletes one batch of what is kept past its use: up to `batch` deliveries delivered or given
/// up before `before`, and up to `batch` attempts made before it. Returns the rows deleted.
///
/// An attempt that old belongs to a delivery that is finished, as retries stop after
/// [`GIVE_UP_AFTER`]. Both scans start at the oldest rows, which are the ones to go, so a batch
/// reads little more than it deletes.
pub(super) fn prune(conn: &Connection, before: DateTime<Utc>, batch: usize) -> Result<usize> {
    let deliveries = conn
        .prepare_cached(
            "DELETE FROM webhook_deliveries WHERE id IN (
                 SELECT id FROM webhook_deliveries
                 WHERE state IN ('delivered', 'failed') AND updated_at < ?1
                 ORDER BY id LIMIT ?2
             )",
        )?
        .execute(params![to_ms(before), batch as i64])?;
    let attempts = conn
        .prepare_cached(
            "DELETE FROM webhook_attempts WHERE id IN (
                 SELECT id FROM webhook_attempts WHERE at < ?1 ORDER BY at, id LIMIT ?2
             )",
        )?
        .execute(params![to_ms(before), batch as i64])?;
    Ok(deliveries + attempts)
}

/// The newest `limit` attempts, newest first.
pub(super) fn recent(conn: &Connection, limit: u32) -> Result<Vec<DeliveryAttempt>> {
    let mut statement = conn.prepare_cached(
        "SELECT url, event_id, event_type, at, status, error, outcome FROM webhook_attempts
         ORDER BY at DESC, id DESC LIMIT ?1",
    )?;
    let rows = statement.query_map([limit], |r| {
        Ok(DeliveryAttempt {
            url: r.get(0)?,
            event_id: r.get(1)?,
            event_type: r.get(2)?,
            at: from_ms(r.get(3)?),
            status: r.get(4)?,
            error: r.get(5)?,
            outcome: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How `url`'s deliveries stand: gone since, and counts by state.
pub(super) fn endpoint_state(
    conn: &Connection,
    url: &str,
) -> Result<(Option<DateTime<Utc>>, u32, u32, u32)> {
    let gone: Option<i64> = conn
        .query_row(
            "SELECT gone_at FROM webhook_endpoints WHERE url = ?1",
            [url],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let counts = conn.query_row(
        "SELECT COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'delivered'), 0),
                COALESCE(SUM(state = 'failed'), 0)
         FROM webhook_deliveries WHERE url = ?1",
        [url],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok((gone.map(from_ms), counts.0, counts.1, counts.2))
}
