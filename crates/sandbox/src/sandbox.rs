//! The sandbox itself: its options, its state, and the Rust API tests drive it with.
//!
//! [`Sandbox`] is a handle (an `Arc` inside), so the HTTP handlers, the test that placed a call
//! and the demo UI all share one set of records. Time comes from the [`Clock`] in the options,
//! never from the system directly, so tests can freeze or step it.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};

use crate::dates::whole_seconds;
use crate::legs::legs;
use crate::model::{
    CallOutcome, Faults, MessageDirection, MessageStatus, SandboxCall, SandboxMessage,
};
use crate::phone::is_e164;
use crate::sid::new_sid;
use crate::store::State;
use crate::webhooks::Webhooks;
use crate::{segments, SandboxError};

/// Where the sandbox reads the time from.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The account SID a default sandbox answers to.
pub const DEFAULT_ACCOUNT_SID: &str = "ACa0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0";

/// The auth token a default sandbox answers to.
pub const DEFAULT_AUTH_TOKEN: &str = "sandbox-token";

/// How a sandbox is set up.
#[derive(Clone)]
pub struct SandboxOptions {
    /// The account the Twilio paths serve; requests must authenticate as it.
    pub account_sid: String,
    /// The password of HTTP Basic auth.
    pub auth_token: String,
    /// The source of every timestamp the sandbox records.
    pub clock: Clock,
}

impl Default for SandboxOptions {
    /// [`DEFAULT_ACCOUNT_SID`], [`DEFAULT_AUTH_TOKEN`] and the system clock.
    fn default() -> Self {
        Self {
            account_sid: DEFAULT_ACCOUNT_SID.to_owned(),
            auth_token: DEFAULT_AUTH_TOKEN.to_owned(),
            clock: Arc::new(Utc::now),
        }
    }
}

impl fmt::Debug for SandboxOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxOptions")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// A Twilio-compatible provider kept in memory. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    account_sid: String,
    auth_token: String,
    clock: Clock,
    state: Mutex<State>,
    webhooks: Webhooks,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("account_sid", &self.inner.account_sid)
            .finish()
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new(SandboxOptions::default())
    }
}

impl Sandbox {
    /// An empty sandbox with no faults.
    pub fn new(options: SandboxOptions) -> Self {
        let inner = Inner {
            account_sid: options.account_sid,
            auth_token: options.auth_token,
            clock: options.clock,
            state: Mutex::new(State::default()),
            webhooks: Webhooks::default(),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The account SID requests must authenticate as.
    pub fn account_sid(&self) -> &str {
        &self.inner.account_sid
    }

    /// The auth token requests must authenticate with.
    pub fn auth_token(&self) -> &str {
        &self.inner.auth_token
    }

    /// Simulates a call from `from` (the caller) to `to` (the business number) that has just
    /// ended with `outcome`, and returns the SID of the caller's (parent) leg.
    ///
    /// Every outcome except [`CallOutcome::Hangup`] also records the `outbound-dial` leg that
    /// forwarded the call to [`FORWARD_TO`](crate::FORWARD_TO).
    pub fn place_call(
        &self,
        from: &str,
        to: &str,
        outcome: CallOutcome,
    ) -> Result<String, SandboxError> {
        check_number("from", from)?;
        check_number("to", to)?;

        let legs = legs(from, to, outcome, self.now());
        let parent_sid = legs[0].sid.clone();
        let mut state = self.state();
        for leg in &legs {
            let position = state.next_position(leg.start_time);
            state.calls.insert(leg.sid.clone(), position, leg.clone());
        }
        drop(state);
        self.call_webhooks(&legs[0], legs.get(1));
        self.telnyx_call_webhooks(&legs[0], legs.get(1));

        tracing::debug!(sid = %parent_sid, ?outcome, "call placed");
        Ok(parent_sid)
    }

    /// Simulates a text from the customer `from` to the business number `to`, and returns its
    /// SID.
    pub fn receive_sms(&self, from: &str, to: &str, body: &str) -> Result<String, SandboxError> {
        check_number("from", from)?;
        check_number("to", to)?;

        let now = self.now();
        let message = SandboxMessage {
            sid: new_sid("SM"),
            from: from.to_owned(),
            to: to.to_owned(),
            body: body.to_owned(),
            direction: MessageDirection::Inbound,
            status: MessageStatus::Received,
            date_created: now,
            date_sent: now,
            num_segments: segments::count(body),
            messaging_service_sid: None,
        };
        let message = self.store_message(message);
        self.sms_webhook(&message);
        self.telnyx_message_received(&message);
        let sid = message.sid;

        tracing::debug!(%sid, "text received");
        Ok(sid)
    }

    /// Every message, inbound and outbound, oldest first.
    pub fn messages(&self) -> Vec<SandboxMessage> {
        self.state().messages.oldest_first()
    }

    /// Every call leg, oldest first (a parent before its forward).
    pub fn calls(&self) -> Vec<SandboxCall> {
        self.state().calls.oldest_first()
    }

    /// The message with this SID.
    pub fn message(&self, sid: &str) -> Option<SandboxMessage> {
        self.state().messages.get(sid).cloned()
    }

    /// The call leg with this SID.
    pub fn call(&self, sid: &str) -> Option<SandboxCall> {
        self.state().calls.get(sid).cloned()
    }

    /// Replaces the faults injected into the Twilio paths. Rates are not checked here: one
    /// above 1 acts as 1 (the control API refuses such values).
    pub fn set_faults(&self, faults: Faults) {
        self.state().faults = faults;
        tracing::debug!(?faults, "faults set");
    }

    /// The faults currently injected.
    pub fn faults(&self) -> Faults {
        self.state().faults
    }

    /// Forgets every call and message and clears the faults.
    pub fn reset(&self) {
        self.state().reset();
        tracing::debug!("sandbox reset");
    }

    /// Records a message the business sent, as a later read reports it: already delivered.
    pub(crate) fn send_message(
        &self,
        from: &str,
        to: &str,
        body: &str,
        messaging_service_sid: Option<String>,
    ) -> SandboxMessage {
        let now = self.now();
        let message = SandboxMessage {
            sid: new_sid("SM"),
            from: from.to_owned(),
            to: to.to_owned(),
            body: body.to_owned(),
            direction: MessageDirection::OutboundApi,
            status: MessageStatus::Delivered,
            date_created: now,
            date_sent: now,
            num_segments: segments::count(body),
            messaging_service_sid,
        };
        let message = self.store_message(message);
        self.message_status_webhooks(&message);
        message
    }

    /// The current time, in the whole seconds Twilio records.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        whole_seconds((self.inner.clock)())
    }

    /// Where webhooks go and how they went.
    pub(crate) fn hooks(&self) -> &Webhooks {
        &self.inner.webhooks
    }

    /// The state, locked. Callers keep the guard for a few statements, never across `.await`.
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that
        // matters to a sandbox, so a poisoned lock is simply taken over.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn store_message(&self, message: SandboxMessage) -> SandboxMessage {
        let mut state = self.state();
        let position = state.next_position(message.date_created);
        state
            .messages
            .insert(message.sid.clone(), position, message.clone());
        message
    }
}

fn check_number(field: &'static str, value: &str) -> Result<(), SandboxError> {
    if is_e164(value) {
        Ok(())
    } else {
        Err(SandboxError::InvalidNumber {
            field,
            value: value.to_owned(),
        })
    }
}
