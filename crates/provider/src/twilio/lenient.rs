//! Serde helpers that read the fields on which Twilio-compatible providers disagree.
//!
//! Twilio writes counts as strings (`"num_segments": "1"`) and error codes as numbers, its
//! dates in RFC 2822; other providers speaking the same API write numbers as numbers, dates in
//! RFC 3339, or leave fields out. A record is worth more to the engine with one odd field
//! missing than not at all, so each helper reads what it recognises and turns anything else
//! (null, an empty string, a value it cannot make sense of) into `None`. Use them with
//! `#[serde(default, deserialize_with = "...")]` so that a missing field is `None` too. The
//! count reader is shared with the other clients (the crate's `lenient` module).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

pub(super) use crate::lenient::optional_u32;

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
    use serde_json::{json, Value};

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
