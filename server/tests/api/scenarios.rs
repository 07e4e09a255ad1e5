//! The scenario editor's server side: validation per field, duplicates, toggling, deleting,
//! "try a message", and the handoff settings.

use app::domain::users::Role;
use reqwest::StatusCode;
use serde_json::Value;

fn form<'a>(name: &'a str, triggers: &'a str, response: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("id", "0"),
        ("name", name),
        ("triggers", triggers),
        ("response", response),
        ("priority", "5"),
        ("channels", ""),
        ("enabled", "true"),
    ]
}

both_databases! {
    async fn an_admin_creates_edits_toggles_and_deletes_a_scenario(app) {
        let (admin, _) = app.signed_in("boss@x.io", Role::Admin).await;
        let r = app.call(&admin, "scenarios/save", &form("Hours", "horario, abren\n\"what time do you open\"", "9:00 a 19:00")).await;
        assert_eq!(r.status(), StatusCode::OK);
        let s: Value = r.json().await.unwrap();
        let id = s["id"].as_i64().unwrap().to_string();
        assert_eq!(s["triggers"], "horario, abren\n\"what time do you open\"");

        let tried: Value = app.call(&admin, "scenarios/try", &[("text", "¿A qué hora ABREN?"), ("channel", "whatsapp"), ("source", "draft")]).await.json().await.unwrap();
        assert_eq!(tried["outcome"], "reply");
        assert_eq!(tried["scenario"], "Hours");

        let mut edit = form("Opening hours", "horario", "9:00 a 20:00");
        edit[0] = ("id", id.as_str());
        edit.push(("channels", "telegram"));
        edit.retain(|(k, v)| *k != "channels" || !v.is_empty());
        let s: Value = app.call(&admin, "scenarios/save", &edit).await.json().await.unwrap();
        assert_eq!(s["name"], "Opening hours");
        assert_eq!(s["channels"], serde_json::json!(["telegram"]));
        // Now it only answers on Telegram.
        let tried: Value = app.call(&admin, "scenarios/try", &[("text", "horario"), ("channel", "whatsapp"), ("source", "draft")]).await.json().await.unwrap();
        assert_ne!(tried["outcome"], "reply");

        assert_eq!(app.call(&admin, "scenarios/set_enabled", &[("id", id.as_str()), ("enabled", "false")]).await.status(), StatusCode::OK);
        let list: Vec<Value> = app.call(&admin, "scenarios/list", &[]).await.json().await.unwrap();
        assert_eq!(list[0]["enabled"], false);
        assert_eq!(app.call(&admin, "scenarios/delete", &[("id", id.as_str())]).await.status(), StatusCode::OK);
        assert_eq!(app.call(&admin, "scenarios/delete", &[("id", id.as_str())]).await.status(), StatusCode::NOT_FOUND);
    }

    async fn invalid_scenarios_come_back_with_a_message_per_field(app) {
        let (admin, _) = app.signed_in("boss@x.io", Role::Admin).await;
        let r = app.call(&admin, "scenarios/save", &form("", "", "")).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: Value = r.json().await.unwrap();
        let fields: Vec<&str> = v["Invalid"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["name", "triggers", "response"]);

        let r = app.call(&admin, "scenarios/save", &form("Orders", "re: order (\\d+", "Let me check.")).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["Invalid"][0]["field"], "triggers");
        assert_eq!(v["Invalid"][0]["message"]["kind"], "trigger_bad_pattern");
        let e: app::error::AppError = serde_json::from_value(v).unwrap();
        let words = app::text::errors::field(app::i18n::Locale::en, &e, "triggers").unwrap();
        assert!(words.contains("not a valid regular expression"), "{words}");

        assert_eq!(app.call(&admin, "scenarios/save", &form("Orders", "pedido", "Let me check.")).await.status(), StatusCode::OK);
        let r = app.call(&admin, "scenarios/save", &form("Orders", "order", "Again.")).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["Invalid"][0]["field"], "name");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM scenarios").await, 1, "nothing else was stored");
    }

    async fn operators_read_scenarios_and_try_messages_but_change_nothing(app) {
        let (op, _) = app.signed_in("ana@x.io", Role::Operator).await;
        assert_eq!(app.call(&op, "scenarios/list", &[]).await.status(), StatusCode::OK);
        let tried: Value = app.call(&op, "scenarios/try", &[("text", "quiero hablar con un humano"), ("channel", "web")]).await.json().await.unwrap();
        assert_eq!(tried["outcome"], "escalate");
        assert!(tried["reason"].as_str().unwrap().contains("human"));
        assert_eq!(app.call(&op, "scenarios/save", &form("X", "x", "y")).await.status(), StatusCode::FORBIDDEN);
    }

    async fn handoff_settings_are_validated_saved_and_used(app) {
        let (admin, _) = app.signed_in("boss@x.io", Role::Admin).await;
        let h: Value = app.call(&admin, "settings/handoff", &[]).await.json().await.unwrap();
        assert_eq!(h["no_match_limit"], 2);
        assert!(h["keywords"].as_array().unwrap().iter().any(|k| k == "atención humana"));

        let bad = [("keywords", "x"), ("no_match_limit", "0"), ("confidence_threshold", "2"), ("confirmation", ""), ("confirmation_en", "ok")];
        let r = app.call(&admin, "settings/save_handoff", &bad).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let good = [("keywords", "socorro\nmanager"), ("no_match_limit", "3"), ("confidence_threshold", "0.7"), ("confirmation", "Ya te atiende alguien."), ("confirmation_en", "Someone is coming.")];
        assert_eq!(app.call(&admin, "settings/save_handoff", &good).await.status(), StatusCode::OK);
        let tried: Value = app.call(&admin, "scenarios/try", &[("text", "I want the MANAGER"), ("channel", "web")]).await.json().await.unwrap();
        assert_eq!(tried["outcome"], "escalate");
        let tried: Value = app.call(&admin, "scenarios/try", &[("text", "human please"), ("channel", "web")]).await.json().await.unwrap();
        assert_ne!(tried["outcome"], "escalate", "the old default phrases are gone");

        assert_eq!(app.call(&admin, "settings/pause_bot", &[("paused", "true")]).await.status(), StatusCode::OK);
        let m: Value = app.call(&admin, "monitoring", &[]).await.json().await.unwrap();
        assert_eq!(m["bot_status"], "paused");
        let tried: Value = app.call(&admin, "scenarios/try", &[("text", "hello"), ("channel", "web")]).await.json().await.unwrap();
        assert_eq!(tried["outcome"], "escalate");
        assert!(tried["reason"].as_str().unwrap().contains("paused"), "{tried}");
    }
}
