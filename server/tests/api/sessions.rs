//! Sign-in limits under concurrency and per address, password changes, and live sockets that
//! close when their session ends.

use crate::auth::session_cookie_of;
use crate::common::{self, TestApp, TEST_PASSWORD};
use app::domain::users::Role;
use app::dto::LiveEventKind;
use futures::StreamExt;
use reqwest::StatusCode;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Opens `/ws` with a session cookie over a connection with a small receive buffer (so a client
/// that stops reading soon stalls the server's writes), and reads the hello.
async fn open_socket(app: &TestApp, cookie: &str) -> Socket {
    let mut req = format!("ws://{}/ws", app.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let stream = sock.connect(app.addr).await.unwrap();
    let (mut ws, _) = tokio_tungstenite::client_async(req, stream)
        .await
        .expect("socket opens");
    let hello = ws.next().await.unwrap().unwrap();
    assert!(hello.to_text().unwrap().contains("\"hello\""), "{hello:?}");
    ws
}

/// Reads until the server ends the socket; fails if it is still open after `secs`.
async fn closes_within(ws: &mut Socket, secs: u64) {
    tokio::time::timeout(Duration::from_secs(secs), async {
        while let Some(msg) = ws.next().await {
            if matches!(msg, Ok(Message::Close(_)) | Err(_)) {
                return;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the socket is still open after {secs} s"));
}

/// A client that sends `cookie` (a session signed in elsewhere).
fn client_with(cookie: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", cookie.parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Signs in as `email` with `password`, appearing to come from `forwarded_for`.
async fn sign_in_from(
    app: &TestApp,
    email: &str,
    password: &str,
    forwarded_for: &str,
) -> StatusCode {
    app.client()
        .post(app.url("/api/sign_in"))
        .header("origin", format!("http://{}", app.addr))
        .header("x-forwarded-for", forwarded_for)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
}

/// Locks ana@x.io for 198.51.100.1, then signs in with the right password from 198.51.100.2.
async fn lock_from_one_address_and_sign_in_from_another(app: &TestApp) -> StatusCode {
    app.user("ana@x.io", Role::Operator).await;
    for _ in 0..5 {
        let s = sign_in_from(app, "ana@x.io", "guess guess", "198.51.100.1").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let s = sign_in_from(app, "ana@x.io", TEST_PASSWORD, "198.51.100.1").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    sign_in_from(app, "ana@x.io", TEST_PASSWORD, "198.51.100.2").await
}

async fn spawn_behind_proxy(db: common::Db) -> Option<TestApp> {
    common::spawn_with(db, &[("BATON_TRUSTED_PROXIES", "127.0.0.1")]).await
}

both_databases_with! { spawn_behind_proxy;
    async fn a_guesser_elsewhere_cannot_lock_the_owner_out(app) {
        assert_eq!(lock_from_one_address_and_sign_in_from_another(&app).await, StatusCode::OK);
    }
}

both_databases! {
    async fn concurrent_wrong_guesses_let_only_the_limit_through(app) {
        app.user("ana@x.io", Role::Operator).await;
        let c = app.client();
        let calls = (0..50).map(|_| app.call(&c, "sign_in", &[("email", "ana@x.io"), ("password", "guess guess")]));
        let responses = futures::future::join_all(calls).await;
        let checked = responses.iter().filter(|r| r.status() == StatusCode::UNPROCESSABLE_ENTITY).count();
        assert_eq!(checked, 5, "passwords checked");
        for r in responses.iter().filter(|r| r.status() != StatusCode::UNPROCESSABLE_ENTITY) {
            assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
            let after: i64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!(after > 0 && after <= 15 * 60, "{after}");
        }
    }

    async fn forwarded_for_from_an_untrusted_peer_changes_nothing(app) {
        assert_eq!(lock_from_one_address_and_sign_in_from_another(&app).await, StatusCode::TOO_MANY_REQUESTS);
    }

    async fn an_overlong_email_is_refused_before_any_lookup(app) {
        let email = format!("{}@x.io", "a".repeat(250));
        let r = app.call(&app.client(), "sign_in", &[("email", email.as_str()), ("password", "guess guess")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let words = crate::common::refusal(r).await;
        assert!(words.contains("too long"), "{words}");
    }

    async fn a_socket_closes_soon_after_its_session_signs_out(app) {
        app.user("ana@x.io", Role::Operator).await;
        let cookie = session_cookie_of(&app, "ana@x.io").await;
        let mut ws = open_socket(&app, &cookie).await;
        let r = app.call(&client_with(&cookie), "sign_out", &[]).await;
        assert!(r.status().is_success());
        closes_within(&mut ws, 5).await;
    }

    async fn a_socket_closes_when_its_session_expires(app) {
        app.user("ana@x.io", Role::Operator).await;
        let cookie = session_cookie_of(&app, "ana@x.io").await;
        let soon = app::services::now_ms() + 1_500;
        app.scalar(&format!("UPDATE sessions SET expires_at = {soon} RETURNING user_id")).await;
        let mut ws = open_socket(&app, &cookie).await;
        closes_within(&mut ws, 5).await;
    }

    async fn a_socket_that_fell_behind_still_closes_when_its_account_is_deactivated(app) {
        let admin_id = app.user("boss@x.io", Role::Admin).await;
        let ana_id = app.user("ana@x.io", Role::Operator).await;
        let cookie = session_cookie_of(&app, "ana@x.io").await;
        let mut ws = open_socket(&app, &cookie).await;
        // Ana's phone stops reading: the server's writes to it stall once ~13 MB of long
        // messages fill the connection's buffers.
        let long = app::dto::MessageDto {
            id: 1,
            conversation_id: 1,
            sender: app::dto::Sender::Customer,
            author_name: None,
            body: "x".repeat(64 * 1024),
            media_type: None,
            media_url: None,
            bot_confidence: None,
            delivery_status: None,
            delivery_error: None,
            delivery_error_kind: None,
            created_at: 0,
            system_line: None,
            note: false,
            media: None,
        };
        for _ in 0..20 {
            for _ in 0..10 {
                app.state.bus.publish(LiveEventKind::MessageCreated { message: long.clone() });
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        // The deactivation's event is pushed out of the bus before her socket could read it.
        let admin = app::services::audit::Who { id: Some(admin_id), ..Default::default() };
        app::services::operators::set_active(&app.state, &admin, ana_id, false).await.unwrap();
        for _ in 0..3_000 {
            app.state.bus.publish(LiveEventKind::OperatorsChanged);
        }
        closes_within(&mut ws, 10).await;
    }

    async fn users_change_their_own_password_and_their_other_sessions_end(app) {
        let (ana, _) = app.signed_in("ana@x.io", Role::Operator).await;
        let other = session_cookie_of(&app, "ana@x.io").await;
        let mut other_ws = open_socket(&app, &other).await;
        let change = |current: &'static str, new: &'static str, confirm: &'static str| {
            let (app, ana) = (&app, &ana);
            let form = [("current_password", current), ("new_password", new), ("confirm_password", confirm)];
            async move { app.call(ana, "account/change_password", &form).await }
        };
        let r = change("not my password", "a brand new secret", "a brand new secret").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(crate::common::refusal(r).await.contains("not your current password"));
        let r = change(TEST_PASSWORD, "a brand new secret", "a brand new secreT").await;
        assert!(crate::common::refusal(r).await.contains("differ"));
        let r = change(TEST_PASSWORD, "short", "short").await;
        assert!(crate::common::refusal(r).await.contains("at least 10"));
        let r = change(TEST_PASSWORD, "a brand new secret", "a brand new secret").await;
        assert_eq!(r.status(), StatusCode::OK);

        // This session goes on; the other one is over, and its socket closes.
        assert_eq!(app.call(&ana, "conversations/list", &[]).await.status(), StatusCode::OK);
        assert_eq!(app.call(&client_with(&other), "conversations/list", &[]).await.status(), StatusCode::UNAUTHORIZED);
        closes_within(&mut other_ws, 5).await;
        let old = app.call(&app.client(), "sign_in", &[("email", "ana@x.io"), ("password", TEST_PASSWORD)]).await;
        assert_eq!(old.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let new = app.call(&app.client(), "sign_in", &[("email", "ana@x.io"), ("password", "a brand new secret")]).await;
        assert_eq!(new.status(), StatusCode::OK);
    }

    async fn admins_set_an_operators_password_and_her_sessions_end(app) {
        let (admin, _) = app.signed_in("boss@x.io", Role::Admin).await;
        let (ana, ana_id) = app.signed_in("ana@x.io", Role::Operator).await;
        let ana_cookie = session_cookie_of(&app, "ana@x.io").await;
        let mut ws = open_socket(&app, &ana_cookie).await;
        let id = ana_id.to_string();
        let r = app.call(&ana, "operators/set_password", &[("id", id.as_str()), ("password", "ana's new secret")]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = app.call(&admin, "operators/set_password", &[("id", id.as_str()), ("password", "short")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = app.call(&admin, "operators/set_password", &[("id", id.as_str()), ("password", "ana's new secret")]).await;
        assert_eq!(r.status(), StatusCode::OK);

        assert_eq!(app.call(&ana, "conversations/list", &[]).await.status(), StatusCode::UNAUTHORIZED);
        closes_within(&mut ws, 5).await;
        assert_eq!(app.call(&admin, "operators/list", &[]).await.status(), StatusCode::OK);
        let r = app.call(&app.client(), "sign_in", &[("email", "ana@x.io"), ("password", "ana's new secret")]).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
}
