//! Phone numbers as callers and staff write them, turned into E.164.
//!
//! Providers report caller IDs in E.164, but staff type numbers the way they say them
//! ("(212) 555-0100"), so both go through [`parse`] and are compared by [`Phone::e164`].
//! Reading the text is left to the `phonenumber` crate, a port of Google's libphonenumber,
//! and region and type come from its numbering plan metadata, which follows plan changes as
//! the crate is updated. This module adds what Textback needs around it: input guards, error
//! kinds that say what was wrong, and corrections where the crate misreads (see
//! `INTERNATIONAL` below and the `reread` module).
//!
//! A number that parses but matches no known pattern is still returned, with `valid` false: a
//! new number range can reach the front desk before the metadata knows it, and refusing to
//! text back would lose that customer. A number too short or too long for its country is an
//! error, since nothing could deliver to it.
//!
//! Limitation: digits outside ASCII (full-width, Arabic-Indic) are not read as digits.

mod anonymous;
mod error;
mod metadata;
mod reread;

pub use anonymous::is_anonymous;
pub use error::PhoneError;

use phonenumber::country::Id;
use phonenumber::{ParseError, PhoneNumber, Type};
use serde::Serialize;

/// Inputs longer than this are refused before they reach the parser.
///
/// A formatted number with an extension fits in well under half of it, and the bound keeps
/// the parser's regular expressions away from arbitrarily long caller-supplied text.
const MAX_INPUT_CHARS: usize = 64;

/// Region handed to the parser for numbers written with their country code.
///
/// The parser strips a national prefix even from an international number, using the default
/// region's prefix or the number's own: `+7 812 ...` (St Petersburg) became `+7 12 ...`, and
/// with default region GB `+39 06 ...` (Rome) lost its `0`. Italy's plan has neither a
/// national prefix nor a prefix-rewriting rule, so reading against it keeps the digits after
/// the country code as typed; the number's own region is worked out afterwards.
const INTERNATIONAL: Id = Id::IT;

/// A parsed phone number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phone {
    /// The number in E.164 form, such as `+12125550100`; any extension is dropped.
    pub e164: String,
    /// The ISO 3166 alpha-2 code of the region the number belongs to, such as `"US"`; `None`
    /// for non-geographic numbers (`+800` freephone) and numbers no region claims.
    pub country: Option<String>,
    /// Whether the number matches a pattern its region's numbering plan assigns.
    pub valid: bool,
    /// What kind of line the numbering plan says the number is.
    pub kind: NumberKind,
}

/// The kind of line a number belongs to, as far as its numbering plan tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberKind {
    /// A mobile line, which can receive texts.
    Mobile,
    /// A landline, which usually cannot.
    FixedLine,
    /// Either; plans such as North America's do not tell the two apart.
    FixedLineOrMobile,
    /// A freephone number.
    TollFree,
    /// A number served over IP.
    Voip,
    /// A premium-rate number.
    Premium,
    /// Any other assigned kind: shared cost, personal, pager, UAN, voicemail and the like.
    Other,
    /// The number matches no pattern of its region.
    Unknown,
}

impl NumberKind {
    /// Folds the parser's finer types into ours.
    fn from_type(kind: Type) -> Self {
        match kind {
            Type::Mobile => Self::Mobile,
            Type::FixedLine => Self::FixedLine,
            Type::FixedLineOrMobile => Self::FixedLineOrMobile,
            Type::TollFree => Self::TollFree,
            Type::Voip => Self::Voip,
            Type::PremiumRate => Self::Premium,
            Type::Unknown => Self::Unknown,
            _ => Self::Other,
        }
    }
}

/// Parses `input` as a phone number.
///
/// A number written with `+` and a country code parses on its own; a national number needs
/// `default_region`, an ISO 3166 alpha-2 code such as `"US"` (any case), to say which
/// country's plan to read it in.
pub fn parse(input: &str, default_region: Option<&str>) -> Result<Phone, PhoneError> {
    let text = input.trim();
    check_shape(text)?;
    let region = default_region.map(region_id).transpose()?;

    let number = read(text, region)?;
    check_length(&number)?;

    Ok(Phone::from_number(&number))
}

/// Returns the main region using the calling code `e164` starts with.
///
/// This answers from the code alone, so `+1` numbers give `"US"` even when they are Canadian;
/// [`parse`] gives a number's own region. `None` when `e164` does not start with `+` and a
/// known geographic calling code.
pub fn country_calling_code_region(e164: &str) -> Option<String> {
    let digits = e164.trim().strip_prefix('+')?;
    (1..=3)
        .filter_map(|len| digits.get(..len))
        .filter(|code| code.bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|code| code.parse::<u16>().ok())
        .find_map(metadata::main_region)
}

impl Phone {
    /// Describes `number`, keeping the leading zeros of its national part when looking it up.
    fn from_number(number: &PhoneNumber) -> Self {
        let code = number.code().value();
        let nsn = number.national().to_string();
        let region = metadata::region_of(code, &nsn);
        let kind = region.map_or(Type::Unknown, |meta| metadata::kind_in(meta, &nsn));

        Self {
            e164: format!("+{code}{nsn}"),
            country: region.and_then(metadata::alpha2),
            valid: kind != Type::Unknown,
            kind: NumberKind::from_type(kind),
        }
    }
}

/// Reads `text` as a number, preferring a reading the numbering plan assigns.
fn read(text: &str, region: Option<Id>) -> Result<PhoneNumber, PhoneError> {
    let reading_region = if is_international(text) {
        Some(INTERNATIONAL)
    } else {
        region
    };
    let number =
        phonenumber::parse(reading_region, text).map_err(|err| explain(&err, text, region))?;
    if Phone::from_number(&number).valid {
        return Ok(number);
    }

    let assigned = reread::candidates(text, &number, region)
        .into_iter()
        .filter_map(|candidate| phonenumber::parse(Some(INTERNATIONAL), candidate).ok())
        .find(|candidate| Phone::from_number(candidate).valid);
    Ok(assigned.unwrap_or(number))
}

/// Whether `text` starts with its country code, as `+44 ...` or `tel:+44...`.
fn is_international(text: &str) -> bool {
    let tel = text
        .get(..5)
        .is_some_and(|start| start.eq_ignore_ascii_case("tel:+"));
    tel || text.starts_with(['+', '\u{FF0B}'])
}

/// Refuses input that is empty or too long to be a phone number.
fn check_shape(text: &str) -> Result<(), PhoneError> {
    if text.is_empty() {
        return Err(PhoneError::Empty);
    }
    if text.chars().count() > MAX_INPUT_CHARS {
        return Err(PhoneError::TooLong);
    }
    Ok(())
}

/// Reads a default region such as `"us"` as the metadata's region id.
///
/// The parser unwraps the metadata of the region it is given, so an id the metadata lacks is
/// refused here instead of reaching it.
fn region_id(region: &str) -> Result<Id, PhoneError> {
    let unknown = || PhoneError::UnknownRegion(region.to_string());
    let id: Id = region
        .trim()
        .to_ascii_uppercase()
        .parse()
        .map_err(|_| unknown())?;

    metadata::region(id).map(|_| id).ok_or_else(unknown)
}

/// Turns the parser's error into ours, using the input to tell apart cases it lumps together.
fn explain(err: &ParseError, text: &str, region: Option<Id>) -> PhoneError {
    match err {
        ParseError::NoNumber if reread::is_plain(text) => PhoneError::TooShort,
        ParseError::NoNumber | ParseError::MalformedInteger(_) => PhoneError::NotANumber,
        ParseError::InvalidCountryCode if region.is_none() && !is_international(text) => {
            PhoneError::NoRegion
        }
        ParseError::InvalidCountryCode => PhoneError::UnknownCallingCode,
        ParseError::TooShortAfterIdd | ParseError::TooShortNsn => PhoneError::TooShort,
        ParseError::TooLong => PhoneError::TooLong,
    }
}

/// Refuses a national number shorter or longer than any its calling code allows.
///
/// The parser accepts any national part of two digits or more, so `+1 555` would otherwise
/// come back as a number.
fn check_length(number: &PhoneNumber) -> Result<(), PhoneError> {
    let length = number.national().to_string().len();
    match metadata::length_range(number.code().value()) {
        Some((shortest, _)) if length < shortest => Err(PhoneError::TooShort),
        Some((_, longest)) if length > longest => Err(PhoneError::TooLong),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards the choice of [`INTERNATIONAL`]: should a metadata update give that region a
    /// national prefix, international numbers would again lose digits.
    #[test]
    fn international_region_has_no_national_prefix() {
        let meta = metadata::region(INTERNATIONAL).expect("metadata covers the region");

        let prefix = meta.national_prefix();
        let rule = meta.national_prefix_for_parsing();

        assert_eq!(prefix, None, "reading region must have no national prefix");
        assert!(
            rule.is_none(),
            "reading region must have no prefix-parsing rule"
        );
    }
}
