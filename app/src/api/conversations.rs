//! The conversation list, monitoring counts and ownership actions.

use crate::dto::{ConversationGroups, ConversationSummary, MonitoringSnapshot};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "conversations/list")]
pub async fn list_conversations() -> Result<ConversationGroups, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Operator).await?;
            crate::services::conversations::list_groups(&state, 50).await
        }
        .await,
    )
}

#[server(endpoint = "monitoring")]
pub async fn monitoring() -> Result<MonitoringSnapshot, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Operator).await?;
            let paused = crate::services::settings::handoff(&state).await?.paused;
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
                now: crate::services::now_ms(),
            })
        }
        .await,
    )
}

/// Claims a waiting conversation. Of several operators accepting at once exactly one wins; the
/// others get 409 `Taken by <name>`.
#[server(endpoint = "conversations/accept")]
pub async fn accept_conversation(id: i64) -> Result<ConversationSummary, AppError> {
    use super::ctx::*;
    use crate::domain::ownership::{Actor, Transition};
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            let actor = Actor {
                id: me.id,
                is_admin: me.role() == Role::Admin,
            };
            crate::services::conversations::transition(&state, id, Transition::Accept(actor), None)
                .await
        }
        .await,
    )
}
