//! Calls and messages as Twilio's JSON.
//!
//! Field names, types and nulls follow the `api.v2010.account.call` and
//! `api.v2010.account.message` schemas of Twilio's OpenAPI document, field by field, because
//! clients generated from that document (and the engine's own) decode them strictly: counts such
//! as `duration` and `num_segments` are strings, every date is RFC 2822, and a field the sandbox
//! has no value for is `null` rather than missing.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dates::rfc2822;
use crate::model::{MessageStatus, SandboxCall, SandboxMessage};
use crate::phone::display_form;

/// The API version every resource reports.
pub(crate) const API_VERSION: &str = "2010-04-01";

/// The currency prices would be in; Twilio reports it even while `price` is still null.
const PRICE_UNIT: &str = "USD";

/// The sub-resources Twilio links from a call.
const CALL_SUBRESOURCES: [(&str, &str); 9] = [
    ("events", "Events"),
    ("notifications", "Notifications"),
    ("payments", "Payments"),
    ("recordings", "Recordings"),
    ("siprec", "Siprec"),
    ("streams", "Streams"),
    ("transcriptions", "Transcriptions"),
    (
        "user_defined_message_subscriptions",
        "UserDefinedMessageSubscriptions",
    ),
    ("user_defined_messages", "UserDefinedMessages"),
];

/// The sub-resources Twilio links from a message.
const MESSAGE_SUBRESOURCES: [(&str, &str); 2] = [("feedback", "Feedback"), ("media", "Media")];

/// A call leg as Twilio's `api.v2010.account.call`.
#[derive(Debug, Serialize)]
pub(crate) struct CallResource {
    account_sid: String,
    answered_by: Option<String>,
    api_version: &'static str,
    caller_name: Option<String>,
    date_created: String,
    date_updated: String,
    direction: &'static str,
    duration: Option<String>,
    end_time: String,
    forwarded_from: Option<String>,
    from: String,
    from_formatted: String,
    group_sid: Option<String>,
    parent_call_sid: Option<String>,
    phone_number_sid: Option<String>,
    price: Option<String>,
    price_unit: &'static str,
    queue_time: String,
    sid: String,
    start_time: String,
    status: &'static str,
    subresource_uris: BTreeMap<&'static str, String>,
    to: String,
    to_formatted: String,
    trunk_sid: Option<String>,
    uri: String,
}

impl CallResource {
    /// Renders `call` as it appears in account `account_sid`.
    pub(crate) fn new(account_sid: &str, call: &SandboxCall) -> Self {
        let base = format!("/2010-04-01/Accounts/{account_sid}/Calls/{}", call.sid);
        Self {
            account_sid: account_sid.to_owned(),
            answered_by: call.answered_by.clone(),
            api_version: API_VERSION,
            caller_name: None,
            date_created: rfc2822(call.start_time),
            date_updated: rfc2822(call.end_time),
            direction: call.direction.as_str(),
            duration: Some(call.duration_s.to_string()),
            end_time: rfc2822(call.end_time),
            forwarded_from: None,
            from: call.from.clone(),
            from_formatted: display_form(&call.from),
            group_sid: None,
            parent_call_sid: call.parent_call_sid.clone(),
            phone_number_sid: None,
            price: None,
            price_unit: PRICE_UNIT,
            queue_time: "0".into(),
            sid: call.sid.clone(),
            start_time: rfc2822(call.start_time),
            status: call.status.as_str(),
            subresource_uris: subresources(&base, &CALL_SUBRESOURCES),
            to: call.to.clone(),
            to_formatted: display_form(&call.to),
            trunk_sid: None,
            uri: format!("{base}.json"),
        }
    }
}

/// Which moment of a message's life to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MessageView {
    /// The answer to the create request: `queued`, not yet sent, no sender picked yet when a
    /// Messaging Service sends it.
    JustCreated,
    /// Any later read: the message as stored.
    Stored,
}

/// A message as Twilio's `api.v2010.account.message`.
#[derive(Debug, Serialize)]
pub(crate) struct MessageResource {
    account_sid: String,
    api_version: &'static str,
    body: String,
    date_created: String,
    date_sent: Option<String>,
    date_updated: String,
    direction: &'static str,
    error_code: Option<u32>,
    error_message: Option<String>,
    from: Option<String>,
    messaging_service_sid: Option<String>,
    num_media: &'static str,
    num_segments: String,
    price: Option<String>,
    price_unit: &'static str,
    sid: String,
    status: &'static str,
    subresource_uris: BTreeMap<&'static str, String>,
    to: String,
    uri: String,
}

impl MessageResource {
    /// Renders `message` as it appears in account `account_sid` at the moment `view`.
    pub(crate) fn new(account_sid: &str, message: &SandboxMessage, view: MessageView) -> Self {
        let base = format!(
            "/2010-04-01/Accounts/{account_sid}/Messages/{}",
            message.sid
        );
        let just_created = view == MessageView::JustCreated;
        let sender_pending = just_created && message.messaging_service_sid.is_some();
        Self {
            account_sid: account_sid.to_owned(),
            api_version: API_VERSION,
            body: message.body.clone(),
            date_created: rfc2822(message.date_created),
            date_sent: (!just_created).then(|| rfc2822(message.date_sent)),
            date_updated: rfc2822(if just_created {
                message.date_created
            } else {
                message.date_sent
            }),
            direction: message.direction.as_str(),
            error_code: None,
            error_message: None,
            from: (!sender_pending).then(|| message.from.clone()),
            messaging_service_sid: message.messaging_service_sid.clone(),
            num_media: "0",
            num_segments: message.num_segments.to_string(),
            price: None,
            price_unit: PRICE_UNIT,
            sid: message.sid.clone(),
            status: if just_created {
                MessageStatus::Queued
            } else {
                message.status
            }
            .as_str(),
            subresource_uris: subresources(&base, &MESSAGE_SUBRESOURCES),
            to: message.to.clone(),
            uri: format!("{base}.json"),
        }
    }
}

fn subresources(base: &str, names: &[(&'static str, &str)]) -> BTreeMap<&'static str, String> {
    names
        .iter()
        .map(|(key, path)| (*key, format!("{base}/{path}.json")))
        .collect()
}
