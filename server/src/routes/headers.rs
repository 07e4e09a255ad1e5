//! Security headers on every response. Console pages get their Content-Security-Policy (with the
//! page's nonce) from the app's shell; this adds the rest, and keeps the console out of frames.
//! The widget's routes stay embeddable on customers' sites.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::ServerState;

/// One year; sent only when Baton is served over https (`BATON_PUBLIC_URL`).
pub const HSTS: &str = "max-age=31536000";

/// Paths other sites load: the widget script and its socket, and the demo page around it.
fn embeddable(path: &str) -> bool {
    path == "/widget.js" || path.starts_with("/widget/") || path == "/demo"
}

pub async fn security_headers(State(s): State<ServerState>, req: Request, next: Next) -> Response {
    let framable = embeddable(req.uri().path());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // `same-origin` keeps the Referer that form posts without JavaScript are redirected back by.
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    if s.app.settings.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    if !framable {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(HeaderValue::from_static("frame-ancestors 'none'"));
    }
    res
}
