//! The outbox sender: the only code that sends texts.
//!
//! For each text due it (1) reconciles, if an earlier attempt's outcome is unknown, by looking
//! for the text in the provider's message list; (2) checks, in the transaction that marks the
//! attempt begun, that the text may still go (not opted out, not blocked, not closed, inside
//! texting hours); (3) sends; (4) records what the provider said. Because the attempt is
//! committed before the request leaves and the result after it returns, a crash at any point
//! leaves either a `pending` row (never sent) or a `sending` row (reconciled before any resend).

use chrono::{DateTime, Duration, Utc};
use futures::{stream, StreamExt};
use serde::Serialize;
use textback_provider::{MessageQuery, MessageRecord, NewMessage, ProviderError};

use super::{Engine, EngineError};
use crate::config::{Config, QuietHoursAction};
use crate::store::{self, OutboxItem, StoreError, Tx};

/// Texts taken from the outbox per round.
const BATCH: usize = 500;
/// Send requests in flight at once.
const SENDS_IN_FLIGHT: usize = 8;
/// How far before the first attempt a text found at the provider may have been created.
const RECONCILE_SLACK: Duration = Duration::minutes(2);
/// The longest wait between attempts while the provider is failing.
const MAX_RETRY_DELAY: Duration = Duration::minutes(5);

/// What one round of the sender did.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct SendReport {
    pub sent: usize,
    /// Found at the provider after an attempt whose outcome was unknown.
    pub reconciled: usize,
    pub failed: usize,
    pub withdrawn: usize,
    pub deferred: usize,
}

enum Worked {
    Sent,
    Reconciled,
    Failed,
    Withdrawn,
    Deferred,
    Gone,
}

enum Claim {
    Go,
    Stopped,
    Deferred,
    Gone,
}

impl Engine {
    /// Queues due follow-ups, then works every text due now.
    pub async fn run_due(&self) -> Result<SendReport, EngineError> {
        self.queue_due_follow_ups()?;
        let now = self.now();
        let due = self.store.read(|c| store::due_texts(c, now, BATCH))?;
        let results: Vec<Result<Worked, EngineError>> = stream::iter(due)
            .map(|item| self.work(item))
            .buffer_unordered(SENDS_IN_FLIGHT)
            .collect()
            .await;
        let mut report = SendReport::default();
        for result in results {
            match result? {
                Worked::Sent => report.sent += 1,
                Worked::Reconciled => report.reconciled += 1,
                Worked::Failed => report.failed += 1,
                Worked::Withdrawn => report.withdrawn += 1,
                Worked::Deferred => report.deferred += 1,
                Worked::Gone => {}
            }
        }
        Ok(report)
    }

    async fn work(&self, item: OutboxItem) -> Result<Worked, EngineError> {
        let config = self.config();
        if item.state == "sending" {
            match self.find_at_provider(&item).await {
                Ok(Some(found)) => {
                    tracing::info!(message_id = item.message_id, sid = %found.sid, "text found at provider");
                    // Sent when the provider created it, not now: a reply recorded in between
                    // must count as coming after it, or it would not stop the follow-ups.
                    let now = self.now();
                    let sent_at = found.date_created.map_or(now, |created| created.min(now));
                    self.store
                        .write(|tx| record_sent(tx, &config, &item, &found, sent_at))?;
                    return Ok(Worked::Reconciled);
                }
                Ok(None) => {}
                Err(EngineError::Provider(e)) => {
                    return self.retry(&item, &e, false).map(|_| Worked::Deferred)
                }
                Err(e) => return Err(e),
            }
        }

        match self
            .store
            .write(|tx| claim(tx, &config, &item, self.now()))?
        {
            Claim::Go => {}
            Claim::Stopped => return Ok(Worked::Withdrawn),
            Claim::Deferred => return Ok(Worked::Deferred),
            Claim::Gone => return Ok(Worked::Gone),
        }
        let message = NewMessage {
            from: item.from.clone(),
            to: item.to.clone(),
            body: item.body.clone(),
        };
        match self
            .with_provider(self.provider.send_message(&message))
            .await
        {
            Ok(record) => {
                tracing::info!(message_id = item.message_id, sid = %record.sid, kind = %item.kind, "text sent");
                self.store
                    .write(|tx| record_sent(tx, &config, &item, &record, self.now()))?;
                Ok(Worked::Sent)
            }
            Err(EngineError::Provider(e)) if e.is_transient() || e.outcome_unknown() => self
                .retry(&item, &e, !e.outcome_unknown())
                .map(|_| Worked::Deferred),
            Err(EngineError::Provider(e)) => {
                tracing::warn!(message_id = item.message_id, code = ?e.code(), error = %e, "text refused");
                self.store
                    .write(|tx| record_refusal(tx, &item, &e, self.now()))?;
                Ok(Worked::Failed)
            }
            Err(e) => Err(e),
        }
    }

    /// Looks for a text of this outbox row among the provider's messages between the two
    /// numbers, created since its first attempt and not recorded under another row.
    ///
    /// Limitation: a match is by exact body. A provider that rewrites bodies (Twilio's optional
    /// "smart encoding" replaces some Unicode punctuation) would make a sent text look unsent,
    /// and it would be sent again; so would a text the provider accepted but does not list yet.
    async fn find_at_provider(
        &self,
        item: &OutboxItem,
    ) -> Result<Option<MessageRecord>, EngineError> {
        let since = item.first_attempt_at.unwrap_or(item.due_at) - RECONCILE_SLACK;
        let query = MessageQuery {
            from: Some(item.from.clone()),
            to: Some(item.to.clone()),
            page_size: Some(50),
            ..MessageQuery::default()
        };
        let listed = self
            .with_provider(self.provider.list_messages(&query))
            .await?;
        let candidates = listed.into_iter().filter(|m| {
            !m.is_inbound()
                && m.body == item.body
                && m.date_created.is_none_or(|created| created >= since)
        });
        for candidate in candidates {
            let known = self
                .store
                .read(|c| store::message_by_sid(c, &candidate.sid))?;
            if known.is_none() {
                return Ok(Some(candidate));
            }
        }
        Ok(None)
    }

    /// Puts a text back to wait after a failure that may pass. `not_sent` says the text surely
    /// never reached the provider; otherwise it is reconciled before the next attempt.
    fn retry(
        &self,
        item: &OutboxItem,
        error: &ProviderError,
        not_sent: bool,
    ) -> Result<(), EngineError> {
        let now = self.now();
        let due = now + retry_delay(item.attempts, error);
        tracing::debug!(message_id = item.message_id, %due, error = %error, "text retry later");
        self.store
            .write(|tx| tx.retry_text_later(item.message_id, due, not_sent, &error.to_string()))?;
        Ok(())
    }
}

/// The wait before the next attempt: doubling from one second, at most five minutes, and never
/// less than the provider asked for.
///
/// Limitation: a text that keeps failing for a reason that may pass is retried for as long as
/// it takes, so after an outage of hours a text-back still goes out, late, rather than being
/// listed for staff instead.
fn retry_delay(attempts: u32, error: &ProviderError) -> Duration {
    let doubling = Duration::seconds(1i64 << attempts.min(16)).min(MAX_RETRY_DELAY);
    let asked = match error {
        ProviderError::Api {
            retry_after_s: Some(s),
            ..
        } => Duration::seconds(*s as i64),
        _ => Duration::zero(),
    };
    doubling.max(asked)
}

/// Checks the text may still go and marks the attempt begun, in one transaction.
fn claim(
    tx: &mut Tx<'_>,
    config: &Config,
    item: &OutboxItem,
    now: DateTime<Utc>,
) -> Result<Claim, StoreError> {
    let Some(current) = store::outbox_item_by_id(tx, item.message_id)? else {
        return Ok(Claim::Gone);
    };
    if current.state == "sending" {
        // Reconciliation has just shown the earlier attempt never reached the provider.
        tx.retry_text_later(item.message_id, now, true, "not found at provider")?;
    }
    if let Some(reason) = stop_reason(tx, config, item)? {
        tx.cancel_text(item.message_id, reason, now)?;
        return Ok(Claim::Stopped);
    }
    let automatic = matches!(item.kind.as_str(), "text_back" | "follow_up");
    if let (true, Some(window)) = (automatic, config.rules.send_window) {
        let open = window.next_open(now, config.business.time_zone);
        if open != now {
            return Ok(match config.rules.quiet_hours_action {
                QuietHoursAction::Queue => {
                    tx.defer_text(item.message_id, open)?;
                    Claim::Deferred
                }
                QuietHoursAction::Drop | QuietHoursAction::StaffList => {
                    tx.cancel_text(item.message_id, "quiet_hours", now)?;
                    Claim::Stopped
                }
            });
        }
    }
    tx.begin_attempt(item.message_id, now)?;
    Ok(Claim::Go)
}

/// Why a text must not go out any more, if it must not.
fn stop_reason(
    tx: &Tx<'_>,
    config: &Config,
    item: &OutboxItem,
) -> Result<Option<&'static str>, StoreError> {
    if store::is_opted_out(tx, &item.to)? && item.kind != "help" {
        return Ok(Some("opted_out"));
    }
    if store::is_blocked(tx, &item.to)? {
        return Ok(Some("blocked"));
    }
    if config.is_own_number(&item.to) {
        return Ok(Some("own_number"));
    }
    let automatic = matches!(item.kind.as_str(), "text_back" | "follow_up");
    if automatic && store::conversation_status(tx, item.conversation_id)?.is_closed() {
        return Ok(Some("closed"));
    }
    Ok(None)
}

/// Records a text the provider has, sent at `sent_at`, and starts its follow-ups if it opens a
/// sequence.
fn record_sent(
    tx: &mut Tx<'_>,
    config: &Config,
    item: &OutboxItem,
    record: &MessageRecord,
    sent_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.record_sent(item.message_id, &record.sid, &record.status, sent_at)?;
    tx.touch_conversation(item.conversation_id, sent_at, &item.body, false)?;
    if item.kind == "staff" {
        tx.note_activity(item.conversation_id, sent_at, false)?;
    }
    if item.kind == "text_back" {
        tx.advance_status(
            item.conversation_id,
            store::ConversationStatus::Texted,
            sent_at,
        )?;
        let tz = config.business.time_zone;
        let due: Vec<_> = config
            .rules
            .follow_ups
            .iter()
            .map(|s| s.due(sent_at, tz))
            .collect();
        tx.schedule_follow_ups(item.conversation_id, item.message_id, &due)?;
    }
    Ok(())
}

/// Records a permanent refusal, and what it teaches about the number.
fn record_refusal(
    tx: &mut Tx<'_>,
    item: &OutboxItem,
    error: &ProviderError,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let reason = match error {
        ProviderError::Api { message, .. } => message.clone(),
        other => other.to_string(),
    };
    tx.record_failed(item.message_id, error.code(), &reason, now)?;
    if error.is_opt_out() {
        tx.opt_out(&item.to, "provider", now)?;
        tx.stop_follow_ups(item.conversation_id, "opted_out", now)?;
    } else if let (true, Some(code)) = (error.is_not_mobile(), error.code()) {
        tx.mark_not_mobile(&item.to, code, now)?;
        tx.stop_follow_ups(item.conversation_id, "not_mobile", now)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, retry_after_s: Option<u64>) -> ProviderError {
        ProviderError::Api {
            status,
            code: None,
            message: String::new(),
            more_info: None,
            retry_after_s,
        }
    }

    #[test]
    fn retries_double_up_to_five_minutes() {
        assert_eq!(
            retry_delay(1, &api(500, None)),
            Duration::seconds(2),
            "second attempt"
        );
        assert_eq!(
            retry_delay(4, &api(500, None)),
            Duration::seconds(16),
            "fifth attempt"
        );
        assert_eq!(retry_delay(30, &api(500, None)), MAX_RETRY_DELAY, "capped");
    }

    #[test]
    fn retry_after_is_honoured() {
        assert_eq!(
            retry_delay(0, &api(429, Some(30))),
            Duration::seconds(30),
            "provider asked 30 s"
        );
    }
}
