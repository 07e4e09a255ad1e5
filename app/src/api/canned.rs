//! Canned replies: the composer's list, and the editors (shared: admins; personal: everyone).

use crate::dto::CannedReply;
use crate::error::AppError;
use leptos::prelude::*;

/// The signed-in person's replies and the shared ones, for the composer's `/` list.
#[server(endpoint = "canned/composer")]
pub async fn canned_for_composer() -> Result<Vec<CannedReply>, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            crate::services::canned::for_composer(&state, &me).await
        }
        .await,
    )
}

/// One set for its editor: the shared replies (`shared`) or the signed-in person's own.
#[server(endpoint = "canned/list")]
pub async fn list_canned(shared: bool) -> Result<Vec<CannedReply>, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            crate::services::canned::list(&state, &me, shared).await
        }
        .await,
    )
}

/// Adds a reply (no `id`) to the shared set (`shared`, admins) or one's own, or changes one.
#[server(endpoint = "canned/save")]
pub async fn save_canned(
    #[server(default)] id: Option<i64>,
    #[server(default)] shared: bool,
    shortcut: String,
    body: String,
) -> Result<CannedReply, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me, who) = require_who(Role::Operator).await?;
            crate::services::canned::save(&state, &me, &who, id, shared, &shortcut, &body).await
        }
        .await,
    )
}

#[server(endpoint = "canned/delete")]
pub async fn delete_canned(id: i64) -> Result<(), AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me, who) = require_who(Role::Operator).await?;
            crate::services::canned::delete(&state, &me, &who, id).await
        }
        .await,
    )
}
