//! The handle the CLI and the desktop use: staff replies, statuses, notes, search, settings.

use textback::store::{ConversationStatus, InboxFilter, ThreadItem};
use textback_sandbox::CallOutcome;

use crate::support::{caller, Harness, BUSINESS};

async fn conversation_after_missed_call(h: &Harness) -> i64 {
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;
    h.calls()[0].conversation_id.expect("a conversation")
}

#[tokio::test]
async fn a_staff_reply_reaches_the_customer() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;
    let conversation = conversation_after_missed_call(&h).await;

    let message = h
        .handle
        .send_reply(conversation, "Tuesday at 3 works!", Some("Dana"))
        .unwrap();
    h.engine.run_due().await.unwrap();

    assert_eq!(message.status, "scheduled", "written to the outbox first");
    let texts = h.texts_to(&caller(1));
    assert_eq!(
        texts.last().map(|t| t.body.as_str()),
        Some("Tuesday at 3 works!"),
        "sent"
    );
    assert_eq!(
        texts.last().map(|t| t.from.as_str()),
        Some(BUSINESS),
        "from the business line"
    );
}

#[tokio::test]
async fn a_staff_reply_stops_the_follow_ups() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;
    let conversation = conversation_after_missed_call(&h).await;

    h.handle
        .send_reply(conversation, "Hi, it's Dana. How can I help?", None)
        .unwrap();
    h.engine.run_due().await.unwrap();
    h.advance(2 * 86_400);
    h.step().await;

    assert_eq!(
        h.texts_to(&caller(1)).len(),
        2,
        "text-back and staff reply, no follow-ups"
    );
}

#[tokio::test]
async fn a_staff_reply_during_the_grace_replaces_the_text_back() {
    let h = Harness::new("").await;
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;
    let conversation = h.calls()[0].conversation_id.unwrap();

    h.handle
        .send_reply(conversation, "Sorry we missed you, Dana here", None)
        .unwrap();
    h.advance(30);
    h.step().await;

    let texts = h.texts_to(&caller(1));
    assert_eq!(texts.len(), 1, "only the staff reply");
    assert_eq!(
        h.calls()[0].skip_reason.as_deref(),
        Some("staff_reached"),
        "the call says why"
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_named() {
    let h = Harness::new("").await;
    let conversation = conversation_after_missed_call(&h).await;

    let empty = h.handle.send_reply(conversation, "   ", None).unwrap_err();
    let long = h
        .handle
        .send_reply(conversation, &"x".repeat(2000), None)
        .unwrap_err();
    let nobody = h.handle.assign(conversation, Some("Zed")).unwrap_err();
    let missing = h.handle.thread(9999, false).unwrap_err();
    let number = h.handle.block("not a number", None).unwrap_err();

    assert!(empty.to_string().starts_with("body:"), "{empty}");
    assert!(long.to_string().contains("1600"), "{long}");
    assert!(nobody.to_string().contains("Zed"), "{nobody}");
    assert_eq!(missing.code(), "not_found", "{missing}");
    assert!(number.to_string().starts_with("number:"), "{number}");
}

#[tokio::test]
async fn status_assignment_and_notes_show_in_the_inbox() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;
    let conversation = conversation_after_missed_call(&h).await;

    h.handle
        .set_status(conversation, ConversationStatus::Booked)
        .unwrap();
    h.handle.assign(conversation, Some("Dana")).unwrap();
    h.handle
        .add_note(conversation, "Prefers mornings", Some("Dana"))
        .unwrap();

    let booked = h
        .handle
        .inbox(&InboxFilter {
            status: Some(ConversationStatus::Booked),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(booked.conversations.len(), 1, "the booked filter finds it");
    assert_eq!(
        booked.conversations[0].assigned_to.as_deref(),
        Some("Dana"),
        "assigned"
    );
    let thread = h.handle.thread(conversation, false).unwrap();
    let note = thread
        .items
        .iter()
        .any(|i| matches!(i, ThreadItem::Note(n) if n.body == "Prefers mornings"));
    assert!(note, "the note is in the thread");
}

#[tokio::test]
async fn search_finds_replies_and_numbers() {
    let h = Harness::new("").await;
    h.sms(&caller(1), "Is the hygienist in on Friday?");
    h.sms(&caller(2), "Thanks!");
    h.step().await;

    let by_word = h.handle.search("hygien", 20).unwrap();
    let by_number = h.handle.search(&caller(2)[5..], 20).unwrap();

    assert_eq!(by_word.len(), 1, "a word prefix finds the message");
    assert_eq!(
        by_word[0].customer_number,
        caller(1),
        "in the right conversation"
    );
    assert!(
        by_number.iter().any(|hit| hit.customer_number == caller(2)),
        "digits find a number"
    );
}

#[tokio::test]
async fn settings_are_checked_before_they_apply() {
    let h = Harness::new("").await;
    let mut settings = h.handle.settings();

    settings.rules.grace = "forever".into();
    let refused = h.handle.update_settings(settings.clone()).unwrap_err();
    settings.rules.grace = "30s".into();
    h.handle.update_settings(settings).unwrap();

    assert!(
        refused.to_string().contains("rules.grace"),
        "names the key: {refused}"
    );
    assert_eq!(
        h.handle.settings().rules.grace,
        "30s",
        "the valid change applies"
    );
    assert_eq!(
        h.engine.config().rules.grace,
        chrono::Duration::seconds(30),
        "and the engine uses it"
    );
}

/// Guards texting back by hand a call missed while Textback was off: one text, from the
/// business line, recorded on the call, and counted like an automatic text-back.
#[tokio::test]
async fn a_call_missed_while_offline_can_be_texted_back_by_hand() {
    let h = Harness::new("").await;
    let sid = h.call(&caller(1), CallOutcome::NoAnswer);
    h.advance(45 * 60);
    h.step().await;
    let call = h.call_by_sid(&sid);

    let message = h.handle.text_back_call(call.id).unwrap();
    h.engine.run_due().await.unwrap();
    let again = h.handle.text_back_call(call.id);

    assert_eq!(
        call.skip_reason.as_deref(),
        Some("too_old"),
        "skipped at first"
    );
    assert_eq!(message.kind, "text_back", "recorded as a text-back");
    assert_eq!(message.call_id, Some(call.id), "tied to the call");
    let texts = h.texts_to(&caller(1));
    assert_eq!(texts.len(), 1, "one text reaches the caller");
    assert_eq!(texts[0].from, BUSINESS, "from the number they called");
    assert_eq!(
        h.call_by_sid(&sid).decision,
        "texted",
        "the call shows as texted"
    );
    assert!(
        again.is_err(),
        "a second press does not text the caller twice"
    );
}

/// Guards the rules that still hold when staff text back by hand: an answered call, and a
/// caller who opted out or is blocked, are refused with a reason.
#[tokio::test]
async fn texting_back_by_hand_respects_answered_calls_opt_outs_and_blocks() {
    let h = Harness::new("").await;
    let answered = h.call(&caller(1), CallOutcome::Answered);
    let opted_out = h.call(&caller(2), CallOutcome::NoAnswer);
    let blocked = h.call(&caller(3), CallOutcome::NoAnswer);
    h.handle.set_opted_out(&caller(2), true).unwrap();
    h.handle.block(&caller(3), None).unwrap();
    h.step().await;

    let refusals: Vec<String> = [answered, opted_out, blocked]
        .iter()
        .map(|sid| {
            let call = h.call_by_sid(sid);
            h.handle.text_back_call(call.id).unwrap_err().to_string()
        })
        .collect();
    h.engine.run_due().await.unwrap();

    assert!(
        refusals[0].contains("answered"),
        "answered: {}",
        refusals[0]
    );
    assert!(
        refusals[1].contains("opted out"),
        "opted out: {}",
        refusals[1]
    );
    assert!(refusals[2].contains("blocked"), "blocked: {}", refusals[2]);
    assert_eq!(h.outbound_count(), 0, "nobody was texted");
}

/// Guards the inbox's wording for an answered call: the conversation says what happened and
/// does not ask for attention.
#[tokio::test]
async fn an_answered_call_shows_as_such_and_is_not_unread() {
    let h = Harness::new("").await;
    h.call(&caller(1), CallOutcome::Answered);

    h.step().await;

    let inbox = h.handle.inbox(&InboxFilter::default()).unwrap();
    let conversation = &inbox.conversations[0];
    assert_eq!(
        conversation.last_preview, "Answered call",
        "the preview names the call"
    );
    assert_eq!(
        conversation.unread, 0,
        "an answered call needs nobody's attention"
    );
}

/// Guards the inbox's wording for a missed call: the outcome in words, not its wire code, and
/// unread until someone looks.
#[tokio::test]
async fn a_missed_call_shows_its_outcome_in_words_and_is_unread() {
    let h = Harness::new("").await;
    h.call(&caller(1), CallOutcome::NoAnswer);

    h.step().await;

    let inbox = h.handle.inbox(&InboxFilter::default()).unwrap();
    let conversation = &inbox.conversations[0];
    assert_eq!(conversation.last_preview, "Missed call (no answer)");
    assert_eq!(conversation.unread, 1, "a missed call asks for attention");
}
