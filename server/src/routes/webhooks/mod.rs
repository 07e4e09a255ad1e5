//! Inbound channel webhooks. Each verifies the platform's signature over the raw body, parses it,
//! stores every message durably (redeliveries are ignored by the storage layer) and answers 200;
//! the bot and outbound sends run afterwards from the stored rows.

pub mod telegram;
pub mod whatsapp;

use crate::channels::Parsed;
use crate::state::ServerState;
use app::dto::Channel;
use app::error::AppError;
use app::services::ingest;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Largest webhook body accepted; bigger ones get 413 before any parsing.
pub const MAX_BODY: usize = 1024 * 1024;

/// Stores what a webhook carried and answers the platform.
async fn accept(s: &ServerState, channel: Channel, parsed: Parsed) -> Response {
    let mut stored = 0usize;
    let mut duplicates = 0usize;
    for m in &parsed.messages {
        match ingest::receive(&s.app, m).await {
            Ok(Some(_)) => stored += 1,
            Ok(None) => duplicates += 1,
            // Not acknowledged: the platform redelivers later, so nothing is lost.
            Err(e) => return e.into_response(),
        }
    }
    for st in &parsed.statuses {
        if let Err(e) = app::services::delivery::apply_receipt(
            &s.app,
            channel,
            st.platform_message_id.as_str(),
            &st.status,
            st.error.as_deref(),
            st.error_kind,
        )
        .await
        {
            return e.into_response();
        }
    }
    let now = app::services::now_ms();
    for r in &parsed.ratings {
        // Stored once (a second press or a redelivery is ignored); never a message, so a closed
        // conversation stays closed.
        if let Err(e) = app::services::csat::answer(
            &s.app,
            channel,
            &r.external_id,
            r.survey,
            r.score,
            None,
            now,
        )
        .await
        {
            return e.into_response();
        }
        if let (Some(id), Some(signals)) = (&r.callback_id, &s.app.channel_signals) {
            let to = app::services::signals::SignalTarget {
                channel,
                recipient: r.external_id.clone(),
                account: None,
                message: None,
            };
            let what = app::services::signals::CustomerSignal::Answered {
                callback_id: id.clone(),
            };
            signals.signal(&to, &what).await;
        }
    }
    if parsed.ignored > 0 {
        tracing::info!(
            channel = channel.as_str(),
            ignored = parsed.ignored,
            "webhook parts without a customer message acknowledged"
        );
    }
    (StatusCode::OK, Json(json!({ "stored": stored, "duplicates": duplicates, "receipts": parsed.statuses.len() }))).into_response()
}

fn bad_json(channel: Channel, e: serde_json::Error) -> Response {
    tracing::warn!(channel = channel.as_str(), error = %e, "webhook body is not valid JSON");
    AppError::BadRequest(format!("the body is not valid JSON ({e})")).into_response()
}

fn disabled(channel: Channel, missing: &str) -> Response {
    tracing::warn!(
        channel = channel.as_str(),
        "webhook called but the channel is disabled: set {missing}"
    );
    (StatusCode::NOT_FOUND, Json(json!({ "error": format!("The {} channel is not enabled on this Baton.", channel.label()) }))).into_response()
}
