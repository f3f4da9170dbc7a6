//! Webhooks, sent as Telnyx sends them, to one URL: the engine's Telnyx route.
//!
//! With a URL set ([`Sandbox::set_telnyx_webhooks`]), the sandbox tells it what Telnyx would
//! tell a business whose messaging profile and call control application point there: for a
//! call, `call.initiated`, `call.answered` when the caller was connected to someone, then
//! `call.hangup` with the same `hangup_cause` the call's detail record carries; for a
//! customer's text, `message.received`; for a text sent through `POST /v2/messages`,
//! `message.sent` and then `message.finalized`. The leg's `call_leg_id` is the id its detail
//! record carries, so a receiver sees one call either way.
//!
//! Each body is Telnyx's envelope (`data` with `event_type`, `id`, `occurred_at`, `payload`,
//! `record_type`; `meta` with `attempt` and `delivered_to`), signed with the sandbox's Ed25519
//! key over `{timestamp}|{body}` at the sandbox's clock (`telnyx-signature-ed25519`,
//! `telnyx-timestamp`). The events of one call or text go out in order in a background task,
//! retried like Twilio's; an event keeps its id across retries. Without a URL nothing is sent.

use std::time::Duration;

use rand::Rng;
use serde_json::{json, Value};

use super::instant;
use super::messages::resource;
use super::records::{answered_forward, hangup};
use crate::model::{SandboxCall, SandboxMessage};
use crate::webhooks::{lock, CARRIER_DELAY};
use crate::Sandbox;

/// One event to send: its type, when it happened, and its payload.
type Event = (&'static str, String, Value);

impl Sandbox {
    /// Starts posting Telnyx webhooks to `url` (the whole URL, as set at Telnyx), or stops
    /// with `None`. The URL survives [`Sandbox::reset`].
    pub fn set_telnyx_webhooks(&self, url: Option<String>) {
        tracing::debug!(?url, "telnyx webhook url set");
        *lock(&self.hooks().telnyx_url) = url;
    }

    /// Where Telnyx webhooks go, if anywhere.
    pub fn telnyx_webhook_url(&self) -> Option<String> {
        lock(&self.hooks().telnyx_url).clone()
    }

    /// A call has ended: its inbound leg's events, from ringing to hangup.
    pub(crate) fn telnyx_call_webhooks(&self, parent: &SandboxCall, forward: Option<&SandboxCall>) {
        if self.telnyx_webhook_url().is_none() {
            return;
        }
        let (cause, source) = hangup(forward);
        let leg = json!({
            "call_control_id": format!("v3:{}", parent.sid),
            "call_leg_id": parent.sid,
            "call_session_id": format!("session-{}", parent.sid),
            "connection_id": "sandbox-connection",
            "from": parent.from,
            "to": parent.to,
            "direction": "incoming",
            "start_time": instant(parent.start_time),
        });
        let with = |extra: Value| {
            let mut payload = leg.clone();
            if let (Some(payload), Some(extra)) = (payload.as_object_mut(), extra.as_object()) {
                payload.extend(extra.clone());
            }
            payload
        };

        let mut events: Vec<Event> = vec![(
            "call.initiated",
            instant(parent.start_time),
            with(json!({ "state": "parked" })),
        )];
        if let Some(answered) = answered_forward(forward) {
            let at = instant(answered.start_time);
            events.push(("call.answered", at, with(json!({ "state": "answered" }))));
        }
        events.push((
            "call.hangup",
            instant(parent.end_time),
            with(json!({
                "state": "hangup",
                "end_time": instant(parent.end_time),
                "hangup_cause": cause,
                "hangup_source": source,
            })),
        ));
        self.send_telnyx(Duration::ZERO, events);
    }

    /// A customer's text has arrived.
    pub(crate) fn telnyx_message_received(&self, message: &SandboxMessage) {
        if self.telnyx_webhook_url().is_none() {
            return;
        }
        let mut payload = resource(message, false);
        payload["to"][0]["status"] = json!("webhook_delivered");
        let at = instant(message.date_created);
        self.send_telnyx(Duration::ZERO, vec![("message.received", at, payload)]);
    }

    /// The business's text went out: `message.sent`, then `message.finalized` once delivered.
    pub(crate) fn telnyx_message_sent(&self, message: &SandboxMessage) {
        if self.telnyx_webhook_url().is_none() {
            return;
        }
        let mut sent = resource(message, false);
        sent["to"][0]["status"] = json!("sent");
        sent["completed_at"] = Value::Null;
        let finalized = resource(message, false);
        let at = instant(message.date_sent);
        let events = vec![
            ("message.sent", at.clone(), sent),
            ("message.finalized", at, finalized),
        ];
        self.send_telnyx(CARRIER_DELAY, events);
    }

    /// Posts `events` in order, after `delay`, in a background task.
    fn send_telnyx(&self, delay: Duration, events: Vec<Event>) {
        let Some(url) = self.telnyx_webhook_url() else {
            return;
        };
        let sandbox = self.clone();
        self.in_background(delay, async move {
            for (event_type, occurred_at, payload) in events {
                let data = json!({
                    "record_type": "event",
                    "event_type": event_type,
                    "id": event_id(),
                    "occurred_at": occurred_at,
                    "payload": payload,
                });
                sandbox.deliver_telnyx(url.clone(), data).await;
            }
        });
    }

    /// Posts one event, signed afresh for each attempt, as its `meta.attempt` changes.
    async fn deliver_telnyx(&self, url: String, data: Value) {
        self.post_with_retries(url, |client, url, attempt| {
            let envelope = json!({
                "data": data,
                "meta": { "attempt": attempt, "delivered_to": url },
            });
            let body = envelope.to_string().into_bytes();
            let timestamp = self.now().timestamp();
            client
                .post(url)
                .header("content-type", "application/json")
                .header(
                    "telnyx-signature-ed25519",
                    self.telnyx_signature(timestamp, &body),
                )
                .header("telnyx-timestamp", timestamp.to_string())
                .body(body)
        })
        .await;
    }
}

/// A fresh event id in the UUID form Telnyx uses.
fn event_id() -> String {
    let n: u128 = rand::rng().random();
    let hex = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Event ids have the UUID shape and differ.
    #[test]
    fn event_ids_look_like_telnyxs() {
        let id = event_id();

        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(id.matches('-').count(), 4, "{id}");
        assert_ne!(event_id(), id, "fresh each time");
    }
}
