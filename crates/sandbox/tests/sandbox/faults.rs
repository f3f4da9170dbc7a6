//! Injected faults on the Twilio paths, and the control API staying reachable through them.

use std::time::{Duration, Instant};

use serde_json::json;
use textback_sandbox::Faults;

use crate::common::{error_code, json, start, BUSINESS, CALLER};

const FORM: [(&str, &str); 3] = [("To", CALLER), ("From", BUSINESS), ("Body", "hi")];

/// A reset gives the client a transport error, never a response.
#[tokio::test]
async fn reset_drops_the_connection() {
    let harness = start().await;
    harness.sandbox.set_faults(Faults {
        reset_rate: 1.0,
        ..Faults::default()
    });

    let listed = harness.get("Messages.json").send().await;
    let sent = harness.send(&FORM).await;

    let listed = listed.expect_err("no answer to the list request");
    assert!(
        listed.is_request() && listed.status().is_none(),
        "a transport error: {listed:?}"
    );
    assert!(sent.is_err(), "no answer to the send either: {sent:?}");
}

/// A dropped send took effect sometimes and not other times, so the client cannot know.
#[tokio::test]
async fn dropped_sends_take_effect_about_half_the_time() {
    let harness = start().await;
    harness.sandbox.set_faults(Faults {
        reset_rate: 1.0,
        ..Faults::default()
    });
    let attempts = 60;

    for _ in 0..attempts {
        let result = harness.send(&FORM).await;
        assert!(result.is_err(), "every send is dropped: {result:?}");
    }

    let created = harness.sandbox.messages().len();
    assert!(created > 0, "some dropped sends were carried out");
    assert!(
        created < attempts,
        "some dropped sends were not: {created} of {attempts}"
    );
}

/// A rate limit is a 429 with `Retry-After: 1`, and the send does not happen.
#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let harness = start().await;
    harness.sandbox.set_faults(Faults {
        rate_limit_rate: 1.0,
        ..Faults::default()
    });

    let response = harness.send(&FORM).await.expect("answers");

    let retry_after = response.headers().get("retry-after").cloned();
    assert_eq!(
        retry_after.as_ref().map(|v| v.as_bytes()),
        Some(&b"1"[..]),
        "retry in a second"
    );
    assert_eq!(
        error_code(response, 429).await,
        20429,
        "Twilio's rate limit code"
    );
    assert!(
        harness.sandbox.messages().is_empty(),
        "the send did not happen"
    );
}

/// A server error is a 500 with code 20500, and the send does not happen.
#[tokio::test]
async fn server_error_answers_500_without_effect() {
    let harness = start().await;
    harness.sandbox.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    });

    let response = harness.send(&FORM).await.expect("answers");

    assert_eq!(
        error_code(response, 500).await,
        20500,
        "Twilio's server error code"
    );
    assert!(
        harness.sandbox.messages().is_empty(),
        "the send did not happen"
    );
}

/// Latency delays Twilio answers but not the control API.
#[tokio::test]
async fn latency_delays_only_the_twilio_paths() {
    let harness = start().await;
    harness.sandbox.set_faults(Faults {
        latency_ms: 300,
        ..Faults::default()
    });

    let started = Instant::now();
    let listed = harness.get("Calls.json").send().await.expect("answers");
    let twilio_took = started.elapsed();
    let started = Instant::now();
    let control = harness.control("/sandbox/faults", &json!({})).await;
    let control_took = started.elapsed();

    assert_eq!(listed.status(), 200, "slow but fine");
    assert!(
        twilio_took >= Duration::from_millis(300),
        "waited {twilio_took:?}"
    );
    assert_eq!(control.status(), 200, "the control API answers");
    assert!(
        control_took < Duration::from_millis(300),
        "control took {control_took:?}"
    );
}

/// Faults set over the control API apply, are echoed, and can be cleared through any fault.
#[tokio::test]
async fn control_api_sets_and_clears_faults() {
    let harness = start().await;

    let set = harness
        .control("/sandbox/faults", &json!({ "error_rate": 1.0 }))
        .await;
    let failing = harness.get("Messages.json").send().await.expect("answers");
    let cleared = harness.control("/sandbox/faults", &json!({})).await;
    let working = harness.get("Messages.json").send().await.expect("answers");

    assert_eq!(set.status(), 200, "faults accepted");
    let echoed = json(set).await;
    let expected =
        json!({ "error_rate": 1.0, "rate_limit_rate": 0.0, "reset_rate": 0.0, "latency_ms": 0 });
    assert_eq!(echoed, expected, "missing fields default to zero");
    assert_eq!(failing.status(), 500, "the fault applies");
    assert_eq!(cleared.status(), 200, "the control API is never faulted");
    assert_eq!(working.status(), 200, "cleared faults no longer apply");
}
