//! Whether to text a caller back, and when.
//!
//! [`decide`] walks the rules in a fixed order and stops at the first "no", which becomes the
//! call's skip reason: the order is the order of the questions a careful receptionist would ask
//! (is this a real caller? may we text them at all? should we, right now?). Facts that need the
//! database are asked through [`Facts`], only when the rule before them has passed.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use textback_text::phone::{self, NumberKind};

use super::classify::CallOutcome;
use crate::config::{Config, QuietHoursAction};

/// Why a missed call was not texted. The codes are stable: metrics and exports use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    Answered,
    /// Voicemail, when the owner does not count it as missed.
    Voicemail,
    Anonymous,
    InvalidNumber,
    OwnNumber,
    Blocked,
    OptedOut,
    CountryNotAllowed,
    NotMobile,
    ActiveConversation,
    Dedupe,
    DailyCap,
    HourlyCap,
    TooOld,
    QuietHours,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Answered => "answered",
            Self::Voicemail => "voicemail",
            Self::Anonymous => "anonymous",
            Self::InvalidNumber => "invalid_number",
            Self::OwnNumber => "own_number",
            Self::Blocked => "blocked",
            Self::OptedOut => "opted_out",
            Self::CountryNotAllowed => "country_not_allowed",
            Self::NotMobile => "not_mobile",
            Self::ActiveConversation => "active_conversation",
            Self::Dedupe => "dedupe",
            Self::DailyCap => "daily_cap",
            Self::HourlyCap => "hourly_cap",
            Self::TooOld => "too_old",
            Self::QuietHours => "quiet_hours",
        }
    }

    /// Whether the call should be shown to staff to handle by hand.
    pub fn for_staff(self, config: &Config) -> bool {
        match self {
            Self::TooOld | Self::ActiveConversation => true,
            Self::QuietHours => config.rules.quiet_hours_action == QuietHoursAction::StaffList,
            _ => false,
        }
    }
}

/// Which template a text-back uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateChoice {
    BusinessHours,
    AfterHours,
}

impl TemplateChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BusinessHours => "business_hours",
            Self::AfterHours => "after_hours",
        }
    }
}

/// The verdict on one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Text `to` (the caller in E.164) at `due_at`.
    Text {
        to: String,
        due_at: DateTime<Utc>,
        template: TemplateChoice,
    },
    Skip(SkipReason),
}

/// What the rules need to know from the database.
pub trait Facts {
    type Error;
    fn blocked(&self, number: &str) -> Result<bool, Self::Error>;
    fn opted_out(&self, number: &str) -> Result<bool, Self::Error>;
    fn known_not_mobile(&self, number: &str) -> Result<bool, Self::Error>;
    /// When the customer or staff last wrote in an open conversation with `number`.
    fn last_exchange(&self, number: &str) -> Result<Option<DateTime<Utc>>, Self::Error>;
    /// Whether a text-back to `number` was sent or scheduled since `since`.
    fn texted_since(&self, number: &str, since: DateTime<Utc>) -> Result<bool, Self::Error>;
    /// How many automatic texts were sent or scheduled since `since`.
    fn automatic_texts_since(&self, since: DateTime<Utc>) -> Result<u32, Self::Error>;
}

/// A call, as far as the rules are concerned.
#[derive(Debug, Clone)]
pub struct CallInput<'a> {
    pub from: &'a str,
    pub outcome: CallOutcome,
    pub ended_at: DateTime<Utc>,
}

/// Decides whether and when to text the caller of a finished call.
pub fn decide<F: Facts>(
    config: &Config,
    call: &CallInput<'_>,
    now: DateTime<Utc>,
    facts: &F,
) -> Result<Decision, F::Error> {
    use SkipReason::*;
    let rules = &config.rules;
    let skip = |reason| Ok(Decision::Skip(reason));

    if call.outcome == CallOutcome::Voicemail && !rules.voicemail_counts_as_missed {
        return skip(Voicemail);
    }
    if !call.outcome.is_missed(rules.voicemail_counts_as_missed) {
        return skip(Answered);
    }
    if phone::is_anonymous(call.from) {
        return skip(Anonymous);
    }
    let Ok(caller) = phone::parse(call.from, Some(&config.business.country)) else {
        return skip(InvalidNumber);
    };
    if !caller.valid {
        return skip(InvalidNumber);
    }
    let number = caller.e164.as_str();
    if config.is_own_number(number) {
        return skip(OwnNumber);
    }
    if facts.blocked(number)? {
        return skip(Blocked);
    }
    if facts.opted_out(number)? {
        return skip(OptedOut);
    }
    let country_ok = caller
        .country
        .as_ref()
        .is_some_and(|c| rules.allowed_countries.contains(c));
    if !country_ok {
        return skip(CountryNotAllowed);
    }
    let landline = matches!(caller.kind, NumberKind::FixedLine | NumberKind::Premium);
    if landline || facts.known_not_mobile(number)? {
        return skip(NotMobile);
    }
    if now - call.ended_at > rules.max_call_age {
        return skip(TooOld);
    }
    if facts
        .last_exchange(number)?
        .is_some_and(|at| now - at < rules.active_window)
    {
        return skip(ActiveConversation);
    }
    if facts.texted_since(number, now - rules.dedupe_window)? {
        return skip(Dedupe);
    }
    if facts.automatic_texts_since(now - Duration::hours(1))? >= rules.hourly_cap {
        return skip(HourlyCap);
    }
    if facts.automatic_texts_since(now - Duration::days(1))? >= rules.daily_cap {
        return skip(DailyCap);
    }

    let mut due_at = (call.ended_at + rules.grace).max(now);
    if let Some(window) = rules.send_window {
        let open = window.next_open(due_at, config.business.time_zone);
        if open != due_at {
            match rules.quiet_hours_action {
                QuietHoursAction::Queue => due_at = open,
                QuietHoursAction::Drop | QuietHoursAction::StaffList => return skip(QuietHours),
            }
        }
    }
    let template = if config
        .business
        .hours
        .is_open(call.ended_at, config.business.time_zone)
    {
        TemplateChoice::BusinessHours
    } else {
        TemplateChoice::AfterHours
    };
    Ok(Decision::Text {
        to: caller.e164,
        due_at,
        template,
    })
}

#[cfg(test)]
mod tests;
