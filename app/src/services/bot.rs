//! The bot's turn: for each stored, unprocessed customer message, ask the domain what to do
//! (reply from a scenario, ask the external bot, fall back, escalate, or stay silent) and write
//! the outcome in one transaction. Runs in a worker after the webhook has been answered.

use super::{conversations, now_ms, settings, AppState};
use crate::domain::bot::{
    confirmation_for, decide, judge_external_reply, looks_spanish, Decision, EscalationReason,
    ExternalReply, Inbound,
};
use crate::domain::ownership::{OwnerState, Transition};
use crate::dto::LiveEventKind;
use crate::error::AppError;
use crate::storage::bot::{BotTurn, BotTurnConflict, PendingMessage};
use crate::storage::conversations::{NewMessage, OwnershipChange};
use std::future::Future;
use std::pin::Pin;

/// What Baton sends an external bot: the message and the recent conversation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExternalRequest {
    pub conversation_id: i64,
    pub channel: String,
    pub message: String,
    /// Oldest first: (sender, text).
    pub history: Vec<(String, String)>,
}

pub type ExternalFuture<'a> =
    Pin<Box<dyn Future<Output = Result<ExternalReply, String>> + Send + 'a>>;

/// An external bot endpoint (`BATON_BOT_WEBHOOK_URL`), implemented by the server.
pub trait ExternalBot: Send + Sync {
    fn ask<'a>(&'a self, req: &'a ExternalRequest) -> ExternalFuture<'a>;
}

/// What the bot says when it did not understand, before it gives up and escalates.
const FALLBACK_ES: &str = "Perdona, no te he entendido. ¿Puedes decirlo de otra forma?";
const FALLBACK_EN: &str = "Sorry, I didn't catch that. Could you say it another way?";

/// Processes every pending customer message, oldest first. Returns how many were handled.
pub async fn process_pending(state: &AppState) -> Result<usize, AppError> {
    let mut handled = 0;
    loop {
        let batch = state.store.pending_customer_messages(100).await?;
        if batch.is_empty() {
            return Ok(handled);
        }
        for m in &batch {
            process_one(state, m).await?;
            handled += 1;
        }
    }
}

async fn process_one(state: &AppState, m: &PendingMessage) -> Result<(), AppError> {
    // A decision can lose a race with an operator (say, an accept). Then decide again.
    for _ in 0..3 {
        let Some(ctx) = state.store.bot_context(m.conversation_id).await? else {
            return Ok(());
        };
        if ctx.ownership.state == OwnerState::Closed {
            // The customer wrote again: the conversation reopens with the bot.
            match conversations::transition(state, m.conversation_id, Transition::Reopen, None)
                .await
            {
                Ok(_) | Err(AppError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        let handoff = settings::handoff(state).await?;
        let scenarios = settings::scenarios(state).await?;
        let unmatched_before = ctx.unmatched_count.max(0) as u32;
        let inbound = Inbound {
            text: &m.body,
            channel: ctx.channel,
            bot_owns: ctx.ownership.state == OwnerState::Bot,
            ai_enabled: ctx.ai_enabled,
            unmatched_before,
            external_bot: state.external_bot.is_some(),
        };
        let mut decision = decide(&handoff, &scenarios, &inbound);
        if decision == Decision::AskExternalBot {
            decision =
                ask_external(state, m, ctx.channel.as_str(), &handoff, unmatched_before).await;
        }
        let now = now_ms();
        let (text, confidence, context, unmatched, escalation): (Option<String>, _, _, i64, _) =
            match &decision {
                Decision::Reply { text, scenario_id } => (
                    Some(text.clone()),
                    None,
                    Some(format!("scenario:{scenario_id}")),
                    0,
                    None,
                ),
                Decision::ExternalReply {
                    text,
                    confidence,
                    context,
                } => (Some(text.clone()), *confidence, context.clone(), 0, None),
                Decision::Fallback { unmatched } => {
                    let fallback = if looks_spanish(&m.body) {
                        FALLBACK_ES
                    } else {
                        FALLBACK_EN
                    };
                    (
                        Some(fallback.to_string()),
                        None,
                        None,
                        i64::from(*unmatched),
                        None,
                    )
                }
                Decision::Escalate(reason) => (
                    Some(confirmation_for(&handoff, &m.body).to_string()),
                    None,
                    None,
                    0,
                    Some(reason.clone()),
                ),
                Decision::Silent | Decision::AskExternalBot => {
                    (None, None, None, ctx.unmatched_count, None)
                }
            };
        let describe = escalation.as_ref().map(EscalationReason::describe);
        let line = crate::domain::ownership::history_line(
            Transition::Escalate.event_kind(),
            None,
            None,
            describe.as_deref(),
        );
        // Escalating starts the queue (routing, first alerts) in the same transaction.
        let queue = match &escalation {
            Some(_) => Some(super::queue::plan_start(state, m.conversation_id, now).await?),
            None => None,
        };
        let ownership = escalation.as_ref().map(|reason| OwnershipChange {
            conversation_id: m.conversation_id,
            expected_version: ctx.version,
            next: crate::domain::ownership::Ownership {
                state: OwnerState::Waiting,
                assignee: None,
            },
            ai_enabled: Some(false),
            event_kind: Transition::Escalate.event_kind(),
            actor_id: None,
            target_id: None,
            reason: describe.as_deref(),
            escalation: Some(reason.code()),
            history_line: &line,
            queue: queue.as_ref(),
            now,
        });
        let turn = BotTurn {
            message_id: m.id,
            conversation_id: m.conversation_id,
            unmatched_count: unmatched,
            reply: text.as_deref().map(|body| NewMessage {
                conversation_id: m.conversation_id,
                channel: ctx.channel,
                sender: "bot",
                author_id: None,
                body,
                media_type: None,
                media_url: None,
                platform_message_id: None,
                bot_confidence: confidence,
                context_used: context.as_deref(),
                delivery_status: Some("sending"),
                created_at: now,
            }),
            ownership,
        };
        match state.store.finish_bot_turn(&turn).await {
            Ok((reply_id, line_ids)) => {
                if let Some(reason) = &escalation {
                    tracing::info!(
                        conversation_id = m.conversation_id,
                        reason = reason.code(),
                        "escalated"
                    );
                    super::conversations::announce_conversation(state, m.conversation_id).await?;
                }
                if reply_id.is_some() {
                    state.delivery_wakeup.notify_one();
                }
                let (escalated, queue_lines) = line_ids.split_at(line_ids.len().min(1));
                for id in reply_id.iter().chain(escalated) {
                    if let Some(message) = state.store.message(*id).await? {
                        state.bus.publish(LiveEventKind::MessageCreated { message });
                    }
                }
                if escalation.is_some() {
                    super::queue::announce(state, queue_lines).await?;
                }
                return Ok(());
            }
            Err(BotTurnConflict::Moved) => continue,
            Err(BotTurnConflict::Db(e)) => return Err(e.into()),
        }
    }
    Err(AppError::Conflict(
        "conversation kept changing while the bot decided".into(),
    ))
}

async fn ask_external(
    state: &AppState,
    m: &PendingMessage,
    channel: &str,
    handoff: &crate::domain::bot::HandoffSettings,
    unmatched: u32,
) -> Decision {
    let Some(bot) = &state.external_bot else {
        return Decision::Silent;
    };
    let history = match state.store.recent_messages(m.conversation_id, 10).await {
        Ok(rows) => rows,
        Err(e) => {
            return Decision::Escalate(EscalationReason::BotFailed(format!(
                "history unavailable: {e}"
            )))
        }
    };
    let req = ExternalRequest {
        conversation_id: m.conversation_id,
        channel: channel.to_string(),
        message: m.body.clone(),
        history,
    };
    let answer = bot.ask(&req).await;
    state
        .bot_health
        .record(answer.as_ref().err().cloned(), now_ms());
    judge_external_reply(handoff, answer, unmatched)
}
