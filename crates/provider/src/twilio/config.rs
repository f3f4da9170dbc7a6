//! Where a [`TwilioClient`](super::TwilioClient) connects, as whom, and how patiently.
//!
//! The secrets here (an auth token or an API key's secret) leave the process only in the
//! `Authorization` header. `Debug` for [`Credentials`] is written by hand so that printing a
//! config, as a settings screen or a startup log might, shows which account is used but never
//! the secret.

use std::fmt;
use std::time::Duration;

pub use crate::retry::RetryPolicy;

/// Twilio's REST API origin. Twilio-compatible providers and the sandbox use another one.
pub const DEFAULT_BASE_URL: &str = "https://api.twilio.com";

/// Who the client authenticates as. Either way, request URLs name the account SID.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// The account's own SID and auth token.
    AuthToken {
        account_sid: String,
        auth_token: String,
    },
    /// An API key acting for the account; it can be revoked without rotating the auth token.
    ApiKey {
        account_sid: String,
        key_sid: String,
        secret: String,
    },
}

impl Credentials {
    /// The account every request URL names.
    pub fn account_sid(&self) -> &str {
        match self {
            Self::AuthToken { account_sid, .. } | Self::ApiKey { account_sid, .. } => account_sid,
        }
    }

    /// The user name and password for HTTP Basic auth.
    pub(super) fn basic_auth(&self) -> (&str, &str) {
        match self {
            Self::AuthToken {
                account_sid,
                auth_token,
            } => (account_sid, auth_token),
            Self::ApiKey {
                key_sid, secret, ..
            } => (key_sid, secret),
        }
    }

    /// Rejects credentials with an empty part, which could only ever earn a 401.
    pub(super) fn validate(&self) -> Result<(), TwilioConfigError> {
        let (user_field, password_field) = match self {
            Self::AuthToken { .. } => ("account_sid", "auth_token"),
            Self::ApiKey { .. } => ("key_sid", "secret"),
        };
        let (user, password) = self.basic_auth();

        if self.account_sid().trim().is_empty() {
            return Err(TwilioConfigError::MissingCredential {
                field: "account_sid",
            });
        }
        if user.trim().is_empty() {
            return Err(TwilioConfigError::MissingCredential { field: user_field });
        }
        if password.is_empty() {
            return Err(TwilioConfigError::MissingCredential {
                field: password_field,
            });
        }
        Ok(())
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = format_args!("<redacted>");
        match self {
            Self::AuthToken { account_sid, .. } => f
                .debug_struct("AuthToken")
                .field("account_sid", account_sid)
                .field("auth_token", &redacted)
                .finish(),
            Self::ApiKey {
                account_sid,
                key_sid,
                ..
            } => f
                .debug_struct("ApiKey")
                .field("account_sid", account_sid)
                .field("key_sid", key_sid)
                .field("secret", &redacted)
                .finish(),
        }
    }
}

/// Everything a [`TwilioClient`](super::TwilioClient) needs to reach one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwilioConfig {
    /// Scheme, host and optional port (and path prefix) of the API, without a trailing
    /// `/2010-04-01`. Defaults to [`DEFAULT_BASE_URL`].
    pub base_url: String,
    pub credentials: Credentials,
    pub retry: RetryPolicy,
    /// The longest one HTTP request may take, from connecting to reading the whole answer.
    pub timeout: Duration,
    /// Where Twilio should post the delivery status of each message sent (`StatusCallback`);
    /// none when statuses are polled.
    pub status_callback: Option<String>,
}

impl TwilioConfig {
    /// Twilio's own API with the default retry policy and a 15 s timeout per request.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            credentials,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(15),
            status_callback: None,
        }
    }
}

/// Why a [`TwilioConfig`] cannot be used to build a client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TwilioConfigError {
    /// A part of the credentials is empty; `field` names it.
    #[error("the credentials' {field} is empty")]
    MissingCredential { field: &'static str },
    /// The base URL is not an absolute `http` or `https` URL fit to send a password to.
    ///
    /// The URL itself is left out of the message in case it carries a password.
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

    fn api_key() -> Credentials {
        Credentials::ApiKey {
            account_sid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".into(),
            key_sid: "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".into(),
            secret: "key-secret-value".into(),
        }
    }

    /// A config printed with `{:?}` names the account but never the secret.
    #[test]
    fn debug_redacts_secrets() {
        let token = TwilioConfig::new(Credentials::AuthToken {
            account_sid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".into(),
            auth_token: "auth-token-value".into(),
        });
        let key = TwilioConfig::new(api_key());

        let token_text = format!("{token:?}");
        let key_text = format!("{key:#?}");

        assert!(
            !token_text.contains("auth-token-value"),
            "auth token leaked: {token_text}"
        );
        assert!(
            !key_text.contains("key-secret-value"),
            "key secret leaked: {key_text}"
        );
        assert!(
            token_text.contains("ACaaaa"),
            "account SID should stay visible: {token_text}"
        );
        assert!(
            key_text.contains("SKbbbb"),
            "key SID should stay visible: {key_text}"
        );
        assert!(
            key_text.contains("<redacted>"),
            "redaction should be marked: {key_text}"
        );
    }

    /// An API key authenticates as the key but the URL still names the account.
    #[test]
    fn api_key_authenticates_as_the_key() {
        let credentials = api_key();

        let (user, password) = credentials.basic_auth();

        assert_eq!(
            user, "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
            "user should be the key SID"
        );
        assert_eq!(
            password, "key-secret-value",
            "password should be the key secret"
        );
        assert_eq!(
            credentials.account_sid(),
            "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "account SID should be kept apart from the key"
        );
    }

    /// Empty parts are caught before any request is made, and named.
    #[test]
    fn validate_names_the_empty_part() {
        let no_secret = Credentials::ApiKey {
            account_sid: "AC1".into(),
            key_sid: "SK1".into(),
            secret: String::new(),
        };
        let no_account = Credentials::AuthToken {
            account_sid: " ".into(),
            auth_token: "t".into(),
        };

        let secret_error = no_secret.validate();
        let account_error = no_account.validate();

        assert_eq!(
            secret_error,
            Err(TwilioConfigError::MissingCredential { field: "secret" }),
            "an empty secret should be named"
        );
        assert_eq!(
            account_error,
            Err(TwilioConfigError::MissingCredential {
                field: "account_sid"
            }),
            "a blank account SID should be named"
        );
        assert_eq!(
            api_key().validate(),
            Ok(()),
            "complete credentials should pass"
        );
    }
}
