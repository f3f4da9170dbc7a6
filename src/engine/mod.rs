//! The engine: detection, rules, the outbox sender, follow-ups and replies, over one store and
//! one provider.
//!
//! Each part is a *step* that does one round of work at the clock's current time
//! ([`Engine::poll_calls`], [`Engine::poll_messages`], [`Engine::run_due`],
//! [`Engine::refresh_delivery`]). [`Engine::start`] runs the steps in background tasks; tests
//! call them directly under a [`crate::clock::ManualClock`], which is how time-driven rules are
//! checked without sleeping.

mod classify;
mod decide;
mod detect;
mod error;
mod followup;
mod guard;
mod handle;
mod health;
mod inbound;
mod manual;
mod run;
mod sender;
mod webhook;

use std::sync::{Arc, PoisonError, RwLock};

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use textback_provider::Provider;
use tokio::sync::Notify;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::store::{self, Store, StoreError};

pub use classify::{classify, CallOutcome};
pub use decide::{decide, CallInput, Decision, Facts, SkipReason, TemplateChoice};
pub use detect::PollReport;
pub use error::EngineError;
pub use handle::EngineHandle;
pub use health::ProviderHealth;
pub use webhook::{
    CallStatusUpdate, CallWebhook, DialEnded, Handled, InboundSms, MessageStatusUpdate,
};

/// The engine's parts, shared by its tasks and its handle.
pub struct Engine {
    store: Arc<Store>,
    provider: Arc<dyn Provider>,
    clock: SharedClock,
    config: RwLock<Arc<Config>>,
    health: health::HealthTracker,
    /// Wakes the sender when a text is scheduled for now.
    outbox_ready: Notify,
    /// When the last complete poll of inbound texts began. Follow-ups due after it wait, so a
    /// reply that arrived while the engine was down is read before a follow-up could go out.
    messages_polled_at: std::sync::Mutex<Option<DateTime<Utc>>>,
    /// CRM endpoints' secrets and HTTP client; their queue is in the store.
    pub(crate) webhooks: crate::crm::Webhooks,
}

impl Engine {
    pub fn new(
        store: Arc<Store>,
        provider: Arc<dyn Provider>,
        clock: SharedClock,
        config: Config,
    ) -> Arc<Self> {
        Arc::new(Self {
            store,
            provider,
            clock,
            config: RwLock::new(Arc::new(config)),
            health: health::HealthTracker::default(),
            outbox_ready: Notify::new(),
            messages_polled_at: std::sync::Mutex::new(None),
            webhooks: crate::crm::Webhooks::default(),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> Arc<Config> {
        self.config
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn replace_config(&self, config: Config) {
        *self.config.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(config);
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Whether the provider is answering, as last seen.
    pub fn provider_health(&self) -> ProviderHealth {
        self.health.current()
    }
}

/// The rules' questions, answered from the database.
impl Facts for Connection {
    type Error = StoreError;
    fn blocked(&self, number: &str) -> Result<bool, StoreError> {
        store::is_blocked(self, number)
    }
    fn opted_out(&self, number: &str) -> Result<bool, StoreError> {
        store::is_opted_out(self, number)
    }
    fn known_not_mobile(&self, number: &str) -> Result<bool, StoreError> {
        store::is_not_mobile(self, number)
    }
    fn last_exchange(&self, number: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        store::last_exchange(self, number)
    }
    fn texted_since(&self, number: &str, since: DateTime<Utc>) -> Result<bool, StoreError> {
        store::texted_since(self, number, since)
    }
    fn automatic_texts_since(&self, since: DateTime<Utc>) -> Result<u32, StoreError> {
        store::automatic_texts_since(self, since)
    }
}
