//! Turning an HTTP request into parameters Twilio is known to have sent, or a refusal.
//!
//! Every webhook goes through [`Verified`] before a handler sees it, in this order: a request
//! without a signature is refused (403) before its body is read; a body over
//! [`MAX_BODY`](super::MAX_BODY) is refused (413); a body that is not a well-formed form (or,
//! for the JSON variant, a flat JSON object) is refused (400) naming what was wrong; a
//! signature that does not match is refused (403). Nothing has changed when any of these is
//! answered.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::form;
use super::signature::{self, Payload};
use super::IngressState;
use crate::engine::EngineError;

/// The header Twilio sends the same value in on every retry of one delivery.
pub const IDEMPOTENCY_HEADER: &str = "I-Twilio-Idempotency-Token";

/// A webhook request whose signature checked out.
#[derive(Debug)]
pub struct Verified {
    pub params: Params,
    /// Twilio's token for this delivery, the same on each retry of it.
    pub idempotency_token: Option<String>,
}

/// A webhook's parameters, in the order they were sent.
#[derive(Debug, Clone, Default)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// The value of `name`, if it was sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The value of `name`, refusing the request if it is missing.
    pub fn required(&self, name: &str) -> Result<&str, Refusal> {
        self.get(name)
            .ok_or_else(|| Refusal::bad_request(format!("missing parameter {name}")))
    }

    /// The first of `names` that was sent, with a non-empty value.
    pub fn first_of(&self, names: &[&str]) -> Option<&str> {
        names
            .iter()
            .find_map(|name| self.get(name).filter(|v| !v.is_empty()))
    }
}

/// A request the ingress would not act on: its status and what was wrong, in plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

impl Refusal {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
}

impl From<EngineError> for Refusal {
    /// The engine could not record the webhook: Twilio may try again later, and polling
    /// will find what it said in any case.
    fn from(e: EngineError) -> Self {
        tracing::warn!(error = %e, "webhook not recorded");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("not recorded ({})", e.code()),
        )
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let content_type = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
        (self.status, content_type, format!("{}\n", self.message)).into_response()
    }
}

impl FromRequest<Arc<IngressState>> for Verified {
    type Rejection = Refusal;

    async fn from_request(request: Request, state: &Arc<IngressState>) -> Result<Self, Refusal> {
        let path = request.uri().path().to_owned();
        let Some(signature) = header_text(&request, signature::HEADER) else {
            tracing::debug!(path, "webhook refused: no signature");
            return Err(Refusal::forbidden("missing X-Twilio-Signature"));
        };
        let idempotency_token = header_text(&request, IDEMPOTENCY_HEADER);
        let Some(public_url) = state
            .engine
            .config()
            .ingress
            .as_ref()
            .map(|i| i.public_url.clone())
        else {
            return Err(Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "webhooks are not configured",
            ));
        };
        let path_and_query = request
            .uri()
            .path_and_query()
            .map_or(path.clone(), |p| p.as_str().to_owned());
        let url = format!("{public_url}{path_and_query}");

        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| Refusal::new(rejection.status(), rejection.body_text()))?;
        let signed_body = signature::body_hash_param(&url).is_some();
        let params = if signed_body {
            form::parse_json(&body)
        } else {
            form::parse(&body)
        }
        .map_err(|e| Refusal::bad_request(e.to_string()))?;

        let payload = if signed_body {
            Payload::Body(&body)
        } else {
            Payload::Form(&params)
        };
        if !signature::verify(state.auth_token.expose(), &url, payload, &signature) {
            tracing::warn!(path, "webhook refused: signature does not match");
            return Err(Refusal::forbidden(
                "X-Twilio-Signature does not match; check ingress.public_url and the auth token \
                 (textback check signature)",
            ));
        }
        Ok(Self {
            params: Params(params),
            idempotency_token,
        })
    }
}

/// A header's value, when it is sent and is text.
pub fn header_text(request: &Request, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
