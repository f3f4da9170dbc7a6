//! Injected trouble on the Twilio paths: latency, server errors, rate limits, dropped
//! connections.
//!
//! The engine must survive a provider that is slow, failing, throttling or cut off mid-request,
//! and must never send a text twice because of it. These faults let tests and demos produce each
//! case on demand. They apply only to the Twilio paths; the control API always answers, so a
//! test can always turn the faults off again.
//!
//! A dropped connection is the case that matters most for sending: the client sees no answer
//! and cannot know whether its message went out. The sandbox makes that true: half the dropped
//! requests take effect before the connection goes.

use std::io;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;

use crate::api_error::TwilioError;
use crate::model::Faults;
use crate::Sandbox;

/// What goes wrong with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    ServerError,
    RateLimited,
    Reset { takes_effect: bool },
}

/// Waits the configured latency, then answers with a fault or lets the request through.
pub(crate) async fn inject(
    State(sandbox): State<Sandbox>,
    request: Request,
    next: Next,
) -> Response {
    let faults = sandbox.faults();
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }

    let Some(fault) = roll(&faults) else {
        return next.run(request).await;
    };
    tracing::debug!(?fault, path = request.uri().path(), "fault injected");
    match fault {
        Fault::ServerError => {
            let message = "An internal server error has occurred";
            TwilioError::new(StatusCode::INTERNAL_SERVER_ERROR, 20500, message).into_response()
        }
        Fault::RateLimited => rate_limited(),
        Fault::Reset { takes_effect } => {
            if takes_effect {
                // The request is carried out, but its answer is never sent.
                drop(next.run(request).await);
            }
            dropped_connection()
        }
    }
}

/// Picks at most one fault with one draw, so the rates add up to the chance of any fault.
fn roll(faults: &Faults) -> Option<Fault> {
    let mut rng = rand::rng();
    let draw: f64 = rng.random();
    let error_until = faults.error_rate;
    let rate_limit_until = error_until + faults.rate_limit_rate;
    let reset_until = rate_limit_until + faults.reset_rate;

    if draw < error_until {
        Some(Fault::ServerError)
    } else if draw < rate_limit_until {
        Some(Fault::RateLimited)
    } else if draw < reset_until {
        Some(Fault::Reset {
            takes_effect: rng.random_bool(0.5),
        })
    } else {
        None
    }
}

fn rate_limited() -> Response {
    let mut response =
        TwilioError::new(StatusCode::TOO_MANY_REQUESTS, 20429, "Too Many Requests").into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// A response whose body fails before its first byte. Hyper buffers the status line and
/// headers until the body's first chunk, so on that failure it closes the connection with
/// nothing written: the client sees the connection end without an answer.
fn dropped_connection() -> Response {
    let failure = io::Error::new(
        io::ErrorKind::ConnectionReset,
        "sandbox dropped the connection",
    );
    let body = futures::stream::once(async move { Err::<Bytes, io::Error>(failure) });
    Response::new(Body::from_stream(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No rates, no faults; a rate of one, always that fault.
    #[test]
    fn rolls_follow_the_rates() {
        let none = Faults::default();
        let always_limited = Faults {
            rate_limit_rate: 1.0,
            ..Faults::default()
        };
        let always_reset = Faults {
            reset_rate: 1.0,
            ..Faults::default()
        };

        for _ in 0..100 {
            assert_eq!(roll(&none), None, "zero rates never fault");
            assert_eq!(
                roll(&always_limited),
                Some(Fault::RateLimited),
                "rate one always faults"
            );
            assert!(
                matches!(roll(&always_reset), Some(Fault::Reset { .. })),
                "reset rate one always drops"
            );
        }
    }
}
