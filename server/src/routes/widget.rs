//! The web chat widget's side of Baton: `/widget/ws` (one socket per visitor tab; customer
//! messages in, bot and operator replies out, history on connect) and `/demo`, a page that
//! embeds the widget so anyone can play the customer locally.

use crate::state::ServerState;
use app::dto::Channel;
use app::error::AppError;
use app::services::ingest::{self, IncomingMessage};
use app::services::AppState;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct Connect {
    visitor: String,
}

/// Visitor ids come from the browser: keep them short and plain.
fn valid_visitor(v: &str) -> bool {
    (8..=64).contains(&v.len())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

pub async fn socket(
    State(s): State<ServerState>,
    Query(q): Query<Connect>,
    ws: WebSocketUpgrade,
) -> Response {
    if !valid_visitor(&q.visitor) {
        return AppError::BadRequest("visitor must be 8 to 64 letters, digits, '-' or '_'".into())
            .into_response();
    }
    ws.on_upgrade(move |socket| session(socket, s.app, q.visitor))
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

async fn session(mut socket: WebSocket, state: AppState, visitor: String) {
    let (tab, mut outbox) = state.widget_hub.join(&visitor);
    let history = match state
        .store
        .transcript_for_contact(Channel::Web, &visitor, 50)
        .await
    {
        Ok(rows) => rows
            .iter()
            .map(|r| {
                let client_id = (r.sender == "customer")
                    .then_some(r.platform_message_id.as_deref())
                    .flatten();
                widget_message(
                    r.id,
                    &r.sender,
                    &r.body,
                    r.author_name.as_deref(),
                    client_id,
                )
            })
            .collect::<Vec<_>>(),
        Err(e) => {
            tracing::error!(error = %e, "widget history");
            Vec::new()
        }
    };
    let hello = json!({ "type": "history", "messages": history }).to_string();
    if socket.send(Message::Text(hello.into())).await.is_ok() {
        loop {
            tokio::select! {
                out = outbox.recv() => match out {
                    Some(json) => if socket.send(Message::Text(json.into())).await.is_err() { break },
                    None => break,
                },
                msg = socket.recv() => match msg {
                    Some(Ok(Message::Text(t))) => {
                        let reply = handle(&state, &visitor, &t).await;
                        if socket.send(Message::Text(reply.to_string().into())).await.is_err() { break }
                    }
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
            }
        }
    }
    state.widget_hub.leave(&visitor, tab);
}

/// One frame from the widget: a customer message. Answers with an `ack` or an `error`.
async fn handle(state: &AppState, visitor: &str, frame: &str) -> serde_json::Value {
    let m = match app::domain::widget::parse_frame(frame) {
        Ok(m) => m,
        Err(e) => {
            let mut reply = json!({ "type": "error", "error": e.to_string() });
            if let Some(client_id) = e.client_id() {
                reply["client_id"] = client_id.into();
            }
            return reply;
        }
    };
    let text = m.text.as_str();
    let incoming = IncomingMessage {
        channel: Channel::Web,
        external_id: visitor.to_string(),
        contact_name: None,
        phone: None,
        account: None,
        platform_message_id: m.client_id.clone(),
        text: text.to_string(),
        media: None,
    };
    match ingest::receive(state, &incoming).await {
        Ok(stored) => {
            json!({ "type": "ack", "client_id": m.client_id, "id": stored.map(|s| s.message_id) })
        }
        Err(e) => json!({ "type": "error", "client_id": m.client_id, "error": e.to_string() }),
    }
}

pub async fn demo() -> Html<&'static str> {
    Html(include_str!("../../../public/demo.html"))
}

#[cfg(test)]
mod tests {
    use super::valid_visitor;

    #[test]
    fn visitor_ids_are_short_and_plain() {
        assert!(valid_visitor("3f2a9c1e-77aa-4bb1-9f00-123456789abc"));
        assert!(!valid_visitor("short"));
        assert!(!valid_visitor("has space in it"));
        assert!(!valid_visitor(&"x".repeat(65)));
    }
}
