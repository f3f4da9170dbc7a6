//! Texting back by hand a call the engine did not text: one skipped by a rule staff want to
//! override (quiet hours, a cap, a country), or one missed while Textback was offline.
//!
//! Staff decide here, so only the rules that protect the customer still hold: an opted-out or
//! blocked number is never texted, and a call that already has a text on its way is not texted
//! twice. The text is the template the engine would have chosen at this moment, recorded like an
//! automatic text-back so the figures count it.

use rand::rng;

use super::{Engine, EngineError};
use crate::store::{self, NewOutbound, StoreError, Tx};

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
            let open = config
                .business
                .hours
                .is_open(now, config.business.time_zone);
            let (choice, variants) = if open {
                (
                    super::TemplateChoice::BusinessHours,
                    &config.templates.business_hours,
                )
            } else {
                (
                    super::TemplateChoice::AfterHours,
                    &config.templates.after_hours,
                )
            };
            let values = super::followup::template_values(tx, &config, conversation)?;
            let variant = variants.choose(&mut rng());
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
                due_at: now,
            };
            let message_id = tx.schedule_text(&text, now)?;
            tx.set_call_decision(call_id, "pending", None, Some(message_id))?;
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
