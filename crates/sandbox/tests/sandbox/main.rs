//! The sandbox over real HTTP on loopback, the way the engine's Twilio client and the demo UI
//! reach it. Modules mirror the crate's: the Twilio API's auth, calls, messages, paging and
//! faults, and the control API.

mod auth;
mod calls;
mod common;
mod control;
mod faults;
mod messages;
mod paging;
