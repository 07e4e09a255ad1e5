//! Scenario versions: admins list them, publish the draft, and restore an old version.

use crate::dto::VersionsDto;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "scenarios/versions")]
pub async fn scenario_versions() -> Result<VersionsDto, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Admin).await?;
            crate::services::scenario_versions::overview(&state).await
        }
        .await,
    )
}

/// Makes the draft the live version; returns its number.
#[server(endpoint = "scenarios/publish")]
pub async fn publish_scenarios(note: String) -> Result<i64, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _, who) = require_who(Role::Admin).await?;
            crate::services::scenario_versions::publish(&state, &who, &note).await
        }
        .await,
    )
}

/// Publishes version `id` again as a new version; returns its number.
#[server(endpoint = "scenarios/restore")]
pub async fn restore_scenarios(id: i64) -> Result<i64, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _, who) = require_who(Role::Admin).await?;
            crate::services::scenario_versions::restore(&state, &who, id).await
        }
        .await,
    )
}
