//! Listing calls and messages: filters on the wire, records read back, pages followed.

use chrono::{TimeZone, Utc};
use serde_json::json;
use textback_provider::twilio::MAX_PAGES;
use textback_provider::{CallQuery, CallStatus, MessageQuery, Provider, ProviderError};

use crate::fixtures::{account_path, call, calls_page, client, message, messages_page};
use crate::server::{Reply, ScriptedServer};

/// Every call filter reaches Twilio under its own name, `StartTime>` included.
#[tokio::test]
async fn call_filters_reach_the_server() {
    let server = ScriptedServer::start(vec![Reply::json(200, calls_page(vec![], None))]).await;
    let query = CallQuery {
        to: Some("+15551230000".into()),
        started_after: Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).single(),
        parent_call_sid: Some("CAdeadbeefdeadbeefdeadbeefdeadbeef".into()),
        page_size: Some(20),
    };

    let result = client(&server.base_url).list_calls(&query).await;

    assert!(result.is_ok(), "listing should succeed: {result:?}");
    let seen = &server.seen()[0];
    assert_eq!(seen.path, account_path("Calls.json"), "calls path");
    let param = |name: &str| seen.query.get(name).map(String::as_str);
    assert_eq!(param("To"), Some("+15551230000"), "To filter");
    assert_eq!(
        param("StartTime>"),
        Some("2026-12-03T10:00:00Z"),
        "StartTime> filter"
    );
    assert_eq!(
        param("ParentCallSid"),
        Some("CAdeadbeefdeadbeefdeadbeefdeadbeef"),
        "ParentCallSid filter"
    );
    assert_eq!(param("PageSize"), Some("20"), "PageSize");
    assert!(
        seen.raw_query.contains("StartTime%3E="),
        "the > should be percent-encoded on the wire: {}",
        seen.raw_query
    );
}

/// Every message filter reaches Twilio, and unset filters are not sent at all.
#[tokio::test]
async fn message_filters_reach_the_server() {
    let server = ScriptedServer::start(vec![Reply::json(200, messages_page(vec![], None))]).await;
    let client = client(&server.base_url);
    let query = MessageQuery {
        to: Some("+15551230000".into()),
        from: Some("+15559870000".into()),
        sent_after: Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).single(),
        page_size: Some(100),
    };

    let filtered = client.list_messages(&query).await;
    let unfiltered = client.list_messages(&MessageQuery::default()).await;

    assert!(
        filtered.is_ok(),
        "filtered listing should succeed: {filtered:?}"
    );
    assert!(
        unfiltered.is_ok(),
        "unfiltered listing should succeed: {unfiltered:?}"
    );
    let seen = server.seen();
    let param = |name: &str| seen[0].query.get(name).map(String::as_str);
    assert_eq!(param("To"), Some("+15551230000"), "To filter");
    assert_eq!(param("From"), Some("+15559870000"), "From filter");
    assert_eq!(
        param("DateSent>"),
        Some("2026-12-03T10:00:00Z"),
        "DateSent> filter"
    );
    assert_eq!(param("PageSize"), Some("100"), "PageSize");
    assert_eq!(seen[1].raw_query, "", "no filter set, no query string");
}

/// A listed call reads into every field the engine decides on.
#[tokio::test]
async fn calls_are_read_into_records() {
    let page = calls_page(vec![call("CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")], None);
    let server = ScriptedServer::start(vec![Reply::json(200, page)]).await;

    let calls = client(&server.base_url)
        .list_calls(&CallQuery::default())
        .await
        .expect("listing should succeed");

    assert_eq!(calls.len(), 1, "one call listed");
    let call = &calls[0];
    assert_eq!(call.status, CallStatus::Completed, "status");
    assert_eq!(call.direction, "outbound-dial", "direction");
    assert_eq!(
        call.answered_by.as_deref(),
        Some("machine_start"),
        "answered_by"
    );
    assert_eq!(
        call.parent_call_sid.as_deref(),
        Some("CAdeadbeefdeadbeefdeadbeefdeadbeef"),
        "parent_call_sid"
    );
    assert_eq!(call.from, "+13051416799", "from");
    assert_eq!(call.to, "+13051913581", "to");
    assert_eq!(call.duration_s, Some(4), "duration");
    assert_eq!(
        call.start_time,
        Utc.with_ymd_and_hms(2019, 10, 18, 17, 2, 0).single(),
        "start_time"
    );
    assert_eq!(
        call.end_time,
        Utc.with_ymd_and_hms(2019, 10, 18, 17, 3, 0).single(),
        "end_time"
    );
}

/// `next_page_uri` is followed until it is null, and records keep their order.
#[tokio::test]
async fn pages_are_followed_to_the_end() {
    let page_1 = account_path("Calls.json?PageSize=2&Page=1&PageToken=PA1");
    let page_2 = account_path("Calls.json?PageSize=2&Page=2&PageToken=PA2");
    let server = ScriptedServer::start(vec![
        Reply::json(
            200,
            calls_page(vec![call("CA01"), call("CA02")], Some(&page_1)),
        ),
        Reply::json(
            200,
            calls_page(vec![call("CA03"), call("CA04")], Some(&page_2)),
        ),
        Reply::json(200, calls_page(vec![call("CA05")], None)),
    ])
    .await;

    let calls = client(&server.base_url)
        .list_calls(&CallQuery::default())
        .await
        .expect("listing should succeed");

    let sids: Vec<&str> = calls.iter().map(|c| c.sid.as_str()).collect();
    assert_eq!(
        sids,
        ["CA01", "CA02", "CA03", "CA04", "CA05"],
        "all pages, in order"
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 3, "three pages requested");
    for (request, token) in seen[1..].iter().zip(["PA1", "PA2"]) {
        assert_eq!(
            request.path,
            account_path("Calls.json"),
            "next pages stay on Calls.json"
        );
        assert_eq!(
            request.query.get("PageToken").map(String::as_str),
            Some(token),
            "the next page's token should be sent"
        );
    }
}

/// A provider whose pages never end is read up to the cap, not forever.
#[tokio::test]
async fn paging_stops_at_the_cap() {
    let next = account_path("Messages.json?Page=1&PageToken=PAloop");
    let page = messages_page(vec![message("SM01", "1".into())], Some(&next));
    let server = ScriptedServer::start(vec![Reply::json(200, page)]).await;

    let messages = client(&server.base_url)
        .list_messages(&MessageQuery::default())
        .await
        .expect("listing should succeed");

    assert_eq!(
        server.seen().len(),
        MAX_PAGES,
        "one request per page up to the cap"
    );
    assert_eq!(
        messages.len(),
        MAX_PAGES,
        "the records read so far are returned"
    );
}

/// A `next_page_uri` on another host is refused, so the credentials never go there.
#[tokio::test]
async fn next_page_on_another_host_is_refused() {
    let page = calls_page(
        vec![call("CA01")],
        Some("http://elsewhere.invalid/Calls.json"),
    );
    let server = ScriptedServer::start(vec![Reply::json(200, page)]).await;

    let result = client(&server.base_url)
        .list_calls(&CallQuery::default())
        .await;

    assert!(
        matches!(result, Err(ProviderError::Decode { .. })),
        "a foreign next page should be a decode error: {result:?}"
    );
    assert_eq!(server.seen().len(), 1, "only the first page was requested");
}

/// `num_segments` reads whether Twilio writes it as a string or another provider as a number.
#[tokio::test]
async fn num_segments_reads_as_number_and_as_string() {
    let page = messages_page(
        vec![
            message("SMnumber", json!(2)),
            message("SMstring", json!("3")),
            message("SMnull", json!(null)),
        ],
        None,
    );
    let server = ScriptedServer::start(vec![Reply::json(200, page)]).await;

    let messages = client(&server.base_url)
        .list_messages(&MessageQuery::default())
        .await
        .expect("listing should succeed");

    let segments: Vec<Option<u32>> = messages.iter().map(|m| m.num_segments).collect();
    assert_eq!(segments, [Some(2), Some(3), None], "segments per message");
}
