//! Deciding what happened on a call from the legs the provider reports.
//!
//! With Twilio, a business number that forwards with `<Dial>` has an inbound parent leg that
//! usually ends `completed` whatever happened, and a child `outbound-dial` leg per forward. The
//! child tells the story: answered, not answered, busy, failed, or picked up by a voicemail box.
//! A parent that itself ends `no-answer`, `busy`, `canceled` or `failed` never got that far, and
//! a parent with no child at all means the caller hung up before the forward rang.

use serde::{Deserialize, Serialize};
use textback_provider::{CallRecord, CallStatus};

/// How a call ended, from the business's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallOutcome {
    Answered,
    NoAnswer,
    Busy,
    Canceled,
    Failed,
    /// The forward reached a voicemail box.
    Voicemail,
    /// The caller hung up before the forward rang.
    Hangup,
}

impl CallOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Answered => "answered",
            Self::NoAnswer => "no-answer",
            Self::Busy => "busy",
            Self::Canceled => "canceled",
            Self::Failed => "failed",
            Self::Voicemail => "voicemail",
            Self::Hangup => "hangup",
        }
    }

    /// The outcome as the inbox words it, in lower case.
    pub fn in_words(self) -> &'static str {
        match self {
            Self::Answered => "answered",
            Self::NoAnswer => "no answer",
            Self::Busy => "busy",
            Self::Canceled => "caller hung up",
            Self::Failed => "failed",
            Self::Voicemail => "voicemail",
            Self::Hangup => "hung up",
        }
    }

    /// Whether nobody at the business spoke to the caller. Voicemail counts only when the
    /// owner says so.
    pub fn is_missed(self, voicemail_counts: bool) -> bool {
        match self {
            Self::Answered => false,
            Self::Voicemail => voicemail_counts,
            _ => true,
        }
    }
}

/// Classifies a finished parent leg given its child legs; `None` while any leg is still going.
pub fn classify(parent: &CallRecord, children: &[CallRecord]) -> Option<CallOutcome> {
    match parent.status {
        CallStatus::NoAnswer => return Some(CallOutcome::NoAnswer),
        CallStatus::Busy => return Some(CallOutcome::Busy),
        CallStatus::Canceled => return Some(CallOutcome::Canceled),
        CallStatus::Failed => return Some(CallOutcome::Failed),
        CallStatus::Completed => {}
        _ => return None,
    }
    if children.iter().any(|c| !c.status.is_final()) {
        return None;
    }
    if let Some(answered) = children.iter().find(|c| c.status == CallStatus::Completed) {
        let machine = answered
            .answered_by
            .as_deref()
            .is_some_and(|a| a.starts_with("machine"));
        return Some(if machine {
            CallOutcome::Voicemail
        } else {
            CallOutcome::Answered
        });
    }
    let last = children.iter().max_by_key(|c| c.start_time);
    Some(match last.map(|c| &c.status) {
        None => CallOutcome::Hangup,
        Some(CallStatus::Busy) => CallOutcome::Busy,
        Some(CallStatus::Canceled) => CallOutcome::Canceled,
        Some(CallStatus::Failed) => CallOutcome::Failed,
        Some(_) => CallOutcome::NoAnswer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg(status: &str, answered_by: Option<&str>) -> CallRecord {
        CallRecord {
            sid: "CA0".into(),
            parent_call_sid: None,
            from: "+12125550111".into(),
            to: "+12125550100".into(),
            status: CallStatus::parse(status),
            direction: "inbound".into(),
            start_time: None,
            end_time: None,
            duration_s: None,
            answered_by: answered_by.map(Into::into),
        }
    }

    #[test]
    fn the_child_leg_decides_a_forwarded_call() {
        let parent = leg("completed", None);
        let cases = [
            ("completed", None, CallOutcome::Answered),
            ("completed", Some("human"), CallOutcome::Answered),
            (
                "completed",
                Some("machine_end_beep"),
                CallOutcome::Voicemail,
            ),
            ("no-answer", None, CallOutcome::NoAnswer),
            ("busy", None, CallOutcome::Busy),
            ("canceled", None, CallOutcome::Canceled),
            ("failed", None, CallOutcome::Failed),
        ];
        for (status, by, expected) in cases {
            let child = leg(status, by);
            assert_eq!(
                classify(&parent, &[child]),
                Some(expected),
                "child {status} {by:?}"
            );
        }
    }

    #[test]
    fn a_parent_without_child_is_a_caller_who_hung_up() {
        assert_eq!(
            classify(&leg("completed", None), &[]),
            Some(CallOutcome::Hangup)
        );
    }

    #[test]
    fn a_parent_that_failed_itself_is_missed() {
        for status in ["no-answer", "busy", "canceled", "failed"] {
            let outcome = classify(&leg(status, None), &[]).expect("final");
            assert!(outcome.is_missed(true), "parent {status} is missed");
        }
    }

    #[test]
    fn unfinished_legs_wait() {
        assert_eq!(
            classify(&leg("in-progress", None), &[]),
            None,
            "parent still going"
        );
        let ringing = leg("ringing", None);
        assert_eq!(
            classify(&leg("completed", None), &[ringing]),
            None,
            "child still ringing"
        );
    }

    #[test]
    fn voicemail_is_missed_only_when_the_owner_says_so() {
        assert!(CallOutcome::Voicemail.is_missed(true), "counted");
        assert!(!CallOutcome::Voicemail.is_missed(false), "not counted");
        assert!(
            !CallOutcome::Answered.is_missed(true),
            "answered is never missed"
        );
    }
}
