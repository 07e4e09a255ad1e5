//! Analytics from a known history: conversations through the real ingest (WhatsApp and Telegram
//! webhooks) and bot, handoffs, accepts, replies and closes through the services with a driven
//! clock, CSAT rows; every measure asserted to its exact value, with the previous period, the
//! channel filter and the CSV exports.
//!
//! Time: the customers write now (day D). The driven clock starts a minute from now (`b`); the
//! period asked for is D-1..D+1 (so `b` plus an hour is inside it whatever the hour), and the
//! previous period (D-4..D-2) holds one conversation at noon of D-3.

use crate::channels::{channel_app, post_telegram, wa_text, Ch};
use crate::mock::eventually;
use crate::reply_window::conversation_of;
use app::domain::analytics::{
    format_day, AnalyticsQuery, AnalyticsReport, RangeKind, Spread, DAY_MS,
};
use app::domain::bot::EscalationReason;
use app::domain::ownership::{Actor, Transition};
use app::domain::users::Role;
use app::dto::Channel;
use app::i18n::Locale;
use app::services::conversations::{escalate_at, send_reply_at, transition_at};
use app::services::{analytics, now_ms};
use app::storage::conversations::NewMessage;
use reqwest::StatusCode;
use serde_json::json;

const MIN: i64 = 60_000;

/// An operator row as asserted: id, name, taken, median first reply and resolution, CSAT counts.
type OperatorLine<'a> = (i64, &'a str, i64, Option<i64>, Option<i64>, (i64, i64, i64));
const SEC: i64 = 1_000;

async fn created(ch: &Ch, id: i64) -> i64 {
    ch.count(&format!(
        "SELECT created_at FROM conversations WHERE id = {id}"
    ))
    .await
}

/// Waits until the bot has decided every customer message and sent `replies` replies in all.
async fn bot_done(ch: &Ch, replies: i64) {
    eventually("the bot's replies", || async {
        ch.count("SELECT COUNT(*) FROM messages WHERE processed = FALSE")
            .await
            == 0
            && ch
                .count("SELECT COUNT(*) FROM messages WHERE sender = 'bot'")
                .await
                == replies
    })
    .await;
}

fn query(range: &str, today: i64, channel: Option<Channel>) -> AnalyticsQuery {
    AnalyticsQuery::from_params(|k| match k {
        "range" => Some(range.to_string()),
        "from" => Some(format_day(today - 1)),
        "to" => Some(format_day(today + 1)),
        "channel" => channel.map(|c| c.as_str().to_string()),
        _ => None,
    })
}

async fn report(ch: &Ch, q: &AnalyticsQuery) -> AnalyticsReport {
    analytics::report(&ch.app.state, q, Locale::en, now_ms())
        .await
        .unwrap()
}

fn spread(count: i64, median: i64, p90: i64) -> Spread {
    Spread {
        count,
        median: Some(median),
        p90: Some(p90),
    }
}

crate::both_databases_with! { channel_app;
    async fn every_measure_from_a_known_history(ch) {
        let state = &ch.app.state;
        let ana = ch.app.user("ana@x.io", Role::Operator).await;
        let boss = ch.app.user("boss@x.io", Role::Admin).await;
        // A name that would be a formula in a spreadsheet.
        ch.app.exec(&format!("UPDATE users SET display_name = '=HYPERLINK(1)' WHERE id = {boss}")).await;
        let ana_row = state.store.user_by_id(ana).await.unwrap().unwrap();
        let boss_row = state.store.user_by_id(boss).await.unwrap().unwrap();
        let (as_ana, as_boss) = (
            Actor { id: ana, is_admin: false },
            Actor { id: boss, is_admin: true },
        );
        ch.scenario("Hours", "horario", "We open 9 to 5.").await;
        let hours = ch.count("SELECT id FROM scenarios WHERE name = 'Hours'").await;

        // The previous period: one Telegram conversation at noon of D-3, escalated for a keyword,
        // accepted a minute later (within the 2-minute target) and closed after 20 minutes.
        let today = now_ms().div_euclid(DAY_MS);
        let p = (today - 3) * DAY_MS + 12 * 60 * MIN;
        let s = &state.store;
        let ct = s.upsert_contact(Channel::Telegram, "old", Some("Old"), None, p).await.unwrap();
        let old = s.upsert_conversation(ct, Channel::Telegram, p).await.unwrap();
        s.insert_message(&NewMessage {
            conversation_id: old, channel: Channel::Telegram, sender: "customer", author_id: None,
            body: "hola", media_type: None, media_url: None, platform_message_id: None,
            bot_confidence: None, context_used: None, delivery_status: None, created_at: p,
        }).await.unwrap();
        transition_at(state, old, Transition::Escalate, Some("keyword"), p + MIN).await.unwrap();
        transition_at(state, old, Transition::Accept(as_ana), None, p + 2 * MIN).await.unwrap();
        transition_at(state, old, Transition::Close(Some(as_ana)), None, p + 20 * MIN).await.unwrap();

        // This period, through the webhooks and the bot.
        for (from, id, text) in [
            ("111", "wamid.1", "horario?"),
            ("222", "wamid.2", "horario"),
            ("333", "wamid.3", "hola"),
            ("555", "wamid.5", "hola"),
        ] {
            assert_eq!(ch.post_wa(&wa_text(from, id, text)).await.status(), StatusCode::OK);
        }
        let update = json!({"update_id": 1, "message": {"message_id": 44, "date": now_ms() / 1000,
            "from": {"id": 4444, "is_bot": false, "first_name": "Leo"},
            "chat": {"id": 4444, "type": "private"}, "text": "hola"}});
        assert_eq!(post_telegram(&ch.app, &update.to_string()).await.status(), StatusCode::OK);
        // Scenario answers (111, 222) and fallbacks (333, 555, Telegram).
        bot_done(&ch, 5).await;
        // 222 asks for a person after the scenario answered: a keyword handoff, confirmed.
        assert_eq!(ch.post_wa(&wa_text("222", "wamid.22", "quiero un humano")).await.status(), StatusCode::OK);
        bot_done(&ch, 6).await;
        let (c2, c3, c4, c5) = (conversation_of(&ch, "222").await, conversation_of(&ch, "333").await,
            conversation_of(&ch, "4444").await, conversation_of(&ch, "555").await);

        let b = now_ms() + MIN;
        // 333: no match, waits 90 s for Ana (a hit), her first reply 3 min after the handoff,
        // closed by her at b + 10 min.
        transition_at(state, c3, Transition::Escalate, Some("no_match"), b).await.unwrap();
        transition_at(state, c3, Transition::Accept(as_ana), None, b + 90 * SEC).await.unwrap();
        send_reply_at(state, &ana_row, c3, "Hola, soy Ana", b + 3 * MIN).await.unwrap();
        send_reply_at(state, &ana_row, c3, "¿Algo más?", b + 4 * MIN).await.unwrap();
        transition_at(state, c3, Transition::Close(Some(as_ana)), None, b + 10 * MIN).await.unwrap();
        // Telegram: the admin takes it over from the bot, replies a minute later, closes at 5 min.
        transition_at(state, c4, Transition::TakeOver(as_boss), None, b + MIN).await.unwrap();
        send_reply_at(state, &boss_row, c4, "Hi", b + 2 * MIN).await.unwrap();
        transition_at(state, c4, Transition::Close(Some(as_boss)), None, b + 5 * MIN).await.unwrap();
        // 555: the external bot was unsure (0.31); Ana takes it after 10 min (a miss).
        escalate_at(state, c5, EscalationReason::LowConfidence(0.31), b + 2 * MIN).await.unwrap();
        transition_at(state, c5, Transition::Accept(as_ana), None, b + 12 * MIN).await.unwrap();
        // CSAT: 333 answered 5 (Ana), Telegram answered 2 (the admin), 555 asked (Ana), 111
        // skipped (left out).
        let c1 = conversation_of(&ch, "111").await;
        s.insert_csat_survey(c3, Some(ana), "answered", Some(5), b + 11 * MIN).await.unwrap();
        s.insert_csat_survey(c4, Some(boss), "answered", Some(2), b + 6 * MIN).await.unwrap();
        s.insert_csat_survey(c5, Some(ana), "asked", None, b + 13 * MIN).await.unwrap();
        s.insert_csat_survey(c1, None, "skipped", None, b + 13 * MIN).await.unwrap();

        let q = query("custom", today, None);
        assert_eq!(q.range, RangeKind::Custom);
        let r = report(&ch, &q).await;
        assert_eq!((r.period.from, r.period.to), ((today - 1) * DAY_MS, (today + 2) * DAY_MS));
        let n = &r.now;
        assert_eq!((n.conversations, n.customer_messages, n.bot_replies), (5, 6, 6));
        assert_eq!((n.handed_off, n.bot_resolved()), (4, 1));
        assert_eq!(n.bot_resolution_rate(), Some(20.0));
        let reasons: Vec<(&str, i64, i64)> = r.reasons.iter()
            .map(|x| (x.reason.as_str(), x.count, x.previous)).collect();
        assert_eq!(reasons, [
            ("keyword", 1, 1), ("no_match", 1, 0), ("low_confidence", 1, 0), ("bot_failed", 0, 0),
            ("ai_off", 0, 0), ("paused", 0, 0), ("taken_over", 1, 0),
        ]);
        assert_eq!(n.waiting, spread(2, 90 * SEC, 10 * MIN));
        assert_eq!((n.sla_hits, n.sla_rate()), (1, Some(50.0)));
        assert_eq!(n.first_reply, spread(2, MIN, 3 * MIN));
        let (r3, r4) = (b + 10 * MIN - created(&ch, c3).await, b + 5 * MIN - created(&ch, c4).await);
        assert_eq!(n.resolution, spread(2, r3.min(r4), r3.max(r4)));
        assert_eq!((n.csat.asked, n.csat.answered, n.csat.positive), (1, 2, 1));
        assert_eq!(n.csat.score(), Some(50.0));
        assert_eq!(format!("{:.1}", n.csat.response_rate().unwrap()), "66.7");

        // The previous period: one conversation, handed off, a 1-minute wait, 20 minutes to close.
        let v = &r.previous;
        assert_eq!((v.conversations, v.customer_messages, v.bot_replies, v.handed_off), (1, 0, 0, 1));
        assert_eq!(v.waiting, spread(1, MIN, MIN));
        assert_eq!((v.sla_hits, v.first_reply.count), (1, 0));
        assert_eq!(v.resolution, spread(1, 20 * MIN, 20 * MIN));
        assert_eq!(v.csat.answered, 0);

        // Per operator: Ana took 333 and 555 (first reply 90 s after taking 333, closed it 8.5
        // min after); the admin took Telegram over.
        let ops: Vec<OperatorLine> = r.operators.iter()
            .map(|o| (o.operator_id, o.name.as_str(), o.accepted, o.first_reply_median,
                o.resolution_median, (o.csat.asked, o.csat.answered, o.csat.positive)))
            .collect();
        assert_eq!(ops, [
            (ana, "ana", 2, Some(90 * SEC), Some(510 * SEC), (1, 1, 1)),
            (boss, "=HYPERLINK(1)", 1, Some(MIN), Some(4 * MIN), (0, 1, 0)),
        ]);
        // Per scenario: two matches, one followed by a handoff (222).
        let sc: Vec<(i64, Option<&str>, i64, i64)> = r.scenarios.iter()
            .map(|x| (x.scenario_id, x.name.as_deref(), x.matches, x.handoffs)).collect();
        assert_eq!(sc, [(hours, Some("Hours"), 2, 1)]);
        // Low confidence: 555, with its confidence.
        assert_eq!(r.low_confidence.len(), 1);
        assert_eq!((r.low_confidence[0].conversation_id, r.low_confidence[0].confidence,
            r.low_confidence[0].at), (c5, Some(0.31), b + 2 * MIN));
        // Days: D-1, D, D+1; the handoffs on the heatmap.
        assert_eq!(r.days.len(), 3);
        assert_eq!(r.days.iter().map(|d| d.conversations).sum::<i64>(), 5);
        assert_eq!(r.days.iter().map(|d| d.handed_off).sum::<i64>(), 4);
        assert_eq!(r.heatmap.iter().flatten().sum::<i64>(), 4);
        let (wd, h) = (app::domain::analytics::weekday(b), app::domain::analytics::hour(b));
        assert!(r.heatmap[wd][h] >= 1);
        for svg in [&r.charts.conversations, &r.charts.waits, &r.charts.heatmap] {
            assert!(svg.starts_with("<svg") && svg.contains("<title>"), "{svg}");
        }
        let _ = c2;

        // The Telegram filter: only the admin's conversation now, the old one before.
        let t = report(&ch, &query("custom", today, Some(Channel::Telegram))).await;
        let n = &t.now;
        assert_eq!((n.conversations, n.customer_messages, n.bot_replies, n.handed_off), (1, 1, 1, 1));
        assert_eq!((n.waiting.count, n.first_reply, n.sla_rate()), (0, spread(1, MIN, MIN), None));
        assert_eq!((n.csat.answered, n.csat.positive, n.csat.score()), (1, 0, Some(0.0)));
        assert_eq!((t.previous.conversations, t.previous.handed_off), (1, 1));
        assert!(t.scenarios.is_empty() && t.low_confidence.is_empty());
        // A preset: today alone has this period's five.
        let today_only = report(&ch, &query("today", today, None)).await;
        assert!(today_only.now.conversations >= 1);

        // Through HTTP: the page's server function and the CSVs (admins only).
        let (admin, _) = ch.app.signed_in("chief@x.io", Role::Admin).await;
        let qs = q.to_query();
        let r = ch.app.call(&admin, "analytics/report", &[
            ("range", "custom"), ("from", &q.from), ("to", &q.to), ("channel", ""),
        ]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["now"]["conversations"], 5);
        assert_eq!(body["previous"]["conversations"], 1);
        let csv = |table: &'static str| {
            let (admin, url) = (admin.clone(), ch.app.url(&format!("/analytics/export/{table}.csv{qs}")));
            async move {
                let r = admin.get(url).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::OK);
                assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
                let d = r.headers()["content-disposition"].to_str().unwrap().to_string();
                assert!(d.starts_with(&format!("attachment; filename=\"baton-{table}-")), "{d}");
                r.text().await.unwrap()
            }
        };
        let summary = csv("summary").await;
        let lines: Vec<&str> = summary.lines().collect();
        assert_eq!(lines[0], "Measure,This period,Previous period");
        assert_eq!(&lines[1..5], [
            "Conversations,5,1", "Customer messages,6,0", "Bot replies,6,0",
            "Bot resolution rate,20.0,0.0",
        ]);
        assert!(lines.contains(&"Waiting in the queue (median),90,60"), "{summary}");
        assert!(lines.contains(&"SLA hit rate,50.0,100.0"), "{summary}");
        assert!(lines.contains(&"CSAT response rate,66.7,"), "{summary}");
        let ops = csv("operators").await;
        assert_eq!(ops, "Operator,Conversations accepted,Median first reply,Median resolution,CSAT\n\
            ana,2,90,510,100.0\n'=HYPERLINK(1),1,60,240,0.0\n");
        let sc = csv("scenarios").await;
        assert_eq!(sc, "Scenario,Matches,Followed by a handoff\nHours,2,1\n");
        let low = csv("low_confidence").await;
        assert_eq!(low.lines().nth(1).unwrap().split(',').skip(1).collect::<Vec<_>>(),
            ["whatsapp", "0.31", &c5.to_string()]);
        let reasons = csv("reasons").await;
        assert!(reasons.starts_with("Reason,Conversations,Rate,Previous period\n"), "{reasons}");
        assert!(reasons.contains("taken over by an admin,1,20.0,0\n"), "{reasons}");
        let days = csv("days").await;
        assert_eq!(days.lines().count(), 4);
        let r = admin.get(ch.app.url("/analytics/export/secrets.csv")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        // With a time zone under Business hours, days and hours are the business's: Kiritimati
        // is UTC+14, so the period starts at its midnight and each conversation counts on its
        // local day.
        let mut h = (*app::services::settings::business_hours(state).await.unwrap()).clone();
        h.time_zone = "Pacific/Kiritimati".into();
        app::services::settings::save_business_hours(state, &h).await.unwrap();
        let off = 14 * 60 * MIN;
        let z = report(&ch, &q).await;
        assert_eq!((z.period.offset, z.period.from, z.period.to), (off, (today - 1) * DAY_MS - off, (today + 2) * DAY_MS - off));
        assert_eq!(z.now.conversations, 5);
        let first = created(&ch, c1).await;
        let local = format_day((first + off).div_euclid(DAY_MS));
        let day = z.days.iter().find(|d| d.day == local).expect("the local day of the first conversation");
        assert!(day.conversations >= 1, "{:?}", z.days);
        assert_eq!(z.days.iter().map(|d| d.conversations).sum::<i64>(), 5);
        let (wd, hr) = (app::domain::analytics::weekday(b + off), app::domain::analytics::hour(b + off));
        assert!(z.heatmap[wd][hr] >= 1, "{:?}", z.heatmap);
    }
}
