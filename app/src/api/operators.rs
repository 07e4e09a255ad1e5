//! Account management (admins only).

use crate::dto::UserDto;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "operators/list")]
pub async fn list_operators() -> Result<Vec<UserDto>, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Admin).await?;
            crate::services::operators::list(&state).await
        }
        .await,
    )
}

#[server(endpoint = "operators/create")]
pub async fn create_operator(
    email: String,
    display_name: String,
    role: String,
    max_conversations: String,
    password: String,
) -> Result<UserDto, AppError> {
    use super::ctx::*;
    use crate::domain::users::{NewAccount, Role};
    respond(
        async {
            let (state, _, who) = require_who(Role::Admin).await?;
            let account =
                NewAccount::parse(&email, &display_name, &role, &max_conversations, &password)?;
            crate::services::operators::create_by(&state, &who, account).await
        }
        .await,
    )
}

#[server(endpoint = "operators/set_role")]
pub async fn set_operator_role(id: i64, role: String) -> Result<UserDto, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _, who) = require_who(Role::Admin).await?;
            let role = Role::parse(&role).ok_or_else(|| {
                AppError::field("role", crate::domain::problem::Problem::RoleUnknown)
            })?;
            crate::services::operators::set_role(&state, &who, id, role).await
        }
        .await,
    )
}

#[server(endpoint = "operators/set_active")]
pub async fn set_operator_active(id: i64, active: bool) -> Result<UserDto, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _, who) = require_who(Role::Admin).await?;
            crate::services::operators::set_active(&state, &who, id, active).await
        }
        .await,
    )
}

/// An admin sets a new password for an account; that account's sessions end.
#[server(endpoint = "operators/set_password")]
pub async fn set_operator_password(id: i64, password: String) -> Result<(), AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me, who) = require_who(Role::Admin).await?;
            let token = session_token(&parts()?).ok_or(AppError::Unauthorized)?;
            crate::services::auth::set_password_for(&state, &me, &who, &token, id, &password).await
        }
        .await,
    )
}
