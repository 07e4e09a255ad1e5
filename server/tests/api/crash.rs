//! Nothing sent twice, nothing lost: sends recorded before anything that can fail, claims a
//! restarted instance takes back at once, and Telegram messages keyed by bot, chat and message.

use crate::channels::{channel_app, channel_env, pairs, wa_text, Ch};
use crate::common::{Db, TestApp};
use crate::mock::eventually;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

impl Ch {
    /// Starts another Baton on this database with both channels on, as after a restart.
    async fn restart(&self, extra: &[(&'static str, &str)]) -> TestApp {
        let mut env = channel_env(&self.graph, &self.telegram);
        env.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        self.app.restart(&pairs(&env)).await
    }

    async fn post_tg(&self, update_id: i64, chat: i64, message_id: i64, text: &str) {
        let body = json!({"update_id": update_id, "message": {"message_id": message_id, "date": 0,
            "chat": {"id": chat, "type": "private", "first_name": "Li"}, "text": text}});
        let r = reqwest::Client::new()
            .post(self.app.url("/webhooks/telegram"))
            .header("x-telegram-bot-api-secret-token", "tg_secret-1")
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
}

/// Makes recording a retry fail with a database error (a fault only tests install).
fn failing_retries(db: Db) -> &'static str {
    match db {
        Db::Sqlite => {
            "CREATE TRIGGER fail_retry BEFORE UPDATE ON outbox WHEN NEW.last_error LIKE '%HTTP 503%' \
             BEGIN SELECT RAISE(ABORT, 'injected fault'); END;"
        }
        Db::Postgres => {
            "CREATE FUNCTION fail_retry() RETURNS trigger LANGUAGE plpgsql AS \
               $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$; \
             CREATE TRIGGER fail_retry BEFORE UPDATE ON outbox FOR EACH ROW \
               WHEN (NEW.last_error LIKE '%HTTP 503%') EXECUTE FUNCTION fail_retry();"
        }
    }
}

both_databases_with! { channel_app;
    async fn a_database_error_on_one_row_never_makes_a_batch_send_again(ch) {
        ch.scenario("Colors", "color", "Red and blue.").await;
        ch.app.stop_workers();
        ch.app.exec(failing_retries(ch.app.db)).await;
        // Two replies in one delivery batch: one goes out, the other gets a 503 whose retry
        // cannot be recorded.
        ch.graph.script(vec![
            (200, json!({"messages": [{"id": "wamid.OUT1"}]}), 0),
            (503, json!({"error": "busy"}), 0),
        ]);
        ch.post_wa(&wa_text("34611000001", "wamid.b1", "color?")).await;
        ch.post_wa(&wa_text("34611000002", "wamid.b2", "color?")).await;
        let second = ch.restart(&[]).await;
        ch.graph.wait_for(2).await;
        eventually("the send that went out is recorded despite the other row's error", || async {
            ch.count("SELECT COUNT(*) FROM outbox WHERE state = 'done'").await == 1
        }).await;
        assert_eq!(ch.count("SELECT COUNT(*) FROM messages WHERE sender = 'bot' AND delivery_status = 'sent' \
                             AND platform_message_id = 'wamid.OUT1'").await, 1);
        let delivered = ch.count("SELECT CAST(ct.external_id AS BIGINT) FROM messages m \
            JOIN conversations c ON c.id = m.conversation_id JOIN contacts ct ON ct.id = c.contact_id \
            WHERE m.platform_message_id = 'wamid.OUT1'").await.to_string();
        // Another restart takes back what is still claimed: only the unsent reply goes out again.
        second.stop_workers();
        let _third = ch.restart(&[]).await;
        ch.graph.wait_for(3).await;
        eventually("the other reply is sent on the restart", || async {
            ch.count("SELECT COUNT(*) FROM outbox WHERE state = 'done'").await == 2
        }).await;
        tokio::time::sleep(Duration::from_millis(700)).await;
        let to_delivered = ch.graph.requests().iter().filter(|r| r.json["to"] == delivered.as_str()).count();
        assert_eq!(to_delivered, 1, "the customer who got the reply never gets it twice");
    }

    async fn a_restarted_instance_takes_back_its_own_claims_at_once(ch) {
        ch.scenario("Colors", "color", "Red and blue.").await;
        // The send hangs, and the process dies with it in flight.
        ch.graph.script(vec![(200, json!({"messages": [{"id": "wamid.LOST"}]}), 30_000)]);
        ch.post_wa(&wa_text("34622000001", "wamid.c1", "color?")).await;
        ch.graph.wait_for(1).await;
        ch.app.stop_workers();

        // Another instance leaves the dead one's claim alone (until its lease ends).
        let other = ch.restart(&[("BATON_INSTANCE_ID", "another-instance")]).await;
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        assert_eq!(ch.graph.requests().len(), 1);
        other.stop_workers();

        // The same instance, restarted, sends it again at once, not after the 60 s lease.
        let started = Instant::now();
        let _same = ch.restart(&[]).await;
        ch.graph.wait_for(2).await;
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        eventually("recorded as sent", || async {
            ch.count("SELECT COUNT(*) FROM messages WHERE sender = 'bot' AND delivery_status = 'sent'").await == 1
        }).await;
        assert_eq!(ch.count("SELECT COUNT(*) FROM outbox WHERE claimed_by IS NOT NULL AND state = 'pending'").await, 0);
    }

    async fn telegram_messages_are_keyed_by_bot_chat_and_message_not_update_id(ch) {
        ch.scenario("Hours", "hora", "Abrimos a las 9:00.").await;
        // Both replies get message id 1: ids count per chat.
        let reply = json!({"ok": true, "result": {"message_id": 1}});
        ch.telegram.script(vec![(200, reply.clone(), 0), (200, reply, 0)]);
        // Two chats' messages arrive under one update id (the webhook was set anew: update
        // ids restart); one of them is redelivered under a later update id.
        ch.post_tg(500, 1001, 7, "¿a qué hora abren?").await;
        ch.post_tg(500, 1002, 7, "¿hora de cierre?").await;
        ch.post_tg(501, 1001, 7, "¿a qué hora abren?").await;
        assert_eq!(ch.count("SELECT COUNT(*) FROM messages WHERE channel = 'telegram' AND sender = 'customer'").await, 2);
        assert_eq!(ch.count("SELECT COUNT(*) FROM messages WHERE platform_message_id IN ('123:1001:7', '123:1002:7')").await, 2);
        ch.telegram.wait_for(2).await;
        eventually("both replies recorded with their own ids", || async {
            ch.count("SELECT COUNT(*) FROM messages WHERE sender = 'bot' AND delivery_status = 'sent' \
                      AND platform_message_id IN ('123:1001:1', '123:1002:1')").await == 2
        }).await;
        assert_eq!(ch.count("SELECT COUNT(*) FROM messages WHERE platform_message_id LIKE '%tg-token%'").await, 0);
    }
}
