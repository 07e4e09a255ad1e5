//! The contact panel (a name and notes operators keep, earlier conversations), what the
//! customer's app is told besides messages (WhatsApp read marks on opening a chat, an operator
//! typing on the widget, Telegram and WhatsApp), and a widget visitor's typing shown to operators.

use crate::channels::{channel_app, wa_text_at, Ch};
use crate::common::{self, refusal};
use crate::console::{next_event, open_socket, read_until, session_cookie};
use crate::mock::eventually;
use crate::widget::{next_json, say, visit};
use app::domain::users::Role;
use app::dto::{ContactCard, ConversationSummary, MessageDto, Sender};
use app::services::now_ms;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

/// WhatsApp customer `from` writes `text` (message id `wamid`); returns their conversation once
/// the message is stored and the bot has decided on it.
async fn customer_writes(ch: &Ch, from: &str, wamid: &str, text: &str) -> i64 {
    let r = ch
        .post_wa(&wa_text_at(from, wamid, text, now_ms() / 1000))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    eventually("the message stored and handled", || async {
        ch.count(&format!(
            "SELECT COUNT(*) FROM messages WHERE platform_message_id = '{wamid}' AND processed = TRUE"
        ))
        .await
            == 1
    })
    .await;
    ch.count(&format!(
        "SELECT c.id FROM conversations c JOIN contacts ct ON ct.id = c.contact_id \
         WHERE ct.external_id = '{from}'"
    ))
    .await
}

async fn card(ch: &Ch, c: &reqwest::Client, id: i64) -> ContactCard {
    let r = ch
        .app
        .call(c, "contacts/card", &[("id", &id.to_string())])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

async fn save(ch: &Ch, c: &reqwest::Client, id: i64, name: &str, notes: &str) -> reqwest::Response {
    ch.app
        .call(
            c,
            "contacts/save",
            &[("id", &id.to_string()), ("name", name), ("notes", notes)],
        )
        .await
}

async fn shown_name(ch: &Ch, id: i64) -> String {
    let s: ConversationSummary = ch
        .app
        .state
        .store
        .conversation_summary(id)
        .await
        .unwrap()
        .unwrap();
    s.contact_name
}

/// The read marks the Graph mock received, as the message ids they marked.
fn read_marks(ch: &Ch) -> Vec<Value> {
    ch.graph
        .requests()
        .into_iter()
        .filter(|r| r.json["status"] == "read")
        .map(|r| r.json)
        .collect()
}

async fn open(ch: &Ch, c: &reqwest::Client, id: i64) {
    let r = ch
        .app
        .call(c, "conversations/open", &[("id", &id.to_string())])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

both_databases_with! { channel_app;
    async fn the_contact_panel_keeps_a_name_and_notes_and_opens_earlier_conversations(ch) {
        let id = customer_writes(&ch, "34600111222", "wamid.p1", "hola, mi pedido no llega").await;
        let (ana, ana_id) = ch.app.signed_in("ana@x.io", Role::Operator).await;
        let (ben, _) = ch.app.signed_in("ben@x.io", Role::Operator).await;
        let fresh = card(&ch, &ben, id).await;
        assert_eq!(
            (fresh.name.as_deref(), fresh.phone.as_deref(), fresh.handle.as_deref(), fresh.name_set),
            (Some("Sheena Nelson"), Some("+34600111222"), None, false)
        );
        assert!(fresh.past.is_empty(), "the first conversation is still open");

        // Ana handles it and closes it; the customer comes back later.
        common::assign(&ch.app.state, id, ana_id).await;
        let r = ch.app.call(&ana, "conversations/act", &[("id", &id.to_string()), ("action", "close")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        customer_writes(&ch, "34600111222", "wamid.p2", "otra pregunta").await;
        let c = card(&ch, &ben, id).await;
        assert_eq!(c.past.len(), 1, "{:?}", c.past);
        let past = &c.past[0];
        assert_eq!(past.handled_by, vec!["ana".to_string()]);
        assert_eq!(past.opening.as_deref(), Some("hola, mi pedido no llega"));
        // The customer's message and the bot's answer (history lines are not counted).
        assert_eq!(past.messages, 2);
        let r = ch.app.call(&ben, "contacts/past", &[
            ("id", &id.to_string()), ("start", &past.start.to_string()), ("end", &past.end.to_string()),
        ]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let messages: Vec<MessageDto> = r.json().await.unwrap();
        let said: Vec<(&str, &str)> = messages
            .iter()
            .filter(|m| m.sender != Sender::System)
            .map(|m| (m.sender.as_str(), m.body.as_str()))
            .collect();
        assert_eq!(said, vec![
            ("customer", "hola, mi pedido no llega"),
            ("bot", "Perdona, no te he entendido. ¿Puedes decirlo de otra forma?"),
        ]);
        let lines = messages.iter().filter(|m| m.sender == Sender::System).count();
        assert!(lines >= 2, "its history lines (escalated, accepted, closed) come with it");

        // Any operator may name the contact and keep notes; the list and headers follow.
        let r = save(&ch, &ben, id, "  Sheena (VIP) ", "Prefers mornings.\n").await;
        assert_eq!(r.status(), StatusCode::OK);
        let saved: ContactCard = r.json().await.unwrap();
        assert_eq!((saved.name.as_deref(), saved.name_set, saved.notes.as_str()), (Some("Sheena (VIP)"), true, "Prefers mornings."));
        assert_eq!(shown_name(&ch, id).await, "Sheena (VIP)");
        // The channel's profile name no longer replaces it ...
        customer_writes(&ch, "34600111222", "wamid.p3", "gracias").await;
        assert_eq!(shown_name(&ch, id).await, "Sheena (VIP)");
        // ... saving the shown name again changes nothing, and an empty name gives the channel's back.
        assert_eq!(save(&ch, &ana, id, "Sheena (VIP)", "Prefers mornings.").await.status(), StatusCode::OK);
        assert!(card(&ch, &ana, id).await.name_set);
        assert_eq!(save(&ch, &ana, id, "", "Prefers mornings.").await.status(), StatusCode::OK);
        customer_writes(&ch, "34600111222", "wamid.p4", "una más").await;
        assert_eq!(shown_name(&ch, id).await, "Sheena Nelson");
        assert_eq!(card(&ch, &ana, id).await.notes, "Prefers mornings.");

        // Bad input is refused with words for its field, and keeps what was stored.
        let r = save(&ch, &ana, id, "Sheena", &"x".repeat(2001)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refusal(r).await, "Keep the notes about a contact under 2000 characters.");
        let r = save(&ch, &ana, id, &"n".repeat(101), "").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(card(&ch, &ana, id).await.notes, "Prefers mornings.");
        assert_eq!(save(&ch, &ana, 999_999, "x", "").await.status(), StatusCode::NOT_FOUND);
        let r = ch.app.call(&ana, "contacts/card", &[("id", "999999")]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }

    async fn opening_a_whatsapp_chat_marks_the_customers_messages_read_once(ch) {
        let id = customer_writes(&ch, "34600333444", "wamid.r1", "hola").await;
        ch.graph.wait_for(1).await;
        let (ana, _) = ch.app.signed_in("ana@x.io", Role::Operator).await;
        assert!(read_marks(&ch).is_empty(), "nothing is marked read before someone opens the chat");
        open(&ch, &ana, id).await;
        eventually("the read mark", || async { read_marks(&ch).len() == 1 }).await;
        let mark = ch.graph.requests().into_iter().find(|r| r.json["status"] == "read").unwrap();
        assert_eq!(mark.path, "/106540352242922/messages");
        assert_eq!(mark.authorization.as_deref(), Some("Bearer wa-token"));
        assert_eq!(mark.json, json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.r1"}));
        eventually("the mark recorded", || async {
            ch.count(&format!("SELECT COALESCE(read_through, 0) FROM conversations WHERE id = {id}")).await > 0
        }).await;

        // Opened again with nothing new: nothing is sent.
        open(&ch, &ana, id).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(read_marks(&ch).len(), 1);
        // A new message is marked when the chat is next opened.
        customer_writes(&ch, "34600333444", "wamid.r2", "¿sigues ahí?").await;
        open(&ch, &ana, id).await;
        eventually("the second read mark", || async { read_marks(&ch).len() == 2 }).await;
        assert_eq!(read_marks(&ch)[1]["message_id"], "wamid.r2");
    }

    async fn an_operators_typing_reaches_whatsapp_and_telegram(ch) {
        let wa = customer_writes(&ch, "34600555666", "wamid.t1", "hola").await;
        ch.graph.wait_for(1).await;
        let (ana, ana_id) = ch.app.signed_in("ana@x.io", Role::Operator).await;
        let (ben, _) = ch.app.signed_in("ben@x.io", Role::Operator).await;
        common::assign(&ch.app.state, wa, ana_id).await;
        // Only the holder's typing is shown.
        let r = ch.app.call(&ben, "conversations/typing", &[("id", &wa.to_string())]).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let r = ch.app.call(&ana, "conversations/typing", &[("id", &wa.to_string())]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let typing = || ch.graph.requests().into_iter().find(|r| r.json.get("typing_indicator").is_some());
        eventually("WhatsApp's typing indicator", || async { typing().is_some() }).await;
        assert_eq!(typing().unwrap().json, json!({
            "messaging_product": "whatsapp", "status": "read", "message_id": "wamid.t1",
            "typing_indicator": {"type": "text"}
        }));

        let update = json!({"update_id": 1, "message": {"message_id": 77, "date": now_ms() / 1000,
            "from": {"id": 5150, "is_bot": false, "first_name": "Leo"},
            "chat": {"id": 5150, "type": "private"}, "text": "hi there"}});
        let r = crate::channels::post_telegram(&ch.app, &update.to_string()).await;
        assert_eq!(r.status(), StatusCode::OK);
        let tg = ch.count("SELECT c.id FROM conversations c JOIN contacts ct ON ct.id = c.contact_id WHERE ct.external_id = '5150'").await;
        common::assign(&ch.app.state, tg, ana_id).await;
        let r = ch.app.call(&ana, "conversations/typing", &[("id", &tg.to_string())]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let action = || ch.telegram.requests().into_iter().find(|r| r.path.ends_with("/sendChatAction"));
        eventually("Telegram's chat action", || async { action().is_some() }).await;
        let a = action().unwrap();
        assert_eq!(a.path, "/bot123:tg-token/sendChatAction");
        assert_eq!(a.json, json!({"chat_id": 5150, "action": "typing"}));
    }
}

both_databases! {
    async fn typing_shows_both_ways_between_a_widget_visitor_and_their_operator(app) {
        let (mut visitor, _, _) = visit(&app, None).await;
        say(&mut visitor, "¿me ayudan?", "c-1").await;
        assert_eq!(next_json(&mut visitor).await["type"], "ack");
        let id = app.scalar("SELECT conversation_id FROM messages WHERE body = '¿me ayudan?'").await;
        let (cookie, ana_id) = session_cookie(&app, "ana@x.io", Role::Operator).await;
        let mut console = open_socket(&app, &cookie, "").await;
        read_until(&mut console, |e| e["type"] == "hello").await;

        // The visitor types: operators see it, unnumbered; the widget's frames are thinned out.
        let typing = json!({"type": "typing"}).to_string();
        for _ in 0..3 {
            use futures::SinkExt;
            visitor.send(tokio_tungstenite::tungstenite::Message::Text(typing.clone().into())).await.unwrap();
        }
        let seen = read_until(&mut console, |e| e["type"] == "typing").await;
        let ev = seen.last().unwrap();
        assert_eq!((ev["conversation_id"].as_i64(), ev["seq"].as_u64()), (Some(id), Some(0)));
        while let Some(e) = next_event(&mut console, Duration::from_millis(500)).await {
            assert_ne!(e["type"], "typing", "a second typing within 2 s was passed on");
        }

        // The operator who holds it types: the visitor sees their name.
        common::assign(&app.state, id, ana_id).await;
        let ana = common::client_with(&cookie);
        let r = app.call(&ana, "conversations/typing", &[("id", &id.to_string())]).await;
        assert_eq!(r.status(), StatusCode::OK);
        loop {
            let f = next_json(&mut visitor).await;
            if f["type"] == "typing" {
                assert_eq!(f["author"], "ana");
                break;
            }
        }
    }
}
