//! `textback calls` and `textback inbox`: read a database, even one a running engine is
//! writing (WAL gives a consistent snapshot).

use std::path::Path;
use std::process::ExitCode;

use serde_json::json;
use textback::store::{self, Call, InboxFilter, Store, ThreadItem};

fn open(db: &Path) -> anyhow::Result<Store> {
    if !db.exists() {
        anyhow::bail!("no database at {}", db.display());
    }
    Ok(Store::open(db)?)
}

/// What was decided about a call: `texted`, `pending`, or the reason it was not texted.
fn decision(call: &Call) -> &str {
    match call.decision.as_str() {
        "skipped" | "failed" => call.skip_reason.as_deref().unwrap_or(&call.decision),
        other => other,
    }
}

pub fn calls(db: &Path, as_json: bool) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let mut all = Vec::new();
    let mut before = None;
    loop {
        let page = store.read(|c| store::calls(c, before, 500))?;
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        all.extend(page);
    }
    all.reverse();
    if as_json {
        let calls: Vec<_> = all
            .iter()
            .map(|c| {
                let mut value = serde_json::to_value(c).expect("calls serialize");
                value["decision"] = json!(decision(c));
                value["state"] = json!(c.decision);
                value
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "calls": calls }))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<20} {:<16} {:<16} {:<10} decision",
        "ended", "from", "to", "outcome"
    );
    for c in &all {
        let ended = c
            .ended_at
            .unwrap_or(c.detected_at)
            .format("%Y-%m-%d %H:%M:%S");
        println!(
            "{ended:<20} {:<16} {:<16} {:<10} {}",
            c.from,
            c.to,
            c.outcome,
            decision(c)
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn inbox(db: &Path, as_json: bool) -> anyhow::Result<ExitCode> {
    let store = open(db)?;
    let mut filter = InboxFilter {
        limit: Some(500),
        ..InboxFilter::default()
    };
    let mut conversations = Vec::new();
    loop {
        let page = store.read(|c| store::inbox(c, &filter))?;
        for summary in page.conversations {
            let thread = store.read(|c| store::thread(c, summary.id))?;
            conversations.push(thread);
        }
        match page.next {
            Some(next) => filter.after = Some(next),
            None => break,
        }
    }
    if as_json {
        let out: Vec<_> = conversations
            .iter()
            .map(|t| {
                let mut value = serde_json::to_value(&t.conversation).expect("serializes");
                let messages: Vec<_> = t
                    .items
                    .iter()
                    .filter_map(|i| match i {
                        ThreadItem::Message(m) => Some(m),
                        _ => None,
                    })
                    .collect();
                let calls: Vec<_> = t
                    .items
                    .iter()
                    .filter_map(|i| match i {
                        ThreadItem::Call(c) => Some(c),
                        _ => None,
                    })
                    .collect();
                value["messages"] = json!(messages);
                value["calls"] = json!(calls);
                value
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "conversations": out }))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    for t in &conversations {
        let c = &t.conversation;
        println!(
            "{} ({}) {} unread, via {}",
            c.customer_number, c.status, c.unread, c.business_number
        );
        for item in &t.items {
            match item {
                ThreadItem::Call(call) => {
                    println!("  call      {} → {}", call.outcome, decision(call))
                }
                ThreadItem::Message(m) => {
                    let arrow = if m.direction == "in" { "<" } else { ">" };
                    println!("  {arrow} {:<9} {:?} [{}]", m.kind, m.body, m.status)
                }
                ThreadItem::Note(n) => println!("  note      {:?}", n.body),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
