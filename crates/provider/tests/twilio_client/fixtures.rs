//! Credentials, clients and Twilio-shaped bodies, taken from the examples in Twilio's OpenAPI
//! document.

use std::time::Duration;

use serde_json::{json, Value};
use textback_provider::twilio::{Credentials, RetryPolicy, TwilioClient, TwilioConfig};

pub const ACCOUNT_SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const AUTH_TOKEN: &str = "test-auth-token";
pub const KEY_SID: &str = "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
pub const KEY_SECRET: &str = "test-key-secret";

/// `Basic base64("{ACCOUNT_SID}:{AUTH_TOKEN}")`.
pub const TOKEN_AUTHORIZATION: &str =
    "Basic QUNhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYTp0ZXN0LWF1dGgtdG9rZW4=";
/// `Basic base64("{KEY_SID}:{KEY_SECRET}")`.
pub const KEY_AUTHORIZATION: &str =
    "Basic U0tiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYjp0ZXN0LWtleS1zZWNyZXQ=";

pub fn token_credentials() -> Credentials {
    Credentials::AuthToken {
        account_sid: ACCOUNT_SID.to_owned(),
        auth_token: AUTH_TOKEN.to_owned(),
    }
}

pub fn key_credentials() -> Credentials {
    Credentials::ApiKey {
        account_sid: ACCOUNT_SID.to_owned(),
        key_sid: KEY_SID.to_owned(),
        secret: KEY_SECRET.to_owned(),
    }
}

/// Up to `max_attempts` attempts with millisecond delays, so retries cost no test time.
pub fn fast_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    }
}

/// A client on `base_url` with the auth token and three fast attempts.
pub fn client(base_url: &str) -> TwilioClient {
    client_with(base_url, token_credentials(), fast_retry(3))
}

/// A client on `base_url` with the given credentials and retries.
pub fn client_with(base_url: &str, credentials: Credentials, retry: RetryPolicy) -> TwilioClient {
    build_client(base_url, credentials, retry, Duration::from_secs(10))
}

/// A client on `base_url` that gives each request only 300 ms, for servers that never answer.
pub fn impatient_client(base_url: &str) -> TwilioClient {
    build_client(
        base_url,
        token_credentials(),
        fast_retry(3),
        Duration::from_millis(300),
    )
}

/// Installs the log recorder first, so that it exists before any client can log.
fn build_client(
    base_url: &str,
    credentials: Credentials,
    retry: RetryPolicy,
    timeout: Duration,
) -> TwilioClient {
    crate::logs::install();
    let config = TwilioConfig {
        base_url: base_url.to_owned(),
        retry,
        timeout,
        ..TwilioConfig::new(credentials)
    };
    TwilioClient::new(config).expect("test config should be valid")
}

/// The path of an account resource, as the client should request it.
pub fn account_path(leaf: &str) -> String {
    format!("/2010-04-01/Accounts/{ACCOUNT_SID}/{leaf}")
}

/// A completed, machine-answered child leg (the OpenAPI `readFullPage1` call).
pub fn call(sid: &str) -> Value {
    json!({
        "account_sid": ACCOUNT_SID,
        "answered_by": "machine_start",
        "api_version": "2010-04-01",
        "caller_name": "callerid1",
        "date_created": "Fri, 18 Oct 2019 17:00:00 +0000",
        "date_updated": "Fri, 18 Oct 2019 17:01:00 +0000",
        "direction": "outbound-dial",
        "duration": "4",
        "end_time": "Fri, 18 Oct 2019 17:03:00 +0000",
        "forwarded_from": "calledvia1",
        "from": "+13051416799",
        "from_formatted": "(305) 141-6799",
        "group_sid": "GPdeadbeefdeadbeefdeadbeefdeadbeef",
        "parent_call_sid": "CAdeadbeefdeadbeefdeadbeefdeadbeef",
        "phone_number_sid": "PNdeadbeefdeadbeefdeadbeefdeadbeef",
        "price": "-0.200",
        "price_unit": "USD",
        "sid": sid,
        "start_time": "Fri, 18 Oct 2019 17:02:00 +0000",
        "status": "completed",
        "subresource_uris": {
            "events": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{sid}/Events.json")
        },
        "to": "+13051913581",
        "to_formatted": "(305) 191-3581",
        "trunk_sid": null,
        "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{sid}.json"),
        "queue_time": "1000"
    })
}

/// A sent message (the OpenAPI `fetch` example) with the given segment count, as written.
pub fn message(sid: &str, num_segments: Value) -> Value {
    json!({
        "account_sid": ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": "testing",
        "date_created": "Fri, 24 May 2019 17:18:27 +0000",
        "date_sent": "Fri, 24 May 2019 17:18:28 +0000",
        "date_updated": "Fri, 24 May 2019 17:18:28 +0000",
        "direction": "outbound-api",
        "error_code": null,
        "error_message": null,
        "from": "+12019235161",
        "messaging_service_sid": "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "num_media": "0",
        "num_segments": num_segments,
        "price": "-0.00750",
        "price_unit": "USD",
        "sid": sid,
        "status": "sent",
        "subresource_uris": {
            "media": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media.json")
        },
        "to": "+18182008801",
        "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json")
    })
}

/// A list page of calls, ending the list unless `next_page_uri` is given.
pub fn calls_page(calls: Vec<Value>, next_page_uri: Option<&str>) -> Value {
    json!({
        "calls": calls,
        "end": 1,
        "first_page_uri": account_path("Calls.json?PageSize=2&Page=0"),
        "next_page_uri": next_page_uri,
        "page": 0,
        "page_size": 2,
        "previous_page_uri": null,
        "start": 0,
        "uri": account_path("Calls.json?PageSize=2&Page=0")
    })
}

/// A list page of messages, ending the list unless `next_page_uri` is given.
pub fn messages_page(messages: Vec<Value>, next_page_uri: Option<&str>) -> Value {
    json!({
        "messages": messages,
        "end": 1,
        "first_page_uri": account_path("Messages.json?PageSize=2&Page=0"),
        "next_page_uri": next_page_uri,
        "page": 0,
        "page_size": 2,
        "previous_page_uri": null,
        "start": 0,
        "uri": account_path("Messages.json?PageSize=2&Page=0")
    })
}

/// Twilio's error body.
pub fn twilio_error(status: u16, code: u32, message: &str) -> Value {
    json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status
    })
}
