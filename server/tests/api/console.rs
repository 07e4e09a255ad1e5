//! The operator console over HTTP and `/ws`: the takeover flow from a real WhatsApp escalation to
//! the bot answering again, who may write, resuming a dropped socket without loss or repeats,
//! and the accept race seen from two live sockets.

use crate::channels::{channel_app, sign, wa_text, Ch};
use crate::common::{self, TestApp, TEST_PASSWORD};
use crate::mock::eventually;
use app::domain::users::Role;
use app::dto::Channel;
use app::services::ingest::{receive, IncomingMessage};
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Signs in a new account and returns its session cookie ("baton_session=...").
pub async fn session_cookie(app: &TestApp, email: &str, role: Role) -> (String, i64) {
    let id = app.user(email, role).await;
    let r = reqwest::Client::new()
        .post(app.url("/api/sign_in"))
        .header("origin", format!("http://{}", app.addr))
        .form(&[("email", email), ("password", TEST_PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("baton_session="))
        .expect("session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    (cookie, id)
}

pub async fn open_socket(app: &TestApp, cookie: &str, query: &str) -> Socket {
    let mut req = format!("ws://{}/ws{query}", app.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    let (ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    ws
}

/// The next JSON event, or `None` after `wait` of silence.
pub async fn next_event(ws: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        let frame = tokio::time::timeout(wait, ws.next()).await.ok()??.ok()?;
        if let Ok(text) = frame.to_text() {
            if !text.is_empty() {
                return serde_json::from_str(text).ok();
            }
        }
    }
}

/// Reads events until `want` says it has seen enough; fails after 5 s.
pub async fn read_until(ws: &mut Socket, mut want: impl FnMut(&Value) -> bool) -> Vec<Value> {
    let mut seen = Vec::new();
    while let Some(ev) = next_event(ws, Duration::from_secs(5)).await {
        let done = want(&ev);
        seen.push(ev);
        if done {
            return seen;
        }
    }
    panic!("the expected event never came; saw {seen:#?}");
}

pub fn customer_message(external_id: &str, id: &str, text: &str) -> IncomingMessage {
    IncomingMessage {
        channel: Channel::Telegram,
        external_id: external_id.into(),
        contact_name: Some("Dana".into()),
        phone: None,
        account: None,
        platform_message_id: id.into(),
        text: text.into(),
        media: None,
        sent_at: None,
    }
}

async fn post_wa(ch: &Ch, body: &str) {
    let r = reqwest::Client::new()
        .post(ch.app.url("/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", sign(body.as_bytes()))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

async fn act(app: &TestApp, c: &reqwest::Client, id: i64, action: &str) -> reqwest::Response {
    app.call(
        c,
        "conversations/act",
        &[("id", &id.to_string()), ("action", action)],
    )
    .await
}

async fn history(app: &TestApp, id: i64) -> Vec<(String, String)> {
    let (page, _) = app.state.store.message_page(id, None, 200).await.unwrap();
    page.into_iter()
        .map(|m| (m.sender.as_str().to_string(), m.body))
        .collect()
}

both_databases_with! { channel_app;
    async fn an_operator_takes_over_replies_and_gives_the_customer_back_to_the_bot(ch) {
        let app = &ch.app;
        ch.scenario("Hours", "horario", "Abrimos de 9 a 18.").await;
        let (ana, _) = app.signed_in("ana@x.io", Role::Operator).await;
        let (ben, _) = app.signed_in("ben@x.io", Role::Operator).await;
        post_wa(&ch, &wa_text("5215512345678", "wamid.A1", "quiero hablar con un humano")).await;
        let id = app.scalar("SELECT MAX(id) FROM conversations").await;
        eventually("the conversation waits", || async {
            app.state.store.conversation_summary(id).await.unwrap().unwrap().owner.as_str() == "waiting"
        }).await;

        // Waiting first in the list, with the reason.
        let list: Value = app.call(&ana, "conversations/list", &[]).await.json().await.unwrap();
        assert_eq!(list["groups"][0]["state"], "waiting");
        assert_eq!(list["groups"][0]["items"][0]["id"], id);
        assert_eq!(list["groups"][0]["items"][0]["escalation_reason"], "keyword");

        // Nobody writes before accepting.
        let r = app.call(&ana, "conversations/send", &[("id", &id.to_string()), ("text", "Hola")]).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);

        let r = app.call(&ana, "conversations/accept", &[("id", &id.to_string())]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let r = app.call(&ben, "conversations/accept", &[("id", &id.to_string())]).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert_eq!(common::refusal(r).await, "Taken by ana");

        // Ben reads along but cannot write; Ana can, and the customer receives it.
        let r = app.call(&ben, "conversations/send", &[("id", &id.to_string()), ("text", "Soy Ben")]).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let r = app.call(&ana, "conversations/send", &[("id", &id.to_string()), ("text", "  ")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "an empty reply is refused");
        let r = app.call(&ana, "conversations/send", &[("id", &id.to_string()), ("text", "Hola, soy Ana. ¿En qué te ayudo?")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let sent: Value = r.json().await.unwrap();
        assert_eq!((sent["sender"].as_str(), sent["author_name"].as_str()), (Some("operator"), Some("ana")));
        let reqs = ch.graph.wait_for(2).await;
        assert_eq!(reqs[1].json["text"]["body"], "Hola, soy Ana. ¿En qué te ayudo?");
        assert_eq!(reqs[1].json["to"], "5215512345678");
        eventually("the reply is marked sent", || async {
            app.state.store.message(sent["id"].as_i64().unwrap()).await.unwrap().unwrap().delivery_status.as_deref() == Some("sent")
        }).await;

        // While Ana holds it, the bot stays silent.
        post_wa(&ch, &wa_text("5215512345678", "wamid.A2", "¿horario?")).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(ch.graph.requests().len(), 2, "the bot never speaks while a human owns the conversation");

        assert_eq!(act(app, &ben, id, "return").await.status(), StatusCode::CONFLICT, "only the holder returns it");
        assert_eq!(act(app, &ana, id, "return").await.status(), StatusCode::OK);
        post_wa(&ch, &wa_text("5215512345678", "wamid.A3", "¿cuál es su horario?")).await;
        let reqs = ch.graph.wait_for(3).await;
        assert_eq!(reqs[2].json["text"]["body"], "Abrimos de 9 a 18.");

        let lines: Vec<String> = history(app, id).await.into_iter().filter(|(s, _)| s == "system").map(|(_, b)| b).collect();
        assert_eq!(lines, [
            "Escalated: keyword \"human\"".to_string(),
            // Signed in over HTTP but without a live socket: nobody online to offer it to.
            "No operator to offer to; skipped ana (offline), ben (offline); alerted everyone available (ana, ben)".to_string(),
            "Accepted by ana".to_string(),
            "Returned to bot".to_string(),
        ]);
    }

    async fn admins_take_over_explicitly_and_transfers_go_to_available_operators(ch) {
        let app = &ch.app;
        let (ana, ana_id) = app.signed_in("ana@x.io", Role::Operator).await;
        let (boss, _) = app.signed_in("boss@x.io", Role::Admin).await;
        let (ben, ben_id) = app.signed_in("ben@x.io", Role::Operator).await;
        post_wa(&ch, &wa_text("5215599999999", "wamid.B1", "operador")).await;
        let id = app.scalar("SELECT MAX(id) FROM conversations").await;
        eventually("the conversation waits", || async {
            app.state.store.conversation_summary(id).await.unwrap().unwrap().owner.as_str() == "waiting"
        }).await;
        assert_eq!(app.call(&ana, "conversations/accept", &[("id", &id.to_string())]).await.status(), StatusCode::OK);

        // An admin may not write into Ana's conversation without taking it over.
        let r = app.call(&boss, "conversations/send", &[("id", &id.to_string()), ("text", "Hi")]).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert_eq!(act(app, &boss, id, "take_over").await.status(), StatusCode::OK);
        let r = app.call(&boss, "conversations/send", &[("id", &id.to_string()), ("text", "Hi, boss here")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(act(app, &ana, id, "close").await.status(), StatusCode::CONFLICT, "Ana no longer holds it");

        // Transfer: not to someone away; then to Ben, who can write.
        app.call(&ben, "presence", &[("available", "false")]).await;
        let r = app.call(&boss, "conversations/act", &[("id", &id.to_string()), ("action", "transfer"), ("to", &ben_id.to_string())]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(common::refusal(r).await, "ben is away; pick someone available.");
        app.call(&ben, "presence", &[("available", "true")]).await;
        let r = app.call(&boss, "conversations/act", &[("id", &id.to_string()), ("action", "transfer"), ("to", &ben_id.to_string())]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let s: Value = r.json().await.unwrap();
        assert_eq!(s["assignee_id"], ben_id);
        let statuses: Value = app.call(&ana, "operators/status", &[]).await.json().await.unwrap();
        let ben_row = statuses.as_array().unwrap().iter().find(|o| o["id"] == ben_id).unwrap().clone();
        assert_eq!((ben_row["load"].as_i64(), ben_row["available"].as_bool()), (Some(1), Some(true)));
        let _ = ana_id;

        // The AI switch and close, each recorded.
        let r = app.call(&ben, "conversations/ai", &[("id", &id.to_string()), ("on", "true")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(act(app, &ben, id, "close").await.status(), StatusCode::OK);
        let lines: Vec<String> = history(app, id).await.into_iter().filter(|(s, _)| s == "system").map(|(_, b)| b).collect();
        assert_eq!(&lines[1..], [
            "No operator to offer to; skipped ana (offline), boss (offline), ben (offline); alerted everyone available (ana, boss, ben)",
            "Accepted by ana", "Taken over by boss", "Transferred to ben by boss", "AI bot switched on by ben", "Closed by ben",
        ]);
        let r = act(app, &ben, id, "dance").await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    }
}

both_databases! {
    async fn the_list_filters_searches_and_pages_and_the_chat_pages_back(app) {
        let (ana, ana_id) = app.signed_in("ana@x.io", Role::Operator).await;
        for i in 0..3 {
            receive(&app.state, &customer_message(&format!("t{i}"), &format!("m{i}"), &format!("pedido {i}"))).await.unwrap();
        }
        let id = app.scalar("SELECT MIN(id) FROM conversations").await;
        for i in 0..120 {
            receive(&app.state, &customer_message("t0", &format!("x{i}"), &format!("line {i}"))).await.unwrap();
        }
        app.state.store.set_available(ana_id, true).await.unwrap();
        let body: Value = app.call(&ana, "conversations/list", &[("q", "LINE 7")]).await.json().await.unwrap();
        let found: Vec<i64> = body["groups"].as_array().unwrap().iter()
            .flat_map(|g| g["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap())).collect();
        assert_eq!(found, [id], "message text is searched, case-insensitively");
        let body: Value = app.call(&ana, "conversations/list", &[("q", "50%")]).await.json().await.unwrap();
        assert!(body["groups"].as_array().unwrap().iter().all(|g| g["total"] == 0), "% is text, not a wildcard");
        let body: Value = app.call(&ana, "conversations/list", &[("filter", "mine")]).await.json().await.unwrap();
        assert_eq!(body["groups"].as_array().unwrap().len(), 1);
        assert_eq!(body["groups"][0]["total"], 0);
        let body: Value = app.call(&ana, "conversations/list", &[("filter", "bot")]).await.json().await.unwrap();
        assert_eq!((body["groups"].as_array().unwrap().len(), body["groups"][0]["state"].as_str()), (1, Some("bot")));
        let body: Value = app.call(&ana, "conversations/list", &[]).await.json().await.unwrap();
        let states: Vec<&str> = body["groups"].as_array().unwrap().iter().map(|g| g["state"].as_str().unwrap()).collect();
        assert_eq!(states, ["waiting", "assigned", "bot", "closed"]);
        let total: i64 = body["groups"].as_array().unwrap().iter().map(|g| g["total"].as_i64().unwrap()).sum();
        assert_eq!(total, 3);
        let r = app.call(&ana, "conversations/list", &[("filter", "bot"), ("closed_offset", "many")]).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "a malformed page is refused, not a 500");

        let detail: Value = app.call(&ana, "conversations/open", &[("id", &id.to_string())]).await.json().await.unwrap();
        let first = detail["page"]["messages"].as_array().unwrap();
        assert_eq!(first.len(), 50);
        assert_eq!(detail["page"]["has_earlier"], true);
        assert_eq!(first.last().unwrap()["body"], "line 119");
        let before = first[0]["id"].as_i64().unwrap();
        let page: Value = app.call(&ana, "conversations/earlier", &[("id", &id.to_string()), ("before", &before.to_string())]).await.json().await.unwrap();
        let older = page["messages"].as_array().unwrap();
        assert_eq!(older.len(), 50);
        assert!(older.iter().all(|m| m["id"].as_i64().unwrap() < before));
        assert_eq!(older.last().unwrap()["id"].as_i64().unwrap(), before - 1, "no gap, no overlap");
        let r = app.call(&ana, "conversations/open", &[("id", "424242")]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }

    async fn a_dropped_socket_resumes_with_exactly_the_missed_events(app) {
        let (cookie, op) = session_cookie(&app, "ana@x.io", Role::Operator).await;
        // A conversation Ana holds, so the bot stays out of it.
        receive(&app.state, &customer_message("t1", "m0", "hola")).await.unwrap();
        let id = app.scalar("SELECT MAX(id) FROM conversations").await;
        use app::domain::ownership::{Actor, Transition};
        use app::services::conversations::transition;
        transition(&app.state, id, Transition::Escalate, Some("keyword")).await.unwrap();
        transition(&app.state, id, Transition::Accept(Actor { id: op, is_admin: false }), None).await.unwrap();

        let mut ws = open_socket(&app, &cookie, "").await;
        let hello = next_event(&mut ws, Duration::from_secs(5)).await.unwrap();
        assert_eq!(hello["type"], "hello");
        let epoch = hello["epoch"].as_u64().unwrap();
        let mut last = hello["seq"].as_u64().unwrap();
        // Something live first, to know where the client stands.
        receive(&app.state, &customer_message("t1", "m1", "uno")).await.unwrap();
        for ev in read_until(&mut ws, |e| e["type"] == "message_created").await {
            last = last.max(ev["seq"].as_u64().unwrap());
        }
        ws.close(None).await.unwrap();
        drop(ws);

        for (i, text) in ["dos", "tres", "cuatro"].iter().enumerate() {
            receive(&app.state, &customer_message("t1", &format!("m{}", i + 2), text)).await.unwrap();
        }
        let mut ws = open_socket(&app, &cookie, &format!("?since={last}&epoch={epoch}")).await;
        assert_eq!(next_event(&mut ws, Duration::from_secs(5)).await.unwrap()["type"], "hello");
        let mut texts = Vec::new();
        while let Some(ev) = next_event(&mut ws, Duration::from_millis(500)).await {
            assert!(ev["seq"].as_u64().unwrap() > last, "nothing the client already had: {ev}");
            if ev["type"] == "message_created" {
                texts.push(ev["message"]["body"].as_str().unwrap().to_string());
            }
        }
        assert_eq!(texts, ["dos", "tres", "cuatro"], "all three, once each, in order");

        // From another server run (or too far behind): told to reload instead.
        let mut ws = open_socket(&app, &cookie, &format!("?since={last}&epoch={}", epoch + 1)).await;
        assert_eq!(next_event(&mut ws, Duration::from_secs(5)).await.unwrap()["type"], "hello");
        assert_eq!(next_event(&mut ws, Duration::from_secs(5)).await.unwrap()["type"], "resync");
    }

    async fn two_live_operators_accepting_together_see_one_winner(app) {
        let (c1, op1) = session_cookie(&app, "ana@x.io", Role::Operator).await;
        let (c2, op2) = session_cookie(&app, "ben@x.io", Role::Operator).await;
        receive(&app.state, &customer_message("t9", "w0", "hola")).await.unwrap();
        let id = app.scalar("SELECT MAX(id) FROM conversations").await;
        let mut ws1 = open_socket(&app, &c1, "").await;
        let mut ws2 = open_socket(&app, &c2, "").await;
        // The hello comes once the server listens for this socket's events; an escalation
        // before that would not reach it.
        for ws in [&mut ws1, &mut ws2] {
            read_until(ws, |e| e["type"] == "hello").await;
        }
        use app::domain::ownership::Transition;
        app::services::conversations::transition(&app.state, id, Transition::Escalate, Some("keyword")).await.unwrap();
        for ws in [&mut ws1, &mut ws2] {
            read_until(ws, |e| e["type"] == "conversation_updated" && e["conversation"]["owner"] == "waiting").await;
        }
        let call = |cookie: String| {
            let url = app.url("/api/conversations/accept");
            let origin = format!("http://{}", app.addr);
            async move {
                reqwest::Client::new().post(url).header("origin", origin).header("cookie", cookie)
                    .form(&[("id", id.to_string())]).send().await.unwrap()
            }
        };
        let (r1, r2) = tokio::join!(call(c1.clone()), call(c2.clone()));
        let statuses = [r1.status().as_u16(), r2.status().as_u16()];
        assert!(statuses.contains(&200) && statuses.contains(&409), "one winner: {statuses:?}");
        let (winner, loser_text) = if r1.status() == 200 { (op1, common::refusal(r2).await) } else { (op2, common::refusal(r1).await) };
        let winner_name = if winner == op1 { "ana" } else { "ben" };
        assert_eq!(loser_text, format!("Taken by {winner_name}"));
        for ws in [&mut ws1, &mut ws2] {
            let seen = read_until(ws, |e| e["type"] == "conversation_updated" && e["conversation"]["owner"] == "assigned").await;
            assert_eq!(seen.last().unwrap()["conversation"]["assignee_id"], winner);
        }
        let _ = common::Db::Sqlite;
    }
}
