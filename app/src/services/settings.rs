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

/// Cached, shared views of settings; `None` means "reload on next read".
#[derive(Default)]
pub struct SettingsCache {
    handoff: std::sync::RwLock<Option<Arc<HandoffSettings>>>,
    scenarios: std::sync::RwLock<Option<Arc<CompiledScenarios>>>,
    queue: std::sync::RwLock<Option<Arc<QueueSettings>>>,
}

impl SettingsCache {
    pub fn invalidate(&self) {
        *self.handoff.write().unwrap() = None;
        *self.scenarios.write().unwrap() = None;
        *self.queue.write().unwrap() = None;
    }
}

/// A JSON setting through its cache slot: the cached copy, else the stored one, else the
/// defaults (an unreadable stored value is logged and replaced by the defaults).
async fn cached<T: serde::de::DeserializeOwned + Default>(
    state: &AppState,
    slot: &std::sync::RwLock<Option<Arc<T>>>,
    key: &str,
) -> Result<Arc<T>, AppError> {
    if let Some(v) = slot.read().unwrap().clone() {
        return Ok(v);
    }
    let loaded = match state.store.get_setting(key).await? {
        Some(json) => serde_json::from_str(&json).unwrap_or_else(|e| {
            tracing::error!(error = %e, key, "stored settings unreadable; using defaults");
            T::default()
        }),
        None => T::default(),
    };
    let v = Arc::new(loaded);
    *slot.write().unwrap() = Some(v.clone());
    Ok(v)
}

/// Stores a JSON setting; every cached setting is reloaded on its next read.
async fn save<T: serde::Serialize>(state: &AppState, key: &str, value: &T) -> Result<(), AppError> {
    let json = serde_json::to_string(value).map_err(|_| AppError::Internal)?;
    state.store.put_setting(key, &json, now_ms()).await?;
    state.settings_cache.invalidate();
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
    if let Some(s) = state.settings_cache.scenarios.read().unwrap().clone() {
        return Ok(s);
    }
    let rows = state.store.list_scenarios().await?;
    let list: Vec<Scenario> = rows.iter().map(scenario_from_row).collect();
    let compiled = Arc::new(CompiledScenarios::new(&list));
    *state.settings_cache.scenarios.write().unwrap() = Some(compiled.clone());
    Ok(compiled)
}
