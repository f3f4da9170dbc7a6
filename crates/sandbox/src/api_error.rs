//! Twilio's error answers.
//!
//! Every failure on the Twilio paths answers with Twilio's body, `{"code", "message",
//! "more_info", "status"}`, because the engine's client branches on `code` (21610 is an
//! opt-out, 21614 a landline) exactly as it will against Twilio.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// An error answer on the Twilio paths.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TwilioError {
    pub(crate) status: StatusCode,
    pub(crate) code: u32,
    pub(crate) message: String,
}

#[derive(Serialize)]
struct Body<'a> {
    code: u32,
    message: &'a str,
    more_info: String,
    status: u16,
}

impl TwilioError {
    pub(crate) fn new(status: StatusCode, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// A 400 for a request parameter Twilio would refuse.
    pub(crate) fn bad_request(code: u32, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// Missing or wrong credentials.
    pub(crate) fn authenticate() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, 20003, "Authenticate")
    }

    /// A resource that does not exist, or belongs to another account.
    pub(crate) fn not_found(path: &str) -> Self {
        let message = format!("The requested resource {path} was not found");
        Self::new(StatusCode::NOT_FOUND, 20404, message)
    }

    /// A list filter or paging parameter with a value Twilio would not accept.
    pub(crate) fn invalid_parameter(name: &str, value: &str) -> Self {
        Self::bad_request(
            20001,
            format!("Invalid value {value:?} for parameter {name}"),
        )
    }
}

impl IntoResponse for TwilioError {
    fn into_response(self) -> Response {
        let body = Body {
            code: self.code,
            message: &self.message,
            more_info: format!("https://www.twilio.com/docs/errors/{}", self.code),
            status: self.status.as_u16(),
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            let realm = HeaderValue::from_static("Basic realm=\"Twilio API\"");
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, realm);
        }
        response
    }
}
