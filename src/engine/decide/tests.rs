use std::cell::RefCell;
use std::collections::HashSet;

use chrono::TimeZone;

use super::*;

/// Facts held in memory, so each rule can be checked alone.
#[derive(Default)]
struct Known {
    blocked: HashSet<String>,
    opted_out: HashSet<String>,
    not_mobile: HashSet<String>,
    last_exchange: Option<DateTime<Utc>>,
    texted: bool,
    sent_in_window: u32,
    asked: RefCell<Vec<&'static str>>,
}

impl Facts for Known {
    type Error = std::convert::Infallible;
    fn blocked(&self, n: &str) -> Result<bool, Self::Error> {
        self.asked.borrow_mut().push("blocked");
        Ok(self.blocked.contains(n))
    }
    fn opted_out(&self, n: &str) -> Result<bool, Self::Error> {
        Ok(self.opted_out.contains(n))
    }
    fn known_not_mobile(&self, n: &str) -> Result<bool, Self::Error> {
        Ok(self.not_mobile.contains(n))
    }
    fn last_exchange(&self, _: &str) -> Result<Option<DateTime<Utc>>, Self::Error> {
        Ok(self.last_exchange)
    }
    fn texted_since(&self, _: &str, _: DateTime<Utc>) -> Result<bool, Self::Error> {
        Ok(self.texted)
    }
    fn automatic_texts_since(&self, _: DateTime<Utc>) -> Result<u32, Self::Error> {
        Ok(self.sent_in_window)
    }
}

const CALLER: &str = "+12125550111";

fn config(extra: &str) -> Config {
    Config::from_toml(&format!(
        r#"
[business]
name = "Harbor Dental"
time_zone = "America/New_York"
numbers = ["+12125550100"]
booking_link = "https://harbor.example/book"
[provider]
kind = "twilio"
account_sid = "AC0123456789abcdef0123456789abcdef"
[[staff]]
name = "Dana"
number = "+12125550199"
{extra}
"#
    ))
    .expect("test config is valid")
}

/// Thursday 3 December 2026, 10:00 in New York.
fn ten_am() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 15, 0, 0).unwrap()
}

fn call(from: &str, outcome: CallOutcome) -> CallInput<'_> {
    CallInput {
        from,
        outcome,
        ended_at: ten_am(),
    }
}

fn verdict(config: &Config, call: &CallInput<'_>, facts: &Known) -> Decision {
    decide(config, call, ten_am(), facts).unwrap()
}

#[test]
fn a_missed_call_is_texted_after_the_grace() {
    let decision = verdict(
        &config(""),
        &call(CALLER, CallOutcome::NoAnswer),
        &Known::default(),
    );

    assert_eq!(
        decision,
        Decision::Text {
            to: CALLER.into(),
            due_at: ten_am() + Duration::seconds(15),
            template: TemplateChoice::BusinessHours
        },
        "texted 15 s after the call with the business-hours text"
    );
}

#[test]
fn each_rule_gives_its_reason() {
    let base = config("");
    let none = Known::default();
    let mut blocked = Known::default();
    blocked.blocked.insert(CALLER.into());
    let mut opted_out = Known::default();
    opted_out.opted_out.insert(CALLER.into());
    let mut not_mobile = Known::default();
    not_mobile.not_mobile.insert(CALLER.into());
    let active = Known {
        last_exchange: Some(ten_am() - Duration::hours(2)),
        ..Known::default()
    };
    let texted = Known {
        texted: true,
        ..Known::default()
    };
    let busy_hour = Known {
        sent_in_window: 60,
        ..Known::default()
    };
    let old = CallInput {
        ended_at: ten_am() - Duration::hours(2),
        ..call(CALLER, CallOutcome::Busy)
    };

    let cases: Vec<(&str, CallInput<'_>, &Known, SkipReason)> = vec![
        (
            "answered",
            call(CALLER, CallOutcome::Answered),
            &none,
            SkipReason::Answered,
        ),
        (
            "anonymous",
            call("anonymous", CallOutcome::NoAnswer),
            &none,
            SkipReason::Anonymous,
        ),
        (
            "garbage",
            call("+1555", CallOutcome::NoAnswer),
            &none,
            SkipReason::InvalidNumber,
        ),
        (
            "own line",
            call("+12125550100", CallOutcome::NoAnswer),
            &none,
            SkipReason::OwnNumber,
        ),
        (
            "staff",
            call("+12125550199", CallOutcome::NoAnswer),
            &none,
            SkipReason::OwnNumber,
        ),
        (
            "blocked",
            call(CALLER, CallOutcome::NoAnswer),
            &blocked,
            SkipReason::Blocked,
        ),
        (
            "opted out",
            call(CALLER, CallOutcome::NoAnswer),
            &opted_out,
            SkipReason::OptedOut,
        ),
        (
            "abroad",
            call("+447400123456", CallOutcome::NoAnswer),
            &none,
            SkipReason::CountryNotAllowed,
        ),
        (
            "landline",
            call(CALLER, CallOutcome::NoAnswer),
            &not_mobile,
            SkipReason::NotMobile,
        ),
        ("too old", old, &none, SkipReason::TooOld),
        (
            "talking",
            call(CALLER, CallOutcome::NoAnswer),
            &active,
            SkipReason::ActiveConversation,
        ),
        (
            "dedupe",
            call(CALLER, CallOutcome::NoAnswer),
            &texted,
            SkipReason::Dedupe,
        ),
        (
            "hourly cap",
            call(CALLER, CallOutcome::NoAnswer),
            &busy_hour,
            SkipReason::HourlyCap,
        ),
    ];
    for (name, call, facts, reason) in cases {
        assert_eq!(
            verdict(&base, &call, facts),
            Decision::Skip(reason),
            "{name}"
        );
    }
}

#[test]
fn voicemail_follows_the_owners_choice() {
    let counted = config("");
    let not_counted = config("[rules]\nvoicemail_counts_as_missed = false");
    let voicemail = call(CALLER, CallOutcome::Voicemail);

    let texted = verdict(&counted, &voicemail, &Known::default());
    let skipped = verdict(&not_counted, &voicemail, &Known::default());

    assert!(
        matches!(texted, Decision::Text { .. }),
        "voicemail counted as missed is texted"
    );
    assert_eq!(
        skipped,
        Decision::Skip(SkipReason::Voicemail),
        "otherwise it is not"
    );
}

#[test]
fn a_number_the_rules_reject_early_asks_the_database_nothing() {
    let facts = Known::default();

    verdict(
        &config(""),
        &call("anonymous", CallOutcome::NoAnswer),
        &facts,
    );

    assert!(
        facts.asked.borrow().is_empty(),
        "anonymous callers need no look-up"
    );
}

#[test]
fn the_daily_cap_applies_too() {
    let config = config("[rules]\ndaily_cap = 10\nhourly_cap = 100");
    let facts = Known {
        sent_in_window: 10,
        ..Known::default()
    };

    let decision = verdict(&config, &call(CALLER, CallOutcome::NoAnswer), &facts);

    assert_eq!(
        decision,
        Decision::Skip(SkipReason::DailyCap),
        "ten a day at most"
    );
}

#[test]
fn quiet_hours_queue_drop_or_list_for_staff() {
    let night = Utc.with_ymd_and_hms(2026, 12, 4, 3, 0, 0).unwrap(); // 22:00 in New York
    let next_morning = Utc.with_ymd_and_hms(2026, 12, 4, 13, 0, 0).unwrap(); // 08:00
    let missed = CallInput {
        ended_at: night,
        ..call(CALLER, CallOutcome::NoAnswer)
    };
    let run = |extra: &str| decide(&config(extra), &missed, night, &Known::default()).unwrap();

    let queued = run("[rules]\nquiet_hours_action = \"queue\"");
    let dropped = run("[rules]\nquiet_hours_action = \"drop\"");
    let listed = run("[rules]\nquiet_hours_action = \"staff-list\"");
    let off = run("[rules]\nquiet_hours = \"off\"");

    assert_eq!(
        queued,
        Decision::Text {
            to: CALLER.into(),
            due_at: next_morning,
            template: TemplateChoice::AfterHours
        },
        "queued for 08:00 with the after-hours text"
    );
    assert_eq!(dropped, Decision::Skip(SkipReason::QuietHours), "dropped");
    assert_eq!(
        listed,
        Decision::Skip(SkipReason::QuietHours),
        "listed for staff"
    );
    assert!(
        SkipReason::QuietHours.for_staff(&config("[rules]\nquiet_hours_action = \"staff-list\""))
    );
    assert!(
        matches!(off, Decision::Text { due_at, .. } if due_at == night + Duration::seconds(15)),
        "with quiet hours off the text goes at night"
    );
}

#[test]
fn a_grace_of_zero_texts_at_once() {
    let config = config("[rules]\ngrace = \"0s\"");

    let decision = verdict(
        &config,
        &call(CALLER, CallOutcome::NoAnswer),
        &Known::default(),
    );

    assert!(
        matches!(decision, Decision::Text { due_at, .. } if due_at == ten_am()),
        "no wait"
    );
}
