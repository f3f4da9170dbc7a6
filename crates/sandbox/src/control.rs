//! The sandbox's own JSON API under `/sandbox/`: the outside world that Twilio's API cannot
//! simulate.
//!
//! The demo UI and address-only tests use it to make a call ring the business, to have a
//! customer text back, to read everything the sandbox holds, to switch faults on and off, and
//! to point Twilio-style or Telnyx-style webhooks at an engine. Its answers are plain JSON and
//! its errors `{"error": "..."}` with a message naming what was wrong, since its users are
//! people and test code rather than a Twilio client.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::model::{CallOutcome, Faults};
use crate::webhooks::WebhookTarget;
use crate::wire::{CallResource, MessageResource, MessageView};
use crate::{Sandbox, SandboxError};

/// The routes of the control API.
pub(crate) fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route("/sandbox/calls", post(place_call).get(list_calls))
        .route("/sandbox/sms", post(receive_sms))
        .route("/sandbox/messages", get(list_messages))
        .route("/sandbox/faults", post(set_faults).get(get_faults))
        .route("/sandbox/reset", post(reset))
        .route("/sandbox/webhooks", post(set_webhooks).get(get_webhooks))
        .route(
            "/sandbox/telnyx/webhooks",
            post(set_telnyx_webhooks).get(get_telnyx_webhooks),
        )
        .with_state(sandbox)
}

/// A refused control request: its status and what was wrong.
#[derive(Debug)]
pub(crate) struct ControlError {
    status: StatusCode,
    message: String,
}

impl ControlError {
    fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// An answer for paths no route serves.
    pub(crate) fn not_found(path: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: format!("no such path: {path}"),
        }
    }
}

impl From<SandboxError> for ControlError {
    fn from(error: SandboxError) -> Self {
        Self::bad_request(error.to_string())
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

#[derive(Debug, Deserialize)]
struct CallRequest {
    from: String,
    to: String,
    outcome: CallOutcome,
}

#[derive(Debug, Deserialize)]
struct SmsRequest {
    from: String,
    to: String,
    body: String,
}

async fn place_call(
    State(sandbox): State<Sandbox>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ControlError> {
    let request: CallRequest = parse(&body)?;

    let sid = sandbox.place_call(&request.from, &request.to, request.outcome)?;

    Ok((StatusCode::CREATED, Json(json!({ "sid": sid }))))
}

async fn receive_sms(
    State(sandbox): State<Sandbox>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ControlError> {
    let request: SmsRequest = parse(&body)?;

    let sid = sandbox.receive_sms(&request.from, &request.to, &request.body)?;

    Ok((StatusCode::CREATED, Json(json!({ "sid": sid }))))
}

/// Every call leg, oldest first, as Twilio renders it.
async fn list_calls(State(sandbox): State<Sandbox>) -> Json<Value> {
    let account = sandbox.account_sid();
    let calls: Vec<_> = sandbox
        .calls()
        .iter()
        .map(|call| CallResource::new(account, call))
        .collect();
    Json(json!({ "calls": calls }))
}

/// Every message, oldest first, as Twilio renders it.
async fn list_messages(State(sandbox): State<Sandbox>) -> Json<Value> {
    let account = sandbox.account_sid();
    let messages: Vec<_> = sandbox
        .messages()
        .iter()
        .map(|message| MessageResource::new(account, message, MessageView::Stored))
        .collect();
    Json(json!({ "messages": messages }))
}

/// Replaces the faults; fields left out are zero, and an empty body clears them.
async fn set_faults(
    State(sandbox): State<Sandbox>,
    body: Bytes,
) -> Result<Json<Faults>, ControlError> {
    let faults: Faults = if body.iter().all(u8::is_ascii_whitespace) {
        Faults::default()
    } else {
        parse(&body)?
    };
    faults.validate()?;

    sandbox.set_faults(faults);

    Ok(Json(faults))
}

async fn get_faults(State(sandbox): State<Sandbox>) -> Json<Faults> {
    Json(sandbox.faults())
}

/// Forgets every call and message and clears the faults.
async fn reset(State(sandbox): State<Sandbox>) -> Json<Value> {
    sandbox.reset();
    Json(json!({ "reset": true }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhooksRequest {
    /// The engine's public URL, or `null` to stop sending webhooks.
    url: Option<String>,
}

/// Sets where webhooks go (`{"url": "http://..."}`), or stops them (`{"url": null}`).
async fn set_webhooks(
    State(sandbox): State<Sandbox>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let url = webhook_url(&body)?;

    sandbox.set_webhooks(url.map(WebhookTarget::new));

    Ok(get_webhooks(State(sandbox)).await)
}

/// Where webhooks go, and every webhook sent so far.
async fn get_webhooks(State(sandbox): State<Sandbox>) -> Json<Value> {
    let url = sandbox.webhook_target().map(|target| target.base_url);
    Json(json!({ "url": url, "deliveries": sandbox.webhook_deliveries() }))
}

/// Sets the whole URL Telnyx webhooks go to (`{"url": "http://.../telnyx/webhook"}`), or stops
/// them (`{"url": null}`).
async fn set_telnyx_webhooks(
    State(sandbox): State<Sandbox>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let url = webhook_url(&body)?;

    sandbox.set_telnyx_webhooks(url);

    Ok(get_telnyx_webhooks(State(sandbox)).await)
}

/// Where Telnyx webhooks go, and every webhook sent so far.
async fn get_telnyx_webhooks(State(sandbox): State<Sandbox>) -> Json<Value> {
    let url = sandbox.telnyx_webhook_url();
    Json(json!({ "url": url, "deliveries": sandbox.webhook_deliveries() }))
}

/// The `url` of a webhooks request: an http(s) address, or `None` to stop.
fn webhook_url(body: &[u8]) -> Result<Option<String>, ControlError> {
    let request: WebhooksRequest = parse(body)?;
    if let Some(url) = request.url.as_deref() {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ControlError::bad_request(format!(
                "url: {url:?} is not an http:// or https:// address"
            )));
        }
    }
    Ok(request.url)
}

/// Reads a JSON body, naming the problem (bad syntax, a missing field, an unknown outcome).
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ControlError> {
    serde_json::from_slice(body)
        .map_err(|error| ControlError::bad_request(format!("invalid request body: {error}")))
}
