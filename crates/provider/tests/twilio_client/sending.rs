//! Sending a message: the form sent, and the retry rules for a request that is not idempotent.

use axum::http::Method;
use serde_json::json;
use textback_provider::twilio::{TwilioClient, TwilioConfig};
use textback_provider::{NewMessage, Provider, ProviderError};

use crate::fixtures::{
    account_path, client, client_with, fast_retry, impatient_client, message, token_credentials,
    twilio_error,
};
use crate::logs::CapturedLogs;
use crate::server::{closed_port_url, Reply, ScriptedServer, UnansweringServer};

fn text_back() -> NewMessage {
    NewMessage {
        from: "+15559870000".into(),
        to: "+15551230000".into(),
        body: "Sorry we missed your call! How can we help?".into(),
    }
}

/// A send POSTs To, From and Body as a form and reads the 201 answer.
#[tokio::test]
async fn send_posts_the_form_and_reads_the_created_message() {
    let created = message("SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", json!("1"));
    let server = ScriptedServer::start(vec![Reply::json(201, created)]).await;

    let sent = client(&server.base_url)
        .send_message(&text_back())
        .await
        .expect("send should succeed");

    assert_eq!(
        sent.sid, "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "sid of the created message"
    );
    assert_eq!(sent.status, "sent", "status of the created message");
    let seen = &server.seen()[0];
    assert_eq!(seen.method, Method::POST, "a send is a POST");
    assert_eq!(seen.path, account_path("Messages.json"), "messages path");
    let field = |name: &str| seen.form.get(name).map(String::as_str);
    assert_eq!(field("To"), Some("+15551230000"), "To field");
    assert_eq!(field("From"), Some("+15559870000"), "From field");
    assert_eq!(
        field("Body"),
        Some("Sorry we missed your call! How can we help?"),
        "Body field"
    );
}

/// With a status callback configured, each send asks Twilio to post its delivery statuses
/// there; without one, no `StatusCallback` is sent.
#[tokio::test]
async fn a_configured_status_callback_goes_with_each_send() {
    let created = message("SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", json!("1"));
    let server = ScriptedServer::start(vec![
        Reply::json(201, created.clone()),
        Reply::json(201, created),
    ])
    .await;
    let callback = "https://textback.example.com/twilio/sms/status";
    let with_callback = TwilioConfig {
        base_url: server.base_url.clone(),
        status_callback: Some(callback.into()),
        ..TwilioConfig::new(token_credentials())
    };

    TwilioClient::new(with_callback)
        .unwrap()
        .send_message(&text_back())
        .await
        .unwrap();
    client(&server.base_url)
        .send_message(&text_back())
        .await
        .unwrap();

    let seen = server.seen();
    let callback_of = |i: usize| seen[i].form.get("StatusCallback").cloned();
    assert_eq!(
        callback_of(0).as_deref(),
        Some(callback),
        "sent when configured"
    );
    assert_eq!(callback_of(1), None, "absent otherwise");
}

/// 21610 (the customer replied STOP) is reported as an opt-out and not retried.
#[tokio::test]
async fn opt_out_is_reported_and_not_retried() {
    let body = twilio_error(400, 21610, "Attempt to send to unsubscribed recipient");
    let server = ScriptedServer::start(vec![Reply::json(400, body)]).await;

    let error = client(&server.base_url)
        .send_message(&text_back())
        .await
        .expect_err("an opted-out recipient should fail");

    assert!(error.is_opt_out(), "21610 should be an opt-out: {error:?}");
    assert!(!error.outcome_unknown(), "a 400 certainly sent nothing");
    assert_eq!(server.seen().len(), 1, "a 4xx is not retried");
}

/// 21614 (not a mobile number) is reported so the engine stops texting that number.
#[tokio::test]
async fn landline_is_reported_as_not_mobile() {
    let body = twilio_error(400, 21614, "'To' number is not a valid mobile number");
    let server = ScriptedServer::start(vec![Reply::json(400, body)]).await;

    let error = client(&server.base_url)
        .send_message(&text_back())
        .await
        .expect_err("a landline should fail");

    assert!(
        error.is_not_mobile(),
        "21614 should be not-mobile: {error:?}"
    );
    assert_eq!(error.code(), Some(21614), "the code should be kept");
}

/// A 500 may have come after the message was created: no retry, and the outcome is unknown.
#[tokio::test]
async fn server_error_on_send_is_not_retried() {
    let server = ScriptedServer::start(vec![
        Reply::json(500, twilio_error(500, 20500, "Internal Server Error")),
        Reply::json(201, message("SMsecond", json!("1"))),
    ])
    .await;

    let error = client(&server.base_url)
        .send_message(&text_back())
        .await
        .expect_err("a 500 should be returned, not retried");

    assert!(
        matches!(error, ProviderError::Api { status: 500, .. }),
        "the 500 should be reported: {error:?}"
    );
    assert!(
        error.outcome_unknown(),
        "the caller must reconcile after a 500"
    );
    assert_eq!(
        server.seen().len(),
        1,
        "a send must not be repeated after a 500"
    );
}

/// A 429 is refused before processing, so a send is retried after it.
#[tokio::test]
async fn rate_limited_send_is_retried() {
    let server = ScriptedServer::start(vec![
        Reply::json(429, twilio_error(429, 20429, "Too Many Requests")).header("retry-after", "0"),
        Reply::json(
            201,
            message("SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", json!("1")),
        ),
    ])
    .await;

    let sent = client(&server.base_url).send_message(&text_back()).await;

    assert!(sent.is_ok(), "the retry should succeed: {sent:?}");
    assert_eq!(server.seen().len(), 2, "one 429, then one successful send");
}

/// A refused connection proves nothing was sent, so a send is retried, then reported unsent.
#[tokio::test]
async fn refused_send_is_retried_then_reported_unsent() {
    let logs = CapturedLogs::start();
    let base_url = closed_port_url().await;
    let client = client_with(&base_url, token_credentials(), fast_retry(3));

    let error = client
        .send_message(&text_back())
        .await
        .expect_err("nothing listens, so the send should fail");

    assert!(
        matches!(
            error,
            ProviderError::Transport {
                request_sent: false,
                ..
            }
        ),
        "a refused connection should be reported unsent: {error:?}"
    );
    assert!(
        !error.outcome_unknown(),
        "an unsent message needs no reconciling"
    );
    assert_eq!(
        logs.count("retrying provider request"),
        2,
        "three attempts mean two retries: {:#?}",
        logs.lines()
    );
}

/// A connection dropped after the request was read may have created the message: the send
/// is reported as possibly sent and not repeated.
#[tokio::test]
async fn dropped_send_is_reported_sent_and_not_retried() {
    let server = UnansweringServer::hanging_up().await;

    let error = client(&server.base_url)
        .send_message(&text_back())
        .await
        .expect_err("no answer came, so the send should fail");

    assert!(
        matches!(
            error,
            ProviderError::Transport {
                request_sent: true,
                ..
            }
        ),
        "a drop after sending should be reported as possibly sent: {error:?}"
    );
    assert!(error.outcome_unknown(), "the caller must reconcile");
    assert_eq!(server.requests(), 1, "the send must not be repeated");
}

/// A send that timed out may have been processed: it is reported as possibly sent and not
/// repeated.
#[tokio::test]
async fn timed_out_send_is_reported_sent_and_not_retried() {
    let server = UnansweringServer::silent().await;

    let error = impatient_client(&server.base_url)
        .send_message(&text_back())
        .await
        .expect_err("no answer came in time, so the send should fail");

    assert!(
        matches!(
            error,
            ProviderError::Transport {
                request_sent: true,
                ..
            }
        ),
        "a time-out should be reported as possibly sent: {error:?}"
    );
    assert!(error.outcome_unknown(), "the caller must reconcile");
    assert_eq!(server.requests(), 1, "the send must not be repeated");
}
