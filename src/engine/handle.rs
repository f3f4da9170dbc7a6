//! [`EngineHandle`]: the one API the CLI and the desktop app use.
//!
//! Every method is a short transaction or a read; none waits on the provider, so the UI stays
//! quick when the provider is slow or down. A staff reply is written to the outbox and sent by
//! the sender like any other text.

use std::sync::Arc;

use tokio::sync::{broadcast, watch};
use tokio::task::JoinSet;

use super::detect::cancel_text_backs;
use super::{Engine, EngineError, ProviderHealth};
use crate::config::{Config, RawConfig};
use crate::crm::{DeliveryAttempt, WebhookEndpoint};
use crate::events::{Event, EventKind};
use crate::store::{
    self, Call, ConversationStatus, InboxFilter, InboxPage, Message, NewOutbound, SearchHit, Thread,
};

/// The longest text staff may send; carriers drop longer concatenations.
pub const MAX_REPLY_CHARS: usize = 1600;

/// A running engine. Dropping it stops the background tasks.
pub struct EngineHandle {
    engine: Arc<Engine>,
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl EngineHandle {
    /// Starts the engine's background tasks.
    ///
    /// The configuration in force is recorded in the database first, so tools that read it
    /// beside the engine (`stats`, `set-status`) use the business's time zone and country.
    pub fn start(engine: Arc<Engine>) -> Self {
        let value = serde_json::to_value(&engine.config().raw).expect("settings serialize");
        if let Err(e) = engine.store.write(|tx| tx.put_setting("config", &value)) {
            tracing::warn!(error = %e, "configuration not recorded in the database");
        }
        let (shutdown, stop) = watch::channel(false);
        let tasks = engine.spawn_tasks(stop);
        Self {
            engine,
            shutdown,
            tasks,
        }
    }

    /// A handle whose background tasks are not running: the caller drives the engine's steps,
    /// or only reads and edits (a command-line tool beside a running engine).
    pub fn idle(engine: Arc<Engine>) -> Self {
        let (shutdown, _) = watch::channel(false);
        Self {
            engine,
            shutdown,
            tasks: JoinSet::new(),
        }
    }

    /// Stops the background tasks and waits for them.
    pub async fn stop(mut self) {
        self.shutdown.send_replace(true);
        while self.tasks.join_next().await.is_some() {}
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    fn store(&self) -> &store::Store {
        &self.engine.store
    }

    /// A page of the inbox.
    pub fn inbox(&self, filter: &InboxFilter) -> Result<InboxPage, EngineError> {
        Ok(self.store().read(|c| store::inbox(c, filter))?)
    }

    /// A conversation with everything in it; `mark_read` clears its unread count.
    pub fn thread(&self, conversation_id: i64, mark_read: bool) -> Result<Thread, EngineError> {
        if mark_read {
            let now = self.engine.now();
            self.store()
                .write(|tx| tx.mark_read(conversation_id, now))?;
        }
        Ok(self.store().read(|c| store::thread(c, conversation_id))?)
    }

    /// Sends a staff reply: it stops any follow-ups and any text-back still waiting.
    pub fn send_reply(
        &self,
        conversation_id: i64,
        body: &str,
        author: Option<&str>,
    ) -> Result<Message, EngineError> {
        let body = body.trim();
        if body.is_empty() {
            return Err(EngineError::invalid("body", "the message is empty"));
        }
        if body.chars().count() > MAX_REPLY_CHARS {
            return Err(EngineError::invalid(
                "body",
                format!("the message is longer than {MAX_REPLY_CHARS} characters"),
            ));
        }
        let now = self.engine.now();
        let message_id = self.store().write(|tx| {
            let (_, customer) = store::conversation_numbers(tx, conversation_id)?;
            if store::is_opted_out(tx, &customer)? {
                return Err(store::StoreError::Invalid(format!(
                    "{customer} has opted out of texts"
                )));
            }
            if store::is_blocked(tx, &customer)? {
                return Err(store::StoreError::Invalid(format!("{customer} is blocked")));
            }
            cancel_text_backs(tx, &customer, "staff_reached", now)?;
            tx.stop_follow_ups(conversation_id, "staff_message", now)?;
            tx.note_activity(conversation_id, now, false)?;
            let text = NewOutbound {
                conversation_id,
                kind: "staff",
                body,
                template: None,
                follow_up_step: None,
                call_id: None,
                author,
                due_at: now,
            };
            tx.schedule_text(&text, now)
        })?;
        self.engine.outbox_ready.notify_one();
        Ok(self.store().read(|c| store::message(c, message_id))?)
    }

    /// Sets a conversation's status by hand; closing it stops its follow-ups.
    pub fn set_status(
        &self,
        conversation_id: i64,
        status: ConversationStatus,
    ) -> Result<(), EngineError> {
        let now = self.engine.now();
        self.store().write(|tx| {
            tx.set_status(conversation_id, status, now)?;
            if status.is_closed() {
                tx.stop_follow_ups(conversation_id, "closed", now)?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// Assigns a conversation to a staff member, or to nobody.
    pub fn assign(&self, conversation_id: i64, to: Option<&str>) -> Result<(), EngineError> {
        let config = self.engine.config();
        if let Some(name) = to {
            if !config.raw.staff.iter().any(|s| s.name == name) {
                return Err(EngineError::invalid(
                    "assign",
                    format!("no staff member named {name:?}"),
                ));
            }
        }
        let now = self.engine.now();
        Ok(self
            .store()
            .write(|tx| tx.assign(conversation_id, to, now))?)
    }

    /// Adds a note staff can see in the thread; it is never sent.
    pub fn add_note(
        &self,
        conversation_id: i64,
        body: &str,
        author: Option<&str>,
    ) -> Result<i64, EngineError> {
        if body.trim().is_empty() {
            return Err(EngineError::invalid("body", "the note is empty"));
        }
        let now = self.engine.now();
        Ok(self
            .store()
            .write(|tx| tx.add_note(conversation_id, author, body.trim(), now))?)
    }

    /// Blocks a number: no texts to it, its calls skipped. Pending texts are withdrawn.
    pub fn block(&self, number: &str, reason: Option<&str>) -> Result<(), EngineError> {
        let number = self.e164(number)?;
        let now = self.engine.now();
        self.store().write(|tx| {
            tx.block(&number, reason, now)?;
            for id in store::pending_texts_to(tx, &number, &["text_back", "follow_up", "help"])? {
                tx.cancel_text(id, "blocked", now)?;
            }
            Ok(())
        })?;
        Ok(())
    }

    pub fn unblock(&self, number: &str) -> Result<(), EngineError> {
        let number = self.e164(number)?;
        let now = self.engine.now();
        Ok(self.store().write(|tx| tx.unblock(&number, now))?)
    }

    /// Sets a number's opt-out state by hand (for a customer who asked by phone).
    pub fn set_opted_out(&self, number: &str, opted_out: bool) -> Result<(), EngineError> {
        let number = self.e164(number)?;
        let now = self.engine.now();
        self.store().write(|tx| {
            if opted_out {
                tx.opt_out(&number, "staff", now)?;
                for id in
                    store::pending_texts_to(tx, &number, &["text_back", "follow_up", "staff"])?
                {
                    tx.cancel_text(id, "opted_out", now)?;
                }
            } else {
                tx.opt_in(&number, now)?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// Searches messages and numbers.
    pub fn search(&self, query: &str, limit: u32) -> Result<Vec<SearchHit>, EngineError> {
        Ok(self
            .store()
            .read(|c| store::search(c, query, limit.clamp(1, 200)))?)
    }

    /// Calls, newest first.
    pub fn calls(&self, before: Option<i64>, limit: u32) -> Result<Vec<Call>, EngineError> {
        Ok(self
            .store()
            .read(|c| store::calls(c, before, limit.clamp(1, 500)))?)
    }

    /// Texts back by hand a call that was skipped or missed while Textback was offline.
    pub fn text_back_call(&self, call_id: i64) -> Result<Message, EngineError> {
        let message_id = self.engine.text_back_by_hand(call_id)?;
        Ok(self.store().read(|c| store::message(c, message_id))?)
    }

    /// Unread messages across the inbox.
    pub fn unread_total(&self) -> Result<u64, EngineError> {
        Ok(self.store().read(store::unread_total)?)
    }

    /// A value an application keeps beside the engine's settings (the desktop's preferences),
    /// stored under `app.<key>`.
    pub fn app_setting(&self, key: &str) -> Result<Option<serde_json::Value>, EngineError> {
        let key = format!("app.{key}");
        Ok(self.store().read(|c| store::setting(c, &key))?)
    }

    pub fn put_app_setting(&self, key: &str, value: &serde_json::Value) -> Result<(), EngineError> {
        let key = format!("app.{key}");
        Ok(self.store().write(|tx| tx.put_setting(&key, value))?)
    }

    /// The settings in force.
    pub fn settings(&self) -> RawConfig {
        self.engine.config().raw.clone()
    }

    /// Checks and applies new settings; nothing changes if any value is wrong.
    pub fn update_settings(&self, raw: RawConfig) -> Result<(), EngineError> {
        let config = Config::from_raw(raw)?;
        let now = self.engine.now();
        let value = serde_json::to_value(&config.raw).expect("settings serialize");
        self.store().write(|tx| {
            tx.put_setting("config", &value)?;
            tx.event(now, None, EventKind::SettingsChanged)?;
            Ok(())
        })?;
        self.engine.replace_config(config);
        Ok(())
    }

    /// The figures of this week (Monday to Sunday in the business's time zone) and the week
    /// before, from the event log.
    pub fn weekly_metrics(&self) -> Result<crate::metrics::Report, EngineError> {
        let now = self.engine.now();
        let time_zone = self.engine.config().business.time_zone;
        Ok(self
            .store()
            .read(|c| crate::metrics::weekly(c, now, time_zone))?)
    }

    /// The figures of the local days `first..=last` and of as many days before them.
    pub fn metrics_between(
        &self,
        first: chrono::NaiveDate,
        last: chrono::NaiveDate,
    ) -> Result<crate::metrics::Report, EngineError> {
        let time_zone = self.engine.config().business.time_zone;
        let period = crate::metrics::Period::days(first, last, time_zone)
            .map_err(|e| EngineError::invalid("from", e.to_string()))?;
        Ok(self.store().read(|c| {
            Ok(crate::metrics::Report {
                previous: Some(crate::metrics::for_period(c, &period.previous())?),
                current: crate::metrics::for_period(c, &period)?,
            })
        })?)
    }

    /// Writes every conversation (`events` false) or every event as CSV for a spreadsheet to
    /// `out`, and returns the number of rows.
    pub fn export_csv<W: std::io::Write>(
        &self,
        events: bool,
        out: W,
    ) -> Result<usize, EngineError> {
        let time_zone = self.engine.config().business.time_zone;
        let options = crate::export::ExportOptions::default();
        let written = self.store().read(|c| {
            Ok(if events {
                crate::export::events(c, time_zone, out, &options)
            } else {
                crate::export::conversations(c, time_zone, out, &options)
            })
        })?;
        written.map_err(|e| EngineError::invalid("export", e.to_string()))
    }

    /// Every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.store().subscribe()
    }

    pub fn provider_health(&self) -> ProviderHealth {
        self.engine.provider_health()
    }

    /// The CRM endpoints and how their deliveries stand.
    pub fn webhook_endpoints(&self) -> Result<Vec<WebhookEndpoint>, EngineError> {
        self.engine.webhook_endpoints()
    }

    /// Posts a `test` event to the configured endpoint `url` now and says how it answered.
    /// Unlike the other methods this waits on the network, at most the request timeout.
    pub async fn send_test_event(&self, url: &str) -> Result<DeliveryAttempt, EngineError> {
        self.engine.send_test_webhook(url).await
    }

    /// The newest `limit` webhook delivery attempts, failures included, newest first.
    pub fn recent_deliveries(&self, limit: u32) -> Result<Vec<DeliveryAttempt>, EngineError> {
        self.engine.recent_webhook_deliveries(limit.clamp(1, 500))
    }

    fn e164(&self, number: &str) -> Result<String, EngineError> {
        let country = self.engine.config().business.country.clone();
        textback_text::phone::parse(number, Some(&country))
            .map(|p| p.e164)
            .map_err(|e| EngineError::invalid("number", format!("{number:?}: {e}")))
    }
}
