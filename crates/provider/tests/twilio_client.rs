//! `TwilioClient` against local servers that answer the way Twilio does.
//!
//! Every test starts its own server on a free loopback port and checks both what the client
//! made of the answers and what the server saw (paths, query strings, auth headers, how many
//! requests). Retry policies use millisecond delays, and no test measures time. The modules
//! live in `twilio_client/`, one binary for the crate as Cargo builds each file here as one.

#[path = "twilio_client/fixtures.rs"]
mod fixtures;
#[path = "twilio_client/logs.rs"]
mod logs;
#[path = "twilio_client/server.rs"]
mod server;

#[path = "twilio_client/auth.rs"]
mod auth;
#[path = "twilio_client/listing.rs"]
mod listing;
#[path = "twilio_client/retries.rs"]
mod retries;
#[path = "twilio_client/secrets.rs"]
mod secrets;
#[path = "twilio_client/sending.rs"]
mod sending;
