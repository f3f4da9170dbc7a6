//! Serving the sandbox over HTTP: one router for both APIs, and a handle to a running server.
//!
//! Everything is on one address so the demo UI and the engine need to know only one base URL:
//! the engine uses it as Twilio's API base, the UI adds `/sandbox/...`.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::api_error::TwilioError;
use crate::control::ControlError;
use crate::{control, telnyx, twilio_api, Sandbox};

impl Sandbox {
    /// The Twilio API and the control API, on one router.
    pub fn router(&self) -> Router {
        twilio_api::router(self.clone())
            .merge(telnyx::router(self.clone()))
            .merge(control::router(self.clone()))
            .fallback(not_found)
    }

    /// Serves the sandbox on `listener` until the task is dropped or fails.
    pub async fn serve(self, listener: TcpListener) -> io::Result<()> {
        axum::serve(listener, self.router()).await
    }

    /// Binds `addr` (port 0 picks a free port) and serves the sandbox in a background task
    /// until the returned handle is shut down or dropped.
    pub async fn spawn(self, addr: &str) -> io::Result<RunningSandbox> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let router = self.router();
        let task = tokio::spawn(async move {
            let shutdown = async {
                // Either a shutdown request or a dropped handle ends the server.
                stopped.await.ok();
            };
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
        });

        tracing::info!(%addr, account_sid = self.account_sid(), "sandbox listening");
        Ok(RunningSandbox {
            addr,
            sandbox: self,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A sandbox serving in the background. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningSandbox {
    /// The address the server listens on.
    pub addr: SocketAddr,
    sandbox: Sandbox,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl RunningSandbox {
    /// `http://127.0.0.1:PORT`: the base URL for both the Twilio API and the control API.
    pub fn base_url(&self) -> String {
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{addr}")
    }

    /// The sandbox being served.
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// Stops accepting connections, lets requests in flight finish, and waits for the server
    /// to end.
    pub async fn shutdown(mut self) -> io::Result<()> {
        self.signal_stop();
        match self.task.take() {
            Some(task) => task.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }

    fn signal_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            if stop.send(()).is_err() {
                tracing::debug!("sandbox server had already stopped");
            }
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        self.signal_stop();
    }
}

/// Paths no route serves: a Twilio or Telnyx 404 under their prefixes, a control error elsewhere.
async fn not_found(uri: Uri) -> Response {
    let path = uri.path();
    if path.starts_with("/2010-04-01/") {
        TwilioError::not_found(path).into_response()
    } else if path.starts_with("/v2/") {
        telnyx::TelnyxError::not_found(path).into_response()
    } else {
        ControlError::not_found(path).into_response()
    }
}
