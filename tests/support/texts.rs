//! The texts the business sent, read from the provider's record and counted by kind, for tests
//! whose templates make a text-back and a follow-up easy to tell apart.

use std::collections::HashMap;

use textback_sandbox::{MessageDirection, SandboxMessage};

/// How every text-back starts, whichever template the hour picks.
pub const TEXT_BACK: &str = "Sorry we missed your call";
/// How every follow-up starts.
pub const FOLLOW_UP: &str = "Just checking in";

/// What one customer received, counted by kind.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Received {
    pub text_backs: usize,
    pub follow_ups: usize,
    pub other: usize,
}

/// What each customer received among `messages`: inbound texts are skipped, and a sent text
/// counts as a text-back or a follow-up by how it starts, or else as other.
pub fn received_by_customer<'a>(
    messages: impl IntoIterator<Item = &'a SandboxMessage>,
) -> HashMap<String, Received> {
    let mut received: HashMap<String, Received> = HashMap::new();
    let sent = messages.into_iter();
    for message in sent.filter(|m| m.direction != MessageDirection::Inbound) {
        let entry = received.entry(message.to.clone()).or_default();
        if message.body.starts_with(TEXT_BACK) {
            entry.text_backs += 1;
        } else if message.body.starts_with(FOLLOW_UP) {
            entry.follow_ups += 1;
        } else {
            entry.other += 1;
        }
    }
    received
}
