//! Authenticated requests to the provider, retried as the [`retry`](super::retry) rules allow.
//!
//! Each attempt is one request: the answer's status and body are read in full before deciding
//! anything, so that an error answer can be classified by its code and a success decoded only
//! once the loop is done. Redirects are not followed: the API never sends them, and following
//! one would resend a message or take the credentials to another host.

use std::time::Duration;

use chrono::Utc;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{RequestBuilder, Url};
use serde::de::DeserializeOwned;

use super::config::{Credentials, RetryPolicy, TwilioConfigError};
use super::errors::{api_error, decode_error, transport_error};
use super::retry::{backoff_delay, parse_retry_after, requested_wait, should_retry, Idempotency};
use crate::ProviderError;

/// An HTTP client bound to one set of credentials and one retry policy.
#[derive(Debug, Clone)]
pub(super) struct Http {
    client: reqwest::Client,
    credentials: Credentials,
    retry: RetryPolicy,
}

impl Http {
    /// Builds the client. Connecting gets half of `timeout`, so that a slow connect is reported
    /// as a failure to connect (safe to retry, even for a send) rather than as a time-out.
    pub(super) fn new(
        credentials: Credentials,
        retry: RetryPolicy,
        timeout: Duration,
    ) -> Result<Self, TwilioConfigError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout / 2)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("textback/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TwilioConfigError::HttpClient {
                message: e.to_string(),
            })?;
        Ok(Self {
            client,
            credentials,
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
        serde_json::from_slice(&body).map_err(|e| decode_error(&e))
    }

    /// POSTs `form` to `url` to create a resource, retrying only what surely did nothing.
    pub(super) async fn post_form<T: DeserializeOwned>(
        &self,
        url: &Url,
        form: &[(&str, &str)],
        op: &'static str,
    ) -> Result<T, ProviderError> {
        let body = self
            .execute(op, Idempotency::CreatesResource, || {
                self.client.post(url.clone()).form(form)
            })
            .await?;
        serde_json::from_slice(&body).map_err(|e| decode_error(&e))
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

            let delay = backoff_delay(
                &self.retry,
                attempt,
                requested_wait(&error),
                &mut rand::rng(),
            );
            tracing::debug!(
                op,
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                %error,
                "retrying provider request"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// Sends one request and reads its whole answer.
    async fn attempt(&self, request: RequestBuilder) -> Result<Vec<u8>, ProviderError> {
        let (user, password) = self.credentials.basic_auth();
        let response = request
            .basic_auth(user, Some(password))
            .send()
            .await
            .map_err(transport_error)?;

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
}

/// The wait a `Retry-After` header asks for, if there is a readable one.
///
/// An HTTP-date is measured against the wall clock: it names the provider's clock, which no
/// clock of the engine's can stand in for.
fn retry_after(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, Utc::now())
}

/// Logs a request given up on: loudly when the provider seems to be in trouble, quietly when
/// it simply said no (the caller decides what a 4xx means).
fn log_failure(op: &'static str, attempts: u32, error: &ProviderError) {
    if error.is_transient() {
        tracing::warn!(op, attempts, %error, "provider request failed");
    } else {
        tracing::debug!(op, attempts, %error, "provider request refused");
    }
}
