//! HTTP Basic auth and account scoping for the Twilio paths, as Twilio does them.
//!
//! The engine authenticates with the account SID as user name and the auth token as password.
//! A wrong or missing pair gets Twilio's 401 (code 20003, with a `WWW-Authenticate` challenge);
//! valid credentials used on another account's path get the 404 (code 20404) Twilio gives for
//! resources the caller cannot see, so a misconfigured account SID fails here as it would there.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::prelude::{Engine, BASE64_STANDARD};

use crate::api_error::TwilioError;
use crate::Sandbox;

/// Lets a request through only with this sandbox's credentials and account.
pub(crate) async fn require_account(
    State(sandbox): State<Sandbox>,
    request: Request,
    next: Next,
) -> Response {
    if !has_credentials(
        request.headers(),
        sandbox.account_sid(),
        sandbox.auth_token(),
    ) {
        tracing::debug!(
            path = request.uri().path(),
            "request refused: bad credentials"
        );
        return TwilioError::authenticate().into_response();
    }

    let path = request.uri().path();
    if path_account(path) != Some(sandbox.account_sid()) {
        tracing::debug!(path, "request refused: another account");
        return TwilioError::not_found(path).into_response();
    }

    next.run(request).await
}

/// Whether `headers` carry HTTP Basic credentials `user:password`.
fn has_credentials(headers: &HeaderMap, user: &str, password: &str) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    let Some(decoded) = BASE64_STANDARD.decode(encoded.trim()).ok() else {
        return false;
    };
    String::from_utf8(decoded)
        .ok()
        .as_deref()
        .and_then(|pair| pair.split_once(':'))
        == Some((user, password))
}

/// The account SID in a `/2010-04-01/Accounts/{AccountSid}/...` path.
fn path_account(path: &str) -> Option<&str> {
    path.strip_prefix("/2010-04-01/Accounts/")?
        .split('/')
        .next()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn basic(pair: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let value = format!("Basic {}", BASE64_STANDARD.encode(pair));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&value).expect("ascii"),
        );
        headers
    }

    /// Only the exact user and password pass; a token containing a colon still works.
    #[test]
    fn checks_user_and_password() {
        let good = basic("ACabc:tok:en");
        let wrong = basic("ACabc:nope");

        assert!(
            has_credentials(&good, "ACabc", "tok:en"),
            "the right pair passes"
        );
        assert!(
            !has_credentials(&wrong, "ACabc", "tok:en"),
            "a wrong password fails"
        );
        assert!(
            !has_credentials(&HeaderMap::new(), "ACabc", "tok:en"),
            "no header fails"
        );
    }

    /// The account is the path segment after `Accounts/`.
    #[test]
    fn reads_the_account_from_the_path() {
        let path = "/2010-04-01/Accounts/ACabc/Messages.json";

        assert_eq!(path_account(path), Some("ACabc"), "the account segment");
        assert_eq!(path_account("/sandbox/calls"), None, "not a Twilio path");
    }
}
