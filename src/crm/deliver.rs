//! The engine's webhook steps: connect the endpoints, run one delivery round, send a test
//! event, and the reads behind the handle's lists.

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use reqwest::header::CONTENT_TYPE;

use super::payload::{signature_header, Payload, SIGNATURE_HEADER};
use super::queue::{self, DeliveryAttempt, Due, Outcome, WebhookEndpoint};
use super::{WebhookSecrets, CONCURRENCY, KEEP_FOR, PRUNE_BATCH};
use crate::engine::{Engine, EngineError};
use crate::provider::Secret;

/// Deliveries taken per endpoint in one round.
const ROUND_LIMIT: usize = 64;

/// What one delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookReport {
    /// Rows added to the queue from the event log.
    pub queued: usize,
    pub delivered: usize,
    /// Attempts that failed and will be tried again.
    pub retrying: usize,
    /// Deliveries given up: 24 hours of failures, or an endpoint that is gone.
    pub failed: usize,
}

impl Engine {
    /// Hands in the endpoints' signing secrets (see [`super::secrets_from_env`]) and registers
    /// every configured endpoint, which from now on receives every event of interest. Call once
    /// at start, before the background tasks run.
    pub fn connect_webhooks(&self, secrets: WebhookSecrets) -> Result<(), EngineError> {
        self.webhooks.set_secrets(secrets);
        let urls = self.webhook_targets();
        let now = self.now();
        self.store().write(|tx| {
            for (url, _) in &urls {
                queue::enqueue(tx, url, now)?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// One round: queues the events committed since the last round, then posts what is due,
    /// [`CONCURRENCY`] requests at a time, recording each answer as it comes.
    pub async fn deliver_webhooks(&self) -> Result<WebhookReport, EngineError> {
        let targets = self.webhook_targets();
        let mut report = WebhookReport::default();
        if targets.is_empty() {
            return Ok(report);
        }
        let now = self.now();

        let due = self.store().write(|tx| {
            let mut due = Vec::new();
            for (url, _) in &targets {
                report.queued += queue::enqueue(tx, url, now)?;
                due.extend(queue::due(tx, url, now, ROUND_LIMIT)?);
            }
            Ok(due)
        })?;

        // Once an endpoint fails in a round, its other rows wait for the next round untouched,
        // so an endpoint that is down costs one timeout per round rather than one per row.
        let failing = Mutex::new(HashSet::new());
        let jobs = due.into_iter().filter_map(|due| {
            let secret = targets.iter().find(|(url, _)| *url == due.url)?.1.clone();
            Some(self.post_queued(due, secret, &failing))
        });
        let mut answers = futures::stream::iter(jobs).buffer_unordered(CONCURRENCY);
        while let Some(logged) = answers.next().await {
            match logged?.as_deref() {
                Some("delivered") => report.delivered += 1,
                Some("retrying") => report.retrying += 1,
                Some(_) => report.failed += 1,
                None => {}
            }
        }
        Ok(report)
    }

    /// Posts one queued delivery and records its answer; `None` when it was left for the next
    /// round because its endpoint already failed in this one.
    async fn post_queued(
        &self,
        due: Due,
        secret: Secret,
        failing: &Mutex<HashSet<String>>,
    ) -> Result<Option<String>, EngineError> {
        if lock(failing).contains(&due.url) {
            return Ok(None);
        }
        let outcome = self.post(&due.url, &secret, &due.body).await;
        if let Outcome::Failed { .. } = outcome {
            lock(failing).insert(due.url.clone());
        }
        let now = self.now();
        let logged = self
            .store()
            .write(|tx| queue::record(tx, &due, &outcome, now))?;
        match &outcome {
            Outcome::Failed { status, error } if logged == "failed" => {
                tracing::warn!(url = %due.url, event = %due.payload_id, ?status, %error,
                    "webhook delivery given up");
            }
            Outcome::Failed { status, error } => {
                tracing::debug!(url = %due.url, event = %due.payload_id, ?status, %error,
                    "webhook delivery failed");
            }
            Outcome::Gone(_) => tracing::warn!(url = %due.url, "webhook endpoint gone"),
            Outcome::Delivered(_) => {}
        }
        Ok(Some(logged))
    }

    /// Deletes the deliveries delivered or given up, and the attempts made, more than
    /// [`KEEP_FOR`] ago; pending deliveries stay. Each batch of [`PRUNE_BATCH`] rows is a
    /// transaction of its own, so texts waiting to be recorded wait for one batch at most.
    /// Returns the rows deleted.
    pub fn prune_webhooks(&self) -> Result<usize, EngineError> {
        let before = self.now() - KEEP_FOR;
        let mut pruned = 0;
        loop {
            let deleted = self
                .store()
                .write(|tx| queue::prune(tx, before, PRUNE_BATCH))?;
            pruned += deleted;
            if deleted == 0 {
                break;
            }
        }
        if pruned > 0 {
            tracing::debug!(rows = pruned, "old webhook deliveries pruned");
        }
        Ok(pruned)
    }

    /// Prunes old deliveries if the last pruning was [`super::PRUNE_EVERY`] ago or more.
    pub(crate) fn prune_webhooks_if_due(&self) -> Result<usize, EngineError> {
        if !self.webhooks.prune_due(self.now()) {
            return Ok(0);
        }
        self.prune_webhooks()
    }

    /// Posts a `test` event to `url` at once, outside the queue, and returns the attempt.
    pub async fn send_test_webhook(&self, url: &str) -> Result<DeliveryAttempt, EngineError> {
        if !self.config().webhooks.iter().any(|w| w.url == url) {
            return Err(EngineError::NotFound(format!("webhook endpoint {url}")));
        }
        let Some(secret) = self.webhooks.secret(url) else {
            return Err(EngineError::invalid(
                "url",
                format!("no signing secret was given for {url}"),
            ));
        };
        let payload = Payload::test(self.now());

        let outcome = self.post(url, &secret, &payload.to_body()).await;

        let now = self.now();
        let logged = self
            .store()
            .write(|tx| queue::record_test(tx, url, &payload.id, &outcome, now))?;
        let (status, error) = match outcome {
            Outcome::Delivered(status) => (Some(status), None),
            Outcome::Gone(status) => (Some(status), Some("endpoint gone".into())),
            Outcome::Failed { status, error } => (status, Some(error)),
        };
        Ok(DeliveryAttempt {
            url: url.to_owned(),
            event_id: payload.id,
            event_type: payload.kind,
            at: now,
            status,
            error,
            outcome: logged,
        })
    }

    /// One signed POST; the store is not touched while it is in flight.
    async fn post(&self, url: &str, secret: &Secret, body: &str) -> Outcome {
        let signature = signature_header(secret.expose(), self.now().timestamp(), body);
        let sent = self
            .webhooks
            .client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature)
            .body(body.to_owned())
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => {
                Outcome::Delivered(response.status().as_u16())
            }
            Ok(response) if response.status() == reqwest::StatusCode::GONE => Outcome::Gone(410),
            Ok(response) => Outcome::Failed {
                status: Some(response.status().as_u16()),
                error: format!("answered {}", response.status()),
            },
            Err(e) if e.is_timeout() => Outcome::Failed {
                status: None,
                error: "timed out".into(),
            },
            Err(e) => Outcome::Failed {
                status: None,
                error: e.without_url().to_string(),
            },
        }
    }

    /// The configured endpoints that have a secret, with it.
    fn webhook_targets(&self) -> Vec<(String, Secret)> {
        self.config()
            .webhooks
            .iter()
            .filter_map(|w| Some((w.url.clone(), self.webhooks.secret(&w.url)?)))
            .collect()
    }

    /// When the next queued delivery falls due, if any.
    pub(crate) fn next_webhook_due(&self) -> Option<DateTime<Utc>> {
        let urls: Vec<String> = self.webhook_targets().into_iter().map(|(u, _)| u).collect();
        self.store()
            .read(|c| queue::next_due(c, &urls))
            .ok()
            .flatten()
    }

    /// Every configured endpoint and how its deliveries stand.
    pub fn webhook_endpoints(&self) -> Result<Vec<WebhookEndpoint>, EngineError> {
        let config = self.config();
        let mut endpoints = Vec::with_capacity(config.webhooks.len());
        for hook in &config.webhooks {
            let (gone_since, pending, delivered, failed) =
                self.store().read(|c| queue::endpoint_state(c, &hook.url))?;
            endpoints.push(WebhookEndpoint {
                url: hook.url.clone(),
                secret_env: hook.secret_env.clone(),
                connected: self.webhooks.secret(&hook.url).is_some(),
                gone_since,
                pending,
                delivered,
                failed,
            });
        }
        Ok(endpoints)
    }

    /// The newest `limit` delivery attempts, failures included, newest first.
    pub fn recent_webhook_deliveries(
        &self,
        limit: u32,
    ) -> Result<Vec<DeliveryAttempt>, EngineError> {
        Ok(self.store().read(|c| queue::recent(c, limit))?)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
