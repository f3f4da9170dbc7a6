//! Reading a webhook's parameters: a form body (`application/x-www-form-urlencoded`), or the
//! flat JSON object of Twilio's JSON webhooks.
//!
//! Decoding is strict on purpose. Twilio percent-encodes every parameter as UTF-8, so a body
//! with a broken escape or bytes that are not UTF-8 did not come from Twilio; it is refused
//! with a message naming the parameter, rather than decoded lossily into something Twilio never
//! sent (and whose signature could not be checked faithfully anyway).

/// Why a body could not be read as parameters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("form body: byte {at} starts a '%' escape without two hex digits after it")]
    BadEscape { at: usize },
    #[error("form body: {what} is not valid UTF-8 once decoded")]
    NotUtf8 { what: String },
    #[error("JSON body: {0}")]
    Json(String),
}

/// The parameters of a form body, in the order they were sent.
pub fn parse(body: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    let mut params = Vec::new();
    let mut offset = 0;
    for pair in body.split(|b| *b == b'&') {
        let start = offset;
        offset += pair.len() + 1;
        if pair.is_empty() {
            continue;
        }
        let (name, value, value_at) = match pair.iter().position(|b| *b == b'=') {
            Some(eq) => (&pair[..eq], &pair[eq + 1..], start + eq + 1),
            None => (pair, &[][..], start + pair.len()),
        };
        let name = decode(name, start)?;
        let name = String::from_utf8(name).map_err(|_| FormError::NotUtf8 {
            what: format!("the name of parameter {}", params.len() + 1),
        })?;
        let value = decode(value, value_at)?;
        let value = String::from_utf8(value).map_err(|_| FormError::NotUtf8 {
            what: format!("the value of {name:?}"),
        })?;
        params.push((name, value));
    }
    Ok(params)
}

/// The parameters of a flat JSON object whose values are all strings.
pub fn parse_json(body: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(body).map_err(|e| FormError::Json(e.to_string()))?;
    object
        .into_iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(value) => Ok((name, value)),
            _ => Err(FormError::Json(format!(
                "the value of {name:?} is not a string"
            ))),
        })
        .collect()
}

/// Percent-decodes one name or value (`+` is a space); `at` is its offset in the body, for
/// error messages.
fn decode(raw: &[u8], at: usize) -> Result<Vec<u8>, FormError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let byte = match raw.get(i + 1..i + 3) {
                    Some([high, low]) => hex_value(*high).zip(hex_value(*low)),
                    _ => None,
                };
                let Some((high, low)) = byte else {
                    return Err(FormError::BadEscape { at: at + i });
                };
                out.push(high << 4 | low);
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    Ok(out)
}

fn hex_value(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn pairs(body: &str) -> Vec<(String, String)> {
        parse(body.as_bytes()).expect("a valid form")
    }

    #[test]
    fn decodes_twilios_encoding() {
        let body = "From=%2B12125550111&Body=Can+I+book%3F+%C3%A9t%C3%A9&NumMedia=0&Empty=&Bare";

        let params = pairs(body);

        let expected = [
            ("From", "+12125550111"),
            ("Body", "Can I book? été"),
            ("NumMedia", "0"),
            ("Empty", ""),
            ("Bare", ""),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        assert_eq!(params, expected, "every parameter, in order, decoded");
        assert_eq!(pairs(""), Vec::new(), "an empty body has no parameters");
        assert_eq!(pairs("a=1&&b=2").len(), 2, "empty pairs are skipped");
    }

    #[test]
    fn refuses_what_twilio_never_sends() {
        assert_eq!(
            parse(b"Body=100%"),
            Err(FormError::BadEscape { at: 8 }),
            "a '%' at the end"
        );
        assert_eq!(
            parse(b"Body=%zz"),
            Err(FormError::BadEscape { at: 5 }),
            "a '%' before non-hex"
        );
        assert_eq!(
            parse(b"Body=%+1"),
            Err(FormError::BadEscape { at: 5 }),
            "a sign is not a hex digit"
        );
        assert_eq!(
            parse(b"From=x&Body=%FF%FE"),
            Err(FormError::NotUtf8 {
                what: "the value of \"Body\"".into()
            }),
            "escaped bytes that are not UTF-8"
        );
        assert_eq!(
            parse(b"Body=\xff"),
            Err(FormError::NotUtf8 {
                what: "the value of \"Body\"".into()
            }),
            "raw bytes that are not UTF-8"
        );
    }

    #[test]
    fn reads_a_flat_json_object() {
        let params = parse_json(br#"{"CallSid":"CA1","From":"+1"}"#).unwrap();

        assert_eq!(params.len(), 2, "both values");
        assert!(
            parse_json(br#"{"N":1}"#).is_err(),
            "a number is not a Twilio parameter"
        );
        assert!(parse_json(b"[]").is_err(), "not an object");
    }

    proptest! {
        /// No body makes parsing panic.
        #[test]
        fn parse_never_panics(body in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = parse(&body);
            let _ = parse_json(&body);
        }

        /// Whatever is encoded the usual way decodes to itself.
        #[test]
        fn encoded_pairs_round_trip(
            pairs in proptest::collection::vec(("[a-zA-Z]{1,6}", ".{0,10}"), 0..5),
        ) {
            let encode = |s: &str| -> String {
                s.bytes()
                    .map(|b| match b {
                        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
                        b' ' => "+".into(),
                        _ => format!("%{b:02X}"),
                    })
                    .collect()
            };
            let body = pairs
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect::<Vec<_>>()
                .join("&");
            prop_assert_eq!(parse(body.as_bytes()).unwrap(), pairs);
        }
    }
}
