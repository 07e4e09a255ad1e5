//! Inbound ingestion, the bot's work queue, the delivery outbox, scenarios and settings.

use super::conversations::{
    apply_ownership_in, insert_message_in, insert_messages_in, NewMessage, OwnershipChange,
};
use super::{id_list, is_unique_violation, with_pool, with_write, Pool, Store, StoreError};
use crate::domain::delivery::FailureKind;
use crate::domain::ownership::{OwnerState, Ownership};
use crate::dto::Channel;
use std::collections::HashSet;

/// A customer message as it arrives from a channel, ready to store.
pub struct IncomingRow<'a> {
    pub channel: Channel,
    pub external_id: &'a str,
    pub contact_name: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub account: Option<&'a str>,
    pub platform_message_id: &'a str,
    pub body: &'a str,
    pub media_type: Option<&'a str>,
    pub media_id: Option<&'a str>,
    /// `pending` for a file Baton fetches (due at `now`), else `None`.
    pub media_state: Option<&'a str>,
    pub media_mime: Option<&'a str>,
    pub media_name: Option<&'a str>,
    /// A voice note's transcript: `pending` (the bot waits) or `off`.
    pub transcript_state: Option<&'a str>,
    pub now: i64,
    /// When the customer wrote: the platform's timestamp of the message, else `now` (the
    /// 24-hour reply window counts from it).
    pub customer_at: i64,
    /// Stored as handled already: the bot never reads it (a survey answer).
    pub processed: bool,
}

/// Where a newly stored customer message landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ingested {
    pub conversation_id: i64,
    pub message_id: i64,
}

/// A customer message the bot has not decided on yet.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingMessage {
    pub id: i64,
    pub conversation_id: i64,
    pub body: String,
    pub media_type: Option<String>,
    /// A voice note's transcript (what the bot reads once it is there).
    pub transcript: Option<String>,
    pub transcript_state: Option<String>,
}

/// What the bot needs to know about a conversation to decide.
#[derive(Debug, Clone)]
pub struct BotContext {
    pub channel: Channel,
    pub ownership: Ownership,
    pub ai_enabled: bool,
    pub version: i64,
    pub unmatched_count: i64,
}

#[derive(sqlx::FromRow)]
struct RawBotContext {
    id: i64,
    channel: String,
    owner: String,
    assignee_id: Option<i64>,
    ai_enabled: bool,
    version: i64,
    unmatched_count: i64,
}

/// The outcome of one bot turn: the customer message is marked processed, the no-match counter
/// set, and optionally a reply queued and ownership changed. Written only if the conversation is
/// still at `expected_version` (what the bot decided on) and nobody else processed the message.
pub struct BotTurn<'a> {
    pub message_id: i64,
    pub conversation_id: i64,
    pub expected_version: i64,
    /// The no-match counter as the bot read it (not written again when unchanged).
    pub unmatched_before: i64,
    pub unmatched_count: i64,
    pub reply: Option<NewMessage<'a>>,
    pub ownership: Option<OwnershipChange<'a>>,
    /// The scenario version that decided the turn, stored on the customer message with
    /// `outcome` (`domain::scenario_versions::Outcome`'s label), on the reply and on an
    /// escalation's event.
    pub scenario_version: Option<i64>,
    pub outcome: Option<String>,
}

impl BotTurn<'_> {
    /// Whether the turn writes its conversation's row or speaks in it (a reply, a new no-match
    /// count, an ownership change), so the row must stay at the decided version until it lands.
    fn writes_its_conversation(&self) -> bool {
        self.reply.is_some()
            || self.ownership.is_some()
            || self.unmatched_count != self.unmatched_before
    }
}

/// What became of one bot turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TurnWritten {
    /// Written: the reply's id, and the history lines of an ownership change (the change's own
    /// line first, then the queue's routing lines).
    Done {
        reply_id: Option<i64>,
        line_ids: Vec<i64>,
    },
    /// The conversation changed since the bot read it; nothing was written, decide again.
    Moved,
    /// Another worker already processed this message; nothing was written.
    Taken,
}
/// One outbound message to deliver.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxItem {
    pub outbox_id: i64,
    pub message_id: i64,
    pub conversation_id: i64,
    pub attempts: i64,
    pub channel: String,
    pub recipient: String,
    pub account: Option<String>,
    pub sender: String,
    pub author_name: Option<String>,
    pub body: String,
    /// For a WhatsApp template message: what to send instead of the text
    /// (`domain::templates::TemplateCall` JSON).
    pub template: Option<String>,
    /// A satisfaction survey's question: its buttons (`domain::csat::SurveyAsk` JSON).
    pub survey: Option<String>,
    /// An attachment: its kind (`image`, `document`), where it is stored, its type and name,
    /// and the widget's capability token for it.
    pub media_type: Option<String>,
    pub media_key: Option<String>,
    pub media_mime: Option<String>,
    pub media_name: Option<String>,
    pub media_token: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScenarioRow {
    pub id: i64,
    pub name: String,
    pub triggers: String,
    pub response: String,
    pub enabled: bool,
    pub priority: i64,
    pub channels: Option<String>,
}

/// A scenario to create or replace (triggers and channels already encoded as JSON).
pub struct ScenarioWrite<'a> {
    pub name: &'a str,
    pub triggers: &'a str,
    pub response: &'a str,
    pub enabled: bool,
    pub priority: i64,
    pub channels: Option<&'a str>,
}

/// A message shown to a widget visitor.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TranscriptRow {
    pub id: i64,
    pub sender: String,
    pub body: String,
    pub author_name: Option<String>,
    pub platform_message_id: Option<String>,
    pub created_at: i64,
    /// An attachment the widget may show (an operator's, or the visitor's own upload).
    pub media_type: Option<String>,
    pub media_name: Option<String>,
    pub media_token: Option<String>,
}

/// Delivery states only move forward: a late "sent" never overwrites "read".
fn status_rank(s: &str) -> i64 {
    match s {
        "sending" => 1,
        "sent" => 2,
        "delivered" => 3,
        "read" => 4,
        "failed" => 5,
        _ => 0,
    }
}

const RANK_SQL: &str =
    "CASE COALESCE(delivery_status, '') WHEN 'sending' THEN 1 WHEN 'sent' THEN 2 \
    WHEN 'delivered' THEN 3 WHEN 'read' THEN 4 WHEN 'failed' THEN 5 ELSE 0 END";

/// `WHEN id THEN value` for each pair, to follow `CASE id` in an update by id. Callers pass only
/// numbers and checked labels, so the text is safe to inline.
fn when_cases<V: std::fmt::Display>(pairs: &[(i64, V)]) -> String {
    pairs
        .iter()
        .map(|(id, value)| format!(" WHEN {id} THEN {value}"))
        .collect()
}

/// The claim's extra assignments: each decided message's version and outcome. Only integers
/// and outcome labels (`domain::scenario_versions::Outcome`, checked here) go into the SQL.
fn decided_by(turns: &[BotTurn<'_>]) -> String {
    use crate::domain::scenario_versions::Outcome;
    let decided: Vec<(i64, Option<i64>, String)> = turns
        .iter()
        .filter_map(|t| {
            let o = Outcome::parse(t.outcome.as_deref()?)?;
            Some((t.message_id, t.scenario_version, o.label()))
        })
        .collect();
    if decided.is_empty() {
        return String::new();
    }
    let versions: Vec<(i64, i64)> = decided
        .iter()
        .filter_map(|(id, v, _)| Some((*id, (*v)?)))
        .collect();
    let outcomes: Vec<(i64, String)> = decided
        .iter()
        .map(|(id, _, o)| (*id, format!("'{o}'")))
        .collect();
    let versions = if versions.is_empty() {
        "NULL".to_string()
    } else {
        format!("CASE id{} END", when_cases(&versions))
    };
    format!(
        ", scenario_version = {versions}, bot_outcome = CASE id{} END",
        when_cases(&outcomes)
    )
}

const SCENARIO_COLS: &str = "id, name, triggers, response, enabled, priority, channels";

/// A unique name taken (scenarios; WhatsApp templates, per name and language).
pub(super) fn dup_name(e: sqlx::Error) -> StoreError {
    if is_unique_violation(&e) {
        StoreError::Duplicate("name")
    } else {
        StoreError::Db(e)
    }
}

/// Gets or creates the conversation of contacts coming from `$rows` (a `VALUES` or a `SELECT` of
/// contact id, channel, last message time, preview, account, created, updated, customer time),
/// bumping a known one's last message: the preview and time are the new message's, a known
/// account is kept unless a new one comes, and the customer time is the later of the stored and
/// the new one (a webhook may bring an older message after a newer one; the reply window counts
/// from the newest). One text for both databases' ingest; the caller adds `RETURNING`.
macro_rules! upsert_conversation_sql {
    ($rows:literal) => {
        concat!(
            "INSERT INTO conversations (contact_id, channel, owner, ai_enabled, version, \
               last_message_at, last_message_preview, channel_account, created_at, updated_at, \
               last_customer_at) ",
            $rows,
            " ON CONFLICT (contact_id) DO UPDATE SET last_message_at = excluded.last_message_at, \
               last_message_preview = excluded.last_message_preview, \
               updated_at = excluded.updated_at, \
               channel_account = COALESCE(excluded.channel_account, conversations.channel_account), \
               last_customer_at = CASE WHEN conversations.last_customer_at IS NULL \
                 OR excluded.last_customer_at > conversations.last_customer_at \
               THEN excluded.last_customer_at ELSE conversations.last_customer_at END"
        )
    };
}

/// [`Store::ingest_customer_messages`] on PostgreSQL: a whole batch (contacts, conversations and
/// messages) in one statement, one round trip and one commit. Each parameter is an array with one
/// element per row; `UNNEST ... WITH ORDINALITY` keeps the rows' order, so a conversation's
/// messages get ids in the order they arrived. A platform id already stored (a redelivery)
/// touches nothing, and one repeated within the batch is stored once (its first row). Contacts
/// and conversations are grouped, so each is upserted once per batch, contacts in (channel,
/// external id) order and conversations in contact id order (a steady lock order): the latest
/// row's name, preview and account win, the newest customer time counts. Two
/// batches racing with the same platform id both pass the `NOT EXISTS`; the unique index keeps one
/// message. `$1` channel, `$2` external id, `$3` name, `$4` phone, `$5` now, `$6` preview, `$7`
/// account, `$8` body, `$9` media type, `$10` media id, `$11` platform message id, `$12` when the
/// customer wrote (the platform's time), `$13` media state, `$14` media mime, `$15` media name,
/// `$16` transcript state, `$17` processed.
const INGEST_POSTGRES: &str = concat!(
    "WITH input AS (SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], \
       $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], \
       $12::bigint[], $13::text[], $14::text[], $15::text[], $16::text[], $17::boolean[]) \
       WITH ORDINALITY AS i(channel, external_id, name, phone, now, preview, account, body, \
         media_type, media_id, platform_message_id, customer_at, media_state, media_mime, \
         media_name, transcript_state, processed, ord)), \
     fresh AS (SELECT DISTINCT ON (channel, platform_message_id) * FROM input i \
       WHERE NOT EXISTS (SELECT 1 FROM messages m \
         WHERE m.channel = i.channel AND m.platform_message_id = i.platform_message_id) \
       ORDER BY channel, platform_message_id, ord), \
     ct AS (",
    super::conversations::upsert_contact_sql!(
        "SELECT channel, external_id, \
           (array_agg(name ORDER BY ord DESC) FILTER (WHERE name IS NOT NULL))[1], \
           (array_agg(phone ORDER BY ord DESC) FILTER (WHERE phone IS NOT NULL))[1], min(now) \
         FROM fresh GROUP BY channel, external_id ORDER BY channel, external_id",
        "id, channel, external_id"
    ),
    "), \
     cv AS (",
    upsert_conversation_sql!(
        "SELECT ct.id, ct.channel, 'bot', TRUE, 0, max(f.now), \
           (array_agg(f.preview ORDER BY f.ord DESC))[1], \
           (array_agg(f.account ORDER BY f.ord DESC) FILTER (WHERE f.account IS NOT NULL))[1], \
           min(f.now), max(f.now), max(f.customer_at) \
         FROM fresh f JOIN ct USING (channel, external_id) GROUP BY ct.id, ct.channel \
         ORDER BY ct.id"
    ),
    " RETURNING id, contact_id) \
     INSERT INTO messages (conversation_id, channel, sender, body, media_type, media_id, \
       platform_message_id, processed, created_at, media_state, media_mime, media_name, media_due_at, \
       transcript_state) \
     SELECT cv.id, f.channel, 'customer', f.body, f.media_type, f.media_id, f.platform_message_id, \
       f.processed, f.now, f.media_state, f.media_mime, f.media_name, f.now, f.transcript_state \
     FROM fresh f JOIN ct USING (channel, external_id) JOIN cv ON cv.contact_id = ct.id \
     ORDER BY f.ord \
     ON CONFLICT (channel, platform_message_id) DO NOTHING \
     RETURNING id, conversation_id, channel, platform_message_id"
);

/// SQLite, inside an open transaction: gets or creates the contact and its conversation (bumping
/// its last message) and inserts the customer message unless its platform id is stored already.
/// On `None` the caller decides what to do with the bump.
async fn ingest_row_sqlite(
    tx: &mut sqlx::SqliteConnection,
    m: &IncomingRow<'_>,
) -> Result<Option<Ingested>, sqlx::Error> {
    let preview = super::conversations::preview(m.body, m.media_type);
    let contact = sqlx::query_scalar::<_, i64>(super::conversations::UPSERT_CONTACT)
        .bind(m.channel.as_str())
        .bind(m.external_id)
        .bind(m.contact_name)
        .bind(m.phone)
        .bind(m.now)
        .fetch_one(&mut *tx)
        .await?;
    let conversation = sqlx::query_scalar::<_, i64>(concat!(
        upsert_conversation_sql!("VALUES ($1, $2, 'bot', TRUE, 0, $3, $4, $5, $3, $3, $6)"),
        " RETURNING id"
    ))
    .bind(contact)
    .bind(m.channel.as_str())
    .bind(m.now)
    .bind(&preview)
    .bind(m.account)
    .bind(m.customer_at)
    .fetch_one(&mut *tx)
    .await?;
    let message = sqlx::query_scalar::<_, i64>(
        "INSERT INTO messages (conversation_id, channel, sender, body, media_type, media_id, \
           platform_message_id, processed, created_at, media_state, media_mime, media_name, \
           media_due_at, transcript_state) \
         VALUES ($1, $2, 'customer', $3, $4, $5, $6, $12, $7, $8, $9, $10, $7, $11) \
         ON CONFLICT (channel, platform_message_id) DO NOTHING RETURNING id",
    )
    .bind(conversation)
    .bind(m.channel.as_str())
    .bind(m.body)
    .bind(m.media_type)
    .bind(m.media_id)
    .bind(m.platform_message_id)
    .bind(m.now)
    .bind(m.media_state)
    .bind(m.media_mime)
    .bind(m.media_name)
    .bind(m.transcript_state)
    .bind(m.processed)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(message.map(|message_id| Ingested {
        conversation_id: conversation,
        message_id,
    }))
}

/// [`Store::ingest_customer_messages`] on PostgreSQL: the batch as one statement
/// ([`INGEST_POSTGRES`]); each row's answer is found by its platform id (the first row with an id
/// gets the stored message, a repeat gets `None`).
async fn ingest_postgres(
    p: &sqlx::PgPool,
    rows: &[IncomingRow<'_>],
) -> Result<Vec<Option<Ingested>>, sqlx::Error> {
    fn column<'r, T>(rows: &[IncomingRow<'r>], f: impl Fn(&IncomingRow<'r>) -> T) -> Vec<T> {
        rows.iter().map(f).collect()
    }
    let previews = column(rows, |m| {
        super::conversations::preview(m.body, m.media_type)
    });
    // Planned for each batch, never from a prepared statement's cached generic plan: that plan
    // is costed once, for the table sizes of that moment, and on a database that starts empty and
    // fills up (a new deployment, a burst) it kept checking for redeliveries by reading every
    // stored message, slower with each one until the statistics caught up.
    let stored: Vec<(i64, i64, String, String)> = sqlx::query_as(INGEST_POSTGRES)
        .persistent(false)
        .bind(column(rows, |m| m.channel.as_str()))
        .bind(column(rows, |m| m.external_id))
        .bind(column(rows, |m| m.contact_name))
        .bind(column(rows, |m| m.phone))
        .bind(column(rows, |m| m.now))
        .bind(&previews)
        .bind(column(rows, |m| m.account))
        .bind(column(rows, |m| m.body))
        .bind(column(rows, |m| m.media_type))
        .bind(column(rows, |m| m.media_id))
        .bind(column(rows, |m| m.platform_message_id))
        .bind(column(rows, |m| m.customer_at))
        .bind(column(rows, |m| m.media_state))
        .bind(column(rows, |m| m.media_mime))
        .bind(column(rows, |m| m.media_name))
        .bind(column(rows, |m| m.transcript_state))
        .bind(column(rows, |m| m.processed))
        .fetch_all(p)
        .await?;
    let mut by_id: std::collections::HashMap<(&str, &str), Ingested> = stored
        .iter()
        .map(|(message_id, conversation_id, channel, platform_id)| {
            let at = Ingested {
                conversation_id: *conversation_id,
                message_id: *message_id,
            };
            ((channel.as_str(), platform_id.as_str()), at)
        })
        .collect();
    // `remove`: only a platform id's first row gets the message.
    Ok(rows
        .iter()
        .map(|m| by_id.remove(&(m.channel.as_str(), m.platform_message_id)))
        .collect())
}

/// Sets how hard SQLite syncs this connection's commits (`FULL`: the WAL on every commit;
/// `NORMAL`: at checkpoints, which a power loss may undo).
async fn set_synchronous(
    conn: &mut sqlx::SqliteConnection,
    level: &'static str,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("PRAGMA synchronous = {level}"))
        .execute(conn)
        .await
        .map(|_| ())
}

impl Store {
    /// Whether a platform message id is known to be stored already, answered before ingesting
    /// so a redelivery costs a read rather than a writer's turn (SQLite has one writer). On
    /// PostgreSQL it answers `false` without a query: the ingest statement checks in the same
    /// round trip (see [`INGEST_POSTGRES`]). Either way the unique index is the guarantee.
    pub async fn known_redelivery(
        &self,
        channel: Channel,
        platform_message_id: &str,
    ) -> Result<bool, sqlx::Error> {
        let Pool::Sqlite(p) = &self.pool else {
            return Ok(false);
        };
        sqlx::query_scalar::<_, i64>(
            "SELECT id FROM messages WHERE channel = $1 AND platform_message_id = $2",
        )
        .bind(channel.as_str())
        .bind(platform_message_id)
        .fetch_optional(p)
        .await
        .map(|id| id.is_some())
    }

    /// Stores a customer message with its contact and conversation, atomically. Returns `None`
    /// for a redelivery (the platform id is already stored): the unique index decides, so 32
    /// simultaneous redeliveries store exactly one row. A batch of one (see
    /// [`Self::ingest_customer_messages`], which the group writer calls under load).
    pub async fn ingest_customer_message(
        &self,
        m: &IncomingRow<'_>,
    ) -> Result<Option<Ingested>, sqlx::Error> {
        Ok(self
            .ingest_customer_messages(std::slice::from_ref(m))
            .await?
            .pop()
            .flatten())
    }

    /// Stores several customer messages at once (group commit); one answer per row, as
    /// [`Self::ingest_customer_message`] gives. A platform id repeated within the batch is
    /// stored once (its first row). All or nothing: on an error nothing is stored; a batch of
    /// redeliveries only changes nothing (no conversation's "last message" is bumped).
    ///
    /// Ingestion is the one hot path written per backend. PostgreSQL gets a single statement
    /// for the whole batch ([`INGEST_POSTGRES`]: one round trip, one commit). SQLite, in process,
    /// runs a few statements per row in one transaction.
    ///
    /// The webhook is acknowledged once this returns, so the commit must survive a power loss:
    /// SQLite syncs the WAL for this transaction (`synchronous = FULL`; the pool's other writes
    /// stay at `NORMAL`, synced at checkpoints). PostgreSQL commits durably by default.
    pub async fn ingest_customer_messages(
        &self,
        rows: &[IncomingRow<'_>],
    ) -> Result<Vec<Option<Ingested>>, sqlx::Error> {
        match &self.pool {
            Pool::Postgres(p) => ingest_postgres(p, rows).await,
            Pool::Sqlite(p) => {
                let _turn = self.write_gate.lock().await;
                let mut conn = p.acquire().await?;
                set_synchronous(&mut conn, "FULL").await?;
                let result: Result<_, sqlx::Error> = async {
                    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                    #[cfg(test)]
                    tests::observe_synchronous(&mut tx).await;
                    let mut seen = HashSet::new();
                    let mut out = Vec::with_capacity(rows.len());
                    for m in rows {
                        out.push(if seen.insert((m.channel, m.platform_message_id)) {
                            ingest_row_sqlite(&mut tx, m).await?
                        } else {
                            None
                        });
                    }
                    if out.iter().any(Option::is_some) {
                        tx.commit().await?;
                    } else {
                        tx.rollback().await?;
                    }
                    Ok(out)
                }
                .await;
                if set_synchronous(&mut conn, "NORMAL").await.is_err() {
                    // Still correct, only slower; do not hand it back to the pool.
                    conn.close_on_drop();
                }
                result
            }
        }
    }

    pub async fn pending_customer_messages(
        &self,
        limit: i64,
    ) -> Result<Vec<PendingMessage>, sqlx::Error> {
        with_pool!(self, p => sqlx::query_as::<_, PendingMessage>(
            // A voice note waiting for its transcript holds back its conversation's later messages
            // too, so the bot reads them in order.
            "SELECT id, conversation_id, body, media_type, transcript, transcript_state FROM messages m \
             WHERE processed = FALSE AND NOT EXISTS (SELECT 1 FROM messages w \
               WHERE w.conversation_id = m.conversation_id AND w.processed = FALSE \
                 AND w.transcript_state = 'pending' AND w.id <= m.id) \
             ORDER BY id LIMIT $1")
            .bind(limit).fetch_all(p).await)
    }

    /// The bot's view of several conversations at once, by id.
    pub async fn bot_contexts(
        &self,
        conversation_ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, BotContext>, sqlx::Error> {
        if conversation_ids.is_empty() {
            return Ok(Default::default());
        }
        let sql = format!(
            "SELECT id, channel, owner, assignee_id, ai_enabled, version, unmatched_count \
             FROM conversations WHERE id IN ({})",
            id_list(conversation_ids)
        );
        let rows =
            with_pool!(self, p => sqlx::query_as::<_, RawBotContext>(&sql).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    r.id,
                    BotContext {
                        channel: Channel::parse(&r.channel).unwrap_or(Channel::Web),
                        ownership: Ownership {
                            state: OwnerState::parse(&r.owner).unwrap_or(OwnerState::Bot),
                            assignee: r.assignee_id,
                        },
                        ai_enabled: r.ai_enabled,
                        version: r.version,
                        unmatched_count: r.unmatched_count,
                    },
                )
            })
            .collect())
    }

    /// Writes bot turns, at most one per conversation, in one transaction (one commit for a whole
    /// round of the bot) and says what became of each. In lock order (conversation rows before
    /// message rows, as ingestion does; the other order deadlocks with a concurrent redelivery on
    /// PostgreSQL), and set-based, so a round of silent turns costs two statements:
    /// 1. the guard: each conversation must still be at the version decided on; the rows of turns
    ///    that write them or speak are held from here on, in id order (nothing is written), and
    ///    silent turns' rows are only checked (a silent turn writes nothing the conversation's
    ///    next change could contradict, so it lands as if just before that change);
    /// 2. the claim: the messages go from `processed = FALSE` to `TRUE`, so two workers never both
    ///    answer one;
    /// 3. per landed turn, the ownership change of an escalation (it cannot miss: the row is
    ///    held at that version);
    /// 4. for all landed turns at once: the no-match counters, the replies (one insert, with their
    ///    scenario version), their conversations' latest message, their outbox rows and counts.
    pub async fn finish_bot_turns(
        &self,
        turns: &[BotTurn<'_>],
    ) -> Result<Vec<TurnWritten>, sqlx::Error> {
        if turns.is_empty() {
            return Ok(Vec::new());
        }
        // Only a turn that writes its conversation or speaks in it needs the row held to its
        // commit. A silent turn (a person has the conversation) only marks its message decided:
        // it is checked at its version without a lock, so a round of them never makes the
        // webhooks' ingestion (which updates the same rows) wait for the round's commit.
        let (guarded, checked): (Vec<&BotTurn>, Vec<&BotTurn>) =
            turns.iter().partition(|t| t.writes_its_conversation());
        let at_version = |ts: &[&BotTurn]| {
            let expected: Vec<(i64, i64)> = ts
                .iter()
                .map(|t| (t.conversation_id, t.expected_version))
                .collect();
            let ids: Vec<i64> = expected.iter().map(|(id, _)| *id).collect();
            format!(
                "WHERE id IN ({}) AND version = CASE id{} END",
                id_list(&ids),
                when_cases(&expected)
            )
        };
        // PostgreSQL locks the rows in id order without writing them (and so never deadlocks with
        // another round); SQLite's writer already holds the database, a no-op update will do.
        let guard = (!guarded.is_empty()).then(|| {
            let held_rows = at_version(&guarded);
            match self.backend() {
                super::Backend::Postgres => {
                    format!("SELECT id FROM conversations {held_rows} ORDER BY id FOR UPDATE")
                }
                super::Backend::Sqlite => {
                    format!("UPDATE conversations SET version = version {held_rows} RETURNING id")
                }
            }
        });
        let check = (!checked.is_empty())
            .then(|| format!("SELECT id FROM conversations {}", at_version(&checked)));
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            let mut held = HashSet::new();
            for sql in guard.iter().chain(&check) {
                held.extend(sqlx::query_scalar::<_, i64>(sql).fetch_all(&mut *tx).await?);
            }
            let candidates: Vec<i64> = turns.iter()
                .filter(|t| held.contains(&t.conversation_id)).map(|t| t.message_id).collect();
            let claimed: HashSet<i64> = if candidates.is_empty() {
                HashSet::new()
            } else {
                sqlx::query_scalar::<_, i64>(&format!(
                    "UPDATE messages SET processed = TRUE{} WHERE id IN ({}) AND processed = FALSE RETURNING id",
                    decided_by(turns), id_list(&candidates)))
                    .fetch_all(&mut *tx).await?.into_iter().collect()
            };
            if !claimed.is_empty() {
                let opened: Vec<i64> = turns.iter()
                    .filter(|t| claimed.contains(&t.message_id)).map(|t| t.conversation_id).collect();
                super::analytics::record_bot_round_in!(tx, &opened);
            }
            let mut out = Vec::with_capacity(turns.len());
            let mut unmatched = Vec::new();
            let mut to_reply = Vec::new();
            for t in turns {
                if !held.contains(&t.conversation_id) {
                    out.push(TurnWritten::Moved);
                    continue;
                }
                if !claimed.contains(&t.message_id) {
                    out.push(TurnWritten::Taken);
                    continue;
                }
                if t.unmatched_count != t.unmatched_before {
                    unmatched.push((t.conversation_id, t.unmatched_count));
                }
                let mut line_ids = Vec::new();
                if let Some(c) = &t.ownership {
                    // Unreachable miss (the row is held at this version); fail the round rather
                    // than write half a turn.
                    line_ids = apply_ownership_in!(tx, c).ok_or(sqlx::Error::RowNotFound)?;
                    if t.scenario_version.is_some() {
                        // The change's event is the conversation's newest of its kind (the row
                        // is held; the queue may have written its own events after it).
                        sqlx::query("UPDATE conversation_events SET scenario_version = $1 WHERE id = \
                                     (SELECT MAX(id) FROM conversation_events WHERE conversation_id = $2 AND kind = $3)")
                            .bind(t.scenario_version).bind(t.conversation_id).bind(c.event_kind)
                            .execute(&mut *tx).await?;
                    }
                }
                if let Some(m) = &t.reply {
                    to_reply.push((m, t.scenario_version));
                }
                out.push(TurnWritten::Done { reply_id: None, line_ids });
            }
            if !unmatched.is_empty() {
                let ids: Vec<i64> = unmatched.iter().map(|(id, _)| *id).collect();
                sqlx::query(&format!(
                    "UPDATE conversations SET unmatched_count = CASE id{} END WHERE id IN ({})",
                    when_cases(&unmatched), id_list(&ids)))
                    .execute(&mut *tx).await?;
            }
            // The replies: one statement for the messages, one for their conversations' latest
            // message (each conversation has one turn here, so one reply).
            let mut replies = Vec::new();
            if !to_reply.is_empty() {
                let stored = insert_messages_in!(tx, &to_reply);
                let turn_of: std::collections::HashMap<i64, usize> = turns.iter().enumerate()
                    .map(|(i, t)| (t.conversation_id, i)).collect();
                for (id, conversation_id) in stored {
                    replies.push(id);
                    if let Some(TurnWritten::Done { reply_id, .. }) =
                        turn_of.get(&conversation_id).map(|i| &mut out[*i])
                    {
                        *reply_id = Some(id);
                    }
                }
            }
            if !replies.is_empty() {
                sqlx::query(&format!(
                    "INSERT INTO outbox (message_id, attempts, next_attempt_at, state, created_at, updated_at) \
                     SELECT id, 0, created_at, 'pending', created_at, created_at FROM messages WHERE id IN ({})",
                    id_list(&replies)))
                    .execute(&mut *tx).await?;
                super::analytics::record_bot_replies_in!(tx, &replies);
            }
            let counted: Vec<i64> = claimed.iter().chain(&replies).copied().collect();
            if !counted.is_empty() {
                super::analytics::count_hours_in!(tx, &counted);
            }
            tx.commit().await?;
            Ok(out)
        })
    }

    /// Stores an outbound message (operator or system) and queues it for delivery, atomically.
    pub async fn queue_outbound(&self, m: &NewMessage<'_>) -> Result<i64, sqlx::Error> {
        self.queue_outbound_with(m, None).await
    }

    /// [`Store::queue_outbound`], sent as the WhatsApp template `template` describes
    /// (`domain::templates::TemplateCall` JSON) when given.
    pub async fn queue_outbound_with(
        &self,
        m: &NewMessage<'_>,
        template: Option<&str>,
    ) -> Result<i64, sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            let id = insert_message_in!(tx, m).ok_or(sqlx::Error::RowNotFound)?;
            super::analytics::record_operator_reply_in!(tx, m);
            if template.is_some() {
                sqlx::query("UPDATE messages SET template = $1 WHERE id = $2")
                    .bind(template).bind(id).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO outbox (message_id, attempts, next_attempt_at, state, created_at, updated_at) \
                         VALUES ($1, 0, $2, 'pending', $2, $2)")
                .bind(id).bind(m.created_at).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Claims up to `limit` due deliveries (see [`Store::claim_due`]) with what sending needs.
    pub async fn claim_due_outbox(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<OutboxItem>, sqlx::Error> {
        let ids = self.claim_due("outbox", now, lease_ms, limit).await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = id_list(&ids);
        let sql = format!(
            "SELECT o.id AS outbox_id, o.message_id, m.conversation_id, o.attempts, c.channel, ct.external_id AS recipient, \
               c.channel_account AS account, m.sender, u.display_name AS author_name, m.body, m.template, m.survey, \
               m.media_type, m.media_key, m.media_mime, m.media_name, m.media_token \
             FROM outbox o JOIN messages m ON m.id = o.message_id \
             JOIN conversations c ON c.id = m.conversation_id JOIN contacts ct ON ct.id = c.contact_id \
             LEFT JOIN users u ON u.id = m.author_id \
             WHERE o.id IN ({list}) ORDER BY o.id"
        );
        with_pool!(self, p => sqlx::query_as::<_, OutboxItem>(&sql).fetch_all(p).await)
    }

    /// Records sends the channels accepted, in one transaction of two statements: `(outbox id,
    /// message id, the platform's id for the message)`. Returns the message ids whose status moved
    /// to `sent` (a receipt may already have moved one further).
    pub async fn outbox_delivered(
        &self,
        sent: &[(i64, i64, Option<&str>)],
        now: i64,
    ) -> Result<Vec<i64>, sqlx::Error> {
        if sent.is_empty() {
            return Ok(Vec::new());
        }
        let outbox_ids: Vec<i64> = sent.iter().map(|s| s.0).collect();
        let message_ids: Vec<i64> = sent.iter().map(|s| s.1).collect();
        let platform_ids: String = sent
            .iter()
            .enumerate()
            .map(|(i, s)| format!(" WHEN {} THEN CAST(${} AS TEXT)", s.1, i + 1))
            .collect();
        let mark = format!(
            "UPDATE messages SET platform_message_id = COALESCE(CASE id{platform_ids} END, platform_message_id), \
             delivery_status = 'sent', delivery_error = NULL, delivery_error_kind = NULL WHERE id IN ({}) AND {RANK_SQL} < 2 RETURNING id",
            id_list(&message_ids)
        );
        let done = format!(
            "UPDATE outbox SET state = 'done', last_error = NULL, updated_at = $1 WHERE id IN ({})",
            id_list(&outbox_ids)
        );
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query(&done).bind(now).execute(&mut *tx).await?;
            let mut q = sqlx::query_scalar::<_, i64>(&mark);
            for (_, _, platform_id) in sent {
                q = q.bind(*platform_id);
            }
            let moved = q.fetch_all(&mut *tx).await?;
            tx.commit().await?;
            Ok(moved)
        })
    }

    pub async fn outbox_retry_later(
        &self,
        outbox_id: i64,
        next_at: i64,
        error: &str,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        with_write!(self, p => sqlx::query("UPDATE outbox SET next_attempt_at = $1, last_error = $2, updated_at = $3, claimed_by = NULL WHERE id = $4")
            .bind(next_at).bind(error).bind(now).bind(outbox_id).execute(p).await.map(|_| ()))
    }

    /// Parks a send whose recipient is away until `next_at` (or their return), not counting it
    /// as an attempt; marks the message `waiting`. Returns whether it was not waiting already.
    pub async fn outbox_wait(
        &self,
        outbox_id: i64,
        message_id: i64,
        next_at: i64,
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE outbox SET next_attempt_at = $1, attempts = attempts - 1, last_error = NULL, \
                         updated_at = $2, claimed_by = NULL WHERE id = $3")
                .bind(next_at).bind(now).bind(outbox_id).execute(&mut *tx).await?;
            let moved = sqlx::query("UPDATE messages SET delivery_status = 'waiting' \
                                     WHERE id = $1 AND COALESCE(delivery_status, '') <> 'waiting'")
                .bind(message_id).execute(&mut *tx).await?.rows_affected() > 0;
            tx.commit().await?;
            Ok(moved)
        })
    }

    /// Makes every pending send to one contact due now (they just came back); returns how many.
    pub async fn outbox_due_for(
        &self,
        channel: crate::dto::Channel,
        external_id: &str,
        now: i64,
    ) -> Result<u64, sqlx::Error> {
        with_write!(self, p => sqlx::query(
            "UPDATE outbox SET next_attempt_at = $1 WHERE state = 'pending' AND next_attempt_at > $1 AND message_id IN \
             (SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id \
              JOIN contacts ct ON ct.id = c.contact_id WHERE ct.channel = $2 AND ct.external_id = $3 \
              AND m.delivery_status = 'waiting')")
            .bind(now).bind(channel.as_str()).bind(external_id).execute(p).await.map(|r| r.rows_affected()))
    }

    /// Records a send that failed for good, with the reason (`kind`: why, as data).
    pub async fn outbox_failed(
        &self,
        outbox_id: i64,
        message_id: i64,
        error: &str,
        kind: Option<FailureKind>,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE outbox SET state = 'failed', last_error = $1, updated_at = $2 WHERE id = $3")
                .bind(error).bind(now).bind(outbox_id).execute(&mut *tx).await?;
            sqlx::query("UPDATE messages SET delivery_status = 'failed', delivery_error = $1, \
                         delivery_error_kind = $2 WHERE id = $3")
                .bind(error).bind(kind.map(FailureKind::as_str)).bind(message_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Puts a failed message back in the delivery queue (an operator pressed Retry).
    pub async fn retry_failed_message(
        &self,
        message_id: i64,
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            let n = sqlx::query("UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $1 \
                                 WHERE message_id = $2 AND state = 'failed'")
                .bind(now).bind(message_id).execute(&mut *tx).await?.rows_affected();
            if n > 0 {
                sqlx::query("UPDATE messages SET delivery_status = 'sending', delivery_error = NULL, \
                             delivery_error_kind = NULL WHERE id = $1")
                    .bind(message_id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(n > 0)
        })
    }

    /// Applies a platform delivery receipt; states only move forward. `kind` is why a `failed`
    /// one failed, as data. Returns the message id and conversation id when something changed.
    pub async fn apply_receipt(
        &self,
        channel: Channel,
        platform_id: &str,
        status: &str,
        error: Option<&str>,
        kind: Option<FailureKind>,
    ) -> Result<Option<(i64, i64)>, sqlx::Error> {
        let sql = format!(
            "UPDATE messages SET delivery_status = $1, delivery_error = COALESCE($2, delivery_error), \
             delivery_error_kind = COALESCE($6, delivery_error_kind) \
             WHERE channel = $3 AND platform_message_id = $4 AND {RANK_SQL} < $5 RETURNING id, conversation_id"
        );
        with_write!(self, p => sqlx::query_as::<_, (i64, i64)>(&sql)
            .bind(status).bind(error).bind(channel.as_str()).bind(platform_id).bind(status_rank(status))
            .bind(kind.map(FailureKind::as_str))
            .fetch_optional(p).await)
    }

    /// The recent messages of a contact's conversation, oldest first (the widget's history).
    pub async fn transcript_for_contact(
        &self,
        channel: Channel,
        external_id: &str,
        limit: i64,
    ) -> Result<Vec<TranscriptRow>, sqlx::Error> {
        with_pool!(self, p => sqlx::query_as::<_, TranscriptRow>(
            "SELECT id, sender, body, author_name, platform_message_id, created_at, media_type, media_name, \
               media_token FROM ( \
               SELECT m.id, m.sender, m.body, u.display_name AS author_name, m.platform_message_id, m.created_at, \
                 m.media_type, m.media_name, m.media_token \
               FROM messages m JOIN conversations c ON c.id = m.conversation_id \
               JOIN contacts ct ON ct.id = c.contact_id LEFT JOIN users u ON u.id = m.author_id \
               WHERE ct.channel = $1 AND ct.external_id = $2 AND m.sender <> 'system' AND m.note = FALSE \
               ORDER BY m.id DESC LIMIT $3) recent ORDER BY id")
            .bind(channel.as_str()).bind(external_id).bind(limit).fetch_all(p).await)
    }

    pub async fn list_scenarios(&self) -> Result<Vec<ScenarioRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {SCENARIO_COLS} FROM scenarios ORDER BY priority DESC, lower(name), id"
        );
        with_pool!(self, p => sqlx::query_as::<_, ScenarioRow>(&sql).fetch_all(p).await)
    }

    pub async fn create_scenario(
        &self,
        s: &ScenarioWrite<'_>,
        now: i64,
    ) -> Result<ScenarioRow, StoreError> {
        let sql = format!(
            "INSERT INTO scenarios (name, triggers, response, enabled, priority, channels, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING {SCENARIO_COLS}");
        with_write!(self, p => sqlx::query_as::<_, ScenarioRow>(&sql)
            .bind(s.name).bind(s.triggers).bind(s.response).bind(s.enabled).bind(s.priority).bind(s.channels).bind(now)
            .fetch_one(p).await)
        .map_err(dup_name)
    }

    pub async fn update_scenario(
        &self,
        id: i64,
        s: &ScenarioWrite<'_>,
        now: i64,
    ) -> Result<Option<ScenarioRow>, StoreError> {
        let sql = format!(
            "UPDATE scenarios SET name = $1, triggers = $2, response = $3, enabled = $4, priority = $5, channels = $6, \
             updated_at = $7 WHERE id = $8 RETURNING {SCENARIO_COLS}");
        with_write!(self, p => sqlx::query_as::<_, ScenarioRow>(&sql)
            .bind(s.name).bind(s.triggers).bind(s.response).bind(s.enabled).bind(s.priority).bind(s.channels).bind(now).bind(id)
            .fetch_optional(p).await)
        .map_err(dup_name)
    }

    pub async fn set_scenario_enabled(
        &self,
        id: i64,
        enabled: bool,
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        with_write!(self, p => sqlx::query("UPDATE scenarios SET enabled = $1, updated_at = $2 WHERE id = $3")
            .bind(enabled).bind(now).bind(id).execute(p).await.map(|r| r.rows_affected() == 1))
    }

    pub async fn delete_scenario(&self, id: i64) -> Result<bool, sqlx::Error> {
        with_write!(self, p => sqlx::query("DELETE FROM scenarios WHERE id = $1")
            .bind(id).execute(p).await.map(|r| r.rows_affected() == 1))
    }

    pub async fn get_setting(&self, key: &str) -> Result<Option<String>, sqlx::Error> {
        with_pool!(self, p => sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = $1")
            .bind(key).fetch_optional(p).await)
    }

    pub async fn put_setting(&self, key: &str, value: &str, now: i64) -> Result<(), sqlx::Error> {
        with_write!(self, p => sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
            .bind(key).bind(value).bind(now).execute(p).await.map(|_| ()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// `PRAGMA synchronous` as the last ingest transaction on this thread saw it.
        static INGEST_SYNCHRONOUS: Cell<Option<i64>> = const { Cell::new(None) };
    }

    pub(super) async fn observe_synchronous(tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>) {
        let level = sqlx::query_scalar::<_, i64>("PRAGMA synchronous")
            .fetch_one(&mut **tx)
            .await
            .unwrap();
        INGEST_SYNCHRONOUS.with(|c| c.set(Some(level)));
    }

    fn row<'a>(id: &'a str, now: i64) -> IncomingRow<'a> {
        IncomingRow {
            channel: Channel::Whatsapp,
            external_id: "34600000001",
            contact_name: None,
            phone: None,
            account: None,
            platform_message_id: id,
            body: "hola",
            media_type: None,
            media_id: None,
            media_state: None,
            media_mime: None,
            media_name: None,
            transcript_state: None,
            now,
            customer_at: now,
            processed: false,
        }
    }

    #[tokio::test]
    async fn acknowledged_messages_commit_with_a_full_sync_on_sqlite() {
        let path = std::env::temp_dir().join(format!("baton-durable-{}.db", rand::random::<u64>()));
        // One connection: what the ingest did to it is what the next query sees.
        let store = Store::connect(&format!("sqlite://{}", path.display()), 1)
            .await
            .unwrap();
        let stored = store
            .ingest_customer_messages(&[row("wamid.1", 1), row("wamid.2", 2)])
            .await
            .unwrap();
        assert!(stored.iter().all(Option::is_some));
        assert_eq!(
            INGEST_SYNCHRONOUS.with(Cell::take),
            Some(2),
            "FULL inside the ingest"
        );
        INGEST_SYNCHRONOUS.with(|c| c.set(None));
        assert!(store
            .ingest_customer_message(&row("wamid.3", 3))
            .await
            .unwrap()
            .is_some());
        assert_eq!(
            INGEST_SYNCHRONOUS.with(Cell::take),
            Some(2),
            "a lone message too"
        );
        let after: i64 =
            with_pool!(store, p => sqlx::query_scalar("PRAGMA synchronous").fetch_one(p).await)
                .unwrap();
        assert_eq!(after, 1, "the pool's other writes stay at NORMAL");
        store.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
