//! Conversation ownership changes and the conversation list.

use super::{now_ms, AppState};
use crate::domain::audit::AuditKind;
use crate::domain::history::{SystemLine, Why};
use crate::domain::ownership::{Actor, OwnerState, Transition, TransitionError};
use crate::domain::problem::{count, Problem};
use crate::domain::users::Role;
use crate::dto::{
    ConversationDetail, ConversationGroup, ConversationGroups, ConversationSummary, ListFilter,
    LiveEventKind, MessagePage,
};
use crate::error::AppError;
use crate::storage::chat::GroupQuery;
use crate::storage::conversations::{NewMessage, OwnershipChange};
use crate::storage::users::UserRow;
use crate::text::history::english;

/// How often a change is recomputed when another one lands between the read and the write.
const MAX_ATTEMPTS: usize = 3;

async fn describe(state: &AppState, e: TransitionError) -> AppError {
    match e {
        TransitionError::AlreadyTaken { by } => {
            let name = match state.store.user_by_id(by).await {
                Ok(Some(u)) => Some(u.display_name),
                _ => None,
            };
            AppError::Conflict(Problem::TakenBy { name })
        }
        TransitionError::NotAssignee => AppError::Conflict(Problem::NotHolder),
        TransitionError::NotAllowed { from, action } => AppError::Conflict(Problem::NotNow {
            state: from,
            change: action,
        }),
        TransitionError::SameOperator => AppError::Conflict(Problem::SameOperator),
    }
}

/// How many messages the chat view loads at a time.
pub const PAGE: i64 = 50;

fn not_found() -> AppError {
    AppError::NotFound(Problem::ConversationMissing)
}

/// The acting person as the ownership rules see them.
pub fn actor(user: &UserRow) -> Actor {
    Actor {
        id: user.id,
        is_admin: user.role() == Role::Admin,
    }
}

async fn name_of(state: &AppState, id: Option<i64>) -> Result<Option<String>, AppError> {
    Ok(match id {
        Some(id) => state.store.user_by_id(id).await?.map(|u| u.display_name),
        None => None,
    })
}

/// Publishes a stored message (a history line, an operator reply) to everyone watching.
async fn announce_message(state: &AppState, id: i64) -> Result<(), AppError> {
    if let Some(message) = state.store.message(id).await? {
        state.bus.publish(LiveEventKind::MessageCreated { message });
    }
    Ok(())
}

/// Publishes a conversation's new summary (list rows, chat headers, banners follow it).
pub async fn announce_conversation(
    state: &AppState,
    id: i64,
) -> Result<ConversationSummary, AppError> {
    let summary = state
        .store
        .conversation_summary(id)
        .await?
        .ok_or_else(not_found)?;
    state.bus.publish(LiveEventKind::ConversationUpdated {
        conversation: summary.clone(),
    });
    Ok(summary)
}

/// [`announce_conversation`] for several conversations, read in one query.
pub async fn announce_conversations(state: &AppState, ids: &[i64]) -> Result<(), AppError> {
    for conversation in state.store.conversation_summaries(ids).await? {
        state
            .bus
            .publish(LiveEventKind::ConversationUpdated { conversation });
    }
    Ok(())
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
    let why = reason.map(|r| Why::Text(r.to_string()));
    change_at(state, id, t, why, reason, now).await
}

/// Escalates conversation `id` for a bot's `reason` (as data: each reader's interface words it)
/// at `now`, as the bot would have (demo data).
pub async fn escalate_at(
    state: &AppState,
    id: i64,
    reason: crate::domain::bot::EscalationReason,
    now: i64,
) -> Result<ConversationSummary, AppError> {
    let code = reason.code();
    change_at(
        state,
        id,
        Transition::Escalate,
        Some(Why::Bot(reason)),
        Some(code),
        now,
    )
    .await
}

/// [`transition_at`] with the history line's reason as data and the reason recorded in the log
/// (and, for an escalation, kept on the conversation).
async fn change_at(
    state: &AppState,
    id: i64,
    t: Transition,
    why: Option<Why>,
    reason: Option<&str>,
    now: i64,
) -> Result<ConversationSummary, AppError> {
    let (actor_id, target_id) = match t {
        Transition::Accept(a)
        | Transition::TakeOver(a)
        | Transition::ReturnToBot(a)
        | Transition::Release(a)
        | Transition::Close(Some(a)) => (Some(a.id), None),
        Transition::Transfer { by, to } => (Some(by.id), Some(to)),
        Transition::Escalate | Transition::Close(None) | Transition::Reopen => (None, None),
    };
    let confidence = match &why {
        Some(Why::Bot(crate::domain::bot::EscalationReason::LowConfidence(c))) => Some(*c),
        _ => None,
    };
    let system = SystemLine::new(
        t.event_kind(),
        name_of(state, actor_id).await?.as_deref(),
        name_of(state, target_id).await?.as_deref(),
    )
    .because(why);
    let line = english(&system);
    let system = system.to_json();
    for _ in 0..MAX_ATTEMPTS {
        let current = state.store.ownership(id).await?.ok_or_else(not_found)?;
        let next = match current.ownership.apply(t) {
            Ok(n) => n,
            Err(e) => return Err(describe(state, e).await),
        };
        if let Transition::Accept(a) = t {
            check_capacity(state, a).await?;
        }
        // Escalation hands the customer to people: the bot stays quiet until given it back.
        let ai_enabled = match next.state {
            OwnerState::Waiting if t == Transition::Escalate => Some(false),
            OwnerState::Bot => Some(true),
            _ => None,
        };
        // Waiting starts the queue (routing, first alerts) in the same transaction.
        let queue = if next.state == OwnerState::Waiting {
            Some(super::queue::plan_start(state, id, now).await?)
        } else {
            None
        };
        let applied = state
            .store
            .apply_ownership_lines(&OwnershipChange {
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
                confidence,
                history_line: &line,
                system_line: &system,
                queue: queue.as_ref(),
                now,
            })
            .await?;
        if let Some(line_ids) = applied {
            let summary = announce_conversation(state, id).await?;
            let (first, queue_lines) = line_ids.split_at(line_ids.len().min(1));
            for l in first {
                announce_message(state, *l).await?;
            }
            if next.state == OwnerState::Waiting || current.ownership.state == OwnerState::Waiting {
                super::queue::announce(state, queue_lines).await?;
            }
            if next.assignee != current.ownership.assignee {
                // Someone's load changed.
                state.bus.publish(LiveEventKind::OperatorsChanged);
            }
            // Closing what an operator held asks the customer to rate it (when surveys are on).
            if matches!(t, Transition::Close(_)) && current.ownership.state == OwnerState::Assigned
            {
                super::csat::ask_after_close(state, id, current.ownership.assignee, now).await?;
            }
            return Ok(summary);
        }
    }
    Err(AppError::Conflict(Problem::Busy))
}

/// Who holds a conversation, for an audit entry.
fn holder(s: &ConversationSummary) -> serde_json::Value {
    serde_json::json!({
        "owner": s.owner.as_str(),
        "assignee_id": s.assignee_id,
        "assignee": s.assignee_name,
    })
}

/// An ownership action `me` took from the chat header; take-overs, and transfers by admins, are
/// recorded in the audit log (who held it before and after).
pub async fn act(
    state: &AppState,
    me: &UserRow,
    who: &super::audit::Who,
    id: i64,
    t: Transition,
) -> Result<ConversationSummary, AppError> {
    let before = state.store.conversation_summary(id).await?;
    let after = transition(state, id, t, None).await?;
    let kind = match t {
        Transition::TakeOver(_) => Some(AuditKind::TakenOver),
        Transition::Transfer { .. } if me.role() == Role::Admin => Some(AuditKind::Transferred),
        _ => None,
    };
    if let (Some(kind), Some(before)) = (kind, before) {
        // No customer data (an erasure must leave none behind in the log): ids and holders.
        let details = serde_json::json!({
            "channel": after.channel.as_str(),
            "before": holder(&before),
            "after": holder(&after),
        });
        super::audit::record(
            state,
            who,
            kind,
            Some(&format!("conversation:{id}")),
            details,
        )
        .await?;
    }
    Ok(after)
}

/// Accepting is refused beyond the operator's capacity (admins are not limited, as with taking
/// over). The check reads the current load: two accepts at the very same moment may both pass.
async fn check_capacity(state: &AppState, a: Actor) -> Result<(), AppError> {
    if a.is_admin {
        return Ok(());
    }
    match state.store.user_load(a.id).await? {
        Some((load, capacity)) if load >= capacity => {
            Err(AppError::Conflict(Problem::AtCapacity { load, capacity }))
        }
        _ => Ok(()),
    }
}

/// The conversation list: every owner group the filter shows, in display order, with its first
/// `per_group` rows (the closed archive from `closed_offset`).
pub async fn list_groups(
    state: &AppState,
    me: i64,
    filter: ListFilter,
    search: Option<&str>,
    per_group: i64,
    closed_offset: i64,
) -> Result<ConversationGroups, AppError> {
    let search = search
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty());
    let assignee = (filter == ListFilter::Mine).then_some(me);
    let plain = search.is_none() && assignee.is_none();
    let counts = if plain {
        state.store.count_by_owner().await?
    } else {
        Vec::new()
    };
    let mut groups = Vec::with_capacity(4);
    for s in OwnerState::ALL.into_iter().filter(|s| filter.shows(*s)) {
        let q = GroupQuery {
            state: s,
            search: search.as_deref(),
            assignee,
            limit: per_group,
            offset: if s == OwnerState::Closed {
                closed_offset.max(0)
            } else {
                0
            },
        };
        let total = if plain {
            counts
                .iter()
                .find(|(o, _)| *o == s)
                .map(|(_, n)| *n)
                .unwrap_or(0)
        } else {
            state.store.count_group(&q).await?
        };
        groups.push(ConversationGroup {
            state: s,
            total,
            offset: q.offset,
            items: state.store.conversation_group(&q).await?,
        });
    }
    Ok(ConversationGroups {
        groups,
        now: now_ms(),
        sla_target_ms: super::settings::queue(state).await?.target_ms(),
    })
}

/// The waiting conversations' ids, for the page title and the app badge (which then follow the
/// live events).
pub async fn waiting_ids(state: &AppState) -> Result<Vec<i64>, AppError> {
    Ok(state
        .store
        .waiting_ids(crate::dto::WAITING_COUNTED as i64)
        .await?)
}

/// What the chat view needs when it opens a conversation.
pub async fn open(state: &AppState, id: i64) -> Result<ConversationDetail, AppError> {
    let summary = state
        .store
        .conversation_summary(id)
        .await?
        .ok_or_else(not_found)?;
    let (messages, has_earlier) = state.store.message_page(id, None, PAGE).await?;
    super::signals::opened(state, id);
    Ok(ConversationDetail {
        summary,
        contact_phone: state.store.contact_phone(id).await?,
        page: MessagePage {
            messages,
            has_earlier,
        },
        now: now_ms(),
    })
}

/// The page of messages before message `before`.
pub async fn earlier(state: &AppState, id: i64, before: i64) -> Result<MessagePage, AppError> {
    let (messages, has_earlier) = state.store.message_page(id, Some(before), PAGE).await?;
    Ok(MessagePage {
        messages,
        has_earlier,
    })
}

pub use crate::domain::MAX_REPLY_CHARS;

/// An operator's reply: only the operator holding the conversation may write, and on WhatsApp
/// only within the 24-hour window (past it, a template); it is stored and queued for delivery
/// through the customer's channel in one transaction.
pub async fn send_reply(
    state: &AppState,
    me: &UserRow,
    id: i64,
    text: &str,
) -> Result<crate::dto::MessageDto, AppError> {
    send_reply_at(state, me, id, text, now_ms()).await
}

/// [`send_reply`] written at `now` (a driven clock: tests, demo data).
pub async fn send_reply_at(
    state: &AppState,
    me: &UserRow,
    id: i64,
    text: &str,
    now: i64,
) -> Result<crate::dto::MessageDto, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::field("text", Problem::ReplyEmpty));
    }
    if text.chars().count() > MAX_REPLY_CHARS {
        return Err(AppError::field(
            "text",
            Problem::ReplyTooLong {
                max: count(MAX_REPLY_CHARS),
            },
        ));
    }
    let summary = held_by(state, me, id).await?;
    if !crate::domain::reply_window::is_open(summary.reply_window_closes_at, now) {
        return Err(AppError::Conflict(Problem::ReplyWindowClosed));
    }
    let message_id = state
        .store
        .queue_outbound(&operator_message(&summary, me, text, now))
        .await?;
    queued(state, id, message_id).await
}

/// The conversation `me` holds, read once: who holds it (and their name) and the channel to reply
/// through. Only the holder may write to the customer.
pub(crate) async fn held_by(
    state: &AppState,
    me: &UserRow,
    id: i64,
) -> Result<ConversationSummary, AppError> {
    let summary = state
        .store
        .conversation_summary(id)
        .await?
        .ok_or_else(not_found)?;
    let ownership = crate::domain::ownership::Ownership {
        state: summary.owner,
        assignee: summary.assignee_id,
    };
    if !ownership.may_send(me.id) {
        return Err(match summary.assignee_id {
            Some(other) if other != me.id => AppError::Conflict(Problem::HeldBy {
                name: summary.assignee_name.clone(),
            }),
            _ => AppError::Conflict(Problem::AcceptFirst),
        });
    }
    Ok(summary)
}

/// An operator's message to the customer, to queue for delivery.
pub(crate) fn operator_message<'a>(
    summary: &ConversationSummary,
    me: &UserRow,
    text: &'a str,
    now: i64,
) -> NewMessage<'a> {
    NewMessage {
        conversation_id: summary.id,
        channel: summary.channel,
        sender: "operator",
        author_id: Some(me.id),
        body: text,
        media_type: None,
        media_url: None,
        platform_message_id: None,
        bot_confidence: None,
        context_used: None,
        delivery_status: Some("sending"),
        created_at: now,
    }
}

/// After an operator's message was queued: wakes delivery and shows it to everyone watching.
pub(crate) async fn queued(
    state: &AppState,
    id: i64,
    message_id: i64,
) -> Result<crate::dto::MessageDto, AppError> {
    state.wake(crate::bus::cluster::Worker::Delivery);
    let message = state
        .store
        .message(message_id)
        .await?
        .ok_or_else(not_found)?;
    state.bus.publish(LiveEventKind::MessageCreated {
        message: message.clone(),
    });
    announce_conversation(state, id).await?;
    Ok(message)
}

/// Puts a failed outbound message back in the delivery queue.
pub async fn retry(state: &AppState, me: &UserRow, message_id: i64) -> Result<(), AppError> {
    let message = state
        .store
        .message(message_id)
        .await?
        .ok_or(AppError::NotFound(Problem::MessageMissing))?;
    let current = state
        .store
        .ownership(message.conversation_id)
        .await?
        .ok_or_else(not_found)?;
    if !current.ownership.may_send(me.id) && me.role() != Role::Admin {
        return Err(AppError::Conflict(Problem::ResendNotHolder));
    }
    if !state
        .store
        .retry_failed_message(message_id, now_ms())
        .await?
    {
        return Err(AppError::Conflict(Problem::NothingToRetry));
    }
    state.wake(crate::bus::cluster::Worker::Delivery);
    state.bus.publish(LiveEventKind::MessageUpdated {
        conversation_id: message.conversation_id,
        message_id,
        delivery_status: "sending".into(),
        error: None,
        error_kind: None,
    });
    Ok(())
}

/// Switches the AI bot on or off for one conversation (the holder or an admin; while the bot owns
/// it, any operator may silence it).
pub async fn set_ai(
    state: &AppState,
    me: &UserRow,
    who: &super::audit::Who,
    id: i64,
    on: bool,
) -> Result<ConversationSummary, AppError> {
    let current = state.store.ownership(id).await?.ok_or_else(not_found)?;
    let allowed = me.role() == Role::Admin
        || current.ownership.assignee == Some(me.id)
        || current.ownership.assignee.is_none();
    if !allowed {
        return Err(AppError::Conflict(Problem::AiNotHolder));
    }
    let kind = if on { "ai_on" } else { "ai_off" };
    let system = SystemLine::new(kind, Some(&me.display_name), None);
    if let Some(line_id) = state
        .store
        .set_ai_enabled(
            id,
            on,
            me.id,
            &english(&system),
            &system.to_json(),
            now_ms(),
        )
        .await?
    {
        announce_message(state, line_id).await?;
        if on {
            // Customer messages that arrived while it was off wait for the bot's decision.
            state.wake(crate::bus::cluster::Worker::Bot);
        }
        super::audit::record(
            state,
            who,
            AuditKind::AiSwitched,
            Some(&format!("conversation:{id}")),
            serde_json::json!({
                "before": { "ai_enabled": !on },
                "after": { "ai_enabled": on },
            }),
        )
        .await?;
    }
    announce_conversation(state, id).await
}

/// Available / Away: away operators are not offered conversations.
pub async fn set_available(
    state: &AppState,
    me: &UserRow,
    available: bool,
) -> Result<(), AppError> {
    state.store.set_available(me.id, available).await?;
    state.bus.publish(LiveEventKind::OperatorsChanged);
    Ok(())
}

/// A transfer goes to an active operator who is not away and has room for one more.
pub async fn check_transfer_target(state: &AppState, to: i64) -> Result<(), AppError> {
    match state.store.user_by_id(to).await? {
        Some(u) if u.active && u.available => match state.store.user_load(to).await? {
            Some((load, capacity)) if load >= capacity => Err(AppError::field(
                "to",
                Problem::TransferFull {
                    name: u.display_name,
                    load,
                    capacity,
                },
            )),
            _ => Ok(()),
        },
        Some(u) if u.active => Err(AppError::field(
            "to",
            Problem::TransferAway {
                name: u.display_name,
            },
        )),
        _ => Err(AppError::field("to", Problem::TransferGone)),
    }
}
