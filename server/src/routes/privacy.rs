//! Admins' downloads. Thin: check the session and the role, call the service, answer a file.
//!
//! - `GET /audit/export.csv?person=&kind=&from=&to=&tz=`: the audit log under the page's
//!   filters, as CSV (`services::audit::csv`).
//! - `GET /contacts/{conversation id}/export.json`: everything Baton keeps about the customer
//!   behind a conversation (`services::privacy::export`), recorded in the audit log.

use super::media::signed_in;
use crate::state::ServerState;
use app::domain::users::Role;
use app::error::AppError;
use app::services::audit::{self, Filter, Who};
use app::storage::users::UserRow;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

/// The signed-in admin of the request, as the audit log records them.
async fn admin(
    s: &ServerState,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Result<(UserRow, Who), AppError> {
    let user = signed_in(s, headers).await?;
    if !user.role().allows(Role::Admin) {
        return Err(AppError::Forbidden);
    }
    let ip = s.app.settings.client_ip(peer.ip(), headers);
    let who = Who::person(&user, Some(ip));
    Ok((user, who))
}

/// A download (its type, a file name, never cached), or the error.
fn download(
    body: Result<Vec<u8>, AppError>,
    content_type: &'static str,
    file_name: &str,
) -> Response {
    let mut res = match body {
        Ok(body) => body.into_response(),
        Err(e) => return e.into_response(),
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

pub async fn audit_csv(
    State(s): State<ServerState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(filter): Query<Filter>,
    headers: HeaderMap,
) -> Response {
    let csv = async {
        admin(&s, peer, &headers).await?;
        audit::csv(&s.app, &filter).await
    }
    .await;
    download(csv, "text/csv; charset=utf-8", "baton-audit-log.csv")
}

pub async fn contact_json(
    State(s): State<ServerState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let json = async {
        let (_, who) = admin(&s, peer, &headers).await?;
        let doc = app::services::privacy::export(&s.app, &who, id).await?;
        serde_json::to_vec_pretty(&doc).map_err(|_| AppError::Internal)
    }
    .await;
    download(
        json,
        "application/json",
        &format!("baton-contact-{id}.json"),
    )
}
