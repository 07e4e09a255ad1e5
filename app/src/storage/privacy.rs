//! Erasure, export and retention: deleting a customer with everything kept about them, reading
//! it all for an export, and the claim that lets one instance a day run the retention job.
//!
//! What a contact owns (every table of `migrations/` keyed by a contact, a conversation or a
//! message), deleted together by [`Store::erase_contacts`]:
//! - `contacts` (the customer: name, phone, notes operators kept),
//! - `widget_visitors` (a web visitor's identity, by `external_id`),
//! - `conversations` (one thread per contact),
//! - `messages` (customer, bot, operator and history lines, private notes, media rows; the media
//!   files are deleted by the caller from the keys returned),
//! - `outbox` (deliveries of those messages),
//! - `conversation_events` (the ownership log),
//! - `queue_state` and `notification_outbox` (queue and alerts for the conversation),
//! - `csat_surveys` (satisfaction requests and answers).
//!
//! Nothing else is touched: accounts, settings, scenarios, the audit log, and any table this
//! module does not name (analytics' aggregates have no key to conversations and stay).

use super::audit::{insert_entry_in, NewEntry};
use super::{id_list, with_pool, with_write, Store};
use serde::Serialize;

/// What an erasure removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erased {
    pub contacts: Vec<i64>,
    pub conversations: Vec<i64>,
    /// The media files of the deleted messages, to delete from the media store.
    pub media_keys: Vec<String>,
}

/// Which of a set of contacts to erase: all of them, or only those whose conversation is still
/// closed and closed before a time (retention: a customer who wrote again meanwhile stays).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Only {
    All,
    ClosedBefore(i64),
}

/// The tables deleted from, children first (by conversation id unless noted).
const OWNED_BY_CONVERSATION: [&str; 5] = [
    "notification_outbox",
    "queue_state",
    "conversation_events",
    "csat_surveys",
    "messages",
];

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ContactExport {
    pub id: i64,
    pub channel: String,
    pub external_id: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub notes: String,
    pub name_locked: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ConversationExport {
    pub id: i64,
    pub channel: String,
    pub owner: String,
    pub ai_enabled: bool,
    pub assignee_id: Option<i64>,
    pub escalation_reason: Option<String>,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub last_message_at: i64,
}

/// A message with its media's metadata (not the file, not its access token).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MessageExport {
    pub id: i64,
    pub sender: String,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub body: String,
    pub note: bool,
    pub created_at: i64,
    pub delivery_status: Option<String>,
    pub media_type: Option<String>,
    pub media_mime: Option<String>,
    pub media_name: Option<String>,
    pub media_size: Option<i64>,
    pub media_state: Option<String>,
    pub transcript: Option<String>,
    pub template: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct EventExport {
    pub id: i64,
    pub kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub target_id: Option<i64>,
    pub reason: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CsatExport {
    pub id: i64,
    pub operator_id: Option<i64>,
    pub channel: String,
    pub scale: String,
    pub status: String,
    pub score: Option<i32>,
    pub comment: Option<String>,
    pub created_at: i64,
    pub answered_at: Option<i64>,
}

/// Everything stored about one contact.
#[derive(Debug, Clone, Serialize)]
pub struct ContactData {
    pub contact: ContactExport,
    pub conversation: Option<ConversationExport>,
    pub messages: Vec<MessageExport>,
    pub history: Vec<EventExport>,
    pub csat: Vec<CsatExport>,
}

impl Store {
    /// The contact behind conversation `conversation_id`.
    pub async fn contact_id_of(&self, conversation_id: i64) -> Result<Option<i64>, sqlx::Error> {
        with_pool!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT contact_id FROM conversations WHERE id = $1")
            .bind(conversation_id).fetch_optional(p).await)
    }

    /// Everything stored about contact `contact_id`, or `None` when there is no such contact.
    pub async fn contact_data(&self, contact_id: i64) -> Result<Option<ContactData>, sqlx::Error> {
        with_pool!(self, p => {
            let Some(contact) = sqlx::query_as::<_, ContactExport>(
                "SELECT id, channel, external_id, name, phone, notes, name_locked, created_at \
                 FROM contacts WHERE id = $1")
                .bind(contact_id).fetch_optional(p).await? else {
                return Ok(None);
            };
            let conversation = sqlx::query_as::<_, ConversationExport>(
                "SELECT id, channel, owner, ai_enabled, assignee_id, escalation_reason, created_at, \
                   closed_at, last_message_at FROM conversations WHERE contact_id = $1")
                .bind(contact_id).fetch_optional(p).await?;
            let id = conversation.as_ref().map(|c| c.id).unwrap_or(-1);
            let messages = sqlx::query_as::<_, MessageExport>(
                "SELECT m.id, m.sender, m.author_id, u.display_name AS author_name, m.body, m.note, \
                   m.created_at, m.delivery_status, m.media_type, m.media_mime, m.media_name, \
                   m.media_size, m.media_state, m.transcript, m.template \
                 FROM messages m LEFT JOIN users u ON u.id = m.author_id \
                 WHERE m.conversation_id = $1 ORDER BY m.id")
                .bind(id).fetch_all(p).await?;
            let history = sqlx::query_as::<_, EventExport>(
                "SELECT e.id, e.kind, e.actor_id, u.display_name AS actor_name, e.target_id, e.reason, \
                   e.created_at FROM conversation_events e LEFT JOIN users u ON u.id = e.actor_id \
                 WHERE e.conversation_id = $1 ORDER BY e.id")
                .bind(id).fetch_all(p).await?;
            let csat = sqlx::query_as::<_, CsatExport>(
                "SELECT id, operator_id, channel, scale, status, score, comment, created_at, answered_at \
                 FROM csat_surveys WHERE conversation_id = $1 ORDER BY id")
                .bind(id).fetch_all(p).await?;
            Ok(Some(ContactData { contact, conversation, messages, history, csat }))
        })
    }

    /// Up to `limit` contacts whose conversation is closed and was closed before `cutoff`.
    pub async fn expired_contacts(&self, cutoff: i64, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
        with_pool!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT contact_id FROM conversations WHERE owner = 'closed' AND closed_at < $1 \
             ORDER BY closed_at, id LIMIT $2")
            .bind(cutoff).bind(limit).fetch_all(p).await)
    }

    /// Deletes contacts `contact_ids` (those `only` allows) and everything they own (see the
    /// module's list) in one transaction, appending `entries` to the audit log in it. Returns
    /// what went, with the media files to delete.
    pub async fn erase_contacts(
        &self,
        contact_ids: &[i64],
        only: Only,
        entries: &[NewEntry<'_>],
    ) -> Result<Erased, sqlx::Error> {
        if contact_ids.is_empty() {
            return Ok(Erased::default());
        }
        let (condition, cutoff) = match only {
            Only::All => ("", 0),
            Only::ClosedBefore(at) => ("AND owner = 'closed' AND closed_at < $1", at),
        };
        // Claims the conversations first (a write: a concurrent ownership change waits, then
        // finds them gone) and learns which they are.
        let claim = format!(
            "UPDATE conversations SET version = version + 1 WHERE contact_id IN ({}) {condition} \
             RETURNING id, contact_id",
            id_list(contact_ids)
        );
        // Contacts without a conversation (never wrote) go too when all are erased.
        let lone = format!(
            "SELECT id FROM contacts WHERE id IN ({}) AND NOT EXISTS \
             (SELECT 1 FROM conversations c WHERE c.contact_id = contacts.id)",
            id_list(contact_ids)
        );
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            let mut claimed = sqlx::query_as::<_, (i64, i64)>(&claim);
            if matches!(only, Only::ClosedBefore(_)) {
                claimed = claimed.bind(cutoff);
            }
            let claimed = claimed.fetch_all(&mut *tx).await?;
            let conversations: Vec<i64> = claimed.iter().map(|(c, _)| *c).collect();
            let mut contacts: Vec<i64> = claimed.iter().map(|(_, ct)| *ct).collect();
            if only == Only::All {
                contacts.extend(sqlx::query_scalar::<_, i64>(&lone).fetch_all(&mut *tx).await?);
            }
            let mut media_keys = Vec::new();
            if !conversations.is_empty() {
                let convs = id_list(&conversations);
                media_keys = sqlx::query_scalar::<_, String>(&format!(
                    "SELECT media_key FROM messages WHERE conversation_id IN ({convs}) AND media_key IS NOT NULL"))
                    .fetch_all(&mut *tx).await?;
                sqlx::query(&format!(
                    "DELETE FROM outbox WHERE message_id IN (SELECT id FROM messages WHERE conversation_id IN ({convs}))"))
                    .execute(&mut *tx).await?;
                for table in OWNED_BY_CONVERSATION {
                    sqlx::query(&format!("DELETE FROM {table} WHERE conversation_id IN ({convs})"))
                        .execute(&mut *tx).await?;
                }
                sqlx::query(&format!("DELETE FROM conversations WHERE id IN ({convs})"))
                    .execute(&mut *tx).await?;
            }
            if !contacts.is_empty() {
                let cts = id_list(&contacts);
                sqlx::query(&format!(
                    "DELETE FROM widget_visitors WHERE external_id IN \
                     (SELECT external_id FROM contacts WHERE id IN ({cts}) AND channel = 'web')"))
                    .execute(&mut *tx).await?;
                sqlx::query(&format!("DELETE FROM contacts WHERE id IN ({cts})"))
                    .execute(&mut *tx).await?;
            }
            for e in entries {
                insert_entry_in!(tx, e)?;
            }
            tx.commit().await?;
            Ok(Erased { contacts, conversations, media_keys })
        })
    }

    /// Claims a daily job's turn for this instance: true (once across every instance) when its
    /// next run, kept in `settings` under `key`, is due at `now`; the next run is then set to
    /// `next`.
    pub async fn claim_turn(&self, key: &str, now: i64, next: i64) -> Result<bool, sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ($1, '0', $2) \
                         ON CONFLICT (key) DO NOTHING")
                .bind(key).bind(now).execute(&mut *tx).await?;
            let claimed = sqlx::query("UPDATE settings SET value = $1, updated_at = $2 \
                                       WHERE key = $3 AND CAST(value AS BIGINT) <= $2")
                .bind(next.to_string()).bind(now).bind(key).execute(&mut *tx).await?
                .rows_affected() == 1;
            tx.commit().await?;
            Ok(claimed)
        })
    }
}
