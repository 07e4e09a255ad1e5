//! The contact panel's reads and writes: the contact behind a conversation, the marks of its log
//! that delimit earlier conversations, and what operators write about the contact; and where a
//! customer is for what their app is told besides messages (read marks, typing).

use super::{with_pool, with_write, Store};
use crate::domain::contact::Mark;

/// The contact behind a conversation, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContactRow {
    pub name: Option<String>,
    pub name_locked: bool,
    pub phone: Option<String>,
    pub external_id: String,
    pub channel: String,
    pub notes: String,
    /// When Baton first heard from them.
    pub created_at: i64,
    /// When the conversation thread began.
    pub thread_created_at: i64,
}

/// One earlier conversation's size and first customer words.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct StretchCounts {
    pub messages: i64,
    pub opening: Option<String>,
}

impl Store {
    pub async fn contact_of(
        &self,
        conversation_id: i64,
    ) -> Result<Option<ContactRow>, sqlx::Error> {
        with_pool!(self, p => sqlx::query_as::<_, ContactRow>(
            "SELECT ct.name, ct.name_locked, ct.phone, ct.external_id, ct.channel, ct.notes, \
               ct.created_at, c.created_at AS thread_created_at \
             FROM conversations c JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = $1")
            .bind(conversation_id).fetch_optional(p).await)
    }

    /// The conversation log's closes, reopenings and takers (by name), oldest first.
    pub async fn contact_marks(
        &self,
        conversation_id: i64,
    ) -> Result<Vec<(Mark, i64)>, sqlx::Error> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, (String, Option<String>, i64)>(
            "SELECT e.kind, u.display_name, e.created_at FROM conversation_events e \
             LEFT JOIN users u ON u.id = CASE WHEN e.kind = 'transferred' THEN e.target_id ELSE e.actor_id END \
             WHERE e.conversation_id = $1 \
               AND e.kind IN ('closed', 'reopened', 'accepted', 'taken_over', 'transferred') \
             ORDER BY e.id")
            .bind(conversation_id).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(kind, name, at)| {
                let mark = match kind.as_str() {
                    "closed" => Mark::Closed,
                    "reopened" => Mark::Reopened,
                    _ => Mark::Handled(name?),
                };
                Some((mark, at))
            })
            .collect())
    }

    /// How many messages (not history lines, not notes) one stretch of the thread holds, and the
    /// customer's first words in it.
    pub async fn stretch_counts(
        &self,
        conversation_id: i64,
        start: i64,
        end: i64,
    ) -> Result<StretchCounts, sqlx::Error> {
        with_pool!(self, p => sqlx::query_as::<_, StretchCounts>(
            "SELECT COUNT(*) AS messages, \
               (SELECT o.body FROM messages o WHERE o.conversation_id = $1 AND o.sender = 'customer' \
                  AND o.created_at >= $2 AND o.created_at <= $3 ORDER BY o.id LIMIT 1) AS opening \
             FROM messages m WHERE m.conversation_id = $1 AND m.sender <> 'system' AND m.note = FALSE \
               AND m.created_at >= $2 AND m.created_at <= $3")
            .bind(conversation_id).bind(start).bind(end).fetch_one(p).await)
    }

    /// Saves what operators know about the contact behind a conversation: its name (`locked`: an
    /// operator's, kept when the channel reports another) and notes. False when there is no such
    /// conversation.
    pub async fn save_contact(
        &self,
        conversation_id: i64,
        name: Option<&str>,
        locked: bool,
        notes: &str,
    ) -> Result<bool, sqlx::Error> {
        with_write!(self, p => sqlx::query(
            "UPDATE contacts SET name = $1, name_locked = $2, notes = $3 \
             WHERE id = (SELECT contact_id FROM conversations WHERE id = $4)")
            .bind(name).bind(locked).bind(notes).bind(conversation_id).execute(p).await
            .map(|r| r.rows_affected() == 1))
    }
}

/// Where a conversation's customer is, for what their app is told besides messages (read marks,
/// typing), and who holds the conversation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SignalRow {
    pub channel: String,
    pub external_id: String,
    pub channel_account: Option<String>,
    pub owner: String,
    pub assignee_id: Option<i64>,
    /// The last customer message the customer's app was told is read.
    pub read_through: Option<i64>,
    /// The customer's latest message with a platform id: its id and the platform's.
    pub last_id: Option<i64>,
    pub last_platform_id: Option<String>,
}

impl Store {
    pub async fn signal_target(
        &self,
        conversation_id: i64,
    ) -> Result<Option<SignalRow>, sqlx::Error> {
        with_pool!(self, p => sqlx::query_as::<_, SignalRow>(
            "SELECT c.channel, ct.external_id, c.channel_account, c.owner, c.assignee_id, c.read_through, \
               l.id AS last_id, l.platform_message_id AS last_platform_id \
             FROM conversations c JOIN contacts ct ON ct.id = c.contact_id \
             LEFT JOIN messages l ON l.id = (SELECT m.id FROM messages m WHERE m.conversation_id = c.id \
               AND m.sender = 'customer' AND m.platform_message_id IS NOT NULL ORDER BY m.id DESC LIMIT 1) \
             WHERE c.id = $1")
            .bind(conversation_id).fetch_optional(p).await)
    }

    /// Records that the customer's app was told their messages up to `message_id` are read
    /// (never moving back).
    pub async fn set_read_through(
        &self,
        conversation_id: i64,
        message_id: i64,
    ) -> Result<(), sqlx::Error> {
        with_write!(self, p => sqlx::query(
            "UPDATE conversations SET read_through = $1 WHERE id = $2 \
             AND (read_through IS NULL OR read_through < $1)")
            .bind(message_id).bind(conversation_id).execute(p).await.map(|_| ()))
    }

    /// The conversation of a channel identity, if it has written.
    pub async fn conversation_of(
        &self,
        channel: &str,
        external_id: &str,
    ) -> Result<Option<i64>, sqlx::Error> {
        with_pool!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT c.id FROM conversations c JOIN contacts ct ON ct.id = c.contact_id \
             WHERE ct.channel = $1 AND ct.external_id = $2")
            .bind(channel).bind(external_id).fetch_optional(p).await)
    }
}
