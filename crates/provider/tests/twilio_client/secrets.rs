//! Secrets stay in the Authorization header: not in logs, errors or debug output.

use textback_provider::twilio::{Credentials, TwilioClient, TwilioConfig, TwilioConfigError};
use textback_provider::{MessageQuery, Provider};

use crate::fixtures::{
    client_with, fast_retry, key_credentials, token_credentials, twilio_error, ACCOUNT_SID,
    AUTH_TOKEN, KEY_AUTHORIZATION, KEY_SECRET,
};
use crate::logs::CapturedLogs;
use crate::server::{Reply, ScriptedServer};

/// After retries and a failure, neither the secret nor the encoded header shows anywhere.
#[tokio::test]
async fn secrets_stay_out_of_logs_errors_and_debug() {
    let logs = CapturedLogs::start();
    let server = ScriptedServer::start(vec![
        Reply::json(503, twilio_error(503, 20503, "Service Unavailable")),
        Reply::json(401, twilio_error(401, 20003, "Authenticate")),
    ])
    .await;
    let client = client_with(&server.base_url, key_credentials(), fast_retry(3));

    let error = client
        .list_messages(&MessageQuery::default())
        .await
        .expect_err("the server refuses the key");

    let encoded = KEY_AUTHORIZATION.trim_start_matches("Basic ");
    let lines = logs.lines();
    let texts = [
        lines.join("\n"),
        error.to_string(),
        format!("{error:?}"),
        format!("{client:?}"),
    ];
    assert_eq!(
        logs.count("retrying provider request"),
        1,
        "the retry should be logged: {lines:#?}"
    );
    for text in &texts {
        assert!(!text.contains(KEY_SECRET), "the key secret leaked: {text}");
        assert!(
            !text.contains(encoded),
            "the encoded credentials leaked: {text}"
        );
    }
}

/// Unusable configs are refused when the client is built, without echoing secrets.
#[test]
fn unusable_configs_are_refused() {
    let empty_token = TwilioConfig::new(Credentials::AuthToken {
        account_sid: ACCOUNT_SID.into(),
        auth_token: String::new(),
    });
    let leaky_url = TwilioConfig {
        base_url: format!("https://AC1:{AUTH_TOKEN}@api.twilio.com"),
        ..TwilioConfig::new(token_credentials())
    };
    let no_timeout = TwilioConfig {
        timeout: std::time::Duration::ZERO,
        ..TwilioConfig::new(token_credentials())
    };

    let empty_token = TwilioClient::new(empty_token).map(|_| ()).unwrap_err();
    let leaky_url = TwilioClient::new(leaky_url).map(|_| ()).unwrap_err();
    let no_timeout = TwilioClient::new(no_timeout).map(|_| ()).unwrap_err();

    assert_eq!(
        empty_token,
        TwilioConfigError::MissingCredential {
            field: "auth_token"
        },
        "an empty auth token should be refused"
    );
    assert!(
        matches!(leaky_url, TwilioConfigError::InvalidBaseUrl { .. }),
        "a base URL with credentials should be refused: {leaky_url:?}"
    );
    assert!(
        !leaky_url.to_string().contains(AUTH_TOKEN),
        "the refusal should not echo the URL's password: {leaky_url}"
    );
    assert_eq!(
        no_timeout,
        TwilioConfigError::ZeroTimeout,
        "a zero timeout should be refused"
    );
}
