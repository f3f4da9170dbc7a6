//! `POST Messages.json`, `GET Messages.json` and `GET Messages/{Sid}.json`.

use chrono::Duration;
use serde_json::Value;
use textback_sandbox::{MessageDirection, MessageStatus, MESSAGING_SERVICE_NUMBER};

use crate::common::{error_code, json, start, BUSINESS, CALLER};

/// A sent message is answered `queued` and reads back `delivered`.
#[tokio::test]
async fn sent_message_is_queued_then_delivered() {
    let harness = start().await;
    let form = [
        ("To", CALLER),
        ("From", BUSINESS),
        ("Body", "Sorry we missed you!"),
    ];

    let created = harness.send(&form).await.expect("answers");
    assert_eq!(created.status(), 201, "created");
    let created = json(created).await;
    let sid = created["sid"].as_str().expect("a sid").to_owned();
    let fetched = json(
        harness
            .get(&format!("Messages/{sid}.json"))
            .send()
            .await
            .expect("answers"),
    )
    .await;

    assert!(sid.starts_with("SM") && sid.len() == 34, "an SM sid: {sid}");
    assert_eq!(created["status"], "queued", "accepted, not yet sent");
    assert_eq!(created["direction"], "outbound-api", "sent through the API");
    assert_eq!(
        created["num_segments"], "1",
        "segments are a string, as Twilio sends them"
    );
    assert_eq!(created["date_sent"], Value::Null, "not sent yet");
    assert_eq!(created["price"], Value::Null, "no price yet");
    assert_eq!(created["error_code"], Value::Null, "no error");
    assert_eq!(
        fetched["status"], "delivered",
        "a later read shows delivery"
    );
    assert_eq!(
        fetched["date_sent"], "Sat, 09 Mar 2024 15:00:00 +0000",
        "sent at the clock"
    );
    assert_eq!(fetched["body"], "Sorry we missed you!", "the body as sent");
    let stored = harness.sandbox.message(&sid).expect("kept");
    assert_eq!(
        stored.status,
        MessageStatus::Delivered,
        "the Rust API agrees"
    );
}

/// Missing or malformed parameters get Twilio's codes, and nothing is sent.
#[tokio::test]
async fn invalid_sends_get_twilios_codes() {
    let harness = start().await;
    let cases: [(&[(&str, &str)], u64); 5] = [
        (&[("From", BUSINESS), ("Body", "hi")], 21604),
        (&[("To", CALLER), ("From", BUSINESS)], 21602),
        (&[("To", CALLER), ("Body", "hi")], 21603),
        (
            &[("To", "5551230001"), ("From", BUSINESS), ("Body", "hi")],
            21211,
        ),
        (
            &[("To", CALLER), ("From", "front desk"), ("Body", "hi")],
            21212,
        ),
    ];

    for (form, expected) in cases {
        let response = harness.send(form).await.expect("answers");

        assert_eq!(error_code(response, 400).await, expected, "{form:?}");
    }
    assert!(
        harness.sandbox.messages().is_empty(),
        "no refused message was sent"
    );
}

/// Twilio's magic test numbers are refused as Twilio refuses them.
#[tokio::test]
async fn magic_numbers_are_refused() {
    let harness = start().await;
    let cases = [
        ("+15005550001", 21211),
        ("+15005550004", 21610),
        ("+15005550009", 21614),
    ];

    for (to, expected) in cases {
        let response = harness
            .send(&[("To", to), ("From", BUSINESS), ("Body", "hi")])
            .await;

        let response = response.expect("answers");
        let body = json(response).await;
        assert_eq!(body["code"], expected, "{to} is refused with {expected}");
        assert_eq!(body["status"], 400, "{to} is a client error");
        let more_info = format!("https://www.twilio.com/docs/errors/{expected}");
        assert_eq!(
            body["more_info"],
            more_info.as_str(),
            "{to} links its error page"
        );
    }
    assert!(
        harness.sandbox.messages().is_empty(),
        "no refused message was sent"
    );
}

/// An unknown message SID is a Twilio 404.
#[tokio::test]
async fn unknown_message_is_not_found() {
    let harness = start().await;

    let response = harness
        .get("Messages/SM00000000000000000000000000000000.json")
        .send()
        .await;

    assert_eq!(
        error_code(response.expect("answers"), 404).await,
        20404,
        "no such message"
    );
}

/// A Messaging Service send has no sender at first, then the service's number.
#[tokio::test]
async fn messaging_service_picks_the_sender_later() {
    let harness = start().await;
    let service = "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let form = [
        ("To", CALLER),
        ("MessagingServiceSid", service),
        ("Body", "hi"),
    ];

    let created = json(harness.send(&form).await.expect("answers")).await;
    let sid = created["sid"].as_str().expect("sid");
    let fetched = json(
        harness
            .get(&format!("Messages/{sid}.json"))
            .send()
            .await
            .expect("answers"),
    )
    .await;

    assert_eq!(created["from"], Value::Null, "no sender picked yet");
    assert_eq!(
        created["messaging_service_sid"], service,
        "the service is recorded"
    );
    assert_eq!(
        fetched["from"], MESSAGING_SERVICE_NUMBER,
        "the service's number sent it"
    );
}

/// Inbound texts list beside outbound ones, newest first, with Twilio's inbound fields.
#[tokio::test]
async fn inbound_texts_are_listed() {
    let harness = start().await;
    harness.send_text(CALLER, "Sorry we missed you!").await;
    harness.clock.advance(Duration::minutes(2));
    let reply = harness
        .sandbox
        .receive_sms(CALLER, BUSINESS, "Call me back")
        .expect("received");

    let body = json(harness.get("Messages.json").send().await.expect("answers")).await;

    let messages = body["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 2, "both directions are listed");
    assert_eq!(messages[0]["sid"], reply.as_str(), "the reply is newest");
    assert_eq!(messages[0]["direction"], "inbound", "the reply came in");
    assert_eq!(
        messages[0]["status"], "received",
        "inbound messages are received"
    );
    assert_eq!(
        messages[1]["direction"], "outbound-api",
        "the text-back went out"
    );
    let kept = harness.sandbox.messages();
    assert_eq!(
        kept[1].direction,
        MessageDirection::Inbound,
        "the Rust API lists oldest first"
    );
}

/// `DateSent>`, `DateSent<`, `From` and `To` narrow the list.
#[tokio::test]
async fn date_sent_and_numbers_filter_messages() {
    let harness = start().await;
    let early = harness.send_text(CALLER, "early").await;
    harness.clock.advance(Duration::hours(1));
    let late = harness.send_text(CALLER, "late").await;
    harness.send_text("+15551230002", "someone else").await;
    let inbound = harness
        .sandbox
        .receive_sms(CALLER, BUSINESS, "reply")
        .expect("received");

    let sids = |query: Vec<(&'static str, String)>| {
        let request = harness.get("Messages.json").query(&query).send();
        async move {
            let body = json(request.await.expect("answers")).await;
            let messages = body["messages"].as_array().expect("messages").clone();
            messages
                .iter()
                .map(|m| m["sid"].as_str().expect("sid").to_owned())
                .collect::<Vec<_>>()
        }
    };
    let after = sids(vec![
        ("To", CALLER.into()),
        ("DateSent>", "2024-03-09T15:30:00Z".into()),
    ]);
    let before = sids(vec![
        ("To", CALLER.into()),
        ("DateSent<", "2024-03-09T15:30:00Z".into()),
    ]);
    let from_caller = sids(vec![
        ("From", CALLER.into()),
        ("DateSent", "2024-03-09".into()),
    ]);

    assert_eq!(
        after.await,
        vec![late],
        "sent after half past, to the caller"
    );
    assert_eq!(
        before.await,
        vec![early],
        "sent before half past, to the caller"
    );
    assert_eq!(
        from_caller.await,
        vec![inbound],
        "the caller's reply that day"
    );
}

/// A date Twilio could not read is refused rather than ignored.
#[tokio::test]
async fn unreadable_dates_are_refused() {
    let harness = start().await;

    let response = harness
        .get("Messages.json")
        .query(&[("DateSent>", "last week")])
        .send()
        .await;

    assert_eq!(
        error_code(response.expect("answers"), 400).await,
        20001,
        "bad date"
    );
}
