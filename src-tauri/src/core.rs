//! What every command shares: the data folder and the session, which is replaced when the
//! owner connects a provider.

use std::path::PathBuf;
use std::sync::Arc;

use tauri::async_runtime::JoinHandle;
use tauri::AppHandle;
use textback::config::RawConfig;
use textback::engine::EngineHandle;
use tokio::sync::{Mutex, RwLock, RwLockReadGuard};

use crate::commands::AppState;
use crate::error::{UiError, UiResult};
use crate::session::Session;
use crate::ui_event::{self, emit, UiEvent};

#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
}

struct Inner {
    data_dir: PathBuf,
    pub(crate) session: RwLock<Option<Session>>,
    forwarder: Mutex<Option<JoinHandle<()>>>,
}

/// A read lock on a running session.
pub struct Running<'a>(RwLockReadGuard<'a, Option<Session>>);

impl std::ops::Deref for Running<'_> {
    type Target = Session;
    fn deref(&self) -> &Session {
        self.0.as_ref().expect("checked when locked")
    }
}

impl Running<'_> {
    pub fn handle(&self) -> &EngineHandle {
        &self.handle
    }
}

impl Core {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            inner: Arc::new(Inner {
                data_dir,
                session: RwLock::new(None),
                forwarder: Mutex::new(None),
            }),
        }
    }

    pub fn data_dir(&self) -> &std::path::Path {
        &self.inner.data_dir
    }

    pub(crate) fn sessions(&self) -> &RwLock<Option<Session>> {
        &self.inner.session
    }

    /// The running session; an error while the engine restarts.
    pub async fn running(&self) -> UiResult<Running<'_>> {
        let guard = self.inner.session.read().await;
        if guard.is_none() {
            return Err(UiError::new(
                "restarting",
                "Textback is restarting its engine; try again in a moment.",
            ));
        }
        Ok(Running(guard))
    }

    /// Starts the session the stored settings describe.
    pub async fn start(&self, app: &AppHandle) -> anyhow::Result<()> {
        let session = Session::start(&self.inner.data_dir).await?;
        self.install(app, session).await;
        Ok(())
    }

    /// Stops the running session and starts the engine against the provider in `raw`.
    ///
    /// The old engine is stopped before the new one starts, so two senders never work the same
    /// outbox.
    pub async fn reconnect(&self, app: &AppHandle, raw: RawConfig, secret: &str) -> UiResult<()> {
        let old = self.inner.session.write().await.take();
        if let Some(old) = old {
            old.stop().await;
        }
        match Session::connect(&self.inner.data_dir, raw, secret) {
            Ok(session) => {
                self.install(app, session).await;
                Ok(())
            }
            Err(e) => {
                tracing::error!(error = %e, "engine not started with the new provider");
                match Session::start(&self.inner.data_dir).await {
                    Ok(session) => self.install(app, session).await,
                    Err(e) => {
                        tracing::error!(error = %e, "engine not restarted on the stored settings")
                    }
                }
                Err(UiError::new("provider", format!("{e:#}")))
            }
        }
    }

    async fn install(&self, app: &AppHandle, session: Session) {
        let events = session.handle.subscribe();
        *self.inner.session.write().await = Some(session);
        let forwarder = ui_event::forward(app.clone(), self, events);
        if let Some(previous) = self.inner.forwarder.lock().await.replace(forwarder) {
            previous.abort();
        }
        if let Ok(state) = self.app_state().await {
            emit(app, UiEvent::AppState { state });
        }
        ui_event::refresh_unread(app, self).await;
    }

    /// Stops the engine; used when the app quits.
    pub async fn shutdown(&self) {
        if let Some(session) = self.inner.session.write().await.take() {
            session.stop().await;
        }
    }

    pub async fn app_state(&self) -> UiResult<AppState> {
        let session = self.running().await?;
        AppState::of(&session, &self.inner.data_dir)
    }

    pub async fn unread_total(&self) -> UiResult<u64> {
        Ok(self.running().await?.handle().unread_total()?)
    }

    /// The customer's name when known, else the number they texted from.
    pub async fn customer_label(&self, conversation_id: i64, from: &str) -> String {
        let Ok(session) = self.running().await else {
            return from.to_owned();
        };
        session
            .handle()
            .engine()
            .store()
            .read(|c| textback::store::conversation(c, conversation_id))
            .ok()
            .and_then(|c| c.customer_name)
            .unwrap_or_else(|| from.to_owned())
    }
}
