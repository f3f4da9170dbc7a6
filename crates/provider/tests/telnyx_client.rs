//! `TelnyxClient` against the sandbox's Telnyx mode, over real HTTP on loopback.
//!
//! Each test starts its own sandbox on a free port, acts through the client, and checks the
//! records the client made of the answers against what the sandbox holds. Retry policies use
//! millisecond delays; no test measures time.

use std::time::Duration;

use textback_provider::telnyx::{ApiKey, RetryPolicy, TelnyxClient, TelnyxConfig};
use textback_provider::{CallQuery, CallStatus, MessageQuery, NewMessage, Provider, ProviderError};
use textback_sandbox::{CallOutcome, Faults, MessageDirection, RunningSandbox, Sandbox};

const BUSINESS: &str = "+12125550100";
const CALLER: &str = "+12125552001";

async fn sandbox() -> RunningSandbox {
    Sandbox::default()
        .spawn("127.0.0.1:0")
        .await
        .expect("sandbox starts")
}

fn client_with(sandbox: &RunningSandbox, key: &str, max_attempts: u32) -> TelnyxClient {
    let mut config = TelnyxConfig::new(ApiKey::new(key));
    config.base_url = sandbox.base_url();
    config.retry = RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    };
    config.timeout = Duration::from_secs(5);
    TelnyxClient::new(config).expect("client builds")
}

fn client(sandbox: &RunningSandbox) -> TelnyxClient {
    client_with(sandbox, sandbox.sandbox().auth_token(), 3)
}

fn text(to: &str, body: &str) -> NewMessage {
    NewMessage {
        from: BUSINESS.into(),
        to: to.into(),
        body: body.into(),
    }
}

/// A send is accepted `queued`, stored once, and reads back `delivered` with its text.
#[tokio::test]
async fn sends_and_fetches_a_message() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);

    let sent = client
        .send_message(&text(CALLER, "Sorry we missed you"))
        .await;
    let sent = sent.expect("send accepted");
    let fetched = client.fetch_message(&sent.sid).await.expect("fetched");

    assert_eq!(sent.status, "queued", "just accepted");
    assert_eq!(
        (sent.from.as_str(), sent.to.as_str()),
        (BUSINESS, CALLER),
        "numbers"
    );
    assert_eq!(sent.num_segments, Some(1), "one part");
    assert_eq!(fetched.status, "delivered", "reads back delivered");
    assert_eq!(fetched.body, "Sorry we missed you", "text read back");
    assert_eq!(fetched.direction, "outbound-api", "outbound");
    assert_eq!(
        sandbox.sandbox().messages().len(),
        1,
        "exactly one message stored"
    );
}

/// Every sandbox outcome reads as the inbound leg's status the engine decides by, and only
/// an answered leg has the stand-in child.
#[tokio::test]
async fn lists_calls_from_detail_records_with_each_outcome() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let cases = [
        (CallOutcome::Answered, CallStatus::Completed),
        (CallOutcome::Voicemail, CallStatus::Completed),
        (CallOutcome::NoAnswer, CallStatus::NoAnswer),
        (CallOutcome::Busy, CallStatus::Busy),
        (CallOutcome::Canceled, CallStatus::Canceled),
        (CallOutcome::Failed, CallStatus::Failed),
        (CallOutcome::Hangup, CallStatus::Canceled),
    ];

    for (outcome, expected) in cases {
        let sid = sandbox
            .sandbox()
            .place_call(CALLER, BUSINESS, outcome)
            .expect("placed");

        let calls = client
            .list_calls(&CallQuery {
                to: Some(BUSINESS.into()),
                ..CallQuery::default()
            })
            .await
            .expect("calls listed");
        let children = client
            .list_calls(&CallQuery {
                parent_call_sid: Some(sid.clone()),
                ..CallQuery::default()
            })
            .await
            .expect("children listed");

        let leg = calls
            .iter()
            .find(|c| c.sid == sid)
            .expect("the call is listed");
        assert_eq!(leg.status, expected, "{outcome:?}: status");
        assert_eq!(
            (leg.from.as_str(), leg.direction.as_str()),
            (CALLER, "inbound"),
            "{outcome:?}"
        );
        let answered = expected == CallStatus::Completed;
        assert_eq!(
            children.len(),
            usize::from(answered),
            "{outcome:?}: stand-in child"
        );
    }
}

/// `to` and `started_after` filter, and pages are followed to the end.
#[tokio::test]
async fn call_filters_and_pages_are_honoured() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    for _ in 0..5 {
        sandbox
            .sandbox()
            .place_call(CALLER, BUSINESS, CallOutcome::NoAnswer)
            .expect("placed");
    }
    sandbox
        .sandbox()
        .place_call(CALLER, "+12125550101", CallOutcome::NoAnswer)
        .expect("placed");

    let paged = client
        .list_calls(&CallQuery {
            to: Some(BUSINESS.into()),
            page_size: Some(2),
            ..CallQuery::default()
        })
        .await
        .expect("listed");
    let future = client
        .list_calls(&CallQuery {
            started_after: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
            ..CallQuery::default()
        })
        .await
        .expect("listed");

    assert_eq!(paged.len(), 5, "three pages of two, only the main line");
    assert!(future.is_empty(), "nothing started in the future");
}

/// Messages list in both directions, with the text read back from each message.
#[tokio::test]
async fn lists_messages_with_their_text() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    sandbox
        .sandbox()
        .receive_sms(CALLER, BUSINESS, "Can I book Friday?")
        .expect("received");
    client
        .send_message(&text(CALLER, "Sure!"))
        .await
        .expect("sent");

    let inbound = client
        .list_messages(&MessageQuery {
            to: Some(BUSINESS.into()),
            ..MessageQuery::default()
        })
        .await
        .expect("listed");
    let outbound = client
        .list_messages(&MessageQuery {
            from: Some(BUSINESS.into()),
            to: Some(CALLER.into()),
            ..MessageQuery::default()
        })
        .await
        .expect("listed");

    assert_eq!(inbound.len(), 1, "one text to the business");
    assert!(inbound[0].is_inbound(), "inbound direction");
    assert_eq!(inbound[0].body, "Can I book Friday?", "text read back");
    assert_eq!(inbound[0].status, "received", "inbound status");
    assert_eq!(outbound.len(), 1, "one text from the business");
    assert_eq!(outbound[0].body, "Sure!", "outbound text");
    assert!(!outbound[0].is_inbound(), "outbound direction");
}

/// Refusals come back as API errors with Telnyx's numeric codes, and are not retried.
#[tokio::test]
async fn refusals_carry_telnyx_codes() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);

    let bad_number = client.send_message(&text("2125552001", "hi")).await;
    let empty_text = client.send_message(&text(CALLER, "")).await;
    let missing = client.fetch_message("no-such-message").await;
    let bad_key = client_with(&sandbox, "wrong", 3).fetch_message("x").await;

    let code = |r: &Result<_, ProviderError>| r.as_ref().err().and_then(ProviderError::code);
    assert_eq!(
        code(&bad_number),
        Some(10016),
        "E.164 required: {bad_number:?}"
    );
    assert_eq!(
        code(&empty_text),
        Some(10004),
        "text required: {empty_text:?}"
    );
    assert_eq!(code(&missing), Some(10005), "not found: {missing:?}");
    assert_eq!(code(&bad_key), Some(10009), "authentication: {bad_key:?}");
    assert!(sandbox.sandbox().messages().is_empty(), "nothing was sent");
}

/// Reads are retried through server errors; a send is not retried after a 500.
#[tokio::test]
async fn reads_retry_through_faults_and_sends_do_not() {
    let sandbox = sandbox().await;
    sandbox
        .sandbox()
        .place_call(CALLER, BUSINESS, CallOutcome::Busy)
        .expect("placed");
    sandbox.sandbox().set_faults(Faults {
        error_rate: 0.5,
        ..Faults::default()
    });

    let calls = client_with(&sandbox, sandbox.sandbox().auth_token(), 30)
        .list_calls(&CallQuery::default())
        .await;
    sandbox.sandbox().set_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    });
    let send = client(&sandbox).send_message(&text(CALLER, "hi")).await;

    assert_eq!(calls.map(|c| c.len()).ok(), Some(1), "the read got through");
    let error = send.expect_err("a send against a failing server fails");
    assert_eq!(error.code(), Some(10007), "Telnyx's unexpected error");
    assert!(
        error.outcome_unknown(),
        "a 500 after a send leaves its outcome unknown"
    );
}

/// A rate limit is retried even for a send, since Telnyx refused before acting.
#[tokio::test]
async fn rate_limited_send_is_retried() {
    let sandbox = sandbox().await;
    sandbox.sandbox().set_faults(Faults {
        rate_limit_rate: 1.0,
        ..Faults::default()
    });

    let error = client(&sandbox).send_message(&text(CALLER, "hi")).await;

    let error = error.expect_err("always rate limited");
    assert_eq!(error.code(), Some(10011), "too many requests");
    assert!(
        matches!(
            error,
            ProviderError::Api {
                status: 429,
                retry_after_s: Some(1),
                ..
            }
        ),
        "429 with Retry-After: {error:?}"
    );
    assert!(
        sandbox
            .sandbox()
            .messages()
            .iter()
            .all(|m| m.direction != MessageDirection::OutboundApi),
        "no message was sent"
    );
}
