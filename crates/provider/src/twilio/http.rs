//! Requests authenticated as a Twilio account, run through the shared retry loop in
//! [`crate::http`].
//!
//! What is Twilio's own here is Basic auth, form bodies and its error body (see `errors`);
//! retrying, reading the answer and transport failures are the crate's shared rules.

use std::time::Duration;

use reqwest::{RequestBuilder, Url};
use serde::de::DeserializeOwned;

use super::config::{Credentials, RetryPolicy, TwilioConfigError};
use super::errors::api_error;
use crate::http::{self as shared, decode};
use crate::retry::Idempotency;
use crate::ProviderError;

/// An HTTP client bound to one set of credentials and one retry policy.
#[derive(Debug, Clone)]
pub(super) struct Http {
    client: reqwest::Client,
    credentials: Credentials,
    retry: RetryPolicy,
}

impl Http {
    /// Builds the client; see [`crate::http::client`] for how `timeout` is spent.
    pub(super) fn new(
        credentials: Credentials,
        retry: RetryPolicy,
        timeout: Duration,
    ) -> Result<Self, TwilioConfigError> {
        let client = shared::client(timeout).map_err(|e| TwilioConfigError::HttpClient {
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
        decode(&body)
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
        decode(&body)
    }

    /// Runs attempts built by `build`, each with Basic auth, as the retry rules allow.
    async fn execute(
        &self,
        op: &'static str,
        idempotency: Idempotency,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Vec<u8>, ProviderError> {
        let (user, password) = self.credentials.basic_auth();
        shared::execute(&self.retry, "provider", op, idempotency, || {
            shared::send(build().basic_auth(user, Some(password)), api_error)
        })
        .await
    }
}
