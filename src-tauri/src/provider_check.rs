//! Checking provider credentials before the engine is switched to them.

use serde::Serialize;
use textback::config::{Config, RawConfig, RawProvider};
use textback::engine::EngineError;
use textback::provider::{self, Secret};
use textback_provider::CallQuery;

use crate::error::{UiError, UiResult};

/// What the provider said to a test request.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub ok: bool,
    pub message: String,
}

/// Tidies the provider section as the form sends it: blank optional fields become absent, and
/// SignalWire, which speaks Twilio's API at its own address, is stored as Twilio with that
/// address.
pub fn normalize(mut provider: RawProvider) -> RawProvider {
    let blank_to_none =
        |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    provider.kind = match provider.kind.trim() {
        "signalwire" => "twilio".to_owned(),
        other => other.to_owned(),
    };
    provider.account_sid = provider.account_sid.trim().to_owned();
    provider.api_key_sid = blank_to_none(provider.api_key_sid);
    provider.base_url = blank_to_none(provider.base_url);
    provider.public_key = blank_to_none(provider.public_key);
    provider
}

/// Asks the provider for one recent call with `secret`, and reports how it answered.
///
/// The rest of `settings` only has to be valid; the provider section is replaced by `provider`.
pub async fn test(
    mut settings: RawConfig,
    provider: RawProvider,
    secret: &str,
) -> UiResult<Outcome> {
    settings.provider = provider;
    let config = Config::from_raw(settings).map_err(|e| UiError::from(EngineError::from(e)))?;
    let client = provider::build(&config.provider, &Secret::new(secret))
        .map_err(|e| UiError::invalid("provider", e))?;
    let query = CallQuery {
        started_after: Some(chrono::Utc::now() - chrono::Duration::days(1)),
        page_size: Some(1),
        ..CallQuery::default()
    };
    Ok(match client.list_calls(&query).await {
        Ok(_) => Outcome {
            ok: true,
            message: format!(
                "Connected: {} accepted the credentials.",
                config.provider.base_url
            ),
        },
        Err(e) => Outcome {
            ok: false,
            message: e.to_string(),
        },
    })
}
