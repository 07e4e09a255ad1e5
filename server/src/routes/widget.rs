//! The web chat widget's side of Baton: `/widget/ws` (one socket per visitor tab; customer
//! messages in, bot and operator replies out, history on connect) and `/demo`, a page that
//! embeds the widget so anyone can play the customer locally.
//!
//! Protocol: the widget opens the socket and sends `{type: "hello", token}` with the token it
//! was issued before (or none); the server answers `{type: "welcome", token}` (a new token to
//! keep, or `null` for a known visitor), then `{type: "history"}`, then live `message`s. Each
//! customer message is answered with an `ack` or an `error` (`retry_after` when limited).

use crate::state::ServerState;
use app::domain::widget::{Frame, RatingFrame, WidgetFrame};
use app::dto::Channel;
use app::error::AppError;
use app::services::ingest::{self, IncomingMessage};
use app::services::widget::{self as visitors, Visitor};
use app::services::AppState;
use app::services::{delivery, signals};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Close codes the widget understands (RFC 6455): a policy limit, and a frame too large.
const CLOSE_POLICY: u16 = 1008;
const CLOSE_TOO_BIG: u16 = 1009;
/// How long a new socket has to introduce itself before it is closed.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn socket(
    State(s): State<ServerState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let hub = s.app.widget_hub.clone();
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    if !hub
        .limits
        .origin_allowed(origin, s.app.settings.public_origin.as_deref())
    {
        return AppError::Forbidden.into_response();
    }
    // tungstenite refuses anything beyond four times the limit outright; up to that, the
    // session closes an oversized frame with 1009 and a reason the widget can show.
    let hard_cap = hub.limits.max_frame_bytes.saturating_mul(4);
    // Behind a trusted proxy (`BATON_TRUSTED_PROXIES`), the address it forwarded.
    let ip = s.app.settings.client_ip(peer.ip(), &headers);
    ws.max_message_size(hard_cap)
        .max_frame_size(hard_cap)
        .read_buffer_size(8 * 1024)
        .write_buffer_size(8 * 1024)
        .on_upgrade(move |mut socket| async move {
            let Some(_slot) = hub.open_socket(ip) else {
                close(
                    &mut socket,
                    CLOSE_POLICY,
                    "too many open chats from your network; close another chat tab and reload",
                )
                .await;
                return;
            };
            session(socket, s.app, ip).await;
        })
}

/// Closes with `code` and a reason the widget shows, then waits briefly for the client's closing
/// frame (the WebSocket closing handshake), so the reason is read before the connection drops.
async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let frame = Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }));
    if socket.send(frame).await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some(Ok(m)) = socket.recv().await {
            if matches!(m, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
}

/// What the widget shows for one message.
pub fn widget_message(
    id: i64,
    sender: &str,
    text: &str,
    author: Option<&str>,
    client_id: Option<&str>,
) -> serde_json::Value {
    json!({ "id": id, "from": sender, "text": text, "author": author, "client_id": client_id })
}

/// The widget's first frame: `{type: "hello", token}` with the token it was issued before, if
/// any. An older widget that starts with a message gets a fresh identity and that message is
/// handled as usual.
#[derive(Deserialize)]
struct Hello {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    token: Option<String>,
}

/// Waits for the widget to introduce itself; returns the token it presented and a first frame
/// that was not a hello (to be handled after identification).
async fn hello(socket: &mut WebSocket) -> Option<(Option<String>, Option<String>)> {
    let first = tokio::time::timeout(HELLO_TIMEOUT, socket.recv())
        .await
        .ok()??
        .ok()?;
    let Message::Text(t) = first else {
        return Some((None, None));
    };
    match serde_json::from_str::<Hello>(&t) {
        Ok(h) if h.kind == "hello" => Some((h.token, None)),
        _ => Some((None, Some(t.to_string()))),
    }
}

async fn session(mut socket: WebSocket, state: AppState, ip: std::net::IpAddr) {
    let Some((token, pending)) = hello(&mut socket).await else {
        return;
    };
    let visitor = match visitors::identify(&state, token.as_deref(), ip).await {
        Ok(v) => v,
        Err(AppError::RateLimited(secs)) => {
            let reason = format!("too many new chats from your network; try again in {secs} s");
            close(&mut socket, CLOSE_POLICY, &reason).await;
            return;
        }
        Err(e) => {
            tracing::error!(error = %e, "widget identity");
            close(
                &mut socket,
                1011,
                "the chat is unavailable right now; try again later",
            )
            .await;
            return;
        }
    };
    let Visitor {
        external_id,
        new_token,
    } = visitor;
    let (tab, outbox) = state.widget_hub.join(&external_id);
    // Replies that waited for this visitor go out now, to this tab (an identity issued just now
    // has none, and costs no query).
    if new_token.is_none() {
        if let Err(e) = delivery::recipient_returned(&state, Channel::Web, &external_id).await {
            tracing::warn!(error = %e, "could not release the replies waiting for a widget visitor");
        }
    }
    let welcome = json!({ "type": "welcome", "token": new_token }).to_string();
    let history = json!({ "type": "history", "messages": history(&state, &external_id).await });
    if socket.send(Message::Text(welcome.into())).await.is_ok()
        && socket
            .send(Message::Text(history.to_string().into()))
            .await
            .is_ok()
    {
        live(&mut socket, &state, &external_id, pending, outbox).await;
    }
    state.widget_hub.leave(&external_id, tab);
}

/// The visitor's last 50 messages, as the widget shows them.
async fn history(state: &AppState, visitor: &str) -> Vec<serde_json::Value> {
    match state
        .store
        .transcript_for_contact(Channel::Web, visitor, 50)
        .await
    {
        Ok(rows) => rows
            .iter()
            .map(|r| {
                let client_id = (r.sender == "customer")
                    .then_some(r.platform_message_id.as_deref())
                    .flatten()
                    .map(|k| visitors::client_id_of(visitor, k));
                let mut m = widget_message(
                    r.id,
                    &r.sender,
                    &r.body,
                    r.author_name.as_deref(),
                    client_id,
                );
                if let Some(token) = &r.media_token {
                    m["media"] = json!({
                        "kind": r.media_type.as_deref().unwrap_or("document"),
                        "name": r.media_name,
                        "url": format!("/widget/media/{token}"),
                    });
                }
                m
            })
            .collect(),
        Err(e) => {
            tracing::error!(error = %e, "widget history");
            Vec::new()
        }
    }
}

/// How often a visitor's typing is passed on to operators (the widget says so every few seconds
/// while they type; the console shows it for a few seconds more).
const TYPING_EVERY: Duration = Duration::from_secs(2);

/// Relays replies to the socket and customer messages from it until either side goes away. The
/// server pings; a socket silent (no frame, no pong) past the idle timeout is closed.
async fn live(
    socket: &mut WebSocket,
    state: &AppState,
    visitor: &str,
    pending: Option<String>,
    mut outbox: tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    let limits = &state.widget_hub.limits;
    let mut typing = Typing::default();
    let mut frames = FrameBudget::default();
    if let Some(frame) = pending {
        if let Some(reply) = handle(state, visitor, &frame, &mut typing).await {
            if socket
                .send(Message::Text(reply.to_string().into()))
                .await
                .is_err()
            {
                return;
            }
        }
    }
    let mut last_heard = Instant::now();
    let mut ping = tokio::time::interval(limits.ping_interval());
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    loop {
        tokio::select! {
            out = outbox.recv() => match out {
                Some(json) => if socket.send(Message::Text(json.into())).await.is_err() { return },
                None => return,
            },
            _ = ping.tick() => {
                if last_heard.elapsed() >= limits.idle_timeout {
                    close(socket, 1000, "closed after a quiet spell; the chat reconnects when you write").await;
                    return;
                }
                if socket.send(Message::Ping(Default::default())).await.is_err() { return }
            },
            msg = socket.recv() => {
                last_heard = Instant::now();
                match msg {
                    Some(Ok(Message::Text(t))) if t.len() > limits.max_frame_bytes => {
                        let reason = format!("message too big: at most {} bytes", limits.max_frame_bytes);
                        close(socket, CLOSE_TOO_BIG, &reason).await;
                        return;
                    }
                    Some(Ok(Message::Text(_))) if !frames.count(Instant::now()) => {
                        let reason = format!("too many frames: at most {FRAMES_PER_MINUTE} a minute");
                        close(socket, CLOSE_POLICY, &reason).await;
                        return;
                    }
                    Some(Ok(Message::Text(t))) => {
                        let Some(reply) = handle(state, visitor, &t, &mut typing).await else { continue };
                        if socket.send(Message::Text(reply.to_string().into())).await.is_err() { return }
                    }
                    Some(Ok(Message::Binary(_))) => {
                        close(socket, 1003, "the chat speaks JSON text frames only").await;
                        return;
                    }
                    Some(Err(e)) => {
                        if e.to_string().contains("too long") {
                            let reason = format!("message too big: at most {} bytes", limits.max_frame_bytes);
                            close(socket, CLOSE_TOO_BIG, &reason).await;
                        }
                        return;
                    }
                    Some(Ok(Message::Close(_))) | None => return,
                    Some(Ok(_)) => {}
                }
            },
        }
    }
}

/// Text frames one socket may send per minute, whatever they are: messages have their own limit
/// per visitor, and the widget says "typing" at most every 2.5 s; a socket past this is closed
/// (1008) rather than parsed frame after frame.
const FRAMES_PER_MINUTE: u32 = 120;

/// The frames a socket sent in its current minute.
#[derive(Default)]
struct FrameBudget {
    since: Option<Instant>,
    used: u32,
}

impl FrameBudget {
    /// Counts a frame; false when the minute's budget is spent.
    fn count(&mut self, now: Instant) -> bool {
        match self.since {
            Some(at) if now.duration_since(at) < Duration::from_secs(60) => {}
            _ => {
                self.since = Some(now);
                self.used = 0;
            }
        }
        self.used += 1;
        self.used <= FRAMES_PER_MINUTE
    }
}

/// When this socket last passed on that its visitor is typing.
#[derive(Default)]
struct Typing(Option<Instant>);

/// One frame from the widget: typing (no answer; passed on at most every [`TYPING_EVERY`]), or
/// a customer message, answered with an `ack` or an `error`.
async fn handle(
    state: &AppState,
    visitor: &str,
    frame: &str,
    typing: &mut Typing,
) -> Option<serde_json::Value> {
    match app::domain::widget::parse_frame(frame) {
        Ok(Frame::Message(m)) => Some(message(state, visitor, m).await),
        Ok(Frame::Rating(r)) => Some(rating(state, visitor, r).await),
        Ok(Frame::Typing) => {
            if typing.0.is_none_or(|at| at.elapsed() >= TYPING_EVERY) {
                typing.0 = Some(Instant::now());
                if let Err(e) = signals::visitor_typing(state, visitor).await {
                    tracing::warn!(error = %e, "could not pass on that a widget visitor is typing");
                }
            }
            None
        }
        Err(e) => {
            let mut reply = json!({ "type": "error", "error": e.to_string() });
            if let Some(client_id) = e.client_id() {
                reply["client_id"] = client_id.into();
            }
            Some(reply)
        }
    }
}

/// A customer message from the widget, stored and answered with an `ack` or an `error`.
async fn message(state: &AppState, visitor: &str, m: WidgetFrame) -> serde_json::Value {
    if let Err(secs) = state.widget_hub.count_message(visitor) {
        return json!({
            "type": "error", "client_id": m.client_id, "retry_after": secs,
            "error": format!("You are sending messages too fast. Your message is kept and sent again in {secs} s."),
        });
    }
    let text = m.text.as_str();
    let incoming = IncomingMessage {
        channel: Channel::Web,
        external_id: visitor.to_string(),
        contact_name: None,
        phone: None,
        account: None,
        platform_message_id: visitors::message_key(visitor, &m.client_id),
        text: text.to_string(),
        media: None,
        sent_at: None,
    };
    match ingest::receive(state, &incoming).await {
        Ok(stored) => {
            json!({ "type": "ack", "client_id": m.client_id, "id": stored.map(|s| s.message_id) })
        }
        Err(e) => json!({ "type": "error", "client_id": m.client_id, "error": e.to_string() }),
    }
}

/// A survey answer from the widget's buttons, answered with `{type: "rated", survey, ok}` (`ok`
/// false for an unknown, old or already answered survey) or an `error`. Counts against the
/// visitor's message limit.
async fn rating(state: &AppState, visitor: &str, r: RatingFrame) -> serde_json::Value {
    if let Err(secs) = state.widget_hub.count_message(visitor) {
        return json!({
            "type": "error", "retry_after": secs,
            "error": format!("You are sending messages too fast. Try again in {secs} s."),
        });
    }
    let now = app::services::now_ms();
    match app::services::csat::answer(
        state,
        Channel::Web,
        visitor,
        r.survey,
        r.score,
        r.comment.as_deref(),
        now,
    )
    .await
    {
        Ok(ok) => json!({ "type": "rated", "survey": r.survey, "ok": ok }),
        Err(e) => json!({ "type": "error", "error": e.to_string() }),
    }
}

pub async fn demo() -> Html<&'static str> {
    Html(include_str!("../../../public/demo.html"))
}
