//! The engine against the sandbox's Telnyx API: calls found in Telnyx's call detail records,
//! texts sent through `POST /v2/messages`, over real HTTP on loopback and a real SQLite file.
//!
//! The harness is the shared one (`tests/support`) on Telnyx: a clock the test moves by hand,
//! read by both the engine and the sandbox, and the provider client built from the
//! configuration exactly as `textback run` builds it.

mod support;

use chrono::Duration;
use textback_sandbox::CallOutcome;

use support::{Harness, BUSINESS};

/// A missed call found in Telnyx's records gets exactly one text, however often the engine
/// polls afterwards; an answered call gets none.
#[tokio::test]
async fn missed_call_gets_exactly_one_text_through_telnyx() {
    let harness = Harness::telnyx("").await;
    let missed = "+12125552001";
    let answered = "+12125552002";
    let sandbox = harness.sandbox.sandbox();
    sandbox
        .place_call(missed, BUSINESS, CallOutcome::NoAnswer)
        .expect("call placed");
    sandbox
        .place_call(answered, BUSINESS, CallOutcome::Answered)
        .expect("call placed");

    for _ in 0..4 {
        harness.step().await;
        harness.clock.advance(Duration::seconds(10));
    }

    let texts = harness.texts_to(missed);
    assert_eq!(
        texts.len(),
        1,
        "exactly one text to the missed caller: {texts:?}"
    );
    assert_eq!(
        texts[0].from, BUSINESS,
        "sent from the number that was called"
    );
    assert!(
        texts[0].body.contains("Harbor Dental"),
        "the business-hours template: {}",
        texts[0].body
    );
    assert!(
        harness.texts_to(answered).is_empty(),
        "an answered call is not texted"
    );
}
