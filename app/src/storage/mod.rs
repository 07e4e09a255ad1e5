//! All SQL in Baton lives here. One [`Store`] serves SQLite (the embedded default) and PostgreSQL
//! (production) with the same statements: placeholders are `$n`, times are unix milliseconds in
//! BIGINT columns, ids are BIGINT, so each query is written once and run on whichever pool is
//! configured (see [`with_pool!`]). Each backend has its own migrations under `migrations/`.
//!
//! Layout: [`users`] (accounts and sessions), [`conversations`] (contacts, conversations, messages,
//! events), [`bot`] (ingestion, the bot's queue, the delivery outbox, scenarios, settings),
//! [`canned`] (canned replies), [`contacts`] (the contact panel), [`chat`] (the console's list and chat pages), [`queue`] (queue state, routing candidates,
//! devices, the notification outbox), [`audit`] (the append-only audit log), [`privacy`] (erasure,
//! export, retention).

pub mod analytics;
pub mod audit;
pub mod bot;
pub mod canned;
pub mod chat;
pub mod contacts;
pub mod conversations;
pub mod csat;
pub mod limits;
pub mod media;
pub mod privacy;
pub mod queue;
pub mod scenario_versions;
pub mod templates;
pub mod users;
pub mod widget;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same body against whichever pool backs the store; `$p` is bound to the concrete pool.
macro_rules! with_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.pool {
            $crate::storage::Pool::Sqlite($p) => $body,
            $crate::storage::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use with_pool;

/// [`with_pool!`] for writes. SQLite has one writer at a time, and a connection that finds the
/// lock taken sleeps in SQLite's busy handler (1 ms, 2 ms, 5 ms, ... up to 100 ms a try), so under
/// load a steady writer (the ingest writer) can starve the others (the bot, an operator's accept).
/// Baton's SQLite writers therefore queue for a fair in-process gate first and find the lock free.
/// PostgreSQL runs writers side by side.
macro_rules! with_write {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.pool {
            $crate::storage::Pool::Sqlite($p) => {
                let _turn = $store.write_gate.lock().await;
                $body
            }
            $crate::storage::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use with_write;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    /// Queue for SQLite's single write lock (see [`with_write!`]).
    write_gate: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// This instance's id, stored on the outbox rows it claims (see [`Store::owned_by`]).
    owner: std::sync::Arc<str>,
}

/// The claim owner of a store no one named (tests, tools).
const DEFAULT_OWNER: &str = "local";

/// The leased outbox tables (see [`Store::claim_due`]).
const LEASED_TABLES: [&str; 2] = ["outbox", "notification_outbox"];

/// Errors a caller may want to tell apart; everything else is a plain database error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a row with this {0} already exists")]
    Duplicate(&'static str),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<StoreError> for crate::error::AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate(what) => {
                use crate::domain::problem::Problem;
                let problem = match what {
                    "email" => Problem::EmailInUse,
                    "name" => Problem::NameInUse,
                    "shortcut" => Problem::ShortcutInUse,
                    _ => Problem::ValueInUse,
                };
                crate::error::AppError::field(what, problem)
            }
            StoreError::Db(e) => e.into(),
        }
    }
}

/// Ids for an `IN (...)` list. Only integers are ever formatted into SQL this way.
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl Store {
    /// Opens (creating if needed) the database named by `url` and runs its migrations.
    /// `sqlite:` / `sqlite://` URLs select SQLite, `postgres://` / `postgresql://` PostgreSQL.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, sqlx::Error> {
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            POSTGRES_MIGRATIONS.run(&pool).await?;
            Store {
                pool: Pool::Postgres(pool),
                write_gate: Default::default(),
                owner: DEFAULT_OWNER.into(),
            }
        } else {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            if let Some(dir) = std::path::Path::new(opts.get_filename()).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
                }
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            SQLITE_MIGRATIONS.run(&pool).await?;
            Store {
                pool: Pool::Sqlite(pool),
                write_gate: Default::default(),
                owner: DEFAULT_OWNER.into(),
            }
        };
        Ok(store)
    }

    /// The same store, claiming outbox rows as `instance` (an id that survives restarts of this
    /// instance, e.g. the host name).
    pub fn owned_by(mut self, instance: &str) -> Self {
        self.owner = instance.into();
        self
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Makes every leased outbox row this instance had claimed due now, for both outboxes; called
    /// at start, before the workers run, so what a killed process was sending is sent again at
    /// once instead of after its lease. Returns how many rows came back.
    pub async fn release_own_claims(&self, now: i64) -> Result<u64, sqlx::Error> {
        let mut released = 0;
        for table in LEASED_TABLES {
            let sql = format!(
                "UPDATE {table} SET next_attempt_at = $1, claimed_by = NULL, updated_at = $1 \
                 WHERE state = 'pending' AND claimed_by = $2"
            );
            released += with_write!(self, p => sqlx::query(&sql)
                .bind(now).bind(&*self.owner).execute(p).await.map(|r| r.rows_affected()))?;
        }
        Ok(released)
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// A trivial round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        with_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))
    }

    /// Claims up to `limit` due rows of a leased outbox table (`outbox`, `notification_outbox`:
    /// `state`, `next_attempt_at`, `attempts`, `updated_at`) by moving their next attempt
    /// `lease_ms` ahead, so a crashed sender's work comes back after the lease, recording this
    /// instance as the claim's owner (a restart releases it at once, see
    /// [`Store::release_own_claims`]), and counting the attempt. The outer conditions are checked again on the row a concurrent claimer left
    /// behind (PostgreSQL re-reads a row it waited for), so two claimers never both take a row.
    pub(crate) async fn claim_due(
        &self,
        table: &'static str,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<i64>, sqlx::Error> {
        let sql = format!(
            "UPDATE {table} SET next_attempt_at = $1, attempts = attempts + 1, updated_at = $2, claimed_by = $4 \
             WHERE state = 'pending' AND next_attempt_at <= $2 AND id IN ( \
               SELECT id FROM {table} WHERE state = 'pending' AND next_attempt_at <= $2 \
               ORDER BY next_attempt_at, id LIMIT $3) \
             RETURNING id"
        );
        with_write!(self, p => sqlx::query_scalar::<_, i64>(&sql)
            .bind(now + lease_ms).bind(now).bind(limit).bind(&*self.owner).fetch_all(p).await)
    }

    pub async fn close(&self) {
        with_pool!(self, p => p.close().await)
    }
}
