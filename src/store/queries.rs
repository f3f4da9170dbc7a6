//! What the inbox, a thread, the call list and search read. Every list is paged by a keyset
//! (the last row's position), so a page costs the same on the first day and after a million
//! messages.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::messages::{message_row, MESSAGE_SELECT};
use super::model::*;
use super::{Result, StoreError};
use crate::clock::{from_ms, to_ms};

/// Which conversations to list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InboxFilter {
    pub status: Option<ConversationStatus>,
    #[serde(default)]
    pub unread_only: bool,
    /// Continue after this cursor (from the previous page).
    pub after: Option<String>,
    /// Page size; 50 when not given, at most 500.
    pub limit: Option<u32>,
}

/// One page of the inbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InboxPage {
    pub conversations: Vec<ConversationSummary>,
    /// Pass as `after` for the next page; `None` on the last page.
    pub next: Option<String>,
}

const SUMMARY_SELECT: &str = "
    SELECT c.id, c.business_number, c.customer_number, c.customer_name, c.status, c.unread,
           c.assigned_to, c.needs_staff, c.last_activity_at, c.last_preview,
           EXISTS (SELECT 1 FROM opt_outs o WHERE o.number = c.customer_number),
           EXISTS (SELECT 1 FROM blocks b WHERE b.number = c.customer_number)
    FROM conversations c";

fn summary_row(r: &Row<'_>) -> rusqlite::Result<ConversationSummary> {
    Ok(ConversationSummary {
        id: r.get(0)?,
        business_number: r.get(1)?,
        customer_number: r.get(2)?,
        customer_name: r.get(3)?,
        status: status_from_sql(r.get(4)?)?,
        unread: r.get(5)?,
        assigned_to: r.get(6)?,
        needs_staff: r.get(7)?,
        last_activity_at: from_ms(r.get(8)?),
        last_preview: r.get(9)?,
        opted_out: r.get(10)?,
        blocked: r.get(11)?,
    })
}

fn parse_cursor(cursor: &str) -> Result<(i64, i64)> {
    cursor
        .split_once(':')
        .and_then(|(at, id)| Some((at.parse().ok()?, id.parse().ok()?)))
        .ok_or_else(|| StoreError::Invalid(format!("bad page cursor {cursor:?}")))
}

/// A page of conversations, most recent activity first.
pub fn inbox(conn: &Connection, filter: &InboxFilter) -> Result<InboxPage> {
    let limit = filter.limit.unwrap_or(50).clamp(1, 500) as i64;
    let (after_at, after_id) = match &filter.after {
        Some(cursor) => parse_cursor(cursor)?,
        None => (i64::MAX, i64::MAX),
    };
    let mut sql = format!("{SUMMARY_SELECT} WHERE (c.last_activity_at, c.id) < (?1, ?2)");
    if filter.status.is_some() {
        sql.push_str(" AND c.status = ?4");
    }
    if filter.unread_only {
        sql.push_str(" AND c.unread > 0");
    }
    sql.push_str(" ORDER BY c.last_activity_at DESC, c.id DESC LIMIT ?3");
    let mut stmt = conn.prepare_cached(&sql)?;
    let status = filter.status.map(ConversationStatus::as_str);
    let rows = match status {
        Some(s) => stmt.query_map(params![after_at, after_id, limit + 1, s], summary_row)?,
        None => stmt.query_map(params![after_at, after_id, limit + 1], summary_row)?,
    };
    let mut conversations = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    let next = if conversations.len() as i64 > limit {
        conversations.truncate(limit as usize);
        conversations
            .last()
            .map(|c| format!("{}:{}", to_ms(c.last_activity_at), c.id))
    } else {
        None
    };
    Ok(InboxPage {
        conversations,
        next,
    })
}

/// One conversation's summary.
pub fn conversation(conn: &Connection, id: i64) -> Result<ConversationSummary> {
    super::cached_row(
        conn,
        &format!("{SUMMARY_SELECT} WHERE c.id = ?1"),
        [id],
        summary_row,
    )
    .optional()?
    .ok_or_else(|| super::conversations::not_found(id))
}

/// Conversations with a customer number, most recent first.
pub fn conversations_with(conn: &Connection, customer: &str) -> Result<Vec<ConversationSummary>> {
    let sql = format!(
        "{SUMMARY_SELECT} WHERE c.customer_number = ?1 ORDER BY c.last_activity_at DESC, c.id DESC"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([customer], summary_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A conversation with its calls, messages and notes in time order.
pub fn thread(conn: &Connection, id: i64) -> Result<Thread> {
    let conversation = conversation(conn, id)?;
    let mut items: Vec<ThreadItem> = Vec::new();

    let mut stmt = conn.prepare_cached(&format!(
        "{CALL_SELECT} WHERE conversation_id = ?1 ORDER BY detected_at, id"
    ))?;
    for call in stmt.query_map([id], call_row)? {
        items.push(ThreadItem::Call(call?));
    }
    let mut stmt = conn.prepare_cached(&format!(
        "{MESSAGE_SELECT} WHERE m.conversation_id = ?1 ORDER BY m.created_at, m.id"
    ))?;
    for message in stmt.query_map([id], message_row)? {
        items.push(ThreadItem::Message(message?));
    }
    let mut stmt = conn.prepare_cached(
        "SELECT id, conversation_id, author, body, created_at FROM notes
         WHERE conversation_id = ?1 ORDER BY created_at, id",
    )?;
    let notes = stmt.query_map([id], |r| {
        Ok(Note {
            id: r.get(0)?,
            conversation_id: r.get(1)?,
            author: r.get(2)?,
            body: r.get(3)?,
            created_at: from_ms(r.get(4)?),
        })
    })?;
    for note in notes {
        items.push(ThreadItem::Note(note?));
    }

    // A stable sort keeps each table's own order among equal instants.
    items.sort_by_key(ThreadItem::at);
    Ok(Thread {
        conversation,
        items,
    })
}

const CALL_SELECT: &str = "
    SELECT id, sid, conversation_id, from_number, to_number, outcome, started_at, ended_at,
           detected_at, decision, skip_reason, message_id
    FROM calls";

fn call_row(r: &Row<'_>) -> rusqlite::Result<Call> {
    Ok(Call {
        id: r.get(0)?,
        sid: r.get(1)?,
        conversation_id: r.get(2)?,
        from: r.get(3)?,
        to: r.get(4)?,
        outcome: r.get(5)?,
        started_at: time(r.get(6)?),
        ended_at: time(r.get(7)?),
        detected_at: from_ms(r.get(8)?),
        decision: r.get(9)?,
        skip_reason: r.get(10)?,
        message_id: r.get(11)?,
    })
}

/// Calls, newest first, `limit` at most, before call id `before` when given.
pub fn calls(conn: &Connection, before: Option<i64>, limit: u32) -> Result<Vec<Call>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{CALL_SELECT} WHERE id < ?1 ORDER BY id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![before.unwrap_or(i64::MAX), limit], call_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Unread messages across every conversation: the count the tray and the sidebar show.
pub fn unread_total(conn: &Connection) -> Result<u64> {
    let total: i64 = conn
        .prepare_cached("SELECT COALESCE(SUM(unread), 0) FROM conversations WHERE unread > 0")?
        .query_row([], |r| r.get(0))?;
    Ok(total.max(0) as u64)
}

/// One call by id.
pub fn call(conn: &Connection, id: i64) -> Result<Call> {
    super::cached_row(
        conn,
        &format!("{CALL_SELECT} WHERE id = ?1"),
        [id],
        call_row,
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound {
        what: format!("call {id}"),
    })
}

/// Calls listed for staff: skipped because they were too old or fell in quiet hours.
pub fn staff_list(conn: &Connection, since: DateTime<Utc>) -> Result<Vec<Call>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{CALL_SELECT} WHERE decision = 'skipped' AND skip_reason IN ('too_old', 'quiet_hours')
                       AND detected_at >= ?1
         ORDER BY id DESC"
    ))?;
    let rows = stmt.query_map([to_ms(since)], call_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Conversations whose number contains the digits of `query` (when it is mostly digits, three
/// or more), then messages matching its words (each matched as a prefix), newest first.
pub fn search(conn: &Connection, query: &str, limit: u32) -> Result<Vec<SearchHit>> {
    let mut hits = Vec::new();
    let digits: String = query.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 3 && digits.len() * 2 >= query.trim().len() {
        let mut stmt = conn.prepare_cached(
            "SELECT c.id, c.customer_number, c.last_preview, c.last_activity_at
             FROM conversation_numbers f JOIN conversations c ON c.id = f.rowid
             WHERE conversation_numbers MATCH ?1
             ORDER BY c.last_activity_at DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![format!("\"{digits}\""), limit], |r| {
            Ok(SearchHit {
                conversation_id: r.get(0)?,
                customer_number: r.get(1)?,
                message_id: None,
                body: r.get(2)?,
                at: from_ms(r.get(3)?),
            })
        })?;
        hits = rows.collect::<rusqlite::Result<_>>()?;
    }
    let Some(fts) = fts_query(query) else {
        return Ok(hits);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT m.conversation_id, c.customer_number, m.id, m.body, m.created_at
         FROM messages_fts f
         JOIN messages m ON m.id = f.rowid
         JOIN conversations c ON c.id = m.conversation_id
         WHERE messages_fts MATCH ?1
         ORDER BY f.rowid DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![fts, limit], |r| {
        Ok(SearchHit {
            conversation_id: r.get(0)?,
            customer_number: r.get(1)?,
            message_id: Some(r.get(2)?),
            body: r.get(3)?,
            at: from_ms(r.get(4)?),
        })
    })?;
    for row in rows {
        hits.push(row?);
    }
    hits.truncate(limit as usize);
    Ok(hits)
}

/// Turns what a person typed into an FTS5 query that cannot be a syntax error: every word is
/// quoted and matched as a prefix.
fn fts_query(query: &str) -> Option<String> {
    let terms: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn fts_syntax_in_a_query_is_only_text() {
        assert_eq!(
            fts_query("tooth \"ache\" OR"),
            Some("\"tooth\"* \"ache\"* \"OR\"*".into())
        );
        assert_eq!(fts_query("***"), None, "no words, no query");
    }
}
