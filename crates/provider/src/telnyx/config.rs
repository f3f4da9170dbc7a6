//! Where a [`TelnyxClient`](super::TelnyxClient) connects, with which key, and how patiently.
//!
//! Telnyx authenticates every request with one API key sent as a bearer token. `Debug` for
//! [`ApiKey`] is written by hand so that printing a config never shows the key.

use std::fmt;
use std::time::Duration;

pub use crate::retry::RetryPolicy;

/// Telnyx's API origin; the sandbox uses another one.
pub const DEFAULT_BASE_URL: &str = "https://api.telnyx.com";

/// A Telnyx API key (`KEY...`), kept out of every `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps the key as given; surrounding white space is dropped.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into().trim().to_owned())
    }

    pub(super) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// Everything a [`TelnyxClient`](super::TelnyxClient) needs to reach one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelnyxConfig {
    /// Scheme, host, optional port and path prefix of the API, without the trailing `/v2`.
    /// Defaults to [`DEFAULT_BASE_URL`].
    pub base_url: String,
    pub api_key: ApiKey,
    pub retry: RetryPolicy,
    /// The longest one HTTP request may take, from connecting to reading the whole answer.
    pub timeout: Duration,
}

impl TelnyxConfig {
    /// Telnyx's own API with the default retry policy and a 15 s timeout per request.
    pub fn new(api_key: ApiKey) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_key,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(15),
        }
    }
}

/// Why a [`TelnyxConfig`] cannot be used to build a client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TelnyxConfigError {
    /// The API key is empty.
    #[error("the Telnyx API key is empty")]
    MissingApiKey,
    /// The base URL is not an absolute `http` or `https` URL fit to send a key to.
    #[error("the base URL is not usable: {reason}")]
    InvalidBaseUrl { reason: String },
    /// A zero timeout would fail every request.
    #[error("the request timeout must be longer than zero")]
    ZeroTimeout,
    /// The HTTP client could not be built (its TLS setup, typically).
    #[error("could not set up the HTTP client: {message}")]
    HttpClient { message: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A config printed with `{:?}` never shows the key.
    #[test]
    fn debug_redacts_the_key() {
        let config = TelnyxConfig::new(ApiKey::new("KEY0123-secret-value"));

        let text = format!("{config:?} {config:#?}");

        assert!(!text.contains("secret-value"), "API key leaked: {text}");
        assert!(
            text.contains("<redacted>"),
            "redaction should be marked: {text}"
        );
    }
}
