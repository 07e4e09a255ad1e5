//! The operator's toolkit: private notes (stored and shown to operators, never sent to the
//! customer nor read by the bot; `@name` pages that person in the console and on their phone),
//! canned replies (shared ones kept by admins, personal ones by their owner), and the waiting
//! count behind the page title and the app badge.

use crate::common::{self, client_with, TestApp};
use crate::console::{next_event, open_socket, read_until, session_cookie};
use crate::mock::eventually;
use crate::push::{answer, Receiver};
use crate::queue::{conversation, decrypt, subscribe};
use crate::widget::{next_json, say, visit};
use app::domain::users::Role;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

async fn note(app: &TestApp, c: &reqwest::Client, id: i64, text: &str) -> reqwest::Response {
    app.call(
        c,
        "conversations/note",
        &[("id", &id.to_string()), ("text", text)],
    )
    .await
}

both_databases! {
    async fn a_note_stays_with_operators_and_pages_whom_it_mentions(app) {
        let rx = Receiver::start().await;
        rx.default_answer("/push/ana", answer(201, &[], ""));
        let (ana_cookie, ana_id) = session_cookie(&app, "ana@x.io", Role::Operator).await;
        let ana = client_with(&ana_cookie);
        let (ana_phone, _) = subscribe(&app, &ana, &rx, "/push/ana").await;
        let (ben, ben_id) = app.signed_in("ben@x.io", Role::Operator).await;
        let (cy_cookie, _) = session_cookie(&app, "cy@x.io", Role::Operator).await;
        let mut ana_ws = open_socket(&app, &ana_cookie, "").await;
        let mut cy_ws = open_socket(&app, &cy_cookie, "").await;
        let id = conversation(&app, "t-note", "Dana").await;
        common::assign(&app.state, id, ben_id).await;

        let r = note(&app, &ben, id, "   ").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = note(&app, &ben, 999_999, "hi").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        // Cy does not hold the conversation: a note is still hers to write (asking for help).
        let r = note(&app, &client_with(&cy_cookie), id, "I spoke to Dana yesterday").await;
        assert_eq!(r.status(), StatusCode::OK);
        let r = note(&app, &ben, id, "@ana can you confirm the refund?").await;
        assert_eq!(r.status(), StatusCode::OK);
        let n: Value = r.json().await.unwrap();
        assert_eq!((n["note"].as_bool(), n["sender"].as_str(), n["author_name"].as_str()), (Some(true), Some("operator"), Some("ben")));
        let note_id = n["id"].as_i64().unwrap();

        // Never sent: no outbox row, no delivery state; and the bot's context leaves it out.
        assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM outbox WHERE message_id = {note_id}")).await, 0);
        let stored = app.state.store.message(note_id).await.unwrap().unwrap();
        assert!(stored.note && stored.delivery_status.is_none());
        let context = app.state.store.recent_messages(id, 10).await.unwrap();
        assert_eq!(context, vec![("customer".to_string(), "Where is my order?".to_string())]);

        // Ana is told in the console ...
        let seen = read_until(&mut ana_ws, |e| e["type"] == "mentioned").await;
        let m = seen.last().unwrap();
        assert_eq!((m["by"].as_str(), m["conversation_id"].as_i64(), m["contact"].as_str()), (Some("ben"), Some(id), Some("Dana")));
        assert_eq!(m["excerpt"], "@ana can you confirm the refund?");
        // ... and others see the note but not her alert.
        read_until(&mut cy_ws, |e| e["type"] == "message_created" && e["message"]["id"] == note_id).await;
        while let Some(e) = next_event(&mut cy_ws, Duration::from_millis(400)).await {
            assert_ne!(e["type"], "mentioned", "a mention goes to its person only");
        }
        // ... and on her phone, worded as a mention (no Accept button).
        // (Her phone may also have had the escalation's alert: she is reachable by push.)
        let mention = || {
            rx.requests("/push/ana")
                .iter()
                .map(|r| decrypt(&ana_phone, r))
                .find(|p| p["title"] == "ben mentioned you")
        };
        eventually("the mention's push", || async { mention().is_some() }).await;
        let p = mention().unwrap();
        assert_eq!(p["accept"], "");
        assert_eq!(p["conversation_id"].as_i64(), Some(id));
        assert_eq!(p["preview"], "@ana can you confirm the refund?");
        assert_eq!(
            app.column(&format!("SELECT user_id FROM notification_outbox WHERE kind = 'mention' AND conversation_id = {id}")).await,
            vec![ana_id],
            "the author and the unmentioned are not paged"
        );
    }

    async fn a_widget_visitor_never_sees_a_note(app) {
        let (mut ws, token, _) = visit(&app, None).await;
        say(&mut ws, "¿hay alguien?", "c-1").await;
        assert_eq!(next_json(&mut ws).await["type"], "ack");
        let id = app.scalar("SELECT MAX(conversation_id) FROM messages WHERE body = '¿hay alguien?'").await;
        let (ana, ana_id) = app.signed_in("ana@x.io", Role::Operator).await;
        common::assign(&app.state, id, ana_id).await;
        assert_eq!(note(&app, &ana, id, "VIP customer, be quick").await.status(), StatusCode::OK);
        let r = app.call(&ana, "conversations/send", &[("id", &id.to_string()), ("text", "Sí, soy Ana")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        loop {
            let f = next_json(&mut ws).await;
            assert_ne!(f["message"]["text"], "VIP customer, be quick", "the note reached the visitor");
            if f["message"]["text"] == "Sí, soy Ana" {
                break;
            }
        }
        drop(ws);
        let (_, _, history) = visit(&app, Some(&token)).await;
        let texts: Vec<&str> = history.iter().filter_map(|m| m["text"].as_str()).collect();
        assert_eq!((texts.first(), texts.last()), (Some(&"¿hay alguien?"), Some(&"Sí, soy Ana")));
        assert!(!texts.contains(&"VIP customer, be quick"), "the note is in the visitor's history: {texts:?}");
    }

    async fn canned_replies_shared_by_admins_and_personal_to_each(app) {
        let (boss, _) = app.signed_in("boss@x.io", Role::Admin).await;
        let (ana, _) = app.signed_in("ana@x.io", Role::Operator).await;
        let (ben, _) = app.signed_in("ben@x.io", Role::Operator).await;
        let save = |c: &reqwest::Client, shared: bool, shortcut: &str, body: &str| {
            let (c, shortcut, body) = (c.clone(), shortcut.to_string(), body.to_string());
            let app = &app;
            async move {
                app.call(&c, "canned/save", &[("shared", if shared { "true" } else { "false" }), ("shortcut", &shortcut), ("body", &body)]).await
            }
        };
        let r = save(&boss, true, "/Hours", "Hi {{name}}, we open 9 to 6.").await;
        assert_eq!(r.status(), StatusCode::OK);
        let hours: Value = r.json().await.unwrap();
        assert_eq!((hours["shortcut"].as_str(), hours["shared"].as_bool()), (Some("hours"), Some(true)));
        assert_eq!(save(&ana, true, "refund", "No.").await.status(), StatusCode::FORBIDDEN, "the shared set is the admins'");
        let r = save(&boss, true, "HOURS", "again").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(common::refusal(r).await, "Another reply already has this shortcut.");
        let r = save(&ana, false, "two words", "").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = save(&ana, false, "bye", "Bye {{name}}, {{agent}} here.").await;
        assert_eq!(r.status(), StatusCode::OK);
        let bye: Value = r.json().await.unwrap();
        // A personal shortcut may repeat a shared one, and another operator's.
        assert_eq!(save(&ben, false, "bye", "Ciao").await.status(), StatusCode::OK);

        let composer = |c: &reqwest::Client| {
            let c = c.clone();
            let app = &app;
            async move {
                let list: Vec<Value> = app.call(&c, "canned/composer", &[]).await.json().await.unwrap();
                list.iter().map(|r| format!("{}:{}", r["shortcut"].as_str().unwrap(), r["body"].as_str().unwrap())).collect::<Vec<_>>()
            }
        };
        assert_eq!(composer(&ana).await, ["bye:Bye {{name}}, {{agent}} here.", "hours:Hi {{name}}, we open 9 to 6."]);
        assert_eq!(composer(&ben).await, ["bye:Ciao", "hours:Hi {{name}}, we open 9 to 6."]);

        // Ben cannot learn of, change or delete Ana's reply; Ana cannot change the shared one.
        let bye_id = bye["id"].as_i64().unwrap().to_string();
        let r = app.call(&ben, "canned/save", &[("id", bye_id.as_str()), ("shortcut", "bye"), ("body", "mine now")]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.call(&ben, "canned/delete", &[("id", bye_id.as_str())]).await.status(), StatusCode::NOT_FOUND);
        let hours_id = hours["id"].as_i64().unwrap().to_string();
        assert_eq!(app.call(&ana, "canned/delete", &[("id", hours_id.as_str())]).await.status(), StatusCode::FORBIDDEN);
        let r = app.call(&ana, "canned/save", &[("id", bye_id.as_str()), ("shortcut", "ciao"), ("body", "Ciao {{name}}")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let mine: Vec<Value> = app.call(&ana, "canned/list", &[("shared", "false")]).await.json().await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!((mine[0]["shortcut"].as_str(), mine[0]["body"].as_str()), (Some("ciao"), Some("Ciao {{name}}")));
        assert_eq!(app.call(&boss, "canned/delete", &[("id", hours_id.as_str())]).await.status(), StatusCode::OK);
        assert_eq!(composer(&ana).await, ["ciao:Ciao {{name}}"]);
    }

    async fn a_phone_in_a_pocket_is_offered_at_the_first_step(app) {
        let rx = Receiver::start().await;
        rx.default_answer("/push/ana", answer(201, &[], ""));
        let (ana, ana_id) = app.signed_in("ana@x.io", Role::Operator).await;
        let (ben, _) = app.signed_in("ben@x.io", Role::Operator).await;
        // Ana's phone is locked (no socket) but subscribed; Ben has neither.
        subscribe(&app, &ana, &rx, "/push/ana").await;
        let statuses: Vec<Value> = app.call(&ben, "operators/status", &[]).await.json().await.unwrap();
        let reach: Vec<(&str, bool, bool)> = statuses.iter()
            .map(|o| (o["display_name"].as_str().unwrap(), o["online"].as_bool().unwrap(), o["push_ready"].as_bool().unwrap()))
            .collect();
        assert_eq!(reach, [("ana", false, true), ("ben", false, false)]);

        let id = conversation(&app, "t-pocket", "Dana").await;
        app::services::conversations::transition(&app.state, id, app::domain::ownership::Transition::Escalate, Some("keyword")).await.unwrap();
        let (page, _) = app.state.store.message_page(id, None, 10).await.unwrap();
        let routing: Vec<String> = page.iter().filter(|m| m.body.starts_with("Offered") || m.body.starts_with("No operator")).map(|m| m.body.clone()).collect();
        assert_eq!(routing, ["Offered to ana (first to accept); skipped ben (offline)"]);
        eventually("Ana's alert", || async { rx.requests("/push/ana").len() == 1 }).await;
        assert_eq!(app.column(&format!("SELECT user_id FROM notification_outbox WHERE conversation_id = {id}")).await, [ana_id]);

        // A device whose last push failed does not count: she is offline again.
        app.exec(&format!("UPDATE devices SET last_error = 'gone', last_error_at = 9999999999999 WHERE user_id = {ana_id}")).await;
        let statuses: Vec<Value> = app.call(&ben, "operators/status", &[]).await.json().await.unwrap();
        assert_eq!(statuses[0]["push_ready"], false);
    }

    async fn the_waiting_count_lists_the_waiting_conversations(app) {
        let (ana, ana_id) = app.signed_in("ana@x.io", Role::Operator).await;
        let waiting = || async {
            app.call(&ana, "conversations/waiting", &[]).await.json::<Vec<i64>>().await.unwrap()
        };
        assert!(waiting().await.is_empty());
        let a = conversation(&app, "t-a", "Ann").await;
        let b = conversation(&app, "t-b", "Bea").await;
        for id in [a, b] {
            app::services::conversations::transition(&app.state, id, app::domain::ownership::Transition::Escalate, Some("keyword")).await.unwrap();
        }
        assert_eq!(waiting().await, [a, b]);
        let ana_accepts = app::domain::ownership::Transition::Accept(app::domain::ownership::Actor { id: ana_id, is_admin: false });
        app::services::conversations::transition(&app.state, a, ana_accepts, None).await.unwrap();
        assert_eq!(waiting().await, [b]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_owner_keeps_at_most_the_limit_of_canned_replies() {
    let app = common::spawn(common::Db::Sqlite).await.unwrap();
    let (ana, ana_id) = app.signed_in("ana@x.io", Role::Operator).await;
    let max = app::domain::canned::MAX_PER_OWNER;
    for n in 0..max {
        app.state
            .store
            .create_canned(Some(ana_id), &format!("r{n}"), "text", max, 0)
            .await
            .unwrap()
            .expect("under the limit");
    }
    let r = app
        .call(
            &ana,
            "canned/save",
            &[("shortcut", "one-more"), ("body", "x")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        common::refusal(r).await,
        format!("There are already {max} replies here; delete one first.")
    );
}
