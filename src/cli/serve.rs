//! The long-running commands: `demo`, `sandbox` and `run`.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use textback::clock::{SharedClock, SystemClock};
use textback::config::{Config, ProviderKind};
use textback::crm;
use textback::demo::{Demo, DEMO_CALLER, DEMO_NUMBER};
use textback::engine::{Engine, EngineHandle};
use textback::events::EventKind;
use textback::ingress::{self, RunningIngress, Signing};
use textback::provider::{self, Secret};
use textback::store::Store;
use textback_sandbox::{Sandbox, SandboxOptions, WebhookTarget};

pub async fn demo(listen: &str, db: &Path) -> anyhow::Result<ExitCode> {
    let demo = Demo::start(listen, db).await?;
    let base = demo.sandbox.base_url();
    println!("Textback demo: Harbor Dental (demo), business number {DEMO_NUMBER}");
    println!(
        "Sandbox (Twilio API and control API) at {base}; database {}",
        db.display()
    );
    println!();
    println!("Place a simulated missed call:");
    println!("  textback simulate --sandbox {base} call --from {DEMO_CALLER} --to {DEMO_NUMBER} --outcome no-answer");
    println!("Reply as the customer:");
    println!("  textback simulate --sandbox {base} sms --from {DEMO_CALLER} --to {DEMO_NUMBER} --body \"Can I book Tuesday?\"");
    println!("See the texts:  curl -s {base}/sandbox/messages");
    println!("Stop with Ctrl-C.");
    println!();

    let sandbox = demo.sandbox.sandbox();
    let token = Secret::new(sandbox.auth_token());
    let ingress = start_ingress(demo.handle.engine(), Signing::TwilioAuthToken(token)).await?;
    if let Some(settings) = &demo.handle.engine().config().ingress {
        sandbox.set_webhooks(Some(WebhookTarget::new(&settings.public_url)));
        println!("Webhooks from the sandbox go to {}", settings.public_url);
    }

    let mut events = demo.handle.subscribe();
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) => print_event(&event.kind),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => break,
            },
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    stop_ingress(ingress).await;
    demo.handle.stop().await;
    Ok(ExitCode::SUCCESS)
}

fn print_event(kind: &EventKind) {
    let line = match kind {
        EventKind::CallDetected {
            from,
            outcome,
            missed,
            ..
        } => {
            format!(
                "call from {from}: {outcome}{}",
                if *missed { " (missed)" } else { "" }
            )
        }
        EventKind::CallSkipped { reason, .. } => format!("  not texted: {reason}"),
        EventKind::TextScheduled { kind, due_at, .. } => format!("  {kind} scheduled for {due_at}"),
        EventKind::TextSent { sid, .. } => format!("  text sent ({sid})"),
        EventKind::TextFailed { reason, .. } => format!("  text failed: {reason}"),
        EventKind::ReplyReceived { from, body, .. } => format!("reply from {from}: {body:?}"),
        EventKind::OptedOut { number, .. } => format!("{number} opted out"),
        EventKind::ProviderDown { error, .. } => format!("provider down: {error}"),
        EventKind::ProviderUp => "provider back up".into(),
        _ => return,
    };
    println!("{line}");
}

pub async fn sandbox(
    listen: &str,
    account_sid: Option<String>,
    auth_token: Option<String>,
) -> anyhow::Result<ExitCode> {
    let mut options = SandboxOptions::default();
    if let Some(sid) = account_sid {
        options.account_sid = sid;
    }
    if let Some(token) = auth_token {
        options.auth_token = token;
    }
    let account = options.account_sid.clone();
    let running = Sandbox::new(options)
        .spawn(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    println!(
        "Sandbox serving at {} for account {account}",
        running.base_url()
    );
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    running.shutdown().await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn run(config_path: &Path, db: &Path) -> anyhow::Result<ExitCode> {
    let config = Config::load(config_path)
        .with_context(|| format!("invalid configuration {}", config_path.display()))?;
    let secret = provider::secret_from_env(&config.provider).map_err(anyhow::Error::msg)?;
    let provider = provider::build(&config.provider, &secret).map_err(anyhow::Error::msg)?;
    let webhook_secrets = crm::secrets_from_env(&config.webhooks).map_err(anyhow::Error::msg)?;
    let store = Arc::new(Store::open(db)?);
    let clock: SharedClock = Arc::new(SystemClock);
    tracing::info!(
        business = %config.business.name,
        numbers = config.business.numbers.len(),
        db = %db.display(),
        "engine starting"
    );
    let signing = config
        .ingress
        .as_ref()
        .map(|_| webhook_signing(&config, &secret))
        .transpose()?;
    let engine = Engine::new(store, provider, clock, config);
    engine.connect_webhooks(webhook_secrets)?;
    let handle = EngineHandle::start(engine);
    let ingress = match signing {
        Some(signing) => start_ingress(handle.engine(), signing).await?,
        None => None,
    };
    wait_for_stop().await?;
    tracing::info!("engine stopping");
    stop_ingress(ingress).await;
    handle.stop().await;
    Ok(ExitCode::SUCCESS)
}

/// What the provider signs webhooks with: Telnyx's public key from the configuration, or
/// Twilio's auth token.
fn webhook_signing(config: &Config, provider_secret: &Secret) -> anyhow::Result<Signing> {
    if config.provider.kind != ProviderKind::Telnyx {
        return webhook_token(config, provider_secret).map(Signing::TwilioAuthToken);
    }
    match &config.raw.provider.public_key {
        Some(key) => Ok(Signing::TelnyxPublicKey(key.trim().to_owned())),
        None => anyhow::bail!(
            "Telnyx signs webhooks with the account's Ed25519 key: set provider.public_key to \
             the public key from Telnyx's portal, or remove [ingress]"
        ),
    }
}

/// The auth token Twilio signs webhooks with: the provider's secret, unless that is an API
/// key's secret, in which case the token must be given as well.
fn webhook_token(config: &Config, provider_secret: &Secret) -> anyhow::Result<Secret> {
    if config.provider.api_key_sid.is_none() {
        return Ok(provider_secret.clone());
    }
    match std::env::var(provider::AUTH_TOKEN_ENV) {
        Ok(token) if !token.trim().is_empty() => Ok(Secret::new(token.trim())),
        _ => anyhow::bail!(
            "webhooks are signed with the account's auth token: set {} as well",
            provider::AUTH_TOKEN_ENV
        ),
    }
}

/// Serves the webhook ingress when the configuration has an `[ingress]` section.
async fn start_ingress(
    engine: &Arc<Engine>,
    signing: Signing,
) -> anyhow::Result<Option<RunningIngress>> {
    let Some(settings) = engine.config().ingress.clone() else {
        return Ok(None);
    };
    let running = ingress::spawn(engine.clone(), signing, settings.listen)
        .await
        .with_context(|| format!("cannot listen for webhooks on {}", settings.listen))?;
    tracing::info!(public_url = %settings.public_url, "webhooks accepted");
    Ok(Some(running))
}

async fn stop_ingress(ingress: Option<RunningIngress>) {
    if let Some(ingress) = ingress {
        if let Err(e) = ingress.shutdown().await {
            tracing::warn!(error = %e, "webhook ingress did not stop cleanly");
        }
    }
}

/// Waits for Ctrl-C or SIGTERM.
async fn wait_for_stop() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await?;
    Ok(())
}
