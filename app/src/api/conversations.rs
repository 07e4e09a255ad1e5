//! The conversation list, monitoring counts and ownership actions.

use crate::dto::{
    ConversationDetail, ConversationGroups, ConversationSummary, ListFilter, MessageDto,
    MessagePage, MonitoringSnapshot, OperatorStatus,
};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::services::privacy::Masking;
use leptos::prelude::*;

/// The list, grouped by owner: `filter` is all|waiting|mine|bot|closed, `q` searches names,
/// phones and message text, `closed_offset` pages the closed archive.
#[server(endpoint = "conversations/list")]
pub async fn list_conversations(
    #[server(default)] filter: ListFilter,
    #[server(default)] q: Option<String>,
    #[server(default)] closed_offset: i64,
) -> Result<ConversationGroups, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            let mask = Masking::for_user(&state, &me).await?;
            crate::services::conversations::list_groups(
                &state,
                me.id,
                filter,
                q.as_deref(),
                50,
                closed_offset,
            )
            .await
            .map(|g| mask.groups(g))
        }
        .await,
    )
}

/// The waiting conversations' ids (the page title and app badge count them).
#[server(endpoint = "conversations/waiting")]
pub async fn waiting_conversations() -> Result<Vec<i64>, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Operator).await?;
            crate::services::conversations::waiting_ids(&state).await
        }
        .await,
    )
}

#[server(endpoint = "conversations/open")]
pub async fn open_conversation(id: i64) -> Result<ConversationDetail, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            let mask = Masking::for_user(&state, &me).await?;
            crate::services::conversations::open(&state, id)
                .await
                .map(|d| mask.detail(d))
        }
        .await,
    )
}

/// The 50 messages before message `before`.
#[server(endpoint = "conversations/earlier")]
pub async fn earlier_messages(id: i64, before: i64) -> Result<MessagePage, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Operator).await?;
            crate::services::conversations::earlier(&state, id, before).await
        }
        .await,
    )
}

#[server(endpoint = "conversations/send")]
pub async fn send_reply(id: i64, text: String) -> Result<MessageDto, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            crate::services::conversations::send_reply(&state, &me, id, &text).await
        }
        .await,
    )
}

/// A private note for operators (never sent to the customer); `@name` alerts that person.
#[server(endpoint = "conversations/note")]
pub async fn add_note(id: i64, text: String) -> Result<MessageDto, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            crate::services::notes::add_note(&state, &me, id, &text).await
        }
        .await,
    )
}

/// The signed-in operator is typing a reply in conversation `id` (which they hold): the customer
/// sees it. The composer says so at most every few seconds.
#[server(endpoint = "conversations/typing")]
pub async fn typing(id: i64) -> Result<(), AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            crate::services::signals::operator_typing(&state, &me, id).await
        }
        .await,
    )
}

#[server(endpoint = "conversations/retry")]
pub async fn retry_message(message_id: i64) -> Result<(), AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            crate::services::conversations::retry(&state, &me, message_id).await
        }
        .await,
    )
}

/// An ownership action from the chat header: `return`, `close`, `take_over`, `release`, or
/// `transfer` (with `to`, the operator who gets it).
#[server(endpoint = "conversations/act")]
pub async fn act_on_conversation(
    id: i64,
    action: String,
    #[server(default)] to: Option<i64>,
) -> Result<ConversationSummary, AppError> {
    use super::ctx::*;
    use crate::domain::ownership::Transition;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me, who) = require_who(Role::Operator).await?;
            let by = crate::services::conversations::actor(&me);
            let t = match (action.as_str(), to) {
                ("return", _) => Transition::ReturnToBot(by),
                ("close", _) => Transition::Close(Some(by)),
                ("take_over", _) => Transition::TakeOver(by),
                ("release", _) => Transition::Release(by),
                ("transfer", Some(to)) => {
                    crate::services::conversations::check_transfer_target(&state, to).await?;
                    Transition::Transfer { by, to }
                }
                ("transfer", None) => {
                    return Err(AppError::field(
                        "to",
                        crate::domain::problem::Problem::TransferPick,
                    ))
                }
                _ => {
                    return Err(AppError::BadRequest(format!(
                        "unknown action {action:?}; expected return, close, take_over, release or transfer"
                    )))
                }
            };
            let mask = Masking::for_user(&state, &me).await?;
            crate::services::conversations::act(&state, &me, &who, id, t)
                .await
                .map(|s| mask.summary(s))
        }
        .await,
    )
}

#[server(endpoint = "conversations/ai")]
pub async fn set_conversation_ai(id: i64, on: bool) -> Result<ConversationSummary, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me, who) = require_who(Role::Operator).await?;
            let mask = Masking::for_user(&state, &me).await?;
            crate::services::conversations::set_ai(&state, &me, &who, id, on)
                .await
                .map(|s| mask.summary(s))
        }
        .await,
    )
}

/// Every active operator with presence, availability and load (the transfer picker).
#[server(endpoint = "operators/status")]
pub async fn operator_statuses() -> Result<Vec<OperatorStatus>, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Operator).await?;
            crate::services::operators::operator_statuses(&state).await
        }
        .await,
    )
}

/// Available / Away for the signed-in operator.
#[server(endpoint = "presence")]
pub async fn set_available(available: bool) -> Result<(), AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            crate::services::conversations::set_available(&state, &me, available).await
        }
        .await,
    )
}

#[server(endpoint = "monitoring")]
pub async fn monitoring() -> Result<MonitoringSnapshot, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Operator).await?;
            crate::services::health::monitoring(&state).await
        }
        .await,
    )
}

/// Claims a waiting conversation. Of several operators accepting at once exactly one wins; the
/// others get 409 `Taken by <name>`.
#[server(endpoint = "conversations/accept")]
pub async fn accept_conversation(id: i64) -> Result<ConversationSummary, AppError> {
    use super::ctx::*;
    use crate::domain::ownership::{Actor, Transition};
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            let actor = Actor {
                id: me.id,
                is_admin: me.role() == Role::Admin,
            };
            let mask = Masking::for_user(&state, &me).await?;
            crate::services::conversations::transition(&state, id, Transition::Accept(actor), None)
                .await
                .map(|s| mask.summary(s))
        }
        .await,
    )
}
