//! Conversation ownership changes and the conversation list.

use super::{now_ms, AppState};
use crate::domain::ownership::{OwnerState, Transition, TransitionError};
use crate::dto::{ConversationGroup, ConversationGroups, ConversationSummary, LiveEventKind};
use crate::error::AppError;
use crate::storage::conversations::OwnershipChange;

/// How often a change is recomputed when another one lands between the read and the write.
const MAX_ATTEMPTS: usize = 3;

async fn describe(state: &AppState, e: TransitionError) -> AppError {
    match e {
        TransitionError::AlreadyTaken { by } => {
            let name = match state.store.user_by_id(by).await {
                Ok(Some(u)) => u.display_name,
                _ => "another operator".into(),
            };
            AppError::Conflict(format!("Taken by {name}"))
        }
        TransitionError::NotAssignee => {
            AppError::Conflict("Only the operator who holds this conversation can do that.".into())
        }
        other => AppError::Conflict(format!("Not possible now: {other}.")),
    }
}

/// Applies an ownership transition with a conditional update. When several people act at once,
/// exactly one change lands; the others are recomputed against the new state (and typically
/// refused with who has it now).
pub async fn transition(
    state: &AppState,
    id: i64,
    t: Transition,
    reason: Option<&str>,
) -> Result<ConversationSummary, AppError> {
    transition_at(state, id, t, reason, now_ms()).await
}

pub async fn transition_at(
    state: &AppState,
    id: i64,
    t: Transition,
    reason: Option<&str>,
    now: i64,
) -> Result<ConversationSummary, AppError> {
    let not_found = || AppError::NotFound("That conversation does not exist.".into());
    for _ in 0..MAX_ATTEMPTS {
        let current = state.store.ownership(id).await?.ok_or_else(not_found)?;
        let next = match current.ownership.apply(t) {
            Ok(n) => n,
            Err(e) => return Err(describe(state, e).await),
        };
        let (actor_id, target_id) = match t {
            Transition::Accept(a)
            | Transition::TakeOver(a)
            | Transition::ReturnToBot(a)
            | Transition::Release(a) => (Some(a.id), None),
            Transition::Transfer { by, to } => (Some(by.id), Some(to)),
            Transition::Escalate | Transition::Close | Transition::Reopen => (None, None),
        };
        // Escalation hands the customer to people: the bot stays quiet until given it back.
        let ai_enabled = match next.state {
            OwnerState::Waiting if t == Transition::Escalate => Some(false),
            OwnerState::Bot => Some(true),
            _ => None,
        };
        let applied = state
            .store
            .apply_ownership(&OwnershipChange {
                conversation_id: id,
                expected_version: current.version,
                next,
                ai_enabled,
                event_kind: t.event_kind(),
                actor_id,
                target_id,
                reason,
                escalation: if t == Transition::Escalate {
                    reason
                } else {
                    None
                },
                now,
            })
            .await?;
        if applied {
            let summary = state
                .store
                .conversation_summary(id)
                .await?
                .ok_or_else(not_found)?;
            state.bus.publish(LiveEventKind::ConversationUpdated {
                conversation: summary.clone(),
            });
            return Ok(summary);
        }
    }
    Err(AppError::Conflict(
        "The conversation is changing quickly; look again and retry.".into(),
    ))
}

/// The conversation list: every owner group in display order with its first `per_group` rows.
pub async fn list_groups(state: &AppState, per_group: i64) -> Result<ConversationGroups, AppError> {
    let counts = state.store.count_by_owner().await?;
    let mut groups = Vec::with_capacity(4);
    for s in OwnerState::ALL {
        groups.push(ConversationGroup {
            state: s,
            total: counts
                .iter()
                .find(|(o, _)| *o == s)
                .map(|(_, n)| *n)
                .unwrap_or(0),
            items: state.store.conversations_in(s, per_group).await?,
        });
    }
    Ok(ConversationGroups {
        groups,
        now: now_ms(),
    })
}
