//! A sandbox on a free loopback port with a steppable clock, and a client for it.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use reqwest::{RequestBuilder, Response};
use serde_json::Value;
use textback_sandbox::{RunningSandbox, Sandbox, SandboxOptions};

/// A caller's number.
pub const CALLER: &str = "+15551230001";
/// The business's Twilio number.
pub const BUSINESS: &str = "+15559870000";

/// When every test's clock starts: a Saturday afternoon.
pub fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-03-09T15:00:00Z")
        .expect("valid time")
        .with_timezone(&Utc)
}

/// A clock that stands still until a test moves it.
#[derive(Clone)]
pub struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    pub fn advance(&self, by: Duration) {
        *self.0.lock().expect("clock lock") += by;
    }
}

/// A running sandbox, a handle to it, its clock and an HTTP client.
pub struct Harness {
    pub server: RunningSandbox,
    pub sandbox: Sandbox,
    pub clock: TestClock,
    pub http: reqwest::Client,
}

/// Starts a sandbox with default credentials on a free port of 127.0.0.1.
pub async fn start() -> Harness {
    let clock = TestClock(Arc::new(Mutex::new(start_time())));
    let reading = clock.clone();
    let options = SandboxOptions {
        clock: Arc::new(move || *reading.0.lock().expect("clock lock")),
        ..SandboxOptions::default()
    };
    let sandbox = Sandbox::new(options);
    let server = sandbox
        .clone()
        .spawn("127.0.0.1:0")
        .await
        .expect("sandbox binds");
    Harness {
        server,
        sandbox,
        clock,
        http: reqwest::Client::new(),
    }
}

impl Harness {
    /// The path of a resource under this account, such as `Messages.json`.
    pub fn account_path(&self, resource: &str) -> String {
        format!(
            "/2010-04-01/Accounts/{}/{resource}",
            self.sandbox.account_sid()
        )
    }

    /// An authenticated GET of a path (with query) that starts with `/2010-04-01/`.
    pub fn get_path(&self, path: &str) -> RequestBuilder {
        self.authed(self.http.get(format!("{}{path}", self.server.base_url())))
    }

    /// An authenticated GET of an account resource.
    pub fn get(&self, resource: &str) -> RequestBuilder {
        self.get_path(&self.account_path(resource))
    }

    /// An authenticated `POST Messages.json` with these form fields.
    pub async fn send(&self, form: &[(&str, &str)]) -> Result<Response, reqwest::Error> {
        let url = format!(
            "{}{}",
            self.server.base_url(),
            self.account_path("Messages.json")
        );
        self.authed(self.http.post(url)).form(form).send().await
    }

    /// Sends a text from the business to `to` and returns its SID.
    pub async fn send_text(&self, to: &str, body: &str) -> String {
        let response = self
            .send(&[("To", to), ("From", BUSINESS), ("Body", body)])
            .await
            .expect("sent");
        assert_eq!(
            response.status(),
            201,
            "the sandbox accepts a valid message"
        );
        let json: Value = response.json().await.expect("json");
        json["sid"].as_str().expect("sid").to_owned()
    }

    /// A POST of a JSON body to the control API.
    pub async fn control(&self, path: &str, body: &Value) -> Response {
        let url = format!("{}{path}", self.server.base_url());
        self.http
            .post(url)
            .json(body)
            .send()
            .await
            .expect("control api answers")
    }

    fn authed(&self, request: RequestBuilder) -> RequestBuilder {
        request.basic_auth(self.sandbox.account_sid(), Some(self.sandbox.auth_token()))
    }
}

/// The JSON body of a response, or a failure naming the status.
pub async fn json(response: Response) -> Value {
    let status = response.status();
    response
        .json()
        .await
        .unwrap_or_else(|e| panic!("{status} answer is not json: {e}"))
}

/// The `code` of a Twilio error response, after checking its status.
pub async fn error_code(response: Response, status: u16) -> u64 {
    assert_eq!(response.status(), status, "error status");
    let body = json(response).await;
    assert_eq!(body["status"], status, "the body repeats the status");
    body["code"].as_u64().expect("a numeric code")
}
