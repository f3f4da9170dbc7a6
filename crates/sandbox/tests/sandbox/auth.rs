//! HTTP Basic auth and account scoping on the Twilio paths.

use serde_json::json;

use crate::common::{error_code, json, start};

/// No credentials get Twilio's exact 401 body and a Basic challenge.
#[tokio::test]
async fn missing_credentials_get_twilios_401() {
    let harness = start().await;
    let url = format!(
        "{}{}",
        harness.server.base_url(),
        harness.account_path("Messages.json")
    );

    let response = harness.http.get(url).send().await.expect("answers");

    assert_eq!(response.status(), 401, "unauthenticated");
    let challenge = response.headers().get("www-authenticate").cloned();
    assert_eq!(
        challenge.as_ref().and_then(|v| v.to_str().ok()),
        Some("Basic realm=\"Twilio API\""),
        "Twilio's challenge"
    );
    let body = json(response).await;
    let expected = json!({
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401
    });
    assert_eq!(body, expected, "Twilio's error body");
}

/// A wrong auth token is refused like a missing one.
#[tokio::test]
async fn wrong_token_is_refused() {
    let harness = start().await;
    let url = format!(
        "{}{}",
        harness.server.base_url(),
        harness.account_path("Calls.json")
    );

    let response = harness
        .http
        .get(url)
        .basic_auth(harness.sandbox.account_sid(), Some("not-the-token"))
        .send()
        .await
        .expect("answers");

    assert_eq!(
        error_code(response, 401).await,
        20003,
        "authentication failed"
    );
}

/// Valid credentials on another account's path find nothing there.
#[tokio::test]
async fn another_accounts_path_is_not_found() {
    let harness = start().await;
    let other = "/2010-04-01/Accounts/ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/Messages.json";

    let response = harness.get_path(other).send().await.expect("answers");

    assert_eq!(
        error_code(response, 404).await,
        20404,
        "another account is invisible"
    );
}

/// An unauthenticated send creates nothing.
#[tokio::test]
async fn unauthenticated_send_has_no_effect() {
    let harness = start().await;
    let url = format!(
        "{}{}",
        harness.server.base_url(),
        harness.account_path("Messages.json")
    );
    let form = [
        ("To", "+15551230001"),
        ("From", "+15559870000"),
        ("Body", "hi"),
    ];

    let response = harness
        .http
        .post(url)
        .form(&form)
        .send()
        .await
        .expect("answers");

    assert_eq!(response.status(), 401, "unauthenticated");
    assert!(
        harness.sandbox.messages().is_empty(),
        "no message was created"
    );
}
