//! Every server function and guarded route, checked for its role: anonymous -> 401, an operator on
//! an admin action -> 403, the right role -> not refused.

use crate::common::{self, TestApp};
use app::domain::users::Role;
use reqwest::StatusCode;

/// A server function's form fields.
type Form = &'static [(&'static str, &'static str)];

/// (server function endpoint, form, the role it needs)
const TABLE: &[(&str, Form, Role)] = &[
    ("conversations/list", &[], Role::Operator),
    ("monitoring", &[], Role::Operator),
    ("conversations/accept", &[("id", "999999")], Role::Operator),
    ("conversations/open", &[("id", "999999")], Role::Operator),
    (
        "conversations/earlier",
        &[("id", "999999"), ("before", "5")],
        Role::Operator,
    ),
    (
        "conversations/send",
        &[("id", "999999"), ("text", "hi")],
        Role::Operator,
    ),
    (
        "conversations/retry",
        &[("message_id", "999999")],
        Role::Operator,
    ),
    ("media/retry", &[("message_id", "999999")], Role::Operator),
    (
        "conversations/act",
        &[("id", "999999"), ("action", "close")],
        Role::Operator,
    ),
    (
        "conversations/ai",
        &[("id", "999999"), ("on", "true")],
        Role::Operator,
    ),
    (
        "conversations/note",
        &[("id", "999999"), ("text", "hi")],
        Role::Operator,
    ),
    ("conversations/waiting", &[], Role::Operator),
    ("conversations/typing", &[("id", "999999")], Role::Operator),
    ("contacts/card", &[("id", "999999")], Role::Operator),
    (
        "contacts/save",
        &[("id", "999999"), ("name", "Ana"), ("notes", "")],
        Role::Operator,
    ),
    (
        "contacts/past",
        &[("id", "999999"), ("start", "0"), ("end", "1")],
        Role::Operator,
    ),
    ("canned/composer", &[], Role::Operator),
    ("canned/list", &[("shared", "true")], Role::Operator),
    (
        "canned/save",
        &[("shortcut", "hours"), ("body", "9 to 5")],
        Role::Operator,
    ),
    ("canned/delete", &[("id", "999999")], Role::Operator),
    ("operators/status", &[], Role::Operator),
    ("presence", &[("available", "true")], Role::Operator),
    ("scenarios/list", &[], Role::Operator),
    (
        "scenarios/try",
        &[("text", "hola"), ("channel", "web")],
        Role::Operator,
    ),
    (
        "scenarios/save",
        &[
            ("id", "0"),
            ("name", "Hours"),
            ("triggers", "hours"),
            ("response", "9 to 5"),
            ("priority", "0"),
            ("channels", ""),
            ("enabled", "true"),
        ],
        Role::Admin,
    ),
    (
        "scenarios/set_enabled",
        &[("id", "999999"), ("enabled", "false")],
        Role::Admin,
    ),
    ("scenarios/delete", &[("id", "999999")], Role::Admin),
    ("scenarios/versions", &[], Role::Admin),
    ("scenarios/publish", &[("note", "")], Role::Admin),
    ("scenarios/restore", &[("id", "999999")], Role::Admin),
    ("settings/handoff", &[], Role::Admin),
    (
        "settings/save_handoff",
        &[
            ("keywords", "operador"),
            ("no_match_limit", "2"),
            ("confidence_threshold", "0.5"),
            ("confirmation", "Ya voy."),
            ("confirmation_en", "Coming."),
        ],
        Role::Admin,
    ),
    ("settings/pause_bot", &[("paused", "false")], Role::Admin),
    ("operators/list", &[], Role::Admin),
    (
        "operators/create",
        &[
            ("email", "new@x.io"),
            ("display_name", "New"),
            ("role", "operator"),
            ("max_conversations", "3"),
            ("password", "a long password"),
        ],
        Role::Admin,
    ),
    // TARGET is replaced by the id of a third account, so no call changes the callers' roles.
    (
        "operators/set_role",
        &[("id", "TARGET"), ("role", "operator")],
        Role::Admin,
    ),
    (
        "operators/set_active",
        &[("id", "TARGET"), ("active", "true")],
        Role::Admin,
    ),
    (
        "operators/set_password",
        &[("id", "TARGET"), ("password", "a long password")],
        Role::Admin,
    ),
    ("account/language", &[("language", "es")], Role::Operator),
    (
        "account/change_password",
        &[
            ("current_password", "not the password"),
            ("new_password", "a long password"),
            ("confirm_password", "a long password"),
        ],
        Role::Operator,
    ),
    ("devices/vapid_key", &[], Role::Operator),
    (
        "devices/subscribe_webpush",
        &[
            ("endpoint", "https://push.example.net/sub/1"),
            (
                "p256dh",
                "BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            ),
            ("auth", "AAAAAAAAAAAAAAAAAAAAAA"),
        ],
        Role::Operator,
    ),
    (
        "devices/register_native",
        &[("kind", "fcm"), ("token", "fcm-token-1")],
        Role::Operator,
    ),
    ("devices/list", &[], Role::Operator),
    ("devices/remove", &[("id", "999999")], Role::Operator),
    ("devices/test", &[("id", "999999")], Role::Operator),
    ("queue/overview", &[], Role::Operator),
    ("templates/list", &[], Role::Operator),
    (
        "templates/save",
        &[
            ("name", "order_update"),
            ("language", "es"),
            ("category", "UTILITY"),
            ("body", "Hola {{1}}"),
        ],
        Role::Admin,
    ),
    ("templates/delete", &[("id", "999999")], Role::Admin),
    (
        "conversations/send_template",
        &[("id", "999999"), ("template_id", "999999"), ("params[0]", "Ana")],
        Role::Operator,
    ),
    ("settings/queue", &[], Role::Admin),
    ("audit/list", &[("kind", "role_changed")], Role::Admin),
    ("settings/privacy", &[], Role::Admin),
    (
        "settings/save_privacy",
        &[("retention_days", ""), ("mask_phones", "on")],
        Role::Admin,
    ),
    ("contacts/erase", &[("id", "999999")], Role::Admin),
    ("analytics/report", &[("range", "7d")], Role::Admin),
    (
        "settings/save_queue",
        &[
            ("policy", "first_to_accept"),
            ("offer_secs", "60"),
            ("sla_target_secs", "120"),
            ("alert_interval_secs", "120"),
        ],
        Role::Admin,
    ),
    ("settings/business_hours", &[], Role::Admin),
    (
        "settings/save_business_hours",
        &[
            ("time_zone", "Europe/Madrid"),
            ("day0", ""),
            ("day1", ""),
            ("day2", ""),
            ("day3", ""),
            ("day4", ""),
            ("day5", ""),
            ("day6", ""),
            ("closed_dates", ""),
            ("out_of_hours", "Cerrado."),
            ("out_of_hours_en", "Closed."),
        ],
        Role::Admin,
    ),
    ("settings/csat", &[], Role::Admin),
    (
        "settings/save_csat",
        &[
            ("scale", "stars"),
            ("question", "¿Qué tal?"),
            ("question_en", "How was it?"),
        ],
        Role::Admin,
    ),
];

async fn check_table(app: TestApp) {
    let anon = app.client();
    let (operator, _) = app.signed_in("op@x.io", Role::Operator).await;
    let (admin, _) = app.signed_in("boss@x.io", Role::Admin).await;
    let target = app.user("target@x.io", Role::Operator).await.to_string();
    for (endpoint, form, needs) in TABLE {
        let form: Vec<(&str, &str)> = form
            .iter()
            .map(|&(k, v)| (k, if v == "TARGET" { target.as_str() } else { v }))
            .collect();
        let form = form.as_slice();
        let r = app.call(&anon, endpoint, form).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "anonymous {endpoint}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(
            body.to_string().contains("Unauthorized"),
            "{endpoint}: {body}"
        );

        let r = app.call(&operator, endpoint, form).await;
        match needs {
            Role::Admin => assert_eq!(r.status(), StatusCode::FORBIDDEN, "operator {endpoint}"),
            Role::Operator => assert!(
                ![401, 403].contains(&r.status().as_u16()),
                "operator refused {endpoint}: {}",
                r.status()
            ),
        }
        let r = app.call(&admin, endpoint, form).await;
        assert!(
            ![401, 403].contains(&r.status().as_u16()),
            "admin refused {endpoint}: {}",
            r.status()
        );
    }

    // The admins' downloads (plain GET routes), the analytics CSV exports among them.
    let analytics = app::domain::analytics::TABLES
        .iter()
        .map(|table| format!("/analytics/export/{table}.csv?range=7d"));
    let paths = [
        "/audit/export.csv?kind=sign_in",
        "/contacts/999999/export.json",
    ]
    .map(String::from)
    .into_iter()
    .chain(analytics);
    for path in paths {
        let get = |c: &reqwest::Client| c.get(app.url(&path)).send();
        assert_eq!(
            get(&anon).await.unwrap().status(),
            StatusCode::UNAUTHORIZED,
            "anonymous {path}"
        );
        assert_eq!(
            get(&operator).await.unwrap().status(),
            StatusCode::FORBIDDEN,
            "operator {path}"
        );
        let status = get(&admin).await.unwrap().status();
        assert!(
            ![401, 403].contains(&status.as_u16()),
            "admin refused {path}: {status}"
        );
    }

    // The live socket needs a session too.
    let r = anon.get(app.url("/ws")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "anonymous /ws");
    match tokio_tungstenite::connect_async(format!("ws://{}/ws", app.addr)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
            assert_eq!(
                res.status(),
                StatusCode::UNAUTHORIZED.as_u16(),
                "anonymous upgrade"
            )
        }
        other => panic!("anonymous socket was not refused: {other:?}"),
    }
}

both_databases! {
    async fn every_route_checks_its_role(app) {
        check_table(app).await;
    }

    async fn a_foreign_site_cannot_call_server_functions(app) {
        let (admin, _) = app.signed_in("boss@x.io", Role::Admin).await;
        let r = admin
            .post(app.url("/api/operators/list"))
            .header("origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = admin
            .post(app.url("/api/operators/list"))
            .header("sec-fetch-site", "cross-site")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = app.call(&admin, "operators/list", &[]).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
}

#[test]
fn the_table_lists_every_server_function() {
    // Every endpoint the app registers must appear in TABLE or be a public one.
    const PUBLIC: &[&str] = &["me", "sign_in", "sign_out"];
    let registered: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_string())
        .collect();
    assert!(!registered.is_empty());
    for p in &registered {
        assert!(
            PUBLIC.contains(&p.as_str()) || TABLE.iter().any(|(e, _, _)| e == p),
            "server function /api/{p} is missing from the role table"
        );
    }
    let _ = common::Db::Sqlite;
}
