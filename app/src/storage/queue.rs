//! The queue and push notifications: per-conversation queue state (episode, ladder step, offer),
//! operators as routing candidates, devices, and the durable notification outbox.

use super::{id_list, with_pool, with_write, Store};
use crate::domain::devices::DeviceKind;
use crate::domain::queue::{QueueState, UserId};
use crate::dto::Channel;

/// A waiting conversation's queue row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueueRow {
    pub conversation_id: i64,
    pub escalated_at: i64,
    pub last_step: i64,
    /// JSON array of user ids.
    pub offered_to: String,
    pub offer_expires_at: Option<i64>,
    pub offer_count: i64,
    pub breached_at: Option<i64>,
    pub version: i64,
}

impl QueueRow {
    pub fn offered(&self) -> Vec<UserId> {
        serde_json::from_str(&self.offered_to).unwrap_or_default()
    }

    pub fn to_state(&self) -> QueueState {
        QueueState {
            episode: self.escalated_at,
            // -1: no step paged yet (the wait began outside business hours).
            last_step: u32::try_from(self.last_step).ok(),
            offered_to: self.offered(),
            offer_expires_at: self.offer_expires_at,
            offer_count: u32::try_from(self.offer_count.max(0)).unwrap_or(u32::MAX),
            breached: self.breached_at.is_some(),
        }
    }
}

/// An active account as routing sees it (presence is added by the caller).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CandidateRow {
    pub id: i64,
    pub display_name: String,
    pub role: String,
    pub available: bool,
    pub max_conversations: i64,
    pub load: i64,
    pub last_offered_at: Option<i64>,
    /// Holds a push device whose last send did not fail.
    pub push_ready: bool,
}

/// Whether user `u` holds a push device that can reach them: one whose last send did not fail
/// (never tried counts: it was just subscribed). A phone in a pocket with such a device is
/// reachable though it has no live socket.
pub(crate) const PUSH_READY: &str = "EXISTS (SELECT 1 FROM devices d WHERE d.user_id = u.id \
    AND (d.last_error_at IS NULL OR (d.last_success_at IS NOT NULL AND d.last_success_at > d.last_error_at)))";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeviceRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    /// The Web Push endpoint URL, or the FCM / APNs token.
    pub endpoint: String,
    pub p256dh: Option<String>,
    pub auth: Option<String>,
    pub label: String,
    pub created_at: i64,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
}

impl DeviceRow {
    pub fn kind(&self) -> DeviceKind {
        DeviceKind::parse(&self.kind).unwrap_or(DeviceKind::Webpush)
    }
}

const DEVICE_COLS: &str = "id, user_id, kind, endpoint, p256dh, auth, label, created_at, \
    last_success_at, last_error, last_error_at";

/// A device to store (already checked).
pub struct NewDevice<'a> {
    pub user_id: i64,
    pub kind: DeviceKind,
    pub endpoint: &'a str,
    pub p256dh: Option<&'a str>,
    pub auth: Option<&'a str>,
    pub label: &'a str,
    /// The interface language when it subscribed ("en", "es").
    pub language: &'a str,
    pub now: i64,
}

/// A row of the conversation's event log.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: &'static str,
    pub target_id: Option<i64>,
    pub reason: Option<String>,
}

/// One notification to queue for one device.
#[derive(Debug, Clone)]
pub struct NewAlert {
    /// Unique per (conversation, episode, step or offer, device): queuing it twice does nothing.
    pub dedup_key: String,
    /// `alert` (a ladder step), `offer` (round robin moved the offer), `test` or `mention`.
    pub kind: &'static str,
    pub step: i64,
    pub user_id: i64,
    pub device_id: i64,
    pub reason: String,
}

/// A queue decision to store: the new queue row, its event rows, history lines and alerts.
#[derive(Debug, Clone)]
pub struct QueueWrite {
    pub conversation_id: i64,
    pub episode: i64,
    /// `None`: create or replace the row (inside the transaction that made the conversation
    /// wait). `Some(v)`: only if the row is still at version `v` and the conversation still waits
    /// in this episode; otherwise nothing is written.
    pub expected_version: Option<i64>,
    pub last_step: i64,
    pub offered_to: Vec<UserId>,
    pub offer_expires_at: Option<i64>,
    pub offer_count: i64,
    pub breached_at: Option<i64>,
    pub events: Vec<NewEvent>,
    /// History lines: their English words and the line as data (`SystemLine` JSON).
    pub lines: Vec<(String, String)>,
    pub alerts: Vec<NewAlert>,
    /// People offered the conversation now (round robin rotates on when).
    pub offered_users: Vec<UserId>,
    pub now: i64,
}

/// Inside an open transaction `$tx`: stores queue write `$w`. Evaluates to `Option<Vec<i64>>`:
/// the history lines' message ids, or `None` when a conditional write found the row moved on.
macro_rules! write_queue_in {
    ($tx:ident, $w:expr) => {{
        let w: &$crate::storage::queue::QueueWrite = $w;
        let offered = serde_json::to_string(&w.offered_to).unwrap_or_else(|_| "[]".into());
        let written = match w.expected_version {
            None => {
                sqlx::query(
                    "INSERT INTO queue_state (conversation_id, escalated_at, last_step, offered_to, offer_expires_at, \
                       offer_count, breached_at, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) \
                     ON CONFLICT (conversation_id) DO UPDATE SET escalated_at = excluded.escalated_at, \
                       last_step = excluded.last_step, offered_to = excluded.offered_to, \
                       offer_expires_at = excluded.offer_expires_at, offer_count = excluded.offer_count, \
                       breached_at = excluded.breached_at, version = queue_state.version + 1, \
                       updated_at = excluded.updated_at")
                    .bind(w.conversation_id).bind(w.episode).bind(w.last_step).bind(&offered)
                    .bind(w.offer_expires_at).bind(w.offer_count).bind(w.breached_at).bind(w.now)
                    .execute(&mut *$tx).await?;
                true
            }
            Some(version) => sqlx::query(
                "UPDATE queue_state SET last_step = $1, offered_to = $2, offer_expires_at = $3, offer_count = $4, \
                   breached_at = $5, version = version + 1, updated_at = $6 \
                 WHERE conversation_id = $7 AND version = $8 AND escalated_at = $9 \
                   AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = $7 AND c.owner = 'waiting' \
                               AND c.waiting_since = $9)")
                .bind(w.last_step).bind(&offered).bind(w.offer_expires_at).bind(w.offer_count)
                .bind(w.breached_at).bind(w.now).bind(w.conversation_id).bind(version).bind(w.episode)
                .execute(&mut *$tx).await?.rows_affected() == 1,
        };
        if written {
            for e in &w.events {
                sqlx::query("INSERT INTO conversation_events (conversation_id, kind, target_id, reason, created_at) \
                             VALUES ($1, $2, $3, $4, $5)")
                    .bind(w.conversation_id).bind(e.kind).bind(e.target_id).bind(e.reason.as_deref()).bind(w.now)
                    .execute(&mut *$tx).await?;
            }
            let mut ids: Vec<i64> = Vec::with_capacity(w.lines.len());
            for (line, data) in &w.lines {
                ids.push(sqlx::query_scalar::<_, i64>(
                    "INSERT INTO messages (conversation_id, channel, sender, body, created_at, system_line) \
                     SELECT id, channel, 'system', $1, $2, $4 FROM conversations WHERE id = $3 RETURNING id")
                    .bind(line).bind(w.now).bind(w.conversation_id).bind(data)
                    .fetch_one(&mut *$tx).await?);
            }
            for a in &w.alerts {
                sqlx::query(
                    "INSERT INTO notification_outbox (dedup_key, kind, conversation_id, episode, step, user_id, \
                       device_id, reason, state, attempts, next_attempt_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $9, $9) \
                     ON CONFLICT (dedup_key) DO NOTHING")
                    .bind(&a.dedup_key).bind(a.kind).bind(w.conversation_id).bind(w.episode).bind(a.step)
                    .bind(a.user_id).bind(a.device_id).bind(&a.reason).bind(w.now)
                    .execute(&mut *$tx).await?;
            }
            for u in &w.offered_users {
                sqlx::query("UPDATE users SET last_offered_at = $1 WHERE id = $2")
                    .bind(w.now).bind(*u).execute(&mut *$tx).await?;
            }
            Some(ids)
        } else {
            None
        }
    }};
}
pub(crate) use write_queue_in;

/// Inside an open transaction `$tx`: conversation `$id` left the queue: its queue row goes and
/// its pending alerts are cancelled, so nothing is sent after an accept.
macro_rules! leave_queue_in {
    ($tx:ident, $id:expr, $now:expr) => {{
        let id: i64 = $id;
        sqlx::query("DELETE FROM queue_state WHERE conversation_id = $1")
            .bind(id)
            .execute(&mut *$tx)
            .await?;
        sqlx::query(
            "UPDATE notification_outbox SET state = 'dead', \
               last_error = 'not sent: the conversation left the queue', updated_at = $1 \
             WHERE conversation_id = $2 AND state = 'pending' AND kind <> 'test'",
        )
        .bind($now)
        .bind(id)
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use leave_queue_in;

/// A claimed notification with the device it goes to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NotificationJob {
    pub id: i64,
    pub kind: String,
    pub conversation_id: Option<i64>,
    pub episode: Option<i64>,
    pub step: i64,
    /// Attempts so far, this one included.
    pub attempts: i64,
    pub user_id: i64,
    /// A mention's note (its message id).
    pub reason: Option<String>,
    pub device_id: i64,
    pub device_kind: String,
    pub endpoint: String,
    pub p256dh: Option<String>,
    pub auth: Option<String>,
    /// The language to write the alert in: the person's choice, else the device's.
    pub language: Option<String>,
    /// The recipient's role (`admin`, `operator`): operators may get phone numbers masked.
    pub user_role: String,
}

/// A device's delivery health as the device list shows it.
#[derive(Debug, Clone, Copy)]
pub enum DeviceHealth<'a> {
    Success,
    Error(&'a str),
}

impl Store {
    /// How many conversations wait for an operator now.
    pub async fn waiting_count(&self) -> Result<i64, sqlx::Error> {
        with_pool!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM conversations WHERE owner = 'waiting'").fetch_one(p).await)
    }

    /// How long (ms) the last `limit` customers served by a person since `since` waited: from
    /// their conversation's latest escalation to its acceptance (or an admin's take-over).
    pub async fn recent_waits(&self, since: i64, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
        let rows = with_pool!(self, p => sqlx::query_scalar::<_, Option<i64>>(
            "SELECT a.created_at - (SELECT MAX(e.created_at) FROM conversation_events e \
               WHERE e.conversation_id = a.conversation_id AND e.kind = 'escalated' \
                 AND e.created_at <= a.created_at) \
             FROM conversation_events a WHERE a.kind IN ('accepted', 'taken_over') AND a.created_at >= $1 \
             ORDER BY a.created_at DESC LIMIT $2")
            .bind(since).bind(limit).fetch_all(p).await)?;
        Ok(rows.into_iter().flatten().collect())
    }

    /// Every active account with its load and when it was last offered a conversation, oldest
    /// account first.
    pub async fn queue_candidates(&self) -> Result<Vec<CandidateRow>, sqlx::Error> {
        let sql = format!(
            "SELECT u.id, u.display_name, u.role, u.available, u.max_conversations, \
               (SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = u.id AND c.owner = 'assigned') AS load, \
               u.last_offered_at, {PUSH_READY} AS push_ready \
             FROM users u WHERE u.active = TRUE ORDER BY u.id"
        );
        with_pool!(self, p => sqlx::query_as::<_, CandidateRow>(&sql).fetch_all(p).await)
    }

    /// How many conversations a user holds and may hold.
    pub async fn user_load(&self, user_id: i64) -> Result<Option<(i64, i64)>, sqlx::Error> {
        with_pool!(self, p => sqlx::query_as::<_, (i64, i64)>(
            "SELECT (SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = u.id AND c.owner = 'assigned'), \
               u.max_conversations FROM users u WHERE u.id = $1")
            .bind(user_id).fetch_optional(p).await)
    }

    /// The queue rows of conversations still waiting in the row's episode, longest waiting first:
    /// a page of `limit` after the `(escalated_at, conversation_id)` key `after` (keyset paging).
    pub async fn waiting_queue(
        &self,
        after: Option<(i64, i64)>,
        limit: i64,
    ) -> Result<Vec<QueueRow>, sqlx::Error> {
        let (at, id) = after.unwrap_or((i64::MIN, i64::MIN));
        with_pool!(self, p => sqlx::query_as::<_, QueueRow>(
            "SELECT q.conversation_id, q.escalated_at, q.last_step, q.offered_to, q.offer_expires_at, \
               q.offer_count, q.breached_at, q.version \
             FROM queue_state q JOIN conversations c ON c.id = q.conversation_id \
             WHERE c.owner = 'waiting' AND c.waiting_since = q.escalated_at \
               AND (q.escalated_at > $1 OR (q.escalated_at = $1 AND q.conversation_id > $2)) \
             ORDER BY q.escalated_at, q.conversation_id LIMIT $3")
            .bind(at).bind(id).bind(limit).fetch_all(p).await)
    }

    /// Stores a queue decision in one transaction; `None` when the row had moved on (another
    /// ticker got there first, or the conversation left the queue).
    pub async fn write_queue(&self, w: &QueueWrite) -> Result<Option<Vec<i64>>, sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            let ids = write_queue_in!(tx, w);
            if ids.is_some() {
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            Ok(ids)
        })
    }

    /// SLA breaches recorded since `since`.
    pub async fn breaches_since(&self, since: i64) -> Result<i64, sqlx::Error> {
        with_pool!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM conversation_events WHERE kind = 'sla_breached' AND created_at >= $1")
            .bind(since).fetch_one(p).await)
    }

    /// A channel's last customer message time and its failed outbound messages since `since`.
    pub async fn channel_health(
        &self,
        channel: Channel,
        since: i64,
    ) -> Result<(Option<i64>, i64), sqlx::Error> {
        let last = with_pool!(self, p => sqlx::query_scalar::<_, Option<i64>>(
            "SELECT MAX(created_at) FROM messages WHERE channel = $1 AND sender = 'customer'")
            .bind(channel.as_str()).fetch_one(p).await)?;
        let failed = with_pool!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM messages WHERE channel = $1 AND delivery_status = 'failed' AND created_at >= $2")
            .bind(channel.as_str()).bind(since).fetch_one(p).await)?;
        Ok((last, failed))
    }

    /// Stores a device, or refreshes it when its endpoint or token is already known (it then
    /// belongs to whoever registered it last: one phone, one person signed in).
    /// Registers a device, or refreshes its keys and label when its owner registers it again;
    /// `None` when it belongs to someone else (it is never moved to another person).
    pub async fn upsert_device(&self, d: &NewDevice<'_>) -> Result<Option<DeviceRow>, sqlx::Error> {
        let sql = format!(
            "INSERT INTO devices (user_id, kind, endpoint, p256dh, auth, label, created_at, language) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (kind, endpoint) DO UPDATE SET p256dh = excluded.p256dh, \
               auth = excluded.auth, label = excluded.label, language = excluded.language \
             WHERE devices.user_id = excluded.user_id \
             RETURNING {DEVICE_COLS}"
        );
        with_write!(self, p => sqlx::query_as::<_, DeviceRow>(&sql)
            .bind(d.user_id).bind(d.kind.as_str()).bind(d.endpoint).bind(d.p256dh).bind(d.auth)
            .bind(d.label).bind(d.now).bind(d.language).fetch_optional(p).await)
    }

    pub async fn devices_of(&self, user_id: i64) -> Result<Vec<DeviceRow>, sqlx::Error> {
        let sql = format!("SELECT {DEVICE_COLS} FROM devices WHERE user_id = $1 ORDER BY id");
        with_pool!(self, p => sqlx::query_as::<_, DeviceRow>(&sql).bind(user_id).fetch_all(p).await)
    }

    /// The devices of several users, by user then device.
    pub async fn devices_of_users(&self, users: &[i64]) -> Result<Vec<DeviceRow>, sqlx::Error> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {DEVICE_COLS} FROM devices WHERE user_id IN ({}) ORDER BY user_id, id",
            id_list(users)
        );
        with_pool!(self, p => sqlx::query_as::<_, DeviceRow>(&sql).fetch_all(p).await)
    }

    pub async fn device(&self, id: i64) -> Result<Option<DeviceRow>, sqlx::Error> {
        let sql = format!("SELECT {DEVICE_COLS} FROM devices WHERE id = $1");
        with_pool!(self, p => sqlx::query_as::<_, DeviceRow>(&sql).bind(id).fetch_optional(p).await)
    }

    /// Forgets a device of `user_id` and cancels what was queued for it; `false` when it is not
    /// theirs (or gone already).
    pub async fn delete_device(
        &self,
        user_id: i64,
        id: i64,
        why: &str,
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE notification_outbox SET state = 'dead', last_error = $1, updated_at = $2 \
                         WHERE device_id = $3 AND state = 'pending' \
                           AND EXISTS (SELECT 1 FROM devices d WHERE d.id = $3 AND d.user_id = $4)")
                .bind(why).bind(now).bind(id).bind(user_id).execute(&mut *tx).await?;
            let n = sqlx::query("DELETE FROM devices WHERE id = $1 AND user_id = $2")
                .bind(id).bind(user_id).execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    /// Queues one notification outside the ladder (a test notification).
    pub async fn queue_notification(
        &self,
        a: &NewAlert,
        now: i64,
    ) -> Result<Option<i64>, sqlx::Error> {
        with_write!(self, p => sqlx::query_scalar::<_, i64>(
            "INSERT INTO notification_outbox (dedup_key, kind, step, user_id, device_id, reason, state, attempts, \
               next_attempt_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7, $7) \
             ON CONFLICT (dedup_key) DO NOTHING RETURNING id")
            .bind(&a.dedup_key).bind(a.kind).bind(a.step).bind(a.user_id).bind(a.device_id).bind(&a.reason).bind(now)
            .fetch_optional(p).await)
    }

    /// Claims up to `limit` due notifications (see [`Store::claim_due`]). Alerts for a
    /// conversation that left the queue, and rows whose device is gone, are cancelled instead.
    pub async fn claim_notifications(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<NotificationJob>, sqlx::Error> {
        let ids = self
            .claim_due("notification_outbox", now, lease_ms, limit)
            .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = id_list(&ids);
        let stale = format!(
            "UPDATE notification_outbox SET state = 'dead', last_error = $1, updated_at = $2 \
             WHERE id IN ({list}) AND kind NOT IN ('test', 'mention') AND NOT EXISTS (SELECT 1 FROM conversations c \
               WHERE c.id = notification_outbox.conversation_id AND c.owner = 'waiting' \
                 AND c.waiting_since = notification_outbox.episode)"
        );
        with_write!(self, p => sqlx::query(&stale)
            .bind("not sent: the conversation left the queue").bind(now).execute(p).await.map(|_| ()))?;
        let orphans = format!(
            "UPDATE notification_outbox SET state = 'dead', last_error = $1, updated_at = $2 \
             WHERE id IN ({list}) AND state = 'pending' AND (device_id IS NULL \
               OR NOT EXISTS (SELECT 1 FROM devices d WHERE d.id = notification_outbox.device_id))"
        );
        with_write!(self, p => sqlx::query(&orphans)
            .bind("not sent: the device was removed").bind(now).execute(p).await.map(|_| ()))?;
        let sql = format!(
            "SELECT o.id, o.kind, o.conversation_id, o.episode, o.step, o.attempts, o.user_id, o.reason, \
               d.id AS device_id, d.kind AS device_kind, d.endpoint, d.p256dh, d.auth, \
               COALESCE(u.language, d.language) AS language, COALESCE(u.role, 'operator') AS user_role \
             FROM notification_outbox o JOIN devices d ON d.id = o.device_id \
               LEFT JOIN users u ON u.id = d.user_id \
             WHERE o.id IN ({list}) AND o.state = 'pending' ORDER BY o.id"
        );
        with_pool!(self, p => sqlx::query_as::<_, NotificationJob>(&sql).fetch_all(p).await)
    }

    /// Records a notification's outcome: its new state (`done`, `failed`, or `pending` again at
    /// `retry_at`) and the device's health.
    pub async fn finish_notification(
        &self,
        job: &NotificationJob,
        state: &str,
        retry_at: Option<i64>,
        health: DeviceHealth<'_>,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        let error = match health {
            DeviceHealth::Success => None,
            DeviceHealth::Error(e) => Some(e),
        };
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE notification_outbox SET state = $1, next_attempt_at = COALESCE($2, next_attempt_at), \
                         last_error = $3, updated_at = $4, claimed_by = NULL WHERE id = $5")
                .bind(state).bind(retry_at).bind(error).bind(now).bind(job.id).execute(&mut *tx).await?;
            match error {
                None => sqlx::query("UPDATE devices SET last_success_at = $1 WHERE id = $2")
                    .bind(now).bind(job.device_id).execute(&mut *tx).await?,
                Some(e) => sqlx::query("UPDATE devices SET last_error = $1, last_error_at = $2 WHERE id = $3")
                    .bind(e).bind(now).bind(job.device_id).execute(&mut *tx).await?,
            };
            tx.commit().await?;
            Ok(())
        })
    }

    /// The push service says the device no longer exists: forget it, and cancel its queue.
    pub async fn device_gone(
        &self,
        job: &NotificationJob,
        error: &str,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE notification_outbox SET state = 'dead', last_error = $1, updated_at = $2 \
                         WHERE device_id = $3 AND (state = 'pending' OR id = $4)")
                .bind(error).bind(now).bind(job.device_id).bind(job.id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM devices WHERE id = $1").bind(job.device_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Stores `value` under `key` unless a value is there already; returns the stored value.
    pub async fn put_setting_if_absent(
        &self,
        key: &str,
        value: &str,
        now: i64,
    ) -> Result<String, sqlx::Error> {
        with_write!(self, p => sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING")
            .bind(key).bind(value).bind(now).execute(p).await.map(|_| ()))?;
        self.get_setting(key).await?.ok_or(sqlx::Error::RowNotFound)
    }
}
