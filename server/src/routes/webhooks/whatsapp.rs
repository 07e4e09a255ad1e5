//! `/webhooks/whatsapp`: the Cloud API's verification handshake (GET) and events (POST).

use super::{accept, bad_json, disabled};
use crate::channels::whatsapp;
use crate::state::ServerState;
use app::dto::Channel;
use app::error::AppError;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

pub async fn verify(
    State(s): State<ServerState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(cfg) = &s.channels.whatsapp else {
        return disabled(Channel::Whatsapp, "BATON_WHATSAPP_VERIFY_TOKEN, BATON_WHATSAPP_APP_SECRET and BATON_WHATSAPP_ACCESS_TOKEN");
    };
    let token_ok = q.get("hub.verify_token").is_some_and(|t| {
        crate::channels::constant_time_eq(t.as_bytes(), cfg.verify_token.as_bytes())
    });
    match (
        q.get("hub.mode").map(String::as_str),
        token_ok,
        q.get("hub.challenge"),
    ) {
        (Some("subscribe"), true, Some(challenge)) => {
            (StatusCode::OK, challenge.clone()).into_response()
        }
        _ => {
            tracing::warn!("WhatsApp verification refused: wrong mode or verify token");
            AppError::Forbidden.into_response()
        }
    }
}

pub async fn receive(State(s): State<ServerState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(cfg) = &s.channels.whatsapp else {
        return disabled(Channel::Whatsapp, "BATON_WHATSAPP_VERIFY_TOKEN, BATON_WHATSAPP_APP_SECRET and BATON_WHATSAPP_ACCESS_TOKEN");
    };
    let sig = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if !whatsapp::signature_valid(&cfg.app_secret, &body, sig) {
        tracing::warn!(
            present = sig.is_some(),
            "WhatsApp webhook refused: bad signature"
        );
        return AppError::Unauthorized.into_response();
    }
    match whatsapp::parse(&body) {
        Ok(parsed) => accept(&s, Channel::Whatsapp, parsed).await,
        Err(e) => bad_json(Channel::Whatsapp, e),
    }
}
