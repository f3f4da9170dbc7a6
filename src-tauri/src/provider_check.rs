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
/// address, which it therefore needs.
pub fn normalize(mut provider: RawProvider) -> UiResult<RawProvider> {
    let blank_to_none =
        |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    provider.account_sid = provider.account_sid.trim().to_owned();
    provider.api_key_sid = blank_to_none(provider.api_key_sid);
    provider.base_url = blank_to_none(provider.base_url);
    provider.public_key = blank_to_none(provider.public_key);
    if provider.kind.trim() == "signalwire" {
        if provider.base_url.is_none() {
            return Err(UiError::invalid(
                "provider.base_url",
                "SignalWire needs your space's address, such as https://example.signalwire.com",
            ));
        }
        provider.kind = "twilio".to_owned();
    }
    Ok(provider)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn form(kind: &str) -> RawProvider {
        RawProvider {
            kind: kind.into(),
            base_url: Some("  ".into()),
            account_sid: " AC0123456789abcdef0123456789abcdef ".into(),
            api_key_sid: Some(String::new()),
            public_key: None,
            poll_interval: "5s".into(),
        }
    }

    #[test]
    fn blank_fields_from_the_form_are_absent_not_empty() {
        let provider = normalize(form("twilio")).unwrap();

        assert_eq!(
            provider.base_url, None,
            "a blank base URL means Twilio's own"
        );
        assert_eq!(
            provider.api_key_sid, None,
            "a blank API key SID means the auth token"
        );
        assert_eq!(
            provider.account_sid, "AC0123456789abcdef0123456789abcdef",
            "a pasted SID loses its surrounding spaces"
        );
    }

    #[test]
    fn signalwire_is_stored_as_twilio_at_its_own_address() {
        let mut signalwire = form("signalwire");
        signalwire.base_url = Some("https://example.signalwire.com".into());

        let provider = normalize(signalwire).unwrap();
        let without_address = normalize(form("signalwire"));

        assert_eq!(
            without_address.unwrap_err().field.as_deref(),
            Some("provider.base_url"),
            "SignalWire without its address is refused at that field"
        );
        assert_eq!(provider.kind, "twilio", "SignalWire speaks Twilio's API");
        assert_eq!(
            provider.base_url.as_deref(),
            Some("https://example.signalwire.com"),
            "at the space's address"
        );
    }
}
