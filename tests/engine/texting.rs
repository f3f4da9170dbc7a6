//! Missed calls become exactly one text, at the right time, for the right callers.

use chrono::{Duration, TimeZone, Utc};
use textback_sandbox::CallOutcome;

use crate::support::{caller, ten_am, Harness, BUSINESS, SECOND_LINE};

#[tokio::test]
async fn a_missed_call_is_texted_once_after_the_grace() {
    let h = Harness::new("").await;
    let sid = h.call(&caller(1), CallOutcome::NoAnswer);

    h.step().await;
    let during_grace = h.texts_to(&caller(1)).len();
    h.advance(15);
    h.step().await;
    h.advance(60);
    h.step().await;

    assert_eq!(during_grace, 0, "nothing goes out during the 15 s grace");
    let texts = h.texts_to(&caller(1));
    assert_eq!(texts.len(), 1, "exactly one text");
    assert_eq!(texts[0].from, BUSINESS, "from the number that was called");
    assert!(
        texts[0].body.contains("Harbor Dental"),
        "names the business: {}",
        texts[0].body
    );
    assert!(
        texts[0].body.contains("https://harbor.example/book"),
        "carries the booking link"
    );
    assert_eq!(
        h.call_by_sid(&sid).decision,
        "texted",
        "the call records the text"
    );
}

#[tokio::test]
async fn every_missed_outcome_is_texted_and_an_answered_call_is_not() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;
    let outcomes = [
        CallOutcome::NoAnswer,
        CallOutcome::Busy,
        CallOutcome::Canceled,
        CallOutcome::Failed,
        CallOutcome::Voicemail,
        CallOutcome::Hangup,
    ];
    for (i, outcome) in outcomes.iter().enumerate() {
        h.call(&caller(i as u32), *outcome);
    }
    let answered = h.call(&caller(99), CallOutcome::Answered);

    h.step().await;

    for (i, outcome) in outcomes.iter().enumerate() {
        assert_eq!(
            h.texts_to(&caller(i as u32)).len(),
            1,
            "{outcome:?} is a missed call"
        );
    }
    assert!(
        h.texts_to(&caller(99)).is_empty(),
        "an answered call gets no text"
    );
    let call = h.call_by_sid(&answered);
    assert_eq!(
        call.skip_reason.as_deref(),
        Some("answered"),
        "and says why"
    );
}

#[tokio::test]
async fn voicemail_is_not_texted_when_the_owner_says_so() {
    let h = Harness::new("[rules]\ngrace = \"0s\"\nvoicemail_counts_as_missed = false").await;
    let sid = h.call(&caller(1), CallOutcome::Voicemail);

    h.step().await;

    assert!(
        h.texts_to(&caller(1)).is_empty(),
        "voicemail is not a missed call here"
    );
    assert_eq!(
        h.call_by_sid(&sid).skip_reason.as_deref(),
        Some("voicemail"),
        "reason recorded"
    );
}

#[tokio::test]
async fn three_calls_in_five_minutes_get_one_text() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;

    let first = h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;
    h.advance(120);
    let second = h.call(&caller(1), CallOutcome::Busy);
    h.step().await;
    h.advance(180);
    let third = h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;

    assert_eq!(h.texts_to(&caller(1)).len(), 1, "one text for three calls");
    assert_eq!(
        h.call_by_sid(&first).decision,
        "texted",
        "the first call is texted"
    );
    for sid in [second, third] {
        assert_eq!(
            h.call_by_sid(&sid).skip_reason.as_deref(),
            Some("dedupe"),
            "later ones dedupe"
        );
    }
}

#[tokio::test]
async fn a_caller_who_calls_both_lines_gets_one_text() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;

    h.sandbox()
        .place_call(&caller(1), BUSINESS, CallOutcome::NoAnswer)
        .unwrap();
    h.sandbox()
        .place_call(&caller(1), SECOND_LINE, CallOutcome::NoAnswer)
        .unwrap();
    h.step().await;

    assert_eq!(
        h.texts_to(&caller(1)).len(),
        1,
        "one text per caller, whichever line"
    );
}

#[tokio::test]
async fn after_the_dedupe_window_the_caller_is_texted_again() {
    let h = Harness::new("[rules]\ngrace = \"0s\"\ndedupe_window = \"1h\"\nfollow_ups = []").await;

    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;
    h.advance(2 * 3600);
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;

    assert_eq!(
        h.texts_to(&caller(1)).len(),
        2,
        "a new text once the window has passed"
    );
}

#[tokio::test]
async fn getting_through_during_the_grace_cancels_the_text() {
    let h = Harness::new("").await;
    let missed = h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;

    h.advance(5);
    h.call(&caller(1), CallOutcome::Answered);
    h.step().await;
    h.advance(60);
    h.step().await;

    assert!(
        h.texts_to(&caller(1)).is_empty(),
        "the caller was reached, so no text"
    );
    let call = h.call_by_sid(&missed);
    assert_eq!(
        call.skip_reason.as_deref(),
        Some("reached"),
        "the missed call says why"
    );
}

#[tokio::test]
async fn a_poll_that_sees_a_call_twice_handles_it_once() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;
    h.call(&caller(1), CallOutcome::NoAnswer);

    for _ in 0..5 {
        h.step().await;
        h.advance(1);
    }

    assert_eq!(h.calls().len(), 1, "one call row");
    assert_eq!(h.texts_to(&caller(1)).len(), 1, "one text");
}

#[tokio::test]
async fn callers_the_rules_exclude_are_not_texted() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;
    let staff = h.call("+12125550199", CallOutcome::NoAnswer);
    let abroad = h.call("+447400123456", CallOutcome::NoAnswer);
    h.handle.block(&caller(3), Some("spam")).unwrap();
    let blocked = h.call(&caller(3), CallOutcome::NoAnswer);

    h.step().await;

    assert_eq!(h.outbound_count(), 0, "nobody here is texted");
    let reason = |sid: &str| h.call_by_sid(sid).skip_reason;
    assert_eq!(
        reason(&staff).as_deref(),
        Some("own_number"),
        "staff number"
    );
    assert_eq!(
        reason(&abroad).as_deref(),
        Some("country_not_allowed"),
        "SMS pumping guard"
    );
    assert_eq!(
        reason(&blocked).as_deref(),
        Some("blocked"),
        "blocked number"
    );
}

#[tokio::test]
async fn calls_missed_while_offline_are_listed_not_texted() {
    let h = Harness::new("").await;
    let old = h.call(&caller(1), CallOutcome::NoAnswer);
    h.advance(45 * 60);
    let fresh = h.call(&caller(2), CallOutcome::NoAnswer);

    h.step().await;
    h.advance(15);
    h.step().await;

    assert!(
        h.texts_to(&caller(1)).is_empty(),
        "45 minutes is past max_call_age"
    );
    assert_eq!(h.texts_to(&caller(2)).len(), 1, "the fresh call is texted");
    assert_eq!(
        h.call_by_sid(&old).skip_reason.as_deref(),
        Some("too_old"),
        "reason recorded"
    );
    assert_eq!(h.call_by_sid(&fresh).decision, "texted", "fresh one texted");
    let inbox = h.handle.inbox(&Default::default()).unwrap();
    let flagged = inbox
        .conversations
        .iter()
        .find(|c| c.customer_number == caller(1))
        .unwrap();
    assert_eq!(
        flagged.needs_staff.as_deref(),
        Some("too_old"),
        "staff are asked to call back"
    );
}

#[tokio::test]
async fn quiet_hours_hold_a_text_until_morning() {
    // 22:00 in New York.
    let night = Utc.with_ymd_and_hms(2026, 12, 4, 3, 0, 0).unwrap();
    let h = Harness::starting_at(night, "").await;
    h.call(&caller(1), CallOutcome::NoAnswer);

    h.step().await;
    h.advance(3600);
    h.step().await;
    let overnight = h.texts_to(&caller(1)).len();
    h.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 4, 13, 0, 0).unwrap()); // 08:00
    h.step().await;

    assert_eq!(overnight, 0, "nothing is sent at night");
    let texts = h.texts_to(&caller(1));
    assert_eq!(texts.len(), 1, "the text goes at 08:00");
    assert!(
        texts[0].body.contains("closed"),
        "with the after-hours text: {}",
        texts[0].body
    );
}

#[tokio::test]
async fn quiet_hours_can_drop_instead() {
    let night = Utc.with_ymd_and_hms(2026, 12, 4, 3, 0, 0).unwrap();
    let h = Harness::starting_at(night, "[rules]\nquiet_hours_action = \"drop\"").await;
    let sid = h.call(&caller(1), CallOutcome::NoAnswer);

    h.step().await;
    h.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 4, 13, 0, 0).unwrap());
    h.step().await;

    assert!(h.texts_to(&caller(1)).is_empty(), "dropped, not held");
    assert_eq!(
        h.call_by_sid(&sid).skip_reason.as_deref(),
        Some("quiet_hours"),
        "reason recorded"
    );
}

#[tokio::test]
async fn the_hourly_cap_stops_a_flood() {
    let h = Harness::new("[rules]\ngrace = \"0s\"\nhourly_cap = 3").await;
    let sids: Vec<String> = (0..5)
        .map(|i| h.call(&caller(i), CallOutcome::NoAnswer))
        .collect();

    h.step().await;

    assert_eq!(h.outbound_count(), 3, "three texts in the hour");
    let capped = sids
        .iter()
        .filter(|s| h.call_by_sid(s).skip_reason.as_deref() == Some("hourly_cap"));
    assert_eq!(capped.count(), 2, "the rest say why");
}

#[tokio::test]
async fn follow_ups_arrive_on_time() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;

    h.advance(3 * 3600 - 60);
    h.step().await;
    let before_three_hours = h.texts_to(&caller(1)).len();
    h.advance(60);
    h.step().await;
    let after_three_hours = h.texts_to(&caller(1)).len();
    // The next day at 10:00 New York time is 15:00 UTC on 4 December.
    h.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 4, 14, 59, 0).unwrap());
    h.step().await;
    let before_ten = h.texts_to(&caller(1)).len();
    h.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 4, 15, 0, 0).unwrap());
    h.step().await;
    h.advance(86_400);
    h.step().await;

    assert_eq!(before_three_hours, 1, "only the text-back before +3 h");
    assert_eq!(after_three_hours, 2, "the first follow-up at +3 h");
    assert_eq!(before_ten, 2, "nothing before 10:00 the next day");
    let texts = h.texts_to(&caller(1));
    assert_eq!(
        texts.len(),
        3,
        "the second follow-up at 10:00, and nothing after"
    );
    assert!(
        texts[1].body.contains("checking in"),
        "follow-up text: {}",
        texts[1].body
    );
}

#[tokio::test]
async fn a_reply_stops_the_follow_ups() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;

    h.advance(600);
    h.sms(&caller(1), "Yes please, Tuesday?");
    h.step().await;
    h.advance(2 * 86_400);
    h.step().await;

    assert_eq!(
        h.texts_to(&caller(1)).len(),
        1,
        "no follow-up after a reply"
    );
}

#[tokio::test]
async fn closing_the_conversation_stops_the_follow_ups() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;
    let conversation = h.calls()[0].conversation_id.unwrap();

    h.handle
        .set_status(conversation, textback::store::ConversationStatus::Booked)
        .unwrap();
    h.advance(2 * 86_400);
    h.step().await;

    assert_eq!(h.texts_to(&caller(1)).len(), 1, "no follow-up once booked");
}

#[tokio::test]
async fn a_call_during_a_conversation_tells_staff_instead() {
    let h = Harness::new("[rules]\ngrace = \"0s\"\ndedupe_window = \"1m\"").await;
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;
    h.sms(&caller(1), "Do you have anything Friday?");
    h.step().await;

    h.advance(600);
    let again = h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;

    assert_eq!(
        h.texts_to(&caller(1)).len(),
        1,
        "no second automatic text mid-conversation"
    );
    let call = h.call_by_sid(&again);
    assert_eq!(
        call.skip_reason.as_deref(),
        Some("active_conversation"),
        "reason recorded"
    );
    let thread = h
        .handle
        .thread(call.conversation_id.unwrap(), false)
        .unwrap();
    assert_eq!(
        thread.conversation.needs_staff.as_deref(),
        Some("active_conversation"),
        "staff are told"
    );
}

#[tokio::test]
async fn the_outbox_holds_texts_across_a_provider_outage() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;
    h.call(&caller(2), CallOutcome::NoAnswer);
    h.sandbox().set_faults(textback_sandbox::Faults {
        error_rate: 1.0,
        ..Default::default()
    });

    for _ in 0..4 {
        let _ = h.engine.poll_calls().await;
        h.advance(30);
    }
    let health_during = h.handle.provider_health();
    h.sandbox().set_faults(textback_sandbox::Faults::default());
    for _ in 0..3 {
        h.step().await;
        h.advance(Duration::minutes(5).num_seconds());
    }

    assert!(
        matches!(health_during, textback::engine::ProviderHealth::Down { .. }),
        "an outage shows as a state: {health_during:?}"
    );
    assert_eq!(
        h.handle.provider_health(),
        textback::engine::ProviderHealth::Up,
        "and ends"
    );
    assert_eq!(
        h.texts_to(&caller(2)).len(),
        1,
        "the call seen after recovery is texted once"
    );
    assert_eq!(
        h.texts_to(&caller(1)).len(),
        1,
        "the one before it too, once"
    );
    let _ = ten_am();
}

#[tokio::test]
async fn a_reply_that_came_while_the_engine_was_down_is_read_before_any_follow_up() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;
    h.advance(4 * 3600);
    h.sms(&caller(1), "Yes please, Tuesday");

    // A new engine on the same database, as after a restart; its sender runs before any poll.
    let clock: textback::clock::SharedClock = h.clock.clone();
    let config = (*h.engine.config()).clone();
    let provider = crate::support::fast_client(&h.sandbox);
    let restarted = textback::Engine::new(h.store().clone(), provider, clock, config);
    restarted.run_due().await.unwrap();
    restarted.poll_messages().await.unwrap();
    restarted.run_due().await.unwrap();

    assert_eq!(
        h.texts_to(&caller(1)).len(),
        1,
        "the reply stops the overdue follow-up"
    );
}
