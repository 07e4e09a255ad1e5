//! Deployment settings (admins only): handoff rules and pausing the bot.

use crate::domain::bot::HandoffSettings;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "settings/handoff")]
pub async fn get_handoff() -> Result<HandoffSettings, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Admin).await?;
            Ok((*crate::services::settings::handoff(&state).await?).clone())
        }
        .await,
    )
}

/// Saves the handoff rules. `keywords` holds one phrase per line.
#[server(endpoint = "settings/save_handoff")]
pub async fn save_handoff(
    keywords: String,
    no_match_limit: String,
    confidence_threshold: String,
    confirmation: String,
    confirmation_en: String,
) -> Result<HandoffSettings, AppError> {
    use super::ctx::*;
    use crate::domain::bot::parse_handoff;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Admin).await?;
            let current = crate::services::settings::handoff(&state).await?;
            let h = parse_handoff(
                &keywords,
                &no_match_limit,
                &confidence_threshold,
                &confirmation,
                &confirmation_en,
                current.paused,
            )?;
            crate::services::settings::save_handoff(&state, &h).await?;
            Ok(h)
        }
        .await,
    )
}

/// Pauses the bot (every new customer message goes to the queue) or resumes it.
#[server(endpoint = "settings/pause_bot")]
pub async fn pause_bot(paused: bool) -> Result<(), AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Admin).await?;
            let mut h = (*crate::services::settings::handoff(&state).await?).clone();
            h.paused = paused;
            crate::services::settings::save_handoff(&state, &h).await?;
            tracing::info!(user_id = me.id, paused, "bot pause changed");
            state
                .bus
                .publish(crate::dto::LiveEventKind::BotStatusChanged);
            Ok(())
        }
        .await,
    )
}
