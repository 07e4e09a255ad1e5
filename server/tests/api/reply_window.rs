//! WhatsApp's 24-hour customer service window and templates, end to end at the Graph API mock:
//! free-form replies inside the window, refused past it, templates sent either way with the
//! exact body WhatsApp expects, the send errors operators read as sentences, and template
//! management (validation, admins only).

use crate::channels::{channel_app, wa_text_at, Ch};
use crate::common::{self, refusal, refusal_in};
use crate::mock::eventually;
use app::domain::delivery::FailureKind;
use app::domain::problem::Problem;
use app::domain::users::Role;
use app::dto::{ConversationDetail, MessageDto};
use app::i18n::Locale;
use app::services::now_ms;
use reqwest::StatusCode;
use serde_json::{json, Value};

const HOUR_S: i64 = 3600;

/// The conversation of WhatsApp customer `from`.
pub(crate) async fn conversation_of(ch: &Ch, from: &str) -> i64 {
    ch.count(&format!(
        "SELECT c.id FROM conversations c JOIN contacts ct ON ct.id = c.contact_id \
         WHERE ct.external_id = '{from}'"
    ))
    .await
}

/// A WhatsApp customer `from` who last wrote `hours_ago` (by WhatsApp's clock), held by a new
/// operator `email`: (the operator's client, the conversation id). The bot's answer to the
/// message has reached the mock.
async fn held(ch: &Ch, from: &str, hours_ago: i64, email: &str) -> (reqwest::Client, i64) {
    let before = ch.graph.requests().len();
    let sent_at = now_ms() / 1000 - hours_ago * HOUR_S;
    let r = ch
        .post_wa(&wa_text_at(
            from,
            &format!("wamid.in.{from}"),
            "hola",
            sent_at,
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    ch.graph.wait_for(before + 1).await;
    let id = conversation_of(ch, from).await;
    let (client, operator) = ch.app.signed_in(email, Role::Operator).await;
    common::assign(&ch.app.state, id, operator).await;
    (client, id)
}

async fn open(ch: &Ch, c: &reqwest::Client, id: i64) -> ConversationDetail {
    let r = ch
        .app
        .call(c, "conversations/open", &[("id", &id.to_string())])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

async fn send_text(ch: &Ch, c: &reqwest::Client, id: i64, text: &str) -> reqwest::Response {
    ch.app
        .call(
            c,
            "conversations/send",
            &[("id", &id.to_string()), ("text", text)],
        )
        .await
}

async fn save_template(
    ch: &Ch,
    c: &reqwest::Client,
    name: &str,
    language: &str,
    category: &str,
    body: &str,
) -> reqwest::Response {
    ch.app
        .call(
            c,
            "templates/save",
            &[
                ("name", name),
                ("language", language),
                ("category", category),
                ("body", body),
            ],
        )
        .await
}

async fn send_template(
    ch: &Ch,
    c: &reqwest::Client,
    id: i64,
    template_id: i64,
    params: &[&str],
) -> reqwest::Response {
    let (id, template_id) = (id.to_string(), template_id.to_string());
    let keys: Vec<String> = (0..params.len()).map(|i| format!("params[{i}]")).collect();
    let mut form = vec![("id", id.as_str()), ("template_id", template_id.as_str())];
    form.extend(keys.iter().map(String::as_str).zip(params.iter().copied()));
    ch.app.call(c, "conversations/send_template", &form).await
}

/// The WhatsApp requests whose `type` is `kind`.
fn sent_of_type(ch: &Ch, kind: &str) -> Vec<Value> {
    ch.graph
        .requests()
        .into_iter()
        .filter(|r| r.json["type"] == kind)
        .map(|r| r.json)
        .collect()
}

async fn delivery_status(ch: &Ch, message_id: i64) -> Option<String> {
    ch.app
        .state
        .store
        .message(message_id)
        .await
        .unwrap()
        .unwrap()
        .delivery_status
}

both_databases_with! { channel_app;
    async fn people_working_whatsapp_conversations_see_each_window_reopen_live(ch) {
        // Two conversations held by people, both past the window; the customers write again.
        let (_, a) = held(&ch, "573001110001", 30, "win-a@example.com").await;
        let (_, b) = held(&ch, "573001110002", 30, "win-b@example.com").await;
        let mut live = ch.app.state.bus.subscribe();
        let now_s = now_ms() / 1000;
        for (from, n) in [("573001110001", 1), ("573001110002", 2)] {
            let r = ch.post_wa(&wa_text_at(from, &format!("wamid.again.{n}"), "sigo aquí", now_s)).await;
            assert_eq!(r.status(), StatusCode::OK);
        }
        let mut reopened = std::collections::HashSet::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while reopened.len() < 2 {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let got = tokio::time::timeout(left, live.recv()).await;
            let Ok(Ok(p)) = got else { panic!("only {reopened:?} of [{a}, {b}] announced their window") };
            if let app::dto::LiveEventKind::ConversationUpdated { conversation } = &p.event.kind {
                if conversation.reply_window_closes_at.is_some_and(|t| t > now_ms() + 23 * HOUR_S * 1000) {
                    reopened.insert(conversation.id);
                }
            }
        }
        assert_eq!(reopened, [a, b].into_iter().collect());
    }

    async fn inside_the_window_text_goes_out_past_it_only_a_template_does(ch) {
        let (admin, _) = ch.app.signed_in("boss@x.io", Role::Admin).await;

        // Wrote an hour ago: the window closes 24 hours after WhatsApp's timestamp, and a reply
        // goes out as text.
        let (ana, open_id) = held(&ch, "34600000001", 1, "ana@x.io").await;
        let wrote = ch.count(&format!("SELECT last_customer_at FROM conversations WHERE id = {open_id}")).await;
        assert_eq!(wrote % 1000, 0, "WhatsApp's own timestamp (seconds), not our clock");
        assert!((now_ms() - HOUR_S * 1000 - wrote).abs() < 60_000);
        let detail = open(&ch, &ana, open_id).await;
        assert_eq!(detail.summary.reply_window_closes_at, Some(wrote + 24 * HOUR_S * 1000));
        let r = send_text(&ch, &ana, open_id, "Hola, soy Ana").await;
        assert_eq!(r.status(), StatusCode::OK);
        eventually("the text reaches WhatsApp", || async {
            sent_of_type(&ch, "text").iter().any(|j| j["text"]["body"] == "Hola, soy Ana")
        }).await;

        // Wrote 25 hours ago: a free-form reply is refused, in each reader's language.
        let (ben, closed_id) = held(&ch, "34600000002", 25, "ben@x.io").await;
        let detail = open(&ch, &ben, closed_id).await;
        assert!(detail.summary.reply_window_closes_at.unwrap() < detail.now);
        let texts_before = sent_of_type(&ch, "text").len();
        let r = send_text(&ch, &ben, closed_id, "Hola, ¿sigues ahí?").await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert_eq!(
            refusal(r).await,
            "The 24-hour reply window has closed: the customer last wrote more than 24 hours ago. Send a template instead."
        );
        let r = send_text(&ch, &ben, closed_id, "Hola").await;
        assert!(refusal_in(r, Locale::es).await.starts_with("La ventana de respuesta de 24 horas se ha cerrado"));
        assert_eq!(ch.count(&format!("SELECT COUNT(*) FROM messages WHERE conversation_id = {closed_id} AND sender = 'operator'")).await, 0);

        // A template goes out, stored as the operator's message with the filled text.
        let r = save_template(&ch, &admin, "order_update", "es", "UTILITY", "Hola {{1}}, tu pedido {{2}} va en camino.").await;
        assert_eq!(r.status(), StatusCode::OK);
        let template: Value = r.json().await.unwrap();
        let template_id = template["id"].as_i64().unwrap();
        let r = send_template(&ch, &ben, closed_id, template_id, &["Sheena", " #4411 "]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let m: MessageDto = r.json().await.unwrap();
        assert_eq!(m.body, "Hola Sheena, tu pedido #4411 va en camino.");
        assert_eq!(m.sender, app::dto::Sender::Operator);
        eventually("the template reaches WhatsApp", || async { !sent_of_type(&ch, "template").is_empty() }).await;
        assert_eq!(sent_of_type(&ch, "template")[0], json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "34600000002",
            "type": "template",
            "template": {
                "name": "order_update",
                "language": {"code": "es"},
                "components": [{"type": "body", "parameters": [
                    {"type": "text", "text": "Sheena"},
                    {"type": "text", "text": "#4411"}
                ]}]
            }
        }));
        assert_eq!(sent_of_type(&ch, "text").len(), texts_before, "no free-form text went out");
        let req = ch.graph.requests().into_iter().find(|r| r.json["type"] == "template").unwrap();
        assert_eq!(req.path, "/106540352242922/messages");
        assert_eq!(req.authorization.as_deref(), Some("Bearer wa-token"));
        eventually("the template is marked sent", || async {
            delivery_status(&ch, m.id).await.as_deref() == Some("sent")
        }).await;

        // A template goes out inside the window too (one without parameters: no components).
        let r = save_template(&ch, &admin, "hello", "en_US", "MARKETING", "Hello from Casa Lumen!").await;
        let hello = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        assert_eq!(send_template(&ch, &ana, open_id, hello, &[]).await.status(), StatusCode::OK);
        eventually("the second template reaches WhatsApp", || async { sent_of_type(&ch, "template").len() == 2 }).await;
        assert_eq!(
            sent_of_type(&ch, "template")[1]["template"],
            json!({"name": "hello", "language": {"code": "en_US"}})
        );

        // The customer writes again: the window reopens from that message; an older message
        // arriving late does not move it back.
        let now_s = now_ms() / 1000;
        ch.post_wa(&wa_text_at("34600000002", "wamid.back", "sigo aquí", now_s)).await;
        ch.post_wa(&wa_text_at("34600000002", "wamid.late", "antes", now_s - 30 * HOUR_S)).await;
        let detail = open(&ch, &ben, closed_id).await;
        assert_eq!(detail.summary.reply_window_closes_at, Some((now_s + 24 * HOUR_S) * 1000));
        assert_eq!(send_text(&ch, &ben, closed_id, "¡Hola de nuevo!").await.status(), StatusCode::OK);
    }

    async fn whatsapp_send_errors_are_stored_as_kinds_and_read_as_sentences(ch) {
        let (ana, id) = held(&ch, "34600000003", 1, "ana@x.io").await;
        let cases = [
            (131047, FailureKind::WindowClosed, "Not delivered: the customer last wrote more than 24 hours ago. Send a template instead."),
            (131026, FailureKind::Undeliverable, "Not delivered: WhatsApp could not deliver this message to the customer's phone."),
            (131051, FailureKind::UnsupportedType, "Not delivered: WhatsApp does not support this kind of message."),
            (132000, FailureKind::TemplateParams, "Not delivered: the number of parameters does not match the template approved in WhatsApp."),
            (132001, FailureKind::TemplateMissing, "Not delivered: WhatsApp has no approved template with this name in this language."),
        ];
        let mut failed = Vec::new();
        for (code, kind, _) in cases {
            // In the send response (the platform's text even names the token: it is removed).
            ch.graph.script(vec![(400, json!({"error": {
                "message": format!("(#{code}) refused for token wa-token"), "type": "OAuthException", "code": code,
                "error_data": {"messaging_product": "whatsapp", "details": "see docs"}, "fbtrace_id": "A1"
            }}), 0)]);
            let r = send_text(&ch, &ana, id, &format!("in the response {code}")).await;
            let m: MessageDto = r.json().await.unwrap();
            eventually("the send is marked failed", || async {
                delivery_status(&ch, m.id).await.as_deref() == Some("failed")
            }).await;
            failed.push((m.id, kind));

            // Later, as a `failed` status webhook.
            let r = send_text(&ch, &ana, id, &format!("in a status {code}")).await;
            let m: MessageDto = r.json().await.unwrap();
            eventually("the send is marked sent", || async {
                delivery_status(&ch, m.id).await.as_deref() == Some("sent")
            }).await;
            let wamid = format!("wamid.OUT{}", ch.graph.requests().len());
            let status = json!({"entry": [{"changes": [{"value": {"statuses": [{
                "id": wamid, "status": "failed", "timestamp": "1", "recipient_id": "34600000003",
                "errors": [{"code": code, "title": "Message failed", "message": "Message failed",
                            "error_data": {"details": "see docs"}}]
            }]}}]}]}).to_string();
            assert_eq!(ch.post_wa(&status).await.status(), StatusCode::OK);
            eventually("the receipt marks it failed", || async {
                delivery_status(&ch, m.id).await.as_deref() == Some("failed")
            }).await;
            failed.push((m.id, kind));
        }
        for (code, kind, _) in cases {
            assert_eq!(
                ch.count(&format!("SELECT COUNT(*) FROM messages WHERE delivery_error_kind = '{}'", kind.as_str())).await,
                2,
                "{code}: stored as data, from the response and from the status"
            );
        }
        assert_eq!(ch.count("SELECT COUNT(*) FROM messages WHERE delivery_error LIKE '%wa-token%'").await, 0);
        assert_eq!(ch.count("SELECT COUNT(*) FROM outbox WHERE last_error LIKE '%wa-token%'").await, 0);

        // The chat reads each as a plain sentence in the operator's language.
        let detail = open(&ch, &ana, id).await;
        for (message_id, kind) in failed {
            let m = detail.page.messages.iter().find(|m| m.id == message_id).unwrap();
            assert_eq!(m.delivery_status.as_deref(), Some("failed"));
            assert_eq!(m.delivery_error_kind, Some(kind));
            let expected = cases.iter().find(|c| c.1 == kind).unwrap().2;
            let p = Problem::SendFailed { reason: kind };
            assert_eq!(app::text::errors::problem(Locale::en, &p), expected);
            assert!(app::text::errors::problem(Locale::es, &p).starts_with("No se entregó"));
        }

        // A retry clears the reason with the failure.
        let retried = detail.page.messages.iter().find(|m| m.delivery_error_kind.is_some()).unwrap().id;
        let r = ch.app.call(&ana, "conversations/retry", &[("message_id", &retried.to_string())]).await;
        assert_eq!(r.status(), StatusCode::OK);
        eventually("the retry is sent", || async { delivery_status(&ch, retried).await.as_deref() == Some("sent") }).await;
        assert_eq!(ch.count(&format!("SELECT COUNT(*) FROM messages WHERE id = {retried} AND delivery_error_kind IS NULL")).await, 1);
    }

    async fn templates_are_checked_and_only_admins_manage_them(ch) {
        let (admin, _) = ch.app.signed_in("boss@x.io", Role::Admin).await;
        let (operator, _) = ch.app.signed_in("op@x.io", Role::Operator).await;

        // Every bad field is named, in words.
        let r = save_template(&ch, &admin, "Order Update", "spanish", "PROMO", "Hola {{1}}, tu pedido {{3}}").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let e: app::error::AppError = r.json().await.unwrap();
        let words = |field: &str| app::text::errors::field(Locale::en, &e, field);
        assert_eq!(words("name").as_deref(), Some("Use only lowercase letters, digits and underscores, up to 512 characters."));
        assert_eq!(words("language").as_deref(), Some("Enter a language code like es or en_US."));
        assert_eq!(words("category").as_deref(), Some("Choose marketing, utility or authentication."));
        assert_eq!(words("body").as_deref(), Some("Number the parameters from {{1}} without gaps: {{2}} is missing."));
        assert_eq!(
            app::text::errors::field(Locale::es, &e, "body").as_deref(),
            Some("Numera los parámetros desde {{1}} sin saltos: falta {{2}}.")
        );
        let r = save_template(&ch, &admin, "greeting", "es", "UTILITY", "Hola {{name}}").await;
        assert_eq!(
            refusal(r).await,
            "“{{name}}” is not a valid parameter: use numbers in double braces, starting at 1."
        );
        let r = save_template(&ch, &admin, &"a".repeat(513), "es", "UTILITY", "x").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(ch.count("SELECT COUNT(*) FROM whatsapp_templates").await, 0);

        let r = save_template(&ch, &admin, "greeting", "es", "utility", "Hola {{1}}").await;
        assert_eq!(r.status(), StatusCode::OK);
        let saved: Value = r.json().await.unwrap();
        assert_eq!(saved["category"], "UTILITY");
        let id = saved["id"].as_i64().unwrap();
        // One per name and language.
        let r = save_template(&ch, &admin, "greeting", "es", "UTILITY", "Otra").await;
        assert_eq!(refusal(r).await, "This name is already in use.");
        assert_eq!(save_template(&ch, &admin, "greeting", "en", "UTILITY", "Hi {{1}}").await.status(), StatusCode::OK);

        // Operators list templates (to send them) but cannot change them.
        let r = ch.app.call(&operator, "templates/list", &[]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let list: Vec<Value> = r.json().await.unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(save_template(&ch, &operator, "sneaky", "es", "UTILITY", "x").await.status(), StatusCode::FORBIDDEN);
        let r = ch.app.call(&operator, "templates/delete", &[("id", &id.to_string())]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(ch.count("SELECT COUNT(*) FROM whatsapp_templates").await, 2);

        // Sending checks the parameters, and only in WhatsApp conversations.
        let (ana, wa) = held(&ch, "34600000004", 30, "ana@x.io").await;
        let r = send_template(&ch, &ana, wa, id, &[" "]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let e: app::error::AppError = r.json().await.unwrap();
        assert_eq!(app::text::errors::field(Locale::en, &e, "param_1").as_deref(), Some("Fill in parameter 1."));
        let r = send_template(&ch, &ana, wa, id, &["Ana", "extra"]).await;
        assert_eq!(refusal(r).await, "This template takes 1 parameters, not 2.");
        let (other, _) = ch.app.signed_in("ben@x.io", Role::Operator).await;
        let r = send_template(&ch, &other, wa, id, &["Ben"]).await;
        assert_eq!(refusal(r).await, "ana holds this conversation; only they can write to the customer.");

        app::services::ingest::receive(&ch.app.state, &crate::console::customer_message("4242", "tg:1", "hola")).await.unwrap();
        let tg = conversation_of(&ch, "4242").await;
        let ana_id = ch.count("SELECT id FROM users WHERE email = 'ana@x.io'").await;
        common::assign(&ch.app.state, tg, ana_id).await;
        let detail = open(&ch, &ana, tg).await;
        assert_eq!(detail.summary.reply_window_closes_at, None, "Telegram has no window");
        let r = send_template(&ch, &ana, tg, id, &["Ana"]).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert_eq!(refusal(r).await, "Templates are sent only in WhatsApp conversations.");

        // Admins delete; a template that is gone says so.
        assert_eq!(ch.app.call(&admin, "templates/delete", &[("id", &id.to_string())]).await.status(), StatusCode::OK);
        let r = ch.app.call(&admin, "templates/delete", &[("id", &id.to_string())]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(refusal(r).await, "That template no longer exists.");
        let r = send_template(&ch, &ana, wa, id, &["Ana"]).await;
        assert_eq!(refusal(r).await, "That template no longer exists.");
    }
}
