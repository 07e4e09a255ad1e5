//! Operator and admin accounts.

use super::audit::{self, Who};
use super::{auth::hash_password, now_ms, AppState};
use crate::domain::audit::AuditKind;
use crate::domain::problem::Problem;
use crate::domain::users::{NewAccount, Role};
use crate::dto::{LiveEventKind, OperatorStatus, UserDto};
use crate::error::AppError;
use crate::storage::users::NewUser;

pub async fn list(state: &AppState) -> Result<Vec<UserDto>, AppError> {
    Ok(state
        .store
        .list_users()
        .await?
        .iter()
        .map(|u| u.to_dto())
        .collect())
}

/// An account created by `who` (an admin, or the system for the first admin), recorded in the
/// audit log.
pub async fn create_by(
    state: &AppState,
    who: &Who,
    account: NewAccount,
) -> Result<UserDto, AppError> {
    let user = create(state, account).await?;
    audit::record(
        state,
        who,
        AuditKind::AccountCreated,
        Some(&format!("user:{}", user.id)),
        serde_json::json!({
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role.as_str(),
            "max_conversations": user.max_conversations,
        }),
    )
    .await?;
    Ok(user)
}

/// Creates an account (not recorded: demo data; people create accounts with [`create_by`]).
pub async fn create(state: &AppState, account: NewAccount) -> Result<UserDto, AppError> {
    let hash = hash_password(account.password.expose()).await?;
    let row = state
        .store
        .create_user(
            &NewUser {
                email: account.email.as_str(),
                display_name: account.display_name.as_str(),
                password_hash: &hash,
                role: account.role,
                max_conversations: account.max_conversations.get(),
            },
            now_ms(),
        )
        .await?;
    tracing::info!(user_id = row.id, role = %account.role, "account created");
    state.bus.publish(LiveEventKind::OperatorsChanged);
    Ok(row.to_dto())
}

async fn existing(state: &AppState, id: i64) -> Result<crate::storage::users::UserRow, AppError> {
    state
        .store
        .user_by_id(id)
        .await?
        .ok_or(AppError::NotFound(Problem::AccountGone))
}

/// Refuses a change that would leave nobody able to administer Baton.
async fn keep_an_admin(state: &AppState, target_is_active_admin: bool) -> Result<(), AppError> {
    if target_is_active_admin && state.store.count_active_admins().await? <= 1 {
        return Err(AppError::Conflict(Problem::LastAdmin));
    }
    Ok(())
}

/// What an entry about an account says of it besides the change: who it is.
fn account_details(
    user: &crate::storage::users::UserRow,
    before: serde_json::Value,
    after: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "email": user.email,
        "display_name": user.display_name,
        "before": before,
        "after": after,
    })
}

/// `who` (an admin) gives account `id` another role; a change is recorded.
pub async fn set_role(
    state: &AppState,
    who: &Who,
    id: i64,
    role: Role,
) -> Result<UserDto, AppError> {
    let user = existing(state, id).await?;
    if user.role() == Role::Admin && role != Role::Admin {
        keep_an_admin(state, user.active).await?;
    }
    state.store.set_user_role(id, role, now_ms()).await?;
    state.bus.publish(LiveEventKind::OperatorsChanged);
    if user.role() != role {
        let details = account_details(
            &user,
            serde_json::json!({ "role": user.role().as_str() }),
            serde_json::json!({ "role": role.as_str() }),
        );
        audit::record(
            state,
            who,
            AuditKind::RoleChanged,
            Some(&format!("user:{id}")),
            details,
        )
        .await?;
    }
    Ok(existing(state, id).await?.to_dto())
}

/// `who` (an admin) deactivates or reactivates account `id`; a change is recorded.
pub async fn set_active(
    state: &AppState,
    who: &Who,
    id: i64,
    active: bool,
) -> Result<UserDto, AppError> {
    let user = existing(state, id).await?;
    if !active {
        if Some(id) == who.id {
            return Err(AppError::Conflict(Problem::DeactivateSelf));
        }
        keep_an_admin(state, user.role() == Role::Admin && user.active).await?;
    }
    state.store.set_user_active(id, active, now_ms()).await?;
    if !active {
        tracing::info!(user_id = id, "account deactivated; sessions ended");
        state.sessions_ended(id);
        state
            .bus
            .publish(LiveEventKind::UserDeactivated { user_id: id });
    }
    state.bus.publish(LiveEventKind::OperatorsChanged);
    if user.active != active {
        let kind = if active {
            AuditKind::AccountReactivated
        } else {
            AuditKind::AccountDeactivated
        };
        let details = account_details(
            &user,
            serde_json::json!({ "active": user.active }),
            serde_json::json!({ "active": active }),
        );
        audit::record(state, who, kind, Some(&format!("user:{id}")), details).await?;
    }
    Ok(existing(state, id).await?.to_dto())
}

/// Production bootstrap: on an empty database, creates the first admin from configuration.
/// Returns whether an account was created.
pub async fn bootstrap_admin(
    state: &AppState,
    email: &str,
    password: &str,
) -> Result<bool, AppError> {
    if state.store.count_users().await? > 0 {
        return Ok(false);
    }
    let account = NewAccount::parse(email, "Admin", "admin", "10", password)?;
    create_by(state, &Who::system(), account).await?;
    Ok(true)
}

/// Everyone who could take a conversation, with whether they are online, available and how
/// much they hold.
pub async fn operator_statuses(state: &AppState) -> Result<Vec<OperatorStatus>, AppError> {
    let mut all = state.store.operator_statuses().await?;
    for o in &mut all {
        o.online = state.presence.is_online(o.id);
    }
    Ok(all)
}

/// An operator's live socket opened: counted, and announced when they just came online (to this
/// instance's and the other instances' routing, and to everyone's operators list).
pub fn socket_opened(state: &AppState, user_id: i64) {
    if state.presence.connect(user_id) {
        presence_changed(state);
    }
}

/// An operator's live socket closed; announced when it was their last.
pub fn socket_closed(state: &AppState, user_id: i64) {
    if state.presence.disconnect(user_id) {
        presence_changed(state);
    }
}

fn presence_changed(state: &AppState) {
    // The other instances learn first, so routing there sees the change by the time the event
    // makes operators' lists reload.
    state.announce_presence();
    state.bus.publish(LiveEventKind::OperatorsChanged);
}
