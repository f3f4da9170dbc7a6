//! Telnyx call detail records, and how they fit the engine's parent-and-child view of a call.
//!
//! Twilio reports a forwarded call as an inbound parent leg that ends `completed` whatever
//! happened, plus a child leg per forward whose status tells the story. Telnyx's inbound leg
//! carries the story itself, in its `hangup_cause` and how long it was connected, so the client
//! gives the engine the inbound leg with a status derived from those (see [`leg_status`]): a
//! leg that was never answered reads `no-answer`, `busy`, `canceled` or `failed`, and the engine
//! decides from it alone.
//!
//! Only an answered leg reads `completed`, and for that the engine asks for the child legs. The
//! client then answers with one stand-in child, `completed` too, which makes the engine record
//! the call as answered (see [`stand_in_children`]); without it, a `completed` parent with no
//! children would read as a caller who hung up before anyone could answer.
//!
//! A `call.hangup` webhook is read into the same leg ([`hangup_leg`]), with the same status
//! and the same stand-in child, so a call learnt by webhook and by polling is one call, decided
//! alike.
//!
//! Limitation: the record's shape follows Telnyx's other detail records (`cli`, `cld`,
//! `direction`, `call_leg_id`, `call_session_id`) and its call-control webhooks
//! (`hangup_cause`); the `call-control` record type's own schema is not in Telnyx's published
//! reference, so `started_at`, `answered_at`, `ended_at` and `call_sec` are the names this
//! client assumes. A voicemail box that picks up reads as answered.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::lenient;
use super::webhook::{CallEvent, CallPhase};
use crate::{CallRecord, CallStatus};

/// The `filter[record_type]` of call detail records.
pub(super) const CALL_RECORD_TYPE: &str = "call-control";

/// One call leg's detail record.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct WireCallRecord {
    #[serde(default, deserialize_with = "lenient::optional_text")]
    id: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    call_leg_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    cli: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    cld: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    direction: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional_datetime")]
    started_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::optional_datetime")]
    answered_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::optional_datetime")]
    ended_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::optional_u32")]
    call_sec: Option<u32>,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    hangup_cause: Option<String>,
}

impl WireCallRecord {
    /// The leg's id: `call_leg_id`, or the record's `id` where that is missing.
    pub(super) fn leg_id(&self) -> Option<&str> {
        self.call_leg_id.as_deref().or(self.id.as_deref())
    }

    /// The leg as the engine sees it; `None` for a record without any id.
    pub(super) fn into_record(self) -> Option<CallRecord> {
        let sid = self.leg_id()?.to_owned();
        let answered = self.answered_at.is_some() || self.call_sec.unwrap_or(0) > 0;
        Some(CallRecord {
            sid,
            parent_call_sid: None,
            from: self.cli.unwrap_or_default(),
            to: self.cld.unwrap_or_default(),
            status: leg_status(self.hangup_cause.as_deref(), answered),
            direction: self.direction.unwrap_or_else(|| "inbound".to_owned()),
            start_time: self.started_at,
            end_time: self.ended_at,
            duration_s: self.call_sec,
            answered_by: None,
        })
    }
}

/// The status of a finished inbound leg, from its hangup cause and whether it was connected.
///
/// Causes, as Telnyx's `call.hangup` documents them: `user_busy` is busy; `timeout` and
/// `no_answer` rang out; `originator_cancel` is the caller hanging up while it rang;
/// `call_rejected` and `not_found` failed. `normal_clearing`, `time_limit`, `unspecified` and
/// any cause not listed mean the call ended normally, which was an answered call only if the
/// leg was ever connected; otherwise nobody picked up.
pub fn leg_status(hangup_cause: Option<&str>, answered: bool) -> CallStatus {
    match hangup_cause {
        Some("user_busy") => CallStatus::Busy,
        Some("timeout" | "no_answer") => CallStatus::NoAnswer,
        Some("originator_cancel") if !answered => CallStatus::Canceled,
        Some("call_rejected" | "not_found") if !answered => CallStatus::Failed,
        _ if answered => CallStatus::Completed,
        _ => CallStatus::NoAnswer,
    }
}

/// The inbound leg a `call.hangup` reports, as its detail record would list it; `None` for any
/// other phase or an event without a leg id.
///
/// `answered` says whether the leg was ever connected, which a hangup does not say itself: the
/// receiver knows it from a `call.answered` event for the same leg. The leg's id is its
/// `call_leg_id` (else its `call_control_id`), the id detail records carry, so polling and the
/// webhook name the call alike. Telnyx's `incoming` reads `inbound`, `outgoing` `outbound-dial`.
pub fn hangup_leg(event: &CallEvent, answered: bool) -> Option<CallRecord> {
    if event.phase != CallPhase::Hangup {
        return None;
    }
    let sid = event
        .call_leg_id
        .clone()
        .or_else(|| event.call_control_id.clone())?;
    let direction = match event.direction.as_deref() {
        None | Some("incoming" | "inbound") => "inbound",
        Some(_) => "outbound-dial",
    };
    let duration_s = event
        .start_time
        .zip(event.end_time)
        .and_then(|(start, end)| u32::try_from((end - start).num_seconds()).ok());
    Some(CallRecord {
        sid,
        parent_call_sid: None,
        from: event.from.clone(),
        to: event.to.clone(),
        status: leg_status(event.hangup_cause.as_deref(), answered),
        direction: direction.to_owned(),
        start_time: event.start_time,
        end_time: event.end_time,
        duration_s,
        answered_by: None,
    })
}

/// The child legs the engine is given for a finished inbound leg: the stand-in for whoever
/// picked up when the leg was answered, else none.
pub fn stand_in_children(leg: &CallRecord) -> Vec<CallRecord> {
    if leg.status == CallStatus::Completed {
        vec![answered_child(leg)]
    } else {
        Vec::new()
    }
}

/// The stand-in child leg of an answered inbound leg: whoever picked up.
fn answered_child(parent: &CallRecord) -> CallRecord {
    CallRecord {
        sid: format!("{}:answered", parent.sid),
        parent_call_sid: Some(parent.sid.clone()),
        direction: "outbound-dial".to_owned(),
        answered_by: None,
        ..parent.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(cause: &str, call_sec: u32) -> CallRecord {
        let wire = json!({
            "record_type": "call-control", "id": "r1", "call_leg_id": "leg-1",
            "call_session_id": "session-1", "cli": "+12125550111", "cld": "+12125550100",
            "direction": "inbound", "started_at": "2026-12-03T15:00:00Z",
            "ended_at": "2026-12-03T15:00:30Z", "call_sec": call_sec, "hangup_cause": cause
        });
        serde_json::from_value::<WireCallRecord>(wire)
            .expect("record should parse")
            .into_record()
            .expect("record has an id")
    }

    /// Each documented hangup cause gives the status the engine decides a missed call by.
    #[test]
    fn hangup_causes_map_to_statuses() {
        let cases = [
            ("normal_clearing", 25, CallStatus::Completed),
            ("normal_clearing", 0, CallStatus::NoAnswer),
            ("user_busy", 0, CallStatus::Busy),
            ("timeout", 0, CallStatus::NoAnswer),
            ("no_answer", 0, CallStatus::NoAnswer),
            ("originator_cancel", 0, CallStatus::Canceled),
            ("originator_cancel", 40, CallStatus::Completed),
            ("call_rejected", 0, CallStatus::Failed),
            ("not_found", 0, CallStatus::Failed),
            ("time_limit", 3600, CallStatus::Completed),
            ("something_new", 0, CallStatus::NoAnswer),
        ];

        for (cause, call_sec, expected) in cases {
            let leg = record(cause, call_sec);

            assert_eq!(leg.status, expected, "{cause} after {call_sec}s");
        }
    }

    /// The leg keeps its numbers, times and id.
    #[test]
    fn record_fields_are_kept() {
        let leg = record("normal_clearing", 25);

        assert_eq!(leg.sid, "leg-1", "call_leg_id is the sid");
        assert_eq!(leg.from, "+12125550111", "cli is the caller");
        assert_eq!(leg.to, "+12125550100", "cld is the business");
        assert_eq!(leg.direction, "inbound", "direction");
        assert_eq!(leg.duration_s, Some(25), "call_sec");
        assert!(leg.start_time.is_some() && leg.end_time.is_some(), "times");
    }

    /// The stand-in child names its parent and is answered.
    #[test]
    fn answered_child_points_at_its_parent() {
        let parent = record("normal_clearing", 25);

        let child = answered_child(&parent);

        assert_eq!(
            child.parent_call_sid.as_deref(),
            Some("leg-1"),
            "parent link"
        );
        assert_eq!(child.status, CallStatus::Completed, "answered");
        assert_ne!(child.sid, parent.sid, "a sid of its own");
    }

    fn hangup(cause: &str) -> CallEvent {
        CallEvent {
            phase: CallPhase::Hangup,
            call_control_id: Some("v3:control-1".into()),
            call_leg_id: Some("leg-1".into()),
            call_session_id: Some("session-1".into()),
            from: "+12125550111".into(),
            to: "+12125550100".into(),
            direction: Some("incoming".into()),
            start_time: "2026-12-03T15:00:00Z".parse().ok(),
            end_time: "2026-12-03T15:00:30Z".parse().ok(),
            hangup_cause: Some(cause.into()),
            hangup_source: Some("caller".into()),
        }
    }

    /// A hangup reads into the leg its detail record gives, with the same status and child.
    #[test]
    fn hangup_reads_as_the_detail_record_does() {
        let cases = [
            ("normal_clearing", true, 30, CallStatus::Completed),
            ("normal_clearing", false, 0, CallStatus::NoAnswer),
            ("timeout", false, 0, CallStatus::NoAnswer),
            ("user_busy", false, 0, CallStatus::Busy),
            ("originator_cancel", false, 0, CallStatus::Canceled),
        ];

        for (cause, answered, call_sec, expected) in cases {
            let pushed = hangup_leg(&hangup(cause), answered).expect("a hangup has a leg");
            let polled = record(cause, call_sec);

            assert_eq!(pushed.status, expected, "{cause}, answered {answered}");
            assert_eq!(pushed.status, polled.status, "{cause}: as polling reads it");
            assert_eq!(pushed.sid, polled.sid, "{cause}: the same call id");
            assert_eq!(
                stand_in_children(&pushed).len(),
                stand_in_children(&polled).len(),
                "{cause}: the same children"
            );
        }
        assert_eq!(
            hangup_leg(&hangup("timeout"), false).map(|l| l.direction),
            Some("inbound".to_owned()),
            "incoming is inbound"
        );
    }

    /// Only a hangup ends a leg.
    #[test]
    fn other_phases_end_nothing() {
        let answered = CallEvent {
            phase: CallPhase::Answered,
            ..hangup("normal_clearing")
        };

        assert_eq!(hangup_leg(&answered, true), None, "an answer is not an end");
    }
}
