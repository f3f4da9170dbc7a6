//! Retries of reads: every transient failure is tried again, nothing else is.

use serde_json::json;
use textback_provider::{CallQuery, MessageQuery, Provider, ProviderError};

use crate::fixtures::{
    call, calls_page, client, client_with, fast_retry, message, messages_page, token_credentials,
    twilio_error,
};
use crate::server::{Reply, ScriptedServer, UnansweringServer};

/// A 429 with Retry-After is waited out (capped by the test policy) and the read succeeds.
#[tokio::test]
async fn rate_limited_read_is_retried() {
    let server = ScriptedServer::start(vec![
        Reply::json(429, twilio_error(429, 20429, "Too Many Requests")).header("retry-after", "1"),
        Reply::json(200, calls_page(vec![call("CA01")], None)),
    ])
    .await;

    let calls = client(&server.base_url)
        .list_calls(&CallQuery::default())
        .await;

    assert_eq!(
        calls.map(|c| c.len()).ok(),
        Some(1),
        "the retry should read the page"
    );
    assert_eq!(server.seen().len(), 2, "one 429, then one success");
}

/// A rate limit that outlasts the attempts is reported with the wait Twilio asked for.
#[tokio::test]
async fn lasting_rate_limit_reports_retry_after() {
    let server = ScriptedServer::start(vec![Reply::json(
        429,
        twilio_error(429, 20429, "Too Many Requests"),
    )
    .header("retry-after", "7")])
    .await;

    let error = client(&server.base_url)
        .fetch_message("SM01")
        .await
        .expect_err("every attempt is rate limited");

    assert!(
        matches!(
            error,
            ProviderError::Api {
                status: 429,
                retry_after_s: Some(7),
                ..
            }
        ),
        "the 429 and its Retry-After should be reported: {error:?}"
    );
    assert_eq!(server.seen().len(), 3, "all three attempts were made");
}

/// 5xx answers to a read are retried until one succeeds.
#[tokio::test]
async fn server_errors_on_read_are_retried() {
    let server = ScriptedServer::start(vec![
        Reply::json(500, twilio_error(500, 20500, "Internal Server Error")),
        Reply::json(503, twilio_error(503, 20503, "Service Unavailable")),
        Reply::json(200, messages_page(vec![message("SM01", json!("1"))], None)),
    ])
    .await;

    let messages = client(&server.base_url)
        .list_messages(&MessageQuery::default())
        .await;

    assert_eq!(
        messages.map(|m| m.len()).ok(),
        Some(1),
        "the third attempt should succeed"
    );
    assert_eq!(server.seen().len(), 3, "two failures, then one success");
}

/// A connection dropped during a read is retried, since reading twice is harmless.
#[tokio::test]
async fn dropped_read_is_retried() {
    let server = UnansweringServer::hanging_up().await;
    let client = client_with(&server.base_url, token_credentials(), fast_retry(4));

    let error = client
        .list_calls(&CallQuery::default())
        .await
        .expect_err("the server never answers");

    assert!(
        matches!(
            error,
            ProviderError::Transport {
                request_sent: true,
                ..
            }
        ),
        "a drop after sending should say the request went out: {error:?}"
    );
    assert_eq!(server.requests(), 4, "every attempt should have been made");
}

/// A 4xx other than 429 is an answer, not a hiccup: no retry.
#[tokio::test]
async fn client_error_on_read_is_not_retried() {
    let body = twilio_error(404, 20404, "The requested resource was not found");
    let server = ScriptedServer::start(vec![Reply::json(404, body)]).await;

    let error = client(&server.base_url)
        .fetch_message("SMmissing")
        .await
        .expect_err("the message does not exist");

    assert_eq!(
        error.code(),
        Some(20404),
        "Twilio's code should be kept: {error:?}"
    );
    assert_eq!(server.seen().len(), 1, "a 404 is not retried");
}

/// An HTML error page from a proxy is still an API error naming the status and the page.
#[tokio::test]
async fn non_json_error_is_reported_with_status() {
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let server = ScriptedServer::start(vec![Reply::html(502, page)]).await;
    let client = client_with(&server.base_url, token_credentials(), fast_retry(2));

    let error = client
        .list_calls(&CallQuery::default())
        .await
        .expect_err("the proxy never lets a request through");

    let ProviderError::Api {
        status, message, ..
    } = &error
    else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(*status, 502, "the HTTP status should be kept");
    assert!(
        message.contains("502"),
        "the message should name the status: {message}"
    );
    assert!(
        message.contains("<h1>502 Bad Gateway</h1>"),
        "and quote the body: {message}"
    );
    assert_eq!(server.seen().len(), 2, "a 502 on a read is retried");
}
