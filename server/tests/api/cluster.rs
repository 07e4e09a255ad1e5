//! Two Baton instances on one PostgreSQL database, joined through the real RabbitMQ
//! (`BATON_BROKER_URL`): live events, the accept race, widget replies, presence, settings, resume
//! and a dead instance's leased sends all cross from one instance to the other.

use crate::channels::{channel_app_with, channel_env, pairs, wa_text, Ch};
use crate::common::{Db, TestApp};
use crate::console::{customer_message, next_event, open_socket, read_until, session_cookie};
use crate::mock::eventually;
use app::domain::ownership::Transition;
use app::domain::queue::PolicyKind;
use app::domain::users::Role;
use app::services::conversations::transition;
use app::services::ingest::receive;
use app::services::{now_ms, settings};
use reqwest::StatusCode;
use std::time::Duration;

/// The broker the cluster tests join; in CI an unreachable broker fails them, never skips.
fn broker_url() -> Option<String> {
    let url = std::env::var("BATON_TEST_BROKER_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into());
    let ci = std::env::var("CI").as_deref() == Ok("true");
    let reachable = std::net::TcpStream::connect_timeout(
        &"127.0.0.1:5672".parse().unwrap(),
        Duration::from_secs(2),
    )
    .is_ok();
    match (url.is_empty(), reachable) {
        (false, true) => Some(url),
        _ if ci => panic!("CI=true but RabbitMQ is not reachable at 127.0.0.1:5672: the cluster tests must run in CI"),
        _ => {
            eprintln!("notice: cluster tests skipped (no RabbitMQ on 127.0.0.1:5672)");
            None
        }
    }
}

/// Instance A (with the channel mocks) and instance B on A's database, both on the broker, with
/// a short lease so a dead instance's work moves quickly.
async fn cluster() -> Option<(Ch, TestApp)> {
    let url = broker_url()?;
    let joined = |id: &'static str| {
        vec![
            ("BATON_BROKER_URL", url.clone()),
            ("BATON_INSTANCE_ID", id.to_string()),
            ("BATON_LEASE_SECS", "3".to_string()),
        ]
    };
    let a = channel_app_with(Db::Postgres, &pairs(&joined("a"))).await?;
    let mut env = channel_env(&a.graph, &a.telegram);
    env.extend(joined("b"));
    let b = a.app.restart(&pairs(&env)).await;
    Some((a, b))
}

/// Ana signed in on `app`, with her live socket open there and past its hello.
async fn operator_socket(app: &TestApp) -> crate::console::Socket {
    let (cookie, _) = session_cookie(app, "ana@x.io", Role::Operator).await;
    let mut ws = open_socket(app, &cookie, "").await;
    let hello = next_event(&mut ws, Duration::from_secs(5)).await.unwrap();
    assert_eq!(hello["type"], "hello");
    ws
}

#[tokio::test]
async fn a_webhook_posted_to_a_reaches_an_operator_socket_on_b() {
    let Some((a, b)) = cluster().await else {
        return;
    };
    let mut ws = operator_socket(&b).await;
    let body = wa_text("5215511111111", "wamid.CLUSTER1", "hola desde A");
    let r = reqwest::Client::new()
        .post(a.app.url("/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            crate::channels::sign(body.as_bytes()),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let seen = read_until(&mut ws, |e| {
        e["type"] == "message_created" && e["message"]["body"] == "hola desde A"
    })
    .await;
    assert!(
        seen.last().unwrap()["seq"].as_u64().unwrap() > 0,
        "numbered by the cluster"
    );
    let r: serde_json::Value = reqwest::get(b.url("/readyz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (r["instance"].as_str(), r["broker"].as_str()),
        (Some("b"), Some("connected"))
    );
    let (admin, _) = b.signed_in("boss@x.io", Role::Admin).await;
    let m: serde_json::Value = b
        .call(&admin, "monitoring", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (m["instance"].as_str(), m["broker_connected"].as_bool()),
        (Some("b"), Some(true))
    );
    // The page lists both instances, this one first, both up.
    let listed: Vec<_> = m["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_string(),
                i["up"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(listed, [("b".to_string(), true), ("a".to_string(), true)]);
}

#[tokio::test]
async fn operators_on_a_and_b_accept_together_one_wins_and_both_are_told() {
    let Some((a, b)) = cluster().await else {
        return;
    };
    let (c1, op1) = session_cookie(&a.app, "ana@x.io", Role::Operator).await;
    let (c2, op2) = session_cookie(&b, "ben@x.io", Role::Operator).await;
    receive(&a.app.state, &customer_message("t-race", "r0", "hola"))
        .await
        .unwrap();
    let id = a.app.scalar("SELECT MAX(id) FROM conversations").await;
    let mut ws1 = open_socket(&a.app, &c1, "").await;
    let mut ws2 = open_socket(&b, &c2, "").await;
    transition(&a.app.state, id, Transition::Escalate, Some("keyword"))
        .await
        .unwrap();
    for ws in [&mut ws1, &mut ws2] {
        read_until(ws, |e| {
            e["type"] == "conversation_updated" && e["conversation"]["owner"] == "waiting"
        })
        .await;
    }
    let call = |app: &TestApp, cookie: String| {
        let url = app.url("/api/conversations/accept");
        let origin = format!("http://{}", app.addr);
        async move {
            reqwest::Client::new()
                .post(url)
                .header("origin", origin)
                .header("cookie", cookie)
                .form(&[("id", id.to_string())])
                .send()
                .await
                .unwrap()
        }
    };
    let (r1, r2) = tokio::join!(call(&a.app, c1.clone()), call(&b, c2.clone()));
    let statuses = [r1.status().as_u16(), r2.status().as_u16()];
    assert!(
        statuses.contains(&200) && statuses.contains(&409),
        "one winner: {statuses:?}"
    );
    let winner = if r1.status() == 200 { op1 } else { op2 };
    for ws in [&mut ws1, &mut ws2] {
        let seen = read_until(ws, |e| {
            e["type"] == "conversation_updated" && e["conversation"]["owner"] == "assigned"
        })
        .await;
        assert_eq!(seen.last().unwrap()["conversation"]["assignee_id"], winner);
    }
}

#[tokio::test]
async fn an_operator_reply_sent_on_a_reaches_a_widget_visitor_on_b() {
    let Some((a, b)) = cluster().await else {
        return;
    };
    // Only A sends, so the reply must cross to B's socket.
    b.workers[1].abort(); // the delivery worker (see `startup::build`)
    let (mut visitor, _, _) = crate::widget::visit(&b, None).await;
    crate::widget::say(&mut visitor, "necesito ayuda", "c-1").await;
    eventually("the visitor's message stored", || async {
        a.app
            .scalar("SELECT COUNT(*) FROM messages WHERE body = 'necesito ayuda'")
            .await
            == 1
    })
    .await;
    let id = a
        .app
        .scalar("SELECT conversation_id FROM messages WHERE body = 'necesito ayuda'")
        .await;
    let (ana, ana_id) = a.app.signed_in("ana@x.io", Role::Operator).await;
    crate::common::assign(&a.app.state, id, ana_id).await;
    let r = a
        .app
        .call(
            &ana,
            "conversations/send",
            &[("id", &id.to_string()), ("text", "Hola, soy Ana")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    loop {
        let frame = crate::widget::next_json(&mut visitor).await;
        if frame["type"] == "message" && frame["message"]["text"] == "Hola, soy Ana" {
            break;
        }
    }
    eventually("the reply marked sent", || async {
        a.app.scalar("SELECT COUNT(*) FROM messages WHERE body = 'Hola, soy Ana' AND delivery_status = 'sent'").await == 1
    })
    .await;
}

#[tokio::test]
async fn typing_crosses_between_a_visitor_on_b_and_an_operator_on_a() {
    let Some((a, b)) = cluster().await else {
        return;
    };
    let (mut visitor, _, _) = crate::widget::visit(&b, None).await;
    crate::widget::say(&mut visitor, "hola, ¿hay alguien?", "c-1").await;
    assert_eq!(crate::widget::next_json(&mut visitor).await["type"], "ack");
    let id = a
        .app
        .scalar("SELECT conversation_id FROM messages WHERE body = 'hola, ¿hay alguien?'")
        .await;
    let (cookie, ana_id) = session_cookie(&a.app, "ana@x.io", Role::Operator).await;
    let mut console = open_socket(&a.app, &cookie, "").await;
    read_until(&mut console, |e| e["type"] == "hello").await;
    {
        use futures::SinkExt;
        let typing = serde_json::json!({"type": "typing"}).to_string();
        visitor
            .send(tokio_tungstenite::tungstenite::Message::Text(typing.into()))
            .await
            .unwrap();
    }
    let seen = read_until(&mut console, |e| e["type"] == "typing").await;
    assert_eq!(seen.last().unwrap()["conversation_id"].as_i64(), Some(id));

    crate::common::assign(&a.app.state, id, ana_id).await;
    let ana = crate::common::client_with(&cookie);
    let r = a
        .app
        .call(&ana, "conversations/typing", &[("id", &id.to_string())])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    loop {
        let f = crate::widget::next_json(&mut visitor).await;
        if f["type"] == "typing" {
            assert_eq!(f["author"], "ana");
            break;
        }
    }
}

#[tokio::test]
async fn an_operator_online_only_on_b_is_offered_what_escalated_on_a() {
    let Some((a, b)) = cluster().await else {
        return;
    };
    let (cookie, op) = session_cookie(&b, "ana@x.io", Role::Operator).await;
    let _ws = open_socket(&b, &cookie, "").await;
    eventually("A sees Ana online on B", || async {
        a.app.state.presence.is_online(op)
    })
    .await;
    assert!(
        !a.app.state.presence.here().contains(&op),
        "her socket is on B only"
    );
    receive(&a.app.state, &customer_message("t-offer", "o0", "hola"))
        .await
        .unwrap();
    let id = a.app.scalar("SELECT MAX(id) FROM conversations").await;
    transition(&a.app.state, id, Transition::Escalate, Some("keyword"))
        .await
        .unwrap();
    let offered = format!(
        "SELECT COUNT(*) FROM conversation_events WHERE conversation_id = {id} AND kind = 'offered' AND target_id = {op}"
    );
    eventually("Ana offered the conversation", || async {
        a.app.scalar(&offered).await == 1
    })
    .await;
    // Her instance goes away: after the silence, A counts her offline.
    drop(_ws);
    b.stop_workers();
    let gone = now_ms() + app::services::state::Presence::SILENCE_MS;
    a.app.state.presence.forget_silent(gone);
    assert!(!a.app.state.presence.is_online(op));
}

#[tokio::test]
async fn queue_settings_saved_on_a_govern_routing_on_b_at_once() {
    let Some((a, b)) = cluster().await else {
        return;
    };
    // B has the settings cached.
    assert_eq!(
        settings::queue(&b.state).await.unwrap().policy,
        PolicyKind::FirstToAccept
    );
    let (boss, _) = a.app.signed_in("boss@x.io", Role::Admin).await;
    let r = a
        .app
        .call(
            &boss,
            "settings/save_queue",
            &[
                ("policy", "round_robin"),
                ("offer_secs", "45"),
                ("sla_target_secs", "120"),
                ("alert_interval_secs", "120"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    eventually("B routes round robin", || async {
        settings::queue(&b.state).await.unwrap().policy == PolicyKind::RoundRobin
    })
    .await;
    assert_eq!(settings::queue(&b.state).await.unwrap().offer_secs, 45);
    // So does what A learns about the external bot.
    let down = Some((now_ms(), "the external bot answered 503".to_string()));
    a.app
        .state
        .cluster
        .send(app::bus::cluster::Signal::BotHealth { down: down.clone() });
    eventually("B shows the bot down", || async {
        b.state.bot_health.down() == down
    })
    .await;
}

#[tokio::test]
async fn a_scenario_publish_on_a_changes_the_answers_on_b_at_once() {
    use app::services::scenarios::{try_message, TrySource};
    let Some((a, b)) = cluster().await else {
        return;
    };
    let answer = |state| async move {
        match try_message(state, "horario", app::dto::Channel::Web, TrySource::Live)
            .await
            .unwrap()
        {
            app::dto::TryResult::Reply { response, .. } => response,
            other => format!("{other:?}"),
        }
    };
    a.scenario("Hours", "horario", "9 a 18").await;
    eventually("B answers from version 1", || async {
        answer(&b.state).await == "9 a 18"
    })
    .await;
    // B has version 1 compiled; A edits the draft (nothing changes anywhere), then publishes.
    let (boss, _) = a.app.signed_in("boss@x.io", Role::Admin).await;
    let id = a.app.scalar("SELECT id FROM scenarios").await.to_string();
    let edit = [
        ("id", id.as_str()),
        ("name", "Hours"),
        ("triggers", "horario"),
        ("response", "9 a 20"),
        ("priority", "0"),
        ("channels", ""),
        ("enabled", "true"),
    ];
    assert_eq!(
        a.app.call(&boss, "scenarios/save", &edit).await.status(),
        StatusCode::OK
    );
    assert_eq!(answer(&b.state).await, "9 a 18");
    let r = a
        .app
        .call(&boss, "scenarios/publish", &[("note", "longer hours")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<i64>().await.unwrap(), 2);
    eventually("B answers from version 2", || async {
        answer(&b.state).await == "9 a 20"
    })
    .await;
    assert_eq!(
        settings::scenarios(&b.state).await.unwrap().version,
        Some(2)
    );
}

#[tokio::test]
async fn a_socket_resumes_on_b_after_dropping_from_a_with_exactly_the_missed_events() {
    let Some((a, b)) = cluster().await else {
        return;
    };
    let (cookie, op) = session_cookie(&a.app, "ana@x.io", Role::Operator).await;
    receive(&a.app.state, &customer_message("t-res", "m0", "hola"))
        .await
        .unwrap();
    let id = a.app.scalar("SELECT MAX(id) FROM conversations").await;
    crate::common::assign(&a.app.state, id, op).await;

    let mut ws = open_socket(&a.app, &cookie, "").await;
    let hello = next_event(&mut ws, Duration::from_secs(5)).await.unwrap();
    let epoch = hello["epoch"].as_u64().unwrap();
    let mut last = hello["seq"].as_u64().unwrap();
    receive(&a.app.state, &customer_message("t-res", "m1", "uno"))
        .await
        .unwrap();
    // (Events from before the socket may still be on their way through the broker.)
    for ev in read_until(&mut ws, |e| {
        e["type"] == "message_created" && e["message"]["body"] == "uno"
    })
    .await
    {
        last = last.max(ev["seq"].as_u64().unwrap());
    }
    drop(ws);
    for (i, text) in ["dos", "tres", "cuatro"].iter().enumerate() {
        receive(
            &a.app.state,
            &customer_message("t-res", &format!("m{}", i + 2), text),
        )
        .await
        .unwrap();
    }
    let mut ws = open_socket(&b, &cookie, &format!("?since={last}&epoch={epoch}")).await;
    let hello_b = next_event(&mut ws, Duration::from_secs(5)).await.unwrap();
    assert_eq!(
        hello_b["epoch"].as_u64(),
        Some(epoch),
        "one numbering for the cluster"
    );
    let mut texts = Vec::new();
    while let Some(ev) = next_event(&mut ws, Duration::from_millis(1500)).await {
        assert_ne!(ev["type"], "resync", "the missed events are held on B too");
        assert!(
            ev["seq"].as_u64().unwrap() > last,
            "nothing the client already had: {ev}"
        );
        if ev["type"] == "message_created" {
            texts.push(ev["message"]["body"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(
        texts,
        ["dos", "tres", "cuatro"],
        "all three, once each, in order"
    );
}

#[tokio::test]
async fn when_a_dies_b_sends_its_claimed_work_after_the_lease_and_only_once() {
    let Some((a, b)) = cluster().await else {
        return;
    };
    receive(&a.app.state, &customer_message("t-dead", "d0", "hola"))
        .await
        .unwrap();
    let id = a.app.scalar("SELECT MAX(id) FROM conversations").await;
    // The bot's answer to "hola" goes out first, so A's claim below holds only the one send.
    eventually("the bot's answer sent", || async {
        a.app
            .scalar("SELECT COUNT(*) FROM outbox WHERE state = 'pending'")
            .await
            == 0
            && a.app.scalar("SELECT COUNT(*) FROM outbox").await > 0
    })
    .await;
    // A dies holding a send: stored, claimed by A, never sent. (The send is due 2 s from now, so
    // only A's claim, made as of then, can take it before the lease runs out.)
    a.app.stop_workers();
    let due = now_ms() + 2_000;
    let message = a
        .app
        .state
        .store
        .queue_outbound(&app::storage::conversations::NewMessage {
            conversation_id: id,
            channel: app::dto::Channel::Telegram,
            sender: "operator",
            author_id: None,
            body: "lo envía B",
            media_type: None,
            media_url: None,
            platform_message_id: None,
            bot_confidence: None,
            context_used: None,
            delivery_status: Some("sending"),
            created_at: due,
        })
        .await
        .unwrap();
    let claimed = a
        .app
        .state
        .store
        .claim_due_outbox(due, 3_000, 8)
        .await
        .unwrap();
    assert_eq!(
        claimed.iter().map(|c| c.message_id).collect::<Vec<_>>(),
        [message]
    );
    let sent = || async {
        a.telegram
            .requests()
            .iter()
            .filter(|r| r.json.to_string().contains("lo envía B"))
            .count()
    };
    // Looked at until just before the lease runs out (A's claim is good until `due` + 3 s); a
    // slow machine that wakes later checks what it can.
    let lease_end = due + 3_000;
    loop {
        let n = sent().await;
        if now_ms() >= lease_end - 200 {
            break;
        }
        assert_eq!(n, 0, "A's claim holds until its lease runs out");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eventually("B sends it after the lease", || async { sent().await == 1 }).await;
    eventually("recorded as sent", || async {
        b.scalar(&format!(
            "SELECT COUNT(*) FROM messages WHERE id = {message} AND delivery_status = 'sent'"
        ))
        .await
            == 1
    })
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let n = sent().await;
    if n != 1 {
        // What the outbox says of it, for the failure's message.
        let outbox = b
            .column(&format!(
                "SELECT attempts FROM outbox WHERE message_id = {message} UNION ALL \
                 SELECT CASE WHEN state = 'done' THEN 1 ELSE 0 END FROM outbox WHERE message_id = {message}"
            ))
            .await;
        panic!("sent {n} times, not once (outbox attempts and done: {outbox:?})");
    }
}

#[tokio::test]
async fn sign_in_limits_are_shared_so_a_second_instance_gives_no_more_guesses() {
    let Some((a, b)) = cluster().await else {
        return;
    };
    a.app.user("ana@x.io", Role::Operator).await;
    let guess = [("email", "ana@x.io"), ("password", "guess guess")];
    // Three wrong guesses on A and two on B: the account's five.
    for (app, n) in [(&a.app, 3), (&b, 2)] {
        for _ in 0..n {
            let r = app.call(&app.client(), "sign_in", &guess).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        }
    }
    for app in [&a.app, &b] {
        let r = app
            .call(
                &app.client(),
                "sign_in",
                &[
                    ("email", "ana@x.io"),
                    ("password", crate::common::TEST_PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "locked on every instance"
        );
    }
}

/// Restarts RabbitMQ itself, so it runs alone: `scripts/test.sh` runs it after the suite
/// (`cargo test --test api -- --ignored cluster::`).
#[tokio::test]
#[ignore = "restarts the shared RabbitMQ; run alone by scripts/test.sh"]
async fn a_broker_restart_loses_nothing_and_sockets_resync() {
    let Some((a, b)) = cluster().await else {
        return;
    };
    let mut ws = operator_socket(&b).await;
    let rabbitmqctl = |arg: &'static str| {
        let ok = std::process::Command::new("rabbitmqctl")
            .arg(arg)
            .status()
            .map(|s| s.success());
        assert_eq!(ok.ok(), Some(true), "rabbitmqctl {arg}");
    };
    /// Starts RabbitMQ again however the test ends (a failed assertion must not leave the
    /// machine's broker stopped for what runs next).
    struct Restart;
    impl Drop for Restart {
        fn drop(&mut self) {
            let _ = std::process::Command::new("rabbitmqctl")
                .arg("start_app")
                .status();
        }
    }
    let _restart = Restart;
    rabbitmqctl("stop_app");
    // While the broker is down, A stores and answers a customer.
    receive(
        &a.app.state,
        &customer_message("t-outage", "x0", "durante la caída"),
    )
    .await
    .unwrap();
    eventually("readyz reports the broker down", || async {
        let r: serde_json::Value = reqwest::get(a.app.url("/readyz"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["broker"] == "disconnected" && r["status"] == "ready"
    })
    .await;
    rabbitmqctl("start_app");
    // B's socket is told to reload what it may have missed, then hears live events again.
    read_until(&mut ws, |e| e["type"] == "resync").await;
    receive(&a.app.state, &customer_message("t-outage", "x1", "después"))
        .await
        .unwrap();
    read_until(&mut ws, |e| {
        e["type"] == "message_created" && e["message"]["body"] == "después"
    })
    .await;
    for text in ["durante la caída", "después"] {
        let n = a
            .app
            .scalar(&format!(
                "SELECT COUNT(*) FROM messages WHERE body = '{text}'"
            ))
            .await;
        assert_eq!(n, 1, "{text} stored once");
    }
    // Each was answered once by the bot.
    eventually("both answered", || async {
        a.telegram
            .requests()
            .iter()
            .filter(|r| r.path.contains("sendMessage"))
            .count()
            >= 2
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let answers = a
        .telegram
        .requests()
        .iter()
        .filter(|r| r.path.contains("sendMessage"))
        .count();
    assert_eq!(answers, 2, "nothing sent twice");
}

/// The real binary with a broker URL whose password RabbitMQ refuses: it keeps serving, says the
/// broker is unreachable, and the password appears in no log line (at debug level) and no answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_broker_password_never_reaches_a_log_line_or_an_answer() {
    const PASSWORD: &str = "Wr0ng-broker-s3cret";
    if broker_url().is_none() {
        return;
    }
    let Some(app) = crate::common::spawn(Db::Postgres).await else {
        return;
    };
    let url = app.database_url().to_string();
    let (port, log_path) = (
        crate::secrets::free_port(),
        std::env::temp_dir().join(format!("baton-broker-{}.log", crate::secrets::free_port())),
    );
    let log = std::fs::File::create(&log_path).unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &url)
        .env(
            "BATON_BROKER_URL",
            format!("amqp://guest:{PASSWORD}@127.0.0.1:5672/%2f"),
        )
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", "../target/site")
        .env("RUST_LOG", "debug")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .stdin(std::process::Stdio::null())
        .spawn()
        .expect("start baton");
    let _child = crate::secrets::Child(child);
    let readyz = format!("http://127.0.0.1:{port}/readyz");
    let mut answer = String::new();
    for _ in 0..300 {
        if let Ok(r) = reqwest::get(&readyz).await {
            answer = r.text().await.unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ready: serde_json::Value = serde_json::from_str(&answer).expect("readyz answers");
    assert_eq!(
        (ready["status"].as_str(), ready["broker"].as_str()),
        (Some("ready"), Some("disconnected"))
    );
    // A few retries' worth of log.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let logged = std::fs::read_to_string(&log_path).unwrap();
    let _ = std::fs::remove_file(&log_path);
    assert!(logged.contains("cannot reach the broker"), "{logged}");
    assert!(!logged.contains(PASSWORD), "the broker password was logged");
    assert!(!answer.contains(PASSWORD));
}
