//! Why a phone number could not be parsed.

use thiserror::Error;

/// What was wrong with the text given to [`parse`](super::parse).
///
/// Messages never repeat the input, so they are safe to log and to show next to the field the
/// number was typed in.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PhoneError {
    /// The input was empty or only whitespace.
    #[error("no phone number given")]
    Empty,
    /// The input does not read as a phone number at all.
    #[error("not a phone number")]
    NotANumber,
    /// The default region is not an ISO 3166 alpha-2 code the metadata knows.
    #[error("unknown region {0:?}; expected a two-letter country code such as \"US\"")]
    UnknownRegion(String),
    /// The number has no `+` country code and no default region was given to read it in.
    #[error("a number without a +country code needs a default region")]
    NoRegion,
    /// The number starts with a country calling code no country uses.
    #[error("unknown country calling code")]
    UnknownCallingCode,
    /// Fewer digits than any number of that country has.
    #[error("too few digits for a phone number")]
    TooShort,
    /// More digits than any number of that country has, or more text than a number needs.
    #[error("too long for a phone number")]
    TooLong,
}
