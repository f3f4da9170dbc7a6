//! The Twilio client and the sandbox, checked against Twilio's own OpenAPI document.
//!
//! Every request the client makes goes through an OpenAPI validating proxy (Stoplight Prism)
//! to the sandbox, and every sandbox answer comes back through it. With `--errors`, the proxy
//! answers 422 to a request that breaks the document and 500 to a response that does, so any
//! violation on either side fails the operation that caused it.
//!
//! `make deps` installs the proxy and unpacks the document from Twilio's npm package into
//! `tools/contract/`. The document lists `format: uri` on the paging links of list responses,
//! yet Twilio sends relative paths there (as the document's own examples show, which fail that
//! format); those few `format` keywords are dropped before the proxy reads the document.

mod support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::Value;
use textback_provider::twilio::{Credentials, RetryPolicy, TwilioClient, TwilioConfig};
use textback_provider::{CallQuery, MessageQuery, NewMessage, Provider};
use textback_sandbox::{CallOutcome, RunningSandbox, Sandbox, SandboxOptions};

const PAGING_LINKS: [&str; 4] = [
    "uri",
    "first_page_uri",
    "next_page_uri",
    "previous_page_uri",
];

fn tools() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/contract")
}

/// Removes `format: uri` from the paging links of every schema.
fn relax_paging_links(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get_mut("properties") {
                for link in PAGING_LINKS {
                    if let Some(Value::Object(schema)) = properties.get_mut(link) {
                        schema.remove("format");
                    }
                }
            }
            map.values_mut().for_each(relax_paging_links);
        }
        Value::Array(items) => items.iter_mut().for_each(relax_paging_links),
        _ => {}
    }
}

/// The validating proxy, stopped when dropped.
struct Proxy {
    child: Child,
    base_url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_proxy(upstream: &str) -> Proxy {
    let prism = tools().join("node_modules/.bin/prism");
    let spec = tools().join("twilio_api_v2010.json");
    assert!(
        prism.exists() && spec.exists(),
        "the contract tools are missing: run `make deps` (or scripts/deps.sh) first"
    );
    let mut document: Value = serde_json::from_slice(&std::fs::read(&spec).unwrap()).unwrap();
    relax_paging_links(&mut document);
    let dir = tempfile::tempdir().unwrap();
    let patched = dir.path().join("twilio_api_v2010.json");
    std::fs::write(&patched, serde_json::to_vec(&document).unwrap()).unwrap();
    let port = free_port();
    let log = std::fs::File::create(dir.path().join("prism.log")).unwrap();
    let child = Command::new(prism)
        .args([
            "proxy",
            patched.to_str().unwrap(),
            upstream,
            "-h",
            "127.0.0.1",
        ])
        .args(["-p", &port.to_string(), "--errors"])
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .stdin(Stdio::null())
        .spawn()
        .expect("prism starts");
    let proxy = Proxy {
        child,
        base_url: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the validating proxy did not start within 90 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    proxy
}

fn client(base_url: &str, sandbox: &Sandbox) -> TwilioClient {
    let credentials = Credentials::AuthToken {
        account_sid: sandbox.account_sid().to_owned(),
        auth_token: sandbox.auth_token().to_owned(),
    };
    let mut config = TwilioConfig::new(credentials);
    config.base_url = base_url.to_owned();
    config.retry = RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    };
    TwilioClient::new(config).unwrap()
}

async fn sandbox() -> RunningSandbox {
    Sandbox::new(SandboxOptions::default())
        .spawn("127.0.0.1:0")
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_exchange_keeps_to_twilios_document() {
    let running = sandbox().await;
    let proxy = start_proxy(&running.base_url());
    let sandbox = running.sandbox();
    let twilio = client(&proxy.base_url, sandbox);
    let business = support::BUSINESS;
    let started = Utc::now() - chrono::Duration::minutes(5);
    let outcomes = [
        CallOutcome::Answered,
        CallOutcome::NoAnswer,
        CallOutcome::Busy,
        CallOutcome::Canceled,
        CallOutcome::Failed,
        CallOutcome::Voicemail,
        CallOutcome::Hangup,
    ];
    let mut parents = Vec::new();
    for (i, outcome) in outcomes.iter().enumerate() {
        parents.push(
            sandbox
                .place_call(&support::caller(i as u32), business, *outcome)
                .unwrap(),
        );
    }
    sandbox
        .receive_sms(&support::caller(1), business, "Is Tuesday free?")
        .unwrap();

    let calls = twilio
        .list_calls(&CallQuery {
            to: Some(business.into()),
            started_after: Some(started),
            page_size: Some(2),
            ..CallQuery::default()
        })
        .await
        .expect("listing calls page by page keeps to the document");
    let mut children = 0;
    for parent in &parents {
        let query = CallQuery {
            parent_call_sid: Some(parent.clone()),
            ..CallQuery::default()
        };
        children += twilio
            .list_calls(&query)
            .await
            .expect("child legs keep to the document")
            .len();
    }
    let inbound = twilio
        .list_messages(&MessageQuery {
            to: Some(business.into()),
            sent_after: Some(started),
            page_size: Some(1),
            ..MessageQuery::default()
        })
        .await
        .expect("listing messages keeps to the document");
    let body = "Hi from Harbor Dental — book at https://harbor.example/book";
    let sent = twilio
        .send_message(&NewMessage {
            from: business.into(),
            to: support::caller(1),
            body: body.into(),
        })
        .await
        .expect("creating a message keeps to the document");
    let fetched = twilio
        .fetch_message(&sent.sid)
        .await
        .expect("fetching keeps to the document");
    let between = twilio
        .list_messages(&MessageQuery {
            from: Some(business.into()),
            to: Some(support::caller(1)),
            ..MessageQuery::default()
        })
        .await
        .expect("listing by From and To keeps to the document");

    assert_eq!(
        calls.len(),
        outcomes.len(),
        "every parent leg, across pages of two"
    );
    assert_eq!(
        children,
        outcomes.len() - 1,
        "a child leg for every outcome but a hang-up"
    );
    assert_eq!(inbound.len(), 1, "the customer's text");
    assert_eq!(fetched.body, body, "the text as sent");
    assert_eq!(between.len(), 1, "the text, by its two numbers");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_engine_texts_back_through_the_validating_proxy() {
    let running = sandbox().await;
    let proxy = start_proxy(&running.base_url());
    let sandbox = running.sandbox().clone();
    let twilio: std::sync::Arc<dyn Provider> =
        std::sync::Arc::new(client(&proxy.base_url, &sandbox));
    let config = textback::config::Config::from_toml(&format!(
        r#"
[business]
name = "Harbor Dental"
time_zone = "America/New_York"
numbers = ["{}"]
booking_link = "https://harbor.example/book"
[provider]
kind = "sandbox"
base_url = "{}"
account_sid = "{}"
[rules]
grace = "0s"
quiet_hours = "off"
"#,
        support::BUSINESS,
        proxy.base_url,
        sandbox.account_sid()
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store =
        std::sync::Arc::new(textback::store::Store::open(&dir.path().join("t.db")).unwrap());
    let clock: textback::clock::SharedClock = std::sync::Arc::new(textback::clock::SystemClock);
    let engine = textback::Engine::new(store, twilio, clock, config);
    sandbox
        .place_call(
            &support::caller(1),
            support::BUSINESS,
            CallOutcome::NoAnswer,
        )
        .unwrap();

    engine
        .poll_calls()
        .await
        .expect("polling keeps to the document");
    let sent = engine
        .run_due()
        .await
        .expect("sending keeps to the document");
    sandbox
        .receive_sms(&support::caller(1), support::BUSINESS, "Thanks!")
        .unwrap();
    let replies = engine
        .poll_messages()
        .await
        .expect("reading replies keeps to the document");
    engine
        .refresh_delivery()
        .await
        .expect("delivery status keeps to the document");

    assert_eq!(sent.sent, 1, "the text-back went out through the proxy");
    assert_eq!(replies, 1, "the reply came in through the proxy");
}
