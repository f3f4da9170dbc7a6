//! Building the provider client the configuration asks for.
//!
//! Secrets never live in the configuration file or the database: the headless engine reads
//! them from the environment, the desktop app from the OS keyring, and both hand them in here.

use std::sync::Arc;

use textback_provider::telnyx::{ApiKey, TelnyxClient, TelnyxConfig};
use textback_provider::twilio::{Credentials, RetryPolicy, TwilioClient, TwilioConfig};
use textback_provider::Provider;

use crate::config::{ProviderKind, ProviderSettings};

/// The environment variable holding the Twilio auth token for `textback run`.
pub const AUTH_TOKEN_ENV: &str = "TWILIO_AUTH_TOKEN";
/// The environment variable holding an API key's secret, when `api_key_sid` is set.
pub const API_KEY_SECRET_ENV: &str = "TWILIO_API_KEY_SECRET";
/// The environment variable holding the Telnyx API key, for `kind = "telnyx"`.
pub const TELNYX_API_KEY_ENV: &str = "TELNYX_API_KEY";

/// A secret the provider needs, without its value in any `Debug` output.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Builds the client for `settings`, authenticated with `secret`: the Telnyx API key for
/// `kind = "telnyx"`, else the Twilio auth token, or the API key's secret when an API key is
/// configured.
pub fn build(settings: &ProviderSettings, secret: &Secret) -> Result<Arc<dyn Provider>, String> {
    if settings.kind == ProviderKind::Telnyx {
        return build_telnyx(settings, secret);
    }
    let credentials = match &settings.api_key_sid {
        Some(key_sid) => Credentials::ApiKey {
            account_sid: settings.account_sid.clone(),
            key_sid: key_sid.clone(),
            secret: secret.expose().to_owned(),
        },
        None => Credentials::AuthToken {
            account_sid: settings.account_sid.clone(),
            auth_token: secret.expose().to_owned(),
        },
    };
    let config = TwilioConfig {
        base_url: settings.base_url.clone(),
        status_callback: settings.status_callback.clone(),
        ..TwilioConfig::new(credentials)
    };
    let client = TwilioClient::new(config).map_err(|e| e.to_string())?;
    Ok(Arc::new(client))
}

fn build_telnyx(settings: &ProviderSettings, secret: &Secret) -> Result<Arc<dyn Provider>, String> {
    let config = TelnyxConfig {
        base_url: settings.base_url.clone(),
        api_key: ApiKey::new(secret.expose()),
        retry: RetryPolicy::default(),
        timeout: std::time::Duration::from_secs(15),
    };
    let client = TelnyxClient::new(config).map_err(|e| e.to_string())?;
    Ok(Arc::new(client))
}

/// Reads the secret for `settings` from the environment, naming the variable if it is unset.
pub fn secret_from_env(settings: &ProviderSettings) -> Result<Secret, String> {
    let name = if settings.kind == ProviderKind::Telnyx {
        TELNYX_API_KEY_ENV
    } else if settings.api_key_sid.is_some() {
        API_KEY_SECRET_ENV
    } else {
        AUTH_TOKEN_ENV
    };
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => Ok(Secret::new(value.trim())),
        _ => Err(format!(
            "set the environment variable {name} to the provider's secret"
        )),
    }
}
