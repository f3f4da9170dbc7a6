//! Webhooks, sent as Twilio sends them, to an engine's webhook ingress.
//!
//! With a [`WebhookTarget`] set, the sandbox tells the target what Twilio would tell a business
//! whose number is set up for webhooks: when a call ends, the `<Dial action>` request (if the
//! call was forwarded) and then the caller's leg's status callback `completed`; when a customer
//! texts, the messaging webhook; when the business sends a text, its status callbacks `sent`
//! and `delivered`. The paths are the ones Textback's ingress serves under the target's base
//! URL.
//!
//! Each request is a form POST signed with the sandbox's auth token exactly as Twilio signs
//! (`X-Twilio-Signature`: HMAC-SHA1 over the URL and the sorted parameters), with an
//! `I-Twilio-Idempotency-Token` that stays the same across retries. Requests for one event go
//! out in order, in a background task, and are retried twice on a connection failure or a 5xx
//! answer. Without a target the sandbox sends nothing, exactly as before webhooks existed.
//!
//! Telnyx's webhooks (`telnyx/webhooks.rs`) go out through the same background delivery,
//! retries and log, so [`Sandbox::webhooks_settled`] waits for both kinds.

use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use base64::prelude::{Engine as _, BASE64_STANDARD};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha1::Sha1;
use tokio::sync::watch;

use crate::dates::rfc2822;
use crate::model::{SandboxCall, SandboxMessage};
use crate::sid::new_sid;
use crate::Sandbox;

const VOICE_STATUS: &str = "/twilio/voice/status";
const VOICE_DIAL: &str = "/twilio/voice/dial";
const SMS: &str = "/twilio/sms";
const SMS_STATUS: &str = "/twilio/sms/status";

/// Attempts per webhook: the first and two retries.
const ATTEMPTS: u32 = 3;
/// The wait before the first retry; it doubles for the next.
const RETRY_DELAY: Duration = Duration::from_millis(100);
/// How long after a text is created its status callbacks start, as a carrier takes a moment.
pub(crate) const CARRIER_DELAY: Duration = Duration::from_millis(200);
/// Deliveries kept in the log.
const LOG_SIZE: usize = 1000;

/// Where the sandbox sends webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookTarget {
    /// The address webhooks are signed for and posted to, such as the engine's
    /// `ingress.public_url`; the ingress paths are added to it.
    pub base_url: String,
}

impl WebhookTarget {
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
        }
    }
}

/// One webhook the sandbox sent, and how it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookDelivery {
    pub url: String,
    /// The last answer's HTTP status; `None` when no answer came.
    pub status: Option<u16>,
    pub attempts: u32,
}

/// The webhook state a sandbox keeps beside its records.
pub(crate) struct Webhooks {
    target: Mutex<Option<WebhookTarget>>,
    /// The URL Telnyx-style webhooks are posted to, whole, as set on a messaging profile.
    pub(crate) telnyx_url: Mutex<Option<String>>,
    client: OnceLock<reqwest::Client>,
    /// Events whose webhooks are still going out.
    in_flight: watch::Sender<usize>,
    log: Mutex<Vec<WebhookDelivery>>,
}

impl Default for Webhooks {
    fn default() -> Self {
        Self {
            target: Mutex::new(None),
            telnyx_url: Mutex::new(None),
            client: OnceLock::new(),
            in_flight: watch::Sender::new(0),
            log: Mutex::new(Vec::new()),
        }
    }
}

/// One request to send: the ingress path and the form parameters.
type Request = (&'static str, Vec<(String, String)>);

impl Sandbox {
    /// Starts sending webhooks to `target`, or stops with `None`. The target and the delivery
    /// log survive [`Sandbox::reset`].
    pub fn set_webhooks(&self, target: Option<WebhookTarget>) {
        tracing::debug!(?target, "webhook target set");
        *lock(&self.hooks().target) = target;
    }

    /// Where webhooks go, if anywhere.
    pub fn webhook_target(&self) -> Option<WebhookTarget> {
        lock(&self.hooks().target).clone()
    }

    /// Every webhook sent so far (the latest thousand), Twilio's and Telnyx's, oldest first.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        lock(&self.hooks().log).clone()
    }

    /// Waits until every webhook already due has been delivered or given up on.
    pub async fn webhooks_settled(&self) {
        let mut in_flight = self.hooks().in_flight.subscribe();
        // The sender lives as long as the sandbox, so the wait cannot fail.
        in_flight.wait_for(|n| *n == 0).await.ok();
    }

    /// A call has ended: the forward's `<Dial action>`, then the caller's leg's status.
    pub(crate) fn call_webhooks(&self, parent: &SandboxCall, forward: Option<&SandboxCall>) {
        let common = |extra: &[(&'static str, String)]| {
            let mut params = self.common_params();
            params.extend([
                ("CallSid", parent.sid.clone()),
                ("From", parent.from.clone()),
                ("Caller", parent.from.clone()),
                ("To", parent.to.clone()),
                ("Called", parent.to.clone()),
                ("Direction", parent.direction.as_str().to_owned()),
            ]);
            params.extend(extra.iter().cloned());
            owned(params)
        };
        let mut requests: Vec<Request> = Vec::new();
        if let Some(forward) = forward {
            let mut dial = vec![
                ("CallStatus", "in-progress".to_owned()),
                ("DialCallSid", forward.sid.clone()),
                ("DialCallStatus", forward.status.as_str().to_owned()),
                ("DialCallDuration", forward.duration_s.to_string()),
            ];
            if let Some(answered_by) = &forward.answered_by {
                dial.push(("AnsweredBy", answered_by.clone()));
            }
            requests.push((VOICE_DIAL, common(&dial)));
        }
        let status = [
            ("CallStatus", parent.status.as_str().to_owned()),
            ("CallDuration", parent.duration_s.to_string()),
            ("Timestamp", rfc2822(parent.end_time)),
            ("CallbackSource", "call-progress-events".to_owned()),
            ("SequenceNumber", "0".to_owned()),
        ];
        requests.push((VOICE_STATUS, common(&status)));
        self.send_webhooks(Duration::ZERO, requests);
    }

    /// A customer's text has arrived: the number's messaging webhook.
    pub(crate) fn sms_webhook(&self, message: &SandboxMessage) {
        let mut params = self.common_params();
        params.extend(message_params(message));
        params.extend([
            ("SmsMessageSid", message.sid.clone()),
            ("Body", message.body.clone()),
            ("NumMedia", "0".to_owned()),
            ("NumSegments", message.num_segments.to_string()),
            ("SmsStatus", "received".to_owned()),
        ]);
        self.send_webhooks(Duration::ZERO, vec![(SMS, owned(params))]);
    }

    /// The business's text went out: its status callbacks, `sent` then `delivered`.
    pub(crate) fn message_status_webhooks(&self, message: &SandboxMessage) {
        let requests = ["sent", "delivered"]
            .into_iter()
            .map(|status| {
                let mut params = self.common_params();
                params.extend(message_params(message));
                params.extend([
                    ("MessageStatus", status.to_owned()),
                    ("SmsStatus", status.to_owned()),
                ]);
                (SMS_STATUS, owned(params))
            })
            .collect();
        self.send_webhooks(CARRIER_DELAY, requests);
    }

    fn common_params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AccountSid", self.account_sid().to_owned()),
            ("ApiVersion", "2010-04-01".to_owned()),
        ]
    }

    /// Sends `requests` in order, after `delay`, in a background task.
    fn send_webhooks(&self, delay: Duration, requests: Vec<Request>) {
        let Some(target) = self.webhook_target() else {
            return;
        };
        let sandbox = self.clone();
        self.in_background(delay, async move {
            for (path, params) in requests {
                let url = format!("{}{path}", target.base_url);
                sandbox.deliver(url, params).await;
            }
        });
    }

    /// Runs `deliveries` after `delay` in a background task, counted as in flight until done.
    pub(crate) fn in_background(
        &self,
        delay: Duration,
        deliveries: impl std::future::Future<Output = ()> + Send + 'static,
    ) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("webhooks not sent: no async runtime");
            return;
        };
        let in_flight = InFlight::start(&self.hooks().in_flight);
        runtime.spawn(async move {
            let _in_flight = in_flight;
            tokio::time::sleep(delay).await;
            deliveries.await;
        });
    }

    /// Posts one Twilio webhook.
    async fn deliver(&self, url: String, params: Vec<(String, String)>) {
        let signature = sign(self.auth_token(), &url, &params);
        let token = new_sid("ID");
        self.post_with_retries(url, |client, url, _attempt| {
            client
                .post(url)
                .header("X-Twilio-Signature", &signature)
                .header("I-Twilio-Idempotency-Token", &token)
                .form(&params)
        })
        .await;
    }

    /// Posts the request `build` makes for each attempt (numbered from 1) to `url`, retrying on
    /// a connection failure or a 5xx answer, and logs how it went.
    pub(crate) async fn post_with_retries(
        &self,
        url: String,
        build: impl Fn(&reqwest::Client, &str, u32) -> reqwest::RequestBuilder,
    ) {
        let client = self.hooks().client.get_or_init(reqwest::Client::new);
        let mut delivery = WebhookDelivery {
            url,
            status: None,
            attempts: 0,
        };
        let mut delay = RETRY_DELAY;
        while delivery.attempts < ATTEMPTS {
            if delivery.attempts > 0 {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            delivery.attempts += 1;
            let answer = build(client, &delivery.url, delivery.attempts)
                .timeout(Duration::from_secs(15))
                .send()
                .await;
            match answer {
                Ok(answer) => {
                    let status = answer.status();
                    delivery.status = Some(status.as_u16());
                    if !status.is_server_error() {
                        break;
                    }
                }
                Err(error) => tracing::debug!(url = %delivery.url, %error, "webhook not delivered"),
            }
        }
        tracing::debug!(url = %delivery.url, status = ?delivery.status, attempts = delivery.attempts, "webhook sent");
        let mut log = lock(&self.hooks().log);
        if log.len() >= LOG_SIZE {
            log.remove(0);
        }
        log.push(delivery);
    }
}

/// Counts an event's webhooks as in flight until dropped, even if its task panics.
struct InFlight(watch::Sender<usize>);

impl InFlight {
    fn start(counter: &watch::Sender<usize>) -> Self {
        counter.send_modify(|n| *n += 1);
        Self(counter.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

fn message_params(message: &SandboxMessage) -> [(&'static str, String); 4] {
    [
        ("MessageSid", message.sid.clone()),
        ("SmsSid", message.sid.clone()),
        ("From", message.from.clone()),
        ("To", message.to.clone()),
    ]
}

fn owned(params: Vec<(&'static str, String)>) -> Vec<(String, String)> {
    params
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}

/// Twilio's signature: HMAC-SHA1 keyed by the auth token over the URL followed by each
/// parameter's name and value, sorted by name and then value, in base64.
fn sign(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("any key length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    BASE64_STANDARD.encode(mac.finalize().into_bytes())
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in Twilio's security documentation signs to its documented value.
    #[test]
    fn signs_as_twilio_does() {
        let params = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));

        let signature = sign(
            "12345",
            "https://mycompany.com/myapp.php?foo=1&bar=2",
            &params,
        );

        assert_eq!(signature, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", "Twilio's value");
    }

    #[test]
    fn a_target_has_no_trailing_slash() {
        assert_eq!(
            WebhookTarget::new("http://127.0.0.1:8088/").base_url,
            "http://127.0.0.1:8088",
            "paths are appended to it"
        );
    }
}
