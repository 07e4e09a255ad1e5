//! Satisfaction surveys (`csat_surveys`) and the out-of-hours reply's once-a-day mark.

use super::conversations::{insert_message_in, NewMessage};
use super::{with_pool, with_write, Store};

/// Inside an open transaction `$tx`: copies survey `$id` (just recorded) to `analytics_csat`,
/// which keeps its counts after the survey is deleted with its conversation.
macro_rules! record_csat_fact_in {
    ($tx:ident, $id:expr) => {{
        sqlx::query(
            "INSERT INTO analytics_csat (survey_id, created_at, channel, operator_id, status, score) \
             SELECT id, created_at, channel, operator_id, status, score FROM csat_surveys WHERE id = $1",
        )
        .bind($id)
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use record_csat_fact_in;

/// A survey as answering needs it, with the customer it went to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SurveyRow {
    pub id: i64,
    pub conversation_id: i64,
    pub channel: String,
    pub scale: String,
    pub status: String,
    pub score: Option<i64>,
    pub comment: Option<String>,
    pub created_at: i64,
    pub answered_at: Option<i64>,
    /// The customer's id on the channel.
    pub external_id: String,
}

/// A survey to record.
pub struct NewSurvey<'a> {
    pub conversation_id: i64,
    pub operator_id: Option<i64>,
    pub channel: &'a str,
    pub scale: &'a str,
    /// `asked` (with its question message) or `skipped`.
    pub status: &'a str,
    pub now: i64,
}

const SURVEY_SELECT: &str =
    "SELECT s.id, s.conversation_id, s.channel, s.scale, s.status, CAST(s.score AS BIGINT) AS score, \
    s.comment, s.created_at, s.answered_at, ct.external_id FROM csat_surveys s \
    JOIN conversations c ON c.id = s.conversation_id JOIN contacts ct ON ct.id = c.contact_id";

impl Store {
    /// Marks that the customer of `conversation_id` got the out-of-hours reply on local day `day`;
    /// `false` when they already got it that day.
    pub async fn mark_out_of_hours(
        &self,
        conversation_id: i64,
        day: &str,
    ) -> Result<bool, sqlx::Error> {
        with_write!(self, p => {
            let n = sqlx::query("UPDATE conversations SET out_of_hours_day = $1 \
                                 WHERE id = $2 AND (out_of_hours_day IS NULL OR out_of_hours_day <> $1)")
                .bind(day).bind(conversation_id).execute(p).await?.rows_affected();
            Ok(n == 1)
        })
    }

    /// Records a survey; with `question` (status `asked`), stores the question as an outbound
    /// message carrying the survey (`survey_json` is given the new id) and queues it, atomically.
    /// Returns the survey's id and the question's message id.
    pub async fn record_survey(
        &self,
        s: &NewSurvey<'_>,
        question: Option<(&NewMessage<'_>, &(dyn Fn(i64) -> String + Sync))>,
    ) -> Result<(i64, Option<i64>), sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            let id = sqlx::query_scalar::<_, i64>(
                "INSERT INTO csat_surveys (conversation_id, operator_id, channel, scale, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(s.conversation_id).bind(s.operator_id).bind(s.channel).bind(s.scale)
                .bind(s.status).bind(s.now).fetch_one(&mut *tx).await?;
            record_csat_fact_in!(tx, id);
            let mut message_id = None;
            if let Some((m, survey_json)) = question {
                let mid = insert_message_in!(tx, m).ok_or(sqlx::Error::RowNotFound)?;
                sqlx::query("UPDATE messages SET survey = $1 WHERE id = $2")
                    .bind(survey_json(id)).bind(mid).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO outbox (message_id, attempts, next_attempt_at, state, created_at, updated_at) \
                             VALUES ($1, 0, $2, 'pending', $2, $2)")
                    .bind(mid).bind(m.created_at).execute(&mut *tx).await?;
                message_id = Some(mid);
            }
            tx.commit().await?;
            Ok((id, message_id))
        })
    }

    pub async fn survey(&self, id: i64) -> Result<Option<SurveyRow>, sqlx::Error> {
        let sql = format!("{SURVEY_SELECT} WHERE s.id = $1");
        with_pool!(self, p => sqlx::query_as::<_, SurveyRow>(&sql).bind(id).fetch_optional(p).await)
    }

    /// The surveys of a conversation, oldest first.
    pub async fn surveys_of(&self, conversation_id: i64) -> Result<Vec<SurveyRow>, sqlx::Error> {
        let sql = format!("{SURVEY_SELECT} WHERE s.conversation_id = $1 ORDER BY s.id");
        with_pool!(self, p => sqlx::query_as::<_, SurveyRow>(&sql).bind(conversation_id).fetch_all(p).await)
    }

    /// The newest unanswered survey sent to the customer `external_id` on `channel` since `since`.
    pub async fn open_survey_for(
        &self,
        channel: &str,
        external_id: &str,
        since: i64,
    ) -> Result<Option<SurveyRow>, sqlx::Error> {
        let sql = format!(
            "{SURVEY_SELECT} WHERE s.channel = $1 AND ct.external_id = $2 AND ct.channel = $1 \
             AND s.status = 'asked' AND s.created_at >= $3 ORDER BY s.id DESC LIMIT 1"
        );
        with_pool!(self, p => sqlx::query_as::<_, SurveyRow>(&sql)
            .bind(channel).bind(external_id).bind(since).fetch_optional(p).await)
    }

    /// Stores the answer to survey `id` if it is still unanswered, with its history line, in one
    /// transaction. Returns the line's message id, `None` when it was answered already.
    pub async fn answer_survey(
        &self,
        id: i64,
        score: i64,
        comment: Option<&str>,
        now: i64,
        line: (&str, &str),
    ) -> Result<Option<i64>, sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            let conversation = sqlx::query_scalar::<_, i64>(
                "UPDATE csat_surveys SET status = 'answered', score = $1, comment = $2, answered_at = $3 \
                 WHERE id = $4 AND status = 'asked' RETURNING conversation_id")
                .bind(score).bind(comment).bind(now).bind(id).fetch_optional(&mut *tx).await?;
            let Some(conversation) = conversation else {
                return Ok(None);
            };
            sqlx::query("UPDATE analytics_csat SET status = 'answered', score = $1 WHERE survey_id = $2")
                .bind(score).bind(id).execute(&mut *tx).await?;
            let line_id = sqlx::query_scalar::<_, i64>(
                "INSERT INTO messages (conversation_id, channel, sender, body, created_at, system_line) \
                 SELECT id, channel, 'system', $1, $2, $4 FROM conversations WHERE id = $3 RETURNING id")
                .bind(line.0).bind(now).bind(conversation).bind(line.1)
                .fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(Some(line_id))
        })
    }

    /// Adds a comment to an answered survey that has none yet; `false` otherwise.
    pub async fn comment_survey(&self, id: i64, comment: &str) -> Result<bool, sqlx::Error> {
        with_write!(self, p => {
            let n = sqlx::query("UPDATE csat_surveys SET comment = $1 \
                                 WHERE id = $2 AND status = 'answered' AND comment IS NULL")
                .bind(comment).bind(id).execute(p).await?.rows_affected();
            Ok(n == 1)
        })
    }
}
