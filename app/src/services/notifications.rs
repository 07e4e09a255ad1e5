//! Push notifications to operators' devices, from a durable outbox: the queue writes one row per
//! alert per device in the same transaction as its decision; [`deliver_due`] claims due rows with
//! a lease, sends each through a [`DevicePusher`] (the server's Web Push, FCM and APNs clients)
//! and records the outcome: delivered (the device's last success), gone (the device is deleted),
//! retry later with backoff and jitter, or failed for good (the device's last error).
//!
//! A row's `dedup_key` makes a step queue once; the lease makes one sender send it. A process
//! that stops between queuing and sending loses nothing: the rows wait in the database.

use super::AppState;
use crate::domain::delivery::{next_step, NextStep, SendOutcome};
use crate::domain::devices::DeviceKind;
use crate::dto::ConversationSummary;
use crate::error::AppError;
use crate::storage::queue::{DeviceHealth, NewAlert, NotificationJob};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

/// What browsers and native wrappers need to know to subscribe.
#[derive(Debug, Clone, Default)]
pub struct PushInfo {
    /// The VAPID public key (base64url): the browser's `applicationServerKey`.
    pub vapid_public_key: Option<String>,
    pub fcm: bool,
    pub apns: bool,
}

/// Where one notification goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushTarget {
    pub kind: DeviceKind,
    /// The Web Push endpoint, or the FCM / APNs token.
    pub endpoint: String,
    pub p256dh: Option<String>,
    pub auth: Option<String>,
}

/// A stored language code as a language Baton speaks (English when unknown or unset).
fn locale_of(language: Option<&str>) -> crate::i18n::Locale {
    language.and_then(|l| l.parse().ok()).unwrap_or_default()
}

/// What a device is told. A test notification has `conversation_id` 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushMessage {
    pub conversation_id: i64,
    pub contact_name: String,
    pub preview: String,
    pub wait_secs: i64,
    /// 1 for the first alert of a wait, 2 for the next step, ...
    pub step: u32,
    /// The alert's words in its reader's language.
    pub words: AlertWords,
}

/// The words of an alert, written in its reader's language (their choice on the Account page,
/// else the language of the phone when it subscribed), not the customer's or the sender's.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AlertWords {
    /// "Customer waiting: Ann" / "Cliente esperando: Ann".
    pub title: String,
    /// Added to the preview once the wait passes a minute: " · waiting 3 min".
    pub waited: String,
    /// The notification's action button.
    pub accept: String,
}

impl AlertWords {
    pub fn new(l: crate::i18n::Locale, contact_name: &str, wait_secs: i64) -> Self {
        use crate::i18n::*;
        let name = contact_name.trim();
        Self {
            title: if name.is_empty() {
                td_string!(l, push.title).to_string()
            } else {
                td_string!(l, push.title_named, name = name).to_string()
            },
            waited: if wait_secs >= 60 {
                td_string!(l, push.waited, minutes = wait_secs / 60).to_string()
            } else {
                String::new()
            },
            accept: td_string!(l, push.accept).to_string(),
        }
    }

    /// The words of "Send test notification".
    pub fn test(l: crate::i18n::Locale) -> Self {
        use crate::i18n::*;
        Self {
            title: td_string!(l, push.test_title).to_string(),
            waited: String::new(),
            accept: String::new(),
        }
    }
}

/// The conversation id test notifications carry (no conversation has it).
pub const TEST_CONVERSATION_ID: i64 = 0;

/// How one send ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushResult {
    Delivered,
    /// The subscription or token no longer exists.
    Gone(String),
    /// Worth trying again; `after_ms` is the service's `Retry-After`.
    Retry {
        after_ms: Option<i64>,
        reason: String,
    },
    Permanent(String),
}

pub type PushFuture<'a> = Pin<Box<dyn Future<Output = PushResult> + Send + 'a>>;

/// Sends one notification to one device.
pub trait DevicePusher: Send + Sync {
    fn push<'a>(&'a self, target: &'a PushTarget, message: &'a PushMessage) -> PushFuture<'a>;
}

const BATCH: i64 = 32;

fn target(job: &NotificationJob) -> PushTarget {
    PushTarget {
        kind: DeviceKind::parse(&job.device_kind).unwrap_or(DeviceKind::Webpush),
        endpoint: job.endpoint.clone(),
        p256dh: job.p256dh.clone(),
        auth: job.auth.clone(),
    }
}

async fn message(
    state: &AppState,
    job: &NotificationJob,
    now: i64,
    seen: &mut HashMap<i64, Option<ConversationSummary>>,
) -> Result<PushMessage, AppError> {
    let l = locale_of(job.language.as_deref());
    let Some(conversation_id) = job.conversation_id.filter(|_| job.kind != "test") else {
        return Ok(PushMessage {
            conversation_id: TEST_CONVERSATION_ID,
            contact_name: "Baton".into(),
            preview: crate::i18n::td_string!(l, push.test_body).to_string(),
            wait_secs: 0,
            step: 0,
            words: AlertWords::test(l),
        });
    };
    if job.kind == "mention" {
        return mention(state, job, conversation_id, l).await;
    }
    let summary = match seen.get(&conversation_id) {
        Some(s) => s.clone(),
        None => {
            let s = state.store.conversation_summary(conversation_id).await?;
            seen.insert(conversation_id, s.clone());
            s
        }
    };
    // An operator's phone shows a masked number when the setting says so.
    let mask = super::privacy::Masking::of(
        &*super::settings::privacy(state).await?,
        job.user_role == crate::domain::users::Role::Admin.as_str(),
    );
    let summary = summary.map(|s| mask.summary(s));
    let contact_name = summary
        .as_ref()
        .map(|s| s.contact_name.clone())
        .unwrap_or_default();
    let wait_secs = ((now - job.episode.unwrap_or(now)) / 1000).max(0);
    Ok(PushMessage {
        conversation_id,
        words: AlertWords::new(
            l,
            &summary
                .as_ref()
                .map(|s| crate::text::contact_name(l, s))
                .unwrap_or_default(),
            wait_secs,
        ),
        contact_name,
        preview: summary.map(|s| s.preview).unwrap_or_default(),
        wait_secs,
        step: u32::try_from(job.step.max(0))
            .unwrap_or(u32::MAX)
            .saturating_add(1),
    })
}

/// "Ben mentioned you", with the note's words (no Accept button: it is not an offer).
async fn mention(
    state: &AppState,
    job: &NotificationJob,
    conversation_id: i64,
    l: crate::i18n::Locale,
) -> Result<PushMessage, AppError> {
    let note = match job.reason.as_deref().and_then(|r| r.parse().ok()) {
        Some(id) => state.store.message(id).await?,
        None => None,
    };
    let by = note
        .as_ref()
        .and_then(|n| n.author_name.clone())
        .unwrap_or_default();
    Ok(PushMessage {
        conversation_id,
        contact_name: by.clone(),
        preview: note.map(|n| n.body).unwrap_or_default(),
        wait_secs: 0,
        step: 0,
        words: AlertWords {
            title: crate::i18n::td_string!(l, push.mention_title, name = by).to_string(),
            waited: String::new(),
            accept: String::new(),
        },
    })
}

/// Sends what is due at `now`; returns how many notifications were attempted.
pub async fn deliver_due(state: &AppState, now: i64) -> Result<usize, AppError> {
    let Some(pusher) = state.pusher.clone() else {
        return Ok(0);
    };
    let jobs = state
        .store
        .claim_notifications(now, state.settings.lease_ms, BATCH)
        .await?;
    let mut seen = HashMap::new();
    let mut sends = Vec::with_capacity(jobs.len());
    for job in &jobs {
        sends.push((target(job), message(state, job, now, &mut seen).await?));
    }
    let results = futures::future::join_all(sends.iter().map(|(t, m)| pusher.push(t, m))).await;
    for (job, result) in jobs.iter().zip(results) {
        record(state, job, result, now).await?;
    }
    Ok(jobs.len())
}

async fn record(
    state: &AppState,
    job: &NotificationJob,
    result: PushResult,
    now: i64,
) -> Result<(), AppError> {
    let store = &state.store;
    match result {
        PushResult::Delivered => {
            store
                .finish_notification(job, "done", None, DeviceHealth::Success, now)
                .await?
        }
        PushResult::Gone(reason) => {
            tracing::info!(device_id = job.device_id, %reason, "push device gone; removed");
            store.device_gone(job, &reason, now).await?
        }
        PushResult::Permanent(reason) => {
            tracing::warn!(device_id = job.device_id, %reason, "push refused");
            store
                .finish_notification(job, "failed", None, DeviceHealth::Error(&reason), now)
                .await?
        }
        PushResult::Retry { after_ms, reason } => {
            let jitter: f64 = rand::random();
            match next_step(job.attempts, SendOutcome::Transient(reason.clone()), jitter) {
                NextStep::RetryIn { delay_ms, .. } => {
                    let at = now + delay_ms.max(after_ms.unwrap_or(0));
                    tracing::warn!(device_id = job.device_id, attempt = job.attempts, %reason, "push failed; retrying");
                    store
                        .finish_notification(
                            job,
                            "pending",
                            Some(at),
                            DeviceHealth::Error(&reason),
                            now,
                        )
                        .await?
                }
                step => {
                    let why = match step {
                        NextStep::Fail { reason, .. } => reason,
                        _ => reason,
                    };
                    tracing::warn!(device_id = job.device_id, reason = %why, "push given up");
                    store
                        .finish_notification(job, "failed", None, DeviceHealth::Error(&why), now)
                        .await?
                }
            }
        }
    }
    Ok(())
}

/// Queues a test notification to one of `user_id`'s devices, through the same outbox.
/// How many test notifications one person may ask for per minute.
pub const TESTS_PER_MINUTE: usize = 3;

pub async fn send_test(
    state: &AppState,
    user_id: i64,
    device_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let device = state
        .store
        .device(device_id)
        .await?
        .filter(|d| d.user_id == user_id)
        .ok_or(AppError::NotFound(
            crate::domain::problem::Problem::DeviceMissing,
        ))?;
    state
        .test_push_limits
        .lock()
        .unwrap()
        .hit(&user_id.to_string(), now)
        .map_err(|ms| AppError::RateLimited(crate::domain::ratelimit::secs_ceil(ms)))?;
    let nonce: u32 = rand::random();
    state
        .store
        .queue_notification(
            &NewAlert {
                dedup_key: format!("test:{}:{now}:{nonce:08x}", device.id),
                kind: "test",
                step: 0,
                user_id,
                device_id: device.id,
                reason: "test".into(),
            },
            now,
        )
        .await?;
    state.wake(crate::bus::cluster::Worker::Notify);
    Ok(())
}

const VAPID_SETTING: &str = "vapid_private_key";

/// The VAPID private key kept in the database: the stored one, or `generate()`'s, stored now (of
/// two servers starting together, the first to store wins and both use it). Returns the key and
/// whether it was generated now.
pub async fn stored_vapid_key(
    state: &AppState,
    generate: impl FnOnce() -> String,
) -> Result<(String, bool), AppError> {
    if let Some(k) = state.store.get_setting(VAPID_SETTING).await? {
        return Ok((k, false));
    }
    let fresh = generate();
    let stored = state
        .store
        .put_setting_if_absent(VAPID_SETTING, &fresh, super::now_ms())
        .await?;
    let generated = stored == fresh;
    Ok((stored, generated))
}
