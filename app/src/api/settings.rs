//! Deployment settings (admins only): handoff rules and pausing the bot.
// `save_business_hours` takes one field per weekday, as its form posts them (with JavaScript or
// without): the `#[server]` macro's browser-side function does not carry an item's allowance.
#![allow(clippy::too_many_arguments)]

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
            let (state, _, who) = require_who(Role::Admin).await?;
            let current = crate::services::settings::handoff(&state).await?;
            let h = parse_handoff(
                &keywords,
                &no_match_limit,
                &confidence_threshold,
                &confirmation,
                &confirmation_en,
                current.paused,
            )?;
            crate::services::settings::save_handoff_by(&state, &who, &h).await?;
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
            let (state, me, who) = require_who(Role::Admin).await?;
            let mut h = (*crate::services::settings::handoff(&state).await?).clone();
            h.paused = paused;
            crate::services::settings::save_handoff_by(&state, &who, &h).await?;
            tracing::info!(user_id = me.id, paused, "bot pause changed");
            state
                .bus
                .publish(crate::dto::LiveEventKind::BotStatusChanged);
            Ok(())
        }
        .await,
    )
}

/// Business hours (admins only).
#[server(endpoint = "settings/business_hours")]
pub async fn get_business_hours() -> Result<crate::domain::hours::BusinessHours, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Admin).await?;
            Ok((*crate::services::settings::business_hours(&state).await?).clone())
        }
        .await,
    )
}

/// Saves business hours: the time zone, each weekday's intervals (`day0` is Monday), closed
/// dates (one per line), the out-of-hours replies and whether to page anyway.
#[server(endpoint = "settings/save_business_hours")]
pub async fn save_business_hours(
    time_zone: String,
    day0: String,
    day1: String,
    day2: String,
    day3: String,
    day4: String,
    day5: String,
    day6: String,
    closed_dates: String,
    out_of_hours: String,
    out_of_hours_en: String,
    #[server(default)] page_anyway: bool,
) -> Result<crate::domain::hours::BusinessHours, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me, who) = require_who(Role::Admin).await?;
            let week = [day0, day1, day2, day3, day4, day5, day6];
            let h = crate::domain::hours::parse_business_hours(
                &time_zone,
                &week,
                &closed_dates,
                &out_of_hours,
                &out_of_hours_en,
                page_anyway,
            )?;
            crate::services::settings::save_business_hours_by(&state, &who, &h).await?;
            tracing::info!(user_id = me.id, "business hours changed");
            Ok(h)
        }
        .await,
    )
}

/// Satisfaction survey settings (admins only).
#[server(endpoint = "settings/csat")]
pub async fn get_csat() -> Result<crate::domain::csat::CsatSettings, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Admin).await?;
            Ok((*crate::services::settings::csat(&state).await?).clone())
        }
        .await,
    )
}

/// Saves the survey settings: on (`enabled` present) or off, the scale, the question in both
/// languages.
#[server(endpoint = "settings/save_csat")]
pub async fn save_csat(
    #[server(default)] enabled: bool,
    scale: String,
    question: String,
    question_en: String,
) -> Result<crate::domain::csat::CsatSettings, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me, who) = require_who(Role::Admin).await?;
            let c =
                crate::domain::csat::parse_csat_settings(enabled, &scale, &question, &question_en)?;
            crate::services::settings::save_csat_by(&state, &who, &c).await?;
            tracing::info!(
                user_id = me.id,
                enabled = c.enabled,
                "survey settings changed"
            );
            Ok(c)
        }
        .await,
    )
}
