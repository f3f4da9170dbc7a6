//! `POST /v2/messages` and `GET /v2/messages/{id}`, in Telnyx's message shape.
//!
//! A send is checked as Telnyx checks it before accepting (JSON body, `from`, `to` and `text`
//! present, numbers in E.164), answered with the message `queued`, and reads back `delivered`.
//! Limitation: Telnyx documents no magic test numbers, so none is honoured here.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::Json;
use serde_json::{json, Value};

use super::error::TelnyxError;
use super::instant;
use crate::model::{MessageDirection, SandboxMessage};
use crate::phone::is_e164;
use crate::Sandbox;

/// Sends a message: a JSON body with `from`, `to` and `text`.
pub(super) async fn create(
    State(sandbox): State<Sandbox>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), TelnyxError> {
    let request: Value = serde_json::from_slice(&body).map_err(|_| {
        let detail = "The request body is not a JSON object.";
        TelnyxError::new(StatusCode::BAD_REQUEST, 10015, "Bad Request", detail)
    })?;
    let field = |name: &str| {
        request
            .get(name)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                let detail = format!("The '{name}' parameter is required.");
                TelnyxError::invalid(10004, "Missing required parameter", name, detail)
            })
    };
    let (from, to, text) = (field("from")?, field("to")?, field("text")?);
    for (name, number) in [("from", from), ("to", to)] {
        if !is_e164(number) {
            let detail = format!("The '{name}' number {number} must be in +E.164 format.");
            return Err(TelnyxError::invalid(
                10016,
                "Phone number must be in +E.164 format",
                name,
                detail,
            ));
        }
    }

    let message = sandbox.send_message(from, to, text, None);
    sandbox.telnyx_message_sent(&message);
    tracing::debug!(id = %message.sid, "telnyx message sent");
    Ok((
        StatusCode::OK,
        Json(json!({ "data": resource(&message, true) })),
    ))
}

/// One message by id.
pub(super) async fn fetch(
    State(sandbox): State<Sandbox>,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Json<Value>, TelnyxError> {
    let message = sandbox
        .message(&id)
        .ok_or_else(|| TelnyxError::not_found(uri.path()))?;
    Ok(Json(json!({ "data": resource(&message, false) })))
}

/// A message as Telnyx's message resource; `just_created` answers a send (`queued`, not yet
/// sent).
pub(super) fn resource(message: &SandboxMessage, just_created: bool) -> Value {
    let inbound = message.direction == MessageDirection::Inbound;
    let status = if just_created { "queued" } else { "delivered" };
    let sent_at = (!just_created).then(|| instant(message.date_sent));
    json!({
        "record_type": "message",
        "id": message.sid,
        "direction": if inbound { "inbound" } else { "outbound" },
        "type": "SMS",
        "from": { "phone_number": message.from },
        "to": [{ "phone_number": message.to, "status": status }],
        "text": message.body,
        "parts": message.num_segments,
        "created_at": instant(message.date_created),
        "received_at": inbound.then(|| instant(message.date_created)),
        "sent_at": if inbound { None } else { sent_at },
        "completed_at": if inbound || just_created { None } else { Some(instant(message.date_sent)) },
        "errors": [],
    })
}
