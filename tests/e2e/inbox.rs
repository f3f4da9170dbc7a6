//! The demo's whole flow through the inbox: a missed call texted back, a customer's reply
//! announced by a desktop notification, and the front desk's answer reaching the provider.

use serde_json::Value;

use crate::app::{eventually, testid, DEMO_CALLER};
use crate::launch;

/// Guards the first thing a newcomer sees: the demo opens by itself, and a missed call turns
/// into a conversation whose text-back goes out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_call_in_the_demo_is_texted_back() {
    let (_session, app) = launch().await;
    let banner = app.wait_for(&testid("demo-banner")).await;

    app.demo_call().await.expect("the demo's call button works");
    app.open_conversation(DEMO_CALLER)
        .await
        .expect("the missed caller gets a conversation in the inbox");
    let call = app
        .thread_item("the missed call", |item| {
            item.item_type.as_deref() == Some("call")
        })
        .await;
    let text_back = app
        .thread_item("a sent text-back", |item| {
            item.is_message("text_back") && item.is_sent()
        })
        .await;

    let banner = banner.expect("an empty data directory opens the demo, with its banner");
    assert!(
        banner
            .is_displayed()
            .await
            .expect("the banner can be inspected"),
        "the demo banner is visible, so nobody mistakes the demo for a live account"
    );
    call.expect("the thread records the missed call itself");
    let text_back = text_back.expect("the text-back is sent within the demo's grace and poll");
    assert!(
        text_back.body.is_some_and(|body| !body.trim().is_empty()),
        "the text-back shows the words the caller received"
    );
    app.quit().await.expect("the app quits");
}

/// Guards the promise that a reply is never missed: it raises a desktop notification carrying
/// its text, marks the conversation unread while it is closed, and shows in the thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_raises_a_notification_and_shows_in_the_thread() {
    let (session, app) = launch().await;
    let reply = "Can I book Tuesday?";
    app.demo_call().await.expect("the demo's call button works");
    app.conversation(DEMO_CALLER)
        .await
        .expect("the missed caller gets a conversation in the inbox");

    app.demo_reply(reply)
        .await
        .expect("the demo's reply form works");
    let notified = eventually("a Notify call with the reply", || async {
        Ok(session
            .notifications()
            .into_iter()
            .find(|n| n.body == reply))
    })
    .await;
    let badge = app
        .wait_for(&format!(
            "[data-testid=conversation-item][data-number=\"{DEMO_CALLER}\"] {}",
            testid("unread-badge")
        ))
        .await;
    app.open_conversation(DEMO_CALLER)
        .await
        .expect("the conversation opens");
    let shown = app
        .thread_item("the reply", |item| item.is_message("reply"))
        .await;

    let notification = notified.expect("the reply is announced over D-Bus with its text");
    let digits: String = notification
        .summary
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    assert!(
        digits.contains("2125550123"),
        "the notification's summary names who wrote, so the desk knows whom to answer: {:?}",
        notification.summary
    );
    badge.expect("the unread badge marks the closed conversation that got the reply");
    let shown = shown.expect("the reply appears in the thread");
    assert_eq!(
        shown.body.as_deref().map(str::trim),
        Some(reply),
        "the thread shows exactly what the customer wrote"
    );
    assert_eq!(
        shown.status.as_deref(),
        Some("received"),
        "a customer's text is shown as received"
    );
    app.quit().await.expect("the app quits");
}

/// Guards the front desk's own answer: typed in the reply box, it is sent, shown as sent, and
/// is at the provider addressed to the customer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_reply_reaches_the_provider() {
    let (session, app) = launch().await;
    let answer = "Tuesday at 10 works, see you then!";
    app.demo_reply("Are you open Tuesday?")
        .await
        .expect("the demo's reply form works");
    app.open_conversation(DEMO_CALLER)
        .await
        .expect("the customer's text opens a conversation");

    app.type_into("reply-input", answer)
        .await
        .expect("the reply box takes text");
    app.click("reply-send")
        .await
        .expect("the send button works");
    let sent = app
        .thread_item("the staff reply, sent", |item| {
            item.is_message("staff") && item.is_sent()
        })
        .await;
    let at_provider = provider_messages(&session.data_dir())
        .await
        .map(|messages| messages.into_iter().find(|m| m["body"] == answer));

    let sent = sent.expect("the staff reply is sent");
    assert_eq!(
        sent.body.as_deref().map(str::trim),
        Some(answer),
        "the thread shows the words that were sent"
    );
    let message = at_provider
        .expect("the demo's sandbox lists its messages")
        .expect("the staff reply is among the provider's messages");
    assert_eq!(
        message["to"], DEMO_CALLER,
        "the reply goes to the customer who wrote"
    );
    assert!(
        message["direction"]
            .as_str()
            .is_some_and(|d| d.starts_with("outbound")),
        "the provider holds it as an outbound message: {message}"
    );
    app.quit().await.expect("the app quits");
}

/// Guards the send button against toasts: a confirmation shown while the desk is answering
/// must not take the click meant for Send.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_toast_leaves_the_send_button_clickable() {
    let (_session, app) = launch().await;
    app.demo_reply("Are you open Tuesday?")
        .await
        .expect("the demo's reply form works");
    app.open_conversation(DEMO_CALLER)
        .await
        .expect("the customer's text opens a conversation");
    app.type_into("reply-input", "Yes, 9 to 5.")
        .await
        .expect("the reply box takes text");

    app.demo_reply("And Wednesday?")
        .await
        .expect("the demo's reply form works");
    app.wait_for(&testid("toast"))
        .await
        .expect("the demo confirms the text with a toast");
    let send = app
        .wait_for(&testid("reply-send"))
        .await
        .expect("the send button is there");
    let covering = app.covering(&send).await;

    assert_eq!(
        covering.expect("the page can be inspected"),
        None,
        "nothing lies over the send button while a toast shows"
    );
    app.quit().await.expect("the app quits");
}

/// Every message the demo's embedded sandbox holds, read through its control API at the address
/// the app writes to `demo-sandbox-url` in its data directory.
async fn provider_messages(data_dir: &std::path::Path) -> anyhow::Result<Vec<Value>> {
    let base_url = std::fs::read_to_string(data_dir.join("demo-sandbox-url"))?;
    let url = format!("{}/sandbox/messages", base_url.trim().trim_end_matches('/'));
    let listing: Value = reqwest::get(&url).await?.error_for_status()?.json().await?;
    let messages = listing["messages"].as_array().cloned().unwrap_or_default();
    Ok(messages)
}
