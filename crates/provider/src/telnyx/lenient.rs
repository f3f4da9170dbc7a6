//! Serde helpers for the fields Telnyx writes in more than one way.
//!
//! A message's `from` is a bare number in some answers and an object with `phone_number` in
//! others; error codes are strings of digits; `errors` holds objects on a message and bare codes
//! on a detail record. Each helper reads what it recognises and turns anything else into `None`
//! (use them with `#[serde(default, deserialize_with = "...")]`), because a record with one odd
//! field is worth more to the engine than no record. Counts and codes are read by the helpers
//! shared with the other clients (the crate's `lenient` module).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

pub(super) use crate::lenient::{optional_u32, u32_from_value};

/// An RFC 3339 instant, fractions of a second allowed.
pub(super) fn optional_datetime<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    Ok(value
        .as_ref()
        .and_then(Value::as_str)
        .and_then(parse_datetime))
}

/// Text where an empty string, or anything not a string, means absent.
pub(super) fn optional_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    Ok(value.as_ref().and_then(text_from_value))
}

/// A phone number written bare (`"+1..."`) or as `{"phone_number": "+1..."}`.
pub(super) fn optional_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    Ok(value.as_ref().and_then(number_from_value))
}

/// The first error of an `errors` list: its numeric code and its words, each where given.
pub(super) type FirstError = (Option<u32>, Option<String>);

/// The first error code of an `errors` list, whether it holds objects (`{"code": "40001"}`) or
/// bare codes, with the first error's title or detail where there is one.
pub(super) fn first_error<'de, D: Deserializer<'de>>(d: D) -> Result<Option<FirstError>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    let first = value
        .as_ref()
        .and_then(Value::as_array)
        .and_then(|a| a.first());
    Ok(first.map(|error| match error {
        Value::Object(fields) => {
            let code = fields.get("code").and_then(u32_from_value);
            let text = ["detail", "title"]
                .iter()
                .find_map(|key| fields.get(*key).and_then(text_from_value));
            (code, text)
        }
        other => (u32_from_value(other), None),
    }))
}

pub(super) fn text_from_value(value: &Value) -> Option<String> {
    value
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
}

pub(super) fn number_from_value(value: &Value) -> Option<String> {
    match value {
        Value::Object(fields) => fields.get("phone_number").and_then(text_from_value),
        other => text_from_value(other),
    }
}

pub(super) fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Sample {
        #[serde(default, deserialize_with = "optional_number")]
        from: Option<String>,
        #[serde(default, deserialize_with = "first_error")]
        errors: Option<FirstError>,
        #[serde(default, deserialize_with = "optional_u32")]
        parts: Option<u32>,
        #[serde(default, deserialize_with = "optional_datetime")]
        at: Option<DateTime<Utc>>,
    }

    fn read(value: Value) -> Sample {
        serde_json::from_value(value).expect("sample should deserialize")
    }

    /// Both spellings of a number read the same; odd values read as absent.
    #[test]
    fn numbers_read_bare_or_as_objects() {
        let bare = read(json!({"from": "+18445550001"}));
        let object = read(json!({"from": {"phone_number": "+18445550001", "carrier": "x"}}));
        let odd = read(json!({"from": 7}));

        assert_eq!(bare.from.as_deref(), Some("+18445550001"), "bare number");
        assert_eq!(object.from, bare.from, "object with phone_number");
        assert_eq!(odd.from, None, "a number that is not text");
    }

    /// Error lists of objects and of bare codes both give their first code.
    #[test]
    fn errors_read_objects_and_bare_codes() {
        let objects = read(json!({"errors": [{"code": "40001", "title": "Not routable"}]}));
        let codes = read(json!({"errors": ["40300"]}));
        let empty = read(json!({"errors": []}));
        let odd = read(json!({"errors": "none"}));

        assert_eq!(
            objects.errors,
            Some((Some(40001), Some("Not routable".into()))),
            "object error"
        );
        assert_eq!(codes.errors, Some((Some(40300), None)), "bare code");
        assert_eq!(empty.errors, None, "no errors");
        assert_eq!(odd.errors, None, "not a list");
    }

    /// Parts come as numbers or strings; instants carry fractions and offsets.
    #[test]
    fn counts_and_instants_are_lenient() {
        let sample = read(json!({"parts": "2", "at": "2019-12-09T21:32:14.148+00:00"}));
        let odd = read(json!({"parts": -1, "at": "yesterday"}));

        assert_eq!(sample.parts, Some(2), "parts from a string");
        assert!(sample.at.is_some(), "fractional RFC 3339 instant");
        assert_eq!(odd.parts, None, "negative count");
        assert_eq!(odd.at, None, "not an instant");
    }
}
