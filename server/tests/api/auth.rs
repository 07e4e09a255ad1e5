//! Sign-in, the session cookie, sign-in limits, sign-out and deactivation.

use crate::common::{self, TEST_PASSWORD};
use app::domain::users::Role;
use reqwest::StatusCode;

both_databases! {
    async fn signing_in_sets_a_safe_session_cookie(app) {
        app.user("ana@x.io", Role::Operator).await;
        let c = app.client();
        let r = app.call(&c, "sign_in", &[("email", " ANA@x.io "), ("password", TEST_PASSWORD)]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
        assert!(cookie.starts_with("baton_session="), "{cookie}");
        for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
            assert!(cookie.contains(attr), "{attr} missing from {cookie}");
        }
        assert!(!cookie.contains("Secure"), "plain http must not set Secure: {cookie}");
        let me: serde_json::Value = app.call(&c, "me", &[]).await.json().await.unwrap();
        assert_eq!(me["email"], "ana@x.io");
        assert_eq!(me["role"], "operator");
    }

    async fn a_wrong_password_is_refused_without_saying_which_part_was_wrong(app) {
        app.user("ana@x.io", Role::Operator).await;
        let c = app.client();
        for (email, pw) in [("ana@x.io", "not the password"), ("nobody@x.io", TEST_PASSWORD)] {
            let r = app.call(&c, "sign_in", &[("email", email), ("password", pw)]).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let words = common::refusal(r).await;
            assert!(words.contains("do not match an active account"), "{words}");
        }
        let me: serde_json::Value = app.call(&c, "me", &[]).await.json().await.unwrap();
        assert!(me.is_null());
    }

    async fn repeated_failures_lock_the_account_for_a_while(app) {
        app.user("ana@x.io", Role::Operator).await;
        let c = app.client();
        for _ in 0..5 {
            let r = app.call(&c, "sign_in", &[("email", "ana@x.io"), ("password", "guess guess")]).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        }
        // Even the right password is refused while the account is locked.
        let r = app.call(&c, "sign_in", &[("email", "ana@x.io"), ("password", TEST_PASSWORD)]).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        let v: serde_json::Value = r.json().await.unwrap();
        let secs = v["RateLimited"].as_i64().expect("RateLimited error");
        assert!(secs > 0 && secs <= 15 * 60, "{secs}");
        // Another account from elsewhere is unaffected.
        app.user("ben@x.io", Role::Operator).await;
        let r = app.call(&app.client(), "sign_in", &[("email", "ben@x.io"), ("password", TEST_PASSWORD)]).await;
        assert_eq!(r.status(), StatusCode::OK);
    }

    async fn one_address_cannot_guess_across_many_accounts(app) {
        let c = app.client();
        for i in 0..30 {
            let email = format!("u{i}@x.io");
            let r = app.call(&c, "sign_in", &[("email", email.as_str()), ("password", "guess guess")]).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "attempt {i}");
        }
        let r = app.call(&c, "sign_in", &[("email", "u99@x.io"), ("password", "guess guess")]).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    }

    async fn signing_out_ends_the_session(app) {
        let (c, _) = app.signed_in("ana@x.io", Role::Operator).await;
        assert_eq!(app.call(&c, "conversations/list", &[]).await.status(), StatusCode::OK);
        let r = app.call(&c, "sign_out", &[]).await;
        assert!(r.status().is_success());
        assert!(r.headers().get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
        assert_eq!(app.call(&c, "conversations/list", &[]).await.status(), StatusCode::UNAUTHORIZED);
    }

    async fn deactivating_an_account_ends_its_sessions_and_sockets_at_once(app) {
        let (admin, _) = app.signed_in("boss@x.io", Role::Admin).await;
        let (ana, ana_id) = app.signed_in("ana@x.io", Role::Operator).await;
        assert_eq!(app.call(&ana, "conversations/list", &[]).await.status(), StatusCode::OK);

        // Ana has the app open: a live socket.
        let cookie = session_cookie_of(&app, "ana@x.io").await;
        let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
            format!("ws://{}/ws", app.addr),
        )
        .unwrap();
        req.headers_mut().insert("cookie", cookie.parse().unwrap());
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("socket opens");
        use futures::StreamExt;
        let hello = ws.next().await.unwrap().unwrap();
        assert!(hello.to_text().unwrap().contains("\"hello\""), "{hello:?}");

        let id = ana_id.to_string();
        let r = app.call(&admin, "operators/set_active", &[("id", id.as_str()), ("active", "false")]).await;
        assert_eq!(r.status(), StatusCode::OK);

        assert_eq!(app.call(&ana, "conversations/list", &[]).await.status(), StatusCode::UNAUTHORIZED);
        let closed = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            while let Some(msg) = ws.next().await {
                match msg {
                    Ok(tokio_tungstenite::tungstenite::Message::Close(_)) | Err(_) => return true,
                    _ => continue,
                }
            }
            true
        })
        .await
        .expect("socket closes promptly");
        assert!(closed);
        // And signing in again is refused.
        let r = app.call(&app.client(), "sign_in", &[("email", "ana@x.io"), ("password", TEST_PASSWORD)]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}

/// Signs in with a fresh client and returns the raw `Cookie` header value for sockets.
pub(crate) async fn session_cookie_of(app: &common::TestApp, email: &str) -> String {
    let r = app
        .call(
            &app.client(),
            "sign_in",
            &[("email", email), ("password", TEST_PASSWORD)],
        )
        .await;
    let set = r.headers().get("set-cookie").unwrap().to_str().unwrap();
    set.split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn https_deployments_get_secure_cookies() {
    let app = common::spawn_https().await;
    app.user("ana@x.io", Role::Operator).await;
    let r = app
        .call(
            &app.client(),
            "sign_in",
            &[("email", "ana@x.io"), ("password", TEST_PASSWORD)],
        )
        .await;
    let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}
