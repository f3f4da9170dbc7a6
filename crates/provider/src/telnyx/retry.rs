//! When a failed Telnyx request is tried again, and how long the client waits first.
//!
//! The rules are the Twilio client's, for the same reasons: reads are retried on 429, 5xx and
//! any network error; a send only on 429 (refused before processing) or when no connection was
//! made, since repeating a send that reached Telnyx would text the customer twice. Delays use
//! full jitter under an exponential ceiling, with `Retry-After` as a floor and `max_delay` as a
//! cap.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;

use super::config::RetryPolicy;
use crate::ProviderError;

/// Whether repeating a request can do its work twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Idempotency {
    /// Reads: repeating is harmless.
    Repeatable,
    /// Sends a message: repeating may send a second one.
    CreatesResource,
}

/// Whether `error` is worth another attempt of a request of the given kind.
pub(super) fn should_retry(error: &ProviderError, idempotency: Idempotency) -> bool {
    let repeatable = idempotency == Idempotency::Repeatable;
    match error {
        ProviderError::Api { status: 429, .. } => true,
        ProviderError::Api { status, .. } => *status >= 500 && repeatable,
        ProviderError::Transport { request_sent, .. } => !*request_sent || repeatable,
        ProviderError::Decode { .. } => false,
    }
}

/// How long to wait before retry number `retry` (1 for the first retry).
pub(super) fn backoff_delay(
    policy: &RetryPolicy,
    retry: u32,
    error: &ProviderError,
    rng: &mut impl Rng,
) -> Duration {
    let factor = 2_u32.saturating_pow(retry.saturating_sub(1));
    let ceiling = policy
        .base_delay
        .saturating_mul(factor)
        .min(policy.max_delay);
    let ceiling_ns = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
    let jittered = Duration::from_nanos(rng.random_range(0..=ceiling_ns));

    let asked = match error {
        ProviderError::Api {
            retry_after_s: Some(seconds),
            ..
        } => Duration::from_secs(*seconds),
        _ => Duration::ZERO,
    };
    jittered.max(asked).min(policy.max_delay)
}

/// The wait a `Retry-After` value asks for, in whole seconds: delay-seconds or an HTTP-date
/// measured from `now` (a date already past means no wait).
pub(super) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<u64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds);
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at
        .with_timezone(&Utc)
        .signed_duration_since(now)
        .num_seconds();
    Some(u64::try_from(wait).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn api(status: u16, retry_after_s: Option<u64>) -> ProviderError {
        ProviderError::Api {
            status,
            code: None,
            message: "m".into(),
            more_info: None,
            retry_after_s,
        }
    }

    fn transport(request_sent: bool) -> ProviderError {
        ProviderError::Transport {
            message: "m".into(),
            request_sent,
        }
    }

    /// Sends are repeated only when Telnyx surely did not act; reads on any transient failure.
    #[test]
    fn retry_rules_depend_on_idempotency() {
        use Idempotency::{CreatesResource as Send, Repeatable as Read};
        let cases = [
            (api(429, None), Send, true),
            (api(500, None), Read, true),
            (api(500, None), Send, false),
            (api(422, None), Read, false),
            (transport(false), Send, true),
            (transport(true), Send, false),
            (transport(true), Read, true),
        ];

        for (error, idempotency, expected) in cases {
            let retried = should_retry(&error, idempotency);

            assert_eq!(retried, expected, "retry of {error:?} for {idempotency:?}");
        }
    }

    /// Retry-After is honoured as a floor, but never beyond max_delay.
    #[test]
    fn retry_after_is_a_capped_floor() {
        let policy = RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(2),
        };
        let mut rng = StdRng::seed_from_u64(5);

        let asked_one = backoff_delay(&policy, 1, &api(429, Some(1)), &mut rng);
        let asked_an_hour = backoff_delay(&policy, 1, &api(429, Some(3600)), &mut rng);

        assert_eq!(asked_one, Duration::from_secs(1), "one second asked");
        assert_eq!(asked_an_hour, policy.max_delay, "an hour asked, capped");
    }

    /// Both Retry-After forms are read; nonsense asks for nothing.
    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .expect("valid")
            .with_timezone(&Utc);

        assert_eq!(parse_retry_after("7", now), Some(7), "seconds");
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(30),
            "HTTP-date"
        );
        assert_eq!(parse_retry_after("soon", now), None, "nonsense");
    }
}
