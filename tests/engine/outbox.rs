//! The outbox: no text lost, none sent twice, whatever the provider or a crash does.

use chrono::Duration;
use textback::store::{self, NewOutbound};
use textback_provider::NewMessage;
use textback_sandbox::{CallOutcome, Faults};

use crate::support::{caller, fast_client, Harness, BUSINESS};

/// Schedules a staff text to `to` and returns its message id.
fn scheduled_text(h: &Harness, to: &str, body: &str) -> i64 {
    let now = h.clock.now();
    h.store()
        .write(|tx| {
            let conversation = tx.conversation_for(BUSINESS, to, now)?;
            let text = NewOutbound {
                conversation_id: conversation,
                kind: "staff",
                body,
                template: None,
                follow_up_step: None,
                call_id: None,
                author: Some("Dana"),
                due_at: now,
            };
            tx.schedule_text(&text, now)
        })
        .unwrap()
}

trait Now {
    fn now(&self) -> chrono::DateTime<chrono::Utc>;
}

impl Now for std::sync::Arc<textback::clock::ManualClock> {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        textback::clock::Clock::now(self.as_ref())
    }
}

#[tokio::test]
async fn a_crash_after_the_request_left_does_not_send_twice() {
    let h = Harness::new("").await;
    let id = scheduled_text(&h, &caller(1), "See you at 3");
    // The engine marked the attempt and the request reached the provider; then it died.
    h.store()
        .write(|tx| tx.begin_attempt(id, h.clock.now()))
        .unwrap();
    let message = NewMessage {
        from: BUSINESS.into(),
        to: caller(1),
        body: "See you at 3".into(),
    };
    fast_client(&h.sandbox)
        .send_message(&message)
        .await
        .unwrap();

    h.advance(1);
    let report = h.engine.run_due().await.unwrap();

    assert_eq!(report.reconciled, 1, "the text is found at the provider");
    assert_eq!(h.texts_to(&caller(1)).len(), 1, "and not sent again");
    let stored = h.store().read(|c| store::message(c, id)).unwrap();
    assert!(stored.sid.is_some(), "its SID is recorded");
}

#[tokio::test]
async fn a_crash_before_the_request_left_sends_once() {
    let h = Harness::new("").await;
    let id = scheduled_text(&h, &caller(1), "See you at 3");
    h.store()
        .write(|tx| tx.begin_attempt(id, h.clock.now()))
        .unwrap();

    h.advance(1);
    let report = h.engine.run_due().await.unwrap();
    h.advance(1);
    h.engine.run_due().await.unwrap();

    assert_eq!(report.sent, 1, "not found at the provider, so sent");
    assert_eq!(h.texts_to(&caller(1)).len(), 1, "exactly once");
}

#[tokio::test]
async fn an_earlier_identical_text_is_not_mistaken_for_this_one() {
    let h = Harness::new("").await;
    let first = scheduled_text(&h, &caller(1), "Running 10 minutes late");
    h.engine.run_due().await.unwrap();
    h.advance(3600);
    let second = scheduled_text(&h, &caller(1), "Running 10 minutes late");
    h.store()
        .write(|tx| tx.begin_attempt(second, h.clock.now()))
        .unwrap();

    h.advance(1);
    h.engine.run_due().await.unwrap();

    assert_eq!(
        h.texts_to(&caller(1)).len(),
        2,
        "the second text is sent, not matched to the first"
    );
    assert_ne!(first, second, "two rows");
}

#[tokio::test]
async fn every_text_goes_exactly_once_through_a_failing_provider() {
    let h = Harness::new("[rules]\ngrace = \"0s\"\nfollow_ups = []").await;
    h.sandbox().set_faults(Faults {
        error_rate: 0.2,
        rate_limit_rate: 0.1,
        reset_rate: 0.1,
        latency_ms: 0,
    });
    let callers: Vec<String> = (0..40).map(caller).collect();
    for c in &callers {
        h.call(c, CallOutcome::NoAnswer);
    }

    for _ in 0..60 {
        let _ = h.engine.poll_calls().await;
        let _ = h.engine.run_due().await;
        h.advance(Duration::minutes(1).num_seconds());
    }
    h.sandbox().set_faults(Faults::default());
    for _ in 0..5 {
        h.step().await;
        h.advance(Duration::minutes(5).num_seconds());
    }

    let calls = h.calls();
    for c in &callers {
        let decided: Vec<_> = calls
            .iter()
            .filter(|call| &call.from == c)
            .map(|call| (&call.decision, &call.skip_reason))
            .collect();
        assert_eq!(
            h.texts_to(c).len(),
            1,
            "exactly one text to {c} despite 40% failures; call: {decided:?}"
        );
    }
}

#[tokio::test]
async fn a_provider_opt_out_is_remembered() {
    let h = Harness::new("").await;
    // Twilio's test number that answers 21610, "unsubscribed recipient".
    let unsubscribed = "+15005550004";
    let id = scheduled_text(&h, unsubscribed, "Hello");

    let report = h.engine.run_due().await.unwrap();

    assert_eq!(report.failed, 1, "the provider refused");
    let message = h.store().read(|c| store::message(c, id)).unwrap();
    assert_eq!(message.error_code, Some(21610), "with its code");
    let opted_out = h
        .store()
        .read(|c| store::is_opted_out(c, unsubscribed))
        .unwrap();
    assert!(opted_out, "21610 records an opt-out");
}

#[tokio::test]
async fn a_number_that_cannot_take_texts_is_remembered() {
    let h = Harness::new("").await;
    let landline = "+15005550009";
    scheduled_text(&h, landline, "Hello");

    h.engine.run_due().await.unwrap();

    let known = h
        .store()
        .read(|c| store::is_not_mobile(c, landline))
        .unwrap();
    assert!(known, "21614 marks the number as not a mobile");
}

#[tokio::test]
async fn delivery_status_is_followed() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;
    h.call(&caller(1), CallOutcome::NoAnswer);
    h.step().await;

    let changed = h.engine.refresh_delivery().await.unwrap();

    assert_eq!(changed, 1, "the text's status changed");
    let inbox = h.handle.inbox(&Default::default()).unwrap();
    let thread = h.handle.thread(inbox.conversations[0].id, false).unwrap();
    let delivered = thread
        .items
        .iter()
        .any(|i| matches!(i, textback::store::ThreadItem::Message(m) if m.status == "delivered"));
    assert!(delivered, "the thread shows it delivered");
}

#[tokio::test]
async fn the_database_stays_sound() {
    let h = Harness::new("[rules]\ngrace = \"0s\"").await;
    for i in 0..10 {
        h.call(&caller(i), CallOutcome::NoAnswer);
    }
    h.step().await;

    assert_eq!(
        h.store().integrity_check().unwrap(),
        "ok",
        "PRAGMA integrity_check"
    );
}
