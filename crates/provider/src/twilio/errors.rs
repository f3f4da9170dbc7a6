//! Turning what came back from the provider, or failed to, into a [`ProviderError`].
//!
//! Two facts matter most to the engine and are kept exact: the provider's error code (21610
//! means the customer opted out, 21614 that the number cannot take texts), and, for a request
//! that got no answer, whether it may have reached the provider at all. Messages never carry
//! the request URL, which holds phone numbers, nor anything from the request's headers.

use std::error::Error as _;

use reqwest::StatusCode;

use super::wire::WireError;
use crate::ProviderError;

/// How much of an unexpected error body is quoted in the message.
const SNIPPET_CHARS: usize = 120;

/// A request that got no usable answer.
///
/// Only a failure to connect proves the request never left; a time-out, a reset or a broken
/// body may have come after the provider acted on it.
pub(super) fn transport_error(error: reqwest::Error) -> ProviderError {
    let request_sent = !error.is_connect();
    ProviderError::Transport {
        message: error_chain(&error.without_url()),
        request_sent,
    }
}

/// A non-2xx answer, read as Twilio's error body where it is one.
pub(super) fn api_error(
    status: StatusCode,
    retry_after_s: Option<u64>,
    body: &[u8],
) -> ProviderError {
    let wire = serde_json::from_slice::<WireError>(body).ok();
    let (code, message, more_info) = match wire {
        Some(WireError {
            code,
            message: Some(message),
            more_info,
        }) => (code, message, more_info),
        Some(WireError {
            code, more_info, ..
        }) => (code, unexpected_body(status, body), more_info),
        None => (None, unexpected_body(status, body), None),
    };

    ProviderError::Api {
        status: status.as_u16(),
        code,
        message,
        more_info,
        retry_after_s,
    }
}

/// A 2xx answer whose body is not the expected JSON.
pub(super) fn decode_error(error: &serde_json::Error) -> ProviderError {
    ProviderError::Decode {
        message: error.to_string(),
    }
}

/// Describes a body that is not a Twilio error: the status and the start of the body.
fn unexpected_body(status: StatusCode, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return format!("HTTP {status} with an empty body");
    }

    let joined = words.join(" ");
    let mut snippet: String = joined.chars().take(SNIPPET_CHARS).collect();
    if snippet.len() < joined.len() {
        snippet.push('…');
    }
    format!("HTTP {status} with a body that is not a Twilio error: {snippet}")
}

/// An error and its causes, joined, since reqwest's own message is often just "error sending
/// request" and the useful part ("Connection refused") is in a source.
fn error_chain(error: &reqwest::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Twilio's error body keeps its code, message and documentation link.
    #[test]
    fn twilio_error_body_is_read() {
        let body = br#"{"code": 21610, "message": "Attempt to send to unsubscribed recipient",
            "more_info": "https://www.twilio.com/docs/errors/21610", "status": 400}"#;

        let error = api_error(StatusCode::BAD_REQUEST, None, body);

        let ProviderError::Api {
            status,
            code,
            message,
            more_info,
            retry_after_s,
        } = &error
        else {
            panic!("expected an API error, got {error:?}");
        };
        assert_eq!(*status, 400, "status from the HTTP answer");
        assert_eq!(*code, Some(21610), "Twilio's error code");
        assert_eq!(
            message, "Attempt to send to unsubscribed recipient",
            "message"
        );
        assert_eq!(
            more_info.as_deref(),
            Some("https://www.twilio.com/docs/errors/21610"),
            "documentation link"
        );
        assert_eq!(*retry_after_s, None, "no Retry-After given");
        assert!(error.is_opt_out(), "21610 is an opt-out");
    }

    /// An HTML page from a proxy still becomes an API error naming the status and the body.
    #[test]
    fn non_json_body_is_quoted() {
        let body = b"<html>\n  <body>502 Bad Gateway</body>\n</html>";

        let error = api_error(StatusCode::BAD_GATEWAY, Some(5), body);

        let ProviderError::Api {
            status,
            code,
            message,
            retry_after_s,
            ..
        } = &error
        else {
            panic!("expected an API error, got {error:?}");
        };
        assert_eq!(*status, 502, "status");
        assert_eq!(*code, None, "no code in an HTML page");
        assert_eq!(*retry_after_s, Some(5), "Retry-After kept");
        assert!(
            message.contains("502"),
            "message should name the status: {message}"
        );
        assert!(
            message.contains("<html> <body>502 Bad Gateway</body> </html>"),
            "message should quote the body, whitespace collapsed: {message}"
        );
    }

    /// JSON that is not a Twilio error, and an empty body, are described rather than lost.
    #[test]
    fn other_bodies_are_described() {
        let foreign = api_error(StatusCode::NOT_FOUND, None, br#"{"error": "no route"}"#);
        let empty = api_error(StatusCode::SERVICE_UNAVAILABLE, None, b"");

        assert!(
            foreign.to_string().contains(r#"{"error": "no route"}"#),
            "foreign JSON should be quoted: {foreign}"
        );
        assert!(
            empty
                .to_string()
                .contains("503 Service Unavailable with an empty body"),
            "empty body should be said so: {empty}"
        );
    }

    /// A long body is cut to a snippet, on a character boundary.
    #[test]
    fn long_body_is_cut() {
        let body = "é".repeat(1000);

        let message = unexpected_body(StatusCode::INTERNAL_SERVER_ERROR, body.as_bytes());

        let quoted = message.rsplit(": ").next().unwrap_or_default();
        assert_eq!(
            quoted.chars().count(),
            SNIPPET_CHARS + 1,
            "snippet plus ellipsis"
        );
        assert!(
            quoted.ends_with('…'),
            "a cut snippet should say so: {quoted}"
        );
    }
}
