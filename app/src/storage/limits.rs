//! Rate limits kept in the database, so every instance counts against the same window (sign-in
//! attempts): a limit is never multiplied by the number of instances.

use super::{with_write, Store};

/// Serialises the counting of one key across instances (PostgreSQL); SQLite has one writer.
const PG_KEY_LOCK: &str = "SELECT pg_advisory_xact_lock(hashtext($1))";

impl Store {
    /// Counts one event for `key` at `now` when fewer than `max` fall inside the window of
    /// `window_ms` ending then: `Ok(id)` of the counted event (for [`Store::limit_undo`]), or
    /// `Err(ms)` to wait until the oldest leaves the window.
    pub async fn limit_hit(
        &self,
        key: &str,
        now: i64,
        window_ms: i64,
        max: i64,
    ) -> Result<Result<i64, i64>, sqlx::Error> {
        let pg = self.backend() == super::Backend::Postgres;
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            if pg {
                sqlx::query(PG_KEY_LOCK).bind(key).execute(&mut *tx).await?;
            }
            let (count, oldest): (i64, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*), MIN(at) FROM rate_limit_hits WHERE key = $1 AND at > $2")
                .bind(key).bind(now - window_ms).fetch_one(&mut *tx).await?;
            let outcome = match oldest {
                Some(oldest) if count >= max => Err((oldest + window_ms - now).max(1)),
                _ => Ok(sqlx::query_scalar(
                    "INSERT INTO rate_limit_hits (key, at) VALUES ($1, $2) RETURNING id")
                    .bind(key).bind(now).fetch_one(&mut *tx).await?),
            };
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// Takes back one counted event (an attempt that turned out fine).
    pub async fn limit_undo(&self, id: i64) -> Result<(), sqlx::Error> {
        with_write!(self, p => sqlx::query("DELETE FROM rate_limit_hits WHERE id = $1")
            .bind(id).execute(p).await.map(|_| ()))
    }

    /// Forgets every event counted for `key`.
    pub async fn limit_reset(&self, key: &str) -> Result<(), sqlx::Error> {
        with_write!(self, p => sqlx::query("DELETE FROM rate_limit_hits WHERE key = $1")
            .bind(key).execute(p).await.map(|_| ()))
    }

    /// Deletes events counted before `before`, which no window reaches any more.
    pub async fn limit_sweep(&self, before: i64) -> Result<u64, sqlx::Error> {
        with_write!(self, p => sqlx::query("DELETE FROM rate_limit_hits WHERE at < $1")
            .bind(before).execute(p).await.map(|r| r.rows_affected()))
    }
}
