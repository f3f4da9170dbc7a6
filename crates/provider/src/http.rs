//! The provider-neutral half of talking HTTP to a provider: the client setup, the retry loop,
//! reading one answer in full, and turning failures that are not the provider's own error body
//! into [`ProviderError`]s.
//!
//! Each client keeps what differs between providers (how it authenticates a request, how its
//! error body reads) and hands the rest to the functions here, so that the rules for what is
//! retried, how long is waited and which failures count as "may have reached the provider" are
//! written once.
//!
//! Each attempt reads the answer's status and body in full before deciding anything, so that
//! an error answer can be classified by its code and a success decoded only once the loop is
//! done. Redirects are not followed: the APIs never send them, and following one would resend
//! a message or take the credentials to another host. Error messages never carry the request
//! URL, which holds phone numbers, nor anything from the request's headers.

use std::error::Error as _;
use std::future::Future;
use std::time::Duration;

use chrono::Utc;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;

use crate::retry::{
    backoff_delay, parse_retry_after, requested_wait, should_retry, Idempotency, RetryPolicy,
};
use crate::ProviderError;

/// How much of an unexpected error body is quoted in the message.
const SNIPPET_CHARS: usize = 120;

/// Builds a client whose requests each take at most `timeout`. Connecting gets half of it, so
/// that a slow connect is reported as a failure to connect (safe to retry, even for a send)
/// rather than as a time-out.
pub(crate) fn client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout / 2)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("textback/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Runs `attempt` until it succeeds or the retry rules for `idempotency` say stop.
///
/// `provider` names the provider in log messages (`provider` or `telnyx`).
pub(crate) async fn execute<F, Fut>(
    policy: &RetryPolicy,
    provider: &'static str,
    op: &'static str,
    idempotency: Idempotency,
    attempt: F,
) -> Result<Vec<u8>, ProviderError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Vec<u8>, ProviderError>>,
{
    let max_attempts = policy.max_attempts.max(1);
    let mut tried = 1;
    loop {
        let error = match attempt().await {
            Ok(body) => return Ok(body),
            Err(error) => error,
        };

        if tried >= max_attempts || !should_retry(&error, idempotency) {
            log_failure(provider, op, tried, &error);
            return Err(error);
        }

        let delay = backoff_delay(policy, tried, requested_wait(&error), &mut rand::rng());
        tracing::debug!(
            op,
            attempt = tried,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            %error,
            "retrying {provider} request"
        );
        tokio::time::sleep(delay).await;
        tried += 1;
    }
}

/// Sends one authenticated request and reads its whole answer; a non-2xx answer becomes the
/// error `api_error` reads from its status, `Retry-After` wait and body.
pub(crate) async fn send(
    request: RequestBuilder,
    api_error: impl Fn(StatusCode, Option<u64>, &[u8]) -> ProviderError,
) -> Result<Vec<u8>, ProviderError> {
    let response = request.send().await.map_err(transport_error)?;

    let status = response.status();
    let retry_after_s = retry_after(response.headers());
    let body = response.bytes().await;

    match body {
        Ok(body) if status.is_success() => Ok(body.into()),
        Ok(body) => Err(api_error(status, retry_after_s, &body)),
        // The status alone still classifies an error answer, a 429 above all.
        Err(_) if !status.is_success() => Err(api_error(status, retry_after_s, b"")),
        Err(error) => Err(transport_error(error)),
    }
}

/// Decodes a 2xx answer's JSON body.
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ProviderError> {
    serde_json::from_slice(body).map_err(|e| ProviderError::Decode {
        message: e.to_string(),
    })
}

/// Describes a body that is not `provider`'s error: the status and the start of the body.
pub(crate) fn unexpected_body(status: StatusCode, body: &[u8], provider: &str) -> String {
    let text = String::from_utf8_lossy(body);
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return format!("HTTP {status} with an empty body");
    }

    let joined = words.join(" ");
    let mut snippet: String = joined.chars().take(SNIPPET_CHARS).collect();
    if snippet.len() < joined.len() {
        snippet.push('…');
    }
    format!("HTTP {status} with a body that is not a {provider} error: {snippet}")
}

/// The wait a `Retry-After` header asks for, if there is a readable one.
///
/// An HTTP-date is measured against the wall clock: it names the provider's clock, which no
/// clock of the engine's can stand in for.
fn retry_after(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, Utc::now())
}

/// A request that got no usable answer.
///
/// Only a failure to connect proves the request never left; a time-out, a reset or a broken
/// body may have come after the provider acted on it.
fn transport_error(error: reqwest::Error) -> ProviderError {
    let request_sent = !error.is_connect();
    ProviderError::Transport {
        message: error_chain(&error.without_url()),
        request_sent,
    }
}

/// An error and its causes, joined, since reqwest's own message is often just "error sending
/// request" and the useful part ("Connection refused") is in a source.
fn error_chain(error: &reqwest::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// Logs a request given up on: loudly when the provider seems to be in trouble, quietly when
/// it simply said no (the caller decides what a 4xx means).
fn log_failure(provider: &'static str, op: &'static str, attempts: u32, error: &ProviderError) {
    if error.is_transient() {
        tracing::warn!(op, attempts, %error, "{provider} request failed");
    } else {
        tracing::debug!(op, attempts, %error, "{provider} request refused");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A long body is cut to a snippet, on a character boundary.
    #[test]
    fn long_body_is_cut() {
        let body = "é".repeat(1000);

        let message = unexpected_body(StatusCode::INTERNAL_SERVER_ERROR, body.as_bytes(), "Twilio");

        let quoted = message.rsplit(": ").next().unwrap_or_default();
        assert_eq!(
            quoted.chars().count(),
            SNIPPET_CHARS + 1,
            "snippet plus ellipsis"
        );
        assert!(
            quoted.ends_with('…'),
            "a cut snippet should say so: {quoted}"
        );
    }

    /// A body of white space only counts as empty.
    #[test]
    fn blank_body_is_empty() {
        let message = unexpected_body(StatusCode::BAD_GATEWAY, b" \n\t ", "Telnyx");

        assert_eq!(
            message, "HTTP 502 Bad Gateway with an empty body",
            "white space is no body"
        );
    }
}
