//! A Twilio-compatible sandbox.
#![forbid(unsafe_code)]
