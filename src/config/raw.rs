//! The configuration as a user writes it: every key with its default, strings as written, so
//! a file read and saved again loses nothing. [`super::Config::from_raw`] checks it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
    /// CRM endpoints that receive signed events; none when absent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<RawWebhook>,
}

/// One CRM endpoint (a Zapier, Make or n8n webhook, or a CRM's own): events are posted to
/// `url`, signed with the secret held in the environment variable `secret_env`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWebhook {
    pub url: String,
    /// The name of the environment variable holding the signing secret; the secret itself is
    /// never written in the file.
    pub secret_env: String,
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
    pub business_hours: RawTemplateText,
    #[serde(default = "defaults::after_hours")]
    pub after_hours: RawTemplateText,
    /// One text per follow-up step; the last one serves any further steps.
    #[serde(default = "defaults::follow_up_texts")]
    pub follow_ups: Vec<RawTemplateText>,
    /// The answer to HELP or INFO.
    #[serde(default = "defaults::help")]
    pub help: String,
}

impl Default for RawTemplates {
    fn default() -> Self {
        toml::from_str("").expect("every template has a default")
    }
}

/// A text-back or follow-up template as written: one text, or a list of named variants of which
/// one is picked at random, by weight, for each text (an A/B test).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum RawTemplateText {
    One(String),
    Variants(Vec<RawVariant>),
}

/// One variant of a template: `[[templates.business_hours]]` with a name, a text and a weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVariant {
    /// Recorded on each text as `<template>:<name>`, so results can be compared per variant.
    pub name: String,
    pub text: String,
    /// Relative share of texts; signed here so a negative weight is reported by the check
    /// rather than as a type error.
    #[serde(default = "defaults::weight")]
    pub weight: i64,
}

impl From<&str> for RawTemplateText {
    fn from(text: &str) -> Self {
        Self::One(text.to_owned())
    }
}

/// Read by hand rather than `untagged`, so a mistake inside a variant (a missing `text`, an
/// unknown key) is reported as itself instead of as "did not match any variant".
impl<'de> Deserialize<'de> for RawTemplateText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match toml::Value::deserialize(deserializer)? {
            toml::Value::String(text) => Ok(Self::One(text)),
            toml::Value::Array(items) => {
                let variants = toml::Value::Array(items)
                    .try_into::<Vec<RawVariant>>()
                    .map_err(|e| D::Error::custom(e.message().trim()))?;
                Ok(Self::Variants(variants))
            }
            other => Err(D::Error::custom(format!(
                "expected a text or a list of variants (name, text, weight), found {}",
                other.type_str()
            ))),
        }
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
    pub fn weight() -> i64 {
        1
    }
    pub fn business_hours() -> super::RawTemplateText {
        "Hi, this is {business}. Sorry we missed your call! Book at {booking_link} or just reply \
         here."
            .into()
    }
    pub fn after_hours() -> super::RawTemplateText {
        "Hi, this is {business}. We're closed right now, sorry we missed you. Book at \
         {booking_link} or reply here and we'll get back to you when we open."
            .into()
    }
    pub fn follow_up_texts() -> Vec<super::RawTemplateText> {
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
