//! The desktop app driven through WebDriver, in the words of its interface: open a
//! conversation, read its thread, press a demo button.
//!
//! Every element is found by its `data-testid`, the contract between the interface and these
//! tests, never by its text or layout. Whatever the app does in the background (a text-back
//! after its grace, a reply fetched on the next poll) is waited for by polling the DOM up to
//! [`PATIENCE`], so the tests never assume how long anything takes.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use fantoccini::elements::Element;
use fantoccini::error::{CmdError, ErrorStatus};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::session::{self, Session};

/// The longest the app is given to show anything.
pub const PATIENCE: Duration = Duration::from_secs(30);
/// How often the DOM is read while waiting.
const POLL: Duration = Duration::from_millis(100);

/// The demo's caller and business number.
pub const DEMO_CALLER: &str = "+12125550123";

/// One entry of the open thread, as the DOM shows it.
#[derive(Debug, Clone, Deserialize)]
pub struct ThreadItem {
    /// `call`, `message` or `note`.
    #[serde(rename = "type")]
    pub item_type: Option<String>,
    /// For a message: `text_back`, `follow_up`, `reply`, `staff` or `help`.
    pub kind: Option<String>,
    /// For a message: `scheduled`, `sending`, `sent`, `delivered`, `received`, ...
    pub status: Option<String>,
    /// The text of its `message-body`, if it has one.
    pub body: Option<String>,
}

impl ThreadItem {
    pub fn is_message(&self, kind: &str) -> bool {
        self.item_type.as_deref() == Some("message") && self.kind.as_deref() == Some(kind)
    }

    /// Whether the provider took the message: sent or delivered.
    pub fn is_sent(&self) -> bool {
        matches!(self.status.as_deref(), Some("sent" | "delivered"))
    }
}

/// A running app and the WebDriver session that launched it.
pub struct App {
    client: Client,
}

impl App {
    /// Launches the app in `session` and waits until its interface has rendered.
    pub async fn launch(session: &Session) -> anyhow::Result<Self> {
        let client = connect(session).await?;
        let app = Self { client };

        app.wait_for(&testid("conversation-list"))
            .await
            .context("the inbox appears after launch")?;
        Ok(app)
    }

    /// Ends the WebDriver session, which makes WebKitWebDriver stop the app.
    pub async fn quit(self) -> anyhow::Result<()> {
        self.client
            .close()
            .await
            .context("closing the WebDriver session")
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The element matching the CSS `selector`, once it exists.
    pub async fn wait_for(&self, selector: &str) -> anyhow::Result<Element> {
        self.client
            .wait()
            .at_most(PATIENCE)
            .every(POLL)
            .for_element(Locator::Css(selector))
            .await
            .with_context(|| format!("waiting for {selector}"))
    }

    /// Whether an element matches the CSS `selector` right now.
    pub async fn exists(&self, selector: &str) -> anyhow::Result<bool> {
        let found = self.client.find_all(Locator::Css(selector)).await?;
        Ok(!found.is_empty())
    }

    /// Clicks the element with `data-testid` `id`, once it exists.
    pub async fn click(&self, id: &str) -> anyhow::Result<()> {
        let element = self.wait_for(&testid(id)).await?;
        let Err(error) = element.click().await else {
            return Ok(());
        };
        let mut why = format!("{error:?}");
        if matches!(&error, CmdError::Standard(e) if e.error == ErrorStatus::ElementClickIntercepted)
        {
            if let Ok(Some(on_top)) = self.covering(&element).await {
                why.push_str(&format!(", covered by {on_top}"));
            }
        }
        bail!("clicking {id}: {why}")
    }

    /// What covers the middle of `element`, if anything does: the start of its HTML.
    pub async fn covering(&self, element: &Element) -> anyhow::Result<Option<String>> {
        let script = r#"
            const target = arguments[0];
            const rect = target.getBoundingClientRect();
            const top = document.elementFromPoint(
                rect.left + rect.width / 2, rect.top + rect.height / 2);
            return top === null || target.contains(top) ? null : top.outerHTML.slice(0, 300);
        "#;
        let arg = serde_json::to_value(element)?;
        let top = self.client.execute(script, vec![arg]).await?;
        Ok(top.as_str().map(str::to_owned))
    }

    /// Replaces the value of the input with `data-testid` `id` by typing `text`.
    pub async fn type_into(&self, id: &str, text: &str) -> anyhow::Result<()> {
        let element = self.wait_for(&testid(id)).await?;
        element
            .clear()
            .await
            .with_context(|| format!("clearing {id}"))?;
        element
            .send_keys(text)
            .await
            .with_context(|| format!("typing into {id}"))
    }

    /// The visible text of the element with `data-testid` `id`, once it exists.
    pub async fn text_of(&self, id: &str) -> anyhow::Result<String> {
        let element = self.wait_for(&testid(id)).await?;
        Ok(element.text().await?)
    }

    /// The current value of the input with `data-testid` `id`, once it exists.
    pub async fn value_of(&self, id: &str) -> anyhow::Result<String> {
        let element = self.wait_for(&testid(id)).await?;
        Ok(element.prop("value").await?.unwrap_or_default())
    }

    /// Presses the demo's missed-call button.
    pub async fn demo_call(&self) -> anyhow::Result<()> {
        self.click("demo-call").await
    }

    /// Has the demo customer text `body`.
    pub async fn demo_reply(&self, body: &str) -> anyhow::Result<()> {
        self.click("demo-reply").await?;
        self.type_into("demo-reply-body", body).await?;
        self.click("demo-reply-send").await
    }

    /// The inbox entry of the customer at `number`, once it is listed.
    pub async fn conversation(&self, number: &str) -> anyhow::Result<Element> {
        self.wait_for(&format!(
            "{} [data-testid=conversation-item][data-number=\"{number}\"]",
            testid("conversation-list")
        ))
        .await
    }

    /// Opens the conversation with `number` and waits for its thread.
    pub async fn open_conversation(&self, number: &str) -> anyhow::Result<()> {
        self.conversation(number).await?.click().await?;
        self.wait_for(&testid("thread")).await?;
        Ok(())
    }

    /// The entries of the open thread, read in one go so they are consistent with each other.
    pub async fn thread_items(&self) -> anyhow::Result<Vec<ThreadItem>> {
        let script = r#"
            const items = document.querySelectorAll(
                '[data-testid=thread] [data-testid=thread-item]');
            return Array.from(items, (item) => {
                const body = item.querySelector('[data-testid=message-body]');
                return {
                    type: item.dataset.type ?? null,
                    kind: item.dataset.kind ?? null,
                    status: item.dataset.status ?? null,
                    body: body ? body.textContent : null,
                };
            });
        "#;
        let value = self.client.execute(script, Vec::new()).await?;
        serde_json::from_value(value).context("reading the thread's entries")
    }

    /// Waits until the open thread holds an entry that `wanted` accepts, and returns it.
    pub async fn thread_item(
        &self,
        what: &str,
        wanted: impl Fn(&ThreadItem) -> bool,
    ) -> anyhow::Result<ThreadItem> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let items = self.thread_items().await?;
            if let Some(item) = items.iter().find(|item| wanted(item)) {
                return Ok(item.clone());
            }
            if Instant::now() > deadline {
                bail!(
                    "timed out after {PATIENCE:?} waiting for {what}; the thread held {items:#?}"
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Runs `script` in the page and returns what it returns.
    pub async fn execute(&self, script: &str) -> anyhow::Result<Value> {
        Ok(self.client.execute(script, Vec::new()).await?)
    }
}

/// The CSS selector of the element with `data-testid` `id`.
pub fn testid(id: &str) -> String {
    format!("[data-testid={id}]")
}

/// Polls `probe` every [`POLL`] until it yields a value, for at most [`PATIENCE`]. An error
/// from the probe ends the wait at once.
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = probe().await? {
            return Ok(value);
        }
        if Instant::now() > deadline {
            bail!("timed out after {PATIENCE:?} waiting for {what}");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Opens a WebDriver session whose browser is the app.
async fn connect(session: &Session) -> anyhow::Result<Client> {
    let application = session::app_binary()?;
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("wry"));
    capabilities.insert(
        "tauri:options".into(),
        json!({ "application": application }),
    );
    let mut builder = ClientBuilder::new(HttpConnector::new());
    builder.capabilities(capabilities);
    // WebKitWebDriver waits for the app's automation without limit; an app that dies at start
    // must fail the test rather than hang it.
    let url = session.webdriver_url();
    let connect = builder.connect(&url);
    match tokio::time::timeout(PATIENCE, connect).await {
        Ok(client) => client.map_err(|e| anyhow!("launching the app through WebDriver: {e}")),
        Err(_) => bail!("the app did not start a WebDriver session within {PATIENCE:?}"),
    }
}
