//! Channels and the bot, end to end over HTTP: signed webhooks in, stored rows, the bot's reply
//! out to a local stand-in of the platform API, delivery receipts, retries, and exactly-once.

use crate::common::{self, Db, TestApp};
use crate::mock::{eventually, MockApi};
use app::dto::Channel;
use app::services::scenarios::{save, ScenarioForm};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;

const SECRET: &str = "wa-app-secret";
const TEXT: &str = include_str!("../fixtures/whatsapp-text.json");
const TG_TEXT: &str = include_str!("../fixtures/telegram-text.json");
const WAMID: &str = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=";

/// An app with both channels on, their APIs pointed at local mocks.
pub struct Ch {
    pub app: TestApp,
    pub graph: MockApi,
    pub telegram: MockApi,
}

pub async fn channel_app(db: Db) -> Option<Ch> {
    channel_app_with(db, &[]).await
}

pub async fn channel_app_with(db: Db, extra: &[(&str, &str)]) -> Option<Ch> {
    let graph = MockApi::start(
        json!({"messaging_product": "whatsapp", "messages": [{"id": "wamid.OUT__N__"}]}),
    )
    .await;
    let telegram = MockApi::start(json!({"ok": true, "result": {"message_id": "__N__"}})).await;
    let mut env = channel_env(&graph, &telegram);
    env.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    let app = common::spawn_with(db, &pairs(&env)).await?;
    Some(Ch {
        app,
        graph,
        telegram,
    })
}

/// The settings that turn both channels on, pointed at the mocks (for a start or a restart).
pub fn channel_env(graph: &MockApi, telegram: &MockApi) -> Vec<(&'static str, String)> {
    vec![
        ("BATON_WHATSAPP_VERIFY_TOKEN", "verify-me".into()),
        ("BATON_WHATSAPP_APP_SECRET", SECRET.into()),
        ("BATON_WHATSAPP_ACCESS_TOKEN", "wa-token".into()),
        ("BATON_WHATSAPP_API_BASE", graph.url()),
        ("BATON_TELEGRAM_BOT_TOKEN", "123:tg-token".into()),
        ("BATON_TELEGRAM_SECRET_TOKEN", "tg_secret-1".into()),
        ("BATON_TELEGRAM_API_BASE", telegram.url()),
    ]
}

pub fn pairs<'a>(env: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

pub fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A WhatsApp text message from `from` with id `id`, sent just now.
pub fn wa_text(from: &str, id: &str, text: &str) -> String {
    wa_text_at(from, id, text, app::services::now_ms() / 1000)
}

/// [`wa_text`] sent at `seconds` (unix time, WhatsApp's `timestamp`).
pub fn wa_text_at(from: &str, id: &str, text: &str, seconds: i64) -> String {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": from}],
        "messages": [{"from": from, "id": id, "timestamp": seconds.to_string(), "type": "text", "text": {"body": text}}]
    }}]}]})
    .to_string()
}

/// Posts a signed WhatsApp webhook call to `app`.
pub async fn post_whatsapp(app: &TestApp, body: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", sign(body.as_bytes()))
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

/// Posts a Telegram update to `app` with the configured secret.
pub async fn post_telegram(app: &TestApp, body: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/webhooks/telegram"))
        .header("x-telegram-bot-api-secret-token", "tg_secret-1")
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

impl Ch {
    pub async fn post_wa(&self, body: &str) -> reqwest::Response {
        post_whatsapp(&self.app, body).await
    }

    pub async fn scenario(&self, name: &str, triggers: &str, response: &str) {
        save(
            &self.app.state,
            None,
            &ScenarioForm {
                name,
                triggers,
                response,
                priority: "0",
                channels: &[],
                enabled: true,
            },
        )
        .await
        .unwrap();
        // Live at once, as these tests expect: published by the system (no account is made, so
        // the queue's lists of people stay the tests' own).
        let who = app::services::audit::Who::system();
        app::services::scenario_versions::publish(&self.app.state, &who, "")
            .await
            .unwrap();
    }

    pub async fn count(&self, sql: &str) -> i64 {
        self.app.scalar(sql).await
    }

    async fn conversation(&self) -> app::dto::ConversationSummary {
        let id = self.count("SELECT MAX(id) FROM conversations").await;
        self.app
            .state
            .store
            .conversation_summary(id)
            .await
            .unwrap()
            .unwrap()
    }
}

both_databases_with! { channel_app;
    async fn a_signed_whatsapp_message_is_stored_answered_and_its_receipt_applied(ch) {
        ch.scenario("Colors", "color, colour", "We have it in red and blue.").await;
        let r = ch.post_wa(TEXT).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.json::<Value>().await.unwrap()["stored"], 1);

        let sent = ch.graph.wait_for(1).await;
        assert_eq!(sent[0].method, "POST");
        assert_eq!(sent[0].path, "/106540352242922/messages");
        assert_eq!(sent[0].authorization.as_deref(), Some("Bearer wa-token"));
        assert_eq!(sent[0].json["to"], "16505551234");
        assert_eq!(sent[0].json["type"], "text");
        assert_eq!(sent[0].json["text"]["body"], "We have it in red and blue.");

        let c = ch.conversation().await;
        assert_eq!(c.contact_name, "Sheena Nelson");
        assert_eq!(c.channel, Channel::Whatsapp);
        assert_eq!(ch.count("SELECT COUNT(*) FROM messages WHERE sender = 'customer' AND body = 'Does it come in another color?'").await, 1);
        eventually("the reply is marked sent", || async {
            ch.count("SELECT COUNT(*) FROM messages WHERE sender = 'bot' AND delivery_status = 'sent' AND platform_message_id = 'wamid.OUT1'").await == 1
        }).await;

        // The platform reports it delivered, then (late) sent again: the status only moves forward.
        for status in ["delivered", "sent"] {
            let receipt = json!({"entry": [{"changes": [{"value": {"statuses": [{"id": "wamid.OUT1", "status": status, "timestamp": "1", "recipient_id": "16505551234"}]}}]}]}).to_string();
            assert_eq!(ch.post_wa(&receipt).await.status(), StatusCode::OK);
        }
        assert_eq!(ch.count("SELECT COUNT(*) FROM messages WHERE platform_message_id = 'wamid.OUT1' AND delivery_status = 'delivered'").await, 1);
    }

    async fn forged_unsigned_malformed_and_oversized_webhooks_are_refused(ch) {
        let client = reqwest::Client::new();
        let post = |sig: Option<String>, body: Vec<u8>| {
            let mut req = client.post(ch.app.url("/webhooks/whatsapp")).header("content-type", "application/json").body(body);
            if let Some(s) = sig {
                req = req.header("x-hub-signature-256", s);
            }
            req.send()
        };
        let forged = "sha256=".to_string() + &"0".repeat(64);
        assert_eq!(post(Some(forged), TEXT.into()).await.unwrap().status(), StatusCode::UNAUTHORIZED);
        assert_eq!(post(None, TEXT.into()).await.unwrap().status(), StatusCode::UNAUTHORIZED);
        assert_eq!(ch.count("SELECT COUNT(*) FROM messages").await, 0, "nothing stored");

        let bad = b"{\"entry\": [".to_vec();
        let r = post(Some(sign(&bad)), bad).await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert!(r.text().await.unwrap().contains("not valid JSON"));

        let huge = vec![b' '; 1536 * 1024];
        assert_eq!(post(Some(sign(&huge)), huge).await.unwrap().status(), StatusCode::PAYLOAD_TOO_LARGE);

        let verify = |token: &str| client
            .get(ch.app.url(&format!("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=12345")))
            .send();
        let ok = verify("verify-me").await.unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.text().await.unwrap(), "12345");
        assert_eq!(verify("wrong").await.unwrap().status(), StatusCode::FORBIDDEN);

        // Telegram's secret header.
        let tg = |secret: &'static str| client.post(ch.app.url("/webhooks/telegram"))
            .header("x-telegram-bot-api-secret-token", secret)
            .header("content-type", "application/json")
            .body(TG_TEXT).send();
        assert_eq!(tg("wrong").await.unwrap().status(), StatusCode::UNAUTHORIZED);
        assert_eq!(ch.count("SELECT COUNT(*) FROM messages").await, 0);
    }

    async fn thirty_two_simultaneous_redeliveries_store_one_message_and_send_one_reply(ch) {
        ch.scenario("Colors", "color", "Red and blue.").await;
        let posts = (0..32).map(|_| ch.post_wa(TEXT));
        for r in futures::future::join_all(posts).await {
            let status = r.status();
            assert_eq!(status, StatusCode::OK, "{}", r.text().await.unwrap());
        }
        assert_eq!(ch.count(&format!("SELECT COUNT(*) FROM messages WHERE platform_message_id = '{WAMID}'")).await, 1);
        ch.graph.wait_for(1).await;
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        assert_eq!(ch.graph.requests().len(), 1, "exactly one bot reply");
        assert_eq!(ch.count("SELECT COUNT(*) FROM messages WHERE sender = 'bot'").await, 1);
    }

    async fn a_redelivered_message_changes_nothing(ch) {
        // PostgreSQL checks for the redelivery inside its one ingest statement; SQLite reads first.
        // Either way a second delivery of the id (a minute later, other text) changes nothing: the
        // reply window still counts from the first.
        let sent = app::services::now_ms() / 1000 - 120;
        let first = wa_text_at("34600000002", "wamid.once", "primero", sent);
        assert_eq!(ch.post_wa(&first).await.status(), StatusCode::OK);
        let again = wa_text_at("34600000002", "wamid.once", "otro texto", sent + 60);
        assert_eq!(ch.post_wa(&again).await.status(), StatusCode::OK);
        assert_eq!(ch.count("SELECT COUNT(*) FROM messages WHERE sender = 'customer'").await, 1);
        assert_eq!(ch.count("SELECT COUNT(*) FROM messages WHERE body = 'primero'").await, 1);
        assert_eq!(ch.app.column("SELECT last_customer_at FROM conversations").await, vec![sent * 1000]);
    }

    async fn concurrent_first_messages_from_one_phone_make_one_conversation(ch) {
        let bodies: Vec<String> = (0..16).map(|i| wa_text("34600000001", &format!("wamid.first{i}"), "hola")).collect();
        let posts = bodies.iter().map(|b| ch.post_wa(b));
        for r in futures::future::join_all(posts).await {
            assert_eq!(r.status(), StatusCode::OK);
        }
        assert_eq!(ch.count("SELECT COUNT(*) FROM contacts").await, 1);
        assert_eq!(ch.count("SELECT COUNT(*) FROM conversations").await, 1);
        assert_eq!(ch.count("SELECT COUNT(*) FROM messages WHERE sender = 'customer'").await, 16);
    }

    async fn many_customers_writing_at_once_each_get_one_reply_per_message(ch) {
        // The bot decides in rounds; a round takes one message per conversation, so a customer's
        // next message waits for the turn before it.
        ch.scenario("Colors", "color", "Red and blue.").await;
        let bodies: Vec<String> = (0..12)
            .flat_map(|p| (0..3).map(move |i| wa_text(&format!("3460000{p:04}"), &format!("wamid.many{p}.{i}"), "which color?")))
            .collect();
        for r in futures::future::join_all(bodies.iter().map(|b| ch.post_wa(b))).await {
            assert_eq!(r.status(), StatusCode::OK);
        }
        ch.graph.wait_for(36).await;
        ch.app.decided().await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(ch.graph.requests().len(), 36, "one reply per customer message, no more");
        assert_eq!(ch.count("SELECT COUNT(*) FROM conversations").await, 12);
        let per_conversation = ch.app.column("SELECT COUNT(*) FROM messages WHERE sender = 'bot' GROUP BY conversation_id").await;
        assert_eq!(per_conversation, vec![3; 12]);
        eventually("every reply is recorded as sent", || async {
            ch.count("SELECT COUNT(*) FROM messages WHERE sender = 'bot' AND delivery_status = 'sent'").await == 36
        }).await;
    }

    async fn a_platform_repeating_a_message_id_does_not_make_us_send_twice(ch) {
        ch.scenario("Colors", "color", "Red and blue.").await;
        let same = json!({"messaging_product": "whatsapp", "messages": [{"id": "wamid.SAME"}]});
        ch.graph.script(vec![(200, same.clone(), 0), (200, same, 0)]);
        ch.post_wa(&wa_text("34611111111", "wamid.r1", "color?")).await;
        ch.graph.wait_for(1).await;
        ch.post_wa(&wa_text("34622222222", "wamid.r2", "color?")).await;
        ch.graph.wait_for(2).await;
        eventually("both replies are recorded as sent", || async {
            ch.count("SELECT COUNT(*) FROM messages WHERE sender = 'bot' AND delivery_status = 'sent'").await == 2
        }).await;
        assert_eq!(ch.count("SELECT COUNT(*) FROM outbox WHERE state = 'done'").await, 2);
        assert_eq!(ch.count("SELECT COUNT(*) FROM messages WHERE platform_message_id = 'wamid.SAME'").await, 1);
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        assert_eq!(ch.graph.requests().len(), 2, "nothing is sent again");
    }

    // Found by the fuzz targets' storable-text invariant: PostgreSQL refuses U+0000 in `text`, so
    // the insert failed, the webhook answered 500 and WhatsApp would redeliver it for days.
    async fn a_whatsapp_message_carrying_a_nul_is_stored_without_it(ch) {
        let r = ch.post_wa(&wa_text("34633333333", "wamid.nul", "ho\u{0}la")).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.json::<Value>().await.unwrap()["stored"], 1);
        assert_eq!(ch.count("SELECT COUNT(*) FROM messages WHERE sender = 'customer' AND body = 'hola'").await, 1);
    }

    async fn a_handoff_phrase_escalates_with_a_confirmation_and_the_bot_then_stays_quiet(ch) {
        ch.scenario("Hello", "hola", "¡Hola! ¿En qué te ayudo?").await;
        ch.post_wa(&wa_text("5215511111111", "wamid.h1", "hola")).await;
        ch.graph.wait_for(1).await;
        ch.post_wa(&wa_text("5215511111111", "wamid.h2", "quiero hablar con un humano")).await;
        let sent = ch.graph.wait_for(2).await;
        assert_eq!(sent[1].json["text"]["body"], "Enseguida te comunico con alguien de nuestro equipo.");
        let c = ch.conversation().await;
        assert_eq!(c.owner, app::domain::ownership::OwnerState::Waiting);
        assert_eq!(c.escalation_reason.as_deref(), Some("keyword"));
        assert!(!c.ai_enabled, "AI is switched off for the escalated conversation");
        assert_eq!(ch.count("SELECT COUNT(*) FROM conversation_events WHERE kind = 'escalated' AND reason = 'keyword \"human\"'").await, 1);

        // While people own it, the bot says nothing, even to a scenario's trigger.
        ch.post_wa(&wa_text("5215511111111", "wamid.h3", "hola")).await;
        ch.app.decided().await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(ch.graph.requests().len(), 2);
    }

    async fn two_unanswered_messages_in_a_row_escalate(ch) {
        ch.post_wa(&wa_text("447700900001", "wamid.n1", "blorp")).await;
        let sent = ch.graph.wait_for(1).await;
        assert!(sent[0].json["text"]["body"].as_str().unwrap().contains("Sorry"), "{:?}", sent[0].json);
        assert_eq!(ch.conversation().await.owner, app::domain::ownership::OwnerState::Bot);
        ch.post_wa(&wa_text("447700900001", "wamid.n2", "zzzt")).await;
        ch.graph.wait_for(2).await;
        let c = ch.conversation().await;
        assert_eq!(c.owner, app::domain::ownership::OwnerState::Waiting);
        assert_eq!(c.escalation_reason.as_deref(), Some("no_match"));
    }

    async fn a_telegram_update_is_answered_with_send_message(ch) {
        ch.scenario("Hours", "hora, abren", "Abrimos a las 9:00.").await;
        let r = reqwest::Client::new().post(ch.app.url("/webhooks/telegram"))
            .header("x-telegram-bot-api-secret-token", "tg_secret-1")
            .header("content-type", "application/json")
            .body(TG_TEXT).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let sent = ch.telegram.wait_for(1).await;
        assert_eq!(sent[0].path, "/bot123:tg-token/sendMessage");
        assert_eq!(sent[0].json["chat_id"], 184412873);
        assert_eq!(sent[0].json["text"], "Abrimos a las 9:00.");
        assert_eq!(ch.conversation().await.contact_name, "Ana Ruiz");
    }

    async fn failed_sends_are_retried_and_permanent_failures_can_be_retried_by_hand(ch) {
        ch.scenario("Colors", "color", "Red and blue.").await;
        ch.graph.script(vec![(503, json!({"error": "busy"}), 0)]);
        ch.post_wa(TEXT).await;
        ch.graph.wait_for(2).await; // 503, then the retry a second later
        eventually("sent after the retry", || async {
            ch.count("SELECT COUNT(*) FROM messages WHERE sender = 'bot' AND delivery_status = 'sent'").await == 1
        }).await;

        ch.graph.script(vec![(400, json!({"error": {"message": "Recipient not on WhatsApp"}}), 0)]);
        ch.post_wa(&wa_text("16505551234", "wamid.again", "color?")).await;
        eventually("marked failed with the reason", || async {
            ch.count("SELECT COUNT(*) FROM messages WHERE delivery_status = 'failed' AND delivery_error LIKE '%HTTP 400%Recipient not on WhatsApp%'").await == 1
        }).await;
        let failed = ch.count("SELECT id FROM messages WHERE delivery_status = 'failed'").await;
        assert!(ch.app.state.store.retry_failed_message(failed, app::services::now_ms()).await.unwrap());
        ch.app.state.delivery_wakeup.notify_one();
        eventually("sent on the manual retry", || async {
            ch.count(&format!("SELECT COUNT(*) FROM messages WHERE id = {failed} AND delivery_status = 'sent'")).await == 1
        }).await;
    }

    async fn a_message_stored_before_a_crash_is_answered_after_the_restart(ch) {
        ch.scenario("Colors", "color", "Red and blue.").await;
        ch.app.stop_workers();
        assert_eq!(ch.post_wa(TEXT).await.status(), StatusCode::OK);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(ch.count("SELECT COUNT(*) FROM messages WHERE processed = FALSE").await, 1);
        assert!(ch.graph.requests().is_empty());
        // "Restart": new workers over the same database.
        let _bot = server::workers::spawn_bot(ch.app.state.clone());
        let _sender = server::workers::spawn_delivery(ch.app.state.clone(), std::sync::Arc::new(
            server::channels::send::ChannelClients::new(std::sync::Arc::new(server::config::Config::from_lookup(|k| match k {
                "BATON_WHATSAPP_VERIFY_TOKEN" => Some("v".into()),
                "BATON_WHATSAPP_APP_SECRET" => Some(SECRET.into()),
                "BATON_WHATSAPP_ACCESS_TOKEN" => Some("wa-token".into()),
                "BATON_WHATSAPP_API_BASE" => Some(ch.graph.url()),
                _ => None,
            }).unwrap().channels), ch.app.state.widget_hub.clone(), ch.app.state.cluster.clone())));
        let sent = ch.graph.wait_for(1).await;
        assert_eq!(sent[0].json["text"]["body"], "Red and blue.");
    }
}

both_databases! {
    async fn a_channel_without_its_secrets_is_off(app) {
        let r = reqwest::Client::new().post(app.url("/webhooks/whatsapp")).body(TEXT).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = reqwest::Client::new().post(app.url("/webhooks/telegram")).body(TG_TEXT).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
}

async fn with_external_bot(db: Db) -> Option<(Ch, MockApi)> {
    let bot = MockApi::start(json!({"reply": "Probably blue?", "confidence": 0.2})).await;
    let url = bot.url();
    let ch = channel_app_with(db, &[("BATON_BOT_WEBHOOK_URL", url.as_str())]).await?;
    Some((ch, bot))
}

both_databases_with! { with_external_bot;
    async fn an_unsure_then_a_silent_external_bot_escalates_and_shows_as_down(pair) {
        let (ch, bot) = pair;
        ch.post_wa(&wa_text("1555000001", "wamid.x1", "which one is best?")).await;
        let asked = bot.wait_for(1).await;
        assert_eq!(asked[0].json["message"], "which one is best?");
        eventually("escalated for low confidence", || async {
            ch.conversation().await.escalation_reason.as_deref() == Some("low_confidence")
        }).await;

        // Now the bot hangs past the 5 s timeout.
        bot.script(vec![(200, json!({"reply": "late"}), 6_000)]);
        ch.post_wa(&wa_text("1555000002", "wamid.x2", "hello?")).await;
        for _ in 0..200 {
            if ch.conversation().await.escalation_reason.as_deref() == Some("bot_failed") { break; }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(ch.conversation().await.escalation_reason.as_deref(), Some("bot_failed"));
        let (_, error) = ch.app.state.bot_health.down().expect("bot shown as down");
        assert!(error.contains("5 s"), "{error}");
        let (admin, _) = ch.app.signed_in("boss@x.io", app::domain::users::Role::Admin).await;
        let m: Value = ch.app.call(&admin, "monitoring", &[]).await.json().await.unwrap();
        assert_eq!(m["bot_status"], "down");
        assert!(m["bot_error"].as_str().unwrap().contains("did not answer"));
    }
}

use crate::widget::{next_json, say, visit};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_widget_talks_to_the_bot_live_and_shows_history_on_return() {
    let ch = channel_app(Db::Sqlite).await.unwrap();
    ch.scenario("Shipping", "ship, envio", "We ship in 2 days.")
        .await;
    let (mut ws, token, history) = visit(&ch.app, None).await;
    assert_eq!(history.len(), 0);
    say(&mut ws, "do you ship to Canada?", "c-1").await;
    let ack = next_json(&mut ws).await;
    assert_eq!(
        (ack["type"].as_str(), ack["client_id"].as_str()),
        (Some("ack"), Some("c-1"))
    );
    let reply = next_json(&mut ws).await;
    assert_eq!(reply["type"], "message");
    assert_eq!(reply["message"]["from"], "bot");
    assert_eq!(reply["message"]["text"], "We ship in 2 days.");
    // A resend of the same client id (a flaky network) is stored once.
    say(&mut ws, "do you ship to Canada?", "c-1").await;
    let dup = next_json(&mut ws).await;
    assert_eq!(dup["type"], "ack");
    assert!(
        dup["id"].is_null(),
        "a duplicate is acknowledged without a new message"
    );
    drop(ws);

    let (_again, _, history) = visit(&ch.app, Some(&token)).await;
    let texts: Vec<&str> = history
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["do you ship to Canada?", "We ship in 2 days."]);
}
