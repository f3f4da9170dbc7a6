//! The database schema, as an ordered list of migrations.
//!
//! Migrations only ever add: a shipped migration is never edited, so a database written by any
//! earlier version opens with any later one. Each migration runs in its own transaction and is
//! recorded in `schema_migrations`.

use rusqlite::Connection;

/// Every migration, oldest first. Append; never edit or reorder.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    business_number TEXT NOT NULL,
    customer_number TEXT NOT NULL,
    customer_name TEXT,
    status TEXT NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'texted', 'replied', 'booked', 'lost', 'spam')),
    unread INTEGER NOT NULL DEFAULT 0,
    assigned_to TEXT,
    needs_staff TEXT,
    last_activity_at INTEGER NOT NULL,
    last_preview TEXT NOT NULL DEFAULT '',
    last_inbound_at INTEGER,
    last_staff_at INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (business_number, customer_number)
);
CREATE INDEX conversations_by_activity ON conversations (last_activity_at DESC, id DESC);
CREATE INDEX conversations_by_status ON conversations (status, last_activity_at DESC, id DESC);
CREATE INDEX conversations_unread ON conversations (last_activity_at DESC, id DESC)
    WHERE unread > 0;
CREATE INDEX conversations_by_customer ON conversations (customer_number);

CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    sid TEXT NOT NULL UNIQUE,
    conversation_id INTEGER REFERENCES conversations (id),
    from_number TEXT NOT NULL,
    to_number TEXT NOT NULL,
    outcome TEXT NOT NULL,
    started_at INTEGER,
    ended_at INTEGER,
    detected_at INTEGER NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('pending', 'texted', 'skipped', 'failed')),
    skip_reason TEXT,
    message_id INTEGER
);
CREATE INDEX calls_by_detection ON calls (detected_at DESC, id DESC);
CREATE INDEX calls_by_caller ON calls (from_number, detected_at);
CREATE INDEX calls_by_conversation ON calls (conversation_id);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    kind TEXT NOT NULL
        CHECK (kind IN ('reply', 'text_back', 'follow_up', 'staff', 'help')),
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    sid TEXT UNIQUE,
    error_code INTEGER,
    error_message TEXT,
    skip_reason TEXT,
    author TEXT,
    template TEXT,
    follow_up_step INTEGER,
    call_id INTEGER REFERENCES calls (id),
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, created_at, id);
CREATE INDEX messages_in_flight ON messages (status, sent_at)
    WHERE status IN ('queued', 'accepted', 'sending', 'sent');
CREATE INDEX messages_outbound_by_time ON messages (created_at)
    WHERE direction = 'out' AND kind IN ('text_back', 'follow_up');

CREATE TABLE outbox (
    message_id INTEGER PRIMARY KEY REFERENCES messages (id),
    due_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'done')),
    attempts INTEGER NOT NULL DEFAULT 0,
    first_attempt_at INTEGER,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (due_at) WHERE state != 'done';

CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    first_message_id INTEGER NOT NULL REFERENCES messages (id),
    step INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('scheduled', 'queued', 'stopped')),
    message_id INTEGER REFERENCES messages (id),
    stop_reason TEXT,
    UNIQUE (first_message_id, step)
);
CREATE INDEX follow_ups_due ON follow_ups (due_at) WHERE state = 'scheduled';
CREATE INDEX follow_ups_by_conversation ON follow_ups (conversation_id) WHERE state = 'scheduled';

CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    author TEXT,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX notes_by_conversation ON notes (conversation_id, created_at);

CREATE TABLE opt_outs (
    number TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE blocks (
    number TEXT PRIMARY KEY,
    reason TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE number_facts (
    number TEXT PRIMARY KEY,
    not_mobile INTEGER NOT NULL DEFAULT 0,
    error_code INTEGER,
    updated_at INTEGER NOT NULL
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    conversation_id INTEGER,
    data TEXT NOT NULL
);
CREATE INDEX events_by_time ON events (at);
CREATE INDEX events_by_kind ON events (kind, at);
CREATE INDEX events_by_conversation ON events (conversation_id, at);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE poll_cursors (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE VIRTUAL TABLE messages_fts USING fts5 (
    body, content = 'messages', content_rowid = 'id', tokenize = 'unicode61'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;
"#,
    r#"
CREATE INDEX calls_by_message ON calls (message_id) WHERE message_id IS NOT NULL;

CREATE VIRTUAL TABLE conversation_numbers USING fts5 (
    number, content = 'conversations', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO conversation_numbers (rowid, number) SELECT id, customer_number FROM conversations;
CREATE TRIGGER conversation_numbers_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversation_numbers (rowid, number) VALUES (new.id, new.customer_number);
END;
CREATE TRIGGER conversation_numbers_delete AFTER DELETE ON conversations BEGIN
    INSERT INTO conversation_numbers (conversation_numbers, rowid, number)
        VALUES ('delete', old.id, old.customer_number);
END;
"#,
    r#"
CREATE TABLE webhook_endpoints (
    url TEXT PRIMARY KEY,
    last_event_id INTEGER NOT NULL,
    gone_at INTEGER
);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    event_id INTEGER NOT NULL REFERENCES events (id),
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    first_attempt_at INTEGER,
    next_attempt_at INTEGER NOT NULL,
    last_status INTEGER,
    last_error TEXT,
    updated_at INTEGER NOT NULL,
    UNIQUE (url, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (url, next_attempt_at)
    WHERE state = 'pending';

CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    at INTEGER NOT NULL,
    status INTEGER,
    error TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'retrying', 'failed', 'gone'))
);
CREATE INDEX webhook_attempts_by_time ON webhook_attempts (at DESC, id DESC);
"#,
    // Covering indexes for the weekly figures (src/metrics). Each holds, for one kind of event,
    // its time and the values of its `data` that a figure reads, so a week's figures come from
    // ordered index ranges without opening an event's row or parsing its JSON; SQLite uses the
    // stored values wherever a query names the same `json_extract` expression. They are
    // partial, so each event lands in at most one of them, and `kind` leads the key so the
    // planner prefers them to `events_by_kind` for `kind = ? AND at` ranges.
    r#"
-- Missed calls and the call each names (missed calls, missed calls by hour).
CREATE INDEX events_calls_detected
    ON events (kind, at, json_extract(data, '$.missed'), json_extract(data, '$.call_id'))
    WHERE kind = 'call_detected';
-- Skips by reason (skipped).
CREATE INDEX events_calls_skipped ON events (kind, at, json_extract(data, '$.reason'))
    WHERE kind = 'call_skipped';
-- Texts sent, by conversation and text (texted, replies, templates, time to text).
CREATE INDEX events_texts_sent
    ON events (kind, at, conversation_id, json_extract(data, '$.message_id'))
    WHERE kind = 'text_sent';
-- Replies, by conversation (replied, staff reply time).
CREATE INDEX events_replies ON events (kind, at, conversation_id)
    WHERE kind = 'reply_received';
-- Status changes, by new status (booked).
CREATE INDEX events_status_changes
    ON events (kind, at, json_extract(data, '$.to'), conversation_id)
    WHERE kind = 'status_changed';
-- Refusals and delivery reports of texts (delivered, failed).
CREATE INDEX events_texts_failed
    ON events (kind, at, json_extract(data, '$.message_id'), json_extract(data, '$.code'))
    WHERE kind = 'text_failed';
CREATE INDEX events_deliveries
    ON events (kind, at, json_extract(data, '$.status'), json_extract(data, '$.message_id'),
               json_extract(data, '$.error_code'))
    WHERE kind = 'delivery_changed';
-- What each outgoing text was, read as one range of ids for a period's texts sent.
CREATE INDEX messages_outbound ON messages (id, kind, template, follow_up_step, call_id)
    WHERE direction = 'out';
"#,
];

/// Brings the database up to the newest schema, applying what is missing in order.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            applied_at INTEGER NOT NULL
        )",
    )?;
    let applied: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    if applied >= latest_version() {
        return Ok(());
    }
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        // Another process may be migrating the same file: decide inside the write lock.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let applied: i64 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )?;
        if version <= applied {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, unixepoch() * 1000)",
            [version],
        )?;
        tx.commit()?;
        tracing::info!(version, "applied migration");
    }
    Ok(())
}

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}
