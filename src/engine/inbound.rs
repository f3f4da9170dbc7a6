//! Customer texts, found by polling the provider's message list, and delivery updates for
//! texts already sent.
//!
//! An inbound text joins its conversation, stops any follow-up sequence, and goes through
//! keyword handling (STOP, START, HELP) before it is published. Like calls, each message is
//! stored once, keyed by its SID, so overlapping polls are harmless.

use std::sync::PoisonError;

use chrono::{DateTime, Duration, Utc};
use futures::{stream, StreamExt};
use textback_provider::{code_means_not_mobile, code_means_opt_out, MessageQuery, MessageRecord};
use textback_text::keywords::{self, Keyword};
use textback_text::phone;

use super::detect::cancel_text_backs;
use super::{Engine, EngineError};
use crate::config::Config;
use crate::events::EventKind;
use crate::store::{self, ConversationStatus, NewOutbound, StoreError, Tx};

const FIRST_LOOKBACK: Duration = Duration::hours(24);
const OVERLAP: Duration = Duration::minutes(2);
/// How long after sending a text its delivery status is still followed.
const DELIVERY_WATCH: Duration = Duration::hours(24);
/// Texts whose delivery status is fetched per round.
const DELIVERY_BATCH: usize = 100;
/// Status fetches in flight at once.
const DELIVERY_FETCHES: usize = 4;

impl Engine {
    /// Lists each business number's recent inbound texts and handles the new ones. Returns how
    /// many were new.
    pub async fn poll_messages(&self) -> Result<usize, EngineError> {
        let config = self.config();
        let started = self.now();
        let mut new = 0;
        for number in &config.business.numbers {
            new += self.poll_number_messages(&config, number).await?;
        }
        *self
            .messages_polled_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(started);
        Ok(new)
    }

    async fn poll_number_messages(
        &self,
        config: &Config,
        number: &str,
    ) -> Result<usize, EngineError> {
        let now = self.now();
        let cursor_name = format!("messages:{number}");
        let cursor = self.store.read(|c| store::cursor(c, &cursor_name))?;
        let query = MessageQuery {
            to: Some(number.to_owned()),
            sent_after: Some(cursor.unwrap_or(now - FIRST_LOOKBACK) - OVERLAP),
            page_size: Some(200),
            ..MessageQuery::default()
        };
        let mut listed = self
            .with_provider(self.provider.list_messages(&query))
            .await?;
        listed.retain(MessageRecord::is_inbound);
        listed.sort_by_key(|m| m.date_sent.or(m.date_created));

        let mut new = 0;
        for message in &listed {
            if self
                .store
                .read(|c| store::message_by_sid(c, &message.sid))?
                .is_some()
            {
                continue;
            }
            if self.store.write(|tx| receive(tx, config, message, now))? {
                new += 1;
                tracing::info!(sid = %message.sid, "reply received");
            }
        }
        let newest = listed
            .iter()
            .filter_map(|m| m.date_sent.or(m.date_created))
            .max();
        if let Some(newest) = newest.filter(|n| cursor.is_none_or(|c| *n > c)) {
            self.store.write(|tx| tx.put_cursor(&cursor_name, newest))?;
        }
        if new > 0 {
            self.outbox_ready.notify_one();
        }
        Ok(new)
    }

    /// Fetches the delivery status of recent texts not yet delivered or failed. A fetch that
    /// fails is tried again on the next round. Returns how many statuses changed.
    pub async fn refresh_delivery(&self) -> Result<usize, EngineError> {
        let now = self.now();
        let in_flight = self
            .store
            .read(|c| store::texts_in_flight(c, now - DELIVERY_WATCH, DELIVERY_BATCH))?;
        let fetched: Vec<_> = stream::iter(in_flight)
            .map(|(message_id, sid)| async move {
                (
                    message_id,
                    self.with_provider(self.provider.fetch_message(&sid)).await,
                )
            })
            .buffer_unordered(DELIVERY_FETCHES)
            .collect()
            .await;
        let mut changed = 0;
        for (message_id, record) in fetched {
            match record {
                Ok(record) => {
                    changed += usize::from(
                        self.store
                            .write(|tx| delivery(tx, message_id, &record, now))?,
                    )
                }
                Err(e) => tracing::debug!(message_id, error = %e, "delivery status not fetched"),
            }
        }
        Ok(changed)
    }
}

/// Stores one inbound text and acts on it. Returns whether it was new.
pub(super) fn receive(
    tx: &mut Tx<'_>,
    config: &Config,
    message: &MessageRecord,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let from = phone::parse(&message.from, Some(&config.business.country))
        .map(|p| p.e164)
        .unwrap_or_else(|_| message.from.clone());
    let at = message.date_sent.or(message.date_created).unwrap_or(now);
    let conversation = tx.conversation_for(&message.to, &from, at)?;
    let Some(message_id) = tx.insert_inbound(conversation, &message.sid, &message.body, at)? else {
        return Ok(false);
    };
    tx.touch_conversation(conversation, at, &message.body, true)?;
    tx.note_activity(conversation, at, true)?;
    let received = EventKind::ReplyReceived {
        message_id,
        from: from.clone(),
        body: message.body.clone(),
    };
    tx.event(now, Some(conversation), received)?;

    match keywords::classify(&message.body) {
        Keyword::OptOut => {
            tx.opt_out(&from, "keyword", now)?;
            tx.stop_follow_ups(conversation, "opted_out", now)?;
            cancel_text_backs(tx, &from, "opted_out", now)?;
        }
        Keyword::OptIn => {
            tx.opt_in(&from, now)?;
        }
        Keyword::Help => {
            tx.stop_follow_ups(conversation, "replied", now)?;
            let values = super::followup::template_values(tx, config, conversation)?;
            let body = config.templates.help.render(&values);
            let help = NewOutbound {
                conversation_id: conversation,
                kind: "help",
                body: &body,
                template: Some("help"),
                follow_up_step: None,
                call_id: None,
                author: None,
                due_at: now,
            };
            tx.schedule_text(&help, now)?;
        }
        Keyword::None => {
            tx.stop_follow_ups(conversation, "replied", now)?;
            tx.advance_status(conversation, ConversationStatus::Replied, now)?;
            if keywords::wants_no_contact(&message.body) {
                let detail = "asked not to be contacted or says it is a wrong number";
                tx.flag_for_staff(conversation, "asked_to_stop", detail, now)?;
            }
        }
    }
    Ok(true)
}

/// Records a delivery status, and what a failure teaches about the number.
pub(super) fn delivery(
    tx: &mut Tx<'_>,
    message_id: i64,
    record: &MessageRecord,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = tx.update_delivery(message_id, &record.status, record.error_code, now)?;
    match record.error_code.filter(|_| changed) {
        Some(code) if code_means_not_mobile(code) => tx.mark_not_mobile(&record.to, code, now)?,
        Some(code) if code_means_opt_out(code) => {
            tx.opt_out(&record.to, "provider", now)?;
        }
        _ => {}
    }
    Ok(changed)
}
