//! Twilio's list paging: `PageSize`, `Page`, `PageToken`, and the links in every list answer.
//!
//! Clients page by following `next_page_uri`, which carries the list's filters, the next page
//! number and a `PageToken`. The token names the position of the last record on the page
//! (`PA` for "after", then its time and arrival number), not an offset, so records that arrive
//! while a client pages through a list do not shift later pages: the client sees every record
//! that existed when it started exactly once. `previous_page_uri` works the same way with a `PB`
//! ("before") token naming the page's first record. A `Page` without a token is read as an
//! offset, as Twilio's older clients use it.

use serde::Serialize;
use serde_json::Value;

use crate::api_error::TwilioError;
use crate::filters::Params;
use crate::store::{Cursor, Page, Position};

/// Records per page when the client does not say.
const DEFAULT_PAGE_SIZE: usize = 50;

/// The most records Twilio returns in one page; larger sizes are cut to this.
const MAX_PAGE_SIZE: usize = 1000;

/// Which page a list request asked for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PageRequest {
    pub(crate) size: usize,
    pub(crate) cursor: Cursor,
    page: usize,
    token: Option<String>,
}

impl PageRequest {
    /// Reads `PageSize`, `Page` and `PageToken`.
    pub(crate) fn parse(params: &Params) -> Result<Self, TwilioError> {
        let mut size = DEFAULT_PAGE_SIZE;
        let mut page: usize = 0;
        let mut token = None;
        for (key, value) in params {
            let invalid = || TwilioError::invalid_parameter(key, value);
            match key.as_str() {
                "PageSize" => {
                    size = value
                        .parse::<usize>()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(invalid)?
                }
                "Page" => page = value.parse().map_err(|_| invalid())?,
                "PageToken" => token = Some(value.clone()),
                _ => {}
            }
        }

        let size = size.min(MAX_PAGE_SIZE);
        let cursor = match &token {
            Some(token) => decode_token(token)
                .ok_or_else(|| TwilioError::invalid_parameter("PageToken", token))?,
            None => Cursor::Newest {
                skip: page.saturating_mul(size),
            },
        };
        Ok(Self {
            size,
            cursor,
            page,
            token,
        })
    }

    /// The paging fields of the answer to this request, for a list at `path` read with
    /// `filters`, whose page turned out to be `page`.
    pub(crate) fn links<T>(&self, path: &str, filters: &Params, page: &Page<T>) -> PageLinks {
        let link =
            |number: usize, token: Option<&str>| page_uri(path, filters, self.size, number, token);
        let first = page.items.first().map(|(position, _)| *position);
        let last = page.items.last().map(|(position, _)| *position);
        let reading_back = matches!(self.cursor, Cursor::NewerThan(_));

        let has_next = if reading_back {
            last.is_some()
        } else {
            page.more
        };
        let has_previous = if reading_back {
            page.more
        } else {
            self.page > 0
        };
        let next_page_uri = last
            .filter(|_| has_next)
            .map(|position| link(self.page + 1, Some(&encode_token('A', position))));
        let previous_page_uri = first.filter(|_| has_previous).map(|position| {
            link(
                self.page.saturating_sub(1),
                Some(&encode_token('B', position)),
            )
        });

        let start = self.page.saturating_mul(self.size);
        PageLinks {
            end: start + page.items.len().saturating_sub(1),
            first_page_uri: link(0, None),
            next_page_uri,
            page: self.page,
            page_size: self.size,
            previous_page_uri,
            start,
            uri: link(self.page, self.token.as_deref()),
        }
    }
}

/// The paging fields every list answer carries beside its records.
#[derive(Debug, Serialize)]
pub(crate) struct PageLinks {
    end: usize,
    first_page_uri: String,
    next_page_uri: Option<String>,
    page: usize,
    page_size: usize,
    previous_page_uri: Option<String>,
    start: usize,
    uri: String,
}

/// A list answer: the records under `key` (`calls`, `messages`) beside the paging fields.
pub(crate) fn list_body<T: Serialize>(key: &str, records: Vec<T>, links: PageLinks) -> Value {
    let mut body =
        serde_json::to_value(links).unwrap_or_else(|_| Value::Object(Default::default()));
    if let Value::Object(fields) = &mut body {
        let records = serde_json::to_value(records).unwrap_or(Value::Array(Vec::new()));
        fields.insert(key.to_owned(), records);
    }
    body
}

fn page_uri(path: &str, filters: &Params, size: usize, page: usize, token: Option<&str>) -> String {
    let mut query: Vec<String> = filters
        .iter()
        .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
        .collect();
    query.push(format!("PageSize={size}"));
    query.push(format!("Page={page}"));
    if let Some(token) = token {
        query.push(format!("PageToken={}", encode(token)));
    }
    format!("{path}?{}", query.join("&"))
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so `+` in a phone number
/// and `>` in `StartTime>` survive the round trip.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for byte in s.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn encode_token(direction: char, position: Position) -> String {
    format!("P{direction}{}_{}", position.time, position.seq)
}

fn decode_token(token: &str) -> Option<Cursor> {
    let rest = token.strip_prefix('P')?;
    let mut chars = rest.chars();
    let direction = chars.next()?;
    let (time, seq) = chars.as_str().split_once('_')?;
    let position = Position {
        time: time.parse().ok()?,
        seq: seq.parse().ok()?,
    };
    match direction {
        'A' => Some(Cursor::OlderThan(position)),
        'B' => Some(Cursor::NewerThan(position)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A token names a position, and reads back as the cursor after it.
    #[test]
    fn tokens_round_trip() {
        let position = Position {
            time: 1_700_000_000,
            seq: 42,
        };

        let after = decode_token(&encode_token('A', position));
        let before = decode_token(&encode_token('B', position));

        assert_eq!(
            after,
            Some(Cursor::OlderThan(position)),
            "PA reads the next page"
        );
        assert_eq!(
            before,
            Some(Cursor::NewerThan(position)),
            "PB reads the previous page"
        );
        assert_eq!(
            decode_token("PZ1_2"),
            None,
            "unknown directions are refused"
        );
        assert_eq!(decode_token("garbage"), None, "garbage is refused");
    }

    /// Sizes default to 50, are capped at 1000, and must be positive numbers.
    #[test]
    fn page_sizes_are_bounded() {
        let default = PageRequest::parse(&[]).expect("no parameters is fine");
        let huge = PageRequest::parse(&params(&[("PageSize", "5000")])).expect("capped");
        let zero = PageRequest::parse(&params(&[("PageSize", "0")]));

        assert_eq!(default.size, 50, "Twilio's default page size");
        assert_eq!(huge.size, 1000, "Twilio's largest page size");
        assert!(zero.is_err(), "a page of zero records is refused");
    }

    /// Page links repeat the filters, percent-encoded the way Twilio does.
    #[test]
    fn page_uris_encode_filters() {
        let filters = params(&[("To", "+15551234567"), ("DateSent>", "2024-01-01")]);

        let uri = page_uri("/x/Messages.json", &filters, 2, 1, Some("PA1_2"));

        assert_eq!(
            uri,
            "/x/Messages.json?To=%2B15551234567&DateSent%3E=2024-01-01&PageSize=2&Page=1\
             &PageToken=PA1_2",
            "filters first, then paging"
        );
    }
}
