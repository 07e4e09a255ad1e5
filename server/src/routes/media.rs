//! Files over HTTP. Thin: read the request, call [`app::services::media`], answer.
//!
//! - `GET /media/{message id}`: a stored file, for anyone signed in (401 otherwise).
//! - `POST /api/media/upload`: an operator's attachment (multipart `id`, `text`, `file`); under
//!   `/api/`, so the cross-site guard applies.
//! - `GET /widget/media/{token}`: a file the widget may show, by its capability token.
//! - `POST /widget/upload`: a visitor's image (multipart `token`, `text`, `file`), limited in
//!   size, type and rate.

use crate::state::ServerState;
use app::domain::media::megabytes;
use app::domain::problem::Problem;
use app::error::AppError;
use app::services::auth;
use app::services::media::{self, ServedFile, Upload};
use app::storage::users::UserRow;
use axum::extract::multipart::{Multipart, MultipartError};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// The person signed in by the request's session cookie.
pub(crate) async fn signed_in(s: &ServerState, headers: &HeaderMap) -> Result<UserRow, AppError> {
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(auth::token_from_cookie_header)
        .ok_or(AppError::Unauthorized)?;
    auth::user_for_token(&s.app, token)
        .await?
        .ok_or(AppError::Unauthorized)
}

/// A stored file, or the byte range the request asks for (`Range: bytes=...`; Safari plays audio
/// and video only from servers that answer ranges): 206 with `Content-Range`, 416 for a range
/// past the end. Several ranges at once get the whole file.
fn file_response(f: ServedFile, range: Option<&HeaderValue>) -> Response {
    let len = f.bytes.len() as u64;
    let wanted = range
        .and_then(|v| v.to_str().ok())
        .map(|v| http_range_header::parse_range_header(v).and_then(|r| r.validate(len)));
    let mut res = match wanted {
        Some(Ok(ranges)) if ranges.len() == 1 => {
            let (start, end) = (*ranges[0].start(), *ranges[0].end());
            let part = f.bytes[start as usize..=end as usize].to_vec();
            let mut res = (StatusCode::PARTIAL_CONTENT, part).into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            res
        }
        Some(Err(_)) => {
            let mut res = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return res;
        }
        _ => (StatusCode::OK, f.bytes).into_response(),
    };
    let h = res.headers_mut();
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    let value = |v: &str| {
        HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("application/octet-stream"))
    };
    h.insert(header::CONTENT_TYPE, value(&f.content_type));
    if let Ok(v) = HeaderValue::from_str(&f.disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // A file is never a page: nothing in it runs, even opened directly.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    // A message's file never changes; only this browser keeps it.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    res
}

pub async fn file(
    State(s): State<ServerState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let me = signed_in(&s, &headers).await?;
        media::file_for_user(&s.app, &me, id).await
    }
    .await;
    match result {
        Ok(f) => file_response(f, headers.get(header::RANGE)),
        Err(e) => e.into_response(),
    }
}

pub async fn widget_file(
    State(s): State<ServerState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    match media::file_for_visitor(&s.app, &token).await {
        Ok(f) => file_response(f, headers.get(header::RANGE)),
        Err(e) => e.into_response(),
    }
}

/// The form of an upload: its text fields and its one file.
#[derive(Default)]
struct Form {
    fields: std::collections::HashMap<String, String>,
    file: Option<Upload>,
}

impl Form {
    /// The file (required) and its caption (the `text` field, empty when absent).
    fn file_and_caption(self) -> Result<(Upload, String), AppError> {
        let file = self
            .file
            .ok_or(AppError::field("file", Problem::FileMissing))?;
        let text = self.fields.get("text").cloned().unwrap_or_default();
        Ok((file, text))
    }
}

/// Reads a multipart upload; a body past the limit is a 413 that names the limit.
async fn read_form(mut mp: Multipart, max: u64) -> Result<Form, AppError> {
    let too_big = || {
        AppError::TooLarge(Problem::FileTooLarge {
            max_mb: megabytes(max),
        })
    };
    let bad = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_big()
        } else {
            AppError::BadRequest(e.body_text())
        }
    };
    let mut form = Form::default();
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("file").to_string();
            let mime = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_string();
            let bytes = field.bytes().await.map_err(bad)?;
            form.file = Some(Upload {
                file_name,
                mime,
                bytes: bytes.to_vec(),
            });
        } else if form.fields.len() < 8 {
            let text = field.text().await.map_err(bad)?;
            form.fields.insert(name, text);
        }
    }
    Ok(form)
}

pub async fn upload(State(s): State<ServerState>, headers: HeaderMap, mp: Multipart) -> Response {
    let result = async {
        let me = signed_in(&s, &headers).await?;
        let form = read_form(mp, s.app.media.limits.max_upload).await?;
        let id: i64 = form
            .fields
            .get("id")
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| AppError::BadRequest("the conversation id is missing".into()))?;
        let (file, text) = form.file_and_caption()?;
        media::attach(&s.app, &me, id, &text, file).await
    }
    .await;
    match result {
        Ok(m) => Json(m).into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn widget_upload(
    State(s): State<ServerState>,
    headers: HeaderMap,
    mp: Multipart,
) -> Response {
    let hub = &s.app.widget_hub;
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if !hub
        .limits
        .origin_allowed(origin.as_deref(), s.app.settings.public_origin.as_deref())
    {
        return AppError::Forbidden.into_response();
    }
    let result = async {
        let form = read_form(mp, s.app.media.limits.max_visitor_upload).await?;
        let token = form.fields.get("token").cloned().unwrap_or_default();
        let (file, text) = form.file_and_caption()?;
        media::visitor_upload(&s.app, &token, &text, file).await
    }
    .await;
    let mut res = match result {
        Ok(up) => Json(up).into_response(),
        Err(e) => e.into_response(),
    };
    // The widget runs on the shop's page: it may read the answer.
    if let Some(v) = origin.and_then(|o| HeaderValue::from_str(&o).ok()) {
        res.headers_mut()
            .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        res.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    res
}
