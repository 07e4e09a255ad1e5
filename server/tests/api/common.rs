//! Test harness: spawns the real Baton on 127.0.0.1:0 with a fresh database (a temporary SQLite
//! file, or a new PostgreSQL database), and talks to it over HTTP like a browser would.

use app::domain::users::Role;
use app::services::AppState;
use app::storage::users::NewUser;
use rand::Rng;
use server::config::Config;
use std::collections::HashMap;
use std::net::SocketAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub state: AppState,
    pub db: Db,
    /// The running background workers (abort them to simulate a crash).
    pub workers: Vec<tokio::task::JoinHandle<()>>,
    database_url: String,
    inspect: tokio::sync::OnceCell<sqlx::AnyPool>,
    cleanup: Option<std::path::PathBuf>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(p) = self.cleanup.take() {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
            }
        }
    }
}

fn rand_name() -> String {
    let n: u64 = rand::thread_rng().gen();
    format!("{n:016x}")
}

/// The PostgreSQL server to create test databases on, or `None` to skip those tests. In CI a
/// missing server is a failure, never a skip.
fn postgres_admin_url() -> Option<String> {
    let url = std::env::var("BATON_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    if url.is_empty() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but BATON_TEST_POSTGRES_URL is empty: PostgreSQL tests must run in CI");
        }
        eprintln!("notice: PostgreSQL tests skipped (BATON_TEST_POSTGRES_URL is empty)");
        return None;
    }
    Some(url)
}

async fn database_url(db: Db) -> Option<(String, Option<std::path::PathBuf>)> {
    match db {
        Db::Sqlite => {
            let path = std::env::temp_dir().join(format!("baton-test-{}.db", rand_name()));
            Some((format!("sqlite://{}", path.display()), Some(path)))
        }
        Db::Postgres => {
            let admin = postgres_admin_url()?;
            use sqlx::Connection;
            let mut conn = match sqlx::PgConnection::connect(&admin).await {
                Ok(c) => c,
                Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
                    eprintln!("notice: PostgreSQL tests skipped: cannot connect to {admin}: {e}");
                    return None;
                }
                Err(e) => panic!("cannot connect to PostgreSQL at {admin}: {e}"),
            };
            let name = format!("baton_t_{}", rand_name());
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            Some((format!("{base}/{name}"), None))
        }
    }
}

/// Starts Baton on a free port with a fresh database. `None` when the backend is unavailable
/// outside CI (the test then returns early, after printing a notice).
pub async fn spawn(db: Db) -> Option<TestApp> {
    spawn_with(db, &[]).await
}

/// A SQLite Baton deployed at an https origin (`BATON_PUBLIC_URL`), as behind a TLS proxy.
pub async fn spawn_https() -> TestApp {
    spawn_with(
        Db::Sqlite,
        &[("BATON_PUBLIC_URL", "https://baton.example.com")],
    )
    .await
    .expect("sqlite app")
}

pub async fn spawn_with(db: Db, extra: &[(&str, &str)]) -> Option<TestApp> {
    let (url, cleanup) = database_url(db).await?;
    Some(spawn_on(db, url, cleanup, extra).await)
}

async fn spawn_on(
    db: Db,
    url: String,
    cleanup: Option<std::path::PathBuf>,
    extra: &[(&str, &str)],
) -> TestApp {
    let mut env: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), url.clone()),
        ("LEPTOS_SITE_ADDR".into(), "127.0.0.1:0".into()),
        ("LEPTOS_SITE_ROOT".into(), "../target/site".into()),
        ("RUST_LOG".into(), "warn".into()),
        // The local push receivers are plain http on loopback; the SSRF tests turn this off.
        ("BATON_PUSH_ALLOW_INSECURE".into(), "1".into()),
    ]);
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("test config");
    // Warnings and errors show in a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_env_filter("warn")
        .with_test_writer()
        .try_init();
    let built = server::startup::build(&config).await.expect("build app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::startup::serve(listener, built.router));
    TestApp {
        addr,
        state: built.state,
        db,
        workers: built.workers,
        database_url: url,
        inspect: tokio::sync::OnceCell::new(),
        cleanup,
    }
}

/// A cheap, valid argon2id hash of "password-for-tests" so tests can create many accounts fast.
pub const TEST_PASSWORD: &str = "password-for-tests";

impl TestApp {
    /// The database this app runs on (another process can be started on it).
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Waits until the bot has decided every customer message (its rounds also record when
    /// conversations began, for analytics).
    pub async fn decided(&self) {
        crate::mock::eventually("the bot decided every message", || async {
            self.scalar("SELECT COUNT(*) FROM messages WHERE processed = FALSE")
                .await
                == 0
        })
        .await;
    }

    /// Stops the background workers (the bot, deliveries, the queue), as a crash would, or so a
    /// test can play them itself.
    pub fn stop_workers(&self) {
        for w in &self.workers {
            w.abort();
        }
    }

    /// Runs a query returning one integer, straight against the test database: tests check
    /// stored rows with their own SQL, outside the app's storage module.
    pub async fn scalar(&self, sql: &str) -> i64 {
        let pool = self
            .inspect
            .get_or_init(|| async {
                sqlx::any::install_default_drivers();
                sqlx::any::AnyPoolOptions::new()
                    .max_connections(2)
                    .connect(&self.database_url)
                    .await
                    .expect("inspection pool")
            })
            .await;
        let v: Option<i64> = sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql);
        v.unwrap_or(0)
    }

    /// Starts another Baton on this app's database, as after a restart: the same stored data,
    /// fresh in-memory state. (This app keeps running; abort its workers to stop its work.)
    pub async fn restart(&self, extra: &[(&str, &str)]) -> TestApp {
        spawn_on(self.db, self.database_url.clone(), None, extra).await
    }

    /// Runs a statement straight against the test database (tests install faults with it).
    pub async fn exec(&self, sql: &str) {
        self.scalar("SELECT 0").await;
        let pool = self.inspect.get().expect("inspection pool");
        sqlx::raw_sql(sql).execute(pool).await.expect(sql);
    }

    /// Runs a query returning one integer column, straight against the test database.
    pub async fn column(&self, sql: &str) -> Vec<i64> {
        self.scalar("SELECT 0").await;
        let pool = self.inspect.get().expect("inspection pool");
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_all(pool)
            .await
            .expect(sql)
    }

    /// A browser-like client with its own cookie jar.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Creates an account directly in the store (fast: the hash is computed once per process).
    pub async fn user(&self, email: &str, role: Role) -> i64 {
        static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
        let hash = HASH
            .get_or_init(|| async {
                app::services::auth::hash_password(TEST_PASSWORD)
                    .await
                    .unwrap()
            })
            .await;
        self.state
            .store
            .create_user(
                &NewUser {
                    email,
                    display_name: email.split('@').next().unwrap(),
                    password_hash: hash,
                    role,
                    max_conversations: 5,
                },
                app::services::now_ms(),
            )
            .await
            .expect("create user")
            .id
    }

    /// Calls a server function the way the hydrated app does (form-encoded POST).
    pub async fn call(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("origin", format!("http://{}", self.addr))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// A client signed in as a new account with `role`.
    pub async fn signed_in(&self, email: &str, role: Role) -> (reqwest::Client, i64) {
        let id = self.user(email, role).await;
        let c = self.client();
        let r = self
            .call(
                &c,
                "sign_in",
                &[("email", email), ("password", TEST_PASSWORD)],
            )
            .await;
        assert!(r.status().is_success(), "sign in failed: {}", r.status());
        (c, id)
    }
}

/// Declares each test twice, once per database: `name::sqlite` and `name::postgres`, each
/// starting its app with `$spawn(Db)` (an `async fn(Db) -> Option<T>`).
#[macro_export]
macro_rules! both_databases_with {
    ($spawn:path; $(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    let $app = $spawn($crate::common::Db::Sqlite).await.expect("sqlite app");
                    $body
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    let Some($app) = $spawn($crate::common::Db::Postgres).await else { return };
                    $body
                }
            }
        )*
    };
}

/// [`both_databases_with!`] with the plain app.
#[macro_export]
macro_rules! both_databases {
    ($($t:tt)*) => { $crate::both_databases_with!($crate::common::spawn; $($t)*); };
}

/// A client that sends `cookie` (a session from `console::session_cookie`) with every request.
pub fn client_with(cookie: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", cookie.parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Escalates conversation `id` and has `operator` accept it: a conversation a person holds.
pub async fn assign(state: &AppState, id: i64, operator: i64) {
    use app::domain::ownership::{Actor, Transition};
    use app::services::conversations::transition;
    transition(state, id, Transition::Escalate, Some("keyword"))
        .await
        .unwrap();
    let actor = Actor {
        id: operator,
        is_admin: false,
    };
    transition(state, id, Transition::Accept(actor), None)
        .await
        .unwrap();
}

/// A refused server call as a reader of `locale` reads it: the body is the error as data
/// ([`app::error::AppError`]), worded by the interface in each reader's language.
pub async fn refusal_in(r: reqwest::Response, locale: app::i18n::Locale) -> String {
    let body = r.text().await.unwrap();
    let e: app::error::AppError =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("not an error ({e}): {body}"));
    app::text::errors::error(locale, &e)
}

/// [`refusal_in`] English, the default language.
pub async fn refusal(r: reqwest::Response) -> String {
    refusal_in(r, app::i18n::Locale::en).await
}
