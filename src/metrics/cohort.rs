//! What became of the text-backs sent in a period: replies, which text a reply answered, how
//! soon staff wrote back, and bookings, read from each conversation's events in order.

use std::collections::BTreeMap;

use super::steps::{Step, What};
use super::TemplateResults;

/// The figures that follow text-backs forward in time.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Cohort {
    /// Text-backs sent in the period.
    pub texted: u64,
    /// Conversations whose text-back in the period was answered.
    pub replied: u64,
    /// Seconds from a call's end to its text-back.
    pub time_to_text_s: Vec<f64>,
    /// Seconds from a conversation's first reply to the first staff text after it.
    pub staff_reply_s: Vec<f64>,
    /// Replied conversations by the automatic text their first reply answered.
    pub replies_by_step: BTreeMap<String, u64>,
    pub templates: BTreeMap<String, TemplateResults>,
}

/// One text-back and what followed it, until the next text-back in its conversation.
#[derive(Debug)]
struct Attempt {
    template: String,
    /// The automatic text sent last: 0 for the text-back, then the follow-up's number.
    last_step: u32,
    /// When the customer first answered, and which step that answered.
    reply: Option<(i64, u32)>,
    staff_after_reply: Option<i64>,
    booked: bool,
}

/// Walks `steps` (by conversation, in time order) and gathers the figures of the text-backs
/// sent before `to`.
pub fn follow(steps: &[Step], to: i64) -> Cohort {
    let mut cohort = Cohort::default();
    for conversation in steps.chunk_by(|a, b| a.conversation_id == b.conversation_id) {
        follow_conversation(conversation, to, &mut cohort);
    }
    cohort
}

fn follow_conversation(steps: &[Step], to: i64, cohort: &mut Cohort) {
    let mut attempts: Vec<Attempt> = Vec::new();
    for step in steps {
        let current = attempts.last_mut();
        match (&step.what, current) {
            (
                What::TextBack {
                    template,
                    call_ended_at,
                },
                _,
            ) => {
                // A text-back after the period starts a story that belongs to a later one.
                if step.at >= to {
                    break;
                }
                if let Some(ended) = call_ended_at {
                    cohort
                        .time_to_text_s
                        .push((step.at - ended).max(0) as f64 / 1000.0);
                }
                attempts.push(Attempt {
                    template: template.clone().unwrap_or_else(|| "none".into()),
                    last_step: 0,
                    reply: None,
                    staff_after_reply: None,
                    booked: false,
                });
            }
            (What::FollowUp { step: n }, Some(attempt)) if attempt.reply.is_none() => {
                attempt.last_step = *n;
            }
            (What::Reply, Some(attempt)) if attempt.reply.is_none() => {
                attempt.reply = Some((step.at, attempt.last_step));
            }
            (What::Staff, Some(attempt))
                if attempt.reply.is_some() && attempt.staff_after_reply.is_none() =>
            {
                attempt.staff_after_reply = Some(step.at);
            }
            (What::Booked, Some(attempt)) => attempt.booked = true,
            _ => {}
        }
    }

    for attempt in &attempts {
        cohort.texted += 1;
        let results = cohort
            .templates
            .entry(attempt.template.clone())
            .or_default();
        results.sent += 1;
        results.replied += u64::from(attempt.reply.is_some());
        results.booked += u64::from(attempt.booked);
    }
    // A conversation counts once, by the first of its text-backs that was answered.
    if let Some(answered) = attempts.iter().find(|a| a.reply.is_some()) {
        let (replied_at, step) = answered.reply.expect("found answered");
        cohort.replied += 1;
        *cohort.replies_by_step.entry(step_name(step)).or_default() += 1;
        if let Some(staff_at) = answered.staff_after_reply {
            cohort
                .staff_reply_s
                .push((staff_at - replied_at) as f64 / 1000.0);
        }
    }
}

/// `text_back` for step 0, else `follow_up_N`.
fn step_name(step: u32) -> String {
    match step {
        0 => "text_back".into(),
        n => format!("follow_up_{n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(at: i64, what: What) -> Step {
        Step {
            conversation_id: 1,
            at,
            what,
        }
    }

    fn text_back(at: i64) -> Step {
        step(
            at,
            What::TextBack {
                template: Some("business_hours".into()),
                call_ended_at: Some(at - 15_000),
            },
        )
    }

    #[test]
    fn a_reply_is_credited_to_the_last_automatic_text_before_it() {
        let steps = [
            text_back(0),
            step(10_000, What::FollowUp { step: 1 }),
            step(20_000, What::Reply),
            step(30_000, What::FollowUp { step: 2 }),
            step(80_000, What::Staff),
            step(90_000, What::Booked),
        ];

        let cohort = follow(&steps, 1_000_000);

        assert_eq!(cohort.replied, 1, "one answered conversation");
        assert_eq!(
            cohort.replies_by_step.get("follow_up_1"),
            Some(&1),
            "answered the first follow-up"
        );
        assert_eq!(cohort.staff_reply_s, [60.0], "staff wrote 60 s after");
        assert_eq!(cohort.time_to_text_s, [15.0], "15 s from call to text");
        assert_eq!(
            cohort.templates["business_hours"].booked, 1,
            "booked after it"
        );
    }

    #[test]
    fn a_text_back_after_the_period_is_left_to_its_own_period() {
        let steps = [
            text_back(0),
            text_back(2_000_000),
            step(2_100_000, What::Reply),
        ];

        let cohort = follow(&steps, 1_000_000);

        assert_eq!(cohort.texted, 1, "only the text-back inside the period");
        assert_eq!(
            cohort.replied, 0,
            "a reply to the later text-back is not this period's"
        );
    }
}
