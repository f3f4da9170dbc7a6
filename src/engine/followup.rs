//! Follow-ups: when a step falls due, check every stop condition, then queue its text.

use std::sync::PoisonError;

use chrono::{DateTime, Utc};
use textback_text::template::Values;

use super::{Engine, EngineError};
use crate::config::Config;
use crate::store::{self, DueFollowUp, NewOutbound, StoreError, Tx};

/// Steps handled per round.
const BATCH: usize = 200;

impl Engine {
    /// Queues the text of every follow-up step now due, or stops the sequence if the customer
    /// replied, opted out, was blocked, or staff wrote or closed the conversation. Only steps
    /// due before the last complete poll of inbound texts are considered, so no reply can be
    /// waiting unread at the provider. Returns how many texts were queued.
    pub fn queue_due_follow_ups(&self) -> Result<usize, EngineError> {
        let now = self.now();
        let polled = *self
            .messages_polled_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(cutoff) = polled.map(|p| p.min(now)) else {
            return Ok(0);
        };
        let config = self.config();
        let due = self
            .store
            .read(|c| store::due_follow_ups(c, cutoff, BATCH))?;
        let mut queued = 0;
        for step in &due {
            queued += usize::from(self.store.write(|tx| queue_step(tx, &config, step, now))?);
        }
        if queued > 0 {
            self.outbox_ready.notify_one();
        }
        Ok(queued)
    }
}

fn queue_step(
    tx: &mut Tx<'_>,
    config: &Config,
    step: &DueFollowUp,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    if let Some(reason) = stop_reason(tx, step)? {
        tx.stop_follow_ups(step.conversation_id, reason, now)?;
        tx.stop_follow_up(step.id, reason)?;
        return Ok(false);
    }
    let Some(variants) = config.templates.follow_up(step.step as usize) else {
        tx.stop_follow_up(step.id, "no_template")?;
        return Ok(false);
    };
    let variant = variants.choose(&mut rand::rng());
    let body = variant
        .template
        .render(&template_values(tx, config, step.conversation_id)?);
    let recorded = variant.recorded_as("follow_up");
    let text = NewOutbound {
        conversation_id: step.conversation_id,
        kind: "follow_up",
        body: &body,
        template: Some(&recorded),
        follow_up_step: Some(step.step + 1),
        call_id: None,
        author: None,
        due_at: now,
    };
    let message_id = tx.schedule_text(&text, now)?;
    tx.follow_up_queued(step.id, message_id)?;
    Ok(true)
}

/// Why a sequence must not go on, if it must not.
fn stop_reason(tx: &Tx<'_>, step: &DueFollowUp) -> Result<Option<&'static str>, StoreError> {
    if store::conversation_status(tx, step.conversation_id)?.is_closed() {
        return Ok(Some("closed"));
    }
    let (_, customer) = store::conversation_numbers(tx, step.conversation_id)?;
    if store::is_opted_out(tx, &customer)? {
        return Ok(Some("opted_out"));
    }
    if store::is_blocked(tx, &customer)? {
        return Ok(Some("blocked"));
    }
    let first = store::message(tx, step.first_message_id)?;
    let Some(started) = first.sent_at else {
        return Ok(Some("first_text_not_sent"));
    };
    store::sequence_interrupted(tx, step.conversation_id, started)
}

/// The values a template may use, for one conversation.
pub(super) fn template_values(
    conn: &rusqlite::Connection,
    config: &Config,
    conversation_id: i64,
) -> Result<Values, StoreError> {
    let name = store::conversation(conn, conversation_id)?.customer_name;
    let first_name = name.and_then(|n| n.split_whitespace().next().map(str::to_owned));
    Ok(Values {
        business: config.business.name.clone(),
        booking_link: config.business.booking_link.clone(),
        first_name,
    })
}
