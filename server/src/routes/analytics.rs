//! `GET /analytics/export/{table}.csv`: one of the Analytics page's tables as CSV, for admins
//! (401 signed out, 403 for operators, 404 for an unknown table), with the page's query
//! (`range`, `from`, `to`, `channel`). Thin: read the request, call
//! [`app::services::analytics`], answer.

use crate::state::ServerState;
use app::domain::analytics::AnalyticsQuery;
use app::domain::users::Role;
use app::error::AppError;
use app::i18n::Locale;
use app::services::{analytics, auth, now_ms};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

/// The reader's language: their Account choice, else this device's cookie, else English.
fn locale(language: Option<&str>, headers: &HeaderMap) -> Locale {
    let cookies = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok());
    language
        .or_else(|| auth::language_in_cookies(cookies))
        .and_then(|l| l.parse().ok())
        .unwrap_or(Locale::en)
}

pub async fn export(
    State(s): State<ServerState>,
    Path(file): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    match csv(&s, &file, &params, &headers).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn csv(
    s: &ServerState,
    file: &str,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let me = super::media::signed_in(s, headers).await?;
    if !me.role().allows(Role::Admin) {
        return Err(AppError::Forbidden);
    }
    let Some(table) = file.strip_suffix(".csv") else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let q = AnalyticsQuery::from_params(|k| params.get(k).cloned());
    let l = locale(me.language.as_deref(), headers);
    let report = analytics::report(&s.app, &q, l, now_ms()).await?;
    let Some(out) = analytics::export::table(&report, table, l)? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", out.filename))
        .map_err(|_| AppError::Internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        out.body,
    )
        .into_response())
}
