//! The browser bundle and the service worker.
//!
//! `scripts/lib.sh` (`build_site`) puts one build's bundle in a folder named after its content,
//! `pkg/<hash>/` (`baton.js`, `baton_bg.wasm`, `baton.css`, and the admin pages' lazily loaded
//! chunks with their loader), writes the hash to `assets.txt` in the site, and puts brotli and
//! gzip copies beside each file. So `/pkg/<hash>/*` is served precompressed and cached for a year
//! (`immutable`): a new version has a new folder. Pages are `no-cache` (see [`super::headers`]),
//! and the service worker is served with the folder's name in it, so a deploy changes its bytes,
//! the browser installs it, and the next navigation loads the new page with the new bundle:
//! never one version's page with another's code.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::path::Path;
use std::sync::Arc;
use tower_http::services::ServeDir;

use crate::state::ServerState;

/// How long browsers keep a content-named file, and that they need not ask again.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Where a build's bundle is served from, relative to the site root: `pkg/<hash>` (the hash from
/// `assets.txt`), or `pkg` for a site built without one (then served like any static file).
pub fn bundle_dir(site_root: &Path) -> String {
    std::fs::read_to_string(site_root.join("assets.txt"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()))
        .map_or_else(|| "pkg".into(), |hash| format!("pkg/{hash}"))
}

/// `/pkg/*`: the bundle's files, precompressed; immutable inside this build's folder (other files
/// there would keep their names across versions).
pub fn pkg(site_root: &Path, bundle_dir: &str) -> Router<ServerState> {
    let files = ServeDir::new(site_root.join("pkg"))
        .precompressed_br()
        .precompressed_gzip();
    // Requests reach this router with `/pkg` taken off.
    let named: Option<Arc<str>> = bundle_dir
        .strip_prefix("pkg/")
        .map(|hash| format!("/{hash}/").into());
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            let named = named
                .as_deref()
                .is_some_and(|prefix| req.uri().path().starts_with(prefix));
            async move {
                let mut res = next.run(req).await;
                let policy = if named && res.status() == StatusCode::OK {
                    IMMUTABLE
                } else {
                    "no-cache"
                };
                res.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
                res
            }
        }))
}

/// The service worker script with the bundle's folder in place of `__BATON_BUNDLE__`.
pub fn service_worker_script(site_root: &Path, bundle_dir: &str) -> String {
    std::fs::read_to_string(site_root.join("sw.js"))
        .unwrap_or_default()
        .replace("__BATON_BUNDLE__", bundle_dir)
}

/// `/sw.js`: always checked with the server, so a deploy reaches installed apps.
pub async fn service_worker(State(s): State<ServerState>) -> Response {
    if s.service_worker.is_empty() {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        s.service_worker.to_string(),
    )
        .into_response()
}
