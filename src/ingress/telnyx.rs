//! Telnyx's webhook route: one URL for every event of the messaging profile and the call
//! control application, each signed with the account's Ed25519 key.
//!
//! A request is checked in this order, and nothing has changed when any check refuses it: no
//! `telnyx-signature-ed25519` or `telnyx-timestamp` header is refused (403) before the body is
//! read; a body over [`MAX_BODY`](super::MAX_BODY) is refused (413); a signature that does not
//! verify over the timestamp and the raw body, or a timestamp more than five minutes from the
//! engine's clock, is refused (403); a signed body that is not a Telnyx event is refused (400)
//! saying why.
//!
//! A verified event goes to the engine's own steps: `message.received` is a customer's text,
//! `message.sent` and `message.finalized` a delivery status, and the `call.hangup` of an inbound
//! leg the end of a call. The hangup is read by the Telnyx client's own rules
//! ([`hangup_leg`], [`stand_in_children`]), so a call is decided exactly as a poll of the
//! detail records decides it, under the same id. A hangup does not say whether the leg was
//! ever connected; the leg's `call.answered` does, so answered legs are remembered until their
//! hangup arrives.
//!
//! Limitation: that memory is the process's own. A `call.answered` that arrives after its
//! hangup, or before a restart, is not counted, and the call reads as never connected (as a
//! detail record without `answered_at` does), so a call ended with `normal_clearing` is then
//! texted as missed.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use textback_provider::telnyx::webhook::{
    self, CallEvent, CallPhase, EventPayload, TelnyxEvent, WebhookError, SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
};
use textback_provider::telnyx::{hangup_leg, stand_in_children};

use super::recent::RecentIds;
use super::request::{header_text, Refusal};
use crate::engine::{Engine, EngineError, Handled, InboundSms, MessageStatusUpdate};

/// What the Telnyx route shares between requests.
pub struct TelnyxState {
    pub engine: Arc<Engine>,
    /// The account's base64 Ed25519 public key, as configured.
    pub public_key: String,
    /// Ids of events handled lately, so a retried delivery is answered without handling it again.
    pub handled: RecentIds,
    /// Ids of inbound legs reported answered, until their hangup.
    pub answered: RecentIds,
}

/// A delivery whose signature and timestamp checked out, read into an event.
pub struct SignedEvent(pub TelnyxEvent);

/// Handles one event and acknowledges it with what it changed.
pub async fn webhook(
    State(state): State<Arc<TelnyxState>>,
    SignedEvent(event): SignedEvent,
) -> Result<Response, Refusal> {
    if state.handled.contains(&event.id) {
        tracing::debug!(id = %event.id, "repeated telnyx event");
        return Ok(acknowledge(Handled::AlreadyKnown));
    }

    let handled = state.handle(&event)?;
    tracing::debug!(id = %event.id, event_type = %event.event_type, ?handled, "telnyx event");

    // A call left undecided may be decided by a later event about it.
    if handled != Handled::Undecided {
        state.handled.insert(&event.id);
    }
    Ok(acknowledge(handled))
}

impl TelnyxState {
    fn handle(&self, event: &TelnyxEvent) -> Result<Handled, EngineError> {
        match &event.payload {
            EventPayload::MessageReceived(message) => {
                self.engine.inbound_sms_webhook(&InboundSms {
                    message_sid: message.sid.clone(),
                    from: message.from.clone(),
                    to: message.to.clone(),
                    body: message.body.clone(),
                })
            }
            EventPayload::MessageStatus(message) => {
                self.engine.message_status_webhook(&MessageStatusUpdate {
                    message_sid: message.sid.clone(),
                    status: message.status.clone(),
                    error_code: message.error_code,
                })
            }
            EventPayload::Call(call) => self.call(call),
            EventPayload::Other => Ok(Handled::Ignored),
        }
    }

    /// Remembers an answered leg; decides a call once its leg hangs up.
    fn call(&self, call: &CallEvent) -> Result<Handled, EngineError> {
        let leg_id = call
            .call_leg_id
            .as_deref()
            .or(call.call_control_id.as_deref());
        match call.phase {
            CallPhase::Initiated => Ok(Handled::Undecided),
            CallPhase::Answered => {
                if let Some(id) = leg_id {
                    self.answered.insert(id);
                }
                Ok(Handled::Undecided)
            }
            CallPhase::Hangup => {
                let answered = leg_id.is_some_and(|id| self.answered.contains(id));
                let Some(leg) = hangup_leg(call, answered) else {
                    return Ok(Handled::Ignored);
                };
                self.engine
                    .call_ended_webhook(&leg, &stand_in_children(&leg))
            }
        }
    }
}

impl FromRequest<Arc<TelnyxState>> for SignedEvent {
    type Rejection = Refusal;

    async fn from_request(request: Request, state: &Arc<TelnyxState>) -> Result<Self, Refusal> {
        let signature = header_text(&request, SIGNATURE_HEADER);
        let timestamp = header_text(&request, TIMESTAMP_HEADER);
        let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
            tracing::debug!("telnyx webhook refused: not signed");
            return Err(Refusal::forbidden(format!(
                "missing {SIGNATURE_HEADER} or {TIMESTAMP_HEADER}"
            )));
        };

        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| Refusal::new(rejection.status(), rejection.body_text()))?;
        let now = state.engine.now();
        webhook::verify(&state.public_key, &signature, &timestamp, &body, now).map_err(
            |error| {
                tracing::warn!(%error, "telnyx webhook refused");
                match error {
                    WebhookError::InvalidPublicKey { .. } => Refusal::new(
                        axum::http::StatusCode::SERVICE_UNAVAILABLE,
                        error.to_string(),
                    ),
                    _ => Refusal::forbidden(format!(
                        "{error}; check provider.public_key against Telnyx's portal"
                    )),
                }
            },
        )?;

        let event = webhook::parse(&body).map_err(|e| Refusal::bad_request(e.to_string()))?;
        Ok(Self(event))
    }
}

fn acknowledge(handled: Handled) -> Response {
    Json(json!({ "handled": handled })).into_response()
}
