//! Scenarios: everyone signed in can read them and try a message; only admins change them.

use crate::dto::{ScenarioDto, TryResult};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "scenarios/list")]
pub async fn list_scenarios() -> Result<Vec<ScenarioDto>, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Operator).await?;
            crate::services::scenarios::list(&state).await
        }
        .await,
    )
}

/// Creates (`id` 0) or replaces a scenario. `triggers` holds one trigger per line; `channels`
/// is a comma-separated list (empty: every channel).
#[server(endpoint = "scenarios/save")]
#[allow(clippy::too_many_arguments)]
pub async fn save_scenario(
    id: i64,
    name: String,
    triggers: String,
    response: String,
    priority: String,
    channels: String,
    enabled: bool,
) -> Result<ScenarioDto, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    use crate::services::scenarios::{save, ScenarioForm};
    respond(
        async {
            let (state, _) = require(Role::Admin).await?;
            let channels: Vec<String> = channels
                .split(',')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect();
            let form = ScenarioForm {
                name: &name,
                triggers: &triggers,
                response: &response,
                priority: &priority,
                channels: &channels,
                enabled,
            };
            save(&state, (id > 0).then_some(id), &form).await
        }
        .await,
    )
}

#[server(endpoint = "scenarios/set_enabled")]
pub async fn set_scenario_enabled(id: i64, enabled: bool) -> Result<(), AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Admin).await?;
            crate::services::scenarios::set_enabled(&state, id, enabled).await
        }
        .await,
    )
}

#[server(endpoint = "scenarios/delete")]
pub async fn delete_scenario(id: i64) -> Result<(), AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Admin).await?;
            crate::services::scenarios::delete(&state, id).await
        }
        .await,
    )
}

/// What the bot would answer to `text` on `channel` (whatsapp, telegram or web), from `source`:
/// `draft` or `live` (the default).
#[server(endpoint = "scenarios/try")]
pub async fn try_message(
    text: String,
    channel: String,
    source: Option<String>,
) -> Result<TryResult, AppError> {
    use super::ctx::*;
    use crate::domain::problem::Problem;
    use crate::domain::users::Role;
    use crate::dto::Channel;
    use crate::services::scenarios::TrySource;
    respond(
        async {
            let (state, _) = require(Role::Operator).await?;
            let channel = Channel::parse(&channel)
                .ok_or_else(|| AppError::field("channel", Problem::ChannelPick))?;
            let source = match source.as_deref() {
                None | Some("") => TrySource::Live,
                Some(s) => TrySource::parse(s)
                    .ok_or_else(|| AppError::field("source", Problem::TrySourceUnknown))?,
            };
            if text.trim().is_empty() {
                return Err(AppError::field("text", Problem::TryTextMissing));
            }
            crate::services::scenarios::try_message(&state, &text, channel, source).await
        }
        .await,
    )
}
