//! Contacts, conversations, messages and the conversation event log.

use super::{with_pool, with_write, Store};
use crate::domain::ownership::{OwnerState, Ownership};
use crate::dto::{Channel, ConversationSummary};

/// A conversation's ownership as stored, with the version a conditional update must match.
#[derive(Debug, Clone, Copy)]
pub struct OwnershipRow {
    pub ownership: Ownership,
    pub ai_enabled: bool,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct RawOwnership {
    owner: String,
    assignee_id: Option<i64>,
    ai_enabled: bool,
    version: i64,
}

/// A message to store. `platform_message_id` is unique per channel: a redelivery is ignored.
pub struct NewMessage<'a> {
    pub conversation_id: i64,
    pub channel: Channel,
    pub sender: &'a str,
    pub author_id: Option<i64>,
    pub body: &'a str,
    pub media_type: Option<&'a str>,
    pub media_url: Option<&'a str>,
    pub platform_message_id: Option<&'a str>,
    pub bot_confidence: Option<f64>,
    pub context_used: Option<&'a str>,
    pub delivery_status: Option<&'a str>,
    pub created_at: i64,
}

impl<'a> NewMessage<'a> {
    /// A message from the bot to the customer, to be sent (`sending`).
    pub fn bot(conversation_id: i64, channel: Channel, body: &'a str, now: i64) -> Self {
        Self {
            conversation_id,
            channel,
            sender: "bot",
            author_id: None,
            body,
            media_type: None,
            media_url: None,
            platform_message_id: None,
            bot_confidence: None,
            context_used: None,
            delivery_status: Some("sending"),
            created_at: now,
        }
    }
}

/// A state change to apply only if the conversation is still at `expected_version`.
pub struct OwnershipChange<'a> {
    pub conversation_id: i64,
    pub expected_version: i64,
    pub next: Ownership,
    pub ai_enabled: Option<bool>,
    pub event_kind: &'a str,
    pub actor_id: Option<i64>,
    pub target_id: Option<i64>,
    /// Written to the event log ("keyword \"operador\"").
    pub reason: Option<&'a str>,
    /// The escalation reason code kept on the conversation ("keyword"), for escalations only.
    pub escalation: Option<&'a str>,
    /// The external bot's confidence, when it escalated for being unsure (kept for analytics).
    pub confidence: Option<f64>,
    /// The line the chat shows for this change ("Accepted by Ana"), stored as a system message.
    pub history_line: &'a str,
    /// The same line as data (`domain::history::SystemLine` JSON), worded by each reader.
    pub system_line: &'a str,
    /// When the change makes the conversation wait: its queue start (routing, step-0 alerts),
    /// written in the same transaction.
    pub queue: Option<&'a super::queue::QueueWrite>,
    pub now: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct SummaryRow {
    id: i64,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    external_id: String,
    channel: String,
    owner: String,
    assignee_id: Option<i64>,
    assignee_name: Option<String>,
    ai_enabled: bool,
    waiting_since: Option<i64>,
    assigned_at: Option<i64>,
    escalation_reason: Option<String>,
    last_message_at: i64,
    last_message_preview: String,
    last_customer_at: Option<i64>,
}

impl SummaryRow {
    pub(crate) fn into_dto(self) -> ConversationSummary {
        let anonymous = self.contact_name.is_none() && self.contact_phone.is_none();
        let visitor = (anonymous && self.channel == "web")
            .then(|| crate::domain::widget::visitor_handle(&self.external_id));
        let channel = Channel::parse(&self.channel).unwrap_or(Channel::Web);
        ConversationSummary {
            id: self.id,
            reply_window_closes_at: crate::domain::reply_window::closes_at(
                channel,
                self.last_customer_at,
            ),
            contact_name: self.contact_name.or(self.contact_phone).unwrap_or_else(|| {
                // Widget visitors are anonymous: a short, readable handle.
                match &visitor {
                    Some(handle) => format!("Web visitor {handle}"),
                    None => self.external_id.clone(),
                }
            }),
            visitor,
            channel,
            owner: OwnerState::parse(&self.owner).unwrap_or(OwnerState::Bot),
            assignee_id: self.assignee_id,
            assignee_name: self.assignee_name,
            ai_enabled: self.ai_enabled,
            waiting_since: self.waiting_since,
            assigned_at: self.assigned_at,
            escalation_reason: self.escalation_reason,
            last_message_at: self.last_message_at,
            preview: self.last_message_preview,
        }
    }
}

pub(crate) const SUMMARY_SELECT: &str = "SELECT c.id, ct.name AS contact_name, ct.phone AS contact_phone, \
    ct.external_id, c.channel, c.owner, c.assignee_id, u.display_name AS assignee_name, c.ai_enabled, \
    c.waiting_since, c.assigned_at, c.escalation_reason, c.last_message_at, c.last_message_preview, \
    c.last_customer_at FROM conversations c JOIN contacts ct ON ct.id = c.contact_id \
    LEFT JOIN users u ON u.id = c.assignee_id";

/// Inside an open transaction `$tx`: inserts messages `$rows` (`&[(&NewMessage, Option<i64>)]`,
/// not empty, at most one per conversation: each message with its scenario version) in one
/// statement, skipping redelivered platform ids, and moves each stored message's conversation's
/// last-message fields in one more. Evaluates to the stored messages' `(id, conversation id)`.
/// A macro rather than a function so one text serves both backends' transaction types.
macro_rules! insert_messages_in {
    ($tx:ident, $rows:expr) => {{
        let rows: &[(&$crate::storage::conversations::NewMessage<'_>, Option<i64>)] = $rows;
        let mut insert = sqlx::QueryBuilder::new(
            "INSERT INTO messages (conversation_id, channel, sender, author_id, body, media_type, media_url, \
               platform_message_id, bot_confidence, context_used, delivery_status, created_at, scenario_version) ");
        insert.push_values(rows, |mut row, (m, version)| {
            row.push_bind(m.conversation_id).push_bind(m.channel.as_str()).push_bind(m.sender)
                .push_bind(m.author_id).push_bind(m.body).push_bind(m.media_type)
                .push_bind(m.media_url).push_bind(m.platform_message_id)
                .push_bind(m.bot_confidence).push_bind(m.context_used)
                .push_bind(m.delivery_status).push_bind(m.created_at).push_bind(*version);
        });
        insert.push(" ON CONFLICT (channel, platform_message_id) DO NOTHING RETURNING id, conversation_id");
        let stored: Vec<(i64, i64)> = insert.build_query_as().fetch_all(&mut *$tx).await?;
        let landed: std::collections::HashSet<i64> = stored.iter().map(|(_, c)| *c).collect();
        let moved: Vec<_> = rows.iter().filter(|(m, _)| landed.contains(&m.conversation_id)).collect();
        if !moved.is_empty() {
            let mut latest = sqlx::QueryBuilder::new(
                "UPDATE conversations SET last_message_at = v.column2, last_message_preview = v.column3, \
                   updated_at = v.column2 FROM (");
            latest.push_values(moved, |mut row, (m, _)| {
                row.push_bind(m.conversation_id).push_bind(m.created_at)
                    .push_bind($crate::storage::conversations::preview(m.body, m.media_type));
            });
            latest.push(") AS v WHERE conversations.id = v.column1");
            latest.build().execute(&mut *$tx).await?;
        }
        stored
    }};
}
pub(crate) use insert_messages_in;

/// Inside an open transaction `$tx`: inserts message `$m` (skipping a redelivered platform id)
/// and moves the conversation's last-message fields ([`insert_messages_in!`] for one). Evaluates
/// to `Option<i64>`, the new id.
macro_rules! insert_message_in {
    ($tx:ident, $m:expr) => {{
        let m: &$crate::storage::conversations::NewMessage<'_> = $m;
        $crate::storage::conversations::insert_messages_in!($tx, &[(m, None)])
            .first()
            .map(|(id, _)| *id)
    }};
}
pub(crate) use insert_message_in;

/// Inside an open transaction `$tx`: the conditional ownership update plus its event row and
/// history line, and the queue: started (when the change carries a queue write) or left (when the
/// conversation no longer waits; pending alerts are cancelled). Evaluates to `Option<Vec<i64>>`:
/// the history lines' message ids (the ownership line first) when the change applied, `None` when
/// the conversation had moved on.
macro_rules! apply_ownership_in {
    ($tx:ident, $c:expr) => {{
        let c: &$crate::storage::conversations::OwnershipChange<'_> = $c;
        use $crate::domain::ownership::OwnerState;
        let state = c.next.state;
        let waiting_since = (state == OwnerState::Waiting).then_some(c.now);
        let assigned_at = (state == OwnerState::Assigned).then_some(c.now);
        let escalation = if state == OwnerState::Waiting { c.escalation } else { None };
        let before = $crate::storage::analytics::before_change_in!($tx, c.conversation_id);
        let applied = sqlx::query(
            "UPDATE conversations SET owner = $1, assignee_id = $2, \
               waiting_since = CASE WHEN $1 = 'waiting' THEN COALESCE(waiting_since, $3) ELSE NULL END, \
               assigned_at = $4, escalation_reason = CASE WHEN $1 = 'waiting' THEN COALESCE($5, escalation_reason) ELSE NULL END, \
               ai_enabled = COALESCE($6, ai_enabled), version = version + 1, updated_at = $7, \
               closed_at = CASE WHEN $1 = 'closed' THEN $7 ELSE NULL END \
             WHERE id = $8 AND version = $9")
            .bind(state.as_str()).bind(c.next.assignee).bind(waiting_since).bind(assigned_at)
            .bind(escalation).bind(c.ai_enabled).bind(c.now).bind(c.conversation_id).bind(c.expected_version)
            .execute(&mut *$tx).await?.rows_affected() == 1;
        if applied {
            sqlx::query("INSERT INTO conversation_events (conversation_id, kind, actor_id, target_id, reason, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(c.conversation_id).bind(c.event_kind).bind(c.actor_id).bind(c.target_id)
                .bind(c.reason).bind(c.now).execute(&mut *$tx).await?;
            if let Some(b) = &before {
                $crate::storage::analytics::record_change_in!($tx, c, b);
            }
            let mut lines = vec![sqlx::query_scalar::<_, i64>(
                "INSERT INTO messages (conversation_id, channel, sender, body, created_at, system_line) \
                 SELECT id, channel, 'system', $1, $2, $4 FROM conversations WHERE id = $3 RETURNING id")
                .bind(c.history_line).bind(c.now).bind(c.conversation_id).bind(c.system_line)
                .fetch_one(&mut *$tx).await?];
            if state == OwnerState::Waiting {
                if let Some(q) = c.queue {
                    if let Some(more) = $crate::storage::queue::write_queue_in!($tx, q) {
                        lines.extend(more);
                    }
                }
            } else {
                $crate::storage::queue::leave_queue_in!($tx, c.conversation_id, c.now);
            }
            Some(lines)
        } else {
            None
        }
    }};
}
pub(crate) use apply_ownership_in;

/// The conversation list's one-line preview of a message: its text, or `[voice]` and the like
/// for bare media.
pub(crate) fn preview(body: &str, media_type: Option<&str>) -> String {
    if body.is_empty() {
        media_type.map(|t| format!("[{t}]")).unwrap_or_default()
    } else {
        body.chars().take(140).collect()
    }
}

/// Gets or creates a contact by channel identity (`$1` channel, `$2` external id, `$3` name, `$4`
/// phone, `$5` now), keeping a known name and phone, and a name an operator gave them
/// (`name_locked`): one statement, safe under concurrency. A macro so ingest's batch statement on
/// PostgreSQL can embed the same text.
macro_rules! upsert_contact_sql {
    () => {
        $crate::storage::conversations::upsert_contact_sql!("VALUES ($1, $2, $3, $4, $5)", "id")
    };
    // `$rows`: where the new contacts' rows come from (a `VALUES` or a `SELECT`); `$returning`:
    // the columns the upsert returns.
    ($rows:literal, $returning:literal) => {
        concat!(
            "INSERT INTO contacts (channel, external_id, name, phone, created_at) ",
            $rows,
            " ON CONFLICT (channel, external_id) DO UPDATE SET \
             name = CASE WHEN contacts.name_locked THEN contacts.name \
               ELSE COALESCE(excluded.name, contacts.name) END, \
             phone = COALESCE(excluded.phone, contacts.phone) RETURNING ",
            $returning
        )
    };
}
pub(crate) use upsert_contact_sql;
pub(crate) const UPSERT_CONTACT: &str = upsert_contact_sql!();

impl Store {
    /// Gets or creates the contact for a channel identity in one statement (safe under concurrency).
    pub async fn upsert_contact(
        &self,
        channel: Channel,
        external_id: &str,
        name: Option<&str>,
        phone: Option<&str>,
        now: i64,
    ) -> Result<i64, sqlx::Error> {
        with_write!(self, p => sqlx::query_scalar::<_, i64>(UPSERT_CONTACT)
            .bind(channel.as_str()).bind(external_id).bind(name).bind(phone).bind(now)
            .fetch_one(p).await)
    }

    /// Gets or creates the one conversation of a contact, owned by the bot when new.
    pub async fn upsert_conversation(
        &self,
        contact_id: i64,
        channel: Channel,
        now: i64,
    ) -> Result<i64, sqlx::Error> {
        with_write!(self, p => sqlx::query_scalar::<_, i64>(
            "INSERT INTO conversations (contact_id, channel, owner, ai_enabled, version, last_message_at, \
               last_message_preview, created_at, updated_at) \
             VALUES ($1, $2, 'bot', TRUE, 0, $3, '', $3, $3) \
             ON CONFLICT (contact_id) DO UPDATE SET updated_at = conversations.updated_at \
             RETURNING id")
            .bind(contact_id).bind(channel.as_str()).bind(now).fetch_one(p).await)
    }

    /// Records that the customer wrote at `at` (unix ms) unless a later message is known: the
    /// WhatsApp reply window counts from it. Ingestion does this itself; demo data calls it.
    pub async fn customer_wrote(&self, conversation_id: i64, at: i64) -> Result<(), sqlx::Error> {
        with_write!(self, p => sqlx::query(
            "UPDATE conversations SET last_customer_at = $1 WHERE id = $2 \
             AND (last_customer_at IS NULL OR last_customer_at < $1)")
            .bind(at).bind(conversation_id).execute(p).await.map(|_| ()))
    }

    /// Stores a message and moves the conversation's "last message" along, in one transaction.
    /// Returns `None` when the platform message id was already stored (a redelivery).
    pub async fn insert_message(&self, m: &NewMessage<'_>) -> Result<Option<i64>, sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            let id = insert_message_in!(tx, m);
            tx.commit().await?;
            Ok(id)
        })
    }

    pub async fn ownership(
        &self,
        conversation_id: i64,
    ) -> Result<Option<OwnershipRow>, sqlx::Error> {
        let row = with_pool!(self, p => sqlx::query_as::<_, RawOwnership>(
            "SELECT owner, assignee_id, ai_enabled, version FROM conversations WHERE id = $1")
            .bind(conversation_id).fetch_optional(p).await)?;
        Ok(row.map(|r| OwnershipRow {
            ownership: Ownership {
                state: OwnerState::parse(&r.owner).unwrap_or(OwnerState::Bot),
                assignee: r.assignee_id,
            },
            ai_enabled: r.ai_enabled,
            version: r.version,
        }))
    }

    /// Applies an ownership change if, and only if, nobody changed the conversation since it was
    /// read (`version` matches): a conditional update, so of N concurrent accepts exactly one wins.
    /// The event row and history line are written in the same transaction. Returns the history
    /// line's message id, or `None` when the change did not apply.
    pub async fn apply_ownership(
        &self,
        c: &OwnershipChange<'_>,
    ) -> Result<Option<i64>, sqlx::Error> {
        Ok(self
            .apply_ownership_lines(c)
            .await?
            .and_then(|l| l.first().copied()))
    }

    /// [`Store::apply_ownership`], returning every history line written (the ownership line,
    /// then the queue's routing lines).
    pub async fn apply_ownership_lines(
        &self,
        c: &OwnershipChange<'_>,
    ) -> Result<Option<Vec<i64>>, sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            let lines = apply_ownership_in!(tx, c);
            tx.commit().await?;
            Ok(lines)
        })
    }

    pub async fn conversation_summary(
        &self,
        id: i64,
    ) -> Result<Option<ConversationSummary>, sqlx::Error> {
        let sql = format!("{SUMMARY_SELECT} WHERE c.id = $1");
        let row = with_pool!(self, p => sqlx::query_as::<_, SummaryRow>(&sql).bind(id).fetch_optional(p).await)?;
        Ok(row.map(SummaryRow::into_dto))
    }

    /// Several conversations' summaries in one query (those that exist), in id order.
    pub async fn conversation_summaries(
        &self,
        ids: &[i64],
    ) -> Result<Vec<ConversationSummary>, sqlx::Error> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{SUMMARY_SELECT} WHERE c.id IN ({}) ORDER BY c.id",
            super::id_list(ids)
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, SummaryRow>(&sql).fetch_all(p).await)?;
        Ok(rows.into_iter().map(SummaryRow::into_dto).collect())
    }

    /// The oldest `limit` waiting conversations' ids (the app badge counts them).
    pub async fn waiting_ids(&self, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
        with_pool!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT id FROM conversations WHERE owner = 'waiting' ORDER BY waiting_since, id LIMIT $1")
            .bind(limit).fetch_all(p).await)
    }

    /// How many conversations each owner state has.
    pub async fn count_by_owner(&self) -> Result<Vec<(OwnerState, i64)>, sqlx::Error> {
        let rows: Vec<(String, i64)> = with_pool!(self, p => sqlx::query_as(
            "SELECT owner, COUNT(*) FROM conversations GROUP BY owner").fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(o, n)| OwnerState::parse(&o).map(|o| (o, n)))
            .collect())
    }

    /// The last `limit` messages of a conversation, oldest first, as (sender, text): what the
    /// customer and the bot read (history lines and private notes left out).
    pub async fn recent_messages(
        &self,
        conversation_id: i64,
        limit: i64,
    ) -> Result<Vec<(String, String)>, sqlx::Error> {
        with_pool!(self, p => sqlx::query_as::<_, (String, String)>(
            "SELECT sender, body FROM (SELECT id, sender, body FROM messages WHERE conversation_id = $1 \
             AND sender <> 'system' AND note = FALSE ORDER BY id DESC LIMIT $2) recent ORDER BY id")
            .bind(conversation_id).bind(limit).fetch_all(p).await)
    }

    pub async fn count_conversations(&self) -> Result<i64, sqlx::Error> {
        with_pool!(self, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM conversations").fetch_one(p).await)
    }
}
