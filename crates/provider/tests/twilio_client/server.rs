//! Stand-ins for Twilio on loopback: a server that plays back canned answers and records what
//! it was asked, servers that read requests and never answer, and a port where nothing listens.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Form, Router};
use serde_json::Value;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

/// One canned answer.
#[derive(Debug, Clone)]
pub struct Reply {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: String,
    content_type: &'static str,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: Value) -> Self {
        Self {
            status: StatusCode::from_u16(status).expect("test status should be valid"),
            headers: Vec::new(),
            body: body.to_string(),
            content_type: "application/json",
        }
    }

    /// A plain answer, as a proxy in front of the API might give.
    pub fn html(status: u16, body: &str) -> Self {
        Self {
            content_type: "text/html",
            body: body.to_owned(),
            ..Self::json(status, Value::Null)
        }
    }

    /// The same answer with one more header.
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        let value = HeaderValue::from_str(value).expect("test header should be valid");
        self.headers.push((HeaderName::from_static(name), value));
        self
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static(self.content_type));
        headers.extend(self.headers);
        (self.status, headers, self.body).into_response()
    }
}

/// What the server saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    /// The query string as sent, still percent-encoded.
    pub raw_query: String,
    /// The query string as axum's `Query` decodes it.
    pub query: HashMap<String, String>,
    pub authorization: Option<String>,
    /// The form body of a POST; empty otherwise.
    pub form: HashMap<String, String>,
}

/// A server answering with `replies` in order, one per request, the last one repeated.
pub struct ScriptedServer {
    pub base_url: String,
    script: Arc<Script>,
}

struct Script {
    replies: Vec<Reply>,
    seen: Mutex<Vec<Seen>>,
}

impl ScriptedServer {
    /// Starts serving on a free loopback port.
    pub async fn start(replies: Vec<Reply>) -> Self {
        assert!(
            !replies.is_empty(),
            "a scripted server needs at least one reply"
        );
        let script = Arc::new(Script {
            replies,
            seen: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&script));

        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().expect("local address"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base_url, script }
    }

    /// Every request so far, oldest first.
    pub fn seen(&self) -> Vec<Seen> {
        self.script.seen.lock().expect("seen lock").clone()
    }
}

async fn answer(
    State(script): State<Arc<Script>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Reply {
    let query = Query::<HashMap<String, String>>::try_from_uri(&uri)
        .map(|Query(q)| q)
        .unwrap_or_default();
    let form = match (&method, form) {
        (&Method::POST, Ok(Form(form))) => form,
        _ => HashMap::new(),
    };
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let seen = Seen {
        method,
        path: uri.path().to_owned(),
        raw_query: uri.query().unwrap_or_default().to_owned(),
        query,
        authorization,
        form,
    };

    let mut log = script.seen.lock().expect("seen lock");
    log.push(seen);
    let index = (log.len() - 1).min(script.replies.len() - 1);
    script.replies[index].clone()
}

/// A server that reads every request in full and never answers it.
pub struct UnansweringServer {
    pub base_url: String,
    requests: Arc<AtomicUsize>,
}

impl UnansweringServer {
    /// Closes each connection once the request is read, as a crashing server would.
    pub async fn hanging_up() -> Self {
        Self::start(false).await
    }

    /// Keeps each connection open without a word, so the client times out.
    pub async fn silent() -> Self {
        Self::start(true).await
    }

    async fn start(keep_open: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().expect("local address"));
        let requests = Arc::new(AtomicUsize::new(0));

        let counter = Arc::clone(&requests);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                if read_request(&mut socket).await {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                if keep_open {
                    tokio::spawn(hold_open(socket));
                }
            }
        });
        Self { base_url, requests }
    }

    /// How many complete requests arrived.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Keeps `socket` open, unanswered, until the client gives up and closes it.
async fn hold_open(mut socket: TcpStream) {
    let mut rest = [0_u8; 1024];
    while matches!(socket.read(&mut rest).await, Ok(n) if n > 0) {}
}

/// Reads one HTTP/1.1 request, headers and `Content-Length` body; false if it ended early.
async fn read_request(socket: &mut TcpStream) -> bool {
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 4096];
    loop {
        if let Some(needed) = request_length(&buffer) {
            if buffer.len() >= needed {
                return true;
            }
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

/// The full length of the request in `buffer`, once its headers are complete.
fn request_length(buffer: &[u8]) -> Option<usize> {
    let head_end = buffer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
    let body_length = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    Some(head_end + body_length)
}

/// A loopback URL where nothing listens, so connecting is refused.
pub async fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    drop(listener);
    format!("http://{address}")
}
