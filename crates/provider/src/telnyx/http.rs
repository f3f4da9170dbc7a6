//! Authenticated requests to Telnyx, retried as the [`retry`](super::retry) rules allow, and
//! how their failures become [`ProviderError`]s.
//!
//! Each attempt reads the whole answer before anything is decided. Redirects are not followed:
//! the API never sends them, and following one would resend a message or carry the key to
//! another host. Error messages never include the request URL (it holds phone numbers) nor
//! any header.

use std::error::Error as _;
use std::time::Duration;

use chrono::Utc;
use reqwest::header::RETRY_AFTER;
use reqwest::{RequestBuilder, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::config::{ApiKey, RetryPolicy, TelnyxConfigError};
use super::retry::{backoff_delay, parse_retry_after, should_retry, Idempotency};
use super::wire::WireErrors;
use crate::ProviderError;

/// How much of an unexpected error body is quoted in the message.
const SNIPPET_CHARS: usize = 120;

/// An HTTP client bound to one API key and one retry policy.
#[derive(Debug, Clone)]
pub(super) struct Http {
    client: reqwest::Client,
    api_key: ApiKey,
    retry: RetryPolicy,
}

impl Http {
    /// Builds the client. Connecting gets half of `timeout`, so that a slow connect is reported
    /// as a failure to connect (safe to retry, even for a send) rather than as a time-out.
    pub(super) fn new(
        api_key: ApiKey,
        retry: RetryPolicy,
        timeout: Duration,
    ) -> Result<Self, TelnyxConfigError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout / 2)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("textback/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TelnyxConfigError::HttpClient {
                message: e.to_string(),
            })?;
        Ok(Self {
            client,
            api_key,
            retry,
        })
    }

    /// GETs `url` and decodes its JSON, retrying every transient failure.
    pub(super) async fn get_json<T: DeserializeOwned>(
        &self,
        url: &Url,
        op: &'static str,
    ) -> Result<T, ProviderError> {
        let body = self
            .execute(op, Idempotency::Repeatable, || self.client.get(url.clone()))
            .await?;
        decode(&body)
    }

    /// POSTs `json` to `url` to create a resource, retrying only what surely did nothing.
    pub(super) async fn post_json<T: DeserializeOwned>(
        &self,
        url: &Url,
        json: &(impl Serialize + Sync),
        op: &'static str,
    ) -> Result<T, ProviderError> {
        let body = self
            .execute(op, Idempotency::CreatesResource, || {
                self.client.post(url.clone()).json(json)
            })
            .await?;
        decode(&body)
    }

    /// Runs attempts built by `build` until one succeeds or the retry rules say stop.
    async fn execute(
        &self,
        op: &'static str,
        idempotency: Idempotency,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Vec<u8>, ProviderError> {
        let max_attempts = self.retry.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            let error = match self.attempt(build()).await {
                Ok(body) => return Ok(body),
                Err(error) => error,
            };

            if attempt >= max_attempts || !should_retry(&error, idempotency) {
                log_failure(op, attempt, &error);
                return Err(error);
            }

            let delay = backoff_delay(&self.retry, attempt, &error, &mut rand::rng());
            tracing::debug!(
                op,
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                %error,
                "retrying telnyx request"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// Sends one request and reads its whole answer.
    async fn attempt(&self, request: RequestBuilder) -> Result<Vec<u8>, ProviderError> {
        let response = request
            .bearer_auth(self.api_key.expose())
            .send()
            .await
            .map_err(transport_error)?;

        let status = response.status();
        // An HTTP-date is the provider's clock, so the wall clock is the one to measure it by.
        let retry_after_s = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, Utc::now()));
        let body = response.bytes().await;

        match body {
            Ok(body) if status.is_success() => Ok(body.into()),
            Ok(body) => Err(api_error(status, retry_after_s, &body)),
            Err(_) if !status.is_success() => Err(api_error(status, retry_after_s, b"")),
            Err(error) => Err(transport_error(error)),
        }
    }
}

fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ProviderError> {
    serde_json::from_slice(body).map_err(|e| ProviderError::Decode {
        message: e.to_string(),
    })
}

/// A request that got no usable answer. Only a failure to connect proves it never left.
fn transport_error(error: reqwest::Error) -> ProviderError {
    let request_sent = !error.is_connect();
    let error = error.without_url();
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    ProviderError::Transport {
        message,
        request_sent,
    }
}

/// A non-2xx answer, read as Telnyx's `errors` body where it is one. The first error gives
/// the code (numeric where Telnyx's string is) and the message (its detail, else its title).
pub(super) fn api_error(
    status: StatusCode,
    retry_after_s: Option<u64>,
    body: &[u8],
) -> ProviderError {
    let first = serde_json::from_slice::<WireErrors>(body)
        .ok()
        .and_then(|wire| wire.errors.into_iter().next());
    let (code, message, more_info) = match first {
        Some(error) => {
            let code = error.code.as_ref().and_then(super::lenient::u32_from_value);
            let message = match (error.title, error.detail) {
                (Some(title), Some(detail)) if detail != title => format!("{title}: {detail}"),
                (Some(text), _) | (None, Some(text)) => text,
                (None, None) => unexpected_body(status, body),
            };
            let more_info = error
                .meta
                .as_ref()
                .and_then(|meta| meta.get("url"))
                .and_then(super::lenient::text_from_value);
            (code, message, more_info)
        }
        None => (None, unexpected_body(status, body), None),
    };
    ProviderError::Api {
        status: status.as_u16(),
        code,
        message,
        more_info,
        retry_after_s,
    }
}

/// Describes a body that is not a Telnyx error: the status and the start of the body.
fn unexpected_body(status: StatusCode, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.is_empty() {
        return format!("HTTP {status} with an empty body");
    }
    let mut snippet: String = joined.chars().take(SNIPPET_CHARS).collect();
    if snippet.len() < joined.len() {
        snippet.push('…');
    }
    format!("HTTP {status} with a body that is not a Telnyx error: {snippet}")
}

/// Logs a request given up on: loudly when Telnyx seems in trouble, quietly when it said no.
fn log_failure(op: &'static str, attempts: u32, error: &ProviderError) {
    if error.is_transient() {
        tracing::warn!(op, attempts, %error, "telnyx request failed");
    } else {
        tracing::debug!(op, attempts, %error, "telnyx request refused");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Telnyx's documented error body keeps its code as a number, its title and detail.
    #[test]
    fn telnyx_error_body_is_read() {
        let body = br#"{"errors": [{"code": "10007", "title": "Unexpected error",
            "detail": "An unexpected error occured.",
            "meta": {"url": "https://developers.telnyx.com/docs/overview/errors/10007"}}]}"#;

        let error = api_error(StatusCode::INTERNAL_SERVER_ERROR, Some(2), body);

        let ProviderError::Api {
            status,
            code,
            message,
            more_info,
            retry_after_s,
        } = &error
        else {
            panic!("expected an API error, got {error:?}");
        };
        assert_eq!(*status, 500, "HTTP status");
        assert_eq!(*code, Some(10007), "numeric code from a string");
        assert_eq!(
            message, "Unexpected error: An unexpected error occured.",
            "title and detail"
        );
        assert!(
            more_info.as_deref().is_some_and(|u| u.ends_with("10007")),
            "doc link"
        );
        assert_eq!(*retry_after_s, Some(2), "Retry-After kept");
    }

    /// A code that is not numeric is dropped; a body that is not Telnyx's is quoted.
    #[test]
    fn odd_bodies_are_described() {
        let odd_code = api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            br#"{"errors": [{"code": "abc", "title": "Bad"}]}"#,
        );
        let html = api_error(StatusCode::BAD_GATEWAY, None, b"<html> bad gateway </html>");
        let empty = api_error(StatusCode::SERVICE_UNAVAILABLE, None, b"");

        assert_eq!(odd_code.code(), None, "non-numeric code");
        assert!(
            odd_code.to_string().contains("Bad"),
            "title kept: {odd_code}"
        );
        assert!(
            html.to_string().contains("<html> bad gateway </html>"),
            "quoted: {html}"
        );
        assert!(empty.to_string().contains("empty body"), "empty: {empty}");
    }
}
