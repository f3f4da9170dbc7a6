//! The one error type of the sandbox's Rust API.
//!
//! Callers (tests, the demo UI's backend) branch on it only to tell a bad phone number from a bad
//! fault rate; the control API turns its message into the `{"error": ...}` body it answers with.

/// Why the sandbox refused a request made through its Rust or control API.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SandboxError {
    /// A phone number was not in E.164 form (`+` then up to fifteen digits, no leading zero).
    #[error("'{field}' must be an E.164 phone number such as +15551234567, got {value:?}")]
    InvalidNumber { field: &'static str, value: String },

    /// A fault probability was outside 0..=1.
    #[error("'{field}' must be a probability between 0 and 1, got {value}")]
    InvalidRate { field: &'static str, value: f64 },
}
