//! The queue: the monitoring overview (operators) and the queue settings (admins).

use crate::domain::queue::QueueSettings;
use crate::dto::QueueOverview;
use crate::error::AppError;
use leptos::prelude::*;

/// Waiting conversations with wait time and SLA state, operators with load, SLA breaches today
/// (`utc_offset_minutes`: the browser's offset east of UTC, `-new Date().getTimezoneOffset()`)
/// and channel health.
#[server(endpoint = "queue/overview")]
pub async fn fetch_queue_overview(
    #[server(default)] utc_offset_minutes: i64,
) -> Result<QueueOverview, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            let mask = crate::services::privacy::Masking::for_user(&state, &me).await?;
            crate::services::queue::overview(&state, utc_offset_minutes)
                .await
                .map(|o| mask.overview(o))
        }
        .await,
    )
}

#[server(endpoint = "settings/queue")]
pub async fn get_queue_settings() -> Result<QueueSettings, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Admin).await?;
            Ok((*crate::services::settings::queue(&state).await?).clone())
        }
        .await,
    )
}

/// Saves the queue settings: `policy` is `first_to_accept` or `round_robin`; `offer_secs`
/// (round robin, 10-3600), `sla_target_secs` (10-86400) and `alert_interval_secs` (30-3600) are
/// whole seconds.
#[server(endpoint = "settings/save_queue")]
pub async fn save_queue_settings(
    policy: String,
    offer_secs: String,
    sla_target_secs: String,
    alert_interval_secs: String,
) -> Result<QueueSettings, AppError> {
    use super::ctx::*;
    use crate::domain::queue::parse_queue_settings;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me, who) = require_who(Role::Admin).await?;
            let s =
                parse_queue_settings(&policy, &offer_secs, &sla_target_secs, &alert_interval_secs)?;
            crate::services::queue::save_settings(&state, &who, &s).await?;
            tracing::info!(
                user_id = me.id,
                policy = s.policy.as_str(),
                "queue settings changed"
            );
            Ok(s)
        }
        .await,
    )
}
