//! Textback's engine.
#![forbid(unsafe_code)]
