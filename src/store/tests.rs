use chrono::{Duration, TimeZone, Utc};

use super::*;

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).unwrap();
    (dir, store)
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 15, 0, 0).unwrap()
}

#[test]
fn a_new_database_is_private_and_sound() {
    let (dir, store) = open();

    let mode = std::fs::metadata(dir.path().join("t.db")).unwrap();

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            mode.permissions().mode() & 0o777,
            0o600,
            "only the owner may read it"
        );
    }
    assert_eq!(
        store.integrity_check().unwrap(),
        "ok",
        "integrity check passes"
    );
}

#[test]
fn reopening_applies_no_migration_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    drop(Store::open(&path).unwrap());

    let again = Store::open(&path).unwrap();

    let versions: i64 = again
        .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(
        versions,
        schema::latest_version(),
        "each migration recorded once"
    );
}

#[test]
fn a_call_sid_is_recorded_once() {
    let (_dir, store) = open();
    let call = NewCall {
        sid: "CA1",
        conversation_id: None,
        from: "+12125550111",
        to: "+12125550100",
        outcome: "no-answer",
        started_at: None,
        ended_at: None,
        detected_at: t0(),
    };

    let first = store.write(|tx| tx.insert_call(&call)).unwrap();
    let second = store.write(|tx| tx.insert_call(&call)).unwrap();

    assert!(first.is_some(), "first time recorded");
    assert_eq!(second, None, "second time ignored");
}

#[test]
fn events_are_published_only_after_commit() {
    let (_dir, store) = open();
    let mut events = store.subscribe();

    let failed: Result<()> = store.write(|tx| {
        tx.opt_out("+12125550111", "keyword", t0())?;
        Err(StoreError::Invalid("rolled back".into()))
    });
    store
        .write(|tx| tx.opt_out("+12125550122", "keyword", t0()).map(drop))
        .unwrap();

    assert!(failed.is_err(), "the first write failed");
    let event = events.try_recv().expect("one event published");
    assert!(
        matches!(event.kind, crate::events::EventKind::OptedOut { ref number, .. } if number == "+12125550122"),
        "only the committed opt-out is published: {event:?}"
    );
    assert!(events.try_recv().is_err(), "nothing else");
    let stored = store.read(|c| is_opted_out(c, "+12125550111")).unwrap();
    assert!(!stored, "the rolled-back opt-out is not stored");
}

fn conversation_with_text(store: &Store, due: DateTime<Utc>) -> (i64, i64) {
    store
        .write(|tx| {
            let conversation = tx.conversation_for("+12125550100", "+12125550111", t0())?;
            let text = NewOutbound {
                conversation_id: conversation,
                kind: "text_back",
                body: "Hi",
                template: None,
                follow_up_step: None,
                call_id: None,
                author: None,
                due_at: due,
            };
            Ok((conversation, tx.schedule_text(&text, t0())?))
        })
        .unwrap()
}

#[test]
fn a_text_is_due_only_from_its_time() {
    let (_dir, store) = open();
    let (_, id) = conversation_with_text(&store, t0() + Duration::seconds(15));

    let early = store.read(|c| due_texts(c, t0(), 10)).unwrap();
    let late = store
        .read(|c| due_texts(c, t0() + Duration::seconds(15), 10))
        .unwrap();

    assert!(early.is_empty(), "not due during the grace");
    assert_eq!(
        late.iter().map(|i| i.message_id).collect::<Vec<_>>(),
        vec![id],
        "due after it"
    );
    assert_eq!(late[0].to, "+12125550111", "to the customer");
    assert_eq!(late[0].from, "+12125550100", "from the number called");
}

#[test]
fn a_text_in_flight_cannot_be_cancelled() {
    let (_dir, store) = open();
    let (_, id) = conversation_with_text(&store, t0());

    store.write(|tx| tx.begin_attempt(id, t0())).unwrap();
    let cancelled = store
        .write(|tx| tx.cancel_text(id, "opted_out", t0()))
        .unwrap();

    assert!(
        !cancelled,
        "a text whose request may have left is not withdrawn"
    );
    let item = store
        .read(|c| outbox_item_by_id(c, id))
        .unwrap()
        .expect("still in the outbox");
    assert_eq!(item.state, "sending", "it waits for reconciliation");
}

#[test]
fn the_inbox_pages_without_gaps_or_repeats() {
    let (_dir, store) = open();
    store
        .write(|tx| {
            for i in 0..25 {
                let id = tx.conversation_for("+12125550100", &format!("+1212555{i:04}"), t0())?;
                tx.touch_conversation(id, t0() + Duration::seconds(i), "hello", i % 2 == 0)?;
            }
            Ok(())
        })
        .unwrap();

    let mut filter = InboxFilter {
        limit: Some(10),
        ..InboxFilter::default()
    };
    let mut seen = Vec::new();
    loop {
        let page = store.read(|c| inbox(c, &filter)).unwrap();
        seen.extend(page.conversations.iter().map(|c| c.id));
        match page.next {
            Some(next) => filter.after = Some(next),
            None => break,
        }
    }
    let unread = store
        .read(|c| {
            inbox(
                c,
                &InboxFilter {
                    unread_only: true,
                    ..InboxFilter::default()
                },
            )
        })
        .unwrap();

    let mut sorted = seen.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(seen.len(), 25, "every conversation listed");
    assert_eq!(sorted.len(), 25, "none twice");
    assert_eq!(unread.conversations.len(), 13, "unread filter");
}

#[test]
fn search_finds_words_and_numbers_and_survives_fts_syntax() {
    let (_dir, store) = open();
    store
        .write(|tx| {
            let id = tx.conversation_for("+12125550100", "+12125550111", t0())?;
            tx.insert_inbound(id, "SM1", "Can I book a cleaning on Tuesday?", t0())?;
            Ok(())
        })
        .unwrap();

    let by_word = store.read(|c| search(c, "clean", 10)).unwrap();
    let by_number = store.read(|c| search(c, "555-0111", 10)).unwrap();
    let hostile = store.read(|c| search(c, "\"unbalanced AND (", 10));

    assert_eq!(by_word.len(), 1, "prefix match on a word");
    assert_eq!(by_number.len(), 1, "match on the customer's number");
    assert!(hostile.is_ok(), "FTS syntax in a query is not an error");
}

/// Guards the inbox search box: whatever staff type (quotes, stars, FTS operators, digits,
/// any Unicode), a search returns hits or nothing, never an error.
#[test]
fn search_never_fails_on_any_query() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config as RunnerConfig, TestCaseError, TestRunner};

    let (_dir, store) = open();
    conversation_with_text(&store, t0());
    let query = prop_oneof![
        any::<String>(),
        "[\"*():^+\\-{}\\[\\] a-zA-Z0-9]{0,30}",
        "(AND|OR|NOT|NEAR|\\*|\"|[0-9]{1,12}| ){0,8}",
    ];
    let mut runner = TestRunner::new(RunnerConfig::with_cases(512));

    let outcome = runner.run(&query, |q| {
        store
            .read(|c| search(c, &q, 20))
            .map(drop)
            .map_err(|e| TestCaseError::fail(format!("search {q:?} failed: {e}")))
    });

    outcome.expect("every query is searched without an error");
}
