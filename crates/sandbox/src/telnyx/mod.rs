//! Telnyx's v2 REST API over the same sandbox state, on the same address as Twilio's.
//!
//! A call placed or a text received in the sandbox shows up on both APIs, so the engine's
//! Telnyx client can be tested exactly like its Twilio one. Served: `POST /v2/messages`,
//! `GET /v2/messages/{id}` and `GET /v2/detail_records` (calls and messages), with bearer auth
//! by the sandbox's auth token, Telnyx's JSON and error bodies, and the sandbox's faults. The
//! sandbox also signs webhook bodies with an Ed25519 key of its own (see `keys`), and posts
//! Telnyx's webhooks to a URL when given one (see `webhooks`).

mod error;
mod guard;
mod keys;
mod messages;
mod records;
mod webhooks;

use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, SecondsFormat, Utc};

pub(crate) use error::TelnyxError;

use crate::Sandbox;

/// The routes of the Telnyx API, behind fault injection and then authentication.
pub(crate) fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route("/v2/messages", post(messages::create))
        .route("/v2/messages/{id}", get(messages::fetch))
        .route("/v2/detail_records", get(records::search))
        .route_layer(from_fn_with_state(sandbox.clone(), guard::require_key))
        .route_layer(from_fn_with_state(sandbox.clone(), guard::inject_faults))
        .with_state(sandbox)
}

/// An instant as Telnyx writes it: RFC 3339 in UTC.
fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}
