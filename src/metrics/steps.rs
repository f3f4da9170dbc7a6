//! The events of the conversations texted back in a period, in order, for [`super::cohort`].
//!
//! A week of a busy store holds over a hundred thousand texts sent, replies and status
//! changes. Seeking each conversation's events, then each sent text's message, cost a B-tree
//! descent per row; reading them in time order is several times cheaper. So the texts sent,
//! replies and bookings from the period's start on are read as ranges of the covering indexes
//! `events_texts_sent`, `events_replies` and `events_status_changes`, the texts they name as
//! one range of ids of `messages_outbound` (a period's texts were written close together),
//! and the rows are joined and put in order here.
//!
//! Reading on past the period's end is what credits a later reply to the text-back it answers.
//! When the period ended long ago, reading every later event costs more than looking up the
//! texted conversations one by one, so only then are their later events sought through
//! `events_by_conversation`.

use rusqlite::types::ValueRef;
use rusqlite::{params, Connection};

use crate::store::Result;

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

/// Every text sent, reply and booking from `from` on in the conversations texted back in a
/// stretch of time, in order, with the texts they name: what [`Log::texted_conversations`]
/// picks each period's steps from.
pub struct Log {
    /// In order of conversation, time and event id.
    rows: Vec<Row>,
    texts: Texts,
    from: i64,
}

impl Log {
    /// Reads the events from `from` on of the conversations texted back in `[from, to)`. Events
    /// after `to` are read in time order too, unless the log runs on for longer than
    /// `to - from` after `to`: then they are sought conversation by conversation.
    pub fn read(conn: &Connection, from: i64, to: i64) -> Result<Self> {
        let latest: Option<i64> = conn.query_row("SELECT MAX(at) FROM events", [], |r| r.get(0))?;
        let until = match latest {
            Some(latest) if latest >= to.saturating_add(to.saturating_sub(from)) => to,
            _ => i64::MAX,
        };

        let mut texts = Texts::default();
        let mut rows = in_time_order(conn, SENT, from, to, None)?;
        texts.read(conn, &rows)?;
        let mut texted: Vec<i64> = rows
            .iter()
            .filter(|row| texts.is_text_back(row))
            .map(|row| row.conversation_id)
            .collect();
        texted.sort_unstable();
        texted.dedup();

        rows.retain(|row| texted.binary_search(&row.conversation_id).is_ok());
        rows.extend(in_time_order(conn, SENT, to, until, Some(&texted))?);
        rows.extend(in_time_order(conn, REPLIES, from, until, Some(&texted))?);
        rows.extend(in_time_order(conn, BOOKINGS, from, until, Some(&texted))?);
        if until < i64::MAX {
            rows.extend(later_by_conversation(conn, &texted, until)?);
        }
        texts.read(conn, &rows)?;
        for row in &mut rows {
            row.text = texts.position(row.message_id);
        }
        rows.sort_unstable_by_key(|row| (row.conversation_id, row.at, row.id));
        Ok(Self { rows, texts, from })
    }

    /// Everything from `from` on in each conversation that had a text-back sent in
    /// `[from, to)`, in time order by conversation (ties by event id). Later events are
    /// included, so a reply or a booking that comes after the period is still credited to the
    /// text-back that led to it. The period must lie within the one the log was read for.
    pub fn texted_conversations(&self, from: i64, to: i64) -> Vec<Step> {
        debug_assert!(from >= self.from, "the period starts before the log");
        let mut steps = Vec::new();
        for rows in self
            .rows
            .chunk_by(|a, b| a.conversation_id == b.conversation_id)
        {
            let texted = rows
                .iter()
                .any(|row| row.at >= from && row.at < to && self.texts.is_text_back(row));
            if !texted {
                continue;
            }
            steps.extend(rows.iter().filter(|row| row.at >= from).filter_map(|row| {
                Some(Step {
                    conversation_id: row.conversation_id,
                    at: row.at,
                    what: self.texts.step(row)?,
                })
            }));
        }
        steps
    }
}

/// An event as read from an index, before its text is known.
#[derive(Debug, Clone, Copy)]
struct Row {
    conversation_id: i64,
    at: i64,
    id: i64,
    /// The message a `text_sent` event names; [`REPLY`] and [`BOOKED`] mark the other kinds.
    message_id: i64,
    /// Where that message is in [`Texts::known`], once read.
    text: Option<u32>,
}

/// `Row::message_id` of a reply, and of a booking. Message ids are positive.
const REPLY: i64 = -1;
const BOOKED: i64 = -2;

/// The texts sent (with the message each names), replies and bookings in `[?1, ?2)`, each
/// query answered from its covering index.
const SENT: &str = "SELECT conversation_id, at, id, json_extract(data, '$.message_id') FROM events
                    WHERE kind = 'text_sent' AND at >= ?1 AND at < ?2";
const REPLIES: &str = "SELECT conversation_id, at, id, -1 FROM events
                       WHERE kind = 'reply_received' AND at >= ?1 AND at < ?2";
const BOOKINGS: &str = "SELECT conversation_id, at, id, -2 FROM events
                        WHERE kind = 'status_changed' AND at >= ?1 AND at < ?2
                              AND json_extract(data, '$.to') = 'booked'";

/// The rows `sql` finds in `[from, until)`, of the conversations in `only` (sorted) if given.
fn in_time_order(
    conn: &Connection,
    sql: &str,
    from: i64,
    until: i64,
    only: Option<&[i64]>,
) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut found = stmt.query(params![from, until])?;
    let mut rows = Vec::new();
    while let Some(r) = found.next()? {
        let Some(conversation_id) = r.get::<_, Option<i64>>(0)? else {
            continue;
        };
        if only.is_some_and(|only| only.binary_search(&conversation_id).is_err()) {
            continue;
        }
        rows.push(Row {
            conversation_id,
            at: r.get(1)?,
            id: r.get(2)?,
            message_id: r.get::<_, Option<i64>>(3)?.unwrap_or(0),
            text: None,
        });
    }
    Ok(rows)
}

/// The texts sent, replies and bookings from `from` on in each of `conversations`, sought
/// conversation by conversation (`CROSS JOIN` keeps SQLite from scanning the events instead).
fn later_by_conversation(conn: &Connection, conversations: &[i64], from: i64) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.conversation_id, e.at, e.id, e.kind, json_extract(e.data, '$.message_id'),
                json_extract(e.data, '$.to')
         FROM json_each(?1) t
         CROSS JOIN events e ON e.conversation_id = t.value AND e.at >= ?2
         WHERE e.kind IN ('text_sent', 'reply_received', 'status_changed')",
    )?;
    let mut found = stmt.query(params![json_array(conversations), from])?;
    let mut rows = Vec::new();
    while let Some(r) = found.next()? {
        let message_id = match (r.get_ref(3)?, r.get_ref(5)?) {
            (ValueRef::Text(b"text_sent"), _) => r.get::<_, Option<i64>>(4)?.unwrap_or(0),
            (ValueRef::Text(b"reply_received"), _) => REPLY,
            (_, ValueRef::Text(b"booked")) => BOOKED,
            _ => continue,
        };
        rows.push(Row {
            conversation_id: r.get(0)?,
            at: r.get(1)?,
            id: r.get(2)?,
            message_id,
            text: None,
        });
    }
    Ok(rows)
}

/// What the sent texts were, by message id: outgoing messages only, as `text_sent` names
/// nothing else.
#[derive(Debug, Default)]
struct Texts {
    /// Sorted by id.
    known: Vec<(i64, Text)>,
    /// The distinct template names, which [`Text::template`] points into.
    templates: Vec<String>,
}

#[derive(Debug)]
struct Text {
    kind: TextKind,
    template: Option<u32>,
    follow_up_step: Option<u32>,
    call_ended_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum TextKind {
    TextBack,
    FollowUp,
    Staff,
    Other,
}

/// A range of ids is read whole while it holds at most this many ids per one wanted; sparser
/// ones are sought one by one.
const DENSE: i64 = 4;

impl Texts {
    /// Reads the texts `rows` name that are not known yet.
    fn read(&mut self, conn: &Connection, rows: &[Row]) -> Result<()> {
        let mut wanted: Vec<i64> = rows
            .iter()
            .map(|row| row.message_id)
            .filter(|&id| id > 0 && self.get(id).is_none())
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let (Some(&first), Some(&last)) = (wanted.first(), wanted.last()) else {
            return Ok(());
        };

        let select = "SELECT m.id, m.kind, m.template, m.follow_up_step, c.ended_at";
        let dense = last - first < DENSE.saturating_mul(wanted.len() as i64);
        let sql = if dense {
            format!(
                "{select} FROM messages m INDEXED BY messages_outbound
                 LEFT JOIN calls c ON c.id = m.call_id
                 WHERE m.direction = 'out' AND m.id BETWEEN ?1 AND ?2"
            )
        } else {
            format!(
                "{select} FROM json_each(?1) w CROSS JOIN messages m ON m.id = w.value
                 LEFT JOIN calls c ON c.id = m.call_id
                 WHERE m.direction = 'out'"
            )
        };
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut found = if dense {
            stmt.query(params![first, last])?
        } else {
            stmt.query(params![json_array(&wanted)])?
        };
        while let Some(r) = found.next()? {
            let id: i64 = r.get(0)?;
            if wanted.binary_search(&id).is_err() {
                continue;
            }
            let kind = match r.get_ref(1)? {
                ValueRef::Text(b"text_back") => TextKind::TextBack,
                ValueRef::Text(b"follow_up") => TextKind::FollowUp,
                ValueRef::Text(b"staff") => TextKind::Staff,
                _ => TextKind::Other,
            };
            let template = match (kind, r.get_ref(2)?) {
                (TextKind::TextBack, ValueRef::Text(name)) => Some(self.template(name)),
                _ => None,
            };
            let text = Text {
                kind,
                template,
                follow_up_step: r.get(3)?,
                call_ended_at: r.get(4)?,
            };
            self.known.push((id, text));
        }
        self.known.sort_unstable_by_key(|(id, _)| *id);
        Ok(())
    }

    /// The index of template `name`, added if new.
    fn template(&mut self, name: &[u8]) -> u32 {
        let name = String::from_utf8_lossy(name);
        match self.templates.iter().position(|t| *t == name) {
            Some(at) => at as u32,
            None => {
                self.templates.push(name.into_owned());
                self.templates.len() as u32 - 1
            }
        }
    }

    fn position(&self, id: i64) -> Option<u32> {
        let at = self.known.binary_search_by_key(&id, |(id, _)| *id).ok()?;
        Some(at as u32)
    }

    fn get(&self, id: i64) -> Option<&Text> {
        Some(&self.known[self.position(id)? as usize].1)
    }

    /// The text `row` names, by the position found for it or else by its id.
    fn of(&self, row: &Row) -> Option<&Text> {
        match row.text {
            Some(at) => Some(&self.known[at as usize].1),
            None => self.get(row.message_id),
        }
    }

    fn is_text_back(&self, row: &Row) -> bool {
        self.of(row).is_some_and(|t| t.kind == TextKind::TextBack)
    }

    /// The step an event was; `None` for a text that is none of the kinds followed.
    fn step(&self, row: &Row) -> Option<What> {
        match row.message_id {
            REPLY => Some(What::Reply),
            BOOKED => Some(What::Booked),
            _ => {
                let text = self.of(row)?;
                match text.kind {
                    TextKind::TextBack => Some(What::TextBack {
                        template: text.template.map(|t| self.templates[t as usize].clone()),
                        call_ended_at: text.call_ended_at,
                    }),
                    TextKind::FollowUp => Some(What::FollowUp {
                        step: text.follow_up_step.unwrap_or(1),
                    }),
                    TextKind::Staff => Some(What::Staff),
                    TextKind::Other => None,
                }
            }
        }
    }
}

/// `ids` as a JSON array, for `json_each`.
fn json_array(ids: &[i64]) -> String {
    serde_json::to_string(ids).expect("integers serialize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// A text-back at 1 s and its reply at 5 s, after the period of the first 4 s, with another
    /// event at `last` s.
    fn store_with_reply_after_the_period(last: i64) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        store
            .read(|c| {
                c.execute_batch(&format!(
                    "INSERT INTO conversations (id, business_number, customer_number,
                         last_activity_at, created_at) VALUES (1, '+1', '+2', 0, 0);
                     INSERT INTO messages (id, conversation_id, direction, kind, body, status,
                         template, created_at, updated_at)
                         VALUES (7, 1, 'out', 'text_back', 'Hi', 'sent', 'closed', 0, 0);
                     INSERT INTO events (at, kind, conversation_id, data) VALUES
                         (1000, 'text_sent', 1, '{{\"message_id\":7,\"sid\":\"SM1\"}}'),
                         (5000, 'reply_received', 1, '{{\"message_id\":8}}'),
                         ({}, 'settings_changed', NULL, '{{}}');",
                    last * 1000
                ))?;
                Ok(())
            })
            .unwrap();
        (dir, store)
    }

    #[test]
    fn later_events_are_the_same_read_in_order_or_sought() {
        let (_a, recent) = store_with_reply_after_the_period(6);
        let (_b, old) = store_with_reply_after_the_period(60);

        let steps = |store: &Store| {
            store
                .read(|c| Ok(Log::read(c, 0, 4000)?.texted_conversations(0, 4000)))
                .unwrap()
        };

        let expected = vec![
            Step {
                conversation_id: 1,
                at: 1000,
                what: What::TextBack {
                    template: Some("closed".into()),
                    call_ended_at: None,
                },
            },
            Step {
                conversation_id: 1,
                at: 5000,
                what: What::Reply,
            },
        ];
        assert_eq!(steps(&recent), expected, "read on in time order");
        assert_eq!(steps(&old), expected, "sought by conversation");
    }
}
