//! A local stand-in for the platforms' APIs (WhatsApp Graph, Telegram, an external bot): records
//! every request and answers from a script, so tests assert exactly what Baton sent.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub json: serde_json::Value,
}

#[derive(Clone, Default)]
struct Inner {
    requests: Arc<Mutex<Vec<Recorded>>>,
    /// Scripted answers, used in order; when empty, `default` answers.
    script: Arc<Mutex<VecDeque<(u16, serde_json::Value, u64)>>>,
    default: Arc<Mutex<(u16, serde_json::Value)>>,
}

pub struct MockApi {
    pub addr: SocketAddr,
    inner: Inner,
}

async fn handle(
    State(s): State<Inner>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    // Numbered under the same lock as the push: concurrent requests get distinct numbers.
    let n = {
        let mut requests = s.requests.lock().unwrap();
        requests.push(Recorded {
            method: method.to_string(),
            path: uri.path().to_string(),
            authorization: headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            json: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        });
        requests.len()
    };
    let next = s.script.lock().unwrap().pop_front();
    let (status, body, delay_ms) = next.unwrap_or_else(|| {
        let d = s.default.lock().unwrap().clone();
        (d.0, d.1, 0)
    });
    // "__N__" in an answer becomes the request's number, so platform ids stay unique.
    let body: serde_json::Value =
        serde_json::from_str(&body.to_string().replace("__N__", &n.to_string())).unwrap();
    if delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    }
    (StatusCode::from_u16(status).unwrap(), axum::Json(body))
}

impl MockApi {
    /// Starts a mock answering `default` to every request.
    pub async fn start(default: serde_json::Value) -> Self {
        let inner = Inner {
            default: Arc::new(Mutex::new((200, default))),
            ..Inner::default()
        };
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, inner }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The next answers, in order (status, body, delay in ms).
    pub fn script(&self, answers: Vec<(u16, serde_json::Value, u64)>) {
        self.inner.script.lock().unwrap().extend(answers);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.requests.lock().unwrap().clone()
    }

    /// Waits up to 10 s until at least `n` requests arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Recorded> {
        for _ in 0..200 {
            let r = self.requests();
            if r.len() >= n {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {n} requests, got {:?}", self.requests());
    }
}

/// Polls `check` every 50 ms for up to 10 s.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for: {what}");
}
