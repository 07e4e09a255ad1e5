//! Test-only routes that misbehave on purpose, mounted only with `BATON_TEST_FAULTS=1` (never set
//! it in production): the integration tests use them to prove that a panicking or hanging handler
//! is answered 500 / 503, that a body panicking after its head closes the connection, and that a
//! request runs to its end even when its client has gone away.

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query};
use axum::routing::get;
use axum::Router;
use futures::StreamExt as _;
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

/// The `key`s of the `/__test/sleep/{ms}?key=` requests that ran to their end.
static FINISHED: Mutex<Option<HashSet<String>>> = Mutex::new(None);

pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/__test/panic", get(panic))
        .route("/__test/sleep/{ms}", get(sleep))
        .route("/__test/finished/{key}", get(finished))
        .route("/__test/panic-in-body", get(panic_in_body))
}

async fn panic() -> &'static str {
    panic!("a test handler panicked on purpose")
}

#[derive(serde::Deserialize)]
struct Key {
    key: Option<String>,
}

async fn sleep(Path(ms): Path<u64>, Query(q): Query<Key>) -> &'static str {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    if let Some(key) = q.key {
        if let Ok(mut f) = FINISHED.lock() {
            f.get_or_insert_with(HashSet::new).insert(key);
        }
    }
    "slept"
}

async fn finished(Path(key): Path<String>) -> &'static str {
    let done = FINISHED
        .lock()
        .ok()
        .is_some_and(|f| f.as_ref().is_some_and(|f| f.contains(&key)));
    if done {
        "finished"
    } else {
        "not finished"
    }
}

async fn panic_in_body() -> Body {
    let chunks = futures::stream::iter(0..2).then(|i| async move {
        if i == 1 {
            // Long enough for the head and the first chunk to reach the client.
            tokio::time::sleep(Duration::from_millis(100)).await;
            panic!("a test body panicked on purpose after its head was sent");
        }
        Ok::<_, std::io::Error>(Bytes::from_static(b"first chunk\n"))
    });
    Body::from_stream(chunks)
}
