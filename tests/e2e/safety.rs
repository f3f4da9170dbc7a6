//! Customers' words are data, never markup: a text that looks like HTML is shown as the
//! characters it is and runs nothing.

use fantoccini::Locator;

use crate::app::{testid, DEMO_CALLER};
use crate::launch;

/// Guards against script injection through an inbound text: the thread shows the literal
/// characters, no element is made from them, no script of theirs runs and no alert opens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_text_is_shown_as_text() {
    let (_session, app) = launch().await;
    let image = "<img src=x onerror=alert(1)>";
    let script = "<script>window.__pwned=1</script>";
    for body in [image, script] {
        app.demo_reply(body)
            .await
            .expect("the demo's reply form works");
    }

    app.open_conversation(DEMO_CALLER)
        .await
        .expect("the customer's texts open a conversation");
    let mut shown = Vec::new();
    for body in [image, script] {
        shown.push(
            app.thread_item(body, |item| {
                item.is_message("reply") && item.body.as_deref().map(str::trim) == Some(body)
            })
            .await,
        );
    }
    let thread = app
        .wait_for(&testid("thread"))
        .await
        .expect("the thread is open");
    let images = thread.find_all(Locator::Css("img")).await;
    let injected = app
        .client()
        .find_all(Locator::Css("img[onerror], script:not([src])"))
        .await;
    let untouched = app.execute("return window.__pwned === undefined").await;
    let alert = app.client().get_alert_text().await;

    for item in shown {
        item.expect("each hostile text appears in the thread as its literal characters");
    }
    assert_eq!(
        images.expect("the thread can be searched").len(),
        0,
        "no image element is made from a customer's text"
    );
    assert_eq!(
        injected.expect("the page can be searched").len(),
        0,
        "nowhere in the app (the inbox's previews included) does a text become markup"
    );
    assert_eq!(
        untouched.expect("a script can be run in the page"),
        true,
        "the script in the customer's text did not run"
    );
    assert!(
        alert.as_ref().is_err_and(|e| e.is_no_such_alert()),
        "no alert opened (the image's onerror did not run): {alert:?}"
    );
    app.quit().await.expect("the app quits");
}
