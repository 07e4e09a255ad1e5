//! Canned replies: admins keep the shared set, each operator their own. Everyone signed in reads
//! the shared set and their own in the composer.

use super::{now_ms, AppState};
use crate::domain::canned::{check, MAX_PER_OWNER};
use crate::domain::problem::Problem;
use crate::domain::users::Role;
use crate::dto::CannedReply;
use crate::error::AppError;
use crate::storage::users::UserRow;

/// What the composer offers `me`: their own replies first, then the shared ones.
pub async fn for_composer(state: &AppState, me: &UserRow) -> Result<Vec<CannedReply>, AppError> {
    Ok(state.store.canned_for(me.id).await?)
}

/// The shared set (`shared`) or `me`'s own, for their editor.
pub async fn list(
    state: &AppState,
    me: &UserRow,
    shared: bool,
) -> Result<Vec<CannedReply>, AppError> {
    Ok(state.store.canned_of(owner(me, shared)).await?)
}

fn owner(me: &UserRow, shared: bool) -> Option<i64> {
    (!shared).then_some(me.id)
}

/// The shared set is the admins'; a personal reply is its owner's alone. Someone else's reply is
/// "not found" rather than "forbidden": its existence is not theirs to learn.
async fn check_may_change(state: &AppState, me: &UserRow, id: i64) -> Result<bool, AppError> {
    let missing = || AppError::NotFound(Problem::CannedMissing);
    match state.store.canned_owner(id).await?.ok_or_else(missing)? {
        None if me.role() == Role::Admin => Ok(true),
        None => Err(AppError::Forbidden),
        Some(owner) if owner == me.id => Ok(false),
        Some(_) => Err(missing()),
    }
}

/// Adds (`id` None) or changes a reply. `shared` picks the set a new reply joins.
pub async fn save(
    state: &AppState,
    me: &UserRow,
    id: Option<i64>,
    shared: bool,
    shortcut: &str,
    body: &str,
) -> Result<CannedReply, AppError> {
    let text = check(shortcut, body)?;
    let (id, shared) = match id {
        Some(id) => {
            let shared = check_may_change(state, me, id).await?;
            if !state
                .store
                .update_canned(id, &text.shortcut, &text.body, now_ms())
                .await?
            {
                return Err(AppError::NotFound(Problem::CannedMissing));
            }
            (id, shared)
        }
        None => {
            if shared && me.role() != Role::Admin {
                return Err(AppError::Forbidden);
            }
            let id = state
                .store
                .create_canned(
                    owner(me, shared),
                    &text.shortcut,
                    &text.body,
                    MAX_PER_OWNER,
                    now_ms(),
                )
                .await?
                .ok_or(AppError::Conflict(Problem::TooManyCanned {
                    max: MAX_PER_OWNER,
                }))?;
            (id, shared)
        }
    };
    Ok(CannedReply {
        id,
        shared,
        shortcut: text.shortcut,
        body: text.body,
    })
}

pub async fn delete(state: &AppState, me: &UserRow, id: i64) -> Result<(), AppError> {
    check_may_change(state, me, id).await?;
    if !state.store.delete_canned(id).await? {
        return Err(AppError::NotFound(Problem::CannedMissing));
    }
    Ok(())
}
