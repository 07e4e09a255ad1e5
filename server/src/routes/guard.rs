//! Cross-site request protection for server functions and sockets: a request that a browser marks
//! as coming from another site is refused before it reaches any handler.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::ServerState;
use app::error::AppError;

/// Whether a request with these headers comes from Baton's own pages (or from a non-browser
/// client, which sends neither `Origin` nor `Sec-Fetch-Site`).
pub fn same_origin(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    let get = |h| headers.get(h).and_then(|v| v.to_str().ok());
    match get(header::ORIGIN) {
        Some(origin) => {
            let host = get(header::HOST).unwrap_or_default();
            let own = origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                .is_some_and(|h| h == host);
            own || public_origin == Some(origin)
        }
        None => get(header::HeaderName::from_static("sec-fetch-site")) != Some("cross-site"),
    }
}

/// Middleware for `/api/*` and `/ws`: refuses cross-site requests with 403.
pub async fn reject_cross_site(State(s): State<ServerState>, req: Request, next: Next) -> Response {
    let is_guarded = {
        let p = req.uri().path();
        p.starts_with("/api/") || p == "/ws"
    };
    if is_guarded && !same_origin(req.headers(), s.app.settings.public_origin.as_deref()) {
        tracing::warn!(path = %req.uri().path(), origin = ?req.headers().get(header::ORIGIN), "cross-site request refused");
        return AppError::Forbidden.into_response();
    }
    next.run(req).await
}

/// Middleware for `/api/*`: server functions whose arguments cannot even be decoded fail before
/// Baton's code runs, and leptos answers those with 500. The body is Baton's own error, so the
/// status is taken from it (400 for a bad request) rather than blaming the server.
pub async fn api_error_status(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    if !is_api || res.status() != axum::http::StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    if let Ok(e) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(s) = axum::http::StatusCode::from_u16(e.status_code()) {
            parts.status = s;
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(*k, v.parse().unwrap());
        }
        m
    }

    #[test]
    fn own_pages_pass_and_foreign_pages_do_not() {
        assert!(same_origin(
            &h(&[
                ("origin", "http://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000")
            ]),
            None
        ));
        assert!(!same_origin(
            &h(&[
                ("origin", "https://evil.example"),
                ("host", "127.0.0.1:3000")
            ]),
            None
        ));
        assert!(!same_origin(
            &h(&[("origin", "null"), ("host", "127.0.0.1:3000")]),
            None
        ));
    }

    #[test]
    fn the_configured_public_origin_passes_behind_a_proxy() {
        let hs = h(&[
            ("origin", "https://baton.example.com"),
            ("host", "10.0.0.5:3000"),
        ]);
        assert!(same_origin(&hs, Some("https://baton.example.com")));
        assert!(!same_origin(&hs, None));
    }

    #[test]
    fn without_origin_only_a_cross_site_fetch_is_refused() {
        assert!(same_origin(&h(&[]), None));
        assert!(same_origin(&h(&[("sec-fetch-site", "same-origin")]), None));
        assert!(!same_origin(&h(&[("sec-fetch-site", "cross-site")]), None));
    }
}
