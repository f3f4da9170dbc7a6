//! Turning Twilio's error answers into [`ProviderError`]s.
//!
//! Two facts matter most to the engine and are kept exact: the provider's error code (21610
//! means the customer opted out, 21614 that the number cannot take texts), and the `Retry-After`
//! wait. Failures that are no error body at all (no answer, an undecodable success) are mapped
//! by the shared rules in [`crate::http`].

use reqwest::StatusCode;

use super::wire::WireError;
use crate::http::unexpected_body;
use crate::ProviderError;

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
        }) => (code, unexpected_body(status, body, "Twilio"), more_info),
        None => (None, unexpected_body(status, body, "Twilio"), None),
    };

    ProviderError::Api {
        status: status.as_u16(),
        code,
        message,
        more_info,
        retry_after_s,
    }
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
}
