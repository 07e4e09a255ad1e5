//! Admins manage accounts; bad input gets field-level errors and changes nothing.

use app::domain::users::Role;
use reqwest::StatusCode;

const GOOD: [(&str, &str); 5] = [
    ("email", "Nora@Example.com"),
    ("display_name", "Nora"),
    ("role", "operator"),
    ("max_conversations", "4"),
    ("password", "nora's long password"),
];

both_databases! {
    async fn an_admin_creates_an_operator_who_can_then_sign_in(app) {
        let (admin, _) = app.signed_in("boss@x.io", Role::Admin).await;
        let r = app.call(&admin, "operators/create", &GOOD).await;
        assert_eq!(r.status(), StatusCode::OK);
        let u: serde_json::Value = r.json().await.unwrap();
        assert_eq!(u["email"], "nora@example.com");
        assert_eq!(u["max_conversations"], 4);
        let c = app.client();
        let r = app.call(&c, "sign_in", &[("email", "nora@example.com"), ("password", "nora's long password")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let list: Vec<serde_json::Value> = app.call(&admin, "operators/list", &[]).await.json().await.unwrap();
        assert_eq!(list.len(), 2);
    }

    async fn invalid_fields_come_back_one_message_per_field(app) {
        let (admin, _) = app.signed_in("boss@x.io", Role::Admin).await;
        let bad = [("email", "nora"), ("display_name", ""), ("role", "boss"), ("max_conversations", "0"), ("password", "short")];
        let r = app.call(&admin, "operators/create", &bad).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: serde_json::Value = r.json().await.unwrap();
        let fields: Vec<&str> = v["Invalid"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["email", "display_name", "role", "max_conversations", "password"]);
        assert_eq!(app.state.store.count_users().await.unwrap(), 1, "nothing was created");
    }

    async fn a_duplicate_email_is_a_field_error(app) {
        let (admin, _) = app.signed_in("boss@x.io", Role::Admin).await;
        assert_eq!(app.call(&admin, "operators/create", &GOOD).await.status(), StatusCode::OK);
        let r = app.call(&admin, "operators/create", &GOOD).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["Invalid"][0]["field"], "email");
    }

    async fn roles_change_and_the_last_admin_is_protected(app) {
        let (admin, boss) = app.signed_in("boss@x.io", Role::Admin).await;
        let ana = app.user("ana@x.io", Role::Operator).await.to_string();
        let r = app.call(&admin, "operators/set_role", &[("id", ana.as_str()), ("role", "admin")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["role"], "admin");

        // Nobody deactivates themselves.
        let me = boss.to_string();
        let r = app.call(&admin, "operators/set_active", &[("id", me.as_str()), ("active", "false")]).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);

        // With Ana demoted again, the boss is the last admin and cannot be demoted.
        app.call(&admin, "operators/set_role", &[("id", ana.as_str()), ("role", "operator")]).await;
        let r = app.call(&admin, "operators/set_role", &[("id", me.as_str()), ("role", "operator")]).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert!(crate::common::refusal(r).await.contains("only active admin"));

        // Deactivate, then reactivate, Ana.
        let r = app.call(&admin, "operators/set_active", &[("id", ana.as_str()), ("active", "false")]).await;
        assert_eq!(r.json::<serde_json::Value>().await.unwrap()["active"], false);
        let r = app.call(&admin, "operators/set_active", &[("id", ana.as_str()), ("active", "true")]).await;
        assert_eq!(r.json::<serde_json::Value>().await.unwrap()["active"], true);
    }

    async fn unknown_accounts_are_not_found(app) {
        let (admin, _) = app.signed_in("boss@x.io", Role::Admin).await;
        let r = app.call(&admin, "operators/set_role", &[("id", "424242"), ("role", "admin")]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = app.call(&admin, "operators/set_role", &[("id", "not-a-number"), ("role", "admin")]).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    }
}
