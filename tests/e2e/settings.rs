//! Connecting a real provider: the settings outlive the app, the auth token goes to the system
//! keyring and nowhere else, and the next launch is live rather than the demo.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use textback_sandbox::{Sandbox, SandboxOptions};

use crate::app::{eventually, testid, App};
use crate::launch;
use crate::session::Session;

/// Guards the owner's setup against a restart: the business name and the provider persist, the
/// app comes back live, and the auth token sits in the keyring, never in the database files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_and_the_secret_survive_a_restart() {
    let account_sid = format!("AC{:032x}", rand::random::<u128>());
    let token = format!("{:032x}", rand::random::<u128>());
    let provider = Sandbox::new(SandboxOptions {
        account_sid: account_sid.clone(),
        auth_token: token.clone(),
        ..SandboxOptions::default()
    })
    .spawn("127.0.0.1:0")
    .await
    .expect("a Twilio-compatible sandbox serves on loopback");
    let name = "Seaside Physio";
    let (session, app) = launch().await;

    app.click("nav-settings").await.expect("the settings open");
    app.type_into("settings-business-name", name)
        .await
        .expect("the name can be edited");
    app.click("settings-save-business")
        .await
        .expect("the name can be saved");
    let name_saved = app.wait_for(&testid("toast")).await;
    app.wait_for(&testid("provider-kind"))
        .await
        .expect("the provider form is shown")
        .select_by_value("twilio")
        .await
        .expect("Twilio can be chosen");
    app.type_into("provider-account-sid", &account_sid)
        .await
        .expect("the SID can be typed");
    app.type_into("provider-secret", &token)
        .await
        .expect("the token can be typed");
    app.type_into("provider-base-url", &provider.base_url())
        .await
        .expect("the URL can be typed");
    app.click("provider-test")
        .await
        .expect("the connection can be tested");
    let tested = non_empty_text(&app, "provider-test-result").await;
    app.click("provider-save")
        .await
        .expect("the provider can be saved");
    let secret_status = eventually("the secret's status to say it is saved", || async {
        if app.exists(&testid("error")).await? {
            anyhow::bail!("saving failed: {}", app.text_of("error").await?);
        }
        let text = app.text_of("secret-status").await?;
        Ok((text.contains("saved") && !text.starts_with("No ")).then_some(text))
    })
    .await;
    app.quit().await.expect("the app quits");
    let quit = wait_for_exit(&session).await;
    let leaks_after_first_run = files_holding(&session.data_dir(), &needles(&account_sid, &token));

    let app = App::launch(&session)
        .await
        .expect("the app launches again on the same data");
    app.click("nav-settings").await.expect("the settings open");
    let name_after = eventually("the saved business name", || async {
        let value = app.value_of("settings-business-name").await?;
        Ok((value == name).then_some(value))
    })
    .await;
    let demo_banner = app.exists(&testid("demo-banner")).await;
    let keyring = keyring_lookup(&session, &account_sid);
    let leaks_while_running = files_holding(&session.data_dir(), &needles(&account_sid, &token));
    app.quit().await.expect("the app quits");

    name_saved.expect("saving the name is confirmed with a toast");
    let tested = tested.expect("testing the connection shows a result");
    assert!(
        tested.starts_with("Connected"),
        "the sandbox accepted the credentials and the result says so: {tested:?}"
    );
    secret_status.expect("saving the provider says the secret is saved");
    quit.expect("ending the WebDriver session stops the app, so it can start again");
    name_after.expect("the business name survives the restart");
    assert!(
        !demo_banner.expect("the page can be searched"),
        "with a provider connected the app starts live, not in the demo"
    );
    assert_eq!(
        keyring.expect("secret-tool runs"),
        token,
        "the token is stored in the system keyring under twilio:<account SID>"
    );
    for (leaks, when) in [
        (leaks_after_first_run, "after the first run"),
        (leaks_while_running, "while running"),
    ] {
        assert_eq!(
            leaks,
            Vec::<PathBuf>::new(),
            "no file in the data directory holds the token, plain or Base64 ({when})"
        );
    }
}

/// The token as written, and in the Base64 form HTTP Basic auth sends it.
fn needles(account_sid: &str, token: &str) -> Vec<Vec<u8>> {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{account_sid}:{token}"));
    vec![token.as_bytes().to_vec(), basic.into_bytes()]
}

/// The files anywhere under the data directory (the business's and the demo's databases with
/// their `-wal` and `-shm`, backups, the web view's storage) whose raw bytes contain any of
/// `needles`.
fn files_holding(data_dir: &Path, needles: &[Vec<u8>]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![data_dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap_or_default();
            let holds = needles
                .iter()
                .any(|needle| bytes.windows(needle.len()).any(|w| w == needle.as_slice()));
            if holds {
                found.push(path);
            }
        }
    }
    found
}

/// What the keyring holds for the account, read by another process, as the next launch reads
/// it.
fn keyring_lookup(session: &Session, account_sid: &str) -> anyhow::Result<String> {
    let output = session
        .command("secret-tool")
        .args([
            "lookup",
            "service",
            "textback",
            "username",
            &format!("twilio:{account_sid}"),
        ])
        .output()?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The text of `id` once it is not blank.
async fn non_empty_text(app: &App, id: &str) -> anyhow::Result<String> {
    eventually(&format!("{id} to show a result"), || async {
        let text = app.text_of(id).await?;
        Ok((!text.trim().is_empty()).then_some(text))
    })
    .await
}

/// Waits until the app and its WebKit processes are gone.
async fn wait_for_exit(session: &Session) -> anyhow::Result<()> {
    eventually("the app to exit", || async {
        Ok(session.app_processes().is_empty().then_some(()))
    })
    .await
}
