//! Tests of `textback-text`, one module per module of the crate.

mod keywords;
mod phone;
mod sms;
mod template;
