//! Basic auth with either kind of credentials, and the account in the URL either way.

use textback_provider::Provider;

use crate::fixtures::{
    account_path, client_with, fast_retry, key_credentials, message, messages_page,
    token_credentials, KEY_AUTHORIZATION, TOKEN_AUTHORIZATION,
};
use crate::server::{Reply, ScriptedServer};

/// The auth token goes out as Basic auth for the account SID.
#[tokio::test]
async fn auth_token_is_sent_as_basic_auth() {
    let server = ScriptedServer::start(vec![Reply::json(200, messages_page(vec![], None))]).await;
    let client = client_with(&server.base_url, token_credentials(), fast_retry(1));

    let result = client.list_messages(&Default::default()).await;

    assert!(result.is_ok(), "listing should succeed: {result:?}");
    let seen = server.seen();
    assert_eq!(seen.len(), 1, "one request expected");
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(TOKEN_AUTHORIZATION),
        "Basic auth should be account SID and auth token"
    );
    assert_eq!(seen[0].path, account_path("Messages.json"), "messages path");
}

/// An API key authenticates as the key while the URL still names the account.
#[tokio::test]
async fn api_key_is_sent_as_basic_auth() {
    let sid = "SMb7c0a2ce80504485a6f653a7110836f5";
    let server = ScriptedServer::start(vec![Reply::json(200, message(sid, "1".into()))]).await;
    let client = client_with(&server.base_url, key_credentials(), fast_retry(1));

    let fetched = client.fetch_message(sid).await;

    assert_eq!(
        fetched.map(|m| m.sid).ok().as_deref(),
        Some(sid),
        "the fetched message should be read"
    );
    let seen = server.seen();
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(KEY_AUTHORIZATION),
        "Basic auth should be key SID and secret"
    );
    assert_eq!(
        seen[0].path,
        account_path(&format!("Messages/{sid}.json")),
        "the URL should name the account, not the key"
    );
}
