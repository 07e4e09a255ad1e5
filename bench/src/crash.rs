//! The crash test: nothing lost, nothing sent twice (within 1%), everyone answered soon after a
//! restart. One run:
//!
//! 1. starts a stand-in Graph API that records every reply per phone, and Baton on `DATABASE_URL`;
//! 2. posts one signed WhatsApp message from each of `PHONES` phones over 16 connections;
//! 3. `kill -9`s Baton at a random moment: up to 100 ms after a random number of acknowledged
//!    webhooks (mid-ingest) or of replies sent (mid-reply);
//! 4. restarts it on the same database and, like the platform, redelivers every message that did
//!    not get a 200 until it does;
//! 5. waits until every phone is answered, then checks: each message stored exactly once, every
//!    phone answered, the last first answer within 20 s of the restart, at most 1% answered twice.
//!
//! ```text
//! baton-bench crash BATON_BIN DATABASE_URL PHONES [ingest|reply]
//! ```
//! Prints one JSON line with the measurements; exits 1 when a check fails.

use crate::{body, sign};
use rand::Rng;
use std::collections::HashMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "crash-secret";
const CONNECTIONS: usize = 16;
const FIRST_PHONE: u64 = 573_100_000_000;
/// Goals: every phone answered this soon after the restart, and at most this share twice.
const ANSWER_WITHIN: Duration = Duration::from_secs(20);
const MAX_TWICE: f64 = 0.01;

/// Every reply the stand-in Graph API received: when, per phone.
#[derive(Default)]
struct Replies {
    by_phone: Mutex<HashMap<String, Vec<Instant>>>,
    total: AtomicUsize,
}

async fn graph_api(replies: Arc<Replies>) -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = l.local_addr().unwrap().port();
    let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
        let replies = replies.clone();
        async move {
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let to = v["to"].as_str().unwrap_or_default().to_string();
            let n = replies.total.fetch_add(1, Ordering::SeqCst);
            replies
                .by_phone
                .lock()
                .unwrap()
                .entry(to)
                .or_default()
                .push(Instant::now());
            axum::Json(serde_json::json!({"messages": [{"id": format!("wamid.crashout.{n}")}]}))
        }
    });
    tokio::spawn(async move { axum::serve(l, app).await.expect("graph api") });
    port
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn start_baton(bin: &str, db: &str, port: u16, graph: u16) -> Child {
    Command::new(bin)
        .env("DATABASE_URL", db)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .env("BATON_INSTANCE_ID", "crash-test")
        .env("BATON_WHATSAPP_VERIFY_TOKEN", "v")
        .env("BATON_WHATSAPP_APP_SECRET", SECRET)
        .env("BATON_WHATSAPP_ACCESS_TOKEN", "t")
        .env(
            "BATON_WHATSAPP_API_BASE",
            format!("http://127.0.0.1:{graph}"),
        )
        .stdout(Stdio::null())
        .spawn()
        .expect("start baton")
}

async fn wait_up(client: &reqwest::Client, base: &str) {
    for _ in 0..600 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("Baton did not come up at {base}");
    std::process::exit(1);
}

fn message_id(phone: usize) -> String {
    format!("wamid.crash.{phone}")
}

/// Posts the messages of `phones` over 16 connections; returns those not acknowledged with 200.
/// `acked` counts the 200s as they come.
async fn post_all(base: String, phones: Vec<usize>, acked: Arc<AtomicUsize>) -> Vec<usize> {
    let queue = Arc::new(Mutex::new(phones));
    let failed = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (queue, failed, acked) = (queue.clone(), failed.clone(), acked.clone());
        let url = format!("{base}/webhooks/whatsapp");
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap();
            loop {
                let Some(phone) = queue.lock().unwrap().pop() else {
                    break;
                };
                let b = body(FIRST_PHONE + phone as u64, &message_id(phone), "hola");
                let ok = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("x-hub-signature-256", sign(SECRET, b.as_bytes()))
                    .body(b)
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200);
                if ok {
                    acked.fetch_add(1, Ordering::SeqCst);
                } else {
                    failed.lock().unwrap().push(phone);
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let failed = std::mem::take(&mut *failed.lock().unwrap());
    failed
}

/// (customer messages stored, distinct platform ids, messages the bot has not decided on).
async fn stored(db: &str) -> Result<(i64, i64, i64), sqlx::Error> {
    const SQL: &str = "SELECT COUNT(*), COUNT(DISTINCT platform_message_id), \
        COALESCE(SUM(CASE WHEN processed THEN 0 ELSE 1 END), 0) FROM messages \
        WHERE sender = 'customer' AND platform_message_id LIKE 'wamid.crash.%'";
    if db.starts_with("postgres") {
        let p = sqlx::PgPool::connect(db).await?;
        let r = sqlx::query_as(SQL).fetch_one(&p).await;
        p.close().await;
        r
    } else {
        let p = sqlx::SqlitePool::connect(db).await?;
        let r = sqlx::query_as(SQL).fetch_one(&p).await;
        p.close().await;
        r
    }
}

pub async fn run(bin: String, db: String, phones: usize, phase: String) {
    let replies = Arc::new(Replies::default());
    let graph = graph_api(replies.clone()).await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut baton = start_baton(&bin, &db, port, graph);
    wait_up(&client, &base).await;

    // The kill comes after a random number of acknowledged webhooks, or of replies sent.
    let mid_reply = match phase.as_str() {
        "ingest" => false,
        "reply" => true,
        _ => rand::random(),
    };
    let at = rand::thread_rng().gen_range(1..phones.max(2));
    let acked = Arc::new(AtomicUsize::new(0));
    let load = tokio::spawn(post_all(
        base.clone(),
        (0..phones).rev().collect(),
        acked.clone(),
    ));
    let started = Instant::now();
    loop {
        let progress = if mid_reply {
            replies.total.load(Ordering::SeqCst)
        } else {
            acked.load(Ordering::SeqCst)
        };
        if progress >= at || started.elapsed() > Duration::from_secs(120) {
            break;
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    // ... plus a random moment, so the kill lands anywhere in the ingest writer's or the
    // delivery worker's cycle, not just after a reply went out.
    let jitter = rand::thread_rng().gen_range(0..100);
    tokio::time::sleep(Duration::from_millis(jitter)).await;
    baton.kill().expect("kill -9"); // SIGKILL
    baton.wait().ok();
    let killed_after = started.elapsed();
    let unacked = load.await.unwrap();
    let replies_at_kill = replies.total.load(Ordering::SeqCst);

    let restarted = Instant::now();
    let mut baton = start_baton(&bin, &db, port, graph);
    wait_up(&client, &base).await;
    let up_in = restarted.elapsed();
    // The platform redelivers what did not get a 200, until it does.
    let mut redeliver = unacked.clone();
    for _ in 0..20 {
        if redeliver.is_empty() {
            break;
        }
        redeliver = post_all(base.clone(), redeliver, Arc::new(AtomicUsize::new(0))).await;
    }
    let answered = || replies.by_phone.lock().unwrap().len();
    while answered() < phones && restarted.elapsed() < Duration::from_secs(90) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Late duplicates would show up now.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (rows, distinct, undecided) = stored(&db).await.unwrap_or_else(|e| {
        eprintln!("cannot read the database: {e}");
        std::process::exit(1)
    });
    baton.kill().ok();
    baton.wait().ok();

    let by_phone = replies.by_phone.lock().unwrap();
    let answered = by_phone.len();
    let twice = by_phone.values().filter(|t| t.len() > 1).count();
    let last_answer = by_phone
        .values()
        .filter_map(|t| t.iter().min())
        .max()
        .map(|t| t.saturating_duration_since(restarted))
        .unwrap_or_default();
    let twice_share = twice as f64 / phones as f64;
    let mut failures = Vec::new();
    if rows != phones as i64 || distinct != phones as i64 {
        failures.push(format!(
            "{rows} rows ({distinct} distinct) stored for {phones} messages"
        ));
    }
    if undecided != 0 {
        failures.push(format!("{undecided} messages never decided by the bot"));
    }
    if answered != phones {
        failures.push(format!("{} phones never answered", phones - answered));
    }
    if last_answer > ANSWER_WITHIN {
        failures.push(format!(
            "last answer {:.1} s after the restart",
            last_answer.as_secs_f64()
        ));
    }
    if twice_share > MAX_TWICE {
        failures.push(format!(
            "{:.2}% of phones answered twice",
            twice_share * 100.0
        ));
    }
    println!(
        "{}",
        serde_json::json!({
            "phones": phones,
            "killed": if mid_reply { "mid-reply" } else { "mid-ingest" },
            "killed_after_ms": killed_after.as_millis() as u64,
            "replies_at_kill": replies_at_kill,
            "unacked": unacked.len(),
            "restart_up_ms": up_in.as_millis() as u64,
            "stored": rows,
            "answered": answered,
            "answered_twice": twice,
            "answered_twice_pct": (twice_share * 10_000.0).round() / 100.0,
            "last_answer_after_restart_s": (last_answer.as_secs_f64() * 100.0).round() / 100.0,
            "ok": failures.is_empty(),
            "failures": failures,
        })
    );
    if !failures.is_empty() {
        std::process::exit(1);
    }
}
