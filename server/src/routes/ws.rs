//! `/ws`: the operators' live channel. Authenticated by the session cookie; sends every bus event
//! as JSON; closes when the account is deactivated.

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

use crate::state::ServerState;
use app::dto::{LiveEvent, LiveEventKind};
use app::error::AppError;
use app::services::{auth, AppState};

/// Authentication comes first, so an anonymous caller learns it must sign in (401) whether or not
/// it asked for a WebSocket upgrade.
pub async fn upgrade(
    State(s): State<ServerState>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(auth::token_from_cookie_header)
        .map(str::to_string);
    let user = match token {
        Some(t) => auth::user_for_token(&s.app, &t).await,
        None => Ok(None),
    };
    match user {
        Ok(Some(user)) => match ws {
            Ok(ws) => ws.on_upgrade(move |socket| session(socket, s.app, user.id)),
            Err(rejection) => rejection.into_response(),
        },
        Ok(None) => AppError::Unauthorized.into_response(),
        Err(e) => e.into_response(),
    }
}

fn encode(ev: &LiveEvent) -> Message {
    Message::Text(serde_json::to_string(ev).unwrap_or_default().into())
}

async fn session(mut socket: WebSocket, state: AppState, user_id: i64) {
    let mut rx = state.bus.subscribe();
    state.presence.connect(user_id);
    let hello = LiveEvent {
        seq: 0,
        kind: LiveEventKind::Hello { user_id },
    };
    let mut ping = tokio::time::interval(Duration::from_secs(25));
    ping.tick().await;
    if socket.send(encode(&hello)).await.is_ok() {
        loop {
            tokio::select! {
                ev = rx.recv() => match ev {
                    Ok(ev) => {
                        if ev.kind == (LiveEventKind::UserDeactivated { user_id }) {
                            let _ = socket.send(Message::Close(None)).await;
                            break;
                        }
                        if socket.send(encode(&ev)).await.is_err() {
                            break;
                        }
                    }
                    Err(RecvError::Lagged(n)) => tracing::warn!(user_id, skipped = n, "socket fell behind the bus"),
                    Err(RecvError::Closed) => break,
                },
                msg = socket.recv() => match msg {
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
                _ = ping.tick() => {
                    if socket.send(Message::Ping(Default::default())).await.is_err() {
                        break;
                    }
                }
            }
        }
    }
    state.presence.disconnect(user_id);
}
