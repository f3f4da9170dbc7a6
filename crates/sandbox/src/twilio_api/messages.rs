//! `GET Messages.json`, `POST Messages.json` and `GET Messages/{Sid}.json`.
//!
//! Sending checks what Twilio checks before accepting a message, with Twilio's error codes,
//! and honours Twilio's magic test numbers as `To`, so the engine's handling of opt-outs,
//! landlines and bad numbers can be tested without a real carrier. An accepted message is
//! answered `queued` and reads back `delivered` from then on.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::Json;
use serde_json::Value;

use super::sid_of;
use crate::api_error::TwilioError;
use crate::filters::MessageFilter;
use crate::paging::{list_body, PageRequest};
use crate::phone::is_e164;
use crate::sid::is_sid;
use crate::wire::{MessageResource, MessageView};
use crate::Sandbox;

/// The number a message sent through a Messaging Service goes out from. Like Twilio, the
/// sandbox picks it only after accepting the message, so the create answer has `from: null`.
pub const MESSAGING_SERVICE_NUMBER: &str = "+15555550199";

/// The longest body Twilio accepts, in characters.
const MAX_BODY_CHARS: usize = 1600;

/// One page of messages, newest first.
pub(super) async fn list(
    State(sandbox): State<Sandbox>,
    uri: Uri,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, TwilioError> {
    let filter = MessageFilter::parse(&params)?;
    let request = PageRequest::parse(&params)?;

    let page = sandbox
        .state()
        .messages
        .page(request.cursor, request.size, |m| filter.matches(m));

    let links = request.links(uri.path(), &filter.echo, &page);
    let account = sandbox.account_sid();
    let messages = page
        .items
        .iter()
        .map(|(_, message)| MessageResource::new(account, message, MessageView::Stored));
    Ok(Json(list_body("messages", messages.collect(), links)))
}

/// One message by SID.
pub(super) async fn fetch(
    State(sandbox): State<Sandbox>,
    uri: Uri,
    Path((_account, file)): Path<(String, String)>,
) -> Result<Json<MessageResource>, TwilioError> {
    let message = sid_of(&file)
        .and_then(|sid| sandbox.message(sid))
        .ok_or_else(|| TwilioError::not_found(uri.path()))?;
    Ok(Json(MessageResource::new(
        sandbox.account_sid(),
        &message,
        MessageView::Stored,
    )))
}

/// Sends a message: `To`, `Body`, and `From` or `MessagingServiceSid`, form-encoded.
pub(super) async fn create(
    State(sandbox): State<Sandbox>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<(StatusCode, Json<MessageResource>), TwilioError> {
    // Twilio reads parameters only from a form body; anything else reads as no parameters.
    let params = form.map(|Form(params)| params).unwrap_or_default();
    let request = NewMessage::parse(&params)?;

    let from = request.from.unwrap_or(MESSAGING_SERVICE_NUMBER);
    let service = request.messaging_service_sid.map(str::to_owned);
    let message = sandbox.send_message(from, request.to, request.body, service);

    tracing::debug!(sid = %message.sid, segments = message.num_segments, "message sent");
    let resource = MessageResource::new(sandbox.account_sid(), &message, MessageView::JustCreated);
    Ok((StatusCode::CREATED, Json(resource)))
}

/// A create request that passed Twilio's checks.
#[derive(Debug)]
struct NewMessage<'a> {
    to: &'a str,
    from: Option<&'a str>,
    messaging_service_sid: Option<&'a str>,
    body: &'a str,
}

impl<'a> NewMessage<'a> {
    /// Checks the parameters in the order Twilio does: presence first, then form, then what
    /// the recipient's carrier would say.
    fn parse(params: &'a [(String, String)]) -> Result<Self, TwilioError> {
        let param = |name: &str| {
            params
                .iter()
                .rev()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let present = |name: &str| param(name).filter(|value| !value.is_empty());

        let to = present("To")
            .ok_or_else(|| TwilioError::bad_request(21604, "A 'To' phone number is required."))?;
        let from = present("From");
        let messaging_service_sid = present("MessagingServiceSid");
        if from.is_none() && messaging_service_sid.is_none() {
            return Err(TwilioError::bad_request(
                21603,
                "A 'From' phone number is required.",
            ));
        }
        let body = present("Body")
            .ok_or_else(|| TwilioError::bad_request(21602, "Message body is required."))?;

        let request = Self {
            to,
            from,
            messaging_service_sid,
            body,
        };
        request.check_form()?;
        match test_number_refusal(to) {
            Some(refusal) => Err(refusal),
            None => Ok(request),
        }
    }

    fn check_form(&self) -> Result<(), TwilioError> {
        if !is_e164(self.to) {
            let message = format!("The 'To' number {} is not a valid phone number.", self.to);
            return Err(TwilioError::bad_request(21211, message));
        }
        if let Some(from) = self.from.filter(|from| !is_e164(from)) {
            let message = format!(
                "The 'From' number {from} is not a valid phone number, shortcode, or \
                 alphanumeric sender ID."
            );
            return Err(TwilioError::bad_request(21212, message));
        }
        if let Some(sid) = self.messaging_service_sid.filter(|sid| !is_sid(sid, "MG")) {
            let message = format!("The Messaging Service Sid {sid} is invalid.");
            return Err(TwilioError::bad_request(21701, message));
        }
        if self.body.chars().count() > MAX_BODY_CHARS {
            let message = "The concatenated message body exceeds the 1600 character limit.";
            return Err(TwilioError::bad_request(21617, message));
        }
        Ok(())
    }
}

/// Twilio's magic `To` numbers for test credentials, each refused as Twilio refuses it.
fn test_number_refusal(to: &str) -> Option<TwilioError> {
    let (code, message) = match to {
        "+15005550001" => (
            21211,
            format!("The 'To' number {to} is not a valid phone number."),
        ),
        "+15005550002" => (
            21612,
            format!("The 'To' phone number: {to}, is not currently reachable via SMS."),
        ),
        "+15005550003" => (
            21408,
            format!(
                "Permission to send an SMS has not been enabled for the region indicated by the \
                 'To' number: {to}."
            ),
        ),
        "+15005550004" => (
            21610,
            "Attempt to send to unsubscribed recipient".to_owned(),
        ),
        "+15005550009" => (21614, "'To' number is not a valid mobile number".to_owned()),
        _ => return None,
    };
    Some(TwilioError::bad_request(code, message))
}
