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

/// The demo shop page: its own stylesheet and the widget (which adds its own `<style>`), a socket
/// to this server, nothing else. Embeddable, like the widget.
pub const DEMO_CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'";

/// The widget script and other non-documents: a policy that lets nothing run should one be opened
/// as a page.
pub const RESOURCE_CSP: &str = "default-src 'none'";

/// Paths other sites load: the widget script and its socket, and the demo page around it.
fn embeddable(path: &str) -> bool {
    path == "/widget.js" || path.starts_with("/widget/") || path == "/demo"
}

pub async fn security_headers(State(s): State<ServerState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let framable = embeddable(path);
    let own_csp = match path {
        "/demo" => Some(DEMO_CSP),
        "/widget.js" => Some(RESOURCE_CSP),
        _ => None,
    };
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
    // Pages carry live, signed-in data and name the bundle of this version: never reused without
    // asking the server.
    let is_html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if is_html {
        h.entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-cache"));
    }
    if let Some(csp) = own_csp {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
    }
    if !framable {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(HeaderValue::from_static("frame-ancestors 'none'"));
    }
    res
}
