//! Whether the provider is answering.
//!
//! A single failed request is normal (the client retries); several in a row mean the provider
//! or the network is down, which staff must see. The tracker turns the stream of successes and
//! failures into two events, `provider_down` once and `provider_up` once, so an outage shows
//! as a state with a start rather than as noise.

use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::events::EventKind;

/// Consecutive failures before the provider counts as down.
const FAILURES_BEFORE_DOWN: u32 = 3;

/// The provider's state, as the UI and logs report it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ProviderHealth {
    Up,
    Down { since: DateTime<Utc>, error: String },
}

#[derive(Debug, Default)]
pub(super) struct HealthTracker {
    inner: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    failures: u32,
    first_failure: Option<DateTime<Utc>>,
    last_error: String,
    reported_down: bool,
}

impl HealthTracker {
    pub fn current(&self) -> ProviderHealth {
        let state = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match (state.reported_down, state.first_failure) {
            (true, Some(since)) => ProviderHealth::Down {
                since,
                error: state.last_error.clone(),
            },
            _ => ProviderHealth::Up,
        }
    }

    /// Notes a successful exchange; returns the event to record if this ends an outage.
    pub fn success(&self) -> Option<EventKind> {
        let mut state = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let was_down = state.reported_down;
        *state = State::default();
        if was_down {
            tracing::info!("provider reachable again");
        }
        was_down.then_some(EventKind::ProviderUp)
    }

    /// Notes a failure that may pass; returns the event to record if this starts an outage.
    pub fn failure(&self, at: DateTime<Utc>, error: &str) -> Option<EventKind> {
        let mut state = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        state.failures += 1;
        let since = *state.first_failure.get_or_insert(at);
        state.last_error = error.to_owned();
        if state.failures < FAILURES_BEFORE_DOWN || state.reported_down {
            return None;
        }
        state.reported_down = true;
        tracing::warn!(%since, error, "provider unreachable");
        Some(EventKind::ProviderDown {
            since,
            error: error.to_owned(),
        })
    }
}

impl super::Engine {
    /// Awaits a provider request, keeping the provider's health up to date: transient failures
    /// count towards an outage, any answer ends one.
    pub(super) async fn with_provider<T>(
        &self,
        request: impl std::future::Future<Output = Result<T, textback_provider::ProviderError>>,
    ) -> Result<T, super::EngineError> {
        let result = request.await;
        let now = self.now();
        let change = match &result {
            Err(e) if e.is_transient() => self.health.failure(now, &e.to_string()),
            _ => self.health.success(),
        };
        if let Some(kind) = change {
            self.store.write(|tx| tx.event(now, None, kind))?;
        }
        Ok(result?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_is_reported_once_and_its_end_once() {
        let tracker = HealthTracker::default();
        let t0 = DateTime::UNIX_EPOCH;

        let first = tracker.failure(t0, "reset");
        let second = tracker.failure(t0, "reset");
        let third = tracker.failure(t0, "reset");
        let fourth = tracker.failure(t0, "reset");
        let up = tracker.success();
        let again = tracker.success();

        assert_eq!(
            (first, second),
            (None, None),
            "one or two failures are not an outage"
        );
        assert!(
            matches!(third, Some(EventKind::ProviderDown { .. })),
            "the third one is"
        );
        assert_eq!(fourth, None, "an outage is reported once");
        assert_eq!(up, Some(EventKind::ProviderUp), "recovery is reported");
        assert_eq!(again, None, "and only once");
    }
}
