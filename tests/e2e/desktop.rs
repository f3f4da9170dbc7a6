//! The app as part of the desktop: one instance at a time, and a closed window that keeps the
//! engine texting in the background.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::app::{eventually, testid, DEMO_CALLER};
use crate::launch;
use crate::session::app_binary;

/// The demo's business number, which the demo's calls reach.
const DEMO_NUMBER: &str = "+12125550100";

/// Guards "a second launch focuses the first": starting the app again hands over to the one
/// running and exits, rather than opening a second engine on the same database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_launch_hands_over_to_the_first() {
    let (session, app) = launch().await;
    let binary = app_binary().expect("the app is built");

    let mut second = session
        .command(binary.to_str().expect("a UTF-8 path"))
        .spawn()
        .expect("a second copy can be started");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = second
            .try_wait()
            .expect("the second copy can be waited for")
        {
            break Some(status);
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = second.kill();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let first_still_answers = app.wait_for(&testid("demo-banner")).await;

    let status =
        status.expect("the second copy exits by itself instead of running beside the first");
    assert!(status.success(), "the second copy exits cleanly: {status}");
    first_still_answers.expect("the first copy keeps running and answering");
    app.quit().await.expect("the app quits");
}

/// Guards "closing the window keeps the engine running": with the window closed, a missed call
/// is still texted back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_window_keeps_texting_back() {
    let (session, app) = launch().await;
    let base_url = std::fs::read_to_string(session.data_dir().join("demo-sandbox-url"))
        .expect("the demo writes its sandbox's address");
    let base_url = base_url.trim().trim_end_matches('/').to_owned();

    let closed = ask_windows_to_close(&session.display());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let running_after_close = !session.app_processes().is_empty();
    let call = reqwest::Client::new()
        .post(format!("{base_url}/sandbox/calls"))
        .json(&json!({"from": DEMO_CALLER, "to": DEMO_NUMBER, "outcome": "no-answer"}))
        .send()
        .await
        .and_then(|r| r.error_for_status());
    let texted = eventually("a text-back while the window is closed", || async {
        let url = format!("{base_url}/sandbox/messages");
        let listing: Value = reqwest::get(&url).await?.json().await?;
        let sent = listing["messages"].as_array().is_some_and(|messages| {
            messages
                .iter()
                .any(|m| m["to"] == DEMO_CALLER && m["from"] == DEMO_NUMBER)
        });
        Ok(sent.then_some(()))
    })
    .await;

    assert_ne!(
        closed.expect("the window can be asked to close"),
        0,
        "the app has a window"
    );
    assert!(
        running_after_close,
        "closing the window leaves the app running in the tray"
    );
    call.expect("the demo's sandbox takes a simulated call");
    texted.expect("the engine texts the caller back with its window closed");
    app.quit().await.expect("the app quits");
}

/// Asks every top-level window of the app on `display` to close, as a window manager does when
/// the user clicks its close button: a `WM_DELETE_WINDOW` message, which the app may refuse.
fn ask_windows_to_close(display: &str) -> anyhow::Result<usize> {
    use x11rb::connection::Connection as _;
    use x11rb::protocol::xproto::{AtomEnum, ClientMessageEvent, ConnectionExt as _, EventMask};

    let (conn, screen) = x11rb::connect(Some(display))?;
    let root = conn.setup().roots[screen].root;
    let protocols = conn.intern_atom(false, b"WM_PROTOCOLS")?.reply()?.atom;
    let delete = conn.intern_atom(false, b"WM_DELETE_WINDOW")?.reply()?.atom;

    let mut asked = 0;
    for window in conn.query_tree(root)?.reply()?.children {
        let class = conn
            .get_property(false, window, AtomEnum::WM_CLASS, AtomEnum::STRING, 0, 64)?
            .reply()?
            .value;
        if !String::from_utf8_lossy(&class).contains("textback") {
            continue;
        }
        let event = ClientMessageEvent::new(32, window, protocols, [delete, 0, 0, 0, 0]);
        conn.send_event(false, window, EventMask::NO_EVENT, event)?;
        asked += 1;
    }
    conn.flush()?;
    Ok(asked)
}
