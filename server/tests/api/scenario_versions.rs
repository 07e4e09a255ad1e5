//! Scenario versions over the real services: a draft changes nothing until published, restore
//! brings the old answers back, every bot reply and escalation names its version, and each
//! version's results from a known history.

use crate::channels::{channel_app, Ch};
use crate::console::customer_message;
use crate::mock::eventually;
use app::domain::users::Role;
use app::services::ingest::receive;
use reqwest::StatusCode;
use serde_json::Value;

fn form<'a>(
    id: &'a str,
    name: &'a str,
    triggers: &'a str,
    response: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("id", id),
        ("name", name),
        ("triggers", triggers),
        ("response", response),
        ("priority", "0"),
        ("channels", ""),
        ("enabled", "true"),
    ]
}

/// The customer `who` writes `text` (platform id `pid`); returns the id of the stored message
/// once the bot has decided on it, and the bot's reply (empty when it said nothing).
async fn say(ch: &Ch, who: &str, pid: &str, text: &str) -> (i64, String) {
    receive(&ch.app.state, &customer_message(who, pid, text))
        .await
        .unwrap();
    let id = ch
        .count(&format!(
            "SELECT id FROM messages WHERE platform_message_id = '{pid}'"
        ))
        .await;
    eventually("the bot decides", || async {
        ch.count(&format!(
            "SELECT COUNT(*) FROM messages WHERE id = {id} AND processed = TRUE"
        ))
        .await
            == 1
    })
    .await;
    let reply = ch
        .app
        .state
        .store
        .recent_messages(
            ch.count(&format!(
                "SELECT conversation_id FROM messages WHERE id = {id}"
            ))
            .await,
            1,
        )
        .await
        .unwrap()
        .pop()
        .filter(|(sender, _)| sender == "bot")
        .map(|(_, body)| body)
        .unwrap_or_default();
    (id, reply)
}

async fn try_it(ch: &Ch, c: &reqwest::Client, text: &str, source: &str) -> Value {
    ch.app
        .call(
            c,
            "scenarios/try",
            &[("text", text), ("channel", "telegram"), ("source", source)],
        )
        .await
        .json()
        .await
        .unwrap()
}

async fn versions(ch: &Ch, c: &reqwest::Client) -> Value {
    let r = ch.app.call(c, "scenarios/versions", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

both_databases_with! { channel_app;
    async fn a_draft_changes_nothing_until_published_and_restore_brings_back_the_old_answers(ch) {
        let (boss, _) = ch.app.signed_in("boss@x.io", Role::Admin).await;
        let v = versions(&ch, &boss).await;
        assert_eq!((v["live"].clone(), v["versions"].as_array().unwrap().len()), (Value::Null, 0), "a fresh database has no version");

        let s: Value = ch.app.call(&boss, "scenarios/save", &form("0", "Hours", "horario", "9 a 18")).await.json().await.unwrap();
        let id = s["id"].as_i64().unwrap().to_string();
        // Saved, not published: the bot does not know it yet.
        assert_ne!(say(&ch, "1", "m1", "horario").await.1, "9 a 18");
        assert_eq!(ch.count("SELECT COUNT(*) FROM messages WHERE platform_message_id = 'm1' AND bot_outcome = 'fallback' AND scenario_version IS NULL").await, 1);
        let v = versions(&ch, &boss).await;
        assert_eq!(v["draft_changes"][0]["name"], "Hours");
        assert_eq!(v["draft_changes"][0]["before"], Value::Null);

        let r = ch.app.call(&boss, "scenarios/publish", &[("note", "  first hours  ")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.json::<i64>().await.unwrap(), 1);
        let (m, reply) = say(&ch, "2", "m2", "horario").await;
        assert_eq!(reply, "9 a 18");
        assert_eq!(ch.count(&format!("SELECT scenario_version FROM messages WHERE id = {m}")).await, 1);
        assert_eq!(ch.count("SELECT COUNT(*) FROM messages WHERE sender = 'bot' AND body = '9 a 18' AND scenario_version = 1").await, 1);

        // Edit the draft: the bot and "try" against the published version still say 9 a 18.
        assert_eq!(ch.app.call(&boss, "scenarios/save", &form(&id, "Hours", "horario", "9 a 20")).await.status(), StatusCode::OK);
        assert_eq!(say(&ch, "3", "m3", "horario").await.1, "9 a 18");
        let draft = try_it(&ch, &boss, "horario", "draft").await;
        assert_eq!((draft["outcome"].as_str(), draft["scenario"].as_str(), draft["response"].as_str()), (Some("reply"), Some("Hours"), Some("9 a 20")));
        assert_eq!(try_it(&ch, &boss, "horario", "live").await["response"], "9 a 18");
        assert_eq!(ch.app.call(&boss, "scenarios/try", &[("text", "horario"), ("channel", "web"), ("source", "tomorrow")]).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v = versions(&ch, &boss).await;
        let change = &v["draft_changes"][0];
        assert_eq!((change["before"]["response"].as_str(), change["after"]["response"].as_str()), (Some("9 a 18"), Some("9 a 20")));
        assert_eq!(v["versions"][0]["note"], "first hours");
        assert_eq!(v["versions"][0]["author"], "boss");

        let r = ch.app.call(&boss, "scenarios/publish", &[("note", "")]).await;
        assert_eq!(r.json::<i64>().await.unwrap(), 2);
        let (m, reply) = say(&ch, "4", "m4", "horario").await;
        assert_eq!(reply, "9 a 20");
        assert_eq!(ch.count(&format!("SELECT scenario_version FROM messages WHERE id = {m}")).await, 2);
        // Nothing left to publish.
        let r = ch.app.call(&boss, "scenarios/publish", &[("note", "")]).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let long = "x".repeat(501);
        assert_eq!(ch.app.call(&boss, "scenarios/publish", &[("note", long.as_str())]).await.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // Restore version 1: published as version 3, the draft follows, the old answer is back.
        let r = ch.app.call(&boss, "scenarios/restore", &[("id", "1")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.json::<i64>().await.unwrap(), 3);
        let (m, reply) = say(&ch, "5", "m5", "horario").await;
        assert_eq!(reply, "9 a 18");
        assert_eq!(ch.count(&format!("SELECT scenario_version FROM messages WHERE id = {m}")).await, 3);
        let list: Vec<Value> = ch.app.call(&boss, "scenarios/list", &[]).await.json().await.unwrap();
        assert_eq!((list.len(), list[0]["response"].as_str(), list[0]["id"].as_i64()), (1, Some("9 a 18"), id.parse().ok()));
        let v = versions(&ch, &boss).await;
        assert_eq!(v["live"], 3);
        assert_eq!(v["draft_changes"], serde_json::json!([]));
        let three = &v["versions"][0];
        assert_eq!((three["id"].as_i64(), three["restored_from"].as_i64(), three["live"].as_bool()), (Some(3), Some(1), Some(true)));
        assert_eq!(three["changes"][0]["before"]["response"], "9 a 20");
        assert_eq!(three["changes"][0]["after"]["response"], "9 a 18");
        assert_eq!(v["versions"][2]["changes"][0]["after"]["triggers"], "horario");

        assert_eq!(ch.app.call(&boss, "scenarios/restore", &[("id", "3")]).await.status(), StatusCode::CONFLICT, "already live");
        assert_eq!(ch.app.call(&boss, "scenarios/restore", &[("id", "99")]).await.status(), StatusCode::NOT_FOUND);

        // The audit log has each publish and the restore (refusals write nothing), by whom.
        let page = app::services::audit::page(&ch.app.state, &Default::default(), None).await.unwrap();
        let audited: Vec<(String, Option<String>, Option<String>, Value)> = page.entries.into_iter().rev()
            .filter(|e| e.kind.starts_with("scenario_"))
            .map(|e| (e.kind, e.target, e.actor_email, serde_json::from_str(&e.details).unwrap()))
            .collect();
        let boss_email = Some("boss@x.io".to_string());
        assert_eq!(audited, vec![
            ("scenario_published".into(), Some("scenario_version:1".into()), boss_email.clone(), serde_json::json!({"version": 1, "note": "first hours"})),
            ("scenario_published".into(), Some("scenario_version:2".into()), boss_email.clone(), serde_json::json!({"version": 2, "note": ""})),
            ("scenario_restored".into(), Some("scenario_version:3".into()), boss_email, serde_json::json!({"version": 3, "restored_from": 1})),
        ]);
    }

    async fn replies_and_escalations_carry_their_version_and_each_version_counts_its_results(ch) {
        let (boss, _) = ch.app.signed_in("boss@x.io", Role::Admin).await;
        let save = |f: Vec<(&'static str, &'static str)>| {
            let (app, boss) = (&ch.app, &boss);
            async move { app.call(boss, "scenarios/save", &f).await.json::<Value>().await.unwrap() }
        };
        save(form("0", "Hours", "horario", "9 a 18")).await;
        let colors = save(form("0", "Colors", "color", "Rojo y azul")).await["id"].as_i64().unwrap().to_string();
        assert_eq!(ch.app.call(&boss, "scenarios/publish", &[("note", "")]).await.status(), StatusCode::OK);

        // Version 1: A is answered twice; B gets the fallback, then asks for a person.
        say(&ch, "a", "a1", "horario").await;
        say(&ch, "a", "a2", "un color?").await;
        say(&ch, "b", "b1", "blah").await;
        let (_, handoff) = say(&ch, "b", "b2", "quiero hablar con un humano").await;
        assert!(!handoff.is_empty(), "the bot confirms the handoff");
        let b = ch.count("SELECT conversation_id FROM messages WHERE platform_message_id = 'b2'").await;
        assert_eq!(ch.count(&format!("SELECT scenario_version FROM conversation_events WHERE conversation_id = {b} AND kind = 'escalated'")).await, 1);
        assert_eq!(ch.count(&format!("SELECT COUNT(*) FROM messages WHERE conversation_id = {b} AND sender = 'bot' AND scenario_version = 1")).await, 2);

        // Version 2 drops Colors: C's color question is not understood, its hours one is.
        assert_eq!(ch.app.call(&boss, "scenarios/delete", &[("id", colors.as_str())]).await.status(), StatusCode::OK);
        assert_eq!(ch.app.call(&boss, "scenarios/publish", &[("note", "no colors")]).await.json::<i64>().await.unwrap(), 2);
        say(&ch, "c", "c1", "un color?").await;
        say(&ch, "c", "c2", "horario").await;

        let v = versions(&ch, &boss).await;
        let (two, one) = (&v["versions"][0], &v["versions"][1]);
        assert_eq!(two["changes"], serde_json::json!([{"name": "Colors", "before": {
            "id": colors.parse::<i64>().unwrap(), "name": "Colors", "triggers": "color", "response": "Rojo y azul",
            "enabled": true, "priority": 0, "channels": []}, "after": null}]));
        assert_eq!(one["changes"].as_array().unwrap().len(), 2, "both added");
        assert_eq!(one["results"], serde_json::json!({
            "conversations": 2, "decided": 4,
            "matches": [{"name": "Hours", "replies": 1}, {"name": "Colors", "replies": 1}],
            "no_match": 1, "no_match_percent": 25, "handed_off": 1, "handoff_percent": 50}));
        assert_eq!(two["results"], serde_json::json!({
            "conversations": 1, "decided": 2,
            "matches": [{"name": "Hours", "replies": 1}],
            "no_match": 1, "no_match_percent": 50, "handed_off": 0, "handoff_percent": 0}));
    }
}
