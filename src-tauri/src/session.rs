//! The running engine behind the window, and how it starts.
//!
//! The app works in one of two modes. With no provider configured it runs a demo: the embedded
//! sandbox on a loopback port and the engine texting through it, so a newcomer sees the whole
//! flow with no account. Once the owner connects a provider, the settings (in the database) and
//! the secret (in the keyring) start the engine against the real provider on every launch.
//!
//! The demo keeps its own database (`demo/textback.db`, with its own backups beside it), so its
//! made-up calls and texts never mix with a real business's leads and figures (`textback.db`).
//! The settings live in the database the engine records them in: a demo's edits (the
//! business's name, its templates) survive a restart, and carry over into the real database
//! when the owner connects an account.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use serde::Serialize;
use textback::clock::{SharedClock, SystemClock};
use textback::config::{Config, RawConfig};
use textback::crm::WebhookSecrets;
use textback::demo::{demo_config, DEMO_CALLER, DEMO_NUMBER};
use textback::engine::{Engine, EngineHandle, ProviderHealth};
use textback::provider::{self, Secret};
use textback::store::{self, Store};
use textback_sandbox::{RunningSandbox, Sandbox, SandboxOptions};

use crate::secrets;

/// The business's database inside the data folder, once a provider is connected.
const DATABASE: &str = "textback.db";
/// The demo's folder, holding its database and backups.
const DEMO_DIR: &str = "demo";
/// Written in demo mode with the embedded sandbox's address, for tools and tests to reach it.
const DEMO_URL_FILE: &str = "demo-sandbox-url";

/// Which face the app shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Demo,
    Live,
}

/// The demo's numbers, shown beside its buttons.
#[derive(Debug, Clone, Serialize)]
pub struct DemoInfo {
    pub business_number: String,
    pub caller: String,
}

/// An engine at work, and in demo mode the sandbox it texts through.
pub struct Session {
    pub handle: EngineHandle,
    pub mode: Mode,
    pub sandbox: Option<RunningSandbox>,
    /// Why the provider cannot be used yet (no secret saved), when that is so.
    pub setup_problem: Option<String>,
}

impl Session {
    /// Starts the engine in `data_dir`: on the business's database when a provider has been
    /// connected, else the demo on its own.
    pub async fn start(data_dir: &Path) -> anyhow::Result<Self> {
        let live = data_dir.join(DATABASE);
        if live.exists() {
            let store = open(&live)?;
            if let Some(raw) = stored_settings(&store)? {
                return Self::live(store, raw);
            }
        }
        let demo_dir = data_dir.join(DEMO_DIR);
        create_private_dir(&demo_dir)?;
        let store = open(&demo_dir.join(DATABASE))?;
        let stored = stored_settings(&store)?;
        Self::demo(store, stored, data_dir).await
    }

    async fn demo(
        store: Arc<Store>,
        stored: Option<RawConfig>,
        data_dir: &Path,
    ) -> anyhow::Result<Self> {
        let sandbox = Sandbox::new(SandboxOptions::default());
        let token = Secret::new(sandbox.auth_token());
        let account_sid = sandbox.account_sid().to_owned();
        let running = sandbox
            .spawn("127.0.0.1:0")
            .await
            .context("starting the demo's sandbox")?;
        let base_url = running.base_url();
        let config = match stored {
            Some(mut raw) => {
                raw.provider.base_url = Some(base_url.clone());
                raw.provider.account_sid = account_sid;
                Config::from_raw(raw).context("the stored demo settings")?
            }
            None => demo_config(&base_url, &account_sid),
        };
        std::fs::write(data_dir.join(DEMO_URL_FILE), &base_url)
            .context("writing the demo sandbox's address")?;
        let handle = start_engine(store, &config, &token)?;
        tracing::info!(%base_url, "demo mode");
        Ok(Self {
            handle,
            mode: Mode::Demo,
            sandbox: Some(running),
            setup_problem: None,
        })
    }

    fn live(store: Arc<Store>, raw: RawConfig) -> anyhow::Result<Self> {
        let config = Config::from_raw(raw.clone()).context("the stored settings")?;
        let (secret, setup_problem) = match secrets::load(&raw.provider) {
            Ok(Some(secret)) => (secret, None),
            Ok(None) => (
                String::new(),
                Some("No auth token is saved for this account: enter it in Settings.".into()),
            ),
            Err(e) => (String::new(), Some(e.to_string())),
        };
        let handle = start_engine(store, &config, &Secret::new(secret))?;
        tracing::info!(provider = %raw.provider.kind, "live mode");
        Ok(Self {
            handle,
            mode: Mode::Live,
            sandbox: None,
            setup_problem,
        })
    }

    /// Starts the engine on the business's database in `data_dir` against the provider in
    /// `raw` with `secret`, replacing whatever settings that database held.
    pub fn connect(data_dir: &Path, raw: RawConfig, secret: &str) -> anyhow::Result<Self> {
        let config = Config::from_raw(raw)?;
        let store = open(&data_dir.join(DATABASE))?;
        let _ = std::fs::remove_file(data_dir.join(DEMO_URL_FILE));
        let handle = start_engine(store, &config, &Secret::new(secret))?;
        Ok(Self {
            handle,
            mode: Mode::Live,
            sandbox: None,
            setup_problem: None,
        })
    }

    /// Stops the engine, waiting for its tasks, then the sandbox.
    pub async fn stop(self) {
        self.handle.stop().await;
        if let Some(sandbox) = self.sandbox {
            if let Err(e) = sandbox.shutdown().await {
                tracing::warn!(error = %e, "demo sandbox did not stop cleanly");
            }
        }
    }

    pub fn demo_info(&self) -> Option<DemoInfo> {
        (self.mode == Mode::Demo).then(|| DemoInfo {
            business_number: DEMO_NUMBER.into(),
            caller: DEMO_CALLER.into(),
        })
    }

    /// How the provider stands, as the interface shows it.
    pub fn provider_state(&self) -> ProviderState {
        if let Some(problem) = &self.setup_problem {
            return ProviderState {
                state: "down",
                since: None,
                error: Some(problem.clone()),
            };
        }
        match self.handle.provider_health() {
            ProviderHealth::Up => ProviderState {
                state: "up",
                since: None,
                error: None,
            },
            ProviderHealth::Down { since, error } => ProviderState {
                state: "down",
                since: Some(since.to_rfc3339()),
                error: Some(error),
            },
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ProviderState {
    pub state: &'static str,
    pub since: Option<String>,
    pub error: Option<String>,
}

fn open(path: &Path) -> anyhow::Result<Arc<Store>> {
    let store = Store::open(path).with_context(|| format!("opening {}", path.display()))?;
    Ok(Arc::new(store))
}

fn stored_settings(store: &Store) -> anyhow::Result<Option<RawConfig>> {
    let value = store.read(|c| store::setting(c, "config"))?;
    value
        .map(serde_json::from_value)
        .transpose()
        .context("the settings stored in the database cannot be read")
}

fn start_engine(
    store: Arc<Store>,
    config: &Config,
    secret: &Secret,
) -> anyhow::Result<EngineHandle> {
    let provider = provider::build(&config.provider, secret).map_err(anyhow::Error::msg)?;
    let clock: SharedClock = Arc::new(SystemClock);
    let engine = Engine::new(store, provider, clock, config.clone());
    engine.connect_webhooks(webhook_secrets(config))?;
    Ok(EngineHandle::start(engine))
}

/// The CRM endpoints' signing secrets: from the keyring, else from the environment variable the
/// endpoint names. An endpoint with neither is not posted to until one is saved.
pub fn webhook_secrets(config: &Config) -> WebhookSecrets {
    let mut found = WebhookSecrets::new();
    for hook in &config.webhooks {
        let stored = secrets::load_webhook(&hook.secret_env).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "webhook secret not read from the keyring");
            None
        });
        match stored.or_else(|| std::env::var(&hook.secret_env).ok()) {
            Some(secret) if !secret.trim().is_empty() => {
                found.insert(hook.url.clone(), Secret::new(secret.trim()));
            }
            _ => tracing::warn!(url = %hook.url, "no signing secret for this webhook yet"),
        }
    }
    found
}

/// Where the app keeps its database: `TEXTBACK_DATA_DIR` when set (tests, several profiles),
/// else the platform's application data folder.
pub fn data_dir(app_data_dir: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let dir = match std::env::var_os("TEXTBACK_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => app_data_dir.context("the platform has no application data folder")?,
    };
    create_private_dir(&dir)?;
    Ok(dir)
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting {}", dir.display()))?;
    }
    Ok(())
}
