//! Deployment settings the bot reads on every message (handoff rules, scenarios), cached in
//! memory and reloaded from the database when an admin changes them.

use super::{now_ms, AppState};
use crate::domain::bot::{CompiledScenarios, HandoffSettings, Scenario, Trigger};
use crate::domain::queue::QueueSettings;
use crate::dto::Channel;
use crate::error::AppError;
use crate::storage::bot::ScenarioRow;
use std::sync::Arc;

const HANDOFF_KEY: &str = "handoff";
const QUEUE_KEY: &str = "queue";

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
    scenarios: Slot<CompiledScenarios>,
    queue: Slot<QueueSettings>,
}

impl SettingsCache {
    pub fn invalidate(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        *self.handoff.write().unwrap() = None;
        *self.scenarios.write().unwrap() = None;
        *self.queue.write().unwrap() = None;
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

/// Routing policy, offer time, waiting target and alert interval.
pub async fn queue(state: &AppState) -> Result<Arc<QueueSettings>, AppError> {
    cached(state, &state.settings_cache.queue, QUEUE_KEY).await
}

pub async fn save_queue(state: &AppState, q: &QueueSettings) -> Result<(), AppError> {
    save(state, QUEUE_KEY, q).await
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

pub async fn scenarios(state: &AppState) -> Result<Arc<CompiledScenarios>, AppError> {
    let cache = &state.settings_cache;
    if let Some(s) = cache.scenarios.read().unwrap().clone() {
        return Ok(s);
    }
    let started = cache.generation();
    let rows = state.store.list_scenarios().await?;
    let list: Vec<Scenario> = rows.iter().map(scenario_from_row).collect();
    let compiled = Arc::new(CompiledScenarios::new(&list));
    Ok(cache.fill(&cache.scenarios, started, compiled))
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
