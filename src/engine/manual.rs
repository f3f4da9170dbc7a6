//! Texting back by hand a call the engine did not text: one skipped by a rule staff want to
//! override (quiet hours, a cap, a country), or one missed while Textback was offline.
//!
//! Staff decide here, so only the rules that protect the customer still hold: an opted-out or
//! blocked number is never texted, and a call that already has a text on its way is not texted
//! twice. The text is the template the engine would have chosen at this moment, recorded like an
//! automatic text-back so the figures count it.

use super::{Engine, EngineError};
use crate::store::{self, StoreError, Tx};

impl Engine {
    /// Schedules a text-back for call `call_id` now and returns the new message's id.
    pub(crate) fn text_back_by_hand(&self, call_id: i64) -> Result<i64, EngineError> {
        let config = self.config();
        let now = self.now();
        let message_id = self.store.write(|tx| {
            let call = store::call(tx, call_id)?;
            let conversation = call.conversation_id.ok_or_else(|| {
                StoreError::Invalid(format!(
                    "the call from {} has no conversation: its number cannot be texted",
                    call.from
                ))
            })?;
            refuse_unless_textable(tx, &call)?;

            let (_, customer) = store::conversation_numbers(tx, conversation)?;
            let choice = if config
                .business
                .hours
                .is_open(now, config.business.time_zone)
            {
                super::TemplateChoice::BusinessHours
            } else {
                super::TemplateChoice::AfterHours
            };
            let message_id = super::detect::schedule_text_back(
                tx,
                &config,
                conversation,
                call_id,
                choice,
                now,
                now,
            )?;
            tx.note_activity(conversation, now, false)?;
            tracing::info!(call_id, customer = %customer, "text-back by hand scheduled");
            Ok(message_id)
        })?;
        self.outbox_ready.notify_one();
        Ok(message_id)
    }
}

/// Refuses a call that was answered, already has a text, or whose caller must not be texted.
fn refuse_unless_textable(tx: &Tx<'_>, call: &store::Call) -> Result<(), StoreError> {
    let refuse = |why: String| Err(StoreError::Invalid(why));
    match (call.decision.as_str(), call.skip_reason.as_deref()) {
        (_, Some("answered")) => return refuse("the call was answered".into()),
        ("pending", _) => return refuse("a text-back for this call is already on its way".into()),
        ("texted", _) => return refuse("this call was already texted back".into()),
        _ => {}
    }
    if store::is_opted_out(tx, &call.from)? {
        return refuse(format!("{} has opted out of texts", call.from));
    }
    if store::is_blocked(tx, &call.from)? {
        return refuse(format!("{} is blocked", call.from));
    }
    Ok(())
}
