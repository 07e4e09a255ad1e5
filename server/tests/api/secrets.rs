//! Secrets never leave the server: the real `baton` binary, its Telegram API pointed at a dead
//! port with a known bot token. The failed sends must not put the token in the log (at debug
//! level), the database file, or any page or answer an admin sees.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "987654:SECRET-bot-token-never-shown";
const TG_SECRET: &str = "tg_secret-1";

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Kills the child when the test ends, however it ends.
pub struct Child(pub std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telegram_token_never_reaches_the_log_the_database_or_a_page() {
    let dir = std::env::temp_dir().join(format!("baton-secrets-{}", free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("baton.db");
    let log_path = dir.join("baton.log");
    let (port, dead) = (free_port(), free_port());
    let log = std::fs::File::create(&log_path).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", "../target/site")
        .env("RUST_LOG", "debug")
        .env("BATON_ADMIN_EMAIL", "admin@x.io")
        .env("BATON_ADMIN_PASSWORD", "a long admin password")
        .env("BATON_TELEGRAM_BOT_TOKEN", TOKEN)
        .env("BATON_TELEGRAM_SECRET_TOKEN", TG_SECRET)
        .env(
            "BATON_TELEGRAM_API_BASE",
            format!("http://127.0.0.1:{dead}"),
        )
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .stdin(Stdio::null())
        .spawn()
        .expect("start baton");
    let mut child = Child(child);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "baton did not start");
        assert!(child.0.try_wait().unwrap().is_none(), "baton exited");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A customer writes; the bot's answer goes to the dead Telegram API and fails.
    let update = include_str!("../fixtures/telegram-text.json");
    let r = http
        .post(format!("{base}/webhooks/telegram"))
        .header("x-telegram-bot-api-secret-token", TG_SECRET)
        .header("content-type", "application/json")
        .body(update)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let error = loop {
        let e: Option<String> = sqlx::query_scalar(
            "SELECT last_error FROM outbox WHERE last_error IS NOT NULL LIMIT 1",
        )
        .fetch_optional(&pool)
        .await
        .unwrap()
        .flatten();
        if let Some(e) = e {
            break e;
        }
        assert!(Instant::now() < deadline, "no failed send recorded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(error.contains("could not connect"), "{error}");
    assert!(!error.contains("987654"), "{error}");
    pool.close().await;

    // Everything an admin sees.
    let r = http
        .post(format!("{base}/api/sign_in"))
        .header("origin", &base)
        .form(&[
            ("email", "admin@x.io"),
            ("password", "a long admin password"),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let id: i64 = {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        let id = sqlx::query_scalar("SELECT id FROM conversations LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        id
    };
    let mut seen = String::new();
    for path in [
        "/monitoring".to_string(),
        "/conversations".to_string(),
        format!("/conversations/{id}"),
        "/settings".to_string(),
    ] {
        let r = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        seen += &r.text().await.unwrap();
    }
    for (endpoint, form) in [
        ("queue/overview", vec![("utc_offset_minutes", "0")]),
        ("conversations/open", vec![("id", &*id.to_string())]),
    ] {
        let r = http
            .post(format!("{base}/api/{endpoint}"))
            .header("origin", &base)
            .form(&form)
            .send()
            .await
            .unwrap();
        seen += &r.text().await.unwrap();
    }
    assert!(seen.contains("Ana"), "the pages show the conversation");
    assert!(!seen.contains("SECRET-bot-token"), "a page shows the token");

    // The database at rest (the file and its write-ahead log), and the log.
    drop(child);
    let mut bytes = Vec::new();
    for suffix in ["", "-wal"] {
        if let Ok(mut f) = std::fs::File::open(format!("{}{suffix}", db.display())) {
            f.read_to_end(&mut bytes).unwrap();
        }
    }
    let needle = b"SECRET-bot-token";
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle),
        "the token is stored in the database"
    );
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("send failed"), "the failure is logged: {log}");
    assert!(!log.contains("SECRET-bot-token"), "the token is in the log");
    let _ = std::fs::remove_dir_all(&dir);
}
