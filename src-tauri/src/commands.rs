//! The commands the interface invokes. Each is a thin call into the engine's handle (or the
//! demo's sandbox, or the keyring) that maps the engine's error to a [`UiError`].

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_plugin_autostart::ManagerExt as _;
use tauri_plugin_opener::OpenerExt as _;
use textback::config::{RawConfig, RawProvider};
use textback::crm::{DeliveryAttempt, WebhookEndpoint};
use textback::metrics::Report;
use textback::store::{
    Call, ConversationStatus, InboxFilter, InboxPage, Message, SearchHit, Thread,
};
use textback_text::sms::{self, SmsInfo};
use textback_text::template::{Template, Values};

use crate::core::{Core, Running};
use crate::error::{UiError, UiResult};
use crate::prefs::Prefs;
use crate::session::{DemoInfo, Mode, ProviderState};
use crate::{provider_check, secrets};

/// What the interface shows around every screen.
#[derive(Debug, Clone, Serialize)]
pub struct AppState {
    pub mode: Mode,
    pub business_name: String,
    pub demo: Option<DemoInfo>,
    pub provider: ProviderState,
    pub unread_total: u64,
    pub staff: Vec<String>,
    pub version: &'static str,
    pub data_dir: String,
}

impl AppState {
    pub fn of(session: &Running<'_>, data_dir: &Path) -> UiResult<Self> {
        let settings = session.handle().settings();
        Ok(Self {
            mode: session.mode,
            business_name: settings.business.name.clone(),
            demo: session.demo_info(),
            provider: session.provider_state(),
            unread_total: session.handle().unread_total()?,
            staff: settings.staff.iter().map(|s| s.name.clone()).collect(),
            version: env!("CARGO_PKG_VERSION"),
            data_dir: data_dir.display().to_string(),
        })
    }
}

#[tauri::command(rename_all = "snake_case")]
pub async fn app_state(core: State<'_, Core>) -> UiResult<AppState> {
    core.app_state().await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn inbox(core: State<'_, Core>, filter: InboxFilter) -> UiResult<InboxPage> {
    Ok(core.running().await?.handle().inbox(&filter)?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn thread(
    core: State<'_, Core>,
    conversation_id: i64,
    mark_read: bool,
) -> UiResult<Thread> {
    Ok(core
        .running()
        .await?
        .handle()
        .thread(conversation_id, mark_read)?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn send_reply(
    core: State<'_, Core>,
    conversation_id: i64,
    body: String,
) -> UiResult<Message> {
    let session = core.running().await?;
    let me = Prefs::load(session.handle())?.me;
    Ok(session
        .handle()
        .send_reply(conversation_id, &body, me.as_deref())?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn set_status(
    core: State<'_, Core>,
    conversation_id: i64,
    status: ConversationStatus,
) -> UiResult<()> {
    Ok(core
        .running()
        .await?
        .handle()
        .set_status(conversation_id, status)?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn assign(
    core: State<'_, Core>,
    conversation_id: i64,
    to: Option<String>,
) -> UiResult<()> {
    Ok(core
        .running()
        .await?
        .handle()
        .assign(conversation_id, to.as_deref())?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn add_note(core: State<'_, Core>, conversation_id: i64, body: String) -> UiResult<i64> {
    let session = core.running().await?;
    let me = Prefs::load(session.handle())?.me;
    Ok(session
        .handle()
        .add_note(conversation_id, &body, me.as_deref())?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn set_blocked(core: State<'_, Core>, number: String, blocked: bool) -> UiResult<()> {
    let session = core.running().await?;
    if blocked {
        Ok(session.handle().block(&number, Some("blocked by staff"))?)
    } else {
        Ok(session.handle().unblock(&number)?)
    }
}

#[tauri::command(rename_all = "snake_case")]
pub async fn set_opted_out(core: State<'_, Core>, number: String, opted_out: bool) -> UiResult<()> {
    Ok(core
        .running()
        .await?
        .handle()
        .set_opted_out(&number, opted_out)?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn search(
    core: State<'_, Core>,
    query: String,
    limit: Option<u32>,
) -> UiResult<Vec<SearchHit>> {
    Ok(core
        .running()
        .await?
        .handle()
        .search(&query, limit.unwrap_or(50))?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn calls(
    core: State<'_, Core>,
    before: Option<i64>,
    limit: Option<u32>,
) -> UiResult<Vec<Call>> {
    Ok(core
        .running()
        .await?
        .handle()
        .calls(before, limit.unwrap_or(100))?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn text_back_call(core: State<'_, Core>, call_id: i64) -> UiResult<Message> {
    Ok(core.running().await?.handle().text_back_call(call_id)?)
}

#[tauri::command(rename_all = "snake_case")]
pub fn sms_info(text: String) -> SmsInfo {
    sms::analyze(&text)
}

/// A template rendered with the business's values, or where it is wrong.
#[derive(Debug, Serialize)]
pub struct TemplatePreview {
    rendered: Option<String>,
    sms: Option<SmsInfo>,
    error: Option<TemplateProblem>,
}

#[derive(Debug, Serialize)]
pub struct TemplateProblem {
    message: String,
    position: Option<usize>,
}

#[tauri::command(rename_all = "snake_case")]
pub async fn preview_template(core: State<'_, Core>, text: String) -> UiResult<TemplatePreview> {
    let settings = core.running().await?.handle().settings();
    Ok(match Template::parse(&text) {
        Ok(template) => {
            let values = Values {
                business: settings.business.name,
                booking_link: settings.business.booking_link,
                first_name: None,
            };
            let rendered = template.render(&values);
            TemplatePreview {
                sms: Some(sms::analyze(&rendered)),
                rendered: Some(rendered),
                error: None,
            }
        }
        Err(e) => TemplatePreview {
            rendered: None,
            sms: None,
            error: Some(TemplateProblem {
                position: Some(e.position()),
                message: e.to_string(),
            }),
        },
    })
}

#[tauri::command(rename_all = "snake_case")]
pub async fn settings(core: State<'_, Core>) -> UiResult<RawConfig> {
    Ok(core.running().await?.handle().settings())
}

/// Saves the business's settings. The provider section is kept as it runs: it changes only
/// through [`save_provider`], which also handles the secret and restarts the engine.
#[tauri::command(rename_all = "snake_case")]
pub async fn save_settings(core: State<'_, Core>, settings: RawConfig) -> UiResult<()> {
    let session = core.running().await?;
    let mut settings = settings;
    settings.provider = session.handle().settings().provider;
    session.handle().update_settings(settings)?;
    reconnect_webhooks(&session)
}

/// Stores a CRM webhook's signing secret in the keyring under `name` (the endpoint's
/// `secret_env`) and starts signing with it at once.
#[tauri::command(rename_all = "snake_case")]
pub async fn save_webhook_secret(
    core: State<'_, Core>,
    name: String,
    secret: String,
) -> UiResult<()> {
    if name.trim().is_empty() {
        return Err(UiError::invalid("name", "Give the secret a name."));
    }
    if secret.trim().len() < 16 {
        return Err(UiError::invalid(
            "secret",
            "Use a signing secret of at least 16 characters.",
        ));
    }
    secrets::store_webhook(name.trim(), secret.trim())?;
    reconnect_webhooks(&core.running().await?)
}

fn reconnect_webhooks(session: &Running<'_>) -> UiResult<()> {
    let engine = session.handle().engine();
    Ok(engine.connect_webhooks(crate::session::webhook_secrets(&engine.config()))?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn save_provider(
    app: AppHandle,
    core: State<'_, Core>,
    provider: RawProvider,
    secret: Option<String>,
) -> UiResult<AppState> {
    let provider = provider_check::normalize(provider)?;
    let mut settings = core.running().await?.handle().settings();
    settings.provider = provider.clone();
    textback::config::Config::from_raw(settings.clone())
        .map_err(|e| UiError::from(textback::engine::EngineError::from(e)))?;
    let secret = match secret.filter(|s| !s.trim().is_empty()) {
        Some(secret) => {
            secrets::store(&provider, secret.trim())?;
            secret.trim().to_owned()
        }
        None => secrets::load(&provider)?.ok_or_else(|| {
            UiError::invalid(
                "secret",
                "Enter the auth token (or API key secret) for this account.",
            )
        })?,
    };
    core.reconnect(&app, settings, &secret).await?;
    core.app_state().await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn test_connection(
    core: State<'_, Core>,
    provider: RawProvider,
    secret: Option<String>,
) -> UiResult<provider_check::Outcome> {
    let provider = provider_check::normalize(provider)?;
    let settings = core.running().await?.handle().settings();
    let secret = match secret.filter(|s| !s.trim().is_empty()) {
        Some(secret) => secret.trim().to_owned(),
        None => secrets::load(&provider)?.ok_or_else(|| {
            UiError::invalid(
                "secret",
                "Enter the auth token (or API key secret) to test with.",
            )
        })?,
    };
    provider_check::test(settings, provider, &secret).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn secret_stored(core: State<'_, Core>) -> UiResult<bool> {
    let provider = core.running().await?.handle().settings().provider;
    if provider.kind == "sandbox" {
        return Ok(false);
    }
    Ok(secrets::load(&provider)?.is_some())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn demo_call(
    core: State<'_, Core>,
    from: Option<String>,
    outcome: Option<String>,
) -> UiResult<()> {
    let session = core.running().await?;
    let (sandbox, demo) = demo_parts(&session)?;
    let outcome = outcome.unwrap_or_else(|| "no-answer".into());
    let outcome: textback_sandbox::CallOutcome =
        serde_json::from_value(serde_json::Value::String(outcome.clone())).map_err(|_| {
            UiError::invalid("outcome", format!("unknown call outcome {outcome:?}"))
        })?;
    let from = from.unwrap_or(demo.caller);
    sandbox
        .place_call(&from, &demo.business_number, outcome)
        .map_err(|e| UiError::invalid("from", e.to_string()))?;
    Ok(())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn demo_reply(core: State<'_, Core>, from: Option<String>, body: String) -> UiResult<()> {
    let session = core.running().await?;
    let (sandbox, demo) = demo_parts(&session)?;
    let from = from.unwrap_or(demo.caller);
    sandbox
        .receive_sms(&from, &demo.business_number, &body)
        .map_err(|e| UiError::invalid("from", e.to_string()))?;
    Ok(())
}

fn demo_parts<'a>(session: &'a Running<'_>) -> UiResult<(&'a textback_sandbox::Sandbox, DemoInfo)> {
    match (&session.sandbox, session.demo_info()) {
        (Some(sandbox), Some(demo)) => Ok((sandbox.sandbox(), demo)),
        _ => Err(UiError::new(
            "not_demo",
            "Simulated calls and texts exist only in demo mode.",
        )),
    }
}

#[tauri::command(rename_all = "snake_case")]
pub async fn metrics(
    core: State<'_, Core>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> UiResult<Report> {
    let session = core.running().await?;
    match (from, to) {
        (None, None) => Ok(session.handle().weekly_metrics()?),
        (Some(from), Some(to)) => Ok(session.handle().metrics_between(from, to)?),
        _ => Err(UiError::invalid(
            "from",
            "Give both the first and the last day, or neither.",
        )),
    }
}

#[tauri::command(rename_all = "snake_case")]
pub async fn webhook_endpoints(core: State<'_, Core>) -> UiResult<Vec<WebhookEndpoint>> {
    Ok(core.running().await?.handle().webhook_endpoints()?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn send_test_event(core: State<'_, Core>, url: String) -> UiResult<DeliveryAttempt> {
    Ok(core.running().await?.handle().send_test_event(&url).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn recent_deliveries(
    core: State<'_, Core>,
    limit: Option<u32>,
) -> UiResult<Vec<DeliveryAttempt>> {
    Ok(core
        .running()
        .await?
        .handle()
        .recent_deliveries(limit.unwrap_or(50))?)
}

/// What to export as CSV.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    Conversations,
    Events,
}

/// Writes a CSV export into the user's Downloads folder (the data folder when there is none)
/// and returns its path.
#[tauri::command(rename_all = "snake_case")]
pub async fn export_csv(
    app: AppHandle,
    core: State<'_, Core>,
    kind: ExportKind,
) -> UiResult<String> {
    use tauri::Manager as _;
    let folder = app
        .path()
        .download_dir()
        .ok()
        .filter(|d| d.is_dir())
        .unwrap_or_else(|| core.data_dir().to_owned());
    let name = match kind {
        ExportKind::Conversations => "conversations",
        ExportKind::Events => "events",
    };
    let today = chrono::Local::now().format("%Y-%m-%d");
    let path = folder.join(format!("textback-{name}-{today}.csv"));
    let file = std::fs::File::create(&path).map_err(|e| {
        UiError::new(
            "export",
            format!("{} cannot be written: {e}", path.display()),
        )
    })?;
    let session = core.running().await?;
    let events = matches!(kind, ExportKind::Events);
    session
        .handle()
        .export_csv(events, std::io::BufWriter::new(file))?;
    Ok(path.display().to_string())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn preferences(core: State<'_, Core>) -> UiResult<Prefs> {
    Ok(Prefs::load(core.running().await?.handle())?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn save_preferences(app: AppHandle, core: State<'_, Core>, prefs: Prefs) -> UiResult<()> {
    let session = core.running().await?;
    let staff = session.handle().settings().staff;
    if let Some(me) = &prefs.me {
        if !staff.iter().any(|s| &s.name == me) {
            return Err(UiError::invalid(
                "me",
                format!("no staff member named {me:?}"),
            ));
        }
    }
    let autostart = app.autolaunch();
    if autostart.is_enabled().unwrap_or(false) != prefs.start_at_login {
        let result = if prefs.start_at_login {
            autostart.enable()
        } else {
            autostart.disable()
        };
        result.map_err(|e| {
            UiError::new(
                "autostart",
                format!("Start at login could not be changed: {e}"),
            )
        })?;
    }
    Ok(prefs.save(session.handle())?)
}

/// Hands the number to the system's telephone handler (a softphone, or a linked mobile).
#[tauri::command(rename_all = "snake_case")]
pub fn dial(app: AppHandle, number: String) -> UiResult<()> {
    if !number.chars().all(|c| c == '+' || c.is_ascii_digit()) || number.len() < 3 {
        return Err(UiError::invalid(
            "number",
            format!("{number:?} is not a phone number"),
        ));
    }
    app.opener()
        .open_url(format!("tel:{number}"), None::<&str>)
        .map_err(|e| {
            UiError::new(
                "dial",
                format!("No program on this computer handles phone calls: {e}"),
            )
        })
}
