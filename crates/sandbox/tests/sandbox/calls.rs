//! `GET Calls.json` and `GET Calls/{Sid}.json`: the legs each outcome leaves, and filters.

use chrono::Duration;
use serde_json::Value;
use textback_sandbox::{CallOutcome, SandboxError, FORWARD_TO};

use crate::common::{error_code, json, start, Harness, BUSINESS, CALLER};

/// The legs Twilio lists for a parent call, via `ParentCallSid`.
async fn children_of(harness: &Harness, parent: &str) -> Vec<Value> {
    let response = harness
        .get("Calls.json")
        .query(&[("ParentCallSid", parent)])
        .send()
        .await;
    let body = json(response.expect("answers")).await;
    body["calls"].as_array().expect("a calls array").clone()
}

/// Each outcome gives the parent and forward statuses the engine reads a missed call from.
#[tokio::test]
async fn each_outcome_leaves_twilios_legs() {
    let harness = start().await;
    let cases = [
        (CallOutcome::Answered, Some(("completed", None))),
        (CallOutcome::NoAnswer, Some(("no-answer", None))),
        (CallOutcome::Busy, Some(("busy", None))),
        (CallOutcome::Canceled, Some(("canceled", None))),
        (CallOutcome::Failed, Some(("failed", None))),
        (
            CallOutcome::Voicemail,
            Some(("completed", Some("machine_end_beep"))),
        ),
        (CallOutcome::Hangup, None),
    ];

    for (outcome, expected_child) in cases {
        let parent_sid = harness
            .sandbox
            .place_call(CALLER, BUSINESS, outcome)
            .expect("placed");

        let parent = json(
            harness
                .get(&format!("Calls/{parent_sid}.json"))
                .send()
                .await
                .expect("answers"),
        )
        .await;
        let children = children_of(&harness, &parent_sid).await;

        assert_eq!(
            parent["status"], "completed",
            "{outcome:?}: the caller's leg completed"
        );
        assert_eq!(
            parent["direction"], "inbound",
            "{outcome:?}: the parent is inbound"
        );
        assert_eq!(parent["from"], CALLER, "{outcome:?}: from the caller");
        assert_eq!(parent["to"], BUSINESS, "{outcome:?}: to the business");
        assert_eq!(
            parent["parent_call_sid"],
            Value::Null,
            "{outcome:?}: the parent has none"
        );
        match expected_child {
            None => assert!(children.is_empty(), "{outcome:?}: no forward"),
            Some((status, answered_by)) => {
                assert_eq!(children.len(), 1, "{outcome:?}: one forward");
                let child = &children[0];
                assert_eq!(child["status"], status, "{outcome:?}: forward status");
                assert_eq!(
                    child["direction"], "outbound-dial",
                    "{outcome:?}: a <Dial> leg"
                );
                assert_eq!(child["to"], FORWARD_TO, "{outcome:?}: rings the front desk");
                let answered_by = answered_by.map_or(Value::Null, Value::from);
                assert_eq!(
                    child["answered_by"], answered_by,
                    "{outcome:?}: machine verdict"
                );
                let duration = child["duration"].as_str().expect("duration is a string");
                let duration: u32 = duration.parse().expect("duration is a number");
                assert_eq!(
                    duration > 0,
                    status == "completed",
                    "{outcome:?}: duration {duration}"
                );
            }
        }
    }
}

/// A call renders with Twilio's field types: strings for counts, RFC 2822 for dates.
#[tokio::test]
async fn call_fields_have_twilios_types() {
    let harness = start().await;
    let sid = harness
        .sandbox
        .place_call(CALLER, BUSINESS, CallOutcome::Hangup)
        .expect("placed");

    let call = json(
        harness
            .get(&format!("Calls/{sid}.json"))
            .send()
            .await
            .expect("answers"),
    )
    .await;

    assert_eq!(call["sid"], sid.as_str(), "the requested call");
    assert_eq!(
        call["end_time"], "Sat, 09 Mar 2024 15:00:00 +0000",
        "ended now, RFC 2822"
    );
    assert_eq!(
        call["start_time"], "Sat, 09 Mar 2024 14:59:58 +0000",
        "started 2 s earlier"
    );
    assert_eq!(call["duration"], "2", "duration is a string of seconds");
    assert_eq!(
        call["from_formatted"], "(555) 123-0001",
        "North American display form"
    );
    assert_eq!(call["api_version"], "2010-04-01", "API version");
    assert_eq!(call["price"], Value::Null, "no price yet");
    let uri = format!("{}.json", harness.account_path(&format!("Calls/{sid}")));
    assert_eq!(call["uri"], uri.as_str(), "its own URI");
    assert!(
        call["subresource_uris"]["recordings"].is_string(),
        "sub-resources are linked"
    );
}

/// An unknown call SID is a Twilio 404.
#[tokio::test]
async fn unknown_call_is_not_found() {
    let harness = start().await;

    let response = harness
        .get("Calls/CA00000000000000000000000000000000.json")
        .send()
        .await;

    assert_eq!(
        error_code(response.expect("answers"), 404).await,
        20404,
        "no such call"
    );
}

/// `StartTime>` and `StartTime<` select by day or by instant, inclusively.
#[tokio::test]
async fn start_time_bounds_select_calls() {
    let harness = start().await;
    let saturday = harness
        .sandbox
        .place_call(CALLER, BUSINESS, CallOutcome::Hangup)
        .expect("placed");
    harness.clock.advance(Duration::days(1));
    let sunday = harness
        .sandbox
        .place_call(CALLER, BUSINESS, CallOutcome::Hangup)
        .expect("placed");

    let sids = |query: &'static [(&'static str, &'static str)]| {
        let request = harness.get("Calls.json").query(query).send();
        async move {
            let body = json(request.await.expect("answers")).await;
            let calls = body["calls"].as_array().expect("calls").clone();
            calls
                .iter()
                .map(|c| c["sid"].as_str().expect("sid").to_owned())
                .collect::<Vec<_>>()
        }
    };
    let from_sunday = sids(&[("StartTime>", "2024-03-10")]).await;
    let until_saturday = sids(&[("StartTime<", "2024-03-09")]).await;
    let on_saturday = sids(&[("StartTime", "2024-03-09")]).await;
    let from_instant = sids(&[("StartTime>", "2024-03-10T14:59:58Z")]).await;
    let after_instant = sids(&[("StartTime>", "2024-03-10T14:59:59+00:00")]).await;

    assert_eq!(from_sunday, vec![sunday.clone()], "on or after Sunday");
    assert_eq!(
        until_saturday,
        vec![saturday.clone()],
        "on or before Saturday"
    );
    assert_eq!(on_saturday, vec![saturday], "on Saturday");
    assert_eq!(
        from_instant,
        vec![sunday],
        "the call's own start time is included"
    );
    assert!(
        after_instant.is_empty(),
        "a second after its start excludes it"
    );
}

/// `Status` and `To` narrow the list; a status Twilio does not have is refused.
#[tokio::test]
async fn status_and_to_filter_calls() {
    let harness = start().await;
    harness
        .sandbox
        .place_call(CALLER, BUSINESS, CallOutcome::NoAnswer)
        .expect("placed");
    harness
        .sandbox
        .place_call(CALLER, BUSINESS, CallOutcome::Answered)
        .expect("placed");

    let missed = harness
        .get("Calls.json")
        .query(&[("Status", "no-answer")])
        .send()
        .await;
    let inbound = harness
        .get("Calls.json")
        .query(&[("To", BUSINESS)])
        .send()
        .await;
    let bogus = harness
        .get("Calls.json")
        .query(&[("Status", "missed")])
        .send()
        .await;

    let missed = json(missed.expect("answers")).await;
    let inbound = json(inbound.expect("answers")).await;
    assert_eq!(
        missed["calls"].as_array().map(Vec::len),
        Some(1),
        "one forward rang out"
    );
    assert_eq!(
        inbound["calls"].as_array().map(Vec::len),
        Some(2),
        "two calls to the business"
    );
    assert_eq!(
        error_code(bogus.expect("answers"), 400).await,
        20001,
        "unknown status"
    );
}

/// The Rust API refuses numbers that are not E.164.
#[tokio::test]
async fn place_call_checks_numbers() {
    let harness = start().await;

    let result = harness
        .sandbox
        .place_call("555-1234", BUSINESS, CallOutcome::Answered);

    assert!(
        matches!(
            result,
            Err(SandboxError::InvalidNumber { field: "from", .. })
        ),
        "a local-format caller is refused: {result:?}"
    );
    assert!(harness.sandbox.calls().is_empty(), "nothing was recorded");
}
