//! The anonymous web widget on the open internet: server-issued identities, per-visitor dedup,
//! and every limit (frame size, sockets per address, messages per minute, new visitors per hour,
//! idle sockets, allowed sites). Each test fails on the widget as it was before these limits.

use crate::common::{self, Db, TestApp};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text frame as JSON (pings are answered by the client library on the way).
pub async fn next_json(ws: &mut Socket) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a frame within 10 s")
            .expect("socket open")
            .expect("a frame");
        match m {
            Message::Text(t) => return serde_json::from_str(&t).unwrap(),
            Message::Close(c) => panic!("socket closed: {c:?}"),
            _ => {}
        }
    }
}

pub async fn say(ws: &mut Socket, text: &str, client_id: &str) {
    let frame = json!({"type": "message", "text": text, "client_id": client_id}).to_string();
    ws.send(Message::Text(frame.into())).await.unwrap();
}

/// Opens a widget socket as a page on `origin` would, without introducing itself yet.
async fn connect(app: &TestApp, origin: Option<&str>) -> Result<Socket, u16> {
    let mut req = format!("ws://{}/widget/ws", app.addr)
        .into_client_request()
        .unwrap();
    if let Some(o) = origin {
        req.headers_mut().insert("origin", o.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => Err(res.status().as_u16()),
        Err(e) => panic!("connect: {e}"),
    }
}

/// A widget that says hello with `token`: the socket, the token to keep, and the history.
pub async fn visit(app: &TestApp, token: Option<&str>) -> (Socket, String, Vec<Value>) {
    let mut ws = connect(app, None).await.expect("upgrade");
    let hello = json!({"type": "hello", "token": token}).to_string();
    ws.send(Message::Text(hello.into())).await.unwrap();
    let welcome = next_json(&mut ws).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    let kept = welcome["token"]
        .as_str()
        .map(str::to_string)
        .or(token.map(str::to_string))
        .unwrap();
    let history = next_json(&mut ws).await;
    assert_eq!(history["type"], "history");
    (ws, kept, history["messages"].as_array().unwrap().clone())
}

/// How the server closed the socket: code and reason.
async fn closed(ws: &mut Socket) -> (u16, String) {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Close(Some(f))))) => return (f.code.into(), f.reason.to_string()),
            Ok(Some(Ok(Message::Close(None)))) | Ok(None) => return (0, String::new()),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => panic!("socket error instead of a close frame: {e}"),
            Err(_) => panic!("no close within 10 s"),
        }
    }
}

both_databases! {
    async fn the_server_issues_the_identity_and_a_forged_token_reaches_nobody(app) {
        let (mut ws, token, history) = visit(&app, None).await;
        assert_eq!(token.len(), 64, "256 random bits, hex");
        assert!(history.is_empty());
        say(&mut ws, "hello, where is my order?", "c-1").await;
        assert_eq!(next_json(&mut ws).await["type"], "ack");
        drop(ws);

        // The token brings the same conversation back.
        let (_again, kept, history) = visit(&app, Some(&token)).await;
        assert_eq!(kept, token);
        assert_eq!(history[0]["text"], "hello, where is my order?");
        assert_eq!(history[0]["client_id"], "c-1");

        // A token the server never issued gets a fresh identity and sees nothing.
        let forged = "ab".repeat(32);
        let (_other, fresh, history) = visit(&app, Some(&forged)).await;
        assert_ne!(fresh, forged);
        assert_ne!(fresh, token);
        assert!(history.is_empty(), "{history:?}");
        // An old-style client-chosen id is no identity either.
        let (_old, fresh2, history) = visit(&app, Some("visitor-1234abcd")).await;
        assert!(history.is_empty() && fresh2 != token);

        // Only the hash is stored.
        let hash = hex::encode(Sha256::digest(token.as_bytes()));
        assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM widget_visitors WHERE token_hash = '{hash}'")).await, 1);
        assert_eq!(app.scalar(&format!(
            "SELECT COUNT(*) FROM widget_visitors WHERE token_hash = '{token}' OR external_id = '{token}'")).await, 0);
        assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM contacts WHERE external_id = '{token}'")).await, 0);
    }

    async fn two_visitors_with_the_same_client_id_are_both_stored(app) {
        let (mut a, _, _) = visit(&app, None).await;
        let (mut b, _, _) = visit(&app, None).await;
        say(&mut a, "first visitor", "same-id").await;
        say(&mut b, "second visitor", "same-id").await;
        let (ack_a, ack_b) = (next_json(&mut a).await, next_json(&mut b).await);
        assert!(ack_a["id"].is_i64() && ack_b["id"].is_i64(), "{ack_a} {ack_b}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM messages WHERE sender = 'customer'").await, 2);
        // ... while one visitor's resend is still stored once.
        say(&mut a, "first visitor", "same-id").await;
        assert!(next_json(&mut a).await["id"].is_null());
        assert_eq!(app.scalar("SELECT COUNT(*) FROM messages WHERE sender = 'customer'").await, 2);
    }

    async fn a_reply_to_a_visitor_who_left_waits_and_goes_out_when_they_return(app) {
        let (mut ws, token, _) = visit(&app, None).await;
        say(&mut ws, "hola, ¿hay alguien?", "c-1").await;
        assert_eq!(next_json(&mut ws).await["type"], "ack");
        let id = app.scalar("SELECT MAX(conversation_id) FROM messages WHERE body = 'hola, ¿hay alguien?'").await;
        drop(ws);
        let (ana, ana_id) = app.signed_in("ana@x.io", app::domain::users::Role::Operator).await;
        crate::common::assign(&app.state, id, ana_id).await;
        // The visitor's tab closes before the reply: it is not "sent", it waits for them.
        crate::mock::eventually("the tab gone", || async { app.state.widget_hub.open_tabs() == 0 }).await;
        let r = app.call(&ana, "conversations/send", &[("id", &id.to_string()), ("text", "Sí, soy Ana")]).await;
        assert_eq!(r.status(), 200);
        let status = "SELECT COUNT(*) FROM messages WHERE body = 'Sí, soy Ana' AND delivery_status = ";
        crate::mock::eventually("the reply waiting", || async {
            app.scalar(&format!("{status}'waiting'")).await == 1
        })
        .await;
        assert_eq!(app.scalar("SELECT MAX(attempts) FROM outbox").await, 0, "waiting is no failed attempt");
        // They come back: the reply reaches their tab and is marked sent.
        let (mut ws, _, _) = visit(&app, Some(&token)).await;
        loop {
            let f = next_json(&mut ws).await;
            if f["type"] == "message" && f["message"]["text"] == "Sí, soy Ana" {
                break;
            }
        }
        crate::mock::eventually("the reply sent", || async {
            app.scalar(&format!("{status}'sent'")).await == 1
        })
        .await;
    }
}

async fn limited(extra: &[(&str, &str)]) -> TestApp {
    common::spawn_with(Db::Sqlite, extra).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_frame_over_the_limit_closes_the_socket_with_1009_and_keeps_what_was_stored() {
    let app = limited(&[]).await;
    let (mut ws, token, _) = visit(&app, None).await;
    say(&mut ws, "stored before", "c-1").await;
    assert_eq!(next_json(&mut ws).await["type"], "ack");
    say(&mut ws, &"x".repeat(20 * 1024), "c-2").await;
    let (code, reason) = closed(&mut ws).await;
    assert_eq!(code, u16::from(CloseCode::Size));
    assert!(reason.contains("16384"), "{reason}");
    // Far past the limit (64 MiB used to be accepted): refused as well, nothing else stored.
    let (mut ws, _, history) = visit(&app, Some(&token)).await;
    assert_eq!(history.len(), 1);
    let _ = ws.send(Message::Text("y".repeat(1 << 20).into())).await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM messages WHERE sender = 'customer'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_socket_flooding_frames_is_closed() {
    let app = common::spawn(Db::Sqlite).await.unwrap();
    let (mut ws, _, _) = visit(&app, None).await;
    // Typing frames get no answer and are passed on at most every 2 s; a flood of them (or of
    // anything) past 120 a minute closes the socket.
    let typing = json!({"type": "typing"}).to_string();
    for _ in 0..121 {
        if ws.send(Message::Text(typing.clone().into())).await.is_err() {
            break;
        }
    }
    let (code, reason) = closed(&mut ws).await;
    assert_eq!(code, 1008);
    assert_eq!(reason, "too many frames: at most 120 a minute");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn open_sockets_are_limited_per_address() {
    let app = limited(&[("BATON_WIDGET_SOCKETS_PER_ADDRESS", "2")]).await;
    let (_a, _, _) = visit(&app, None).await;
    let (_b, _, _) = visit(&app, None).await;
    let mut third = connect(&app, None).await.unwrap();
    let (code, reason) = closed(&mut third).await;
    assert_eq!(code, 1008);
    assert!(reason.contains("too many open chats"), "{reason}");
    drop(_a);
    // A closed socket frees its place.
    let mut ok = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut ws = connect(&app, None).await.unwrap();
        ws.send(Message::Text(json!({"type": "hello"}).to_string().into()))
            .await
            .unwrap();
        if let Ok(Some(Ok(Message::Text(t)))) =
            tokio::time::timeout(Duration::from_secs(5), ws.next()).await
        {
            ok = Some(t.to_string());
            break;
        }
    }
    assert!(ok.unwrap().contains("welcome"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn messages_are_limited_per_visitor_and_the_widget_is_told_when_to_retry() {
    let app = limited(&[("BATON_WIDGET_MESSAGES_PER_MINUTE", "2")]).await;
    let (mut ws, _, _) = visit(&app, None).await;
    for i in 0..2 {
        say(&mut ws, "hi", &format!("c-{i}")).await;
        assert_eq!(next_json(&mut ws).await["type"], "ack");
    }
    say(&mut ws, "one too many", "c-2").await;
    let err = next_json(&mut ws).await;
    assert_eq!(err["type"], "error");
    assert_eq!(err["client_id"], "c-2");
    let wait = err["retry_after"].as_i64().unwrap();
    assert!((1..=60).contains(&wait), "{err}");
    assert!(err["error"].as_str().unwrap().contains("too fast"));
    // Another visitor is not affected.
    let (mut other, _, _) = visit(&app, None).await;
    say(&mut other, "hi", "c-0").await;
    assert_eq!(next_json(&mut other).await["type"], "ack");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM messages WHERE sender = 'customer'")
            .await,
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn new_visitors_are_limited_per_address_but_known_ones_return() {
    let app = limited(&[("BATON_WIDGET_NEW_VISITORS_PER_HOUR", "2")]).await;
    let (_a, token, _) = visit(&app, None).await;
    let (_b, _, _) = visit(&app, None).await;
    let mut third = connect(&app, None).await.unwrap();
    third
        .send(Message::Text(json!({"type": "hello"}).to_string().into()))
        .await
        .unwrap();
    let (code, reason) = closed(&mut third).await;
    assert_eq!(code, 1008);
    assert!(reason.contains("too many new chats"), "{reason}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM widget_visitors").await, 2);
    let (_back, kept, _) = visit(&app, Some(&token)).await;
    assert_eq!(kept, token);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_silent_socket_is_closed_and_a_live_one_is_kept_by_ping_pong() {
    let app = limited(&[("BATON_WIDGET_IDLE_SECONDS", "1")]).await;
    // This client reads (so it answers the server's pings) for 2.5 idle timeouts, then writes.
    let (mut live, _, _) = visit(&app, None).await;
    let until = tokio::time::Instant::now() + Duration::from_millis(2500);
    let mut pings = 0;
    while let Ok(Some(Ok(m))) = tokio::time::timeout_at(until, live.next()).await {
        assert!(!m.is_close(), "a live socket was closed: {m:?}");
        pings += usize::from(m.is_ping());
    }
    assert!(pings >= 2, "{pings} pings");
    say(&mut live, "still here", "c-1").await;
    assert_eq!(next_json(&mut live).await["type"], "ack");

    // This one never reads, so it never answers a ping.
    let (mut silent, _, _) = visit(&app, None).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (code, reason) = closed(&mut silent).await;
    assert_eq!(code, 1000);
    assert!(reason.contains("quiet"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_listed_sites_may_embed_the_widget() {
    let app = limited(&[("BATON_WIDGET_ORIGINS", "https://shop.example")]).await;
    assert_eq!(
        connect(&app, Some("https://evil.example")).await.err(),
        Some(403)
    );
    assert_eq!(connect(&app, None).await.err(), Some(403));
    assert!(connect(&app, Some("https://shop.example")).await.is_ok());
    // Unset: any site (the default).
    let open = limited(&[]).await;
    assert!(connect(&open, Some("https://evil.example")).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_old_widget_that_starts_with_a_message_gets_an_identity_and_its_message_stored() {
    let app = limited(&[]).await;
    let mut ws = connect(&app, None).await.unwrap();
    say(&mut ws, "first words", "c-1").await;
    assert_eq!(next_json(&mut ws).await["type"], "welcome");
    assert_eq!(next_json(&mut ws).await["type"], "history");
    assert_eq!(next_json(&mut ws).await["type"], "ack");
}
