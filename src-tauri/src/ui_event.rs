//! The one event the interface listens to, emitted from one place, and the task that turns the
//! engine's events into it, into desktop notifications and into the tray's unread count.

use serde::Serialize;
use tauri::async_runtime::JoinHandle;
use tauri::{AppHandle, Emitter};
use textback::events::{Event, EventKind};
use tokio::sync::broadcast::error::RecvError;

use crate::commands::AppState;
use crate::{desktop, prefs::Prefs, Core};

/// The Tauri event name the interface subscribes to.
pub const EVENT: &str = "textback";

/// Everything the backend tells the interface without being asked.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UiEvent {
    /// Something happened in the engine (a call, a text, a reply, a status).
    Engine { event: Event },
    /// Unread messages across the inbox changed.
    Unread { total: u64 },
    /// Show this conversation: its notification was clicked.
    OpenConversation { conversation_id: i64 },
    /// The mode, the provider's health or the business changed.
    AppState { state: AppState },
    /// Events were missed (the interface fell behind); everything on screen should be read
    /// again.
    Resync,
}

/// Sends `event` to every window.
pub fn emit(app: &AppHandle, event: UiEvent) {
    if let Err(e) = app.emit(EVENT, &event) {
        tracing::warn!(error = %e, "event not delivered to the interface");
    }
}

/// Forwards the engine's events until its session ends.
pub fn forward(
    app: AppHandle,
    core: &Core,
    mut events: tokio::sync::broadcast::Receiver<Event>,
) -> JoinHandle<()> {
    let core = core.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    react(&app, &core, &event).await;
                    emit(&app, UiEvent::Engine { event });
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "interface fell behind the engine's events");
                    emit(&app, UiEvent::Resync);
                    refresh_unread(&app, &core).await;
                }
                Err(RecvError::Closed) => break,
            }
        }
    })
}

/// What the desktop does beside the window: notifications, the tray, the banner.
async fn react(app: &AppHandle, core: &Core, event: &Event) {
    let prefs = core.prefs().await;
    match &event.kind {
        EventKind::ReplyReceived { from, body, .. } => {
            if let Some(conversation_id) = event.conversation_id {
                let who = core.customer_label(conversation_id, from).await;
                desktop::notify_reply(app, conversation_id, &who, body);
            }
            refresh_unread(app, core).await;
        }
        EventKind::CallDetected {
            from, missed: true, ..
        } if prefs.notify_missed_calls => {
            desktop::notify_missed_call(app, event.conversation_id, from);
        }
        EventKind::ConversationRead => refresh_unread(app, core).await,
        EventKind::ProviderDown { .. } | EventKind::ProviderUp | EventKind::SettingsChanged => {
            if let Ok(state) = core.app_state().await {
                emit(app, UiEvent::AppState { state });
            }
        }
        _ => {}
    }
}

pub async fn refresh_unread(app: &AppHandle, core: &Core) {
    match core.unread_total().await {
        Ok(total) => {
            desktop::set_unread(app, total);
            emit(app, UiEvent::Unread { total });
        }
        Err(e) => tracing::warn!(error = %e.message, "unread count not read"),
    }
}

impl Core {
    async fn prefs(&self) -> Prefs {
        let guard = self.sessions().read().await;
        guard
            .as_ref()
            .and_then(|s| Prefs::load(&s.handle).ok())
            .unwrap_or_default()
    }
}
