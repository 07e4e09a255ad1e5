//! Deployment settings the bot reads on every message (handoff rules, scenarios), cached in
//! memory and reloaded from the database when an admin changes them.

use super::audit::{self, Who};
use super::{now_ms, AppState};
use crate::domain::audit::AuditKind;
use crate::domain::bot::{CompiledScenarios, HandoffSettings, Scenario, Trigger};
use crate::domain::csat::CsatSettings;
use crate::domain::hours::BusinessHours;
use crate::domain::privacy::PrivacySettings;
use crate::domain::queue::QueueSettings;
use crate::dto::Channel;
use crate::error::AppError;
use crate::storage::bot::ScenarioRow;
use std::sync::Arc;

const HANDOFF_KEY: &str = "handoff";
const QUEUE_KEY: &str = "queue";
const HOURS_KEY: &str = "business_hours";
const CSAT_KEY: &str = "csat";

type Slot<T> = std::sync::RwLock<Option<Arc<T>>>;

/// Cached, shared views of settings; `None` means "reload on next read".
///
/// A load that started before a save must not put its (old) value in the cache after the save
/// cleared it, or the old value would stay until the next save: every save bumps `generation`,
/// and a load fills its slot only if the generation it started under is still current.
#[derive(Default)]
pub struct SettingsCache {
    generation: std::sync::atomic::AtomicU64,
    handoff: Slot<HandoffSettings>,
    scenarios: Slot<Published>,
    queue: Slot<QueueSettings>,
    privacy: Slot<PrivacySettings>,
    hours: Slot<BusinessHours>,
    csat: Slot<CsatSettings>,
}

impl SettingsCache {
    pub fn invalidate(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        *self.handoff.write().unwrap() = None;
        *self.scenarios.write().unwrap() = None;
        *self.queue.write().unwrap() = None;
        *self.privacy.write().unwrap() = None;
        *self.hours.write().unwrap() = None;
        *self.csat.write().unwrap() = None;
    }

    /// The generation a load starts under.
    fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Caches `value`, loaded under generation `started`, unless a save came in meanwhile.
    fn fill<T>(&self, slot: &Slot<T>, started: u64, value: Arc<T>) -> Arc<T> {
        let mut s = slot.write().unwrap();
        if self.generation() == started {
            *s = Some(value.clone());
        }
        value
    }
}

/// A JSON setting through its cache slot: the cached copy, else the stored one, else the
/// defaults (an unreadable stored value is logged and replaced by the defaults).
async fn cached<T: serde::de::DeserializeOwned + Default>(
    state: &AppState,
    slot: &Slot<T>,
    key: &str,
) -> Result<Arc<T>, AppError> {
    if let Some(v) = slot.read().unwrap().clone() {
        return Ok(v);
    }
    let started = state.settings_cache.generation();
    let loaded = match state.store.get_setting(key).await? {
        Some(json) => serde_json::from_str(&json).unwrap_or_else(|e| {
            tracing::error!(error = %e, key, "stored settings unreadable; using defaults");
            T::default()
        }),
        None => T::default(),
    };
    Ok(state.settings_cache.fill(slot, started, Arc::new(loaded)))
}

/// Stores a JSON setting; every cached setting is reloaded on its next read.
async fn save<T: serde::Serialize>(state: &AppState, key: &str, value: &T) -> Result<(), AppError> {
    let json = serde_json::to_string(value).map_err(|_| AppError::Internal)?;
    state.store.put_setting(key, &json, now_ms()).await?;
    state.settings_changed();
    Ok(())
}

pub async fn handoff(state: &AppState) -> Result<Arc<HandoffSettings>, AppError> {
    cached(state, &state.settings_cache.handoff, HANDOFF_KEY).await
}

pub async fn save_handoff(state: &AppState, h: &HandoffSettings) -> Result<(), AppError> {
    save(state, HANDOFF_KEY, h).await
}

/// [`save_handoff`] by `who` (an admin), recorded in the audit log.
pub async fn save_handoff_by(
    state: &AppState,
    who: &Who,
    h: &HandoffSettings,
) -> Result<(), AppError> {
    save_by(state, who, HANDOFF_KEY, &*handoff(state).await?, h).await
}

/// Saves settings `key` as `after` by `who`, recorded in the audit log as the change from
/// `before`.
async fn save_by<T: serde::Serialize>(
    state: &AppState,
    who: &Who,
    key: &str,
    before: &T,
    after: &T,
) -> Result<(), AppError> {
    save(state, key, after).await?;
    record_saved(state, who, key, before, after).await
}

/// Records that `who` saved the settings `section`: the fields that changed, before and after.
pub async fn record_saved<T: serde::Serialize>(
    state: &AppState,
    who: &Who,
    section: &str,
    before: &T,
    after: &T,
) -> Result<(), AppError> {
    let (before, after) = (
        serde_json::to_value(before).map_err(|_| AppError::Internal)?,
        serde_json::to_value(after).map_err(|_| AppError::Internal)?,
    );
    let mut details = audit::change(&before, &after);
    details["section"] = section.into();
    audit::record(
        state,
        who,
        AuditKind::SettingsSaved,
        Some(&format!("settings:{section}")),
        details,
    )
    .await
}

const PRIVACY_KEY: &str = "privacy";

/// Retention of closed conversations and masked phone numbers (see
/// [`crate::domain::privacy`]); every live event to an operator reads it, so it is cached.
pub async fn privacy(state: &AppState) -> Result<Arc<PrivacySettings>, AppError> {
    cached(state, &state.settings_cache.privacy, PRIVACY_KEY).await
}

/// Saves the privacy settings by `who` (an admin), recorded in the audit log.
pub async fn save_privacy_by(
    state: &AppState,
    who: &Who,
    p: &PrivacySettings,
) -> Result<(), AppError> {
    save_by(state, who, PRIVACY_KEY, &*privacy(state).await?, p).await
}

/// Routing policy, offer time, waiting target and alert interval.
pub async fn queue(state: &AppState) -> Result<Arc<QueueSettings>, AppError> {
    cached(state, &state.settings_cache.queue, QUEUE_KEY).await
}

pub async fn save_queue(state: &AppState, q: &QueueSettings) -> Result<(), AppError> {
    save(state, QUEUE_KEY, q).await
}

/// Business hours: time zone, weekly schedule, closed dates, the out-of-hours reply.
pub async fn business_hours(state: &AppState) -> Result<Arc<BusinessHours>, AppError> {
    cached(state, &state.settings_cache.hours, HOURS_KEY).await
}

pub async fn save_business_hours(state: &AppState, h: &BusinessHours) -> Result<(), AppError> {
    save(state, HOURS_KEY, h).await
}

/// Saves business hours by `who` (an admin), recorded in the audit log.
pub async fn save_business_hours_by(
    state: &AppState,
    who: &Who,
    h: &BusinessHours,
) -> Result<(), AppError> {
    save_by(state, who, HOURS_KEY, &*business_hours(state).await?, h).await
}

/// Customer satisfaction surveys: on or off, the scale, the question.
pub async fn csat(state: &AppState) -> Result<Arc<CsatSettings>, AppError> {
    cached(state, &state.settings_cache.csat, CSAT_KEY).await
}

pub async fn save_csat(state: &AppState, c: &CsatSettings) -> Result<(), AppError> {
    save(state, CSAT_KEY, c).await
}

/// Saves the survey settings by `who` (an admin), recorded in the audit log.
pub async fn save_csat_by(state: &AppState, who: &Who, c: &CsatSettings) -> Result<(), AppError> {
    save_by(state, who, CSAT_KEY, &*csat(state).await?, c).await
}

pub fn scenario_from_row(r: &ScenarioRow) -> Scenario {
    let triggers: Vec<Trigger> = serde_json::from_str(&r.triggers).unwrap_or_default();
    let channels: Vec<Channel> = r
        .channels
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_default();
    Scenario {
        id: r.id,
        name: r.name.clone(),
        triggers,
        response: r.response.clone(),
        enabled: r.enabled,
        priority: r.priority,
        channels,
    }
}

/// The live scenarios: the newest published version, compiled, with its number (`None` before
/// anything was published: no scenarios).
#[derive(Debug, Default)]
pub struct Published {
    pub version: Option<i64>,
    pub scenarios: CompiledScenarios,
}

pub async fn scenarios(state: &AppState) -> Result<Arc<Published>, AppError> {
    let cache = &state.settings_cache;
    if let Some(s) = cache.scenarios.read().unwrap().clone() {
        return Ok(s);
    }
    let started = cache.generation();
    let live = state.store.live_scenario_version().await?;
    let published = Arc::new(match live {
        Some(v) => Published {
            version: Some(v.id),
            scenarios: CompiledScenarios::new(&super::scenario_versions::read_set(&v)),
        },
        None => Published::default(),
    });
    Ok(cache.fill(&cache.scenarios, started, published))
}

/// The number every instance of a cluster gives its live events' epoch (see
/// [`crate::bus::EventBus::epoch`]): made once, kept in the database.
pub async fn cluster_epoch(store: &crate::storage::Store) -> Result<u64, AppError> {
    let fresh = rand::random::<u32>().max(1).to_string();
    let stored = store
        .put_setting_if_absent("cluster_epoch", &fresh, super::now_ms())
        .await?;
    Ok(stored.parse().unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_that_raced_a_save_does_not_cache_the_old_value() {
        let cache = SettingsCache::default();
        // A load starts and reads the stored value...
        let started = cache.generation();
        let old = Arc::new(QueueSettings::default());
        // ...a save lands meanwhile...
        cache.invalidate();
        // ...and the load finishes: its caller gets what it read, but the cache stays empty,
        // so the next read sees the saved value.
        let got = cache.fill(&cache.queue, started, old.clone());
        assert!(Arc::ptr_eq(&got, &old));
        assert!(cache.queue.read().unwrap().is_none());
        // A load that started after the save is cached.
        let now = cache.generation();
        cache.fill(&cache.queue, now, Arc::new(QueueSettings::default()));
        assert!(cache.queue.read().unwrap().is_some());
    }
}
