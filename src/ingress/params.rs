//! Reading Twilio's webhook parameters into the engine's types, refusing what does not fit.
//!
//! Only the parameters the engine uses are read; Twilio sends many more and adds new ones
//! without notice, so unknown parameters are never an error. A value the engine relies on that
//! is missing or malformed (a SID of the wrong shape, an unknown status, a timestamp that is
//! not a date) is refused with a 400 naming the parameter.

use chrono::{DateTime, Utc};
use textback_provider::CallStatus;

use super::request::{Params, Refusal};
use crate::engine::{CallStatusUpdate, DialEnded, InboundSms, MessageStatusUpdate};

/// A parent or child leg's status callback.
pub fn call_status(params: &Params) -> Result<CallStatusUpdate, Refusal> {
    Ok(CallStatusUpdate {
        call_sid: sid(params, "CallSid", &["CA"])?,
        parent_call_sid: optional_sid(params, "ParentCallSid", &["CA"])?,
        from: params.required("From")?.to_owned(),
        to: params.required("To")?.to_owned(),
        status: call_status_value(params, "CallStatus")?,
        direction: params.required("Direction")?.to_owned(),
        timestamp: timestamp(params)?,
        duration_s: number(params, "CallDuration")?,
    })
}

/// The request a `<Dial action>` makes when the forward ends.
pub fn dial_ended(params: &Params) -> Result<DialEnded, Refusal> {
    let call_sid = sid(params, "CallSid", &["CA"])?;
    let from = params.required("From")?.to_owned();
    let to = params.required("To")?.to_owned();
    let dial_status = match params.required("DialCallStatus")? {
        // The forward was answered and bridged to the caller.
        "answered" => CallStatus::Completed,
        other => known_final_status("DialCallStatus", other)?,
    };
    Ok(DialEnded {
        call_sid,
        from,
        to,
        dial_status,
        dial_call_sid: optional_sid(params, "DialCallSid", &["CA"])?,
        answered_by: params.first_of(&["AnsweredBy"]).map(str::to_owned),
    })
}

/// A customer's text.
pub fn inbound_sms(params: &Params) -> Result<InboundSms, Refusal> {
    let message_sid = params
        .first_of(&["MessageSid", "SmsSid"])
        .ok_or_else(|| Refusal::bad_request("missing parameter MessageSid"))?;
    check_sid("MessageSid", message_sid, &["SM", "MM"])?;
    Ok(InboundSms {
        message_sid: message_sid.to_owned(),
        from: params.required("From")?.to_owned(),
        to: params.required("To")?.to_owned(),
        body: params.get("Body").unwrap_or_default().to_owned(),
    })
}

/// A delivery status of a text the business sent.
pub fn message_status(params: &Params) -> Result<MessageStatusUpdate, Refusal> {
    let message_sid = params
        .first_of(&["MessageSid", "SmsSid"])
        .ok_or_else(|| Refusal::bad_request("missing parameter MessageSid"))?;
    check_sid("MessageSid", message_sid, &["SM", "MM"])?;
    let status = params
        .first_of(&["MessageStatus", "SmsStatus"])
        .ok_or_else(|| Refusal::bad_request("missing parameter MessageStatus"))?;
    if !status.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        return Err(Refusal::bad_request(format!(
            "MessageStatus: {status:?} is not a status"
        )));
    }
    Ok(MessageStatusUpdate {
        message_sid: message_sid.to_owned(),
        status: status.to_owned(),
        error_code: number(params, "ErrorCode")?,
    })
}

fn sid(params: &Params, name: &str, prefixes: &[&str]) -> Result<String, Refusal> {
    let value = params.required(name)?;
    check_sid(name, value, prefixes)?;
    Ok(value.to_owned())
}

fn optional_sid(params: &Params, name: &str, prefixes: &[&str]) -> Result<Option<String>, Refusal> {
    match params.get(name).filter(|v| !v.is_empty()) {
        Some(value) => check_sid(name, value, prefixes).map(|()| Some(value.to_owned())),
        None => Ok(None),
    }
}

/// A SID is two letters naming its kind and 32 hex digits.
fn check_sid(name: &str, value: &str, prefixes: &[&str]) -> Result<(), Refusal> {
    let shaped = value.len() == 34
        && prefixes.iter().any(|p| value.starts_with(p))
        && value[2..].bytes().all(|b| b.is_ascii_hexdigit());
    if shaped {
        Ok(())
    } else {
        Err(Refusal::bad_request(format!(
            "{name}: {value:?} is not a {} SID",
            prefixes.join(" or ")
        )))
    }
}

fn call_status_value(params: &Params, name: &str) -> Result<CallStatus, Refusal> {
    let value = params.required(name)?;
    match CallStatus::parse(value) {
        CallStatus::Other(_) => Err(Refusal::bad_request(format!(
            "{name}: {value:?} is not a call status"
        ))),
        status => Ok(status),
    }
}

fn known_final_status(name: &str, value: &str) -> Result<CallStatus, Refusal> {
    let status = CallStatus::parse(value);
    if status.is_final() {
        Ok(status)
    } else {
        Err(Refusal::bad_request(format!(
            "{name}: {value:?} is not the status of a finished call"
        )))
    }
}

/// `Timestamp`, in the RFC 2822 form Twilio writes dates in.
fn timestamp(params: &Params) -> Result<Option<DateTime<Utc>>, Refusal> {
    match params.get("Timestamp").filter(|v| !v.is_empty()) {
        Some(value) => DateTime::parse_from_rfc2822(value)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| {
                Refusal::bad_request(format!("Timestamp: {value:?} is not an RFC 2822 date"))
            }),
        None => Ok(None),
    }
}

fn number(params: &Params, name: &str) -> Result<Option<u32>, Refusal> {
    match params.get(name).filter(|v| !v.is_empty()) {
        Some(value) => value
            .parse()
            .map(Some)
            .map_err(|_| Refusal::bad_request(format!("{name}: {value:?} is not a whole number"))),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARENT: &str = "CA0123456789abcdef0123456789abcdef";

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn reads_a_dial_action() {
        let dial = dial_ended(&params(&[
            ("CallSid", PARENT),
            ("From", "+12125550111"),
            ("To", "+12125550100"),
            ("DialCallStatus", "answered"),
            ("CallStatus", "in-progress"),
        ]))
        .unwrap();

        assert_eq!(
            dial.dial_status,
            CallStatus::Completed,
            "answered is completed"
        );
        assert_eq!(dial.dial_call_sid, None, "no forward SID sent");
    }

    #[test]
    fn names_the_parameter_that_is_wrong() {
        let cases = [
            (
                vec![("From", "+1"), ("To", "+1")],
                "missing parameter CallSid",
            ),
            (
                vec![("CallSid", "CA1"), ("From", "+1"), ("To", "+1")],
                "CallSid: \"CA1\" is not a CA SID",
            ),
            (
                vec![
                    ("CallSid", PARENT),
                    ("From", "+1"),
                    ("To", "+1"),
                    ("DialCallStatus", "ringing"),
                ],
                "DialCallStatus: \"ringing\" is not the status of a finished call",
            ),
        ];
        for (pairs, message) in cases {
            let refusal = dial_ended(&params(&pairs)).unwrap_err();
            assert_eq!(refusal.message, message, "{pairs:?}");
        }
        let bad_time = call_status(&params(&[
            ("CallSid", PARENT),
            ("From", "+1"),
            ("To", "+1"),
            ("CallStatus", "completed"),
            ("Direction", "inbound"),
            ("Timestamp", "yesterday"),
        ]))
        .unwrap_err();
        assert_eq!(
            bad_time.message, "Timestamp: \"yesterday\" is not an RFC 2822 date",
            "a bad timestamp"
        );
    }
}
