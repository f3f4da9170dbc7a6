//! The engine's background tasks: the poller (messages, then calls), the delivery-status
//! refresher, the sender, the CRM webhook sender, the WAL checkpointer and the daily backup.
//!
//! Each task runs its step, logs a failure and carries on: a provider outage or a locked
//! database slows the engine down but never stops it. The sender sleeps until the next text is
//! due, or until something schedules one for now.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use super::Engine;
use crate::events::EventKind;
use crate::store;

/// The longest the sender sleeps without looking at the outbox.
const SENDER_IDLE: StdDuration = StdDuration::from_secs(1);
/// The longest the webhook task sleeps without looking at its queue.
const WEBHOOK_IDLE: StdDuration = StdDuration::from_secs(1);
/// How often the write-ahead log is copied back into the database.
const CHECKPOINT_INTERVAL: StdDuration = StdDuration::from_secs(1);
/// How often delivery statuses are refreshed.
const DELIVERY_INTERVAL: StdDuration = StdDuration::from_secs(15);
/// How often the backup task looks whether a daily copy is due.
const BACKUP_CHECK_INTERVAL: StdDuration = StdDuration::from_secs(3600);

impl Engine {
    /// Starts the background tasks. They stop when `shutdown` turns true.
    pub(super) fn spawn_tasks(self: &Arc<Self>, shutdown: watch::Receiver<bool>) -> JoinSet<()> {
        let mut tasks = JoinSet::new();
        match self.store.defer_checkpoints() {
            Ok(()) => {
                tasks.spawn(self.clone().checkpoint_loop(shutdown.clone()));
            }
            Err(e) => tracing::warn!(error = %e, "commits keep checkpointing the database"),
        }
        tasks.spawn(self.clone().poll_loop(shutdown.clone()));
        tasks.spawn(self.clone().delivery_loop(shutdown.clone()));
        if self.config().backup.enabled {
            tasks.spawn(self.clone().backup_loop(shutdown.clone()));
        }
        if !self.config().webhooks.is_empty() {
            tasks.spawn(self.clone().webhook_loop(shutdown.clone()));
        }
        tasks.spawn(self.clone().send_loop(shutdown));
        tasks
    }

    async fn poll_loop(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        loop {
            // Texts first: after downtime a round finds a STOP and the call that followed it
            // together, and the call must be decided knowing the caller opted out.
            if let Err(e) = self.poll_messages().await {
                tracing::warn!(error = %e, "message poll failed");
            }
            if let Err(e) = self.poll_calls().await {
                tracing::warn!(error = %e, "call poll failed");
            }
            let interval = self.config().provider.poll_interval;
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// Delivery statuses are fetched apart from polling, so a slow provider answering many
    /// fetches never delays the detection of a missed call.
    async fn delivery_loop(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(DELIVERY_INTERVAL) => {}
                _ = shutdown.changed() => return,
            }
            if let Err(e) = self.refresh_delivery().await {
                tracing::debug!(error = %e, "delivery refresh failed");
            }
        }
    }

    /// Keeps the write-ahead log short, off the path of any commit.
    async fn checkpoint_loop(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(CHECKPOINT_INTERVAL) => {}
                _ = shutdown.changed() => return,
            }
            let store = self.store.clone();
            match tokio::task::spawn_blocking(move || store.checkpoint()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::debug!(error = %e, "checkpoint failed"),
                Err(e) => tracing::warn!(error = %e, "checkpoint task failed"),
            }
        }
    }

    /// Makes the daily copy of the database when one is due: at start, then every hour, so a
    /// machine that sleeps at night still gets its copy during the day.
    async fn backup_loop(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        loop {
            let engine = self.clone();
            match tokio::task::spawn_blocking(move || engine.backup_if_due()).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "backup failed");
                    let failed = EventKind::BackupFailed {
                        error: e.to_string(),
                    };
                    let now = self.now();
                    if let Err(e) = self.store.write(|tx| tx.event(now, None, failed)) {
                        tracing::warn!(error = %e, "backup failure not recorded");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "backup task failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(BACKUP_CHECK_INTERVAL) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// Copies the database into the configured folder if the newest copy there is a day old.
    fn backup_if_due(&self) -> Result<Option<PathBuf>, store::StoreError> {
        let config = self.config();
        let dir = store::backup_dir(self.store.path(), config.backup.dir.as_deref());
        store::daily_backup(&self.store, &dir, config.backup.keep, self.now())
    }

    /// Posts events to the CRM endpoints. A task of its own, so an endpoint that is slow or
    /// down holds up nothing but its own deliveries; it wakes on every committed event, and
    /// prunes old deliveries once an hour.
    async fn webhook_loop(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut events = self.store.subscribe();
        loop {
            // A round may wait on a slow endpoint; stopping does not. A request cut off here is
            // sent again after a restart, under the same event id.
            tokio::select! {
                round = self.deliver_webhooks() => {
                    if let Err(e) = round {
                        tracing::warn!(error = %e, "webhook round failed");
                    }
                }
                _ = shutdown.changed() => return,
            }
            if let Err(e) = self.prune_webhooks_if_due() {
                tracing::warn!(error = %e, "webhook pruning failed");
            }
            let wait = match self.next_webhook_due() {
                Some(at) => (at - self.now()).to_std().unwrap_or_default(),
                None => WEBHOOK_IDLE,
            };
            tokio::select! {
                _ = tokio::time::sleep(wait.min(WEBHOOK_IDLE)) => {}
                _ = events.recv() => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    async fn send_loop(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        loop {
            let wait = match self.run_due().await {
                Ok(_) => self.time_to_next_due(),
                Err(e) => {
                    tracing::warn!(error = %e, "sender round failed");
                    SENDER_IDLE
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.outbox_ready.notified() => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// How long until the next text or follow-up step falls due, at most [`SENDER_IDLE`].
    fn time_to_next_due(&self) -> StdDuration {
        let next = self.store.read(|c| {
            let text = store::next_due(c)?;
            let step = store::next_follow_up(c)?;
            Ok(text.into_iter().chain(step).min())
        });
        match next {
            Ok(Some(at)) => (at - self.now())
                .to_std()
                .unwrap_or_default()
                .min(SENDER_IDLE),
            _ => SENDER_IDLE,
        }
    }
}
