//! Checking each section of a raw configuration and building its typed form. Every error names
//! the key it is about.

use super::variants::check_variants;
use super::*;
use chrono::Duration;
use chrono_tz::Tz;

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

pub(super) fn check_business(raw: &RawConfig) -> Result<Business, ConfigError> {
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

pub(super) fn check_provider(raw: &RawProvider) -> Result<ProviderSettings, ConfigError> {
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

pub(super) fn check_rules(raw: &RawRules, business: &Business) -> Result<Rules, ConfigError> {
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

pub(super) fn check_ingress(raw: &RawIngress) -> Result<Ingress, ConfigError> {
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

pub(super) fn check_backup(raw: &RawBackup) -> Result<Backup, ConfigError> {
    if raw.keep == 0 {
        return Err(ConfigError::new("backup.keep", "must be at least 1"));
    }
    Ok(Backup {
        enabled: raw.enabled,
        dir: raw.dir.as_ref().map(Into::into),
        keep: raw.keep,
    })
}

pub(super) fn check_templates(raw: &RawTemplates, steps: usize) -> Result<Templates, ConfigError> {
    if steps > 0 && raw.follow_ups.is_empty() {
        return Err(ConfigError::new(
            "templates.follow_ups",
            "follow-up steps are configured but no follow-up text is",
        ));
    }
    Ok(Templates {
        business_hours: check_variants("templates.business_hours", &raw.business_hours)?,
        after_hours: check_variants("templates.after_hours", &raw.after_hours)?,
        follow_ups: raw
            .follow_ups
            .iter()
            .enumerate()
            .map(|(i, t)| check_variants(&format!("templates.follow_ups[{i}]"), t))
            .collect::<Result<_, _>>()?,
        help: variants::template("templates.help", &raw.help)?,
    })
}

pub(super) fn check_webhooks(raw: &[RawWebhook]) -> Result<Vec<Webhook>, ConfigError> {
    let mut webhooks: Vec<Webhook> = Vec::with_capacity(raw.len());
    for (i, hook) in raw.iter().enumerate() {
        let url = hook.url.trim();
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .unwrap_or_default();
        if host.is_empty() || host.starts_with('/') || url.contains(char::is_whitespace) {
            return Err(ConfigError::new(
                format!("webhooks[{i}].url"),
                format!("{:?} is not an http:// or https:// address", hook.url),
            ));
        }
        if webhooks.iter().any(|w| w.url == url) {
            return Err(ConfigError::new(
                format!("webhooks[{i}].url"),
                format!("{url:?} is listed twice"),
            ));
        }
        let name = hook.secret_env.trim();
        let name_ok = name.chars().next().is_some_and(|c| !c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !name_ok {
            return Err(ConfigError::new(
                format!("webhooks[{i}].secret_env"),
                format!(
                    "{:?} is not an environment variable name like \"CRM_SECRET\"; the secret \
                     itself never goes in the file",
                    hook.secret_env
                ),
            ));
        }
        webhooks.push(Webhook {
            url: url.to_owned(),
            secret_env: name.to_owned(),
        });
    }
    Ok(webhooks)
}
