//! Twilio's REST API for calls and messages, under `/2010-04-01/Accounts/{AccountSid}/`.
//!
//! Only what the engine uses is served: listing and fetching calls, and listing, fetching and
//! sending messages. Every route sits behind fault injection and then authentication, in that
//! order, because a real outage does not check credentials first.

mod calls;
mod messages;

use axum::middleware::from_fn_with_state;
use axum::routing::get;
use axum::Router;

use crate::{auth, faults, Sandbox};

pub use messages::MESSAGING_SERVICE_NUMBER;

/// The routes of the Twilio API, with their middleware.
pub(crate) fn router(sandbox: Sandbox) -> Router {
    let account = "/2010-04-01/Accounts/{account_sid}";
    Router::new()
        .route(&format!("{account}/Calls.json"), get(calls::list))
        .route(&format!("{account}/Calls/{{file}}"), get(calls::fetch))
        .route(
            &format!("{account}/Messages.json"),
            get(messages::list).post(messages::create),
        )
        .route(
            &format!("{account}/Messages/{{file}}"),
            get(messages::fetch),
        )
        .route_layer(from_fn_with_state(sandbox.clone(), auth::require_account))
        .route_layer(from_fn_with_state(sandbox.clone(), faults::inject))
        .with_state(sandbox)
}

/// The SID in a `{Sid}.json` path segment. The router cannot match a parameter with a suffix,
/// so the segment is taken whole and the suffix checked here.
fn sid_of(file: &str) -> Option<&str> {
    file.strip_suffix(".json")
}
