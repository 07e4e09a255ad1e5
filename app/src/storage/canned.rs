//! Canned replies: shared ones (`owner_id` NULL) and each operator's own.

use super::{is_unique_violation, with_pool, with_write, Store, StoreError};
use crate::dto::CannedReply;

#[derive(sqlx::FromRow)]
struct CannedRow {
    id: i64,
    owner_id: Option<i64>,
    shortcut: String,
    body: String,
}

impl CannedRow {
    fn into_dto(self) -> CannedReply {
        CannedReply {
            id: self.id,
            shared: self.owner_id.is_none(),
            shortcut: self.shortcut,
            body: self.body,
        }
    }
}

fn duplicate(e: sqlx::Error) -> StoreError {
    if is_unique_violation(&e) {
        StoreError::Duplicate("shortcut")
    } else {
        StoreError::Db(e)
    }
}

impl Store {
    /// The replies `owner` keeps (`None`: the shared ones), by shortcut.
    pub async fn canned_of(&self, owner: Option<i64>) -> Result<Vec<CannedReply>, sqlx::Error> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, CannedRow>(
            "SELECT id, owner_id, shortcut, body FROM canned_replies \
             WHERE owner_id IS NOT DISTINCT FROM $1 ORDER BY shortcut, id")
            .bind(owner).fetch_all(p).await)?;
        Ok(rows.into_iter().map(CannedRow::into_dto).collect())
    }

    /// What `user` can use in the composer: their own replies, then the shared ones.
    pub async fn canned_for(&self, user: i64) -> Result<Vec<CannedReply>, sqlx::Error> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, CannedRow>(
            "SELECT id, owner_id, shortcut, body FROM canned_replies \
             WHERE owner_id = $1 OR owner_id IS NULL \
             ORDER BY CASE WHEN owner_id IS NULL THEN 1 ELSE 0 END, shortcut, id")
            .bind(user).fetch_all(p).await)?;
        Ok(rows.into_iter().map(CannedRow::into_dto).collect())
    }

    /// Reply `id` with its owner (`None`: shared), or `None` when there is no such reply.
    pub async fn canned(&self, id: i64) -> Result<Option<(Option<i64>, CannedReply)>, sqlx::Error> {
        let row = with_pool!(self, p => sqlx::query_as::<_, CannedRow>(
            "SELECT id, owner_id, shortcut, body FROM canned_replies WHERE id = $1")
            .bind(id).fetch_optional(p).await)?;
        Ok(row.map(|r| (r.owner_id, r.into_dto())))
    }

    /// Adds a reply unless `owner` already keeps `max` of them. `Ok(None)`: the limit was reached.
    pub async fn create_canned(
        &self,
        owner: Option<i64>,
        shortcut: &str,
        body: &str,
        max: i64,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        with_write!(self, p => sqlx::query_scalar::<_, i64>(
            "INSERT INTO canned_replies (owner_id, shortcut, body, created_at, updated_at) \
             SELECT $1, $2, $3, $4, $4 WHERE (SELECT COUNT(*) FROM canned_replies \
               WHERE owner_id IS NOT DISTINCT FROM $1) < $5 RETURNING id")
            .bind(owner).bind(shortcut).bind(body).bind(now).bind(max)
            .fetch_optional(p).await)
        .map_err(duplicate)
    }

    /// Changes reply `id`; false when it is gone.
    pub async fn update_canned(
        &self,
        id: i64,
        shortcut: &str,
        body: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = with_write!(self, p => sqlx::query(
            "UPDATE canned_replies SET shortcut = $1, body = $2, updated_at = $3 WHERE id = $4")
            .bind(shortcut).bind(body).bind(now).bind(id).execute(p).await
            .map(|r| r.rows_affected()))
        .map_err(duplicate)?;
        Ok(done > 0)
    }

    pub async fn delete_canned(&self, id: i64) -> Result<bool, sqlx::Error> {
        let done = with_write!(self, p => sqlx::query("DELETE FROM canned_replies WHERE id = $1")
            .bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }
}
