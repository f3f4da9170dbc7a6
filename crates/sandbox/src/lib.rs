//! A Twilio-compatible telephony provider that runs inside the app, on loopback.
//!
//! Demo mode, every test and every benchmark talk to this crate instead of Twilio. The engine's
//! Twilio client cannot tell the difference: the sandbox answers the same REST paths under
//! `/2010-04-01/Accounts/{AccountSid}/`, with the same HTTP Basic auth, JSON field names, RFC 2822
//! dates, error bodies and pagination. Anything the engine gets right against the sandbox it
//! should therefore get right against Twilio, and a client bug that Twilio would reject (say, an
//! unencoded `+` in a phone number) is rejected here too rather than papered over.
//!
//! Twilio's own world (people calling the business, customers texting back) cannot be driven
//! through Twilio's REST API, so the sandbox adds two ways in: Rust methods on [`Sandbox`] for
//! in-process tests, and a small JSON control API under `/sandbox/` for the demo UI and for
//! tests that only have an address. The control API can also inject [`Faults`] (errors, rate
//! limits, dropped connections, latency) into the Twilio paths, so the engine's retry and
//! reconciliation logic can be exercised on demand.
//!
//! Layout: `model` holds the records, `store` keeps them indexed for paging, `legs` turns a
//! [`CallOutcome`] into the call legs a forwarding `<Dial>` produces, `wire` renders Twilio's
//! JSON, `twilio_api`, `auth` and `faults` serve the Twilio paths, `control` the rest, and
//! `webhooks` sends Twilio's signed webhooks to an engine when given a target; `telnyx` serves
//! Telnyx's API over the same records and sends its signed webhooks when given a URL.

#![forbid(unsafe_code)]

mod api_error;
mod auth;
mod control;
mod dates;
mod error;
mod faults;
mod filters;
mod legs;
mod model;
mod paging;
mod phone;
mod sandbox;
mod segments;
mod server;
mod sid;
mod store;
mod telnyx;
mod twilio_api;
mod webhooks;
mod wire;

pub use error::SandboxError;
pub use legs::FORWARD_TO;
pub use model::{
    CallDirection, CallOutcome, CallStatus, Faults, MessageDirection, MessageStatus, SandboxCall,
    SandboxMessage,
};
pub use sandbox::{Clock, Sandbox, SandboxOptions, DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN};
pub use server::RunningSandbox;
pub use twilio_api::MESSAGING_SERVICE_NUMBER;
pub use webhooks::{WebhookDelivery, WebhookTarget};
