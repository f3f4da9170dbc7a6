//! Requests authenticated with a Telnyx API key, run through the shared retry loop in
//! [`crate::http`], and how Telnyx's error answers become [`ProviderError`]s.
//!
//! What is Telnyx's own here is the bearer token, JSON bodies and the `errors` body; retrying,
//! reading the answer and transport failures are the crate's shared rules.

use std::time::Duration;

use reqwest::{RequestBuilder, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::config::{ApiKey, RetryPolicy, TelnyxConfigError};
use super::wire::WireErrors;
use crate::http::{self as shared, decode, unexpected_body};
use crate::retry::Idempotency;
use crate::ProviderError;

/// An HTTP client bound to one API key and one retry policy.
#[derive(Debug, Clone)]
pub(super) struct Http {
    client: reqwest::Client,
    api_key: ApiKey,
    retry: RetryPolicy,
}

impl Http {
    /// Builds the client; see [`crate::http::client`] for how `timeout` is spent.
    pub(super) fn new(
        api_key: ApiKey,
        retry: RetryPolicy,
        timeout: Duration,
    ) -> Result<Self, TelnyxConfigError> {
        let client = shared::client(timeout).map_err(|e| TelnyxConfigError::HttpClient {
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

    /// Runs attempts built by `build`, each with the bearer key, as the retry rules allow.
    async fn execute(
        &self,
        op: &'static str,
        idempotency: Idempotency,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Vec<u8>, ProviderError> {
        shared::execute(&self.retry, "telnyx", op, idempotency, || {
            shared::send(build().bearer_auth(self.api_key.expose()), api_error)
        })
        .await
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
                (None, None) => unexpected_body(status, body, "Telnyx"),
            };
            let more_info = error
                .meta
                .as_ref()
                .and_then(|meta| meta.get("url"))
                .and_then(super::lenient::text_from_value);
            (code, message, more_info)
        }
        None => (None, unexpected_body(status, body, "Telnyx"), None),
    };
    ProviderError::Api {
        status: status.as_u16(),
        code,
        message,
        more_info,
        retry_after_s,
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
