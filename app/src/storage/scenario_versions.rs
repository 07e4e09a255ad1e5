//! Scenario versions: the published sets, the draft restored from one, and what each version
//! decided.

use super::bot::{dup_name, ScenarioRow};
use super::{with_pool, with_write, Store, StoreError};

/// One published version of the whole scenario set.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    pub id: i64,
    /// A JSON list of `domain::bot::Scenario`.
    pub scenarios: String,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub note: Option<String>,
    pub restored_from: Option<i64>,
    pub published_at: i64,
}

/// A new version to store.
pub struct NewVersion<'a> {
    pub scenarios: &'a str,
    pub author_id: Option<i64>,
    pub note: Option<&'a str>,
    pub restored_from: Option<i64>,
    pub now: i64,
}

const VERSION_SELECT: &str =
    "SELECT v.id, v.scenarios, v.author_id, u.display_name AS author_name, v.note, v.restored_from, \
     v.published_at FROM scenario_versions v LEFT JOIN users u ON u.id = v.author_id";

macro_rules! insert_version_in {
    ($tx:ident, $v:expr) => {{
        let v: &NewVersion<'_> = $v;
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO scenario_versions (scenarios, author_id, note, restored_from, published_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(v.scenarios)
        .bind(v.author_id)
        .bind(v.note)
        .bind(v.restored_from)
        .bind(v.now)
        .fetch_one(&mut *$tx)
        .await?
    }};
}

impl Store {
    /// The live version: the newest one (`None` before anything was published).
    pub async fn live_scenario_version(&self) -> Result<Option<VersionRow>, sqlx::Error> {
        let sql = format!("{VERSION_SELECT} ORDER BY v.id DESC LIMIT 1");
        with_pool!(self, p => sqlx::query_as::<_, VersionRow>(&sql).fetch_optional(p).await)
    }

    pub async fn scenario_version(&self, id: i64) -> Result<Option<VersionRow>, sqlx::Error> {
        let sql = format!("{VERSION_SELECT} WHERE v.id = $1");
        with_pool!(self, p => sqlx::query_as::<_, VersionRow>(&sql).bind(id).fetch_optional(p).await)
    }

    /// The newest `limit` versions, newest first.
    pub async fn scenario_versions(&self, limit: i64) -> Result<Vec<VersionRow>, sqlx::Error> {
        let sql = format!("{VERSION_SELECT} ORDER BY v.id DESC LIMIT $1");
        with_pool!(self, p => sqlx::query_as::<_, VersionRow>(&sql).bind(limit).fetch_all(p).await)
    }

    /// Stores a new version; returns its number.
    pub async fn publish_scenario_version(&self, v: &NewVersion<'_>) -> Result<i64, sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            let id = insert_version_in!(tx, v);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Makes the draft exactly `rows` (ids kept, so later versions compare scenario by scenario)
    /// and publishes `v`, in one transaction.
    pub async fn restore_scenario_version(
        &self,
        rows: &[ScenarioRow],
        v: &NewVersion<'_>,
    ) -> Result<i64, StoreError> {
        let keep = super::id_list(&rows.iter().map(|r| r.id).collect::<Vec<_>>());
        let drop_others = if rows.is_empty() {
            "DELETE FROM scenarios".to_string()
        } else {
            format!("DELETE FROM scenarios WHERE id NOT IN ({keep})")
        };
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query(&drop_others).execute(&mut *tx).await?;
            // Names are unique: park the kept rows' names out of the way first, so a swap of two
            // names does not collide halfway.
            sqlx::query("UPDATE scenarios SET name = '~restoring~' || CAST(id AS TEXT)").execute(&mut *tx).await?;
            for r in rows {
                sqlx::query(
                    "INSERT INTO scenarios (id, name, triggers, response, enabled, priority, channels, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, triggers = excluded.triggers, \
                       response = excluded.response, enabled = excluded.enabled, priority = excluded.priority, \
                       channels = excluded.channels, updated_at = excluded.updated_at")
                    .bind(r.id).bind(&r.name).bind(&r.triggers).bind(&r.response).bind(r.enabled)
                    .bind(r.priority).bind(&r.channels).bind(v.now)
                    .execute(&mut *tx).await.map_err(dup_name)?;
            }
            let id = insert_version_in!(tx, v);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// What version `id` decided: `(outcome, messages, conversations)` per stored outcome, and
    /// the conversations it decided at least one message of.
    pub async fn scenario_version_results(
        &self,
        id: i64,
    ) -> Result<(Vec<(String, i64, i64)>, i64), sqlx::Error> {
        with_pool!(self, p => {
            let rows = sqlx::query_as::<_, (String, i64, i64)>(
                "SELECT bot_outcome, COUNT(*), COUNT(DISTINCT conversation_id) FROM messages \
                 WHERE scenario_version = $1 AND bot_outcome IS NOT NULL GROUP BY bot_outcome ORDER BY bot_outcome")
                .bind(id).fetch_all(p).await?;
            let conversations = sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(DISTINCT conversation_id) FROM messages \
                 WHERE scenario_version = $1 AND bot_outcome IS NOT NULL")
                .bind(id).fetch_one(p).await?;
            Ok((rows, conversations))
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::bot::{Scenario, Trigger};
    use crate::dto::Channel;

    /// A database from before versions, with two scenarios, upgraded: they are version 1.
    #[tokio::test]
    async fn existing_scenarios_become_version_one_on_sqlite() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let ours = 20261207000004;
        let run = |after: bool| {
            super::super::SQLITE_MIGRATIONS
                .migrations
                .iter()
                .filter(move |m| (m.version >= ours) == after && m.version <= ours)
                .map(|m| m.sql.to_string())
                .collect::<Vec<_>>()
        };
        for sql in run(false) {
            sqlx::raw_sql(&sql).execute(&pool).await.unwrap();
        }
        sqlx::raw_sql(
            "INSERT INTO scenarios (id, name, triggers, response, enabled, priority, channels, created_at, updated_at) VALUES \
             (4, 'Hours', '[{\"kind\":\"keywords\",\"value\":[\"horario\"]}]', '9 a 18', TRUE, 10, NULL, 1, 1), \
             (7, 'Web only', '[{\"kind\":\"phrase\",\"value\":\"hi\"}]', 'Hello', FALSE, 0, '[\"web\"]', 1, 1)",
        )
        .execute(&pool)
        .await
        .unwrap();
        for sql in run(true) {
            sqlx::raw_sql(&sql).execute(&pool).await.unwrap();
        }
        let (id, json): (i64, String) =
            sqlx::query_as("SELECT id, scenarios FROM scenario_versions")
                .fetch_one(&pool)
                .await
                .unwrap();
        let set: Vec<Scenario> = serde_json::from_str(&json).unwrap();
        assert_eq!(id, 1);
        assert_eq!(
            set,
            vec![
                Scenario {
                    id: 4,
                    name: "Hours".into(),
                    triggers: vec![Trigger::Keywords(vec!["horario".into()])],
                    response: "9 a 18".into(),
                    enabled: true,
                    priority: 10,
                    channels: vec![],
                },
                Scenario {
                    id: 7,
                    name: "Web only".into(),
                    triggers: vec![Trigger::Phrase("hi".into())],
                    response: "Hello".into(),
                    enabled: false,
                    priority: 0,
                    channels: vec![Channel::Web],
                },
            ]
        );
    }
}
