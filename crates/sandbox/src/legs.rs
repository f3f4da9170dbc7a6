//! The call legs a missed (or caught) call leaves in Twilio's call log.
//!
//! A business number that forwards with `<Dial>` produces two legs per call: the caller's
//! `inbound` leg to the business number, and a child `outbound-dial` leg from Twilio to the
//! phone the call is forwarded to. The engine decides whether a call was missed from the child
//! leg's status (or from its absence), so each [`CallOutcome`] maps to the statuses Twilio
//! reports for that situation. Both legs have already ended when the sandbox records them.

use chrono::{DateTime, Duration, Utc};

use crate::model::{CallDirection, CallOutcome, CallStatus, SandboxCall};
use crate::sid::new_sid;

/// The phone every sandbox call is forwarded to: the front desk's line. It is in the 555-01xx
/// range that North American numbering keeps for fiction.
pub const FORWARD_TO: &str = "+15555550100";

/// What `answered_by` says when a forward reached a voicemail box after its greeting.
const VOICEMAIL_ANSWERED_BY: &str = "machine_end_beep";

/// How long each leg of an outcome lasted, and how the forward ended.
struct Shape {
    /// Seconds the caller's leg lasted.
    parent_s: i64,
    /// The forward's status and `answered_by`, or `None` when there was no forward.
    child: Option<(CallStatus, Option<&'static str>)>,
}

fn shape(outcome: CallOutcome) -> Shape {
    let (parent_s, child) = match outcome {
        CallOutcome::Answered => (127, Some((CallStatus::Completed, None))),
        CallOutcome::NoAnswer => (21, Some((CallStatus::NoAnswer, None))),
        CallOutcome::Busy => (4, Some((CallStatus::Busy, None))),
        CallOutcome::Canceled => (9, Some((CallStatus::Canceled, None))),
        CallOutcome::Failed => (3, Some((CallStatus::Failed, None))),
        CallOutcome::Voicemail => (
            48,
            Some((CallStatus::Completed, Some(VOICEMAIL_ANSWERED_BY))),
        ),
        CallOutcome::Hangup => (2, None),
    };
    Shape { parent_s, child }
}

/// The legs of a call from `caller` to the business number `business` that ended at `now`
/// with `outcome`: the parent first, then the forward if there was one.
///
/// The parent always `completed` (the caller reached Twilio and later hung up). The forward
/// starts a second after the parent, once Twilio has run the `<Dial>`, and ends with it; its
/// caller ID is the caller's number, as `<Dial>` passes it on by default.
pub(crate) fn legs(
    caller: &str,
    business: &str,
    outcome: CallOutcome,
    now: DateTime<Utc>,
) -> Vec<SandboxCall> {
    let shape = shape(outcome);
    let parent_start = now - Duration::seconds(shape.parent_s);
    let parent = SandboxCall {
        sid: new_sid("CA"),
        parent_call_sid: None,
        from: caller.to_owned(),
        to: business.to_owned(),
        status: CallStatus::Completed,
        direction: CallDirection::Inbound,
        start_time: parent_start,
        end_time: now,
        duration_s: seconds(shape.parent_s),
        answered_by: None,
    };

    let child = shape.child.map(|(status, answered_by)| {
        let start_time = parent_start + Duration::seconds(1);
        let connected = status == CallStatus::Completed;
        SandboxCall {
            sid: new_sid("CA"),
            parent_call_sid: Some(parent.sid.clone()),
            from: caller.to_owned(),
            to: FORWARD_TO.to_owned(),
            status,
            direction: CallDirection::OutboundDial,
            start_time,
            end_time: now,
            duration_s: if connected {
                seconds((now - start_time).num_seconds())
            } else {
                0
            },
            answered_by: answered_by.map(str::to_owned),
        }
    });

    std::iter::once(parent).chain(child).collect()
}

fn seconds(s: i64) -> u32 {
    u32::try_from(s.max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).expect("valid time")
    }

    /// An answered call has a completed forward with a real duration and no machine verdict.
    #[test]
    fn answered_call_has_a_connected_forward() {
        let legs = legs("+15551230001", "+15559870000", CallOutcome::Answered, now());

        let [parent, child] = legs.as_slice() else {
            panic!("two legs expected: {legs:?}")
        };
        assert_eq!(
            child.parent_call_sid.as_deref(),
            Some(parent.sid.as_str()),
            "linked legs"
        );
        assert_eq!(child.status, CallStatus::Completed, "the forward connected");
        assert!(child.duration_s > 0, "a connected forward has a duration");
        assert_eq!(child.answered_by, None, "a person answered");
        assert_eq!(child.to, FORWARD_TO, "the forward rings the front desk");
        assert!(
            child.start_time > parent.start_time,
            "the forward starts after the parent"
        );
        assert_eq!(parent.end_time, now(), "both legs end now");
    }

    /// A forward that was not answered has no duration.
    #[test]
    fn missed_forwards_have_zero_duration() {
        for (outcome, status) in [
            (CallOutcome::NoAnswer, CallStatus::NoAnswer),
            (CallOutcome::Busy, CallStatus::Busy),
            (CallOutcome::Canceled, CallStatus::Canceled),
            (CallOutcome::Failed, CallStatus::Failed),
        ] {
            let legs = legs("+15551230001", "+15559870000", outcome, now());

            assert_eq!(
                legs[0].status,
                CallStatus::Completed,
                "{outcome:?}: parent completed"
            );
            assert_eq!(legs[1].status, status, "{outcome:?}: forward status");
            assert_eq!(
                legs[1].duration_s, 0,
                "{outcome:?}: forward never connected"
            );
        }
    }

    /// A hangup leaves only the caller's short leg.
    #[test]
    fn hangup_has_no_forward() {
        let legs = legs("+15551230001", "+15559870000", CallOutcome::Hangup, now());

        assert_eq!(legs.len(), 1, "no forward was placed");
        assert!(legs[0].duration_s < 5, "the caller hung up quickly");
    }
}
