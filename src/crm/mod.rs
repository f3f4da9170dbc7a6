//! CRM webhooks: the events a CRM cares about, posted as signed JSON to each configured endpoint.
//!
//! Delivery is driven by the event log, not by the live event stream. Each endpoint keeps a
//! cursor, the id of the last event it was given, in `webhook_endpoints`; a delivery round
//! first copies every newer event of interest into `webhook_deliveries` (one row per endpoint
//! and event, unique on the pair) and moves the cursor in the same transaction. Events
//! committed while the engine was down, or while the sender was busy, are therefore found the
//! next time, and none is queued twice.
//!
//! Rows are posted by a background task of their own, a few at a time, with a short timeout
//! and no database lock held across a request, so a slow or failing endpoint never delays a
//! text. A 2xx answer means delivered; 410 means the endpoint is gone and gets nothing more;
//! anything else is tried again with exponential backoff (capped, with jitter, timed by the
//! engine's clock) for 24 hours before the row is recorded as failed. Every attempt is logged
//! in `webhook_attempts` for the "recent deliveries" list.
//!
//! Delivery is at least once: a crash between a receiver's answer and its recording sends that
//! event again, under the same `id`, which receivers use to drop duplicates.
//!
//! Finished rows are kept for [`KEEP_FOR`] (30 days), for the endpoint counts and the
//! "recent deliveries" list: the webhook task deletes delivered and given-up rows last touched
//! before then, and attempts made before then, at most once an hour ([`PRUNE_EVERY`]), in
//! batches of [`PRUNE_BATCH`] rows per transaction so the write lock is never held for long.
//! Pending rows are never pruned.
//!
//! Limitation: a round waits for its slowest request,
//! so an endpoint that times out delays the other endpoints' next deliveries by up to
//! [`REQUEST_TIMEOUT`].
//!
//! Secrets come in like the provider's: `textback run` reads each endpoint's `secret_env` from
//! the environment ([`secrets_from_env`]) and hands them to [`crate::Engine::connect_webhooks`].
//! They are never stored or logged.

mod deliver;
mod payload;
mod queue;

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::Webhook;
use crate::provider::Secret;

pub use deliver::WebhookReport;
pub use payload::{payload_type, signature_header, SIGNATURE_HEADER};
pub use queue::{DeliveryAttempt, WebhookEndpoint};

/// The longest one request to an endpoint may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Requests in flight at once, over all endpoints.
pub const CONCURRENCY: usize = 8;
/// How long a delivery is retried before it is recorded as failed.
pub const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::hours(24);
/// The wait after a first failure; it doubles with each further one, up to [`BACKOFF_CAP`].
pub const BACKOFF_BASE: chrono::Duration = chrono::Duration::seconds(10);
pub const BACKOFF_CAP: chrono::Duration = chrono::Duration::hours(1);

/// How long delivered and given-up rows, and attempts, are kept.
pub const KEEP_FOR: chrono::Duration = chrono::Duration::days(30);
/// How often the webhook task prunes what is older than [`KEEP_FOR`].
pub const PRUNE_EVERY: chrono::Duration = chrono::Duration::hours(1);
/// Rows deleted per table in one transaction while pruning.
pub const PRUNE_BATCH: usize = 500;

/// Signing secrets by endpoint url.
pub type WebhookSecrets = HashMap<String, Secret>;

/// The engine's webhook state that is not in the database: the secrets handed in at start and
/// the HTTP client.
pub struct Webhooks {
    secrets: RwLock<WebhookSecrets>,
    client: reqwest::Client,
    /// When old rows were last pruned, by the engine's clock.
    pruned_at: Mutex<Option<DateTime<Utc>>>,
}

impl Default for Webhooks {
    fn default() -> Self {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            // A signed event goes where it was configured to go, or is retried.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Textback/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds");
        Self {
            secrets: RwLock::new(WebhookSecrets::new()),
            client,
            pruned_at: Mutex::new(None),
        }
    }
}

impl Webhooks {
    fn set_secrets(&self, secrets: WebhookSecrets) {
        *self.secrets.write().unwrap_or_else(PoisonError::into_inner) = secrets;
    }

    /// Whether pruning is due at `now`: never done, or last done [`PRUNE_EVERY`] ago. Records
    /// `now` as the last time when it is.
    fn prune_due(&self, now: DateTime<Utc>) -> bool {
        let mut last = self
            .pruned_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let due = last.is_none_or(|at| now - at >= PRUNE_EVERY);
        if due {
            *last = Some(now);
        }
        due
    }

    fn secret(&self, url: &str) -> Option<Secret> {
        self.secrets
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(url)
            .cloned()
    }
}

/// Reads each endpoint's secret from the environment variable it names; a missing or empty
/// variable is an error naming it.
pub fn secrets_from_env(webhooks: &[Webhook]) -> Result<WebhookSecrets, String> {
    secrets_with(webhooks, |name| std::env::var(name).ok())
}

/// Looks each endpoint's secret up with `lookup` (the environment, a keyring, a test's table).
pub fn secrets_with(
    webhooks: &[Webhook],
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<WebhookSecrets, String> {
    let mut secrets = WebhookSecrets::new();
    for hook in webhooks {
        match lookup(&hook.secret_env) {
            Some(value) if !value.trim().is_empty() => {
                secrets.insert(hook.url.clone(), Secret::new(value.trim()));
            }
            _ => {
                return Err(format!(
                    "set the environment variable {} to the signing secret for the webhook {}",
                    hook.secret_env, hook.url
                ))
            }
        }
    }
    Ok(secrets)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn pruning_runs_at_most_once_an_hour() {
        let webhooks = Webhooks::default();
        let t0 = Utc.with_ymd_and_hms(2026, 12, 3, 15, 0, 0).unwrap();

        let first = webhooks.prune_due(t0);
        let soon = webhooks.prune_due(t0 + chrono::Duration::minutes(59));
        let later = webhooks.prune_due(t0 + PRUNE_EVERY);

        assert!(first, "the first round prunes");
        assert!(!soon, "not again within the hour");
        assert!(later, "again an hour after the last time");
    }
}
