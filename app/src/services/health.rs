//! Readiness: whether this instance can serve (its database answers), and how its broker is.

use super::AppState;
use crate::bus::cluster::BrokerState;
use crate::dto::MonitoringSnapshot;
use crate::error::AppError;
use crate::storage::Backend;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Readiness {
    /// `"ready"` or `"unavailable"` (the database does not answer).
    pub status: &'static str,
    pub database: &'static str,
    pub instance: String,
    /// `"none"` (one instance, no broker), `"connected"` or `"disconnected"`. Without its broker
    /// an instance still serves: the database is the source of truth.
    pub broker: &'static str,
}

impl Readiness {
    pub fn ready(&self) -> bool {
        self.status == "ready"
    }
}

pub async fn readiness(state: &AppState) -> Readiness {
    let database = match state.store.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let status = match state.store.ping().await {
        Ok(()) => "ready",
        Err(e) => {
            tracing::error!(error = %e, "readiness check: database unreachable");
            "unavailable"
        }
    };
    let broker = match state.cluster.broker() {
        None => "none",
        Some(BrokerState {
            connected: true, ..
        }) => "connected",
        Some(_) => "disconnected",
    };
    Readiness {
        status,
        database,
        instance: state.cluster.instance_id().to_string(),
        broker,
    }
}

/// The monitoring page's "now": conversations by owner, operators online (on every instance),
/// the bot's status, and which instance answered.
pub async fn monitoring(state: &AppState) -> Result<MonitoringSnapshot, AppError> {
    let paused = super::settings::handoff(state).await?.paused;
    let down = state.bot_health.down();
    let bot_status = match (paused, &down) {
        (true, _) => "paused",
        (false, Some(_)) => "down",
        (false, None) => "running",
    };
    Ok(MonitoringSnapshot {
        by_state: state.store.count_by_owner().await?,
        operators_online: state.presence.online_count(),
        bot_status: bot_status.to_string(),
        bot_error: down.map(|(_, e)| e),
        now: super::now_ms(),
        instance: state.cluster.instance_id().to_string(),
        broker_connected: state.cluster.broker().map(|b| b.connected),
        instances: state
            .presence
            .instances(state.cluster.instance_id(), super::now_ms()),
    })
}
