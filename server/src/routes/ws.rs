//! `/ws`: the operators' live channel. Authenticated by the session cookie; sends every bus event
//! as JSON; closes within moments when its session ends (sign-out, password change,
//! deactivation, expiry), whether or not the socket kept up with the bus.

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

use crate::state::ServerState;
use app::bus::Published;
use app::dto::{LiveEvent, LiveEventKind};
use app::error::AppError;
use app::services::privacy::Masking;
use app::services::{auth, operators, AppState};
use std::sync::Arc;

/// Authentication comes first, so an anonymous caller learns it must sign in (401) whether or not
/// it asked for a WebSocket upgrade.
/// Where a reconnecting client stands: the last event number it saw and the epoch it was from.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Resume {
    since: Option<u64>,
    epoch: Option<u64>,
}

pub async fn upgrade(
    State(s): State<ServerState>,
    Query(resume): Query<Resume>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(auth::token_from_cookie_header)
        .map(str::to_string);
    let user = match &token {
        Some(t) => auth::user_for_token(&s.app, t).await,
        None => Ok(None),
    };
    match user.map(|u| u.zip(token)) {
        Ok(Some((user, token))) => match ws {
            // Small buffers: an operator socket carries short JSON events, and a thousand of them
            // should not cost a thousand times the default 128 KiB each way.
            Ok(ws) => ws
                .read_buffer_size(8 * 1024)
                .write_buffer_size(8 * 1024)
                .on_upgrade(move |socket| {
                    let is_admin = user.role() == app::domain::users::Role::Admin;
                    session(socket, s.app, user.id, is_admin, token, resume)
                }),
            Err(rejection) => rejection.into_response(),
        },
        Ok(None) => AppError::Unauthorized.into_response(),
        Err(e) => e.into_response(),
    }
}

fn encode(ev: &LiveEvent) -> Message {
    Message::Text(serde_json::to_string(ev).unwrap_or_default().into())
}

/// A published event, already encoded once for every socket; for an operator while phone
/// numbers are masked, an event carrying one is encoded again with it masked (when the setting
/// cannot be read, it is masked).
async fn frame(state: &AppState, is_admin: bool, p: &Published) -> Message {
    if !is_admin {
        let mask = match app::services::settings::privacy(state).await {
            Ok(settings) => Masking::of(&settings, false),
            Err(_) => Masking(true),
        };
        if let Some(kind) = mask.event(&p.event.kind) {
            return encode(&LiveEvent {
                seq: p.event.seq,
                kind,
            });
        }
    }
    Message::Text(p.json.as_ref().into())
}

/// What a (re)connecting client is sent before live events: the events it missed, or `Resync`
/// when they are gone (or it comes from another server run) and it must reload.
/// Also returns the number the client is known to have seen.
async fn catch_up(state: &AppState, resume: &Resume) -> (Vec<Arc<Published>>, u64) {
    let Some(since) = resume.since else {
        return (Vec::new(), 0);
    };
    let missed = match resume.epoch == Some(state.bus.epoch()) {
        true => state.bus.since(since).await,
        false => None,
    };
    match missed {
        Some(missed) => (missed, since),
        None => (
            vec![Published::new(LiveEvent {
                seq: 0,
                kind: LiveEventKind::Resync,
            })],
            0,
        ),
    }
}

/// How often a socket re-reads its session even without news (a session ended by another Baton
/// process or straight in the database); sign-out, password changes and deactivation wake it at
/// once through `sessions_ended`, and expiry through a timer.
const SESSION_RECHECK: Duration = Duration::from_secs(60);

/// A socket that cannot take a frame for this long (a client that stopped reading) is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

async fn send(socket: &mut WebSocket, msg: Message) -> bool {
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, socket.send(msg)).await,
        Ok(Ok(()))
    )
}

/// When the session behind `token` ends, as an instant to wake at; `None` when it has ended.
async fn session_deadline(state: &AppState, token: &str) -> Option<tokio::time::Instant> {
    match auth::session_expiry(state, token).await {
        Ok(Some(expires_at)) => {
            let left = u64::try_from(expires_at - app::services::now_ms()).unwrap_or(0);
            let left = Duration::from_millis(left).min(SESSION_RECHECK);
            Some(tokio::time::Instant::now() + left)
        }
        Ok(None) => None,
        // A database hiccup is not a sign-out: look again shortly.
        Err(_) => Some(tokio::time::Instant::now() + Duration::from_secs(1)),
    }
}

async fn session(
    mut socket: WebSocket,
    state: AppState,
    user_id: i64,
    is_admin: bool,
    token: String,
    resume: Resume,
) {
    // Subscribe first, before anything that waits (the session read below, the backlog): an
    // event published meanwhile is then delivered, and one in both the backlog and `rx` is
    // dropped by the sequence check below. Nothing falls between.
    let mut rx = state.bus.subscribe();
    // Watch for ended sessions before reading this one's expiry, so no ending falls between.
    let mut ended = state.sessions_ended.subscribe();
    let mut ended_seen = ended.borrow_and_update().count;
    let Some(mut recheck_at) = session_deadline(&state, &token).await else {
        let _ = send(&mut socket, Message::Close(None)).await;
        return;
    };
    operators::socket_opened(&state, user_id);
    // The hello carries the latest number, where a fresh client starts counting from.
    let hello = LiveEvent {
        seq: state.bus.last_seq(),
        kind: LiveEventKind::Hello {
            user_id,
            epoch: state.bus.epoch(),
        },
    };
    let (backlog, mut sent_up_to) = catch_up(&state, &resume).await;
    let mut ping = tokio::time::interval(Duration::from_secs(25));
    ping.tick().await;
    let mut ok = send(&mut socket, encode(&hello)).await;
    for ev in &backlog {
        if !ok {
            break;
        }
        if !ev.event.kind.is_for(user_id) {
            continue;
        }
        ok = send(&mut socket, frame(&state, is_admin, ev).await).await;
        sent_up_to = sent_up_to.max(ev.event.seq);
    }
    if ok {
        loop {
            tokio::select! {
                ev = rx.recv() => match ev {
                    // Numbered events the client already has are skipped; unnumbered ones (a
                    // broker outage's `resync`, events only this instance saw) always go.
                    Ok(ev) if ev.event.seq != 0 && ev.event.seq <= sent_up_to => {}
                    Ok(ev) if !ev.event.kind.is_for(user_id) => {
                        sent_up_to = sent_up_to.max(ev.event.seq);
                    }
                    Ok(ev) => {
                        sent_up_to = sent_up_to.max(ev.event.seq);
                        if ev.event.kind == (LiveEventKind::UserDeactivated { user_id }) {
                            let _ = send(&mut socket, Message::Close(None)).await;
                            break;
                        }
                        if !send(&mut socket, frame(&state, is_admin, &ev).await).await {
                            break;
                        }
                    }
                    Err(RecvError::Lagged(n)) => {
                        // Events were lost for this socket: tell the client to reload.
                        tracing::warn!(user_id, skipped = n, "socket fell behind the bus");
                        // What it missed may have ended its session.
                        recheck_at = tokio::time::Instant::now();
                        let resync = LiveEvent { seq: 0, kind: LiveEventKind::Resync };
                        if !send(&mut socket, encode(&resync)).await {
                            break;
                        }
                    }
                    Err(RecvError::Closed) => break,
                },
                msg = socket.recv() => match msg {
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
                _ = ping.tick() => {
                    if !send(&mut socket, Message::Ping(Default::default())).await {
                        break;
                    }
                }
                changed = ended.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let latest = *ended.borrow_and_update();
                    if latest.concerns(ended_seen, user_id) {
                        recheck_at = tokio::time::Instant::now();
                    }
                    ended_seen = latest.count;
                }
                _ = tokio::time::sleep_until(recheck_at) => {
                    match session_deadline(&state, &token).await {
                        Some(at) => recheck_at = at,
                        None => {
                            tracing::debug!(user_id, "session ended; closing its socket");
                            let _ = send(&mut socket, Message::Close(None)).await;
                            break;
                        }
                    }
                }
            }
        }
    }
    operators::socket_closed(&state, user_id);
}
