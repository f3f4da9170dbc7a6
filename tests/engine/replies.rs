//! Customer texts: into the thread, through keyword handling, out as events.

use textback::events::EventKind;
use textback::store::{self, ConversationStatus, ThreadItem};
use textback_sandbox::CallOutcome;

use crate::support::{caller, Harness, BUSINESS};

#[tokio::test]
async fn a_reply_joins_its_conversation_and_is_published() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;
    let mut events = h.handle.subscribe();
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;

    h.sms(&caller(1), "Can I come in Tuesday?");
    h.step().await;
    h.step().await;

    let inbox = h.handle.inbox(&Default::default()).unwrap();
    assert_eq!(
        inbox.conversations.len(),
        1,
        "one conversation for call, text and reply"
    );
    let conversation = &inbox.conversations[0];
    assert_eq!(
        conversation.status,
        ConversationStatus::Replied,
        "status moves to replied"
    );
    assert_eq!(
        conversation.unread, 2,
        "the missed call and the reply are unread"
    );
    assert_eq!(
        conversation.last_preview, "Can I come in Tuesday?",
        "preview shows the reply"
    );
    let thread = h.handle.thread(conversation.id, true).unwrap();
    let kinds: Vec<&str> = thread
        .items
        .iter()
        .map(|i| match i {
            ThreadItem::Call(_) => "call",
            ThreadItem::Message(m) => m.kind.as_str(),
            ThreadItem::Note(_) => "note",
        })
        .collect();
    assert_eq!(kinds, ["call", "text_back", "reply"], "the thread in order");
    let after = h.handle.inbox(&Default::default()).unwrap();
    assert_eq!(
        after.conversations[0].unread, 0,
        "opening the thread marks it read"
    );
    let mut saw_reply = false;
    while let Ok(event) = events.try_recv() {
        if let EventKind::ReplyReceived { body, .. } = event.kind {
            saw_reply |= body == "Can I come in Tuesday?";
        }
    }
    assert!(saw_reply, "the reply is published as an event");
}

#[tokio::test]
async fn stop_opts_out_and_nothing_more_is_sent() {
    let h = Harness::new("[rules]\ngrace = \"0s\"\ndedupe_window = \"1m\"").await;
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;

    h.sms(&caller(1), "  Stop. ");
    h.step().await;
    h.advance(2 * 86_400);
    let later = h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;
    h.advance(60);
    h.step().await;

    assert_eq!(
        h.texts_to(&caller(1)).len(),
        1,
        "nothing after STOP: no follow-up, no text-back"
    );
    assert_eq!(
        h.call_by_sid(&later).skip_reason.as_deref(),
        Some("opted_out"),
        "reason recorded"
    );
    let refused = h
        .handle
        .send_reply(h.calls()[0].conversation_id.unwrap(), "Hello?", None);
    assert!(
        refused.is_err(),
        "staff cannot text an opted-out number either"
    );
}

#[tokio::test]
async fn start_opts_back_in() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;
    h.sms(&caller(1), "STOP");
    h.step().await;

    h.sms(&caller(1), "start");
    h.step().await;
    h.advance(60);
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;

    let opted_out = h
        .store()
        .read(|c| store::is_opted_out(c, &caller(1)))
        .unwrap();
    assert!(!opted_out, "START clears the opt-out");
}

#[tokio::test]
async fn help_gets_the_help_reply() {
    let h = Harness::new("").await;

    h.sms(&caller(1), "HELP");
    h.step().await;

    let texts = h.texts_to(&caller(1));
    assert_eq!(texts.len(), 1, "one answer");
    assert!(
        texts[0].body.contains("Reply STOP"),
        "the configured help text: {}",
        texts[0].body
    );
    assert_eq!(texts[0].from, BUSINESS, "from the number texted");
}

#[tokio::test]
async fn asking_not_to_be_texted_flags_the_conversation() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;

    h.sms(&caller(1), "wrong number, stop texting me");
    h.step().await;
    h.advance(2 * 86_400);
    h.step().await;

    let inbox = h.handle.inbox(&Default::default()).unwrap();
    assert_eq!(
        inbox.conversations[0].needs_staff.as_deref(),
        Some("asked_to_stop"),
        "flagged"
    );
    assert_eq!(h.texts_to(&caller(1)).len(), 1, "and the sequence stopped");
}

#[tokio::test]
async fn a_reply_is_stored_once_however_often_it_is_listed() {
    let h = Harness::new("").await;
    h.sms(&caller(1), "Hi there");

    for _ in 0..4 {
        h.step().await;
        h.advance(1);
    }

    let count: i64 = h
        .store()
        .read(|c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM messages WHERE direction = 'in'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(count, 1, "one stored message");
}

#[tokio::test]
async fn hostile_bodies_are_stored_verbatim() {
    let h = Harness::new("").await;
    let bodies = [
        "<img src=x onerror=alert(1)>",
        "'; DROP TABLE messages; --",
        "\u{202e}txet desrever\u{202c} and \u{7} bell",
        &"long ".repeat(2_000),
    ];
    for body in &bodies {
        h.sms(&caller(1), body);
    }

    h.step().await;

    let inbox = h.handle.inbox(&Default::default()).unwrap();
    let thread = h.handle.thread(inbox.conversations[0].id, false).unwrap();
    let stored: Vec<String> = thread
        .items
        .iter()
        .filter_map(|i| match i {
            ThreadItem::Message(m) => Some(m.body.clone()),
            _ => None,
        })
        .collect();
    for body in bodies {
        assert!(
            stored.iter().any(|s| s == body),
            "{body:?} stored exactly as sent"
        );
    }
}
