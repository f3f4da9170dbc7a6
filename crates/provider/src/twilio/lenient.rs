//! Serde helpers that read the fields on which Twilio-compatible providers disagree.
//!
//! Twilio writes counts as strings (`"num_segments": "1"`) and error codes as numbers, its
//! dates in RFC 2822; other providers speaking the same API write numbers as numbers, dates in
//! RFC 3339, or leave fields out. A record is worth more to the engine with one odd field
//! missing than not at all, so each helper reads what it recognises and turns anything else
//! (null, an empty string, a value it cannot make sense of) into `None`. Use them with
//! `#[serde(default, deserialize_with = "...")]` so that a missing field is `None` too.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A whole number that may come as a JSON number or a numeric string.
pub(super) fn optional_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    Ok(value.as_ref().and_then(u32_from_value))
}

/// An instant written in RFC 2822 (Twilio) or RFC 3339.
pub(super) fn optional_datetime<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    let text = Option::<String>::deserialize(d)?;
    Ok(text.as_deref().and_then(parse_datetime))
}

/// Text where an empty string means the same as null.
pub(super) fn optional_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = Option::<String>::deserialize(d)?;
    Ok(text.filter(|t| !t.trim().is_empty()))
}

fn u32_from_value(value: &Value) -> Option<u32> {
    match value {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Parses RFC 2822 first, as Twilio writes it, then RFC 3339.
pub(super) fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc2822(text)
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Sample {
        #[serde(default, deserialize_with = "optional_u32")]
        count: Option<u32>,
        #[serde(default, deserialize_with = "optional_datetime")]
        at: Option<DateTime<Utc>>,
        #[serde(default, deserialize_with = "optional_text")]
        note: Option<String>,
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

    /// Twilio's RFC 2822 dates and other providers' RFC 3339 dates both read as UTC.
    #[test]
    fn datetime_reads_rfc2822_and_rfc3339() {
        let expected = Utc.with_ymd_and_hms(2010, 8, 31, 20, 36, 28).single();
        let cases = [
            (json!({"at": "Tue, 31 Aug 2010 20:36:28 +0000"}), expected),
            (json!({"at": "Tue, 31 Aug 2010 22:36:28 +0200"}), expected),
            (json!({"at": "2010-08-31T20:36:28Z"}), expected),
            (json!({"at": "2010-08-31T16:36:28-04:00"}), expected),
            (json!({"at": null}), None),
            (json!({"at": ""}), None),
            (json!({"at": "yesterday"}), None),
            (json!({}), None),
        ];

        for (input, expected) in cases {
            let sample = read(input.clone());

            assert_eq!(sample.at, expected, "instant read from {input}");
        }
    }

    /// An empty string is as good as null for optional text such as `answered_by`.
    #[test]
    fn text_treats_empty_as_absent() {
        let present = read(json!({"note": "human"}));
        let empty = read(json!({"note": ""}));
        let null = read(json!({"note": null}));

        assert_eq!(
            present.note.as_deref(),
            Some("human"),
            "text should be kept"
        );
        assert_eq!(empty.note, None, "an empty string should read as absent");
        assert_eq!(null.note, None, "null should read as absent");
    }

    /// Fields the helpers do not know about do not stop a record from being read.
    #[test]
    fn unknown_fields_are_ignored() {
        let sample = read(json!({"count": "2", "price": "-0.0075", "subresource_uris": {}}));

        assert_eq!(sample.count, Some(2), "known field should still be read");
    }
}
