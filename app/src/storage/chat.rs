//! The operator console's reads and writes: the filtered conversation list, chat pages, operator
//! availability and load.

use super::{with_pool, with_write, Store};
use crate::domain::ownership::OwnerState;
use crate::dto::{ConversationSummary, MessageDto, OperatorStatus, Sender};

/// Which rows of one owner group to read.
#[derive(Debug, Clone, Copy)]
pub struct GroupQuery<'a> {
    pub state: OwnerState,
    /// Lower-cased search text: contact name, phone, handle or message text contain it.
    pub search: Option<&'a str>,
    /// Only conversations assigned to this operator.
    pub assignee: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: i64,
    conversation_id: i64,
    sender: String,
    author_name: Option<String>,
    body: String,
    media_type: Option<String>,
    media_url: Option<String>,
    media_id: Option<String>,
    bot_confidence: Option<f64>,
    delivery_status: Option<String>,
    delivery_error: Option<String>,
    delivery_error_kind: Option<String>,
    created_at: i64,
    system_line: Option<String>,
    note: bool,
    media_state: Option<String>,
    media_mime: Option<String>,
    media_name: Option<String>,
    media_size: Option<i64>,
    media_attempts: i64,
    transcript: Option<String>,
    transcript_state: Option<String>,
}

impl MessageRow {
    fn into_dto(self) -> MessageDto {
        let media = super::media::media_dto(
            self.id,
            self.media_type.as_deref(),
            super::media::MediaColumns {
                state: self.media_state.as_deref(),
                mime: self.media_mime,
                name: self.media_name,
                size: self.media_size,
                attempts: self.media_attempts,
                transcript: self.transcript,
                transcript_state: self.transcript_state.as_deref(),
            },
        );
        MessageDto {
            id: self.id,
            conversation_id: self.conversation_id,
            sender: Sender::parse(&self.sender).unwrap_or(Sender::System),
            author_name: self.author_name,
            body: self.body,
            media_type: self.media_type,
            media_url: self.media_url.or(self.media_id),
            bot_confidence: self.bot_confidence,
            delivery_status: self.delivery_status,
            delivery_error: self.delivery_error,
            delivery_error_kind: self
                .delivery_error_kind
                .as_deref()
                .and_then(crate::domain::delivery::FailureKind::parse),
            created_at: self.created_at,
            system_line: self
                .system_line
                .as_deref()
                .and_then(crate::domain::history::SystemLine::from_json),
            note: self.note,
            media,
        }
    }
}

const MESSAGE_SELECT: &str = "SELECT m.id, m.conversation_id, m.sender, u.display_name AS author_name, \
    m.body, m.media_type, m.media_url, m.media_id, m.bot_confidence, m.delivery_status, m.delivery_error, \
    m.delivery_error_kind, m.created_at, m.system_line, m.note, m.media_state, m.media_mime, m.media_name, \
    m.media_size, m.media_attempts, m.transcript, m.transcript_state FROM messages m LEFT JOIN users u ON u.id = m.author_id";

/// `LIKE` pattern for "contains", with the wildcard characters of the text itself escaped.
pub fn contains_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

/// The WHERE clause of a list query, with placeholders numbered from 1: `$1` owner, `$2` search
/// pattern (or NULL), `$3` assignee (or NULL).
const GROUP_WHERE: &str = "c.owner = $1 \
    AND ($2 IS NULL OR LOWER(COALESCE(ct.name, '')) LIKE $2 ESCAPE '\\' \
         OR COALESCE(ct.phone, '') LIKE $2 ESCAPE '\\' OR LOWER(ct.external_id) LIKE $2 ESCAPE '\\' \
         OR c.id IN (SELECT conversation_id FROM messages WHERE LOWER(body) LIKE $2 ESCAPE '\\')) \
    AND ($3 IS NULL OR c.assignee_id = $3)";

#[derive(sqlx::FromRow)]
struct OperatorRow {
    id: i64,
    display_name: String,
    role: String,
    available: bool,
    max_conversations: i64,
    load: i64,
    push_ready: bool,
}

impl Store {
    /// One owner group of the conversation list, in its display order.
    pub async fn conversation_group(
        &self,
        q: &GroupQuery<'_>,
    ) -> Result<Vec<ConversationSummary>, sqlx::Error> {
        let order = match q.state {
            OwnerState::Waiting => "c.waiting_since ASC, c.id ASC",
            OwnerState::Assigned => "c.assigned_at ASC, c.id ASC",
            // The minute first: it is what the index holds (see the migration
            // `recent_without_hot_blocking`); the order is the last message's, newest first.
            OwnerState::Bot | OwnerState::Closed => {
                "c.active_minute DESC, c.last_message_at DESC, c.id DESC"
            }
        };
        let pattern = q.search.map(contains_pattern);
        let sql = format!(
            "{} WHERE {GROUP_WHERE} ORDER BY {order} LIMIT $4 OFFSET $5",
            super::conversations::SUMMARY_SELECT
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, super::conversations::SummaryRow>(&sql)
            .bind(q.state.as_str()).bind(pattern.as_deref()).bind(q.assignee)
            .bind(q.limit).bind(q.offset).fetch_all(p).await)?;
        Ok(rows.into_iter().map(|r| r.into_dto()).collect())
    }

    /// How many conversations of one owner group match a search or assignee filter (the
    /// unfiltered totals come from [`Store::count_by_owner`], which needs no join).
    pub async fn count_group(&self, q: &GroupQuery<'_>) -> Result<i64, sqlx::Error> {
        let pattern = q.search.map(contains_pattern);
        let sql = format!(
            "SELECT COUNT(*) FROM conversations c JOIN contacts ct ON ct.id = c.contact_id WHERE {GROUP_WHERE}"
        );
        with_pool!(self, p => sqlx::query_scalar::<_, i64>(&sql)
            .bind(q.state.as_str()).bind(pattern.as_deref()).bind(q.assignee)
            .fetch_one(p).await)
    }

    /// Up to `limit` messages before message `before` (or the newest), oldest first, and whether
    /// there are earlier ones.
    pub async fn message_page(
        &self,
        conversation_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> Result<(Vec<MessageDto>, bool), sqlx::Error> {
        let sql = format!(
            "{MESSAGE_SELECT} WHERE m.conversation_id = $1 AND m.id < $2 ORDER BY m.id DESC LIMIT $3"
        );
        let mut rows = with_pool!(self, p => sqlx::query_as::<_, MessageRow>(&sql)
            .bind(conversation_id).bind(before.unwrap_or(i64::MAX)).bind(limit + 1)
            .fetch_all(p).await)?;
        let has_earlier = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        rows.reverse();
        Ok((
            rows.into_iter().map(MessageRow::into_dto).collect(),
            has_earlier,
        ))
    }

    /// The messages of a conversation written from `start` to `end` (unix ms), oldest first, at
    /// most `limit`: one earlier conversation of the thread, as the contact panel opens it.
    pub async fn messages_between(
        &self,
        conversation_id: i64,
        start: i64,
        end: i64,
        limit: i64,
    ) -> Result<Vec<MessageDto>, sqlx::Error> {
        let sql = format!(
            "{MESSAGE_SELECT} WHERE m.conversation_id = $1 AND m.created_at >= $2 AND m.created_at <= $3 \
             ORDER BY m.id LIMIT $4"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, MessageRow>(&sql)
            .bind(conversation_id).bind(start).bind(end).bind(limit)
            .fetch_all(p).await)?;
        Ok(rows.into_iter().map(MessageRow::into_dto).collect())
    }

    pub async fn message(&self, id: i64) -> Result<Option<MessageDto>, sqlx::Error> {
        let sql = format!("{MESSAGE_SELECT} WHERE m.id = $1");
        let row = with_pool!(self, p => sqlx::query_as::<_, MessageRow>(&sql)
            .bind(id).fetch_optional(p).await)?;
        Ok(row.map(MessageRow::into_dto))
    }

    /// A private note by `author_id` in conversation `conversation_id`: stored with no outbox row
    /// (it never reaches the customer) and without moving the conversation's last message, with
    /// one `mention` notification per device of each person in `mentioned`, in one transaction.
    /// `None` when there is no such conversation.
    pub async fn insert_note(
        &self,
        conversation_id: i64,
        author_id: i64,
        body: &str,
        mentioned: &[i64],
        now: i64,
    ) -> Result<Option<i64>, sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            let id = sqlx::query_scalar::<_, i64>(
                "INSERT INTO messages (conversation_id, channel, sender, author_id, body, note, created_at) \
                 SELECT id, channel, 'operator', $2, $3, TRUE, $4 FROM conversations WHERE id = $1 RETURNING id")
                .bind(conversation_id).bind(author_id).bind(body).bind(now)
                .fetch_optional(&mut *tx).await?;
            if let (Some(id), false) = (id, mentioned.is_empty()) {
                let sql = format!(
                    "INSERT INTO notification_outbox (dedup_key, kind, conversation_id, step, user_id, device_id, \
                       reason, state, attempts, next_attempt_at, created_at, updated_at) \
                     SELECT 'mention:' || $1 || ':' || CAST(d.id AS TEXT), 'mention', $2, 0, d.user_id, d.id, $1, \
                       'pending', 0, $3, $3, $3 FROM devices d WHERE d.user_id IN ({})",
                    super::id_list(mentioned)
                );
                sqlx::query(&sql).bind(id.to_string()).bind(conversation_id).bind(now)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Active accounts as (id, display name): whom a note can mention.
    pub async fn active_people(&self) -> Result<Vec<(i64, String)>, sqlx::Error> {
        with_pool!(self, p => sqlx::query_as::<_, (i64, String)>(
            "SELECT id, display_name FROM users WHERE active = TRUE ORDER BY id")
            .fetch_all(p).await)
    }

    /// The contact's phone number, if the channel gave one.
    pub async fn contact_phone(&self, conversation_id: i64) -> Result<Option<String>, sqlx::Error> {
        let phone = with_pool!(self, p => sqlx::query_scalar::<_, Option<String>>(
            "SELECT ct.phone FROM conversations c JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = $1")
            .bind(conversation_id).fetch_optional(p).await)?;
        Ok(phone.flatten())
    }

    /// Switches the bot on or off for one conversation, recording who did it as a history line.
    /// Returns the line's message id, or `None` when the setting already had that value.
    pub async fn set_ai_enabled(
        &self,
        conversation_id: i64,
        on: bool,
        actor_id: i64,
        line: &str,
        system_line: &str,
        now: i64,
    ) -> Result<Option<i64>, sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            let changed = sqlx::query(
                "UPDATE conversations SET ai_enabled = $1, version = version + 1, updated_at = $2 \
                 WHERE id = $3 AND ai_enabled <> $1")
                .bind(on).bind(now).bind(conversation_id).execute(&mut *tx).await?.rows_affected() == 1;
            if !changed {
                tx.rollback().await?;
                return Ok(None);
            }
            sqlx::query("INSERT INTO conversation_events (conversation_id, kind, actor_id, created_at) \
                         VALUES ($1, $2, $3, $4)")
                .bind(conversation_id).bind(if on { "ai_on" } else { "ai_off" }).bind(actor_id).bind(now)
                .execute(&mut *tx).await?;
            let id = sqlx::query_scalar::<_, i64>(
                "INSERT INTO messages (conversation_id, channel, sender, body, created_at, system_line) \
                 SELECT id, channel, 'system', $1, $2, $4 FROM conversations WHERE id = $3 RETURNING id")
                .bind(line).bind(now).bind(conversation_id).bind(system_line).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(Some(id))
        })
    }

    pub async fn set_available(&self, user_id: i64, available: bool) -> Result<(), sqlx::Error> {
        with_write!(self, p => sqlx::query("UPDATE users SET available = $1 WHERE id = $2")
            .bind(available).bind(user_id).execute(p).await.map(|_| ()))
    }

    /// Active accounts with their availability and how many conversations each holds now.
    /// `online` is filled in by the caller from live connections.
    pub async fn operator_statuses(&self) -> Result<Vec<OperatorStatus>, sqlx::Error> {
        let sql = format!(
            "SELECT u.id, u.display_name, u.role, u.available, u.max_conversations, \
               (SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = u.id AND c.owner = 'assigned') AS load, \
               {} AS push_ready \
             FROM users u WHERE u.active = TRUE ORDER BY u.display_name, u.id",
            super::queue::PUSH_READY
        );
        let rows =
            with_pool!(self, p => sqlx::query_as::<_, OperatorRow>(&sql).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|r| OperatorStatus {
                id: r.id,
                display_name: r.display_name,
                role: crate::domain::users::Role::parse(&r.role)
                    .unwrap_or(crate::domain::users::Role::Operator),
                online: false,
                push_ready: r.push_ready,
                available: r.available,
                load: r.load,
                capacity: r.max_conversations,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn search_text_cannot_smuggle_wildcards() {
        assert_eq!(contains_pattern("ana"), "%ana%");
        assert_eq!(contains_pattern("50%_off"), "%50\\%\\_off%");
        assert_eq!(contains_pattern("a\\b"), "%a\\\\b%");
    }
}
