//! Business hours and satisfaction surveys end to end: the out-of-hours reply (once a local day),
//! the SLA clock and paging ladder paused until opening (or paging anyway), and surveys asked on
//! close over WhatsApp, Telegram and the widget (exact payloads), skipped past WhatsApp's 24-hour
//! window, answered from each channel without reopening the conversation.

use crate::channels::{channel_app, post_telegram, wa_text, wa_text_at, Ch};
use crate::common::TestApp;
use crate::push::{answer, Receiver};
use crate::queue::{conversation, subscribe};
use app::domain::csat::{CsatSettings, Scale};
use app::domain::hours::{parse_day, BusinessHours};
use app::domain::ownership::{Actor, OwnerState, Transition};
use app::domain::users::Role;
use app::services::conversations::transition_at;
use app::services::{now_ms, queue, settings};
use reqwest::StatusCode;
use serde_json::{json, Value};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

/// The UTC date of `ms`.
fn utc_day(ms: i64) -> String {
    BusinessHours::default().local_day(ms)
}

/// Hours closed all of today and tomorrow (UTC): whatever the wall clock, it is closed now.
async fn closed_now(app: &TestApp) {
    let now = now_ms();
    let h = BusinessHours {
        closed_dates: vec![utc_day(now), utc_day(now + DAY)],
        ..Default::default()
    };
    settings::save_business_hours(&app.state, &h).await.unwrap();
}

fn texts(ch: &Ch) -> Vec<String> {
    ch.graph
        .requests()
        .into_iter()
        .filter_map(|r| r.json["text"]["body"].as_str().map(str::to_string))
        .collect()
}

async fn owner(app: &TestApp, id: i64) -> OwnerState {
    app.state
        .store
        .conversation_summary(id)
        .await
        .unwrap()
        .unwrap()
        .owner
}

async fn history(app: &TestApp, id: i64) -> Vec<String> {
    let (page, _) = app.state.store.message_page(id, None, 200).await.unwrap();
    page.into_iter()
        .filter(|m| m.sender.as_str() == "system")
        .map(|m| m.body)
        .collect()
}

both_databases_with! { channel_app;
    async fn out_of_hours_a_customer_asking_for_a_person_is_told_so_once_a_day(ch) {
        closed_now(&ch.app).await;
        let ana = Actor { id: ch.app.user("ana@x.io", Role::Operator).await, is_admin: false };
        let r = ch.post_wa(&wa_text("34600111222", "wamid.h1", "quiero hablar con un humano")).await;
        assert_eq!(r.status(), StatusCode::OK);
        ch.graph.wait_for(1).await;
        let closed_es = BusinessHours::default().out_of_hours;
        assert_eq!(texts(&ch), vec![closed_es.clone()]);
        let id = ch.count("SELECT MAX(id) FROM conversations").await;
        // It still waits in the queue.
        assert_eq!(owner(&ch.app, id).await, OwnerState::Waiting);

        // Back with the bot, the customer asks again the same day: the usual confirmation.
        transition_at(&ch.app.state, id, Transition::Accept(ana), None, now_ms()).await.unwrap();
        transition_at(&ch.app.state, id, Transition::ReturnToBot(ana), None, now_ms()).await.unwrap();
        let r = ch.post_wa(&wa_text("34600111222", "wamid.h2", "quiero hablar con un humano")).await;
        assert_eq!(r.status(), StatusCode::OK);
        ch.graph.wait_for(2).await;
        assert_eq!(
            texts(&ch),
            vec![closed_es, "Enseguida te comunico con alguien de nuestro equipo.".to_string()]
        );
        assert_eq!(owner(&ch.app, id).await, OwnerState::Waiting);

        // Someone writing English gets the English reply.
        let r = ch.post_wa(&wa_text("34600333444", "wamid.h3", "I want to talk to a human please")).await;
        assert_eq!(r.status(), StatusCode::OK);
        ch.graph.wait_for(3).await;
        assert_eq!(texts(&ch)[2], BusinessHours::default().out_of_hours_en);
    }
}

/// A conversation escalated at `t0` (tomorrow 02:00 UTC; today is a closed date, so the running
/// workers, on the wall clock, see it closed and page nobody), with hours 09:00-18:00 UTC.
async fn night_escalation(app: &TestApp, page_anyway: bool) -> (i64, i64, i64) {
    let rx = Receiver::start().await;
    let (ana, ana_id) = app.signed_in("ana@x.io", Role::Operator).await;
    rx.default_answer("/push/ana", answer(201, &[], ""));
    subscribe(app, &ana, &rx, "/push/ana").await;
    app.state.presence.connect(ana_id);
    let now = now_ms();
    let mut h = BusinessHours {
        closed_dates: vec![utc_day(now)],
        page_anyway,
        ..Default::default()
    };
    for d in h.week.iter_mut() {
        *d = parse_day("09:00-18:00").unwrap();
    }
    settings::save_business_hours(&app.state, &h).await.unwrap();
    let tomorrow = now - now.rem_euclid(DAY) + DAY;
    let t0 = tomorrow + 2 * HOUR;
    let id = conversation(app, "t-night", "Dana").await;
    transition_at(
        &app.state,
        id,
        Transition::Escalate,
        Some("keyword \"agent\""),
        t0,
    )
    .await
    .unwrap();
    // Leak the receiver: pushes may still arrive after the test's checks.
    std::mem::forget(rx);
    (id, ana_id, t0)
}

async fn paged(app: &TestApp, id: i64, step: i64) -> Vec<i64> {
    app.column(&format!(
        "SELECT user_id FROM notification_outbox WHERE conversation_id = {id} AND kind = 'alert' \
         AND step = {step} ORDER BY user_id"
    ))
    .await
}

both_databases! {
    async fn the_sla_clock_and_the_ladder_wait_for_opening_time(app) {
        let (id, ana, t0) = night_escalation(&app, false).await;
        // Escalated at 02:00: offered, nobody paged.
        assert_eq!(paged(&app, id, 0).await, Vec::<i64>::new());
        // The waiting-since timestamp stays truthful.
        let summary = app.state.store.conversation_summary(id).await.unwrap().unwrap();
        assert_eq!(summary.waiting_since, Some(t0));
        // All night long, nothing moves, and no breach.
        assert_eq!(queue::tick(&app.state, t0 + 6 * HOUR + 59 * MIN).await.unwrap(), 0);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM notification_outbox WHERE kind = 'alert'").await, 0);
        // 09:00: step 0.
        assert_eq!(queue::tick(&app.state, t0 + 7 * HOUR).await.unwrap(), 1);
        assert_eq!(paged(&app, id, 0).await, vec![ana]);
        assert_eq!(
            app.scalar(&format!("SELECT COUNT(*) FROM queue_state WHERE conversation_id = {id} AND breached_at IS NOT NULL")).await,
            0
        );
        // Two minutes of business time later: step 1, and the 2-minute target is missed.
        assert_eq!(queue::tick(&app.state, t0 + 7 * HOUR + 2 * MIN - 1).await.unwrap(), 0);
        assert_eq!(queue::tick(&app.state, t0 + 7 * HOUR + 2 * MIN + 1).await.unwrap(), 1);
        assert_eq!(paged(&app, id, 1).await, vec![ana]);
        assert_eq!(
            history(&app, id).await,
            [
                "Escalated: keyword \"agent\"",
                "Offered to ana (first to accept)",
                "Still waiting after 2 min: alerted all available operators (ana)",
                "Waiting longer than the 2 min target",
            ]
        );
    }

    async fn admins_may_page_outside_hours_anyway(app) {
        let (id, ana, t0) = night_escalation(&app, true).await;
        assert_eq!(paged(&app, id, 0).await, vec![ana]);
        assert_eq!(queue::tick(&app.state, t0 + 2 * MIN + 1).await.unwrap(), 1);
        assert_eq!(paged(&app, id, 1).await, vec![ana]);
    }
}

async fn surveys_on(app: &TestApp, scale: Scale) {
    let c = CsatSettings {
        enabled: true,
        scale,
        ..Default::default()
    };
    settings::save_csat(&app.state, &c).await.unwrap();
}

/// Escalates, accepts and closes conversation `id` as operator `op` now.
async fn handled_and_closed(app: &TestApp, id: i64, op: i64) {
    let a = Actor {
        id: op,
        is_admin: false,
    };
    let now = now_ms();
    if owner(app, id).await == OwnerState::Bot {
        transition_at(&app.state, id, Transition::Escalate, Some("keyword"), now)
            .await
            .unwrap();
    }
    transition_at(&app.state, id, Transition::Accept(a), None, now)
        .await
        .unwrap();
    transition_at(&app.state, id, Transition::Close(Some(a)), None, now + 1)
        .await
        .unwrap();
}

fn wa_reply(from: &str, id: &str, kind: &str, reply_id: &str) -> String {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": from}],
        "messages": [{"from": from, "id": id, "timestamp": (now_ms() / 1000).to_string(), "type": "interactive",
                      "interactive": {"type": kind, kind: {"id": reply_id, "title": "x"}}}]
    }}]}]})
    .to_string()
}

both_databases_with! { channel_app;
    async fn whatsapp_customers_rate_from_a_list_and_the_answer_stays_out_of_the_bot(ch) {
        surveys_on(&ch.app, Scale::Stars).await;
        let ana = ch.app.user("ana@x.io", Role::Operator).await;
        let r = ch.post_wa(&wa_text("34600555666", "wamid.c1", "quiero hablar con un humano")).await;
        assert_eq!(r.status(), StatusCode::OK);
        ch.graph.wait_for(1).await;
        let id = ch.count("SELECT MAX(id) FROM conversations").await;
        handled_and_closed(&ch.app, id, ana).await;
        let sent = ch.graph.wait_for(2).await;
        let survey = ch.app.state.store.surveys_of(id).await.unwrap();
        assert_eq!(survey.len(), 1);
        let sid = survey[0].id;
        assert_eq!((survey[0].status.as_str(), survey[0].scale.as_str()), ("asked", "stars"));
        let rows: Vec<Value> = (1..=5)
            .map(|n| json!({"id": format!("csat:{sid}:{n}"), "title": format!("{n} {}", "⭐".repeat(n))}))
            .collect();
        assert_eq!(
            sent[1].json,
            json!({
                "messaging_product": "whatsapp", "recipient_type": "individual", "to": "34600555666",
                "type": "interactive",
                "interactive": {
                    "type": "list",
                    "body": {"text": "¿Cómo valorarías la atención que recibiste?"},
                    "action": {"button": "Valorar", "sections": [{"title": "Valorar", "rows": rows}]},
                },
            })
        );

        // The customer picks 4: stored, with a history line; the conversation stays closed and
        // the bot says nothing.
        let r = ch.post_wa(&wa_reply("34600555666", "wamid.c2", "list_reply", &format!("csat:{sid}:4"))).await;
        assert_eq!(r.status(), StatusCode::OK);
        let s = &ch.app.state.store.surveys_of(id).await.unwrap()[0];
        assert_eq!((s.status.as_str(), s.score), ("answered", Some(4)));
        assert!(s.answered_at.is_some());
        assert_eq!(history(&ch.app, id).await.last().unwrap(), "Customer rated 4/5");
        let (page, _) = ch.app.state.store.message_page(id, None, 200).await.unwrap();
        let line = page.iter().rev().find_map(|m| m.system_line.clone()).unwrap();
        assert_eq!(app::text::history::line(app::i18n::Locale::es, &line), "El cliente valoró 4/5");
        // A second answer, a press from someone else and an unknown survey change nothing.
        for (from, wamid, reply) in [
            ("34600555666", "wamid.c3", format!("csat:{sid}:1")),
            ("34600999999", "wamid.c4", format!("csat:{sid}:2")),
            ("34600555666", "wamid.c5", "csat:999999:3".to_string()),
        ] {
            let r = ch.post_wa(&wa_reply(from, wamid, "button_reply", &reply)).await;
            assert_eq!(r.status(), StatusCode::OK);
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let s = &ch.app.state.store.surveys_of(id).await.unwrap()[0];
        assert_eq!(s.score, Some(4));
        assert_eq!(owner(&ch.app, id).await, OwnerState::Closed);
        assert_eq!(ch.graph.requests().len(), 2);
    }

    async fn past_the_24_hour_window_the_survey_is_skipped_and_nothing_sent(ch) {
        surveys_on(&ch.app, Scale::Thumbs).await;
        let ana = ch.app.user("ana@x.io", Role::Operator).await;
        let old = now_ms() / 1000 - 25 * 3600;
        let r = ch.post_wa(&wa_text_at("34600777000", "wamid.s1", "quiero hablar con un humano", old)).await;
        assert_eq!(r.status(), StatusCode::OK);
        crate::mock::eventually("the escalation", || async {
            ch.count("SELECT COUNT(*) FROM conversations WHERE owner = 'waiting'").await == 1
        })
        .await;
        let id = ch.count("SELECT MAX(id) FROM conversations").await;
        // The bot's confirmation goes out (the platform would refuse it; the mock does not).
        ch.graph.wait_for(1).await;
        let before = ch.graph.requests().len();
        handled_and_closed(&ch.app, id, ana).await;
        let s = ch.app.state.store.surveys_of(id).await.unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].status.as_str(), s[0].scale.as_str(), s[0].score), ("skipped", "thumbs", None));
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(ch.graph.requests().len(), before);
    }

    async fn telegram_customers_rate_from_an_inline_keyboard_or_with_a_digit(ch) {
        surveys_on(&ch.app, Scale::Thumbs).await;
        let ana = ch.app.user("ana@x.io", Role::Operator).await;
        let tg = include_str!("../fixtures/telegram-text.json");
        assert_eq!(post_telegram(&ch.app, tg).await.status(), StatusCode::OK);
        ch.telegram.wait_for(1).await;
        let id = ch.count("SELECT MAX(id) FROM conversations").await;
        handled_and_closed(&ch.app, id, ana).await;
        let sent = ch.telegram.wait_for(2).await;
        let sid = ch.app.state.store.surveys_of(id).await.unwrap()[0].id;
        assert_eq!(sent[1].path, "/bot123:tg-token/sendMessage");
        assert_eq!(
            sent[1].json,
            json!({
                "chat_id": 184412873,
                "text": "¿Cómo valorarías la atención que recibiste?",
                "reply_markup": {"inline_keyboard": [[
                    {"text": "👍 Bien", "callback_data": format!("csat:{sid}:5")},
                    {"text": "👎 Mal", "callback_data": format!("csat:{sid}:1")},
                ]]},
            })
        );
        let press = json!({"update_id": 927184399, "callback_query": {
            "id": "4382bfdwdsb323b2d9", "chat_instance": "-1",
            "from": {"id": 184412873, "is_bot": false, "first_name": "Ana"},
            "message": {"message_id": 4213, "date": 1763712100, "chat": {"id": 184412873, "type": "private"}},
            "data": format!("csat:{sid}:5"),
        }});
        assert_eq!(post_telegram(&ch.app, &press.to_string()).await.status(), StatusCode::OK);
        let sent = ch.telegram.wait_for(3).await;
        assert_eq!(sent[2].path, "/bot123:tg-token/answerCallbackQuery");
        assert_eq!(sent[2].json, json!({"callback_query_id": "4382bfdwdsb323b2d9", "text": "👍"}));
        let s = &ch.app.state.store.surveys_of(id).await.unwrap()[0];
        assert_eq!((s.status.as_str(), s.score), ("answered", Some(5)));
        assert_eq!(history(&ch.app, id).await.last().unwrap(), "Customer rated 👍");
        assert_eq!(owner(&ch.app, id).await, OwnerState::Closed);

        // Handled again and closed: this time the customer answers with a plain 👎, which is
        // stored with the conversation (never read by the bot) and does not reopen it.
        transition_at(&ch.app.state, id, Transition::Reopen, None, now_ms()).await.unwrap();
        handled_and_closed(&ch.app, id, ana).await;
        ch.telegram.wait_for(4).await;
        let mut digit: Value = serde_json::from_str(tg).unwrap();
        digit["message"]["message_id"] = json!(4300);
        digit["message"]["text"] = json!("👎");
        assert_eq!(post_telegram(&ch.app, &digit.to_string()).await.status(), StatusCode::OK);
        let s = ch.app.state.store.surveys_of(id).await.unwrap();
        assert_eq!((s[1].status.as_str(), s[1].score), ("answered", Some(1)));
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(owner(&ch.app, id).await, OwnerState::Closed);
        assert_eq!(ch.telegram.requests().len(), 4, "the bot did not answer the 👎");
        assert_eq!(
            ch.count(&format!("SELECT COUNT(*) FROM messages WHERE conversation_id = {id} AND body = '👎' AND processed = TRUE")).await,
            1
        );
        assert_eq!(history(&ch.app, id).await.last().unwrap(), "Customer rated 👎");
    }
}

both_databases! {
    async fn widget_visitors_rate_with_buttons_and_may_leave_a_comment(app) {
        use futures::SinkExt;
        surveys_on(&app, Scale::Stars).await;
        let ana = app.user("ana@x.io", Role::Operator).await;
        let (mut ws, _token, _) = crate::widget::visit(&app, None).await;
        crate::widget::say(&mut ws, "I want to talk to a human please", "c-1").await;
        let mut id = 0;
        // The ack, then the bot's confirmation.
        for _ in 0..2 {
            let f = crate::widget::next_json(&mut ws).await;
            if f["type"] == "message" {
                id = app.scalar("SELECT MAX(id) FROM conversations").await;
            }
        }
        assert!(id > 0);
        handled_and_closed(&app, id, ana).await;
        let q = crate::widget::next_json(&mut ws).await;
        let sid = app.state.store.surveys_of(id).await.unwrap()[0].id;
        assert_eq!(q["type"], "message");
        assert_eq!(q["message"]["text"], "How would you rate the help you got?");
        let choices: Vec<Value> = (1..=5)
            .map(|n| json!({"score": n, "title": format!("{n} {}", "⭐".repeat(n))}))
            .collect();
        assert_eq!(q["message"]["survey"], json!({"id": sid, "scale": "stars", "choices": choices}));
        let rate = json!({"type": "rating", "survey": sid, "score": 5, "comment": " Muy amable "});
        ws.send(tokio_tungstenite::tungstenite::Message::Text(rate.to_string().into())).await.unwrap();
        assert_eq!(crate::widget::next_json(&mut ws).await, json!({"type": "rated", "survey": sid, "ok": true}));
        let again = json!({"type": "rating", "survey": sid, "score": 1});
        ws.send(tokio_tungstenite::tungstenite::Message::Text(again.to_string().into())).await.unwrap();
        assert_eq!(crate::widget::next_json(&mut ws).await, json!({"type": "rated", "survey": sid, "ok": false}));
        let s = &app.state.store.surveys_of(id).await.unwrap()[0];
        assert_eq!((s.score, s.comment.as_deref()), (Some(5), Some("Muy amable")));
        assert_eq!(history(&app, id).await.last().unwrap(), "Customer rated 5/5");
        assert_eq!(owner(&app, id).await, OwnerState::Closed);
        let bad = json!({"type": "rating", "survey": sid, "score": 9});
        ws.send(tokio_tungstenite::tungstenite::Message::Text(bad.to_string().into())).await.unwrap();
        assert_eq!(
            crate::widget::next_json(&mut ws).await,
            json!({"type": "error", "error": "a rating needs a survey and a score from 1 to 5"})
        );
    }
}
