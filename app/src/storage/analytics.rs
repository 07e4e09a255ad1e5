//! Analytics: the facts written when things happen (inside the transactions that make them
//! happen) and the report's reads. See `domain::analytics` for what each measure counts and
//! `migrations/*/20261207000003_analytics.sql` for the tables.
//!
//! Hooks, all inside an open transaction (macros, so one text serves both backends):
//! - [`before_change_in!`] / [`record_change_in!`]: every ownership change
//!   (`conversations::apply_ownership_in!`, so the services' transitions and the bot's
//!   escalations alike);
//! - [`record_bot_round_in!`] / [`record_bot_replies_in!`] / [`count_hours_in!`]: each bot
//!   round (`Store::finish_bot_turns`): stretches that began, scenario matches, and (the round's
//!   last write) customer messages and bot replies per hour;
//! - [`record_operator_reply_in!`]: an operator's message (`Store::queue_outbound_with`,
//!   `Store::insert_attachment`): the first human reply after a handoff.

use super::{with_pool, Store};
use crate::domain::analytics::{
    Csat, FlowGroup, LowConfidenceRow, Period, ScenarioRow, DAY_MS, HOUR_MS, LOW_CONFIDENCE_ROWS,
};
use crate::dto::Channel;

/// The conversation's fields an ownership change's facts need, read before the change.
#[derive(sqlx::FromRow)]
pub(crate) struct RawBefore {
    pub owner: String,
    pub created_at: i64,
    pub stretch_at: Option<i64>,
    pub stretch_handed: bool,
    pub waiting_since: Option<i64>,
    pub assigned_at: Option<i64>,
    pub reply_due_at: Option<i64>,
}

impl RawBefore {
    pub(crate) fn domain(&self) -> crate::domain::analytics::Before {
        use crate::domain::ownership::OwnerState;
        crate::domain::analytics::Before {
            owner: OwnerState::parse(&self.owner).unwrap_or(OwnerState::Bot),
            created_at: self.created_at,
            stretch_at: self.stretch_at,
            stretch_handed: self.stretch_handed,
            waiting_since: self.waiting_since,
            assigned_at: self.assigned_at,
            reply_due_at: self.reply_due_at,
        }
    }
}

pub(crate) const BEFORE_SELECT: &str = "SELECT owner, created_at, stretch_at, stretch_handed, \
    waiting_since, assigned_at, reply_due_at FROM conversations WHERE id = $1";

/// Inside an open transaction `$tx`: the conversation `$id` as an ownership change finds it
/// (`Option<RawBefore>`).
macro_rules! before_change_in {
    ($tx:ident, $id:expr) => {
        sqlx::query_as::<_, $crate::storage::analytics::RawBefore>(
            $crate::storage::analytics::BEFORE_SELECT,
        )
        .bind($id)
        .fetch_optional(&mut *$tx)
        .await?
    };
}
pub(crate) use before_change_in;

pub(crate) const INSERT_FACT: &str = "INSERT INTO analytics_facts (kind, at, conversation_id, \
    stretch_at, channel, reason, operator_id, confidence, duration_ms, handled_ms, first_handoff) \
    SELECT $1, $2, id, $3, channel, $4, $5, $6, $7, $8, $9 FROM conversations WHERE id = $10";

/// Inside an open transaction `$tx`: appends fact `$f` (`domain::analytics::Fact`) of
/// conversation `$id`.
macro_rules! insert_fact_in {
    ($tx:ident, $id:expr, $f:expr) => {{
        let f: &$crate::domain::analytics::Fact = $f;
        sqlx::query($crate::storage::analytics::INSERT_FACT)
            .bind(f.kind)
            .bind(f.at)
            .bind(f.stretch_at)
            .bind(f.reason.as_deref())
            .bind(f.operator_id)
            .bind(f.confidence)
            .bind(f.duration_ms)
            .bind(f.handled_ms)
            .bind(f.first_handoff)
            .bind($id)
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(crate) use insert_fact_in;

/// Inside an open transaction `$tx`, after ownership change `$c` (`OwnershipChange`) applied to a
/// conversation that was `$before` (`RawBefore`): its facts, the stretch fields, and on a handoff
/// the stretch's earlier scenario matches marked as followed by one.
macro_rules! record_change_in {
    ($tx:ident, $c:expr, $before:expr) => {{
        let c: &$crate::storage::conversations::OwnershipChange<'_> = $c;
        let before: &$crate::storage::analytics::RawBefore = $before;
        let r = $crate::domain::analytics::on_change(
            &before.domain(),
            c.event_kind,
            c.actor_id,
            c.target_id,
            c.escalation,
            c.confidence,
            c.now,
        );
        for f in &r.facts {
            $crate::storage::analytics::insert_fact_in!($tx, c.conversation_id, f);
        }
        sqlx::query(
            "UPDATE conversations SET stretch_at = $1, stretch_handed = $2, reply_due_at = $3 \
             WHERE id = $4",
        )
        .bind(r.stretch_at)
        .bind(r.stretch_handed)
        .bind(r.reply_due_at)
        .bind(c.conversation_id)
        .execute(&mut *$tx)
        .await?;
        if r.handoff {
            sqlx::query(
                "UPDATE analytics_facts SET handoff_after = TRUE WHERE conversation_id = $1 \
                 AND stretch_at = $2 AND kind = 'scenario' AND handoff_after = FALSE",
            )
            .bind(c.conversation_id)
            .bind(r.stretch_at)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}
pub(crate) use record_change_in;

/// Inside an open transaction `$tx`, for a bot round that claimed customer messages of
/// conversations `$conversations` (`&[i64]`, not empty): the stretches that began (threads seen
/// for the first time). The messages are counted per hour by [`count_hours_in!`].
macro_rules! record_bot_round_in {
    ($tx:ident, $conversations:expr) => {{
        let conversations = $crate::storage::id_list($conversations);
        sqlx::query(&format!(
            "INSERT INTO analytics_facts (kind, at, conversation_id, stretch_at, channel) \
             SELECT 'opened', created_at, id, created_at, channel FROM conversations \
             WHERE id IN ({conversations}) AND stretch_at IS NULL"
        ))
        .execute(&mut *$tx)
        .await?;
        sqlx::query(&format!(
            "UPDATE conversations SET stretch_at = created_at \
             WHERE id IN ({conversations}) AND stretch_at IS NULL"
        ))
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use record_bot_round_in;

/// Inside an open transaction `$tx`: the bot replies `$ids` (`&[i64]`, not empty) from a
/// scenario as its matches. The replies are counted per hour by [`count_hours_in!`].
macro_rules! record_bot_replies_in {
    ($tx:ident, $ids:expr) => {{
        let ids: &[i64] = $ids;
        sqlx::query(&format!(
            "INSERT INTO analytics_facts (kind, at, conversation_id, stretch_at, channel, scenario_id) \
             SELECT 'scenario', m.created_at, m.conversation_id, COALESCE(c.stretch_at, c.created_at), \
               m.channel, CAST(SUBSTR(m.context_used, 10) AS BIGINT) \
             FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             WHERE m.id IN ({}) AND m.context_used LIKE 'scenario:%'",
            $crate::storage::id_list(ids)
        ))
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use record_bot_replies_in;

/// Inside an open transaction `$tx`, as its last write: adds the customer messages and bot
/// replies `$ids` (`&[i64]`, not empty) to their hours' counts. An hour's counts are spread over a
/// few rows ([`hour_shard`]), so transactions running side by side mostly write different ones;
/// and the row is written last, so a transaction that does meet another there holds it only until
/// its commit, rather than through the rest of its work (where concurrent escalations queued
/// behind one another, and the webhooks waiting on their conversations behind them).
macro_rules! count_hours_in {
    ($tx:ident, $ids:expr) => {{
        let ids: &[i64] = $ids;
        sqlx::query(&$crate::storage::analytics::count_hours_sql(
            &format!("id IN ({})", $crate::storage::id_list(ids)),
            $crate::storage::analytics::hour_shard(ids),
        ))
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use count_hours_in;

/// How many rows share an hour's counts: more than the bot's transactions that run at once (a
/// round and its escalations, `services::bot::ESCALATIONS_AT_ONCE`).
const HOUR_SHARDS: i64 = 16;

/// The row of its hours that a transaction counting the messages `ids` adds to: by its first
/// message, so transactions running side by side (each with messages of its own, numbered in
/// arrival order) mostly add to different rows.
pub(crate) fn hour_shard(ids: &[i64]) -> i64 {
    ids.iter().min().map_or(0, |id| id.rem_euclid(HOUR_SHARDS))
}

/// Adds the customer messages and bot replies among the messages `rows` selects (an SQL
/// condition on `messages`) to their hours' counts, in the hours' row `shard`.
pub(crate) fn count_hours_sql(rows: &str, shard: i64) -> String {
    format!(
        "INSERT INTO analytics_hours (hour, channel, shard, customer_messages, bot_replies) \
         SELECT created_at / {HOUR_MS}, channel, {shard}, \
           SUM(CASE WHEN sender = 'customer' THEN 1 ELSE 0 END), \
           SUM(CASE WHEN sender = 'bot' THEN 1 ELSE 0 END) \
         FROM messages WHERE {rows} GROUP BY created_at / {HOUR_MS}, channel \
         ON CONFLICT (hour, channel, shard) DO UPDATE SET \
           customer_messages = analytics_hours.customer_messages + excluded.customer_messages, \
           bot_replies = analytics_hours.bot_replies + excluded.bot_replies"
    )
}

/// The conversation's fields an operator's reply needs.
#[derive(sqlx::FromRow)]
pub(crate) struct RawReplyDue {
    pub reply_due_at: Option<i64>,
    pub assigned_at: Option<i64>,
    pub stretch_at: i64,
}

/// Inside an open transaction `$tx`, after storing message `$m` (`NewMessage`): when it is an
/// operator's and a human reply was due, the `first_reply` fact (and the reply is no longer due).
macro_rules! record_operator_reply_in {
    ($tx:ident, $m:expr) => {{
        let m: &$crate::storage::conversations::NewMessage<'_> = $m;
        if let (Some(author), "operator") = (m.author_id, m.sender) {
            let due = sqlx::query_as::<_, $crate::storage::analytics::RawReplyDue>(
                "SELECT reply_due_at, assigned_at, COALESCE(stretch_at, created_at) AS stretch_at \
                 FROM conversations WHERE id = $1 AND reply_due_at IS NOT NULL",
            )
            .bind(m.conversation_id)
            .fetch_optional(&mut *$tx)
            .await?;
            if let Some(d) = due {
                if let Some(f) = $crate::domain::analytics::on_operator_reply(
                    d.reply_due_at,
                    d.assigned_at,
                    d.stretch_at,
                    author,
                    m.created_at,
                ) {
                    $crate::storage::analytics::insert_fact_in!($tx, m.conversation_id, &f);
                }
                sqlx::query("UPDATE conversations SET reply_due_at = NULL WHERE id = $1")
                    .bind(m.conversation_id)
                    .execute(&mut *$tx)
                    .await?;
            }
        }
    }};
}
pub(crate) use record_operator_reply_in;

#[derive(sqlx::FromRow)]
struct RawFlowGroup {
    kind: String,
    operator_id: Option<i64>,
    day: i64,
    count: i64,
    /// JSON arrays of the group's values, `null` where a fact has none.
    durations: String,
    handled: String,
}

/// The numbers of a JSON array of integers and nulls (a group's values, aggregated by the
/// database), without the nulls.
fn json_numbers(json: &str) -> Result<Vec<i64>, sqlx::Error> {
    let values: Vec<Option<i64>> =
        serde_json::from_str(json).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    Ok(values.into_iter().flatten().collect())
}

#[derive(sqlx::FromRow)]
struct RawScenario {
    scenario_id: i64,
    name: Option<String>,
    matches: i64,
    handoffs: i64,
}

#[derive(sqlx::FromRow)]
struct RawCsat {
    operator_id: Option<i64>,
    asked: i64,
    answered: i64,
    positive: i64,
}

/// `AND channel = '<c>'` for a filter (channel names are fixed words, never user text).
fn channel_sql(channel: Option<Channel>) -> String {
    channel
        .map(|c| format!(" AND channel = '{}'", c.as_str()))
        .unwrap_or_default()
}

impl Store {
    /// Stretches that began in `p`, per business day number (`p`'s offset).
    pub async fn analytics_opened_per_day(
        &self,
        p: Period,
        channel: Option<Channel>,
    ) -> Result<Vec<(i64, i64)>, sqlx::Error> {
        let sql = format!(
            "SELECT (at + {off}) / {DAY_MS} AS day, COUNT(*) FROM analytics_facts \
             WHERE kind = 'opened' AND at >= $1 AND at < $2{} GROUP BY (at + {off}) / {DAY_MS}",
            channel_sql(channel),
            off = p.offset
        );
        with_pool!(self, pool => sqlx::query_as::<_, (i64, i64)>(&sql)
            .bind(p.from).bind(p.to).fetch_all(pool).await)
    }

    /// First handoffs of the stretches that began in `p`: per business day of the stretch's start and
    /// reason, `(day, reason, count)`.
    pub async fn analytics_handoffs(
        &self,
        p: Period,
        channel: Option<Channel>,
    ) -> Result<Vec<(i64, String, i64)>, sqlx::Error> {
        let sql = format!(
            "SELECT (stretch_at + {off}) / {DAY_MS} AS day, reason, COUNT(*) FROM analytics_facts \
             WHERE first_handoff AND stretch_at >= $1 AND stretch_at < $2{} \
             GROUP BY (stretch_at + {off}) / {DAY_MS}, reason",
            channel_sql(channel),
            off = p.offset
        );
        with_pool!(self, pool => sqlx::query_as::<_, (i64, Option<String>, i64)>(&sql)
            .bind(p.from).bind(p.to).fetch_all(pool).await)
        .map(|rows| {
            rows.into_iter()
                .map(|(d, r, n)| (d, r.unwrap_or_else(|| "other".into()), n))
                .collect()
        })
    }

    /// Customer messages and bot replies written in `p`.
    pub async fn analytics_messages(
        &self,
        p: Period,
        channel: Option<Channel>,
    ) -> Result<(i64, i64), sqlx::Error> {
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(customer_messages), 0) AS BIGINT), \
               CAST(COALESCE(SUM(bot_replies), 0) AS BIGINT) FROM analytics_hours \
             WHERE hour >= $1 AND hour < $2{}",
            channel_sql(channel)
        );
        with_pool!(self, pool => sqlx::query_as::<_, (i64, i64)>(&sql)
            .bind(p.from / HOUR_MS).bind(p.to / HOUR_MS).fetch_one(pool).await)
    }

    /// The flow facts of `p` (takes, first replies and closes), grouped by kind, operator and
    /// business day, each group with its values: a few hundred rows however long the history.
    pub async fn analytics_flow(
        &self,
        p: Period,
        channel: Option<Channel>,
    ) -> Result<Vec<FlowGroup>, sqlx::Error> {
        let json_array = |column: &str| match self.backend() {
            super::Backend::Sqlite => format!("json_group_array({column})"),
            super::Backend::Postgres => format!("CAST(json_agg({column}) AS TEXT)"),
        };
        let sql = format!(
            "SELECT kind, operator_id, (at + {off}) / {DAY_MS} AS day, COUNT(*) AS count, \
               {} AS durations, {} AS handled FROM analytics_facts \
             WHERE kind IN ('accepted', 'taken_over', 'first_reply', 'closed') \
               AND at >= $1 AND at < $2{} \
             GROUP BY kind, operator_id, (at + {off}) / {DAY_MS}",
            json_array("duration_ms"),
            json_array("handled_ms"),
            channel_sql(channel),
            off = p.offset
        );
        let rows = with_pool!(self, pool => sqlx::query_as::<_, RawFlowGroup>(&sql)
            .bind(p.from).bind(p.to).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|r| {
                Ok(FlowGroup {
                    durations: json_numbers(&r.durations)?,
                    handled: json_numbers(&r.handled)?,
                    kind: r.kind,
                    operator_id: r.operator_id,
                    day: r.day,
                    count: r.count,
                })
            })
            .collect()
    }

    /// Handoffs (escalations and take-overs from the bot) in `p`, per hour number in the
    /// business's time zone (hours since 1970-01-01 plus `p`'s offset): the heatmap's counts.
    pub async fn analytics_handoff_hours(
        &self,
        p: Period,
        channel: Option<Channel>,
    ) -> Result<Vec<(i64, i64)>, sqlx::Error> {
        let sql = format!(
            "SELECT (at + {off}) / {HOUR_MS} AS hour, COUNT(*) FROM analytics_facts \
             WHERE kind IN ('escalated', 'taken_over') AND reason IS NOT NULL \
               AND at >= $1 AND at < $2{} GROUP BY (at + {off}) / {HOUR_MS}",
            channel_sql(channel),
            off = p.offset
        );
        with_pool!(self, pool => sqlx::query_as::<_, (i64, i64)>(&sql)
            .bind(p.from).bind(p.to).fetch_all(pool).await)
    }

    /// Scenario matches in `p` and how many a handoff followed, most matched first.
    pub async fn analytics_scenarios(
        &self,
        p: Period,
        channel: Option<Channel>,
    ) -> Result<Vec<ScenarioRow>, sqlx::Error> {
        let sql = format!(
            "SELECT f.scenario_id, s.name, f.matches, f.handoffs FROM ( \
               SELECT scenario_id, COUNT(*) AS matches, \
                 CAST(SUM(CASE WHEN handoff_after THEN 1 ELSE 0 END) AS BIGINT) AS handoffs \
               FROM analytics_facts WHERE kind = 'scenario' AND at >= $1 AND at < $2{} \
               GROUP BY scenario_id) f \
             LEFT JOIN scenarios s ON s.id = f.scenario_id \
             ORDER BY f.matches DESC, f.scenario_id",
            channel_sql(channel)
        );
        let rows = with_pool!(self, pool => sqlx::query_as::<_, RawScenario>(&sql)
            .bind(p.from).bind(p.to).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|r| ScenarioRow {
                scenario_id: r.scenario_id,
                name: r.name,
                matches: r.matches,
                handoffs: r.handoffs,
            })
            .collect())
    }

    /// Handoffs in `p` because the external bot was unsure, newest first.
    pub async fn analytics_low_confidence(
        &self,
        p: Period,
        channel: Option<Channel>,
    ) -> Result<Vec<LowConfidenceRow>, sqlx::Error> {
        let sql = format!(
            "SELECT at, conversation_id, channel, confidence FROM analytics_facts \
             WHERE kind = 'escalated' AND reason = 'low_confidence' AND at >= $1 AND at < $2{} \
             ORDER BY at DESC, id DESC LIMIT {LOW_CONFIDENCE_ROWS}",
            channel_sql(channel)
        );
        let rows = with_pool!(self, pool => sqlx::query_as::<_, (i64, i64, String, Option<f64>)>(&sql)
            .bind(p.from).bind(p.to).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(
                |(at, conversation_id, channel, confidence)| LowConfidenceRow {
                    at,
                    conversation_id,
                    channel,
                    confidence,
                },
            )
            .collect())
    }

    /// CSAT surveys created in `p`, per operator who handled the conversation.
    pub async fn analytics_csat(
        &self,
        p: Period,
        channel: Option<Channel>,
    ) -> Result<Vec<(Option<i64>, Csat)>, sqlx::Error> {
        let sql = format!(
            "SELECT operator_id, \
               CAST(SUM(CASE WHEN status = 'asked' THEN 1 ELSE 0 END) AS BIGINT) AS asked, \
               CAST(SUM(CASE WHEN status = 'answered' THEN 1 ELSE 0 END) AS BIGINT) AS answered, \
               CAST(SUM(CASE WHEN status = 'answered' AND score >= 4 THEN 1 ELSE 0 END) AS BIGINT) AS positive \
             FROM analytics_csat WHERE created_at >= $1 AND created_at < $2{} GROUP BY operator_id",
            channel_sql(channel)
        );
        let rows = with_pool!(self, pool => sqlx::query_as::<_, RawCsat>(&sql)
            .bind(p.from).bind(p.to).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    r.operator_id,
                    Csat {
                        asked: r.asked,
                        answered: r.answered,
                        positive: r.positive,
                    },
                )
            })
            .collect())
    }

    /// Counts history written outside the services (demo data): a stretch for every thread not
    /// recorded yet, and every customer message and bot reply in its hour.
    pub async fn analytics_count_history(&self) -> Result<(), sqlx::Error> {
        super::with_write!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO analytics_facts (kind, at, conversation_id, stretch_at, channel) \
                         SELECT 'opened', created_at, id, created_at, channel FROM conversations \
                         WHERE stretch_at IS NULL")
                .execute(&mut *tx).await?;
            sqlx::query("UPDATE conversations SET stretch_at = created_at WHERE stretch_at IS NULL")
                .execute(&mut *tx).await?;
            sqlx::query(&count_hours_sql("sender IN ('customer', 'bot')", 0))
                .execute(&mut *tx).await?;
            tx.commit().await
        })
    }

    /// Records a CSAT survey row (the survey feature writes these; tests and demo data use this).
    pub async fn insert_csat_survey(
        &self,
        conversation_id: i64,
        operator_id: Option<i64>,
        status: &str,
        score: Option<i64>,
        at: i64,
    ) -> Result<(), sqlx::Error> {
        super::with_write!(self, pool => {
            let mut tx = pool.begin().await?;
            let id = sqlx::query_scalar::<_, i64>(
                "INSERT INTO csat_surveys (conversation_id, operator_id, channel, scale, status, score, created_at, answered_at) \
                 SELECT id, $2, channel, 'stars', $3, $4, $5, CASE WHEN $3 = 'answered' THEN $5 END \
                 FROM conversations WHERE id = $1 RETURNING id")
                .bind(conversation_id).bind(operator_id).bind(status).bind(score).bind(at)
                .fetch_one(&mut *tx).await?;
            super::csat::record_csat_fact_in!(tx, id);
            tx.commit().await
        })
    }
}
