//! Pure text rules Textback applies to what it sends and receives.
//!
//! Everything here is a function of its arguments: no I/O, no clock, no global state beyond
//! the phone number metadata compiled into the `phonenumber` crate. That keeps the rules cheap
//! to test exhaustively and lets the desktop app, the engine and the CLI share one answer to
//! questions such as "how many segments will this reply cost?" or "did this caller opt out?".
//!
//! - [`sms`]: GSM-7 / UCS-2 encoding and segment counting.
//! - [`phone`]: parsing caller IDs into E.164 and spotting withheld numbers.
//! - [`keywords`]: carrier opt-out, opt-in and help keywords, and free-text "stop" requests.
//! - [`template`]: the reply templates staff write, with placeholders and fallbacks.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod keywords;
pub mod phone;
pub mod sms;
pub mod template;
