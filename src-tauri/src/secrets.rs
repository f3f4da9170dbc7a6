//! The provider's secret (auth token or API key secret) in the operating system's keyring:
//! the Secret Service on Linux, the Keychain on macOS, the Credential Manager on Windows. It is
//! never written to the database or a log.

use textback::config::RawProvider;

/// The keyring's service name for every Textback secret.
const SERVICE: &str = "textback";

#[derive(Debug, thiserror::Error)]
#[error("the system keyring could not {action}: {source}")]
pub struct SecretError {
    action: &'static str,
    source: keyring::Error,
}

/// The keyring entry of the credentials `provider` names: `<kind>:<API key SID or account SID>`,
/// so switching accounts never reuses another account's secret.
fn entry(provider: &RawProvider) -> Result<keyring::Entry, SecretError> {
    let who = provider
        .api_key_sid
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or(&provider.account_sid);
    let kind = match provider.kind.as_str() {
        "signalwire" => "twilio",
        other => other,
    };
    keyring::Entry::new(SERVICE, &format!("{kind}:{who}")).map_err(|source| SecretError {
        action: "open its entry",
        source,
    })
}

/// The keyring entry of the CRM webhook signing secret named `name` (the endpoint's
/// `secret_env`, which headless engines read from the environment instead).
fn webhook_entry(name: &str) -> Result<keyring::Entry, SecretError> {
    keyring::Entry::new(SERVICE, &format!("webhook:{name}")).map_err(|source| SecretError {
        action: "open its entry",
        source,
    })
}

/// Stores the webhook signing secret named `name`.
pub fn store_webhook(name: &str, secret: &str) -> Result<(), SecretError> {
    webhook_entry(name)?
        .set_password(secret)
        .map_err(|source| SecretError {
            action: "store the secret",
            source,
        })
}

/// The webhook signing secret named `name`, if stored.
pub fn load_webhook(name: &str) -> Result<Option<String>, SecretError> {
    read(webhook_entry(name)?)
}

/// Stores the secret for `provider`.
pub fn store(provider: &RawProvider, secret: &str) -> Result<(), SecretError> {
    entry(provider)?
        .set_password(secret)
        .map_err(|source| SecretError {
            action: "store the secret",
            source,
        })
}

/// The secret stored for `provider`, if any.
pub fn load(provider: &RawProvider) -> Result<Option<String>, SecretError> {
    read(entry(provider)?)
}

fn read(entry: keyring::Entry) -> Result<Option<String>, SecretError> {
    match entry.get_password() {
        Ok(secret) => Ok(Some(secret)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(source) => Err(SecretError {
            action: "read the secret",
            source,
        }),
    }
}
