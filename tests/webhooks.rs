//! Webhook mode: the ingress on a loopback port, fed by the sandbox's signed webhooks or by
//! requests signed here, with the engine on a real SQLite file.

mod support;

use std::collections::BTreeMap;
use std::process::Command;

use chrono::Duration;
use reqwest::header::CONTENT_TYPE;
use textback::ingress::{self, paths, signature, RunningIngress, Signing, IDEMPOTENCY_HEADER};
use textback::provider::Secret;
use textback::store;
use textback_sandbox::{CallOutcome, WebhookTarget};
use tokio::net::TcpListener;

use support::{caller, Harness, BUSINESS};

/// A harness whose engine also listens for webhooks.
struct Webhooks {
    h: Harness,
    /// What the ingress checks signatures against.
    public_url: String,
    /// Where the ingress really listens.
    local_url: String,
    client: reqwest::Client,
    _ingress: RunningIngress,
}

/// What came back from the ingress.
struct Answer {
    status: u16,
    content_type: String,
    body: String,
}

/// How a test request is signed.
enum Sign<'a> {
    /// As Twilio would sign it for the ingress's public URL.
    Valid,
    /// Signed for this URL instead.
    For(&'a str),
    /// With this header value.
    Raw(&'a str),
    /// No signature at all.
    Missing,
}

impl Webhooks {
    /// An engine with `extra` configuration whose ingress checks signatures for `public_url`
    /// (by default its own loopback address, where the sandbox can reach it).
    async fn start(public_url: Option<&str>, extra: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let local_url = format!("http://{}", listener.local_addr().unwrap());
        let public_url = public_url.unwrap_or(&local_url).to_owned();
        let h = Harness::new(&format!(
            "{extra}\n[ingress]\nlisten = \"127.0.0.1:0\"\npublic_url = \"{public_url}\"\n"
        ))
        .await;
        let token = Secret::new(h.sandbox().auth_token());
        let ingress =
            ingress::spawn_on(listener, h.engine.clone(), Signing::TwilioAuthToken(token)).unwrap();
        Self {
            h,
            public_url,
            local_url,
            client: reqwest::Client::new(),
            _ingress: ingress,
        }
    }

    /// Points the sandbox's webhooks at the ingress.
    fn connect_sandbox(&self) {
        self.h
            .sandbox()
            .set_webhooks(Some(WebhookTarget::new(&self.public_url)));
    }

    async fn post(&self, path: &str, params: &[(&str, &str)], sign: Sign<'_>) -> Answer {
        self.post_with_token(path, params, sign, None).await
    }

    async fn post_with_token(
        &self,
        path: &str,
        params: &[(&str, &str)],
        sign: Sign<'_>,
        token: Option<&str>,
    ) -> Answer {
        let owned = owned(params);
        let signature = match sign {
            Sign::Valid => Some(signature::sign(self.token(), &self.url(path), &owned)),
            Sign::For(url) => Some(signature::sign(self.token(), url, &owned)),
            Sign::Raw(value) => Some(value.to_owned()),
            Sign::Missing => None,
        };
        let mut request = self
            .client
            .post(format!("{}{path}", self.local_url))
            .form(&owned);
        if let Some(signature) = signature {
            request = request.header(signature::HEADER, signature);
        }
        if let Some(token) = token {
            request = request.header(IDEMPOTENCY_HEADER, token);
        }
        answer(request.send().await.unwrap()).await
    }

    /// Posts a raw body with a signature header that cannot be checked before the body is read.
    async fn post_raw(&self, path: &str, body: Vec<u8>) -> Answer {
        let request = self
            .client
            .post(format!("{}{path}", self.local_url))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(signature::HEADER, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
            .body(body);
        answer(request.send().await.unwrap()).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    fn token(&self) -> &str {
        self.h.sandbox().auth_token()
    }

    /// Rows in the tables a webhook can change, to show that a refused one changed nothing.
    fn counts(&self) -> [i64; 5] {
        ["calls", "messages", "outbox", "events", "follow_ups"]
            .map(|table| count(&self.h, &format!("SELECT COUNT(*) FROM {table}")))
    }

    fn events(&self, kind: &str) -> i64 {
        count(
            &self.h,
            &format!("SELECT COUNT(*) FROM events WHERE kind = '{kind}'"),
        )
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.text().await.unwrap();
    Answer {
        status,
        content_type,
        body,
    }
}

fn owned(params: &[(&str, &str)]) -> Vec<(String, String)> {
    params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn count(h: &Harness, sql: &str) -> i64 {
    h.store()
        .read(|c| Ok(c.query_row(sql, [], |r| r.get(0))?))
        .unwrap()
}

/// A SID of Twilio's shape.
fn sid(prefix: &str, n: u32) -> String {
    format!("{prefix}{n:032x}")
}

/// The `<Dial action>` request for a forward that ended with `status`.
fn dial_action<'a>(call_sid: &'a str, from: &'a str, status: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("AccountSid", "ACa0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"),
        ("CallSid", call_sid),
        ("From", from),
        ("To", BUSINESS),
        ("CallStatus", "in-progress"),
        ("Direction", "inbound"),
        ("DialCallStatus", status),
    ]
}

fn inbound_sms<'a>(message_sid: &'a str, from: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("MessageSid", message_sid),
        ("From", from),
        ("To", BUSINESS),
        ("Body", body),
    ]
}

/// Webhooks alone (no call or message polling): a forward nobody answered and a caller who
/// hung up before the forward are texted once each, an answered call is not, and a reply
/// pushed back stops the follow-ups.
#[tokio::test]
async fn webhooks_alone_text_a_missed_call_once_and_a_reply_stops_follow_ups() {
    let w = Webhooks::start(None, "[rules]\ngrace = \"0s\"").await;
    w.connect_sandbox();
    let sandbox = w.h.sandbox();

    let missed = w.h.call(&caller(1), CallOutcome::NoAnswer);
    let hung_up = w.h.call(&caller(2), CallOutcome::Hangup);
    let answered = w.h.call(&caller(3), CallOutcome::Answered);
    sandbox.webhooks_settled().await;
    w.h.engine.run_due().await.unwrap();
    sandbox.webhooks_settled().await;

    let outcomes: BTreeMap<String, String> =
        w.h.calls()
            .into_iter()
            .map(|c| (c.sid, c.outcome))
            .collect();
    let expected = BTreeMap::from([
        (missed, "no-answer".to_owned()),
        (hung_up, "hangup".to_owned()),
        (answered, "answered".to_owned()),
    ]);
    assert_eq!(
        outcomes, expected,
        "each call recorded once, from the Dial action or the child legs"
    );
    assert_eq!(
        w.h.texts_to(&caller(1)).len(),
        1,
        "the missed call is texted once"
    );
    assert_eq!(
        w.h.texts_to(&caller(2)).len(),
        1,
        "so is the caller who hung up"
    );
    assert!(
        w.h.texts_to(&caller(3)).is_empty(),
        "the answered caller is not"
    );
    let deliveries = sandbox.webhook_deliveries();
    assert_eq!(
        deliveries.len(),
        2 + 1 + 2 + 2 * 2,
        "dials, statuses, two texts' statuses"
    );
    assert!(
        deliveries.iter().all(|d| d.status == Some(200)),
        "the ingress accepted every signed webhook: {deliveries:?}"
    );
    let first_call = |h: &Harness| {
        h.calls()
            .into_iter()
            .find(|c| c.from == caller(1))
            .expect("the missed call")
    };
    let text_id = first_call(&w.h).message_id.expect("the text-back");
    let text = w.h.store().read(|c| store::message(c, text_id)).unwrap();
    assert_eq!(
        text.status, "delivered",
        "the status callbacks were recorded"
    );

    w.h.sms(&caller(1), "Can I come in Tuesday?");
    sandbox.webhooks_settled().await;
    w.h.advance(2 * 86_400);
    w.h.engine.run_due().await.unwrap();

    let conversation = first_call(&w.h).conversation_id.unwrap();
    let scheduled = count(
        &w.h,
        &format!(
            "SELECT COUNT(*) FROM follow_ups WHERE conversation_id = {conversation} \
             AND state = 'scheduled'"
        ),
    );
    let stopped = count(
        &w.h,
        &format!(
            "SELECT COUNT(*) FROM follow_ups WHERE conversation_id = {conversation} \
             AND state = 'stopped' AND stop_reason = 'replied'"
        ),
    );
    assert_eq!(scheduled, 0, "no follow-up is left waiting");
    assert!(stopped > 0, "the reply stopped the sequence");
    assert_eq!(
        w.h.texts_to(&caller(1)).len(),
        1,
        "and nothing more was sent"
    );
    assert_eq!(w.events("reply_received"), 1, "the reply is in the inbox");
}

/// With webhooks and polling both on, a call and a reply are handled once: one text.
#[tokio::test]
async fn webhooks_and_polling_together_send_one_text() {
    let w = Webhooks::start(None, "[rules]\ngrace = \"0s\"").await;
    let control = format!("{}/sandbox/webhooks", w.h.sandbox.base_url());
    let set = w
        .client
        .post(&control)
        .json(&serde_json::json!({ "url": w.public_url }))
        .send()
        .await
        .unwrap();

    w.h.call(&caller(1), CallOutcome::NoAnswer);
    w.h.step().await;
    w.h.sandbox().webhooks_settled().await;
    w.h.step().await;
    w.h.sms(&caller(1), "Thanks!");
    w.h.step().await;
    w.h.sandbox().webhooks_settled().await;
    w.h.step().await;

    assert_eq!(set.status(), 200, "the control API set the webhook target");
    assert_eq!(w.h.texts_to(&caller(1)).len(), 1, "one text-back");
    assert_eq!(w.h.calls().len(), 1, "one call");
    assert_eq!(w.events("call_detected"), 1, "detected once");
    assert_eq!(w.events("text_scheduled"), 1, "scheduled once");
    assert_eq!(w.events("reply_received"), 1, "the reply stored once");
}

/// A request whose signature is missing, made for other parameters or for another URL is
/// refused with 403, and nothing changes.
#[tokio::test]
async fn unsigned_or_tampered_webhooks_are_refused() {
    let w = Webhooks::start(None, "").await;
    let call = sid("CA", 1);
    let from = caller(1);
    let genuine = dial_action(&call, &from, "completed");
    let signature = signature::sign(w.token(), &w.url(paths::VOICE_DIAL), &owned(&genuine));
    let tampered = dial_action(&call, &from, "no-answer");
    let before = w.counts();

    let missing = w.post(paths::VOICE_DIAL, &genuine, Sign::Missing).await;
    let changed = w
        .post(paths::VOICE_DIAL, &tampered, Sign::Raw(&signature))
        .await;
    let other_url = w.url(paths::SMS);
    let elsewhere = w
        .post(paths::VOICE_DIAL, &genuine, Sign::For(&other_url))
        .await;
    let garbage = w.post(paths::VOICE_DIAL, &genuine, Sign::Raw("%%%")).await;

    for (what, answer) in [
        ("no signature", &missing),
        ("changed parameters", &changed),
        ("signed for another URL", &elsewhere),
        ("not base64", &garbage),
    ] {
        assert_eq!(answer.status, 403, "{what}: {}", answer.body);
    }
    assert!(
        missing.body.contains("missing X-Twilio-Signature"),
        "says what is missing"
    );
    assert_eq!(w.counts(), before, "no call, message or event was recorded");
}

/// A delivery repeated (same idempotency token, a new one, or none) changes nothing the
/// second time, and delivery statuses only move forward.
#[tokio::test]
async fn repeated_deliveries_change_nothing() {
    let w = Webhooks::start(None, "[rules]\ngrace = \"0s\"").await;
    let call = sid("CA", 7);
    let from = caller(1);
    let dial = dial_action(&call, &from, "no-answer");
    let reply_sid = sid("SM", 8);
    let reply = inbound_sms(&reply_sid, &from, "Is Friday free?");

    let first = w
        .post_with_token(paths::VOICE_DIAL, &dial, Sign::Valid, Some("t-1"))
        .await;
    let after_first = w.counts();
    let same_token = w
        .post_with_token(paths::VOICE_DIAL, &dial, Sign::Valid, Some("t-1"))
        .await;
    let new_token = w
        .post_with_token(paths::VOICE_DIAL, &dial, Sign::Valid, Some("t-2"))
        .await;
    let no_token = w.post(paths::VOICE_DIAL, &dial, Sign::Valid).await;
    let after_replays = w.counts();

    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.content_type, "text/xml", "TwiML");
    assert!(
        first.body.contains("<Response><Hangup/></Response>"),
        "ends the call"
    );
    for answer in [&same_token, &new_token, &no_token] {
        assert_eq!(answer.body, first.body, "a repeat gets the same answer");
    }
    assert_eq!(
        after_replays, after_first,
        "repeats of the Dial action change nothing"
    );
    assert_eq!(w.events("text_scheduled"), 1, "one text scheduled");

    w.h.engine.run_due().await.unwrap();
    let text_id = w.h.calls()[0].message_id.unwrap();
    let text_sid =
        w.h.store()
            .read(|c| store::message(c, text_id))
            .unwrap()
            .sid
            .unwrap();
    let status = |s: &'static str| {
        vec![
            ("MessageSid", text_sid.as_str()),
            ("MessageStatus", s),
            ("To", from.as_str()),
        ]
    };
    for s in ["delivered", "delivered", "sent"] {
        let answer = w.post(paths::SMS_STATUS, &status(s), Sign::Valid).await;
        assert_eq!(answer.status, 200, "{s}: {}", answer.body);
    }
    for _ in 0..2 {
        let answer = w.post(paths::SMS, &reply, Sign::Valid).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }

    let text = w.h.store().read(|c| store::message(c, text_id)).unwrap();
    assert_eq!(
        text.status, "delivered",
        "a late `sent` does not undo `delivered`"
    );
    assert_eq!(w.events("delivery_changed"), 1, "one delivery event");
    assert_eq!(w.events("reply_received"), 1, "the reply stored once");
    assert_eq!(w.h.texts_to(&caller(1)).len(), 1, "one text-back");
}

/// Twilio may sign the URL with or without `:443`; both pass, another port does not.
#[tokio::test]
async fn signatures_with_and_without_the_default_port_pass() {
    let w = Webhooks::start(Some("https://textback.example"), "").await;
    let from = caller(1);
    let (first, second, third) = (sid("SM", 1), sid("SM", 2), sid("SM", 3));
    let with_port = format!("https://textback.example:443{}", paths::SMS);
    let other_port = format!("https://textback.example:8443{}", paths::SMS);

    let plain = w
        .post(paths::SMS, &inbound_sms(&first, &from, "one"), Sign::Valid)
        .await;
    let ported = w
        .post(
            paths::SMS,
            &inbound_sms(&second, &from, "two"),
            Sign::For(&with_port),
        )
        .await;
    let wrong = w
        .post(
            paths::SMS,
            &inbound_sms(&third, &from, "three"),
            Sign::For(&other_port),
        )
        .await;

    assert_eq!(plain.status, 200, "without a port: {}", plain.body);
    assert_eq!(ported.status, 200, "with :443: {}", ported.body);
    assert_eq!(wrong.status, 403, "with :8443");
    assert_eq!(w.events("reply_received"), 2, "the two genuine texts");
}

/// Bodies too large, not UTF-8, or missing what the engine needs get a clear refusal and
/// change nothing.
#[tokio::test]
async fn malformed_bodies_are_refused_clearly() {
    let w = Webhooks::start(None, "").await;
    let from = caller(1);
    let before = w.counts();

    let huge = w
        .post_raw(
            paths::SMS,
            format!("Body={}", "a".repeat(70 * 1024)).into_bytes(),
        )
        .await;
    let escaped = w
        .post_raw(paths::SMS, b"MessageSid=SM1&Body=%FF%FE".to_vec())
        .await;
    let raw = w.post_raw(paths::SMS, b"Body=caf\xe9".to_vec()).await;
    let no_sid = w
        .post(
            paths::SMS,
            &[("From", &from), ("To", BUSINESS)],
            Sign::Valid,
        )
        .await;
    let bad_sid = w
        .post(paths::SMS, &inbound_sms("SM1", &from, "hi"), Sign::Valid)
        .await;

    assert_eq!(huge.status, 413, "over the body limit");
    for (what, answer) in [("escaped", &escaped), ("raw", &raw)] {
        assert_eq!(answer.status, 400, "{what} bytes that are not UTF-8");
        assert!(
            answer.body.contains("\"Body\" is not valid UTF-8"),
            "{what}: names the parameter: {}",
            answer.body
        );
    }
    assert_eq!(no_sid.status, 400, "a signed request without a SID");
    assert_eq!(
        no_sid.body.trim(),
        "missing parameter MessageSid",
        "says which"
    );
    assert_eq!(bad_sid.status, 400, "a SID of the wrong shape");
    assert!(
        bad_sid.body.contains("is not a SM or MM SID"),
        "{}",
        bad_sid.body
    );
    assert_eq!(w.counts(), before, "nothing was recorded");
}

/// `textback check signature` says `valid` (exit 0) for Twilio's published example and
/// `invalid` (exit 1) once a parameter is changed.
#[test]
fn check_signature_tells_valid_from_tampered() {
    let run = |digits: &str| {
        Command::new(env!("CARGO_BIN_EXE_textback"))
            .env("TWILIO_AUTH_TOKEN", "12345")
            .args([
                "check",
                "signature",
                "--url",
                "https://mycompany.com/myapp.php?foo=1&bar=2",
                "--signature",
                "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
                "--param",
                "CallSid=CA1234567890ABCDE",
                "--param",
                "Caller=+12349013030",
                "--param",
                &format!("Digits={digits}"),
                "--param",
                "From=+12349013030",
                "--param",
                "To=+18005551212",
            ])
            .output()
            .expect("the binary runs")
    };

    let valid = run("1234");
    let tampered = run("1235");

    assert_eq!(valid.status.code(), Some(0), "valid exits 0");
    assert_eq!(
        String::from_utf8_lossy(&valid.stdout),
        "valid\n",
        "and says so"
    );
    assert_eq!(tampered.status.code(), Some(1), "tampered exits 1");
    assert_eq!(
        String::from_utf8_lossy(&tampered.stdout),
        "invalid\n",
        "and says so"
    );
}

/// Once the webhooks have decided a call, polling the same call changes nothing.
#[tokio::test]
async fn a_poll_after_the_webhooks_finds_nothing_new() {
    let w = Webhooks::start(None, "[rules]\ngrace = \"0s\"").await;
    w.connect_sandbox();

    w.h.call(&caller(1), CallOutcome::Busy);
    w.h.sandbox().webhooks_settled().await;
    w.h.clock.advance(Duration::minutes(1));
    let before = w.counts();
    w.h.engine.poll_calls().await.unwrap();

    assert_eq!(
        w.h.calls()[0].outcome,
        "busy",
        "the forward's status decided"
    );
    assert_eq!(w.counts(), before, "a poll finds nothing new");
}
