//! Detecting missed calls by polling the provider's call list.
//!
//! Each business number has a cursor: the start time from which its calls are listed again on
//! the next poll. It stays at the oldest call that has not finished, so a call still ringing is
//! seen again once it ends, and otherwise moves to the newest call seen. Listing overlaps on
//! purpose; a call is handled once, ever, because its SID is unique in the store and the
//! decision is written in the same transaction as the call.

use chrono::{DateTime, Duration, Utc};
use futures::{stream, StreamExt};
use serde::Serialize;
use textback_provider::{CallQuery, CallRecord, CallStatus};
use textback_text::phone;

use super::{decide, CallInput, CallOutcome, Decision, Engine, EngineError, SkipReason};
use crate::config::Config;
use crate::store::{self, NewCall, NewOutbound, Tx};

/// How far back the first poll of a number looks.
const FIRST_LOOKBACK: Duration = Duration::hours(24);
/// Margin below the cursor, for clocks that disagree and for calls that a provider lists only
/// once they have ended.
const OVERLAP: Duration = Duration::minutes(5);
/// Child-leg look-ups in flight at once.
const CHILD_LOOKUPS: usize = 8;

/// What one poll found.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct PollReport {
    /// Parent legs the provider listed.
    pub listed: usize,
    /// Calls recorded for the first time.
    pub recorded: usize,
    /// Texts scheduled for them.
    pub scheduled: usize,
    /// Calls still going, left for a later poll.
    pub unfinished: usize,
}

impl Engine {
    /// Lists each business number's recent calls and handles the finished ones not seen before.
    pub async fn poll_calls(&self) -> Result<PollReport, EngineError> {
        let config = self.config();
        let mut report = PollReport::default();
        for number in &config.business.numbers {
            self.poll_number(&config, number, &mut report).await?;
        }
        Ok(report)
    }

    async fn poll_number(
        &self,
        config: &Config,
        number: &str,
        report: &mut PollReport,
    ) -> Result<(), EngineError> {
        let now = self.now();
        let cursor_name = format!("calls:{number}");
        let cursor = self.store.read(|c| store::cursor(c, &cursor_name))?;
        let from = cursor.unwrap_or(now - FIRST_LOOKBACK) - OVERLAP;
        let query = CallQuery {
            to: Some(number.to_owned()),
            started_after: Some(from),
            page_size: Some(200),
            ..CallQuery::default()
        };
        let listed = self.with_provider(self.provider.list_calls(&query)).await?;

        let mut parents: Vec<CallRecord> = listed
            .into_iter()
            .filter(|c| c.parent_call_sid.is_none() && c.direction == "inbound")
            .collect();
        parents.sort_by_key(|c| c.start_time);
        report.listed += parents.len();
        let newest = parents.iter().filter_map(|c| c.start_time).max();
        let fresh: Vec<CallRecord> = self.store.read(|c| {
            let mut fresh = Vec::new();
            for call in parents {
                if !store::call_known(c, &call.sid)? {
                    fresh.push(call);
                }
            }
            Ok(fresh)
        })?;

        let with_children = self.children_of(fresh).await;
        let mut oldest_open: Option<DateTime<Utc>> = None;
        for (parent, children) in &with_children {
            let outcome = children.as_ref().and_then(|c| super::classify(parent, c));
            let Some(outcome) = outcome else {
                report.unfinished += 1;
                let started = parent.start_time.unwrap_or(now);
                oldest_open = Some(oldest_open.map_or(started, |o| o.min(started)));
                continue;
            };
            if let Some(scheduled) = self.record_call(config, parent, outcome)? {
                report.recorded += 1;
                report.scheduled += usize::from(scheduled);
            }
        }

        let next = oldest_open.or(newest).unwrap_or(from + OVERLAP);
        if cursor != Some(next) {
            self.store.write(|tx| tx.put_cursor(&cursor_name, next))?;
        }
        Ok(())
    }

    /// Fetches the child legs of every finished parent that needs them. A parent whose
    /// look-up failed comes back with `None` and waits for the next poll, so one failed request
    /// does not hold up the other calls.
    pub(super) async fn children_of(
        &self,
        parents: Vec<CallRecord>,
    ) -> Vec<(CallRecord, Option<Vec<CallRecord>>)> {
        stream::iter(parents)
            .map(|parent| async move {
                if parent.status != CallStatus::Completed {
                    return (parent, Some(Vec::new()));
                }
                let query = CallQuery {
                    parent_call_sid: Some(parent.sid.clone()),
                    ..CallQuery::default()
                };
                match self.with_provider(self.provider.list_calls(&query)).await {
                    Ok(children) => (parent, Some(children)),
                    Err(e) => {
                        tracing::debug!(sid = %parent.sid, error = %e, "child legs not listed");
                        (parent, None)
                    }
                }
            })
            .buffered(CHILD_LOOKUPS)
            .collect()
            .await
    }

    /// Records a finished call and what was decided, in one transaction. Returns `None` if the
    /// call was known already, else whether a text was scheduled.
    pub(super) fn record_call(
        &self,
        config: &Config,
        parent: &CallRecord,
        outcome: CallOutcome,
    ) -> Result<Option<bool>, EngineError> {
        let now = self.now();
        let ended_at = parent.end_time.or(parent.start_time).unwrap_or(now);
        let missed = outcome.is_missed(config.rules.voicemail_counts_as_missed);
        let scheduled = self.store.write(|tx| {
            let caller = phone::parse(&parent.from, Some(&config.business.country))
                .ok()
                .filter(|p| p.valid && !phone::is_anonymous(&parent.from))
                .map(|p| p.e164);
            let conversation = match &caller {
                Some(number) => Some(tx.conversation_for(&parent.to, number, ended_at)?),
                None => None,
            };
            let call = NewCall {
                sid: &parent.sid,
                conversation_id: conversation,
                from: caller.as_deref().unwrap_or(&parent.from),
                to: &parent.to,
                outcome: outcome.as_str(),
                started_at: parent.start_time,
                ended_at: parent.end_time,
                detected_at: now,
            };
            let Some(call_id) = tx.insert_call(&call)? else {
                return Ok(None);
            };
            let detected = crate::events::EventKind::CallDetected {
                call_id,
                sid: parent.sid.clone(),
                from: call.from.to_owned(),
                to: parent.to.clone(),
                outcome: outcome.as_str().into(),
                missed,
            };
            tx.event(now, conversation, detected)?;

            if let (Some(conversation), Some(number)) = (conversation, &caller) {
                if missed {
                    let preview = format!("Missed call ({})", outcome.in_words());
                    tx.touch_conversation(conversation, ended_at, &preview, true)?;
                } else {
                    tx.touch_conversation(conversation, ended_at, "Answered call", false)?;
                    cancel_text_backs(tx, number, "reached", now)?;
                }
            }

            let input = CallInput {
                from: &parent.from,
                outcome,
                ended_at,
            };
            let decision = decide(config, &input, now, &**tx)?;
            apply(tx, config, call_id, conversation, missed, decision, now).map(Some)
        })?;
        if let Some(scheduled) = scheduled {
            tracing::info!(sid = %parent.sid, outcome = outcome.as_str(), scheduled, "call handled");
            if scheduled {
                self.outbox_ready.notify_one();
            }
        }
        Ok(scheduled)
    }
}

/// Writes the decision: the text to send, or the reason not to.
fn apply(
    tx: &mut Tx<'_>,
    config: &Config,
    call_id: i64,
    conversation: Option<i64>,
    missed: bool,
    decision: Decision,
    now: DateTime<Utc>,
) -> Result<bool, crate::store::StoreError> {
    match (decision, conversation) {
        (
            Decision::Text {
                due_at, template, ..
            },
            Some(conversation),
        ) => {
            schedule_text_back(tx, config, conversation, call_id, template, due_at, now)?;
            Ok(true)
        }
        (Decision::Text { .. }, None) => {
            skip(
                tx,
                config,
                call_id,
                None,
                missed,
                SkipReason::InvalidNumber,
                now,
            )?;
            Ok(false)
        }
        (Decision::Skip(reason), conversation) => {
            skip(tx, config, call_id, conversation, missed, reason, now)?;
            Ok(false)
        }
    }
}

/// Writes the text-back for call `call_id` to the outbox, due at `due_at`, in the words of the
/// `choice` template (one of its variants, picked by weight), and records it on the call.
pub(super) fn schedule_text_back(
    tx: &mut Tx<'_>,
    config: &Config,
    conversation: i64,
    call_id: i64,
    choice: super::TemplateChoice,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<i64, crate::store::StoreError> {
    let values = super::followup::template_values(tx, config, conversation)?;
    let variants = match choice {
        super::TemplateChoice::BusinessHours => &config.templates.business_hours,
        super::TemplateChoice::AfterHours => &config.templates.after_hours,
    };
    let variant = variants.choose(&mut rand::rng());
    let body = variant.template.render(&values);
    let recorded = variant.recorded_as(choice.as_str());
    let text = NewOutbound {
        conversation_id: conversation,
        kind: "text_back",
        body: &body,
        template: Some(&recorded),
        follow_up_step: None,
        call_id: Some(call_id),
        author: None,
        due_at,
    };
    let message_id = tx.schedule_text(&text, now)?;
    tx.set_call_decision(call_id, "pending", None, Some(message_id))?;
    Ok(message_id)
}

fn skip(
    tx: &mut Tx<'_>,
    config: &Config,
    call_id: i64,
    conversation: Option<i64>,
    missed: bool,
    reason: SkipReason,
    now: DateTime<Utc>,
) -> Result<(), crate::store::StoreError> {
    tx.set_call_decision(call_id, "skipped", Some(reason.as_str()), None)?;
    if !missed {
        return Ok(());
    }
    let event = crate::events::EventKind::CallSkipped {
        call_id,
        reason: reason.as_str().into(),
    };
    tx.event(now, conversation, event)?;
    super::guard::check(tx, reason, now)?;
    if let (true, Some(conversation)) = (reason.for_staff(config), conversation) {
        let detail = match reason {
            SkipReason::ActiveConversation => "called again during a conversation",
            SkipReason::TooOld => "missed while Textback was offline; call back by hand",
            _ => "missed outside texting hours; call back by hand",
        };
        tx.flag_for_staff(conversation, reason.as_str(), detail, now)?;
    }
    Ok(())
}

/// Withdraws text-backs to `customer` still waiting for their grace to pass.
pub(super) fn cancel_text_backs(
    tx: &mut Tx<'_>,
    customer: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<usize, crate::store::StoreError> {
    let waiting = store::pending_texts_to(tx, customer, &["text_back"])?;
    let mut cancelled = 0;
    for message_id in waiting {
        cancelled += usize::from(tx.cancel_text(message_id, reason, now)?);
    }
    Ok(cancelled)
}
