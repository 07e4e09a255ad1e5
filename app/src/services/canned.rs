//! Canned replies: admins keep the shared set, each operator their own. Everyone signed in reads
//! the shared set and their own in the composer.

use super::audit::Who;
use super::settings::record_saved;
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
/// "not found" rather than "forbidden": its existence is not theirs to learn. Returns the reply
/// as it is now.
async fn check_may_change(
    state: &AppState,
    me: &UserRow,
    id: i64,
) -> Result<CannedReply, AppError> {
    let missing = || AppError::NotFound(Problem::CannedMissing);
    match state.store.canned(id).await?.ok_or_else(missing)? {
        (None, reply) if me.role() == Role::Admin => Ok(reply),
        (None, _) => Err(AppError::Forbidden),
        (Some(owner), reply) if owner == me.id => Ok(reply),
        (Some(_), _) => Err(missing()),
    }
}

/// The audit log's settings section for the shared replies (a person's own are not logged).
const SECTION: &str = "canned_replies";

/// Adds (`id` None) or changes a reply. `shared` picks the set a new reply joins. A change to
/// the shared set is recorded in the audit log as `who`'s.
pub async fn save(
    state: &AppState,
    me: &UserRow,
    who: &Who,
    id: Option<i64>,
    shared: bool,
    shortcut: &str,
    body: &str,
) -> Result<CannedReply, AppError> {
    let text = check(shortcut, body)?;
    let mut before = None;
    let (id, shared) = match id {
        Some(id) => {
            let current = check_may_change(state, me, id).await?;
            let shared = current.shared;
            before = shared.then_some(current);
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
    let saved = CannedReply {
        id,
        shared,
        shortcut: text.shortcut,
        body: text.body,
    };
    if shared {
        record_saved(state, who, SECTION, &before.as_ref(), &Some(&saved)).await?;
    }
    Ok(saved)
}

/// Deletes a reply; one of the shared set is recorded in the audit log as `who`'s.
pub async fn delete(state: &AppState, me: &UserRow, who: &Who, id: i64) -> Result<(), AppError> {
    let before = check_may_change(state, me, id).await?;
    if !state.store.delete_canned(id).await? {
        return Err(AppError::NotFound(Problem::CannedMissing));
    }
    if before.shared {
        record_saved(state, who, SECTION, &Some(&before), &None).await?;
    }
    Ok(())
}
