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

pub async fn handoff(state: &AppState) -> Result<Arc<HandoffSettings>, AppError> {
    if let Some(h) = state.settings_cache.handoff.read().unwrap().clone() {
        return Ok(h);
    }
    let loaded = match state.store.get_setting(HANDOFF_KEY).await? {
        Some(json) => serde_json::from_str(&json).unwrap_or_else(|e| {
            tracing::error!(error = %e, "stored handoff settings unreadable; using defaults");
            HandoffSettings::default()
        }),
        None => HandoffSettings::default(),
    };
    let h = Arc::new(loaded);
    *state.settings_cache.handoff.write().unwrap() = Some(h.clone());
    Ok(h)
}

pub async fn save_handoff(state: &AppState, h: &HandoffSettings) -> Result<(), AppError> {
    let json = serde_json::to_string(h).map_err(|_| AppError::Internal)?;
    state
        .store
        .put_setting(HANDOFF_KEY, &json, now_ms())
        .await?;
    state.settings_cache.invalidate();
    Ok(())
}

/// Routing policy, offer time, waiting target and alert interval.
pub async fn queue(state: &AppState) -> Result<Arc<QueueSettings>, AppError> {
    if let Some(q) = state.settings_cache.queue.read().unwrap().clone() {
        return Ok(q);
    }
    let loaded = match state.store.get_setting(QUEUE_KEY).await? {
        Some(json) => serde_json::from_str(&json).unwrap_or_else(|e| {
            tracing::error!(error = %e, "stored queue settings unreadable; using defaults");
            QueueSettings::default()
        }),
        None => QueueSettings::default(),
    };
    let q = Arc::new(loaded);
    *state.settings_cache.queue.write().unwrap() = Some(q.clone());
    Ok(q)
}

pub async fn save_queue(state: &AppState, q: &QueueSettings) -> Result<(), AppError> {
    let json = serde_json::to_string(q).map_err(|_| AppError::Internal)?;
    state.store.put_setting(QUEUE_KEY, &json, now_ms()).await?;
    state.settings_cache.invalidate();
    Ok(())
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
