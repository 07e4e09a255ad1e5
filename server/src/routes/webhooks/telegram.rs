//! `/webhooks/telegram`: updates from the Bot API, authenticated by the secret token header.

use super::{accept, bad_json, disabled};
use crate::channels::telegram;
use crate::state::ServerState;
use app::dto::Channel;
use app::error::AppError;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

pub async fn receive(State(s): State<ServerState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(cfg) = &s.channels.telegram else {
        return disabled(
            Channel::Telegram,
            "BATON_TELEGRAM_BOT_TOKEN and BATON_TELEGRAM_SECRET_TOKEN",
        );
    };
    let given = headers
        .get("x-telegram-bot-api-secret-token")
        .and_then(|v| v.to_str().ok());
    if !telegram::secret_valid(&cfg.secret_token, given) {
        tracing::warn!(
            present = given.is_some(),
            "Telegram webhook refused: bad secret token"
        );
        return AppError::Unauthorized.into_response();
    }
    match telegram::parse(&body, &cfg.bot_id) {
        Ok(parsed) => accept(&s, Channel::Telegram, parsed).await,
        Err(e) => bad_json(Channel::Telegram, e),
    }
}
