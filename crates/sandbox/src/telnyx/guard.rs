//! Bearer auth and injected faults for the Telnyx paths.
//!
//! The same [`Faults`](crate::Faults) as on the Twilio paths apply, answered in Telnyx's words:
//! a 500 (10007), a 429 (10011, `Retry-After: 1`), or a connection dropped without an answer,
//! after the request took effect half the time. Faults come before authentication, as a real
//! outage does not check keys first.

use std::io;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;

use super::error::TelnyxError;
use crate::Sandbox;

/// Lets a request through only with `Authorization: Bearer {auth token}`.
pub(crate) async fn require_key(
    State(sandbox): State<Sandbox>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim());
    if presented != Some(sandbox.auth_token()) {
        tracing::debug!(
            path = request.uri().path(),
            "telnyx request refused: bad key"
        );
        return TelnyxError::unauthenticated().into_response();
    }
    next.run(request).await
}

/// Waits the configured latency, then answers with a fault or lets the request through.
pub(crate) async fn inject_faults(
    State(sandbox): State<Sandbox>,
    request: Request,
    next: Next,
) -> Response {
    let faults = sandbox.faults();
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }

    let draw: f64 = rand::rng().random();
    let error_until = faults.error_rate;
    let rate_limit_until = error_until + faults.rate_limit_rate;
    let reset_until = rate_limit_until + faults.reset_rate;
    if draw < error_until {
        let detail = "An unexpected error occured.";
        return TelnyxError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            10007,
            "Unexpected error",
            detail,
        )
        .into_response();
    }
    if draw < rate_limit_until {
        let detail = "You have exceeded the maximum number of allowed requests.";
        let mut response = TelnyxError::new(
            StatusCode::TOO_MANY_REQUESTS,
            10011,
            "Too many requests",
            detail,
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    }
    if draw < reset_until {
        if rand::rng().random_bool(0.5) {
            drop(next.run(request).await);
        }
        return dropped_connection();
    }
    next.run(request).await
}

/// A response whose body fails before its first byte, so the connection closes unanswered.
fn dropped_connection() -> Response {
    let failure = io::Error::new(
        io::ErrorKind::ConnectionReset,
        "sandbox dropped the connection",
    );
    let body = futures::stream::once(async move { Err::<Bytes, io::Error>(failure) });
    Response::new(Body::from_stream(body))
}
