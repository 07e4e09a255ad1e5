//! The audit log, erasure, export, retention and masked phone numbers (issue 15), over HTTP and
//! through the real services, on both databases.

use crate::common::{self, Db, TestApp, TEST_PASSWORD};
use crate::console::{open_socket, read_until, session_cookie};
use app::domain::analytics::{format_day, AnalyticsQuery};
use app::domain::ownership::Transition;
use app::domain::privacy::PrivacySettings;
use app::domain::users::Role;
use app::dto::{AuditPage, Channel, ContactCard, ConversationDetail, ConversationGroups};
use app::i18n::Locale;
use app::services::audit::Who;
use app::services::conversations::transition_at;
use app::services::ingest::{receive, IncomingMessage};
use app::services::media::Upload;
use app::services::{analytics, now_ms, privacy, settings};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The address the test's requests come from, as the trusted proxy (loopback) forwards it.
const CLIENT_IP: &str = "203.0.113.7";
const DAY: i64 = 24 * 3600 * 1000;

/// The smallest valid PNG (a 1x1 pixel): what an operator attaches.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// An app behind a trusted proxy (loopback), with its own media directory.
pub struct P {
    pub app: TestApp,
    pub dir: std::path::PathBuf,
}

impl Drop for P {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn privacy_app(db: Db) -> Option<P> {
    let dir = std::env::temp_dir().join(format!("baton-privacy-{}", rand::random::<u64>()));
    let app = common::spawn_with(
        db,
        &[
            ("BATON_TRUSTED_PROXIES", "127.0.0.1"),
            ("BATON_MEDIA_DIR", dir.to_str().unwrap()),
        ],
    )
    .await?;
    Some(P { app, dir })
}

/// A browser behind the proxy: every request says it comes from [`CLIENT_IP`].
fn proxied() -> reqwest::Client {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("x-forwarded-for", CLIENT_IP.parse().unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(h)
        .build()
        .unwrap()
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> (reqwest::Client, StatusCode) {
    let c = proxied();
    let r = app
        .call(&c, "sign_in", &[("email", email), ("password", password)])
        .await;
    let status = r.status();
    (c, status)
}

async fn ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let body = r.text().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

/// Every entry, oldest first, as JSON rows (`details` parsed).
async fn entries(app: &TestApp) -> Vec<Value> {
    let page = app::services::audit::page(&app.state, &Default::default(), None)
        .await
        .unwrap();
    page.entries
        .into_iter()
        .rev()
        .map(|e| {
            json!({
                "kind": e.kind, "actor_id": e.actor_id, "actor_email": e.actor_email,
                "actor_name": e.actor_name, "ip": e.ip, "target": e.target,
                "details": serde_json::from_str::<Value>(&e.details).unwrap(),
            })
        })
        .collect()
}

/// A Telegram customer writes; returns their conversation.
async fn customer(app: &TestApp, chat: &str, name: &str, text: &str) -> i64 {
    let m = IncomingMessage {
        channel: Channel::Telegram,
        external_id: chat.into(),
        contact_name: Some(name.into()),
        phone: None,
        account: None,
        platform_message_id: format!("{chat}:{}", rand::random::<u32>()),
        text: text.into(),
        media: None,
        sent_at: None,
    };
    receive(&app.state, &m).await.unwrap();
    app.scalar(&format!(
        "SELECT c.id FROM conversations c JOIN contacts ct ON ct.id = c.contact_id WHERE ct.external_id = '{chat}'"
    ))
    .await
}

/// `operator` takes conversation `id` and attaches an image; returns its stored file's path.
async fn attach_image(p: &P, operator: i64, id: i64) -> std::path::PathBuf {
    common::assign(&p.app.state, id, operator).await;
    let me = p
        .app
        .state
        .store
        .user_by_id(operator)
        .await
        .unwrap()
        .unwrap();
    let up = Upload {
        file_name: "receipt.png".into(),
        mime: "image/png".into(),
        bytes: PNG.to_vec(),
    };
    let m = app::services::media::attach(&p.app.state, &me, id, "your receipt", up)
        .await
        .unwrap();
    let key: String = {
        let sql = format!("SELECT media_key FROM messages WHERE id = {}", m.id);
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(p.app.database_url()).await.unwrap();
        sqlx::query_scalar(&sql).fetch_one(&pool).await.unwrap()
    };
    let path = p.dir.join(key);
    assert!(path.exists(), "the attachment is stored");
    path
}

/// Closes conversation `id` at `at` (the system's close).
async fn close_at(app: &TestApp, id: i64, at: i64) {
    transition_at(&app.state, id, Transition::Close(None), None, at)
        .await
        .unwrap();
}

/// Every table a contact's data lives in, with how to pick one contact's rows (`{ct}` its id,
/// `{c}` its conversation).
const OWNED: &[(&str, &str)] = &[
    ("contacts", "id = {ct}"),
    ("conversations", "contact_id = {ct}"),
    ("messages", "conversation_id = {c}"),
    (
        "outbox",
        "message_id IN (SELECT id FROM messages WHERE conversation_id = {c})",
    ),
    ("conversation_events", "conversation_id = {c}"),
    ("queue_state", "conversation_id = {c}"),
    ("notification_outbox", "conversation_id = {c}"),
    ("csat_surveys", "conversation_id = {c}"),
];

/// Every table of the schema and its row count.
async fn all_counts(app: &TestApp) -> Vec<(String, i64)> {
    let tables = [
        "users",
        "sessions",
        "contacts",
        "conversations",
        "messages",
        "scenarios",
        "conversation_events",
        "settings",
        "outbox",
        "devices",
        "queue_state",
        "notification_outbox",
        "widget_visitors",
        "rate_limit_hits",
        "canned_replies",
        "whatsapp_templates",
        "csat_surveys",
        "audit_log",
    ];
    let mut out = Vec::new();
    for t in tables {
        out.push((
            t.to_string(),
            app.scalar(&format!("SELECT COUNT(*) FROM {t}")).await,
        ));
    }
    out
}

async fn owned_counts(app: &TestApp, contact: i64, conversation: i64) -> Vec<i64> {
    let mut out = Vec::new();
    for (table, pick) in OWNED {
        let pick = pick
            .replace("{ct}", &contact.to_string())
            .replace("{c}", &conversation.to_string());
        out.push(
            app.scalar(&format!("SELECT COUNT(*) FROM {table} WHERE {pick}"))
                .await,
        );
    }
    out
}

both_databases_with! { privacy_app;
    async fn every_audited_action_writes_its_entry(p) {
        let app = &p.app;
        let boss_id = app.user("boss@x.io", Role::Admin).await;
        let ana_id = app.user("ana@x.io", Role::Operator).await;

        // Sign-ins: a failed one keeps the attempted email only.
        let (_, status) = sign_in(app, "boss@x.io", "not-the-password").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (boss, status) = sign_in(app, "boss@x.io", TEST_PASSWORD).await;
        assert_eq!(status, StatusCode::OK);
        let (ana, _) = sign_in(app, "ana@x.io", TEST_PASSWORD).await;

        // Accounts.
        let created = ok(app.call(&boss, "operators/create", &[
            ("email", "cleo@x.io"), ("display_name", "Cleo"), ("role", "operator"),
            ("max_conversations", "3"), ("password", "a-long-password-1"),
        ]).await).await;
        let cleo = created["id"].as_i64().unwrap().to_string();
        ok(app.call(&boss, "operators/set_role", &[("id", &cleo), ("role", "admin")]).await).await;
        ok(app.call(&boss, "operators/set_active", &[("id", &cleo), ("active", "false")]).await).await;
        ok(app.call(&boss, "operators/set_active", &[("id", &cleo), ("active", "true")]).await).await;
        ok(app.call(&boss, "operators/set_password", &[("id", &cleo), ("password", "another-long-one-2")]).await).await;
        ok(app.call(&ana, "account/change_password", &[
            ("current_password", TEST_PASSWORD), ("new_password", "ana-new-password-3"),
            ("confirm_password", "ana-new-password-3"),
        ]).await).await;

        // Settings: only the changed fields, before and after.
        ok(app.call(&boss, "settings/save_queue", &[
            ("policy", "round_robin"), ("offer_secs", "60"), ("sla_target_secs", "120"),
            ("alert_interval_secs", "120"),
        ]).await).await;
        ok(app.call(&boss, "settings/save_privacy", &[("retention_days", "30")]).await).await;

        // Conversations: a take-over and a transfer by an admin, the AI switched.
        let id = customer(app, "5001", "Dana", "hola").await;
        common::assign(&app.state, id, ana_id).await;
        let sid = id.to_string();
        ok(app.call(&boss, "conversations/act", &[("id", &sid), ("action", "take_over")]).await).await;
        ok(app.call(&boss, "conversations/act", &[("id", &sid), ("action", "transfer"), ("to", &ana_id.to_string())]).await).await;
        ok(app.call(&boss, "conversations/ai", &[("id", &sid), ("on", "true")]).await).await;

        // Personal data: an export, then the erasure.
        let r = boss.get(app.url(&format!("/contacts/{id}/export.json"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        ok(app.call(&boss, "contacts/erase", &[("id", &sid)]).await).await;

        let all = entries(app).await;
        let kinds: Vec<&str> = all.iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, [
            "sign_in_failed", "sign_in", "sign_in", "account_created", "role_changed",
            "account_deactivated", "account_reactivated", "password_reset", "password_changed",
            "settings_saved", "settings_saved", "taken_over", "transferred", "ai_switched",
            "contact_exported", "contact_erased",
        ]);
        // Every entry says where it came from, and who acted (the failed sign-in: nobody).
        for e in &all {
            assert_eq!(e["ip"], CLIENT_IP, "{e}");
        }
        let by = |i: usize| (all[i]["actor_id"].as_i64(), all[i]["actor_email"].as_str());
        assert_eq!(by(0), (None, None));
        assert_eq!(all[0]["details"], json!({"email": "boss@x.io"}));
        assert!(!all[0].to_string().contains("not-the-password"));
        assert_eq!(by(1), (Some(boss_id), Some("boss@x.io")));
        assert_eq!(by(2), (Some(ana_id), Some("ana@x.io")));
        assert_eq!(all[1]["actor_name"], "boss");
        for (i, e) in all.iter().enumerate().take(8).skip(3) {
            assert_eq!(by(i), (Some(boss_id), Some("boss@x.io")), "{e}");
            assert_eq!(e["target"], format!("user:{cleo}"));
        }
        assert_eq!(all[3]["details"], json!({
            "email": "cleo@x.io", "display_name": "Cleo", "role": "operator", "max_conversations": 3,
        }));
        assert_eq!(all[4]["details"]["before"], json!({"role": "operator"}));
        assert_eq!(all[4]["details"]["after"], json!({"role": "admin"}));
        assert_eq!(all[5]["details"]["after"], json!({"active": false}));
        assert_eq!(all[6]["details"]["after"], json!({"active": true}));
        assert_eq!(all[7]["details"], json!({"email": "cleo@x.io", "display_name": "Cleo"}));
        assert_eq!(by(8), (Some(ana_id), Some("ana@x.io")));
        // No password anywhere.
        for e in &all {
            let text = e.to_string();
            for secret in ["a-long-password-1", "another-long-one-2", "ana-new-password-3", "argon2"] {
                assert!(!text.contains(secret), "{text}");
            }
        }
        assert_eq!(all[9]["target"], "settings:queue");
        assert_eq!(all[9]["details"], json!({
            "section": "queue",
            "before": {"policy": "first_to_accept"},
            "after": {"policy": "round_robin"},
        }));
        assert_eq!(all[10]["details"], json!({
            "section": "privacy",
            "before": {"retention_days": null},
            "after": {"retention_days": 30},
        }));
        assert_eq!(all[11]["target"], format!("conversation:{id}"));
        assert_eq!(all[11]["details"]["before"]["assignee_id"], ana_id);
        assert_eq!(all[11]["details"]["after"]["assignee_id"], boss_id);
        assert_eq!(all[12]["details"]["after"]["assignee_id"], ana_id);
        assert_eq!(all[13]["details"], json!({"before": {"ai_enabled": false}, "after": {"ai_enabled": true}}));
        let contact_id = all[14]["details"]["contact_id"].as_i64().unwrap();
        assert_eq!(all[14]["target"], format!("contact:{contact_id}"));
        assert_eq!(all[15]["details"], json!({"channel": "telegram", "contact_id": contact_id, "conversation_id": id}));
        // The erasure's entry holds none of what was erased.
        assert!(all.iter().all(|e| !e.to_string().contains("Dana") && !e.to_string().contains("hola")));

        // The page filters by person and kind, newest first.
        let page: AuditPage = serde_json::from_value(ok(app.call(&boss, "audit/list", &[
            ("person", &boss_id.to_string()), ("kind", "settings_saved"),
        ]).await).await).unwrap();
        assert_eq!(page.entries.len(), 2);
        assert_eq!(page.entries[0].target.as_deref(), Some("settings:privacy"));
        assert_eq!(page.next, None);
        let r = app.call(&boss, "audit/list", &[("from", "7/12/2026")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // The CSV has the same filter, a header, and formulas neutralised.
        let r = boss.get(app.url("/audit/export.csv?kind=sign_in_failed")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
        assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"baton-audit-log.csv\"");
        let csv = r.text().await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "id,time_utc,actor_id,actor_email,actor_name,ip,kind,target,details");
        assert_eq!(lines.len(), 2, "{csv}");
        assert!(lines[1].contains(",203.0.113.7,sign_in_failed,,"), "{csv}");
        // A name a spreadsheet would run as a formula is written as text.
        app.user("=sum(1+1)@x.io", Role::Operator).await;
        let (_, status) = sign_in(app, "=sum(1+1)@x.io", TEST_PASSWORD).await;
        assert_eq!(status, StatusCode::OK);
        let csv = boss.get(app.url("/audit/export.csv?kind=sign_in")).send().await.unwrap().text().await.unwrap();
        assert!(csv.contains(",'=sum(1+1)@x.io,'=sum(1+1),203.0.113.7,sign_in,"), "{csv}");
        assert!(!csv.contains(",=sum"), "{csv}");
    }

    async fn templates_replies_hours_and_surveys_are_audited_and_a_persons_own_replies_are_not(p) {
        let app = &p.app;
        let boss_id = app.user("boss@x.io", Role::Admin).await;
        app.user("ana@x.io", Role::Operator).await;
        let (boss, _) = sign_in(app, "boss@x.io", TEST_PASSWORD).await;
        let (ana, _) = sign_in(app, "ana@x.io", TEST_PASSWORD).await;
        let start = entries(app).await.len();

        // The shared set: added, changed, deleted.
        let reply = ok(app.call(&boss, "canned/save", &[("shared", "true"), ("shortcut", "hi"), ("body", "Hola, ¿en qué ayudo?")]).await).await;
        let rid = reply["id"].as_i64().unwrap().to_string();
        ok(app.call(&boss, "canned/save", &[("id", &rid), ("shortcut", "hi"), ("body", "Hola 👋")]).await).await;
        ok(app.call(&boss, "canned/delete", &[("id", &rid)]).await).await;
        // Ana's own replies are hers: not in the log.
        let mine = ok(app.call(&ana, "canned/save", &[("shortcut", "bye"), ("body", "Adiós")]).await).await;
        ok(app.call(&ana, "canned/delete", &[("id", &mine["id"].as_i64().unwrap().to_string())]).await).await;
        // A WhatsApp template: added, changed, deleted.
        let t = ok(app.call(&boss, "templates/save", &[
            ("name", "order_ready"), ("language", "es"), ("category", "utility"), ("body", "Tu pedido {{1}} está listo."),
        ]).await).await;
        let tid = t["id"].as_i64().unwrap().to_string();
        ok(app.call(&boss, "templates/save", &[
            ("id", &tid), ("name", "order_ready"), ("language", "es"), ("category", "utility"), ("body", "Tu pedido {{1}} ya está listo."),
        ]).await).await;
        ok(app.call(&boss, "templates/delete", &[("id", &tid)]).await).await;
        // Business hours and the satisfaction survey: the changed fields.
        ok(app.call(&boss, "settings/save_business_hours", &[
            ("time_zone", "Europe/Madrid"), ("day0", "09:00-18:00"), ("day1", ""), ("day2", ""), ("day3", ""),
            ("day4", ""), ("day5", ""), ("day6", ""), ("closed_dates", ""), ("out_of_hours", "Cerrado."), ("out_of_hours_en", "Closed."),
        ]).await).await;
        ok(app.call(&boss, "settings/save_csat", &[
            ("enabled", "true"), ("scale", "thumbs"), ("question", "¿Qué tal?"), ("question_en", "How did we do?"),
        ]).await).await;

        let all = entries(app).await.split_off(start);
        let seen: Vec<(&str, &str)> = all.iter()
            .map(|e| (e["kind"].as_str().unwrap(), e["target"].as_str().unwrap()))
            .collect();
        assert_eq!(seen, [
            ("settings_saved", "settings:canned_replies"),
            ("settings_saved", "settings:canned_replies"),
            ("settings_saved", "settings:canned_replies"),
            ("settings_saved", "settings:whatsapp_templates"),
            ("settings_saved", "settings:whatsapp_templates"),
            ("settings_saved", "settings:whatsapp_templates"),
            ("settings_saved", "settings:business_hours"),
            ("settings_saved", "settings:csat"),
        ]);
        for e in &all {
            assert_eq!((e["actor_id"].as_i64(), e["ip"].as_str()), (Some(boss_id), Some(CLIENT_IP)), "{e}");
        }
        assert_eq!(all[0]["details"]["before"], Value::Null);
        assert_eq!(all[0]["details"]["after"]["body"], "Hola, ¿en qué ayudo?");
        assert_eq!(all[1]["details"]["before"], json!({"body": "Hola, ¿en qué ayudo?"}));
        assert_eq!(all[1]["details"]["after"], json!({"body": "Hola 👋"}));
        assert_eq!(all[2]["details"]["before"]["shortcut"], "hi");
        assert_eq!(all[2]["details"]["after"], Value::Null);
        assert_eq!(all[3]["details"]["after"]["name"], "order_ready");
        assert_eq!(all[4]["details"]["after"], json!({"body": "Tu pedido {{1}} ya está listo."}));
        assert_eq!(all[5]["details"]["before"]["name"], "order_ready");
        assert_eq!(all[5]["details"]["after"], Value::Null);
        assert!(!all.iter().any(|e| e.to_string().contains("Adiós")));
        assert_eq!(all[6]["details"]["after"]["time_zone"], "Europe/Madrid");
        assert_eq!(all[6]["details"]["before"]["time_zone"], "");
        assert_eq!(all[7]["details"]["after"]["enabled"], true);
        assert_eq!(all[7]["details"]["after"]["scale"], "thumbs");
    }

    async fn entries_cannot_be_updated_or_deleted(p) {
        let app = &p.app;
        let _ = sign_in(app, "nobody@x.io", "whatever-it-is").await;
        assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_log").await, 1);
        let pool = {
            sqlx::any::install_default_drivers();
            sqlx::AnyPool::connect(app.database_url()).await.unwrap()
        };
        for sql in [
            "UPDATE audit_log SET kind = 'sign_in'",
            "UPDATE audit_log SET details = '{}'",
            "DELETE FROM audit_log",
        ] {
            let e = sqlx::query(sql).execute(&pool).await.expect_err(sql);
            assert!(e.to_string().contains("append-only"), "{sql}: {e}");
        }
        if app.db == Db::Postgres {
            let e = sqlx::query("TRUNCATE audit_log").execute(&pool).await.expect_err("truncate");
            assert!(e.to_string().contains("append-only"), "{e}");
        }
        assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_log WHERE kind = 'sign_in_failed'").await, 1);
    }

    async fn retention_deletes_exactly_the_old_closed_conversations(p) {
        let app = &p.app;
        let ana = app.user("ana@x.io", Role::Operator).await;
        let now = now_ms();
        let old = customer(app, "7001", "Old", "hace mucho").await;
        app.decided().await;
        let old_file = attach_image(&p, ana, old).await;
        close_at(app, old, now - 40 * DAY).await;
        let recent = customer(app, "7002", "Recent", "hace poco").await;
        app.decided().await;
        let recent_file = attach_image(&p, ana, recent).await;
        close_at(app, recent, now - 10 * DAY).await;
        // Open (written to long ago, never closed).
        let open = customer(app, "7003", "Open", "sigo aquí").await;
        app.decided().await;
        app.exec(&format!("UPDATE conversations SET created_at = {0}, last_message_at = {0} WHERE id = {open}", now - 90 * DAY)).await;

        // Forever by default: nothing goes.
        assert_eq!(privacy::run_retention(&app.state, now).await.unwrap(), 0);
        let admin = Who { id: Some(1), ..Default::default() };
        settings::save_privacy_by(&app.state, &admin, &PrivacySettings { retention_days: Some(30), mask_phones: false }).await.unwrap();
        let (old_contact, recent_contact) = (
            app.scalar(&format!("SELECT contact_id FROM conversations WHERE id = {old}")).await,
            app.scalar(&format!("SELECT contact_id FROM conversations WHERE id = {recent}")).await,
        );
        let recent_before = owned_counts(app, recent_contact, recent).await;
        assert!(recent_before.iter().take(5).all(|n| *n > 0), "{recent_before:?}");
        // The old conversation's customer rated it; analytics over the last 60 days count it.
        app.state.store.insert_csat_survey(old, Some(ana), "answered", Some(5), now - 40 * DAY).await.unwrap();
        let last_60_days = AnalyticsQuery::from_params(|k| match k {
            "range" => Some("custom".into()),
            "from" => Some(format_day((now - 60 * DAY).div_euclid(DAY))),
            "to" => Some(format_day(now.div_euclid(DAY))),
            _ => None,
        });
        let report = || analytics::report(&app.state, &last_60_days, Locale::en, now);
        let numbers_before = report().await.unwrap();
        // All three began today (analytics count when the bot first saw them).
        assert_eq!(numbers_before.now.conversations, 3);
        assert_eq!((numbers_before.now.csat.answered, numbers_before.now.csat.positive), (1, 1));

        // One instance a day: the turn is claimed once.
        assert_eq!(privacy::retention_turn(&app.state, now).await.unwrap(), Some(1));
        assert_eq!(privacy::retention_turn(&app.state, now + 3_600_000).await.unwrap(), None);
        assert_eq!(privacy::retention_turn(&app.state, now + DAY).await.unwrap(), Some(0));

        assert_eq!(owned_counts(app, old_contact, old).await, vec![0; OWNED.len()]);
        assert!(!old_file.exists(), "the old conversation's file is deleted");
        assert!(recent_file.exists(), "the recent one's stays");
        assert_eq!(owned_counts(app, recent_contact, recent).await, recent_before);
        assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM conversations WHERE id = {open}")).await, 1);
        // Analytics keep their counts and durations, the CSAT answer included.
        assert_eq!(report().await.unwrap(), numbers_before);
        let last = entries(app).await.pop().unwrap();
        assert_eq!(last["kind"], "retention_deleted");
        assert_eq!(last["actor_id"], Value::Null);
        assert_eq!(last["details"]["conversations"], 1);
        assert_eq!(last["details"]["retention_days"], 30);
    }

    async fn erasure_removes_every_row_and_file_of_that_contact_and_nothing_else(p) {
        let app = &p.app;
        let ana = app.user("ana@x.io", Role::Operator).await;
        let (cookie, _) = session_cookie(app, "watcher@x.io", Role::Operator).await;
        let (boss, boss_id) = app.signed_in("boss@x.io", Role::Admin).await;
        let x = customer(app, "8001", "Ximena", "mi pedido 123").await;
        let y = customer(app, "8002", "Yago", "hola").await;
        let x_file = attach_image(&p, ana, x).await;
        let y_file = attach_image(&p, ana, y).await;
        for (id, name, score) in [(x, "Ximena", 5), (y, "Yago", 2)] {
            let ana_row = app.state.store.user_by_id(ana).await.unwrap().unwrap();
            app::services::notes::add_note(&app.state, &ana_row, id, "VIP customer").await.unwrap();
            app::services::contacts::save(&app.state, id, name, "prefers mornings").await.unwrap();
            app.exec(&format!(
                "INSERT INTO csat_surveys (conversation_id, operator_id, channel, scale, status, score, comment, created_at, answered_at) \
                 VALUES ({id}, {ana}, 'telegram', 'stars', 'answered', {score}, 'great help', {0}, {0})", now_ms())).await;
        }
        close_at(app, x, now_ms()).await;
        let (xc, yc) = (
            app.scalar(&format!("SELECT contact_id FROM conversations WHERE id = {x}")).await,
            app.scalar(&format!("SELECT contact_id FROM conversations WHERE id = {y}")).await,
        );

        // The export holds everything Baton keeps about X.
        let r = boss.get(app.url(&format!("/contacts/{x}/export.json"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-disposition"], format!("attachment; filename=\"baton-contact-{x}.json\""));
        let doc: Value = r.json().await.unwrap();
        assert_eq!(doc["contact"]["name"], "Ximena");
        assert_eq!(doc["contact"]["external_id"], "8001");
        assert_eq!(doc["contact"]["notes"], "prefers mornings");
        assert_eq!(doc["conversation"]["id"], x);
        let bodies: Vec<&str> = doc["messages"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
        assert!(bodies.contains(&"mi pedido 123") && bodies.contains(&"VIP customer") && bodies.contains(&"your receipt"), "{bodies:?}");
        let image = doc["messages"].as_array().unwrap().iter().find(|m| m["media_name"] == "receipt.png").expect("media metadata");
        assert_eq!(image["media_mime"], "image/png");
        assert_eq!(image["media_size"], PNG.len());
        assert!(doc["messages"].as_array().unwrap().iter().any(|m| m["note"] == true));
        let kinds: Vec<&str> = doc["history"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        // Ownership changes, in order (the queue's own events, which vary with routing, too).
        let owned: Vec<&str> = kinds.iter().copied().filter(|k| ["escalated", "accepted", "closed"].contains(k)).collect();
        assert_eq!(owned, ["escalated", "accepted", "closed"]);
        assert!(kinds.len() >= 3, "{kinds:?}");
        assert_eq!(doc["csat"][0]["score"], 5);
        assert_eq!(doc["csat"][0]["comment"], "great help");
        assert!(!doc.to_string().contains("Yago"), "nothing of another customer");
        assert!(!doc.to_string().contains("media_token"));

        // Erasing X: a watcher's console is told, every row and file of X goes, Y stays.
        let mut ws = open_socket(app, &cookie, "").await;
        let before = all_counts(app).await;
        let x_rows = owned_counts(app, xc, x).await;
        let y_rows = owned_counts(app, yc, y).await;
        let r = app.call(&boss, "contacts/erase", &[("id", &x.to_string())]).await;
        assert_eq!(r.status(), StatusCode::OK);
        read_until(&mut ws, |ev| ev["type"] == "conversation_removed" && ev["conversation_id"] == x).await;
        assert_eq!(owned_counts(app, xc, x).await, vec![0; OWNED.len()]);
        assert_eq!(owned_counts(app, yc, y).await, y_rows);
        assert!(!x_file.exists() && y_file.exists());
        let after = all_counts(app).await;
        for ((table, b), (_, a)) in before.iter().zip(&after) {
            let gone = OWNED.iter().position(|(t, _)| t == table).map(|i| x_rows[i]).unwrap_or(0);
            let added = if table == "audit_log" { 1 } else { 0 };
            assert_eq!(*a, b - gone + added, "{table}");
        }
        let last = entries(app).await.pop().unwrap();
        assert_eq!(last["kind"], "contact_erased");
        assert_eq!(last["actor_id"], boss_id);
        // Erased is gone: a second erasure, an export or the panel find nothing.
        let r = app.call(&boss, "contacts/erase", &[("id", &x.to_string())]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = boss.get(app.url(&format!("/contacts/{x}/export.json"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }

    async fn operators_see_masked_phone_numbers_and_admins_whole_ones(p) {
        let app = &p.app;
        let m = IncomingMessage {
            channel: Channel::Whatsapp,
            external_id: "34600111288".into(),
            contact_name: None,
            phone: Some("+34 600 111 288".into()),
            account: None,
            platform_message_id: "wamid.mask-1".into(),
            text: "quiero hablar con un humano".into(),
            media: None,
            sent_at: None,
        };
        receive(&app.state, &m).await.unwrap();
        let id = app.scalar("SELECT id FROM conversations").await;
        let (op, _) = app.signed_in("ana@x.io", Role::Operator).await;
        let (boss, _) = app.signed_in("boss@x.io", Role::Admin).await;
        let (op_cookie, _) = session_cookie(app, "ben@x.io", Role::Operator).await;
        let (boss_cookie, _) = session_cookie(app, "cleo@x.io", Role::Admin).await;
        const WHOLE: &str = "+34 600 111 288";
        const MASKED: &str = "+34 6•• ••• •88";

        let seen = |c: reqwest::Client| async move {
            let list: ConversationGroups = app.call(&c, "conversations/list", &[]).await.json().await.unwrap();
            let name = list.groups.iter().flat_map(|g| &g.items).find(|s| s.id == id).unwrap().contact_name.clone();
            let open: ConversationDetail = app.call(&c, "conversations/open", &[("id", &id.to_string())]).await.json().await.unwrap();
            let card: ContactCard = app.call(&c, "contacts/card", &[("id", &id.to_string())]).await.json().await.unwrap();
            (name, open.summary.contact_name, open.contact_phone.unwrap(), card.phone.unwrap())
        };
        // Off by default: everyone sees the number.
        assert_eq!(seen(op.clone()).await, (WHOLE.into(), WHOLE.into(), WHOLE.into(), WHOLE.into()));
        ok(app.call(&boss, "settings/save_privacy", &[("retention_days", ""), ("mask_phones", "on")]).await).await;
        assert_eq!(seen(op.clone()).await, (MASKED.into(), MASKED.into(), MASKED.into(), MASKED.into()));
        assert_eq!(seen(boss.clone()).await, (WHOLE.into(), WHOLE.into(), WHOLE.into(), WHOLE.into()));

        // Live events: the operator's socket gets the masked number, the admin's the whole one.
        let mut op_ws = open_socket(app, &op_cookie, "").await;
        let mut boss_ws = open_socket(app, &boss_cookie, "").await;
        // Both are listening once they said hello.
        for ws in [&mut op_ws, &mut boss_ws] {
            read_until(ws, |e| e["type"] == "hello").await;
        }
        app::services::conversations::announce_conversation(&app.state, id).await.unwrap();
        let name_in = |evs: Vec<Value>| evs.last().unwrap()["conversation"]["contact_name"].as_str().unwrap().to_string();
        let is_update = |ev: &Value| ev["type"] == "conversation_updated" && ev["conversation"]["id"] == id;
        assert_eq!(name_in(read_until(&mut op_ws, is_update).await), MASKED);
        assert_eq!(name_in(read_until(&mut boss_ws, is_update).await), WHOLE);
        // Nothing the operator's browser got holds the digits.
        let list = app.call(&op, "conversations/list", &[]).await.text().await.unwrap();
        assert!(!list.contains("600 111") && !list.contains("34600111288"), "{list}");
    }
}
