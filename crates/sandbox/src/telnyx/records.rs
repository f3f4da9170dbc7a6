//! `GET /v2/detail_records` for `call-control` and `messaging` records.
//!
//! A call's legs become one inbound call-control record whose `hangup_cause` and `call_sec`
//! tell how it ended, the shape the Telnyx client reads (see its `calls` module for which
//! fields Telnyx documents and which are assumed). Messages become message detail records,
//! without their text, as Telnyx's are.
//!
//! Filters: `filter[record_type]` (required), `filter[cld]`, `filter[cli]`,
//! `filter[direction]`, `filter[call_leg_id]`, and `filter[started_at][gte]` (calls) or
//! `filter[created_at][gte]` (messages). Any other filter is refused, so a client asking for
//! something the sandbox cannot honour learns it rather than getting everything. Records come
//! newest first (`sort=-started_at` or `-created_at`; the ascending forms reverse that), a page
//! at a time by `page[number]` and `page[size]`, with `meta.total_pages`.

use axum::extract::{Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::error::TelnyxError;
use super::instant;
use crate::model::{CallDirection, CallStatus, MessageDirection, SandboxCall, SandboxMessage};
use crate::Sandbox;

/// The largest `page[size]` accepted.
const MAX_PAGE_SIZE: usize = 250;
/// The page size when none is asked for.
const DEFAULT_PAGE_SIZE: usize = 20;

/// One page of detail records.
pub(super) async fn search(
    State(sandbox): State<Sandbox>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, TelnyxError> {
    let param = |name: &str| {
        params
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let invalid =
        |name: &str, detail: String| TelnyxError::invalid(10015, "Bad Request", name, detail);

    let record_type = param("filter[record_type]").ok_or_else(|| {
        invalid(
            "filter[record_type]",
            "filter[record_type] is required.".into(),
        )
    })?;
    let (date_filter, sort_field) = match record_type {
        "call-control" => ("filter[started_at][gte]", "started_at"),
        "messaging" => ("filter[created_at][gte]", "created_at"),
        other => {
            return Err(invalid(
                "filter[record_type]",
                format!("Unsupported record type {other:?}."),
            ))
        }
    };
    let known = [
        "filter[record_type]",
        "filter[cld]",
        "filter[cli]",
        "filter[direction]",
        date_filter,
    ];
    let call_filter = record_type == "call-control";
    for (name, _) in &params {
        let allowed = known.contains(&name.as_str())
            || (call_filter && name == "filter[call_leg_id]")
            || !name.starts_with("filter[");
        if !allowed {
            return Err(invalid(
                name,
                format!("The filter {name} is not supported."),
            ));
        }
    }
    let since = match param(date_filter) {
        Some(text) => Some(
            DateTime::parse_from_rfc3339(text)
                .map_err(|_| invalid(date_filter, format!("{text:?} is not an RFC 3339 time.")))?
                .with_timezone(&Utc),
        ),
        None => None,
    };
    let ascending = match param("sort") {
        None => false,
        Some(s) if s == format!("-{sort_field}") => false,
        Some(s) if s == sort_field => true,
        Some(s) => return Err(invalid("sort", format!("Cannot sort by {s:?}."))),
    };
    let number = page_param(param("page[number]"), "page[number]", 1, usize::MAX)?;
    let size = page_param(
        param("page[size]"),
        "page[size]",
        DEFAULT_PAGE_SIZE,
        MAX_PAGE_SIZE,
    )?;

    let matches = |field: &str, value: &str| param(field).is_none_or(|want| want == value);
    let mut records: Vec<Value> = if record_type == "call-control" {
        let calls = sandbox.calls();
        calls
            .iter()
            .filter(|c| c.direction == CallDirection::Inbound && c.parent_call_sid.is_none())
            .filter(|c| since.is_none_or(|s| c.start_time >= s))
            .filter(|c| matches("filter[cld]", &c.to) && matches("filter[cli]", &c.from))
            .filter(|c| {
                matches("filter[direction]", "inbound") && matches("filter[call_leg_id]", &c.sid)
            })
            .map(|parent| {
                call_record(
                    parent,
                    calls
                        .iter()
                        .find(|c| c.parent_call_sid.as_deref() == Some(&parent.sid)),
                )
            })
            .collect()
    } else {
        sandbox
            .messages()
            .iter()
            .filter(|m| since.is_none_or(|s| m.date_created >= s))
            .filter(|m| matches("filter[cld]", &m.to) && matches("filter[cli]", &m.from))
            .filter(|m| matches("filter[direction]", direction(m)))
            .map(message_record)
            .collect()
    };
    if !ascending {
        records.reverse();
    }

    let total = records.len();
    let total_pages = total.div_ceil(size);
    let page: Vec<Value> = records
        .into_iter()
        .skip((number - 1).saturating_mul(size))
        .take(size)
        .collect();
    Ok(Json(json!({
        "data": page,
        "meta": {"total_pages": total_pages, "total_results": total, "page_number": number, "page_size": size},
    })))
}

fn page_param(
    value: Option<&str>,
    name: &str,
    default: usize,
    max: usize,
) -> Result<usize, TelnyxError> {
    let Some(value) = value else {
        return Ok(default);
    };
    value
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| {
            TelnyxError::invalid(
                10015,
                "Bad Request",
                name,
                format!("Invalid value {value:?} for {name}."),
            )
        })
}

/// The inbound leg `parent`, with its forward `child` if there was one, as a call record.
fn call_record(parent: &SandboxCall, child: Option<&SandboxCall>) -> Value {
    let answered = answered_forward(child);
    let (cause, source) = hangup(child);
    json!({
        "record_type": "call-control",
        "id": parent.sid,
        "call_leg_id": parent.sid,
        "call_session_id": format!("session-{}", parent.sid),
        "cli": parent.from,
        "cld": parent.to,
        "direction": "inbound",
        "started_at": instant(parent.start_time),
        "answered_at": answered.map(|c| instant(c.start_time)),
        "ended_at": instant(parent.end_time),
        "call_sec": answered.map_or(0, |c| c.duration_s),
        "hangup_cause": cause,
        "hangup_source": source,
    })
}

/// The forward that connected the caller to someone, if one did.
pub(super) fn answered_forward(child: Option<&SandboxCall>) -> Option<&SandboxCall> {
    child.filter(|c| c.status == CallStatus::Completed)
}

/// The inbound leg's `hangup_cause` and `hangup_source`, from how its forward ended (or that
/// there was none): what a detail record and a `call.hangup` webhook both say.
pub(super) fn hangup(child: Option<&SandboxCall>) -> (&'static str, &'static str) {
    match child.map(|c| c.status) {
        None => ("originator_cancel", "caller"),
        Some(CallStatus::Completed) => ("normal_clearing", "caller"),
        Some(CallStatus::Busy) => ("user_busy", "callee"),
        Some(CallStatus::Canceled) => ("originator_cancel", "caller"),
        Some(CallStatus::Failed) => ("call_rejected", "callee"),
        Some(_) => ("timeout", "unknown"),
    }
}

fn direction(message: &SandboxMessage) -> &'static str {
    match message.direction {
        MessageDirection::Inbound => "inbound",
        MessageDirection::OutboundApi => "outbound",
    }
}

/// A message as a message detail record: no text, as Telnyx's have none.
fn message_record(message: &SandboxMessage) -> Value {
    let inbound = message.direction == MessageDirection::Inbound;
    json!({
        "record_type": "message_detail_record",
        "uuid": message.sid,
        "cli": message.from,
        "cld": message.to,
        "direction": direction(message),
        "message_type": "SMS",
        "status": if inbound { "received" } else { "delivered" },
        "parts": message.num_segments,
        "created_at": instant(message.date_created),
        "sent_at": instant(message.date_sent),
        "completed_at": instant(message.date_sent),
        "errors": [],
    })
}
