//! When a failed request is tried again, and how long a client waits first, for every
//! provider client in this crate.
//!
//! Listing and fetching only read, so every transient failure (429, 5xx, any network error) is
//! worth another try. Creating a message is different: a second POST after one that reached
//! the provider texts the customer twice. A send is therefore repeated only when the provider
//! surely did not act on it: it answered 429, which it does before processing, or no connection
//! was ever established. A 5xx, a time-out or a connection lost after sending is handed back at
//! once as an error whose outcome is unknown, and the engine reconciles.
//!
//! Delays grow exponentially with full jitter (a uniform pick between zero and the ceiling),
//! so that clients that failed together do not come back together. A `Retry-After` from the
//! provider is a floor under that pick, and `max_delay` caps both, so that a misbehaving header
//! cannot stall the engine.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;

use crate::ProviderError;

/// How often and how patiently a failed request is tried again.
///
/// Which failures are retried at all depends on the request: reads on any transient failure,
/// sends only on those that surely did nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 0 is read as 1.
    pub max_attempts: u32,
    /// The ceiling of the first retry's delay; each later retry doubles it.
    pub base_delay: Duration,
    /// No delay exceeds this, not even one the provider asked for with `Retry-After`.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// Whether repeating a request can do its work twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// Reads: repeating is harmless.
    Repeatable,
    /// Creates a resource (sends a message): repeating may create a second one.
    CreatesResource,
}

/// Whether `error` is worth another attempt of a request of the given kind.
pub(crate) fn should_retry(error: &ProviderError, idempotency: Idempotency) -> bool {
    let repeatable = idempotency == Idempotency::Repeatable;
    match error {
        ProviderError::Api { status: 429, .. } => true,
        ProviderError::Api { status, .. } => *status >= 500 && repeatable,
        ProviderError::Transport { request_sent, .. } => !*request_sent || repeatable,
        ProviderError::Decode { .. } => false,
    }
}

/// How long to wait before retry number `retry` (1 for the first retry).
///
/// The pick is uniform in `[0, min(max_delay, base_delay * 2^(retry - 1))]`, then raised to
/// `retry_after` if the provider asked for longer, and finally capped by `max_delay`.
pub(crate) fn backoff_delay(
    policy: &RetryPolicy,
    retry: u32,
    retry_after: Option<Duration>,
    rng: &mut impl Rng,
) -> Duration {
    let ceiling = backoff_ceiling(policy, retry);
    let ceiling_ns = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
    let jittered = Duration::from_nanos(rng.random_range(0..=ceiling_ns));

    jittered
        .max(retry_after.unwrap_or_default())
        .min(policy.max_delay)
}

/// The upper bound of retry number `retry`'s jittered delay.
fn backoff_ceiling(policy: &RetryPolicy, retry: u32) -> Duration {
    let factor = 2_u32.saturating_pow(retry.saturating_sub(1));
    policy
        .base_delay
        .saturating_mul(factor)
        .min(policy.max_delay)
}

/// The wait a `Retry-After` header asks for, in whole seconds.
///
/// Accepts delay-seconds (`120`) and an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`), which
/// is measured from `now`; a date already past means no wait.
///
/// Limitation: of the HTTP-date forms only the usual IMF-fixdate is read, not the obsolete
/// RFC 850 and asctime ones.
pub(crate) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<u64> {
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

/// The wait a failed attempt's error asks for.
pub(crate) fn requested_wait(error: &ProviderError) -> Option<Duration> {
    match error {
        ProviderError::Api {
            retry_after_s: Some(seconds),
            ..
        } => Some(Duration::from_secs(*seconds)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn api(status: u16) -> ProviderError {
        ProviderError::Api {
            status,
            code: None,
            message: "m".into(),
            more_info: None,
            retry_after_s: None,
        }
    }

    fn transport(request_sent: bool) -> ProviderError {
        ProviderError::Transport {
            message: "m".into(),
            request_sent,
        }
    }

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        }
    }

    /// Reads retry every transient failure; sends only those that surely did nothing.
    #[test]
    fn retry_rules_depend_on_idempotency() {
        use Idempotency::{CreatesResource as Send, Repeatable as Read};
        let decode = ProviderError::Decode {
            message: "m".into(),
        };
        let cases = [
            (api(429), Read, true),
            (api(429), Send, true),
            (api(500), Read, true),
            (api(503), Read, true),
            (api(500), Send, false),
            (api(503), Send, false),
            (api(400), Read, false),
            (api(422), Read, false),
            (api(404), Send, false),
            (transport(false), Read, true),
            (transport(false), Send, true),
            (transport(true), Read, true),
            (transport(true), Send, false),
            (decode.clone(), Read, false),
            (decode, Send, false),
        ];

        for (error, idempotency, expected) in cases {
            let retried = should_retry(&error, idempotency);

            assert_eq!(retried, expected, "retry of {error:?} for {idempotency:?}");
        }
    }

    /// Ceilings double from the base delay and stop at max_delay, even for huge retry counts.
    #[test]
    fn ceiling_doubles_up_to_max_delay() {
        let policy = policy();

        let ceilings: Vec<_> = [1, 2, 3, 5, 6, 40, u32::MAX]
            .into_iter()
            .map(|retry| backoff_ceiling(&policy, retry))
            .collect();

        let ms = Duration::from_millis;
        assert_eq!(
            ceilings,
            [
                ms(100),
                ms(200),
                ms(400),
                ms(1600),
                ms(2000),
                ms(2000),
                ms(2000)
            ],
            "ceilings should double and saturate at max_delay"
        );
    }

    /// Every jittered delay lies between zero and its ceiling.
    #[test]
    fn jittered_delay_stays_within_ceiling() {
        let policy = policy();
        let mut rng = StdRng::seed_from_u64(7);

        for retry in 1..=8 {
            for _ in 0..200 {
                let delay = backoff_delay(&policy, retry, None, &mut rng);

                let ceiling = backoff_ceiling(&policy, retry);
                assert!(
                    delay <= ceiling,
                    "retry {retry}: {delay:?} above {ceiling:?}"
                );
            }
        }
    }

    /// Jitter spreads delays out rather than always picking the ceiling or zero.
    #[test]
    fn jittered_delay_varies() {
        let policy = policy();
        let mut rng = StdRng::seed_from_u64(11);

        let delays: Vec<_> = (0..50)
            .map(|_| backoff_delay(&policy, 4, None, &mut rng))
            .collect();

        let distinct = delays
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        assert!(distinct > 10, "expected spread-out delays, got {delays:?}");
    }

    /// Retry-After is a floor under the jittered pick, but never beyond max_delay.
    #[test]
    fn retry_after_is_a_floor_capped_by_max_delay() {
        let policy = policy();
        let mut rng = StdRng::seed_from_u64(3);

        let asked_one_s = backoff_delay(&policy, 1, Some(Duration::from_secs(1)), &mut rng);
        let asked_an_hour = backoff_delay(&policy, 1, Some(Duration::from_secs(3600)), &mut rng);

        assert_eq!(
            asked_one_s,
            Duration::from_secs(1),
            "one second asked, above the ceiling"
        );
        assert_eq!(
            asked_an_hour, policy.max_delay,
            "an hour asked, capped by max_delay"
        );
    }

    /// Both Retry-After forms are read; nonsense and past dates ask for nothing harmful.
    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = Utc
            .with_ymd_and_hms(2015, 10, 21, 7, 28, 0)
            .single()
            .expect("valid instant");
        let cases = [
            ("120", Some(120)),
            ("7", Some(7)),
            (" 0 ", Some(0)),
            ("Wed, 21 Oct 2015 07:28:30 GMT", Some(30)),
            ("Wed, 21 Oct 2015 07:29:00 +0000", Some(60)),
            ("Wed, 21 Oct 2015 07:00:00 GMT", Some(0)),
            ("-5", None),
            ("1.5", None),
            ("soon", None),
            ("", None),
        ];

        for (header, expected) in cases {
            let wait = parse_retry_after(header, now);

            assert_eq!(wait, expected, "Retry-After {header:?}");
        }
    }

    /// Only an API error carries a wait; a transport error has none to honour.
    #[test]
    fn requested_wait_comes_from_api_errors() {
        let limited = ProviderError::Api {
            status: 429,
            code: Some(20429),
            message: "Too Many Requests".into(),
            more_info: None,
            retry_after_s: Some(3),
        };

        assert_eq!(
            requested_wait(&limited),
            Some(Duration::from_secs(3)),
            "429 wait"
        );
        assert_eq!(requested_wait(&api(503)), None, "503 without header");
        assert_eq!(requested_wait(&transport(false)), None, "transport error");
    }
}
