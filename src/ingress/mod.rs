//! The webhook server: the provider pushes calls and texts here instead of waiting to be polled.
//!
//! Which routes are served follows the provider, and so does how requests are checked
//! ([`Signing`]). For Twilio (and the sandbox), four routes, each to be set at Twilio against
//! the configured `ingress.public_url`:
//!
//! - `POST /twilio/voice/status`: the number's call status callback;
//! - `POST /twilio/voice/dial`: the `action` of the `<Dial>` that forwards the call, which
//!   says how the forward ended and is answered with TwiML that ends the call;
//! - `POST /twilio/sms`: the number's messaging webhook, for customers' texts;
//! - `POST /twilio/sms/status`: texts' status callbacks.
//!
//! Every request must carry a valid `X-Twilio-Signature` for `public_url` followed by the path
//! and query it arrived with (a reverse proxy may strip a path prefix that `public_url` has),
//! checked with the account's auth token; `request.rs` gives the order of the checks.
//!
//! For Telnyx, one route, `POST /telnyx/webhook`, to be set as the webhook URL of the messaging
//! profile and of the call control application, checked with the account's Ed25519 public key
//! (`provider.public_key`); `telnyx.rs` gives its checks.
//!
//! The handlers only read what was sent and call the engine, which decides exactly as it does
//! for polled calls and texts, so the two modes can run side by side.

mod form;
mod params;
mod recent;
mod request;
pub mod signature;
mod telnyx;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::ProviderKind;
use crate::engine::{CallWebhook, Engine, Handled};
use crate::provider::Secret;
use recent::RecentIds;
use request::{Refusal, Verified};
use telnyx::TelnyxState;

pub use request::IDEMPOTENCY_HEADER;

/// The paths the routes are served on.
pub mod paths {
    pub const VOICE_STATUS: &str = "/twilio/voice/status";
    pub const VOICE_DIAL: &str = "/twilio/voice/dial";
    pub const SMS: &str = "/twilio/sms";
    pub const SMS_STATUS: &str = "/twilio/sms/status";
    pub const TELNYX: &str = "/telnyx/webhook";
}

/// The largest body accepted. Twilio's webhooks are a few kilobytes, Telnyx's not much more; a
/// text's body is at most 1,600 characters.
pub const MAX_BODY: usize = 64 * 1024;

/// TwiML that does nothing: no reply to a text, nothing more for a status callback.
const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";
/// TwiML that ends the call once its forward has ended.
const HANGUP_TWIML: &str =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Hangup/></Response>";

/// What the ingress checks webhooks' signatures with, which also says which routes it serves.
#[derive(Debug, Clone)]
pub enum Signing {
    /// Twilio's routes, signed with the account's auth token (HMAC-SHA1).
    TwilioAuthToken(Secret),
    /// Telnyx's route, signed with Ed25519; the account's base64 public key.
    TelnyxPublicKey(String),
}

/// Why the ingress cannot serve.
#[derive(Debug, thiserror::Error)]
pub enum IngressError {
    /// The key given is not the one the configured provider signs with.
    #[error("webhooks for provider.kind = \"{kind}\" are signed with {needs}")]
    WrongSigning {
        kind: &'static str,
        needs: &'static str,
    },
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// What every Twilio handler shares.
pub struct IngressState {
    engine: Arc<Engine>,
    /// The account's auth token, which Twilio signs webhooks with.
    auth_token: Secret,
    recent: RecentTokens,
}

/// The webhook routes of the configured provider, answering for `engine` and checking
/// signatures with `signing`: Twilio's routes for `kind = "twilio"` or `"sandbox"`, Telnyx's for
/// `kind = "telnyx"`.
pub fn router(engine: Arc<Engine>, signing: Signing) -> Result<Router, IngressError> {
    let kind = engine.config().provider.kind;
    let routes = match (kind, signing) {
        (ProviderKind::Twilio | ProviderKind::Sandbox, Signing::TwilioAuthToken(auth_token)) => {
            twilio_routes(engine, auth_token)
        }
        (ProviderKind::Telnyx, Signing::TelnyxPublicKey(public_key)) => {
            telnyx_routes(engine, public_key)
        }
        (ProviderKind::Telnyx, Signing::TwilioAuthToken(_)) => {
            return Err(IngressError::WrongSigning {
                kind: "telnyx",
                needs: "the Ed25519 key in provider.public_key",
            })
        }
        (twilio, Signing::TelnyxPublicKey(_)) => {
            return Err(IngressError::WrongSigning {
                kind: if twilio == ProviderKind::Sandbox {
                    "sandbox"
                } else {
                    "twilio"
                },
                needs: "the account's auth token",
            })
        }
    };
    Ok(routes.layer(DefaultBodyLimit::max(MAX_BODY)))
}

fn twilio_routes(engine: Arc<Engine>, auth_token: Secret) -> Router {
    let state = Arc::new(IngressState {
        engine,
        auth_token,
        recent: RecentTokens::default(),
    });
    Router::new()
        .route(paths::VOICE_STATUS, post(voice_status))
        .route(paths::VOICE_DIAL, post(voice_dial))
        .route(paths::SMS, post(sms))
        .route(paths::SMS_STATUS, post(sms_status))
        .with_state(state)
}

fn telnyx_routes(engine: Arc<Engine>, public_key: String) -> Router {
    let state = Arc::new(TelnyxState {
        engine,
        public_key,
        handled: RecentIds::default(),
        answered: RecentIds::default(),
    });
    Router::new()
        .route(paths::TELNYX, post(telnyx::webhook))
        .with_state(state)
}

/// Binds `listen` and serves the webhook routes in a background task until the returned handle
/// is shut down or dropped.
pub async fn spawn(
    engine: Arc<Engine>,
    signing: Signing,
    listen: SocketAddr,
) -> Result<RunningIngress, IngressError> {
    let listener = TcpListener::bind(listen).await?;
    spawn_on(listener, engine, signing)
}

/// Serves the webhook routes on a listener already bound, as [`spawn`] does.
pub fn spawn_on(
    listener: TcpListener,
    engine: Arc<Engine>,
    signing: Signing,
) -> Result<RunningIngress, IngressError> {
    let router = router(engine, signing)?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                stopped.await.ok();
            })
            .await
    });
    tracing::info!(%addr, "webhook ingress listening");
    Ok(RunningIngress {
        addr,
        stop: Some(stop),
        task: Some(task),
    })
}

/// The webhook server running in the background. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningIngress {
    /// The address the server listens on.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl RunningIngress {
    /// `http://ADDR`, where the server can be reached directly.
    pub fn local_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting requests, lets those in flight finish, and waits for the server.
    pub async fn shutdown(mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        match self.task.take() {
            Some(task) => task.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningIngress {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
    }
}

async fn voice_status(
    State(state): State<Arc<IngressState>>,
    request: Verified,
) -> Result<Response, Refusal> {
    let update = params::call_status(&request.params)?;
    if state.recent.seen(&request) {
        return Ok(twiml(EMPTY_TWIML));
    }
    let handled = state
        .engine
        .call_webhook(&CallWebhook::Status(update.clone()))
        .await?;
    tracing::debug!(sid = %update.call_sid, status = update.status.as_str(), ?handled, "call status pushed");
    state.recent.remember(&request, handled);
    Ok(twiml(EMPTY_TWIML))
}

async fn voice_dial(
    State(state): State<Arc<IngressState>>,
    request: Verified,
) -> Result<Response, Refusal> {
    let dial = params::dial_ended(&request.params)?;
    if state.recent.seen(&request) {
        return Ok(twiml(HANGUP_TWIML));
    }
    let handled = state
        .engine
        .call_webhook(&CallWebhook::DialEnded(dial.clone()))
        .await?;
    tracing::debug!(sid = %dial.call_sid, status = dial.dial_status.as_str(), ?handled, "forward ended");
    state.recent.remember(&request, handled);
    Ok(twiml(HANGUP_TWIML))
}

async fn sms(
    State(state): State<Arc<IngressState>>,
    request: Verified,
) -> Result<Response, Refusal> {
    let sms = params::inbound_sms(&request.params)?;
    if state.recent.seen(&request) {
        return Ok(twiml(EMPTY_TWIML));
    }
    let handled = state.engine.inbound_sms_webhook(&sms)?;
    state.recent.remember(&request, handled);
    Ok(twiml(EMPTY_TWIML))
}

async fn sms_status(
    State(state): State<Arc<IngressState>>,
    request: Verified,
) -> Result<Response, Refusal> {
    let update = params::message_status(&request.params)?;
    if state.recent.seen(&request) {
        return Ok(twiml(EMPTY_TWIML));
    }
    let handled = state.engine.message_status_webhook(&update)?;
    state.recent.remember(&request, handled);
    Ok(twiml(EMPTY_TWIML))
}

fn twiml(body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "text/xml")], body).into_response()
}

/// The idempotency tokens of deliveries handled lately. A token is remembered only once its
/// delivery was handled, so a retry after a failure is handled again. This only saves work: the
/// SIDs already make a repeated delivery change nothing.
#[derive(Default)]
struct RecentTokens(RecentIds);

impl RecentTokens {
    fn seen(&self, request: &Verified) -> bool {
        let Some(token) = &request.idempotency_token else {
            return false;
        };
        let seen = self.0.contains(token);
        if seen {
            tracing::debug!("repeated webhook delivery");
        }
        seen
    }

    fn remember(&self, request: &Verified, handled: Handled) {
        let Some(token) = &request.idempotency_token else {
            return;
        };
        // A call left undecided may be decided by the same callback later (its legs ending).
        if handled == Handled::Undecided {
            return;
        }
        self.0.insert(token);
    }
}
