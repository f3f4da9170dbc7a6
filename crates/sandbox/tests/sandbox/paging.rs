//! Following `next_page_uri` and `previous_page_uri`, with filters, while records arrive.

use futures::stream::{self, StreamExt};
use serde_json::Value;
use textback_sandbox::CallOutcome;

use crate::common::{json, start, Harness, BUSINESS, CALLER};

/// Reads one page at a path (with query) and returns its body.
async fn page_at(harness: &Harness, path: &str) -> Value {
    json(harness.get_path(path).send().await.expect("answers")).await
}

fn sids(page: &Value, key: &str) -> Vec<String> {
    let records = page[key].as_array().expect("a records array");
    records
        .iter()
        .map(|r| r["sid"].as_str().expect("sid").to_owned())
        .collect()
}

/// Following `next_page_uri` reads every match once, newest first, keeping the filter.
#[tokio::test]
async fn next_page_uri_walks_a_filtered_list() {
    let harness = start().await;
    let mut sent = Vec::new();
    for n in 0..7 {
        sent.push(harness.send_text(CALLER, &format!("text {n}")).await);
        harness
            .send_text("+15551230002", "not for this caller")
            .await;
    }
    let first = harness.account_path("Messages.json?To=%2B15551230001&PageSize=3");

    let mut pages = vec![page_at(&harness, &first).await];
    while let Some(next) = pages.last().and_then(|page| page["next_page_uri"].as_str()) {
        let next = next.to_owned();
        pages.push(page_at(&harness, &next).await);
    }

    let read: Vec<String> = pages
        .iter()
        .flat_map(|page| sids(page, "messages"))
        .collect();
    let newest_first: Vec<String> = sent.into_iter().rev().collect();
    assert_eq!(
        read, newest_first,
        "every text to the caller once, newest first"
    );
    assert_eq!(pages.len(), 3, "seven records in pages of three");
    let second_uri = pages[0]["next_page_uri"].as_str().expect("a second page");
    assert!(
        second_uri.starts_with("/2010-04-01/Accounts/"),
        "a path: {second_uri}"
    );
    assert!(
        second_uri.contains("To=%2B15551230001"),
        "the filter is kept: {second_uri}"
    );
    assert!(
        second_uri.contains("Page=1&PageToken=PA"),
        "page and token: {second_uri}"
    );
    assert_eq!(pages[1]["page"], 1, "the second page is page 1");
    assert_eq!(pages[1]["start"], 3, "it starts after three records");
    assert_eq!(pages[1]["end"], 5, "and ends at the sixth");
    assert_eq!(
        pages[2]["next_page_uri"],
        Value::Null,
        "the last page has no next"
    );
    assert_eq!(
        pages[0]["previous_page_uri"],
        Value::Null,
        "the first page has no previous"
    );
    assert_eq!(pages[0]["page_size"], 3, "the page size asked for");
}

/// Records that arrive between pages neither shift nor repeat the later pages.
#[tokio::test]
async fn pages_are_stable_while_records_arrive() {
    let harness = start().await;
    let mut sent = Vec::new();
    for n in 0..5 {
        sent.push(harness.send_text(CALLER, &format!("text {n}")).await);
    }
    let first = page_at(&harness, &harness.account_path("Messages.json?PageSize=2")).await;

    for n in 0..3 {
        harness.send_text(CALLER, &format!("late {n}")).await;
    }
    let next = first["next_page_uri"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let second = page_at(&harness, &next).await;
    let last = second["next_page_uri"]
        .as_str()
        .expect("a last page")
        .to_owned();
    let third = page_at(&harness, &last).await;

    let read: Vec<String> = [&first, &second, &third]
        .iter()
        .flat_map(|page| sids(page, "messages"))
        .collect();
    let newest_first: Vec<String> = sent.into_iter().rev().collect();
    assert_eq!(read, newest_first, "the five original texts, each once");
}

/// `previous_page_uri` leads back to the page before.
#[tokio::test]
async fn previous_page_uri_leads_back() {
    let harness = start().await;
    for n in 0..5 {
        harness.send_text(CALLER, &format!("text {n}")).await;
    }
    let first = page_at(&harness, &harness.account_path("Messages.json?PageSize=2")).await;
    let next = first["next_page_uri"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let second = page_at(&harness, &next).await;

    let previous = second["previous_page_uri"]
        .as_str()
        .expect("a previous page")
        .to_owned();
    let back = page_at(&harness, &previous).await;

    assert_eq!(
        sids(&back, "messages"),
        sids(&first, "messages"),
        "the same first page"
    );
    assert_eq!(back["page"], 0, "numbered as the first page");
}

/// Calls page the same way, filtered to the business number's inbound legs.
#[tokio::test]
async fn calls_page_with_filters() {
    let harness = start().await;
    let mut parents = Vec::new();
    for _ in 0..4 {
        parents.push(
            harness
                .sandbox
                .place_call(CALLER, BUSINESS, CallOutcome::Answered)
                .expect("placed"),
        );
    }
    let first_uri = harness.account_path("Calls.json?To=%2B15559870000&PageSize=3");

    let first = page_at(&harness, &first_uri).await;
    let next = first["next_page_uri"]
        .as_str()
        .expect("a second page")
        .to_owned();
    let second = page_at(&harness, &next).await;

    let read: Vec<String> = [&first, &second]
        .iter()
        .flat_map(|p| sids(p, "calls"))
        .collect();
    let newest_first: Vec<String> = parents.into_iter().rev().collect();
    assert_eq!(read, newest_first, "the four inbound legs, newest first");
    assert_eq!(
        second["next_page_uri"],
        Value::Null,
        "two pages hold them all"
    );
    assert!(
        next.contains("To=%2B15559870000"),
        "the filter is kept: {next}"
    );
}

/// A burst of concurrent sends is all recorded, and large pages read it back whole.
#[tokio::test]
async fn a_burst_of_sends_pages_back_completely() {
    let harness = start().await;
    let count = 1000;

    let statuses: Vec<u16> = stream::iter(0..count)
        .map(|n| {
            let body = format!("burst {n}");
            let harness = &harness;
            async move {
                let form = [("To", CALLER), ("From", BUSINESS), ("Body", body.as_str())];
                harness
                    .send(&form)
                    .await
                    .expect("answers")
                    .status()
                    .as_u16()
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let mut uri = Some(harness.account_path("Messages.json?PageSize=300"));
    let mut read = Vec::new();
    while let Some(path) = uri {
        let page = page_at(&harness, &path).await;
        read.extend(sids(&page, "messages"));
        uri = page["next_page_uri"].as_str().map(str::to_owned);
    }

    assert!(
        statuses.iter().all(|&s| s == 201),
        "every send was accepted"
    );
    let mut unique = read.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(read.len(), count, "every message was listed");
    assert_eq!(unique.len(), count, "no message was listed twice");
}
