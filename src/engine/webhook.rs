//! Calls and texts the provider pushes (webhooks), handled by the same code as polling.
//!
//! A webhook is a faster way to learn what polling would find, not a second path: a call ends
//! in [`Engine::record_call`](super::Engine) whichever way it was learnt, a text in the same
//! `receive`, a delivery status in the same `delivery`. Calls and messages are unique by SID
//! and each is decided in one transaction, so a webhook delivered twice, or a webhook and a
//! poll that both see the same call, change the database once. Webhooks and polling can
//! therefore run together, with polling as the safety net for a webhook that never arrives.
//!
//! What a webhook cannot say is left to polling: a parent leg reported `completed` says nothing
//! about the forward, so its child legs are listed as the poller lists them, and a call whose
//! legs have not all ended is left for a later poll. A provider whose webhook does say it all
//! (Telnyx's inbound leg carries its own outcome) hands in the leg with the children its client
//! would list ([`Engine::call_ended_webhook`]).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use textback_provider::{CallRecord, CallStatus, MessageRecord};

use super::inbound::{delivery, receive};
use super::{classify, CallOutcome, Engine, EngineError};
use crate::config::Config;
use crate::store;

/// A call event the provider pushed.
#[derive(Debug, Clone, PartialEq)]
pub enum CallWebhook {
    /// A call leg's status changed (the number's status callback).
    Status(CallStatusUpdate),
    /// A forward ended: the request `<Dial action="...">` makes.
    DialEnded(DialEnded),
}

/// A status callback for a call leg.
#[derive(Debug, Clone, PartialEq)]
pub struct CallStatusUpdate {
    pub call_sid: String,
    /// Set when the leg is a child, such as a forward.
    pub parent_call_sid: Option<String>,
    pub from: String,
    pub to: String,
    pub status: CallStatus,
    /// `inbound`, `outbound-api` or `outbound-dial`.
    pub direction: String,
    /// When the provider sent the callback.
    pub timestamp: Option<DateTime<Utc>>,
    /// How long the leg lasted, once it ended.
    pub duration_s: Option<u32>,
}

/// The end of a `<Dial>`, reported for the caller's (parent) leg.
#[derive(Debug, Clone, PartialEq)]
pub struct DialEnded {
    /// The caller's leg.
    pub call_sid: String,
    pub from: String,
    /// The business number.
    pub to: String,
    /// How the forward ended; Twilio's `answered` reads as `completed`.
    pub dial_status: CallStatus,
    /// The forward's own leg, when one was placed.
    pub dial_call_sid: Option<String>,
    /// Answering-machine detection's verdict on the forward, where it ran.
    pub answered_by: Option<String>,
}

/// A customer's text, pushed as it arrives.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundSms {
    pub message_sid: String,
    pub from: String,
    pub to: String,
    pub body: String,
}

/// A delivery status for a text the business sent.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageStatusUpdate {
    pub message_sid: String,
    pub status: String,
    pub error_code: Option<u32>,
}

/// What a webhook changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Handled {
    /// Recorded now.
    Applied,
    /// Already recorded (a repeated delivery, or a poll that got there first), or older news.
    AlreadyKnown,
    /// Not enough to decide yet; a later webhook or poll will.
    Undecided,
    /// Not something the engine follows: another number, an outbound or child leg, an
    /// unknown message or status.
    Ignored,
}

impl Engine {
    /// Handles a call status callback or the end of a forward.
    pub async fn call_webhook(&self, event: &CallWebhook) -> Result<Handled, EngineError> {
        let config = self.config();
        match event {
            CallWebhook::DialEnded(dial) => self.dial_ended(&config, dial),
            CallWebhook::Status(update) => self.call_status(&config, update).await,
        }
    }

    /// Handles a finished inbound leg that the webhook describes completely, with the child legs
    /// the provider's client would list for it, so it is decided exactly as a poll would.
    pub fn call_ended_webhook(
        &self,
        parent: &CallRecord,
        children: &[CallRecord],
    ) -> Result<Handled, EngineError> {
        let config = self.config();
        let watched = parent.parent_call_sid.is_none()
            && parent.direction == "inbound"
            && is_business_number(&config, &parent.to);
        if !watched {
            return Ok(Handled::Ignored);
        }
        match classify(parent, children) {
            Some(outcome) => self.record(&config, parent, outcome),
            None => Ok(Handled::Undecided),
        }
    }

    /// Handles a customer's text as polling would have found it.
    pub fn inbound_sms_webhook(&self, sms: &InboundSms) -> Result<Handled, EngineError> {
        let config = self.config();
        if !is_business_number(&config, &sms.to) {
            return Ok(Handled::Ignored);
        }
        let now = self.now();
        let message = MessageRecord {
            sid: sms.message_sid.clone(),
            from: sms.from.clone(),
            to: sms.to.clone(),
            body: sms.body.clone(),
            status: "received".into(),
            direction: "inbound".into(),
            date_created: None,
            date_sent: None,
            error_code: None,
            error_message: None,
            num_segments: None,
        };

        if !self.store.write(|tx| receive(tx, &config, &message, now))? {
            return Ok(Handled::AlreadyKnown);
        }
        tracing::info!(sid = %sms.message_sid, "reply received");
        self.outbox_ready.notify_one();
        Ok(Handled::Applied)
    }

    /// Records a delivery status, unless the text already has it or a later one: callbacks
    /// can arrive out of order, and `sent` after `delivered` is old news.
    ///
    /// Limitation: a status that arrives before the sender has recorded the text's SID finds
    /// no text and is dropped; the delivery refresh fetches it later.
    pub fn message_status_webhook(
        &self,
        update: &MessageStatusUpdate,
    ) -> Result<Handled, EngineError> {
        let now = self.now();
        let handled = self.store.write(|tx| {
            let Some(message_id) = store::message_by_sid(tx, &update.message_sid)? else {
                return Ok(Handled::Ignored);
            };
            let message = store::message(tx, message_id)?;
            if message.direction != "out" {
                return Ok(Handled::Ignored);
            }
            if !is_later(&message.status, &update.status) {
                return Ok(Handled::AlreadyKnown);
            }
            let (business, customer) = store::conversation_numbers(tx, message.conversation_id)?;
            let record = MessageRecord {
                sid: update.message_sid.clone(),
                from: business,
                to: customer,
                body: message.body,
                status: update.status.clone(),
                direction: "outbound-api".into(),
                date_created: None,
                date_sent: None,
                error_code: update.error_code,
                error_message: None,
                num_segments: None,
            };
            Ok(if delivery(tx, message_id, &record, now)? {
                Handled::Applied
            } else {
                Handled::AlreadyKnown
            })
        })?;
        tracing::debug!(sid = %update.message_sid, status = %update.status, ?handled, "delivery status pushed");
        Ok(handled)
    }

    /// The forward's status decides the call, as its child leg would when polling.
    fn dial_ended(&self, config: &Config, dial: &DialEnded) -> Result<Handled, EngineError> {
        if !is_business_number(config, &dial.to) {
            return Ok(Handled::Ignored);
        }
        let now = self.now();
        let parent = CallRecord {
            sid: dial.call_sid.clone(),
            parent_call_sid: None,
            from: dial.from.clone(),
            to: dial.to.clone(),
            status: CallStatus::Completed,
            direction: "inbound".into(),
            start_time: None,
            end_time: Some(now),
            duration_s: None,
            answered_by: None,
        };
        let forward = CallRecord {
            sid: dial.dial_call_sid.clone().unwrap_or_default(),
            parent_call_sid: Some(dial.call_sid.clone()),
            status: dial.dial_status.clone(),
            direction: "outbound-dial".into(),
            answered_by: dial.answered_by.clone(),
            ..parent.clone()
        };

        match classify(&parent, &[forward]) {
            Some(outcome) => self.record(config, &parent, outcome),
            None => Ok(Handled::Undecided),
        }
    }

    /// A parent leg that ended: decided at once when the leg itself failed, else from its
    /// child legs, listed through the provider as the poller lists them.
    async fn call_status(
        &self,
        config: &Config,
        update: &CallStatusUpdate,
    ) -> Result<Handled, EngineError> {
        let watched = update.parent_call_sid.is_none()
            && update.direction == "inbound"
            && is_business_number(config, &update.to);
        if !watched {
            return Ok(Handled::Ignored);
        }
        if !update.status.is_final() {
            return Ok(Handled::Undecided);
        }
        if self
            .store
            .read(|c| store::call_known(c, &update.call_sid))?
        {
            return Ok(Handled::AlreadyKnown);
        }

        let ended = update.timestamp;
        let started = ended
            .zip(update.duration_s)
            .map(|(end, s)| end - Duration::seconds(i64::from(s)));
        let parent = CallRecord {
            sid: update.call_sid.clone(),
            parent_call_sid: None,
            from: update.from.clone(),
            to: update.to.clone(),
            status: update.status.clone(),
            direction: update.direction.clone(),
            start_time: started,
            end_time: ended,
            duration_s: update.duration_s,
            answered_by: None,
        };
        let mut listed = self.children_of(vec![parent]).await;
        let Some((parent, Some(children))) = listed.pop() else {
            return Ok(Handled::Undecided);
        };
        match classify(&parent, &children) {
            Some(outcome) => self.record(config, &parent, outcome),
            None => Ok(Handled::Undecided),
        }
    }

    fn record(
        &self,
        config: &Config,
        parent: &CallRecord,
        outcome: CallOutcome,
    ) -> Result<Handled, EngineError> {
        Ok(match self.record_call(config, parent, outcome)? {
            Some(_) => Handled::Applied,
            None => Handled::AlreadyKnown,
        })
    }
}

fn is_business_number(config: &Config, number: &str) -> bool {
    config.business.numbers.iter().any(|n| n == number)
}

/// Whether `new` is further along a text's delivery than `current`. Unknown statuses never
/// are; anything is further than the engine's own states before the provider answered.
fn is_later(current: &str, new: &str) -> bool {
    match (delivery_rank(current), delivery_rank(new)) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(current), Some(new)) => new > current,
    }
}

/// Where a provider status sits on a text's way to the handset.
fn delivery_rank(status: &str) -> Option<u8> {
    Some(match status {
        "accepted" | "scheduled" | "queued" => 1,
        "sending" => 2,
        "sent" => 3,
        "delivered" | "undelivered" | "failed" => 4,
        "read" => 5,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_statuses_only_move_forward() {
        let cases = [
            ("sent", "delivered", true),
            ("queued", "sent", true),
            ("delivered", "sent", false),
            ("delivered", "delivered", false),
            ("sent", "undelivered", true),
            ("undelivered", "delivered", false),
            ("delivered", "read", true),
            ("sent", "partially_delivered", false),
        ];
        for (current, new, expected) in cases {
            assert_eq!(is_later(current, new), expected, "{current} then {new}");
        }
    }
}
