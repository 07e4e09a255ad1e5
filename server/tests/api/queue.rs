//! The queue end to end: the SLA paging ladder driven by a chosen clock, an alert queued before a
//! stop and sent once after the restart, round-robin offers that rotate and move on, and pushes
//! through the notification worker to local Web Push, FCM and APNs stand-ins.
//!
//! Time: escalations happen at a chosen `t0` and the tests call `queue::tick` and
//! `notifications::deliver_due` with `t0 + n minutes`. The running workers use the wall clock, so
//! they only ever see step 0 as due: nothing races the test's clock.

use crate::common::{self, Db, TestApp};
use crate::mock::eventually;
use crate::push::{
    answer, b64, b64d, es256_ok, now, verify_es256, Browser, Receiver, Req, TempFile, DEVICE, SEND,
};
use app::domain::ownership::{Actor, Transition};
use app::domain::users::Role;
use app::dto::Channel;
use app::services::conversations::transition_at;
use app::services::{notifications, now_ms, queue};
use app::storage::conversations::NewMessage;
use axum::http::Version;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const MIN: i64 = 60_000;

/// A conversation with one customer message, owned by the bot.
pub(crate) async fn conversation(app: &TestApp, external_id: &str, name: &str) -> i64 {
    let now = now_ms();
    let s = &app.state.store;
    let ct = s
        .upsert_contact(Channel::Telegram, external_id, Some(name), None, now)
        .await
        .unwrap();
    let id = s
        .upsert_conversation(ct, Channel::Telegram, now)
        .await
        .unwrap();
    s.insert_message(&NewMessage {
        conversation_id: id,
        channel: Channel::Telegram,
        sender: "customer",
        author_id: None,
        body: "Where is my order?",
        media_type: None,
        media_url: None,
        platform_message_id: None,
        bot_confidence: None,
        context_used: None,
        delivery_status: None,
        created_at: now,
    })
    .await
    .unwrap();
    id
}

async fn escalate(app: &TestApp, id: i64, at: i64) {
    transition_at(
        &app.state,
        id,
        Transition::Escalate,
        Some("keyword \"agent\""),
        at,
    )
    .await
    .unwrap();
}

/// Subscribes a new browser to pushes at `{rx}{path}` as the signed-in `c`; returns the browser
/// and the device id.
pub(crate) async fn subscribe(
    app: &TestApp,
    c: &reqwest::Client,
    rx: &Receiver,
    path: &str,
) -> (Browser, i64) {
    subscribe_in(app, c, rx, path, "en-US,en;q=0.9").await
}

/// [`subscribe`] from a browser whose language is `accept_language`.
async fn subscribe_in(
    app: &TestApp,
    c: &reqwest::Client,
    rx: &Receiver,
    path: &str,
    accept_language: &str,
) -> (Browser, i64) {
    let b = Browser::new();
    let r = c
        .post(app.url("/api/devices/subscribe_webpush"))
        .header("origin", app.url("").trim_end_matches('/'))
        .header("accept-language", accept_language)
        .form(&[
            ("endpoint", format!("{}{path}", rx.base).as_str()),
            ("p256dh", &b64(&b.public())),
            ("auth", &b64(&b.auth)),
            ("label", "Test browser"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["kind"], "webpush");
    assert_eq!(d["address"], rx.base.trim_start_matches("http://"));
    (b, d["id"].as_i64().unwrap())
}

pub(crate) fn decrypt(b: &Browser, r: &Req) -> Value {
    let plain = b.decrypt(&r.body, &b.auth).expect("the push decrypts");
    serde_json::from_slice(&plain).unwrap()
}

/// Who got a ladder alert for `step` (one row per device; one device each here).
async fn paged(app: &TestApp, id: i64, step: i64) -> Vec<i64> {
    app.column(&format!(
        "SELECT user_id FROM notification_outbox WHERE conversation_id = {id} AND kind = 'alert' \
         AND step = {step} ORDER BY user_id"
    ))
    .await
}

async fn system_lines(app: &TestApp, id: i64) -> Vec<String> {
    let (page, _) = app.state.store.message_page(id, None, 200).await.unwrap();
    page.into_iter()
        .filter(|m| m.sender.as_str() == "system")
        .map(|m| m.body)
        .collect()
}

async fn devices(app: &TestApp, c: &reqwest::Client) -> Vec<Value> {
    let r = app.call(c, "devices/list", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Vec<Value>>().await.unwrap()
}

both_databases! {
    async fn each_alert_is_worded_in_its_readers_language(app) {
        let rx = Receiver::start().await;
        let (ana, _) = app.signed_in("ana@x.io", Role::Operator).await;
        let (ben, _) = app.signed_in("ben@x.io", Role::Operator).await;
        rx.default_answer("/push/ana", answer(201, &[], ""));
        rx.default_answer("/push/ben", answer(201, &[], ""));
        // Ana never chose a language: her phone's (Spanish) words her alerts. Ben's phone is
        // Spanish too, but he chose English on the Account page: his choice wins.
        let (ana_phone, _) = subscribe_in(&app, &ana, &rx, "/push/ana", "es-MX,es;q=0.9").await;
        let (ben_phone, _) = subscribe_in(&app, &ben, &rx, "/push/ben", "es-ES").await;
        let r = app.call(&ben, "account/language", &[("language", "en")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        for c in [&ana, &ben] {
            assert_eq!(app.call(c, "presence", &[("available", "true")]).await.status(), StatusCode::OK);
        }
        let id = conversation(&app, "t-lang", "Dana").await;
        escalate(&app, id, now_ms()).await;
        eventually("both alerts", || async {
            rx.requests("/push/ana").len() == 1 && rx.requests("/push/ben").len() == 1
        })
        .await;
        let a = decrypt(&ana_phone, &rx.requests("/push/ana")[0]);
        assert_eq!((a["title"].as_str(), a["accept"].as_str()), (Some("Cliente esperando: Dana"), Some("Aceptar")));
        let b = decrypt(&ben_phone, &rx.requests("/push/ben")[0]);
        assert_eq!((b["title"].as_str(), b["accept"].as_str()), (Some("Customer waiting: Dana"), Some("Accept")));
        // The history line is stored once, as data each reader's interface words.
        let (page, _) = app.state.store.message_page(id, None, 10).await.unwrap();
        let line = page.iter().find_map(|m| m.system_line.clone()).expect("a worded history line");
        assert_eq!(app::text::history::line(app::i18n::Locale::es, &line), "Escalada: keyword \"agent\"");
    }

    async fn alerts_widen_every_two_minutes_and_stop_after_accept(app) {
        let rx = Receiver::start().await;
        let (ana, ana_id) = app.signed_in("ana@x.io", Role::Operator).await;
        let (ben, ben_id) = app.signed_in("ben@x.io", Role::Operator).await;
        let (cy, cy_id) = app.signed_in("cy@x.io", Role::Operator).await;
        let (boss, boss_id) = app.signed_in("boss@x.io", Role::Admin).await;
        let mut browsers = Vec::new();
        for (c, name) in [(&ana, "ana"), (&ben, "ben"), (&cy, "cy"), (&boss, "boss")] {
            rx.default_answer(&format!("/push/{name}"), answer(201, &[], ""));
            browsers.push(subscribe(&app, c, &rx, &format!("/push/{name}")).await.0);
        }
        // Ana is online and available: she is offered it. Ben is available but unreachable (not
        // connected, and the last push to his phone failed); Cy and the boss are away.
        app.state.presence.connect(ana_id);
        app.exec(&format!(
            "UPDATE devices SET last_error = 'timed out', last_error_at = 1 WHERE user_id = {ben_id}"
        ))
        .await;
        for c in [&cy, &boss] {
            assert_eq!(app.call(c, "presence", &[("available", "false")]).await.status(), StatusCode::OK);
        }

        let id = conversation(&app, "t-ladder", "Dana").await;
        let t0 = now_ms();
        escalate(&app, id, t0).await;
        // Step 0 goes out on its own, through the worker.
        eventually("Ana's first alert", || async { rx.requests("/push/ana").len() == 1 }).await;
        assert_eq!(paged(&app, id, 0).await, [ana_id]);

        for (minutes, step, who, sent) in [
            (2, 1, vec![ana_id, ben_id], 2),
            (4, 2, vec![ana_id, ben_id, cy_id], 3),
            (6, 3, vec![ana_id, ben_id, cy_id, boss_id], 4),
        ] {
            let t = t0 + minutes * MIN;
            assert_eq!(queue::tick(&app.state, t).await.unwrap(), 1, "minute {minutes}");
            assert_eq!(queue::tick(&app.state, t).await.unwrap(), 0, "a step is queued once");
            assert_eq!(paged(&app, id, step).await, who, "step {step}");
            assert_eq!(notifications::deliver_due(&app.state, t).await.unwrap(), sent);
        }
        let counts: Vec<usize> = ["ana", "ben", "cy", "boss"]
            .iter()
            .map(|n| rx.requests(&format!("/push/{n}")).len())
            .collect();
        assert_eq!(counts, [4, 3, 2, 1]);
        let last = decrypt(&browsers[3], &rx.requests("/push/boss")[0]);
        assert_eq!(
            last,
            json!({"conversation_id": id, "contact_name": "Dana", "preview": "Where is my order?",
                   "wait_secs": 360, "step": 4, "title": "Customer waiting: Dana",
                   "waited": "· waiting 6 min", "accept": "Accept"})
        );

        let lines = system_lines(&app, id).await;
        assert_eq!(
            lines,
            [
                "Escalated: keyword \"agent\"",
                "Offered to ana (first to accept); skipped ben (offline), cy (away), boss (away)",
                "Still waiting after 2 min: alerted all available operators (ana, ben)",
                "Still waiting after 4 min: alerted all operators (ana, ben, cy)",
                "Waiting longer than the 2 min target",
                "Still waiting after 6 min: alerted everyone, admins included (ana, ben, cy, boss)",
            ]
        );
        let reasons = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM conversation_events WHERE conversation_id = {id} AND kind = 'skipped' \
                 AND target_id = {cy_id} AND reason = 'away'"
            ))
            .await;
        assert_eq!(reasons, 1);

        // The monitoring overview shows it waiting (by the wall clock: within target) at step 3.
        let o: Value = app
            .call(&ana, "queue/overview", &[("utc_offset_minutes", "0")])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(o["waiting"][0]["conversation"]["id"], id);
        assert_eq!(o["waiting"][0]["step"], 3);
        assert_eq!(o["waiting"][0]["offered_to"], json!(["ana"]));
        assert_eq!(o["waiting"][0]["breached"], false);
        assert_eq!(o["breaches_today"], 1);
        assert_eq!(o["settings"]["sla_target_secs"], 120);
        assert_eq!(o["operators"].as_array().unwrap().len(), 4);
        assert_eq!(o["channels"].as_array().unwrap().len(), 3);

        // Step 4 is queued, then Ana accepts before it goes out: it never does, nor anything after.
        assert_eq!(queue::tick(&app.state, t0 + 8 * MIN).await.unwrap(), 1);
        assert_eq!(paged(&app, id, 4).await.len(), 4);
        let r = app.call(&ana, "conversations/accept", &[("id", &id.to_string())]).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(notifications::deliver_due(&app.state, t0 + 8 * MIN).await.unwrap(), 0);
        for minutes in [10, 20, 60] {
            assert_eq!(queue::tick(&app.state, t0 + minutes * MIN).await.unwrap(), 0);
            assert_eq!(notifications::deliver_due(&app.state, t0 + minutes * MIN).await.unwrap(), 0);
        }
        let cancelled = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM notification_outbox WHERE conversation_id = {id} AND state = 'dead'"
            ))
            .await;
        assert_eq!(cancelled, 4);
        assert_eq!(
            app.scalar(&format!("SELECT COUNT(*) FROM notification_outbox WHERE conversation_id = {id}")).await,
            14
        );
        tokio::time::sleep(Duration::from_millis(600)).await;
        let after: Vec<usize> = ["ana", "ben", "cy", "boss"]
            .iter()
            .map(|n| rx.requests(&format!("/push/{n}")).len())
            .collect();
        assert_eq!(after, counts, "nothing sent after the accept");
        let o: Value = app.call(&ana, "queue/overview", &[]).await.json().await.unwrap();
        assert_eq!(o["waiting"], json!([]));
    }

    async fn an_alert_queued_before_a_stop_is_sent_once_after_the_restart(app) {
        let rx = Receiver::start().await;
        rx.default_answer("/push/ana", answer(201, &[], ""));
        let (ana, _) = app.signed_in("ana@x.io", Role::Operator).await;
        let (browser, _) = subscribe(&app, &ana, &rx, "/push/ana").await;
        let key: String = app.call(&ana, "devices/vapid_key", &[]).await.json().await.unwrap();

        // The first Baton stops working right after the escalation is stored.
        app.stop_workers();
        let id = conversation(&app, "t-restart", "Eve").await;
        escalate(&app, id, now_ms()).await;
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert!(rx.requests("/push/ana").is_empty());
        let pending = format!(
            "SELECT COUNT(*) FROM notification_outbox WHERE conversation_id = {id} AND state = 'pending'"
        );
        assert_eq!(app.scalar(&pending).await, 1);

        // A new Baton on the same database sends it, once, with the same VAPID key.
        let again = app.restart(&[]).await;
        let key_again: String = again.call(&ana, "devices/vapid_key", &[]).await.json().await.unwrap();
        assert_eq!(key_again, key, "the generated VAPID key was stored and reused");
        eventually("the alert after the restart", || async { !rx.requests("/push/ana").is_empty() }).await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let reqs = rx.requests("/push/ana");
        assert_eq!(reqs.len(), 1, "sent exactly once");
        assert_eq!(decrypt(&browser, &reqs[0])["conversation_id"], id);
        let auth = reqs[0].header("authorization");
        let (jwt, k) = auth.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
        assert_eq!(k, key);
        assert!(es256_ok(jwt, &b64d(&key)));
        assert_eq!(
            again.scalar(&format!(
                "SELECT COUNT(*) FROM notification_outbox WHERE conversation_id = {id} AND state = 'done'"
            )).await,
            1
        );
        assert_eq!(again.scalar(&pending).await, 0);
    }

    async fn round_robin_rotates_offers_respects_capacity_and_moves_expired_offers_on(app) {
        let (boss, _) = app.signed_in("boss@x.io", Role::Admin).await;
        let r = app
            .call(&boss, "settings/save_queue", &[
                ("policy", "round_robin"), ("offer_secs", "60"),
                ("sla_target_secs", "120"), ("alert_interval_secs", "120"),
            ])
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let s: Value = app.call(&boss, "settings/queue", &[]).await.json().await.unwrap();
        assert_eq!(s["policy"], "round_robin");
        let r = app
            .call(&boss, "settings/save_queue", &[
                ("policy", "lottery"), ("offer_secs", "5"),
                ("sla_target_secs", "120"), ("alert_interval_secs", "120"),
            ])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        app.call(&boss, "presence", &[("available", "false")]).await;

        let (ana, ana_id) = app.signed_in("ana@x.io", Role::Operator).await;
        let (_ben, ben_id) = app.signed_in("ben@x.io", Role::Operator).await;
        let (cy, cy_id) = app.signed_in("cy@x.io", Role::Operator).await;
        // Cy may hold one conversation, and holds one.
        app.scalar(&format!("UPDATE users SET max_conversations = 1 WHERE id = {cy_id} RETURNING id")).await;
        let held = conversation(&app, "t-held", "Held").await;
        escalate(&app, held, now_ms()).await;
        let cy_actor = Actor { id: cy_id, is_admin: false };
        transition_at(&app.state, held, Transition::Accept(cy_actor), None, now_ms()).await.unwrap();
        for id in [ana_id, ben_id, cy_id] {
            app.state.presence.connect(id);
        }

        let a = conversation(&app, "t-a", "Ann").await;
        let b = conversation(&app, "t-b", "Bob").await;
        let ta = now_ms();
        escalate(&app, a, ta).await;
        escalate(&app, b, ta + 1000).await;
        let skipped = "skipped boss (away), cy (at capacity, 1 of 1)";
        assert_eq!(system_lines(&app, a).await[1], format!("Offered to ana for 60 s (round robin); {skipped}"));
        assert_eq!(system_lines(&app, b).await[1], format!("Offered to ben for 60 s (round robin); {skipped}"));
        // Full: Cy cannot accept either.
        let r = app.call(&cy, "conversations/accept", &[("id", &a.to_string())]).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert!(common::refusal(r).await.contains("at capacity (1 of 1)"));

        assert_eq!(queue::tick(&app.state, ta + 30_000).await.unwrap(), 0, "offers still stand");
        // A's offer expires first: it moves to Ben; then B's moves on to Ana.
        assert_eq!(queue::tick(&app.state, ta + MIN).await.unwrap(), 1);
        assert_eq!(
            system_lines(&app, a).await[2],
            format!("ana did not accept within 60 s; offered to ben for 60 s (round robin); {skipped}")
        );
        assert_eq!(queue::tick(&app.state, ta + MIN + 1000).await.unwrap(), 1);
        assert_eq!(
            system_lines(&app, b).await[2],
            format!("ben did not accept within 60 s; offered to ana for 60 s (round robin); {skipped}")
        );
        // Cy closes her conversation: she has room, and has waited longest for an offer.
        transition_at(&app.state, held, Transition::Close(Some(cy_actor)), None, now_ms()).await.unwrap();
        assert_eq!(queue::tick(&app.state, ta + 2 * MIN).await.unwrap(), 1);
        // B's offer moves on; A, now waiting over the 2 min target, is flagged as a breach.
        assert_eq!(queue::tick(&app.state, ta + 2 * MIN + 1000).await.unwrap(), 2);
        assert_eq!(system_lines(&app, a).await.last().unwrap(), "Waiting longer than the 2 min target");

        let offered = |id: i64| {
            let app = &app;
            async move {
                app.column(&format!(
                    "SELECT target_id FROM conversation_events WHERE conversation_id = {id} AND kind = 'offered' ORDER BY id"
                ))
                .await
            }
        };
        assert_eq!(offered(a).await, [ana_id, ben_id, cy_id]);
        assert_eq!(offered(b).await, [ben_id, ana_id, ben_id]);
        let expired = app
            .column(&format!(
                "SELECT target_id FROM conversation_events WHERE conversation_id = {a} AND kind = 'offer_expired' ORDER BY id"
            ))
            .await;
        assert_eq!(expired, [ana_id, ben_id]);
        let full = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM conversation_events WHERE conversation_id = {a} AND kind = 'skipped' \
                 AND target_id = {cy_id} AND reason = 'at capacity, 1 of 1'"
            ))
            .await;
        assert_eq!(full, 2, "skipped while full, with the reason");

        // Ana takes B: its offers stop.
        let r = app.call(&ana, "conversations/accept", &[("id", &b.to_string())]).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(queue::tick(&app.state, ta + 10 * MIN).await.unwrap(), 1, "only A is still waiting");
        assert_eq!(offered(b).await.len(), 3);
    }

    async fn web_push_reaches_the_browser_and_a_dead_subscription_is_removed(app) {
        let rx = Receiver::start().await;
        rx.default_answer("/push/ana", answer(201, &[], ""));
        rx.default_answer("/push/ben", answer(410, &[], r#"{"code":410,"errno":106,"error":"Gone"}"#));
        rx.default_answer("/push/cy", answer(400, &[], "bad request"));
        let (ana, _) = app.signed_in("ana@x.io", Role::Operator).await;
        let (ben, _) = app.signed_in("ben@x.io", Role::Operator).await;
        let (cy, _) = app.signed_in("cy@x.io", Role::Operator).await;
        let (browser, ana_device) = subscribe(&app, &ana, &rx, "/push/ana").await;
        subscribe(&app, &ben, &rx, "/push/ben").await;
        subscribe(&app, &cy, &rx, "/push/cy").await;
        // Subscribing again refreshes the same device.
        let (_, again) = subscribe(&app, &cy, &rx, "/push/cy").await;
        assert_eq!(devices(&app, &cy).await.len(), 1);
        assert_eq!(devices(&app, &cy).await[0]["id"], again);
        let key: String = app.call(&ana, "devices/vapid_key", &[]).await.json().await.unwrap();
        assert_eq!(b64d(&key).len(), 65);

        // Nobody is online: everyone available is alerted at once.
        let id = conversation(&app, "t-webpush", "Dana").await;
        escalate(&app, id, now_ms()).await;
        eventually("three pushes", || async {
            ["ana", "ben", "cy"].iter().all(|n| !rx.requests(&format!("/push/{n}")).is_empty())
        })
        .await;

        let r = &rx.requests("/push/ana")[0];
        let p = decrypt(&browser, r);
        assert_eq!(p["conversation_id"], id);
        assert_eq!(p["contact_name"], "Dana");
        assert_eq!(p["preview"], "Where is my order?");
        assert_eq!(p["step"], 1);
        assert_eq!(r.header("urgency"), "high");
        assert_eq!(r.header("ttl"), "300");
        assert_eq!(r.header("topic"), format!("conv-{id}"));
        let auth = r.header("authorization");
        let (jwt, k) = auth.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
        assert_eq!(k, key);
        let (_, claims) = verify_es256(jwt, &b64d(&key));
        assert_eq!(claims["aud"], "http://127.0.0.1");

        // 410: Ben's subscription is gone and forgotten; 400: Cy's device shows the error.
        eventually("Ben's dead subscription removed", || async { devices(&app, &ben).await.is_empty() }).await;
        eventually("health recorded", || async {
            let a = devices(&app, &ana).await;
            let c = devices(&app, &cy).await;
            a[0]["last_success_at"].is_i64() && c[0]["last_error"].is_string()
        })
        .await;
        let a = devices(&app, &ana).await;
        assert!(a[0]["last_error"].is_null());
        assert_eq!(a[0]["label"], "Test browser");
        let c = devices(&app, &cy).await;
        assert!(c[0]["last_error"].as_str().unwrap().contains("400"), "{c:?}");
        assert!(c[0]["last_success_at"].is_null());
        let states = app
            .column(&format!(
                "SELECT CASE state WHEN 'done' THEN 1 WHEN 'dead' THEN 2 WHEN 'failed' THEN 3 ELSE 0 END \
                 FROM notification_outbox WHERE conversation_id = {id} ORDER BY user_id"
            ))
            .await;
        assert_eq!(states, [1, 2, 3]);
        assert_eq!(rx.requests("/push/cy").len(), 1, "a refusal is not retried");

        // The test button goes through the same outbox.
        let r = app.call(&ana, "devices/test", &[("id", &ana_device.to_string())]).await;
        assert_eq!(r.status(), StatusCode::OK);
        eventually("the test notification", || async { rx.requests("/push/ana").len() == 2 }).await;
        let t = decrypt(&browser, &rx.requests("/push/ana")[1]);
        assert_eq!((t["conversation_id"].as_i64(), t["step"].as_i64()), (Some(0), Some(0)));

        // Only the owner sees, tests or removes a device.
        let theirs = [("id", ana_device.to_string())];
        let theirs: Vec<(&str, &str)> = theirs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(app.call(&ben, "devices/test", &theirs).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.call(&ben, "devices/remove", &theirs).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.call(&ana, "devices/remove", &theirs).await.status(), StatusCode::OK);
        assert!(devices(&app, &ana).await.is_empty());
        assert_eq!(app.call(&ana, "devices/remove", &theirs).await.status(), StatusCode::NOT_FOUND);

        // A subscription that cannot be used is refused, naming the field.
        let r = app
            .call(&ana, "devices/subscribe_webpush", &[
                ("endpoint", "https://push.example.net/x"),
                ("p256dh", &b64(&browser.public())),
                ("auth", "AAAA"),
            ])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(common::refusal(r).await.contains("keys.auth"));
        // Native tokens need the service configured.
        let r = app.call(&ana, "devices/register_native", &[("kind", "fcm"), ("token", "t")]).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert!(common::refusal(r).await.contains("FCM notifications are not set up"));
    }
}

/// An app whose FCM and APNs point at local stand-ins (a Google token + FCM endpoint, and an h2c
/// APNs), with the key files they need.
pub struct Native {
    app: TestApp,
    google: Receiver,
    apple: Receiver,
    apple_public: Vec<u8>,
    _files: (TempFile, TempFile),
}

async fn native_app(db: Db) -> Option<Native> {
    let (google, sa) = crate::push::google_stand_in().await;
    let (apple, apple_public, p8) = crate::push::apple_stand_in().await;
    let (sa_path, p8_path) = (sa.path(), p8.path());
    let app = crate::common::spawn_with(
        db,
        &[
            ("BATON_FCM_SERVICE_ACCOUNT", sa_path.as_str()),
            ("BATON_FCM_API_BASE", google.base.as_str()),
            ("BATON_APNS_KEY", p8_path.as_str()),
            ("BATON_APNS_KEY_ID", "ABC123DEFG"),
            ("BATON_APNS_TEAM_ID", "TEAM123456"),
            ("BATON_APNS_TOPIC", "com.example.baton"),
            ("BATON_APNS_API_BASE", apple.base.as_str()),
        ],
    )
    .await?;
    Some(Native {
        app,
        google,
        apple,
        apple_public,
        _files: (sa, p8),
    })
}

both_databases_with! { native_app;
    async fn fcm_and_apns_devices_registered_through_the_api_get_their_alerts(n) {
        let app = &n.app;
        let (ana, _) = app.signed_in("ana@x.io", Role::Operator).await;
        let (ben, _) = app.signed_in("ben@x.io", Role::Operator).await;
        let r = app
            .call(&ana, "devices/register_native", &[("kind", "fcm"), ("token", "fcm-token-ana"), ("label", "Pixel 8")])
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let d: Value = r.json().await.unwrap();
        assert_eq!((d["kind"].as_str(), d["label"].as_str()), (Some("fcm"), Some("Pixel 8")));
        let r = app.call(&ben, "devices/register_native", &[("kind", "apns"), ("token", DEVICE)]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let d: Value = r.json().await.unwrap();
        assert_eq!((d["label"].as_str(), d["address"].as_str()), (Some("iOS app"), Some("…ef0123")));
        for (kind, token) in [("apns", "../../etc/passwd"), ("sms", "123"), ("fcm", "has spaces")] {
            let r = app.call(&ben, "devices/register_native", &[("kind", kind), ("token", token)]).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{kind} {token}");
        }

        let id = conversation(app, "t-native", "Dana").await;
        escalate(app, id, now_ms()).await;
        let path = format!("/3/device/{DEVICE}");
        eventually("FCM and APNs pushes", || async {
            !n.google.requests(SEND).is_empty() && !n.apple.requests(&path).is_empty()
        })
        .await;

        // FCM: a service-account access token, a data-only high-priority message.
        assert_eq!(n.google.requests("/token").len(), 1);
        let send = &n.google.requests(SEND)[0];
        assert_eq!(send.header("authorization"), "Bearer ya29.test-token");
        let m = &send.json()["message"];
        assert_eq!(m["token"], "fcm-token-ana");
        assert!(m.get("notification").is_none());
        assert_eq!(m["data"]["conversation_id"], id.to_string());
        assert_eq!(m["data"]["contact_name"], "Dana");
        assert_eq!(m["data"]["step"], "1");
        assert_eq!(m["android"]["priority"], "HIGH");
        assert_eq!(m["apns"]["payload"]["aps"]["alert"]["title"], "Customer waiting: Dana");

        // APNs: HTTP/2, an ES256 provider token from the .p8 key, the alert for this conversation.
        let r = &n.apple.requests(&path)[0];
        assert_eq!(r.version, Version::HTTP_2);
        let jwt = r.header("authorization").strip_prefix("bearer ").unwrap();
        let (header, claims) = verify_es256(jwt, &n.apple_public);
        assert_eq!((header["kid"].as_str(), claims["iss"].as_str()), (Some("ABC123DEFG"), Some("TEAM123456")));
        assert!(claims["iat"].as_u64().unwrap().abs_diff(now()) < 60);
        assert_eq!(r.header("apns-topic"), "com.example.baton");
        assert_eq!(r.header("apns-push-type"), "alert");
        assert_eq!(r.header("apns-collapse-id"), format!("conv-{id}"));
        let body = r.json();
        assert_eq!(body["conversation_id"], id);
        assert_eq!(body["aps"]["alert"]["body"], "Where is my order?");

        eventually("both devices healthy", || async {
            devices(app, &ana).await[0]["last_success_at"].is_i64()
                && devices(app, &ben).await[0]["last_success_at"].is_i64()
        })
        .await;
    }
}

async fn app_with_vapid_key(db: Db) -> Option<(TestApp, server::push::VapidKeys)> {
    let key = server::push::VapidKeys::generate();
    let app =
        crate::common::spawn_with(db, &[("BATON_VAPID_PRIVATE_KEY", &key.to_base64())]).await?;
    Some((app, key))
}

both_databases_with! { app_with_vapid_key;
    async fn a_configured_vapid_key_is_used_and_not_stored(x) {
        let (app, key) = &x;
        let (ana, _) = app.signed_in("ana@x.io", Role::Operator).await;
        let served: String = app.call(&ana, "devices/vapid_key", &[]).await.json().await.unwrap();
        assert_eq!(served, key.public_key_base64());
        assert_eq!(app.scalar("SELECT COUNT(*) FROM settings WHERE key = 'vapid_private_key'").await, 0);
    }
}

both_databases! {
    async fn a_flood_of_waiting_conversations_never_starves_the_newest(app) {
        // More conversations wait than one read of the queue returns (500): the newest must
        // still get its next alert step and its SLA breach recorded.
        let t0 = now_ms();
        let mut ids = Vec::new();
        for i in 0..520 {
            let id = conversation(&app, &format!("t-flood-{i}"), "Flood").await;
            escalate(&app, id, t0 + i).await;
            ids.push(id);
        }
        let newest = *ids.last().unwrap();
        let changed = queue::tick(&app.state, t0 + 3 * MIN).await.unwrap();
        assert_eq!(changed, ids.len(), "every waiting conversation advanced");
        let step = app
            .scalar(&format!("SELECT last_step FROM queue_state WHERE conversation_id = {newest}"))
            .await;
        assert_eq!(step, 1);
        let breached = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM conversation_events WHERE conversation_id = {newest} AND kind = 'sla_breached'"
            ))
            .await;
        assert_eq!(breached, 1);
    }
}

/// Registers `endpoint` as `c`'s browser; the response.
async fn register(app: &TestApp, c: &reqwest::Client, endpoint: &str) -> reqwest::Response {
    let b = Browser::new();
    app.call(
        c,
        "devices/subscribe_webpush",
        &[
            ("endpoint", endpoint),
            ("p256dh", &b64(&b.public())),
            ("auth", &b64(&b.auth)),
            ("label", "Phone"),
        ],
    )
    .await
}

async fn strict_app(db: Db) -> Option<TestApp> {
    crate::common::spawn_with(db, &[("BATON_PUSH_ALLOW_INSECURE", "0")]).await
}

both_databases_with! { strict_app;
    async fn push_endpoints_inside_the_network_are_refused_at_subscribe_time(app) {
        let (ana, _) = app.signed_in("ana@x.io", Role::Operator).await;
        for endpoint in [
            "http://push.example.net/sub/1",
            "https://127.0.0.1/sub/1",
            "https://169.254.169.254/latest/meta-data",
            "https://10.1.2.3:8443/sub/1",
            "https://[fd00::1]/sub/1",
            "https://localhost/sub/1",
            "https://ops:pw@push.example.net/sub/1",
        ] {
            let r = register(&app, &ana, endpoint).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{endpoint}");
            let body = r.text().await.unwrap();
            assert!(body.contains("endpoint"), "{endpoint}: {body}");
        }
        assert!(devices(&app, &ana).await.is_empty());
    }
}

both_databases! {
    async fn a_device_of_another_operator_is_not_moved_and_tests_are_rate_limited(app) {
        let rx = Receiver::start().await;
        rx.default_answer("/push/shared", answer(201, &[], ""));
        let (ana, _) = app.signed_in("ana@x.io", Role::Operator).await;
        let (ben, _) = app.signed_in("ben@x.io", Role::Operator).await;
        let endpoint = format!("{}/push/shared", rx.base);
        assert_eq!(register(&app, &ana, &endpoint).await.status(), StatusCode::OK);
        let r = register(&app, &ben, &endpoint).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert!(common::refusal(r).await.contains("another person's alerts"));
        assert_eq!(devices(&app, &ana).await.len(), 1, "still Ana's");
        assert!(devices(&app, &ben).await.is_empty());
        // Ana registering again only refreshes it.
        assert_eq!(register(&app, &ana, &endpoint).await.status(), StatusCode::OK);

        let id = devices(&app, &ana).await[0]["id"].as_i64().unwrap().to_string();
        for _ in 0..notifications::TESTS_PER_MINUTE {
            let r = app.call(&ana, "devices/test", &[("id", &id)]).await;
            assert_eq!(r.status(), StatusCode::OK);
        }
        let r = app.call(&ana, "devices/test", &[("id", &id)]).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    }
}
