//! The list filters of `GET Calls.json` and `GET Messages.json`.
//!
//! Each filter remembers the parameters it was built from, in the order they came, because
//! Twilio repeats a list's filters in its `uri`, `first_page_uri` and `next_page_uri`: a client
//! that follows `next_page_uri` keeps its filters without re-sending them. Parameters Twilio
//! does not filter on are ignored, as Twilio ignores them.

use crate::api_error::TwilioError;
use crate::dates::{FilterTime, TimeRange};
use crate::model::{CallStatus, SandboxCall, SandboxMessage};

/// Query parameters as they came, decoded, in order.
pub(crate) type Params = [(String, String)];

/// What `GET Calls.json` keeps.
#[derive(Debug, Default)]
pub(crate) struct CallFilter {
    to: Option<String>,
    from: Option<String>,
    parent_call_sid: Option<String>,
    status: Option<CallStatus>,
    start_time: TimeRange,
    /// The parameters this filter was read from, to repeat in page links.
    pub(crate) echo: Vec<(String, String)>,
}

impl CallFilter {
    /// Reads `To`, `From`, `ParentCallSid`, `Status` and the `StartTime` bounds.
    pub(crate) fn parse(params: &Params) -> Result<Self, TwilioError> {
        let mut filter = Self::default();
        for (key, value) in params {
            let known = match key.as_str() {
                "To" => set(&mut filter.to, value),
                "From" => set(&mut filter.from, value),
                "ParentCallSid" => set(&mut filter.parent_call_sid, value),
                "Status" => {
                    let status = CallStatus::parse(value)
                        .ok_or_else(|| TwilioError::invalid_parameter(key, value))?;
                    filter.status = Some(status);
                    true
                }
                _ => apply_time_bound(&mut filter.start_time, "StartTime", key, value)?,
            };
            if known {
                filter.echo.push((key.clone(), value.clone()));
            }
        }
        Ok(filter)
    }

    /// Whether `call` passes every filter given.
    pub(crate) fn matches(&self, call: &SandboxCall) -> bool {
        equal_if_set(&self.to, &call.to)
            && equal_if_set(&self.from, &call.from)
            && self
                .parent_call_sid
                .as_ref()
                .is_none_or(|p| call.parent_call_sid.as_ref() == Some(p))
            && self.status.is_none_or(|status| call.status == status)
            && self.start_time.contains(call.start_time)
    }
}

/// What `GET Messages.json` keeps.
#[derive(Debug, Default)]
pub(crate) struct MessageFilter {
    to: Option<String>,
    from: Option<String>,
    date_sent: TimeRange,
    /// The parameters this filter was read from, to repeat in page links.
    pub(crate) echo: Vec<(String, String)>,
}

impl MessageFilter {
    /// Reads `To`, `From` and the `DateSent` bounds.
    pub(crate) fn parse(params: &Params) -> Result<Self, TwilioError> {
        let mut filter = Self::default();
        for (key, value) in params {
            let known = match key.as_str() {
                "To" => set(&mut filter.to, value),
                "From" => set(&mut filter.from, value),
                _ => apply_time_bound(&mut filter.date_sent, "DateSent", key, value)?,
            };
            if known {
                filter.echo.push((key.clone(), value.clone()));
            }
        }
        Ok(filter)
    }

    /// Whether `message` passes every filter given.
    pub(crate) fn matches(&self, message: &SandboxMessage) -> bool {
        equal_if_set(&self.to, &message.to)
            && equal_if_set(&self.from, &message.from)
            && self.date_sent.contains(message.date_sent)
    }
}

fn set(slot: &mut Option<String>, value: &str) -> bool {
    *slot = Some(value.to_owned());
    true
}

fn equal_if_set(wanted: &Option<String>, actual: &str) -> bool {
    wanted.as_deref().is_none_or(|wanted| wanted == actual)
}

/// Applies `key=value` to `range` if `key` is a bound of the time field `name`: `name` itself
/// for one day or second, `name>` for on or after, `name<` for on or before. A query string
/// `StartTime>=2024-01-01` arrives as the key `StartTime>`; the keys `StartTime>=` and
/// `StartTime<=` (from clients that encode the `=` too) are read the same way.
///
/// Returns whether the key was such a bound.
fn apply_time_bound(
    range: &mut TimeRange,
    name: &str,
    key: &str,
    value: &str,
) -> Result<bool, TwilioError> {
    let Some(operator) = key.strip_prefix(name) else {
        return Ok(false);
    };
    let apply: fn(&mut TimeRange, FilterTime) = match operator {
        "" => TimeRange::within,
        ">" | ">=" => TimeRange::on_or_after,
        "<" | "<=" => TimeRange::on_or_before,
        _ => return Ok(false),
    };

    let time =
        FilterTime::parse(value).ok_or_else(|| TwilioError::invalid_parameter(key, value))?;
    apply(range, time);
    Ok(true)
}
