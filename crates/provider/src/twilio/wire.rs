//! Twilio's JSON shapes, as far as Textback reads them, and their conversion into records.
//!
//! Only the fields the engine uses are declared; everything else Twilio sends (prices,
//! subresource URIs, ...) is ignored, so a provider adding fields never breaks a poll. Fields
//! that compatible providers write differently go through the [`lenient`] helpers.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::lenient;
use crate::{CallRecord, CallStatus, MessageRecord};

/// One page of a list answer: its records and where the next page is, if any.
pub(super) trait ListPage: DeserializeOwned {
    type Record;

    /// The page's records, converted, and its `next_page_uri` (absent when this is the last).
    fn into_parts(self) -> (Vec<Self::Record>, Option<String>);
}

/// A page of `Calls.json`.
#[derive(Debug, Deserialize)]
pub(super) struct CallPage {
    #[serde(default)]
    calls: Vec<WireCall>,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    next_page_uri: Option<String>,
}

impl ListPage for CallPage {
    type Record = CallRecord;

    fn into_parts(self) -> (Vec<CallRecord>, Option<String>) {
        let records = self.calls.into_iter().map(CallRecord::from).collect();
        (records, self.next_page_uri)
    }
}

/// A page of `Messages.json`.
#[derive(Debug, Deserialize)]
pub(super) struct MessagePage {
    #[serde(default)]
    messages: Vec<WireMessage>,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    next_page_uri: Option<String>,
}

impl ListPage for MessagePage {
    type Record = MessageRecord;

    fn into_parts(self) -> (Vec<MessageRecord>, Option<String>) {
        let records = self.messages.into_iter().map(MessageRecord::from).collect();
        (records, self.next_page_uri)
    }
}

/// A call resource.
#[derive(Debug, Deserialize)]
pub(super) struct WireCall {
    sid: String,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    parent_call_sid: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional_datetime")]
    start_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::optional_datetime")]
    end_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::optional_u32")]
    duration: Option<u32>,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    answered_by: Option<String>,
}

impl From<WireCall> for CallRecord {
    fn from(call: WireCall) -> Self {
        Self {
            sid: call.sid,
            parent_call_sid: call.parent_call_sid,
            from: call.from.unwrap_or_default(),
            to: call.to.unwrap_or_default(),
            status: CallStatus::parse(call.status.as_deref().unwrap_or_default()),
            direction: call.direction.unwrap_or_default(),
            start_time: call.start_time,
            end_time: call.end_time,
            duration_s: call.duration,
            answered_by: call.answered_by,
        }
    }
}

/// A message resource, as listed, fetched or just created.
#[derive(Debug, Deserialize)]
pub(super) struct WireMessage {
    sid: String,
    /// Null when a messaging service picks the sender.
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional_datetime")]
    date_created: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::optional_datetime")]
    date_sent: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::optional_u32")]
    error_code: Option<u32>,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    error_message: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional_u32")]
    num_segments: Option<u32>,
}

impl From<WireMessage> for MessageRecord {
    fn from(message: WireMessage) -> Self {
        Self {
            sid: message.sid,
            from: message.from.unwrap_or_default(),
            to: message.to.unwrap_or_default(),
            body: message.body.unwrap_or_default(),
            status: message.status.unwrap_or_default(),
            direction: message.direction.unwrap_or_default(),
            date_created: message.date_created,
            date_sent: message.date_sent,
            error_code: message.error_code,
            error_message: message.error_message,
            num_segments: message.num_segments,
        }
    }
}

/// Twilio's error body: `{"code": 21610, "message": "...", "more_info": "...", "status": 400}`.
#[derive(Debug, Deserialize)]
pub(super) struct WireError {
    #[serde(default, deserialize_with = "lenient::optional_u32")]
    pub code: Option<u32>,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    pub more_info: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    /// A call from Twilio's OpenAPI example reads into every field the engine uses.
    #[test]
    fn call_example_reads_into_record() {
        let page = json!({
            "calls": [{
                "account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "answered_by": "machine_start",
                "date_created": "Fri, 18 Oct 2019 17:00:00 +0000",
                "direction": "outbound-dial",
                "duration": "4",
                "end_time": "Fri, 18 Oct 2019 17:03:00 +0000",
                "from": "+13051416799",
                "parent_call_sid": "CAdeadbeefdeadbeefdeadbeefdeadbeef",
                "price": "-0.200",
                "sid": "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "start_time": "Fri, 18 Oct 2019 17:02:00 +0000",
                "status": "no-answer",
                "subresource_uris": {"events": "/2010-04-01/Accounts/AC/Calls/CA/Events.json"},
                "to": "+13051913581",
                "queue_time": "1000"
            }],
            "next_page_uri": null,
            "page": 0
        });

        let page: CallPage = serde_json::from_value(page).expect("example page should parse");
        let (calls, next) = page.into_parts();

        assert_eq!(next, None, "a null next_page_uri means the last page");
        assert_eq!(calls.len(), 1, "one call in the example");
        let call = &calls[0];
        assert_eq!(call.sid, "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "sid");
        assert_eq!(
            call.parent_call_sid.as_deref(),
            Some("CAdeadbeefdeadbeefdeadbeefdeadbeef"),
            "parent leg"
        );
        assert_eq!(
            call.status,
            CallStatus::NoAnswer,
            "status via CallStatus::parse"
        );
        assert_eq!(call.direction, "outbound-dial", "direction");
        assert_eq!(
            call.answered_by.as_deref(),
            Some("machine_start"),
            "AMD verdict"
        );
        assert_eq!(call.duration_s, Some(4), "duration from a string");
        assert_eq!(
            call.start_time,
            Utc.with_ymd_and_hms(2019, 10, 18, 17, 2, 0).single(),
            "start time from RFC 2822"
        );
        assert_eq!(
            call.end_time,
            Utc.with_ymd_and_hms(2019, 10, 18, 17, 3, 0).single(),
            "end time from RFC 2822"
        );
    }

    /// A ringing call has no end, duration or AMD verdict yet; those read as `None`.
    #[test]
    fn unfinished_call_reads_with_gaps() {
        let call = json!({
            "sid": "CA1", "from": "+1", "to": "+2", "status": "ringing", "direction": "inbound",
            "start_time": "", "end_time": null, "duration": null, "answered_by": null
        });

        let call: WireCall = serde_json::from_value(call).expect("sparse call should parse");
        let record = CallRecord::from(call);

        assert_eq!(record.status, CallStatus::Ringing, "status");
        assert_eq!(record.parent_call_sid, None, "no parent on an inbound leg");
        assert_eq!(record.start_time, None, "empty start time");
        assert_eq!(record.end_time, None, "null end time");
        assert_eq!(record.duration_s, None, "null duration");
        assert_eq!(record.answered_by, None, "no AMD verdict");
    }

    /// A created message from the OpenAPI example, sent through a messaging service.
    #[test]
    fn message_example_reads_into_record() {
        let message = json!({
            "account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "body": "Hello! \u{1f44d}",
            "date_created": "Thu, 24 Aug 2023 05:01:45 +0000",
            "date_sent": null,
            "direction": "outbound-api",
            "error_code": null,
            "error_message": null,
            "from": null,
            "num_media": "0",
            "num_segments": "1",
            "price": null,
            "sid": "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "status": "queued",
            "to": "+14155552345"
        });

        let message: WireMessage = serde_json::from_value(message).expect("example should parse");
        let record = MessageRecord::from(message);

        assert_eq!(record.from, "", "a null sender reads as empty");
        assert_eq!(record.body, "Hello! \u{1f44d}", "body");
        assert_eq!(record.num_segments, Some(1), "segments from a string");
        assert_eq!(record.error_code, None, "no error");
        assert_eq!(record.date_sent, None, "not yet sent");
        assert!(record.date_created.is_some(), "created date should parse");
        assert!(!record.is_inbound(), "outbound-api is not inbound");
    }

    /// A message without a SID is not a message; the page fails to read rather than invent one.
    #[test]
    fn message_without_sid_is_rejected() {
        let page = json!({"messages": [{"from": "+1", "to": "+2"}], "next_page_uri": null});

        let result = serde_json::from_value::<MessagePage>(page);

        assert!(result.is_err(), "a record without a sid should not read");
    }
}
