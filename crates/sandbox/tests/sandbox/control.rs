//! The control API: simulating calls and texts, reading everything back, resetting.

use serde_json::{json, Value};
use textback_sandbox::{CallOutcome, Faults};

use crate::common::{json, start, BUSINESS, CALLER};

/// A call placed over the control API lists both legs, oldest first.
#[tokio::test]
async fn placed_call_lists_its_legs() {
    let harness = start().await;
    let request = json!({ "from": CALLER, "to": BUSINESS, "outcome": "no-answer" });

    let placed = harness.control("/sandbox/calls", &request).await;
    assert_eq!(placed.status(), 201, "created");
    let sid = json(placed).await["sid"]
        .as_str()
        .expect("a sid")
        .to_owned();
    let url = format!("{}/sandbox/calls", harness.server.base_url());
    let listed = json(harness.http.get(url).send().await.expect("answers")).await;

    let calls = listed["calls"].as_array().expect("calls");
    assert_eq!(calls.len(), 2, "the caller's leg and the forward");
    assert_eq!(calls[0]["sid"], sid.as_str(), "the parent comes first");
    assert_eq!(
        calls[1]["parent_call_sid"],
        sid.as_str(),
        "then its forward"
    );
    assert_eq!(calls[1]["status"], "no-answer", "the forward rang out");
}

/// A text from a customer is an inbound, received message, listed Twilio-shaped.
#[tokio::test]
async fn inbound_sms_is_listed() {
    let harness = start().await;
    let request = json!({ "from": CALLER, "to": BUSINESS, "body": "Are you open?" });

    let received = harness.control("/sandbox/sms", &request).await;
    assert_eq!(received.status(), 201, "created");
    let sid = json(received).await["sid"]
        .as_str()
        .expect("a sid")
        .to_owned();
    let url = format!("{}/sandbox/messages", harness.server.base_url());
    let listed = json(harness.http.get(url).send().await.expect("answers")).await;

    let message = &listed["messages"][0];
    assert_eq!(message["sid"], sid.as_str(), "the text");
    assert_eq!(message["direction"], "inbound", "from the customer");
    assert_eq!(message["status"], "received", "arrived");
    assert_eq!(message["to"], BUSINESS, "to the business");
    assert_eq!(message["num_segments"], "1", "Twilio-shaped");
}

/// Bad requests are refused with a message naming what was wrong.
#[tokio::test]
async fn bad_requests_name_the_problem() {
    let harness = start().await;
    let cases = [
        (
            "/sandbox/calls",
            json!({ "from": CALLER, "to": BUSINESS }),
            "outcome",
        ),
        (
            "/sandbox/calls",
            json!({ "from": CALLER, "to": BUSINESS, "outcome": "ghosted" }),
            "ghosted",
        ),
        (
            "/sandbox/calls",
            json!({ "from": "555-0001", "to": BUSINESS, "outcome": "busy" }),
            "from",
        ),
        (
            "/sandbox/sms",
            json!({ "from": CALLER, "to": "12345", "body": "hi" }),
            "to",
        ),
        (
            "/sandbox/sms",
            json!({ "from": CALLER, "to": BUSINESS }),
            "body",
        ),
        (
            "/sandbox/faults",
            json!({ "reset_rate": 2.0 }),
            "reset_rate",
        ),
    ];

    for (path, body, named) in cases {
        let response = harness.control(path, &body).await;

        assert_eq!(response.status(), 400, "{path} {body} is refused");
        let error = json(response).await["error"]
            .as_str()
            .expect("an error")
            .to_owned();
        assert!(
            error.contains(named),
            "{path} {body}: {error:?} names {named}"
        );
    }
    assert!(
        harness.sandbox.calls().is_empty(),
        "no refused call was placed"
    );
    assert_eq!(
        harness.sandbox.faults(),
        Faults::default(),
        "no refused fault was set"
    );
}

/// Malformed JSON is refused as such.
#[tokio::test]
async fn malformed_json_is_refused() {
    let harness = start().await;
    let url = format!("{}/sandbox/calls", harness.server.base_url());

    let response = harness
        .http
        .post(url)
        .body("{not json")
        .send()
        .await
        .expect("answers");

    assert_eq!(response.status(), 400, "refused");
    let error = json(response).await["error"]
        .as_str()
        .expect("an error")
        .to_owned();
    assert!(
        error.contains("invalid request body"),
        "says the body is bad: {error:?}"
    );
}

/// Reset forgets calls and messages and clears faults.
#[tokio::test]
async fn reset_empties_everything() {
    let harness = start().await;
    harness
        .sandbox
        .place_call(CALLER, BUSINESS, CallOutcome::Busy)
        .expect("placed");
    harness
        .sandbox
        .receive_sms(CALLER, BUSINESS, "hello")
        .expect("received");
    harness.sandbox.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    });

    let reset = harness.control("/sandbox/reset", &Value::Null).await;
    let listed = harness.get("Messages.json").send().await.expect("answers");

    assert_eq!(reset.status(), 200, "reset");
    assert!(harness.sandbox.calls().is_empty(), "calls are gone");
    assert!(harness.sandbox.messages().is_empty(), "messages are gone");
    assert_eq!(listed.status(), 200, "faults are cleared");
    assert_eq!(
        json(listed).await["messages"],
        json!([]),
        "the Twilio list is empty"
    );
}

/// Unknown paths get a control-style 404 outside Twilio's prefix.
#[tokio::test]
async fn unknown_control_path_is_not_found() {
    let harness = start().await;
    let url = format!("{}/sandbox/nothing", harness.server.base_url());

    let response = harness.http.get(url).send().await.expect("answers");

    assert_eq!(response.status(), 404, "no such path");
    assert!(
        json(response).await["error"].is_string(),
        "a control-style error"
    );
}
