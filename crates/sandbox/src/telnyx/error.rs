//! Telnyx's error answers: `{"errors": [{"code", "title", "detail", "source"}]}`.
//!
//! Codes are Telnyx's general API codes (10004 missing parameter, 10009 authentication
//! failed, ...), written as strings as Telnyx writes them.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An error answer on the Telnyx paths.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TelnyxError {
    pub(crate) status: StatusCode,
    pub(crate) code: u32,
    pub(crate) title: &'static str,
    pub(crate) detail: String,
    /// The JSON pointer of the request field at fault, where there is one.
    pub(crate) pointer: Option<String>,
}

impl TelnyxError {
    pub(crate) fn new(
        status: StatusCode,
        code: u32,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            title,
            detail: detail.into(),
            pointer: None,
        }
    }

    /// A 422 about one request field.
    pub(crate) fn invalid(code: u32, title: &'static str, field: &str, detail: String) -> Self {
        Self {
            pointer: Some(format!("/{field}")),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, title, detail)
        }
    }

    pub(crate) fn unauthenticated() -> Self {
        let detail = "The required authentication headers were either invalid or not included \
                      in the request.";
        Self::new(
            StatusCode::UNAUTHORIZED,
            10009,
            "Authentication failed",
            detail,
        )
    }

    pub(crate) fn not_found(path: &str) -> Self {
        let detail = format!("The requested resource {path} could not be found.");
        Self::new(StatusCode::NOT_FOUND, 10005, "Resource not found", detail)
    }
}

impl IntoResponse for TelnyxError {
    fn into_response(self) -> Response {
        let mut error = json!({
            "code": self.code.to_string(),
            "title": self.title,
            "detail": self.detail,
            "meta": {"url": format!("https://developers.telnyx.com/docs/overview/errors/{}", self.code)},
        });
        if let Some(pointer) = self.pointer {
            error["source"] = json!({ "pointer": pointer });
        }
        (self.status, Json(json!({ "errors": [error] }))).into_response()
    }
}
