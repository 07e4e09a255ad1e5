//! No request may panic the connection away or hang: every request runs in its own task, to
//! completion, under a deadline (`BATON_REQUEST_DEADLINE_SECS`), and a panic becomes a logged 500.
//!
//! Why a task of its own: a Leptos server render (every page is `SsrMode::Async`, so the whole
//! render happens before the response head) leaves detached tasks behind it: each `<Suspense>`
//! checks its children from an effect that runs on its own Tokio task, and each resource loads on
//! another. When the client went away, hyper dropped the handler future in the middle of the
//! render, which tore the request's reactive owner down (every signal, memo and context of the
//! page is removed from its arena) while those tasks were still running; the next resource that
//! finished woke the `<Suspense>` effect, which re-ran its children (the signed-in chrome reading
//! the router location and the live status) and panicked with "Tried to access a reactive value
//! that has already been disposed". A page render therefore always runs to its end here, even when
//! nobody waits for it any more, so its reactive graph is only torn down once every `<Suspense>`
//! has settled. The deadline bounds that: a render that never settles is cut off (503) instead of
//! holding its connection forever.
//!
//! After the head was sent a panic can no longer become a 500: the body then ends with an error,
//! which closes the connection (the client sees a truncated response, never a hung one). A body
//! that produces nothing for the deadline is ended the same way.

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::future::Future as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Middleware for every route. `deadline` bounds producing the response head and each wait for
/// the next piece of the body.
pub async fn contain(State(deadline): State<Duration>, req: Request, next: Next) -> Response {
    // Method and path only: the query string and the headers may carry secrets.
    let what = format!("{} {}", req.method(), req.uri().path());
    let task = tokio::spawn(tokio::time::timeout(deadline, next.run(req)));
    let res = match task.await {
        Ok(Ok(res)) => res,
        Ok(Err(_elapsed)) => {
            tracing::error!(request = %what, deadline_secs = deadline.as_secs_f64(), "request exceeded its deadline");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "Baton took too long to answer. Try again.",
            )
                .into_response();
        }
        Err(e) => {
            let panic = e
                .try_into_panic()
                .map(|p| panic_message(p.as_ref()))
                .unwrap_or_else(|_| "cancelled".into());
            tracing::error!(request = %what, %panic, "request handler panicked");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong in Baton. Try again.",
            )
                .into_response();
        }
    };
    let (parts, body) = res.into_parts();
    Response::from_parts(
        parts,
        Body::new(Guarded {
            inner: Some(body),
            what,
            deadline,
            waiting: None,
        }),
    )
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

#[derive(Debug, thiserror::Error)]
enum BodyError {
    #[error("the response body panicked")]
    Panicked,
    #[error("the response body produced nothing within the deadline")]
    Stalled,
    #[error(transparent)]
    Inner(axum::Error),
}

/// A response body that turns a panic or a stall into an error (which closes the connection).
struct Guarded {
    /// `None` once it has failed: a panicked body is not polled again.
    inner: Option<Body>,
    what: String,
    deadline: Duration,
    /// Started when the body first answers `Pending` after a frame, so a slow client (who
    /// simply polls late) is never cut off, only a body that has nothing to give.
    waiting: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl HttpBody for Guarded {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, BodyError>>> {
        let this = &mut *self;
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        match catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll_frame(cx))) {
            Ok(Poll::Ready(frame)) => {
                this.waiting = None;
                Poll::Ready(frame.map(|f| f.map_err(BodyError::Inner)))
            }
            Ok(Poll::Pending) => {
                let deadline = this.deadline;
                let waiting = this
                    .waiting
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(deadline)));
                if waiting.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                tracing::error!(request = %this.what, "response body stalled past the deadline; closing the connection");
                this.inner = None;
                Poll::Ready(Some(Err(BodyError::Stalled)))
            }
            Err(p) => {
                let panic = panic_message(p.as_ref());
                tracing::error!(request = %this.what, %panic, "response body panicked; closing the connection");
                this.inner = None;
                Poll::Ready(Some(Err(BodyError::Panicked)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(HttpBody::is_end_stream)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner
            .as_ref()
            .map(HttpBody::size_hint)
            .unwrap_or_default()
    }
}
