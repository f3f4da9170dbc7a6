//! Textback's configuration: the TOML file read by `textback run`, and the same settings the
//! desktop app edits.
//!
//! A file is read in two steps. [`RawConfig`] mirrors the file (strings as written, so it can
//! be saved back unchanged); [`Config::from_raw`] checks every value and builds the typed form
//! the engine uses. Any problem is a [`ConfigError`] naming the key, and the engine only ever
//! starts from a whole, valid [`Config`].

mod time;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::Duration;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use textback_text::template::Template;

pub use time::{
    format_duration, local_instant, parse_clock_time, parse_duration, DailyWindow, FollowUpStep,
    WeeklyHours, DAY_KEYS,
};

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

/// The configuration file as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub business: RawBusiness,
    pub provider: RawProvider,
    #[serde(default)]
    pub rules: RawRules,
    #[serde(default)]
    pub templates: RawTemplates,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub staff: Vec<StaffMember>,
    /// Where the provider's webhooks arrive; absent when only polling is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<RawIngress>,
    #[serde(default)]
    pub backup: RawBackup,
}

/// The webhook server, for providers that push calls and texts instead of being polled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIngress {
    /// Address to listen on; loopback unless a reverse proxy or tunnel needs otherwise.
    #[serde(default = "defaults::ingress_listen")]
    pub listen: String,
    /// The public address the provider calls, exactly as configured at the provider (for
    /// example `https://textback.example.com`); signatures are computed over it.
    pub public_url: String,
}

/// Daily copies of the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBackup {
    #[serde(default = "defaults::yes")]
    pub enabled: bool,
    /// Folder for the copies; `backups` beside the database when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
    /// How many daily copies to keep.
    #[serde(default = "defaults::backup_keep")]
    pub keep: u32,
}

impl Default for RawBackup {
    fn default() -> Self {
        toml::from_str("").expect("every backup setting has a default")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBusiness {
    pub name: String,
    pub time_zone: String,
    pub numbers: Vec<String>,
    #[serde(default)]
    pub booking_link: String,
    /// ISO country of the business; by default the country of its first number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Opening hours by day (`mon = "09:00-17:00"`, `sat = "closed"`); Monday to Friday 09:00
    /// to 17:00 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProvider {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    #[serde(default)]
    pub account_sid: String,
    /// An API key SID (`SK...`) to authenticate with instead of the account's auth token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_sid: Option<String>,
    /// Telnyx only: the account's base64 Ed25519 public key, which verifies its webhooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    #[serde(default = "defaults::poll_interval")]
    pub poll_interval: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRules {
    #[serde(default = "defaults::grace")]
    pub grace: String,
    #[serde(default = "defaults::dedupe_window")]
    pub dedupe_window: String,
    #[serde(default = "defaults::max_call_age")]
    pub max_call_age: String,
    #[serde(default = "defaults::quiet_hours")]
    pub quiet_hours: String,
    #[serde(default = "defaults::quiet_hours_action")]
    pub quiet_hours_action: String,
    #[serde(default = "defaults::follow_ups")]
    pub follow_ups: Vec<String>,
    /// Countries a text may go to; the business's own country when empty.
    #[serde(default)]
    pub allowed_countries: Vec<String>,
    #[serde(default = "defaults::yes")]
    pub voicemail_counts_as_missed: bool,
    /// How long after a customer's reply or a staff message a conversation counts as active.
    #[serde(default = "defaults::active_window")]
    pub active_window: String,
    #[serde(default = "defaults::daily_cap")]
    pub daily_cap: u32,
    #[serde(default = "defaults::hourly_cap")]
    pub hourly_cap: u32,
}

impl Default for RawRules {
    fn default() -> Self {
        toml::from_str("").expect("every rule has a default")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTemplates {
    #[serde(default = "defaults::business_hours")]
    pub business_hours: String,
    #[serde(default = "defaults::after_hours")]
    pub after_hours: String,
    /// One text per follow-up step; the last one serves any further steps.
    #[serde(default = "defaults::follow_up_texts")]
    pub follow_ups: Vec<String>,
    /// The answer to HELP or INFO.
    #[serde(default = "defaults::help")]
    pub help: String,
}

impl Default for RawTemplates {
    fn default() -> Self {
        toml::from_str("").expect("every template has a default")
    }
}

/// A person who answers the phone; their number is never texted automatically.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffMember {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
}

mod defaults {
    pub fn ingress_listen() -> String {
        "127.0.0.1:8088".into()
    }
    pub fn backup_keep() -> u32 {
        7
    }
    pub fn poll_interval() -> String {
        "5s".into()
    }
    pub fn grace() -> String {
        "15s".into()
    }
    pub fn dedupe_window() -> String {
        "24h".into()
    }
    pub fn max_call_age() -> String {
        "30m".into()
    }
    pub fn quiet_hours() -> String {
        "08:00-21:00".into()
    }
    pub fn quiet_hours_action() -> String {
        "queue".into()
    }
    pub fn follow_ups() -> Vec<String> {
        vec!["3h".into(), "next day 10:00".into()]
    }
    pub fn yes() -> bool {
        true
    }
    pub fn active_window() -> String {
        "24h".into()
    }
    pub fn daily_cap() -> u32 {
        300
    }
    pub fn hourly_cap() -> u32 {
        60
    }
    pub fn business_hours() -> String {
        "Hi, this is {business}. Sorry we missed your call! Book at {booking_link} or just reply \
         here."
            .into()
    }
    pub fn after_hours() -> String {
        "Hi, this is {business}. We're closed right now, sorry we missed you. Book at \
         {booking_link} or reply here and we'll get back to you when we open."
            .into()
    }
    pub fn follow_up_texts() -> Vec<String> {
        vec![
            "Hi {first_name|there}, just checking in from {business}. Can we help? Reply here or \
             book at {booking_link}."
                .into(),
        ]
    }
    pub fn help() -> String {
        "{business}: reply here to reach our front desk. Reply STOP to opt out.".into()
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
    pub business_hours: Template,
    pub after_hours: Template,
    pub follow_ups: Vec<Template>,
    pub help: Template,
}

impl Templates {
    /// The text for follow-up step `step` (0-based); later steps reuse the last text.
    pub fn follow_up(&self, step: usize) -> Option<&Template> {
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
        Ok(Self {
            raw,
            business,
            provider,
            rules,
            templates,
            ingress,
            backup,
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
    let table = before
        .lines()
        .rev()
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

fn duration(key: &str, text: &str) -> Result<Duration, ConfigError> {
    parse_duration(text).map_err(|m| ConfigError::new(key, m))
}

fn e164(key: &str, number: &str) -> Result<textback_text::phone::Phone, ConfigError> {
    let phone = textback_text::phone::parse(number, None)
        .map_err(|e| ConfigError::new(key, format!("{number:?} is not a phone number: {e}")))?;
    if phone.e164 != number {
        return Err(ConfigError::new(
            key,
            format!("{number:?} must be written in E.164 form, {:?}", phone.e164),
        ));
    }
    Ok(phone)
}

fn check_business(raw: &RawConfig) -> Result<Business, ConfigError> {
    let b = &raw.business;
    if b.name.trim().is_empty() {
        return Err(ConfigError::new("business.name", "must not be empty"));
    }
    let time_zone: Tz = b.time_zone.parse().map_err(|_| {
        ConfigError::new(
            "business.time_zone",
            format!(
                "unknown time zone {:?}; expected an IANA name like \"America/New_York\"",
                b.time_zone
            ),
        )
    })?;
    if b.numbers.is_empty() {
        return Err(ConfigError::new(
            "business.numbers",
            "at least one number is needed",
        ));
    }
    let mut first_country = None;
    for (i, number) in b.numbers.iter().enumerate() {
        let phone = e164(&format!("business.numbers[{i}]"), number)?;
        first_country = first_country.or(phone.country);
    }
    let country = match &b.country {
        Some(c) => country_code("business.country", c)?,
        None => first_country.ok_or_else(|| {
            ConfigError::new(
                "business.country",
                "cannot tell the country from the numbers; set it",
            )
        })?,
    };
    if !b.booking_link.is_empty() && !b.booking_link.starts_with("http") {
        return Err(ConfigError::new(
            "business.booking_link",
            format!(
                "{:?} is not a web address (http:// or https://)",
                b.booking_link
            ),
        ));
    }
    let hours = match &b.hours {
        Some(table) => WeeklyHours::from_table(table)
            .map_err(|(day, m)| ConfigError::new(format!("business.hours.{day}"), m))?,
        None => WeeklyHours::office_default(),
    };
    let mut staff_numbers = Vec::new();
    for (i, member) in raw.staff.iter().enumerate() {
        if let Some(number) = &member.number {
            staff_numbers.push(e164(&format!("staff[{i}].number"), number)?.e164);
        }
    }
    Ok(Business {
        name: b.name.trim().to_owned(),
        time_zone,
        numbers: b.numbers.clone(),
        booking_link: b.booking_link.clone(),
        country,
        hours,
        staff_numbers,
    })
}

fn country_code(key: &str, code: &str) -> Result<String, ConfigError> {
    let upper = code.trim().to_ascii_uppercase();
    if upper.len() != 2 || !upper.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(ConfigError::new(
            key,
            format!("{code:?} is not a two-letter country code like \"US\""),
        ));
    }
    Ok(upper)
}

fn check_provider(raw: &RawProvider) -> Result<ProviderSettings, ConfigError> {
    let kind = match raw.kind.as_str() {
        "twilio" => ProviderKind::Twilio,
        "sandbox" => ProviderKind::Sandbox,
        "telnyx" => ProviderKind::Telnyx,
        other => {
            return Err(ConfigError::new(
                "provider.kind",
                format!(
                    "unknown provider {other:?}; expected \"twilio\", \"telnyx\" or \"sandbox\""
                ),
            ))
        }
    };
    let default_base_url = match kind {
        ProviderKind::Telnyx => TELNYX_BASE_URL,
        ProviderKind::Twilio | ProviderKind::Sandbox => TWILIO_BASE_URL,
    };
    let base_url = raw
        .base_url
        .clone()
        .unwrap_or_else(|| default_base_url.to_owned());
    if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
        return Err(ConfigError::new(
            "provider.base_url",
            format!("{base_url:?} is not an http:// or https:// address"),
        ));
    }
    if kind == ProviderKind::Sandbox && raw.base_url.is_none() {
        return Err(ConfigError::new(
            "provider.base_url",
            "the sandbox's address is needed",
        ));
    }
    if kind == ProviderKind::Telnyx {
        check_telnyx(raw)?;
    } else {
        check_twilio_account(raw)?;
    }
    let poll_interval = duration("provider.poll_interval", &raw.poll_interval)?;
    if poll_interval < Duration::milliseconds(200) {
        return Err(ConfigError::new(
            "provider.poll_interval",
            "must be at least 200ms",
        ));
    }
    Ok(ProviderSettings {
        kind,
        base_url: base_url.trim_end_matches('/').to_owned(),
        account_sid: raw.account_sid.clone(),
        api_key_sid: raw.api_key_sid.clone(),
        poll_interval: poll_interval.to_std().expect("positive"),
        status_callback: None,
    })
}

/// Telnyx needs no account SID; the Twilio-only keys are refused rather than ignored, and the
/// webhook public key, when given, must be a base64 Ed25519 key.
fn check_telnyx(raw: &RawProvider) -> Result<(), ConfigError> {
    if raw.api_key_sid.is_some() {
        return Err(ConfigError::new(
            "provider.api_key_sid",
            "is for Twilio; Telnyx authenticates with the API key in TELNYX_API_KEY",
        ));
    }
    if let Some(key) = &raw.public_key {
        textback_provider::telnyx::webhook::public_key(key)
            .map_err(|e| ConfigError::new("provider.public_key", e.to_string()))?;
    }
    Ok(())
}

fn check_twilio_account(raw: &RawProvider) -> Result<(), ConfigError> {
    if raw.public_key.is_some() {
        return Err(ConfigError::new(
            "provider.public_key",
            "is for Telnyx only; Twilio signs webhooks with the auth token",
        ));
    }
    let sid_ok = raw.account_sid.len() == 34
        && raw.account_sid.starts_with("AC")
        && raw.account_sid[2..].chars().all(|c| c.is_ascii_hexdigit());
    if !sid_ok {
        return Err(ConfigError::new(
            "provider.account_sid",
            format!(
                "{:?} is not an account SID (AC followed by 32 hex digits)",
                raw.account_sid
            ),
        ));
    }
    if let Some(key) = &raw.api_key_sid {
        if !(key.len() == 34 && key.starts_with("SK")) {
            return Err(ConfigError::new(
                "provider.api_key_sid",
                format!("{key:?} is not an API key SID (SK followed by 32 hex digits)"),
            ));
        }
    }
    Ok(())
}

fn check_rules(raw: &RawRules, business: &Business) -> Result<Rules, ConfigError> {
    let send_window = match raw.quiet_hours.trim() {
        "off" => None,
        text => Some(DailyWindow::parse(text).map_err(|m| {
            ConfigError::new(
                "rules.quiet_hours",
                format!("{m} (the hours texts may go out), or \"off\""),
            )
        })?),
    };
    let quiet_hours_action = match raw.quiet_hours_action.as_str() {
        "queue" => QuietHoursAction::Queue,
        "drop" => QuietHoursAction::Drop,
        "staff-list" => QuietHoursAction::StaffList,
        other => {
            return Err(ConfigError::new(
                "rules.quiet_hours_action",
                format!("unknown action {other:?}; expected queue, drop or staff-list"),
            ))
        }
    };
    let follow_ups = raw
        .follow_ups
        .iter()
        .enumerate()
        .map(|(i, s)| {
            FollowUpStep::parse(s)
                .map_err(|m| ConfigError::new(format!("rules.follow_ups[{i}]"), m))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let allowed_countries = if raw.allowed_countries.is_empty() {
        vec![business.country.clone()]
    } else {
        raw.allowed_countries
            .iter()
            .enumerate()
            .map(|(i, c)| country_code(&format!("rules.allowed_countries[{i}]"), c))
            .collect::<Result<Vec<_>, _>>()?
    };
    for (key, cap) in [
        ("rules.daily_cap", raw.daily_cap),
        ("rules.hourly_cap", raw.hourly_cap),
    ] {
        if cap == 0 {
            return Err(ConfigError::new(key, "must be at least 1"));
        }
    }
    Ok(Rules {
        grace: duration("rules.grace", &raw.grace)?,
        dedupe_window: duration("rules.dedupe_window", &raw.dedupe_window)?,
        max_call_age: duration("rules.max_call_age", &raw.max_call_age)?,
        send_window,
        quiet_hours_action,
        follow_ups,
        allowed_countries,
        voicemail_counts_as_missed: raw.voicemail_counts_as_missed,
        active_window: duration("rules.active_window", &raw.active_window)?,
        daily_cap: raw.daily_cap,
        hourly_cap: raw.hourly_cap,
    })
}

fn check_ingress(raw: &RawIngress) -> Result<Ingress, ConfigError> {
    let listen = raw.listen.parse().map_err(|_| {
        ConfigError::new(
            "ingress.listen",
            format!("{:?} is not an address like \"127.0.0.1:8088\"", raw.listen),
        )
    })?;
    let url = raw.public_url.trim_end_matches('/');
    if !(url.starts_with("https://") || url.starts_with("http://")) || url.contains(['?', '#']) {
        return Err(ConfigError::new(
            "ingress.public_url",
            format!(
                "{:?} is not an http:// or https:// address without a query",
                raw.public_url
            ),
        ));
    }
    Ok(Ingress {
        listen,
        public_url: url.to_owned(),
    })
}

fn check_backup(raw: &RawBackup) -> Result<Backup, ConfigError> {
    if raw.keep == 0 {
        return Err(ConfigError::new("backup.keep", "must be at least 1"));
    }
    Ok(Backup {
        enabled: raw.enabled,
        dir: raw.dir.as_ref().map(Into::into),
        keep: raw.keep,
    })
}

fn template(key: &str, text: &str) -> Result<Template, ConfigError> {
    if text.trim().is_empty() {
        return Err(ConfigError::new(key, "must not be empty"));
    }
    Template::parse(text).map_err(|e| ConfigError::new(key, e.to_string()))
}

fn check_templates(raw: &RawTemplates, steps: usize) -> Result<Templates, ConfigError> {
    if steps > 0 && raw.follow_ups.is_empty() {
        return Err(ConfigError::new(
            "templates.follow_ups",
            "follow-up steps are configured but no follow-up text is",
        ));
    }
    Ok(Templates {
        business_hours: template("templates.business_hours", &raw.business_hours)?,
        after_hours: template("templates.after_hours", &raw.after_hours)?,
        follow_ups: raw
            .follow_ups
            .iter()
            .enumerate()
            .map(|(i, t)| template(&format!("templates.follow_ups[{i}]"), t))
            .collect::<Result<_, _>>()?,
        help: template("templates.help", &raw.help)?,
    })
}

#[cfg(test)]
mod tests;
