//! Serde helpers for fields that every provider in this crate writes in more than one way.
//!
//! Counts and error codes come as JSON numbers from some providers and as numeric strings from
//! others (Twilio's `"num_segments": "1"`, Telnyx's `"code": "40001"`). A record is worth more
//! to the engine with one odd field missing than not at all, so anything unrecognised (null,
//! an empty string, a negative or fractional number) reads as `None`. Use the deserializer
//! with `#[serde(default, deserialize_with = "...")]` so that a missing field is `None` too.
//! Each client's own `lenient` module adds the helpers only its provider needs.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A whole number that may come as a JSON number or a numeric string.
pub(crate) fn optional_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    Ok(value.as_ref().and_then(u32_from_value))
}

/// A whole number from a JSON number or a numeric string, white space around it allowed.
pub(crate) fn u32_from_value(value: &Value) -> Option<u32> {
    match value {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Sample {
        #[serde(default, deserialize_with = "optional_u32")]
        count: Option<u32>,
    }

    fn read(value: Value) -> Sample {
        serde_json::from_value(value).expect("sample should deserialize")
    }

    /// Counts arrive as numbers from some providers and as strings from Twilio.
    #[test]
    fn u32_reads_numbers_and_numeric_strings() {
        let cases = [
            (json!({"count": 3}), Some(3)),
            (json!({"count": "3"}), Some(3)),
            (json!({"count": " 12 "}), Some(12)),
            (json!({"count": null}), None),
            (json!({}), None),
            (json!({"count": ""}), None),
            (json!({"count": "n/a"}), None),
            (json!({"count": -1}), None),
            (json!({"count": 1.5}), None),
            (json!({"count": 5_000_000_000_u64}), None),
            (json!({"count": true}), None),
        ];

        for (input, expected) in cases {
            let sample = read(input.clone());

            assert_eq!(sample.count, expected, "count read from {input}");
        }
    }
}
