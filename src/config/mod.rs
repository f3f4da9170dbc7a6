//! Textback's configuration: the TOML file read by `textback run`, and the same settings the
//! desktop app edits.
//!
//! A file is read in two steps. [`RawConfig`] mirrors the file (strings as written, so it can
//! be saved back unchanged); [`Config::from_raw`] checks every value and builds the typed form
//! the engine uses. Any problem is a [`ConfigError`] naming the key, and the engine only ever
//! starts from a whole, valid [`Config`].

mod check;
mod raw;
mod time;
mod variants;

use std::path::Path;

use chrono::Duration;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use textback_text::template::Template;

use check::*;
pub use raw::*;
pub use time::{
    format_duration, local_instant, parse_clock_time, parse_duration, DailyWindow, FollowUpStep,
    WeeklyHours, DAY_KEYS,
};
pub use variants::{TemplateVariants, Variant};

/// A configuration value that is missing or wrong, with the key it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ConfigError {
    /// Dotted path of the key, such as `rules.grace`.
    pub key: String,
    pub message: String,
}

impl ConfigError {
    fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// What happens to a text that falls due outside the allowed sending hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QuietHoursAction {
    /// Wait for the next allowed minute.
    Queue,
    /// Do not send it.
    Drop,
    /// Do not send it; list the call for staff in the morning.
    StaffList,
}

/// Which provider the engine talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    Twilio,
    Sandbox,
    /// Telnyx's v2 API, authenticated by an API key; no account SID.
    Telnyx,
}

/// Twilio's API address, used when no `base_url` is configured.
pub const TWILIO_BASE_URL: &str = "https://api.twilio.com";
/// Telnyx's API address, used when no `base_url` is configured for `kind = "telnyx"`.
pub const TELNYX_BASE_URL: &str = "https://api.telnyx.com";

/// A checked configuration, ready for the engine.
#[derive(Debug, Clone)]
pub struct Config {
    pub raw: RawConfig,
    pub business: Business,
    pub provider: ProviderSettings,
    pub rules: Rules,
    pub templates: Templates,
    pub ingress: Option<Ingress>,
    pub backup: Backup,
    pub webhooks: Vec<Webhook>,
}

/// A CRM endpoint events are posted to; the secret is looked up by `secret_env` at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub url: String,
    pub secret_env: String,
}

/// Where webhooks arrive and the public address they are signed for.
#[derive(Debug, Clone)]
pub struct Ingress {
    pub listen: std::net::SocketAddr,
    pub public_url: String,
}

#[derive(Debug, Clone)]
pub struct Backup {
    pub enabled: bool,
    pub dir: Option<std::path::PathBuf>,
    pub keep: u32,
}

#[derive(Debug, Clone)]
pub struct Business {
    pub name: String,
    pub time_zone: Tz,
    /// E.164 numbers callers dial; texts go out from the number that was called.
    pub numbers: Vec<String>,
    pub booking_link: String,
    pub country: String,
    pub hours: WeeklyHours,
    /// Numbers of staff members, never texted automatically.
    pub staff_numbers: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ProviderSettings {
    pub kind: ProviderKind,
    pub base_url: String,
    pub account_sid: String,
    pub api_key_sid: Option<String>,
    pub poll_interval: std::time::Duration,
    /// Where a Twilio-compatible provider posts delivery statuses: the ingress's status path
    /// under its public address, when webhook mode is on.
    pub status_callback: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Rules {
    pub grace: Duration,
    pub dedupe_window: Duration,
    pub max_call_age: Duration,
    /// The daily window in which texts may go out; `None` when quiet hours are off.
    pub send_window: Option<DailyWindow>,
    pub quiet_hours_action: QuietHoursAction,
    pub follow_ups: Vec<FollowUpStep>,
    pub allowed_countries: Vec<String>,
    pub voicemail_counts_as_missed: bool,
    pub active_window: Duration,
    pub daily_cap: u32,
    pub hourly_cap: u32,
}

#[derive(Debug, Clone)]
pub struct Templates {
    pub business_hours: TemplateVariants,
    pub after_hours: TemplateVariants,
    pub follow_ups: Vec<TemplateVariants>,
    pub help: Template,
}

impl Templates {
    /// The texts for follow-up step `step` (0-based); later steps reuse the last ones.
    pub fn follow_up(&self, step: usize) -> Option<&TemplateVariants> {
        self.follow_ups.get(step).or_else(|| self.follow_ups.last())
    }
}

impl Config {
    /// Reads and checks a TOML file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new(path.display().to_string(), e.to_string()))?;
        Self::from_toml(&text)
    }

    /// Parses and checks TOML text.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| toml_error(text, e))?;
        Self::from_raw(raw)
    }

    /// Checks every value of a raw configuration.
    pub fn from_raw(raw: RawConfig) -> Result<Self, ConfigError> {
        let business = check_business(&raw)?;
        let mut provider = check_provider(&raw.provider)?;
        let rules = check_rules(&raw.rules, &business)?;
        let templates = check_templates(&raw.templates, rules.follow_ups.len())?;
        let ingress = raw.ingress.as_ref().map(check_ingress).transpose()?;
        let telnyx = provider.kind == ProviderKind::Telnyx;
        if telnyx && ingress.is_some() && raw.provider.public_key.is_none() {
            return Err(ConfigError::new(
                "provider.public_key",
                "Telnyx's public key is needed to check its webhooks when [ingress] is set",
            ));
        }
        if let (Some(ingress), false) = (&ingress, telnyx) {
            let path = crate::ingress::paths::SMS_STATUS;
            provider.status_callback = Some(format!("{}{path}", ingress.public_url));
        }
        let backup = check_backup(&raw.backup)?;
        let webhooks = check_webhooks(&raw.webhooks)?;
        Ok(Self {
            raw,
            business,
            provider,
            rules,
            templates,
            ingress,
            backup,
            webhooks,
        })
    }

    /// The TOML form, as it would be saved.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(&self.raw).expect("a raw configuration always serializes")
    }

    /// Whether `number` is one of the business's own numbers or a staff member's.
    pub fn is_own_number(&self, number: &str) -> bool {
        self.business
            .numbers
            .iter()
            .chain(&self.business.staff_numbers)
            .any(|n| n == number)
    }
}

/// Turns a TOML error into one naming the key, found from the error's position in `text`.
fn toml_error(text: &str, e: toml::de::Error) -> ConfigError {
    let message = e.message().trim().to_owned();
    let Some(span) = e.span() else {
        return ConfigError::new("configuration", message);
    };
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let before = &text[..start];
    let line_no = before.matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or_default();
    // An error in a table of its own (a `[[templates.business_hours]]` entry) points at the
    // header, which names the table itself.
    let header = Some(line).filter(|l| l.trim_start().starts_with('['));
    let table = header
        .into_iter()
        .chain(before.lines().rev())
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_owned())
        .filter(|t| !t.is_empty());
    // A line with no key, or a table header cut short, still names something to look at.
    let key = match line.split_once('=') {
        Some((key, _)) if !line.trim_start().starts_with('[') => {
            match (table, key.trim().trim_matches('"')) {
                (table, "") => table.unwrap_or_else(|| "configuration".into()),
                (Some(table), key) => format!("{table}.{key}"),
                (None, key) => key.to_owned(),
            }
        }
        _ => table.unwrap_or_else(|| "configuration".into()),
    };
    ConfigError::new(key, format!("{message} (line {line_no})"))
}

#[cfg(test)]
mod tests;
