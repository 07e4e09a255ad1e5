//! The bot's turn: for each stored, unprocessed customer message, ask the domain what to do
//! (reply from a scenario, ask the external bot, fall back, escalate, or stay silent) and write
//! the outcome in one transaction. Runs in a worker after the webhook has been answered.

use super::{conversations, now_ms, settings, AppState};
use crate::domain::bot::{
    confirmation_for, decide, judge_external_reply, looks_spanish, Decision, EscalationReason,
    ExternalReply, HandoffSettings, Inbound,
};
use crate::domain::media::{MediaKind, TranscriptState};
use crate::domain::ownership::{OwnerState, Transition};
use crate::domain::scenario_versions::Outcome as Decided;
use crate::dto::{LiveEventKind, MessageDto, Sender};
use crate::error::AppError;
use crate::storage::bot::{BotContext, BotTurn, PendingMessage, TurnWritten};
use crate::storage::conversations::{NewMessage, OwnershipChange};
use futures::{StreamExt, TryStreamExt};
use std::collections::HashSet;
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

/// How many pending customer messages one round of the bot takes on.
const ROUND: i64 = 128;

/// How many escalations of one round are written concurrently.
const ESCALATIONS_AT_ONCE: usize = 8;

/// Processes every pending customer message, oldest first. Returns how many were handled.
///
/// Work goes in rounds: the pending messages are decided together and their turns written in one
/// transaction, so under load the bot costs one commit per round rather than one per message.
/// Escalations are written after that, each in its own transaction with its queue start.
pub async fn process_pending(state: &AppState) -> Result<usize, AppError> {
    let mut handled = 0;
    let mut stalled = 0;
    loop {
        let mut pending = state.store.pending_customer_messages(ROUND).await?;
        pending.iter_mut().for_each(read_transcript);
        if pending.is_empty() {
            return Ok(handled);
        }
        match round(state, &pending).await? {
            0 => {
                // Every turn lost a race with an operator's change; those are decided again,
                // but not forever.
                stalled += 1;
                if stalled == 3 {
                    return Err(AppError::Conflict(crate::domain::problem::Problem::Busy));
                }
            }
            n => {
                handled += n;
                stalled = 0;
            }
        }
    }
}

/// A voice note's transcript is what the bot reads (after its caption, if any).
fn read_transcript(m: &mut PendingMessage) {
    if m.transcript_state.as_deref() == Some(TranscriptState::Done.as_str()) {
        if let Some(t) = m.transcript.take() {
            m.body = if m.body.trim().is_empty() {
                t
            } else {
                format!("{}\n{t}", m.body)
            };
        }
    }
}

/// `Some(failed)` for a voice note without a transcript to read: transcription is off
/// (`false`), or the file or its transcription failed (`true`).
fn unreadable_voice(m: &PendingMessage) -> Option<bool> {
    if m.media_type.as_deref() != Some(MediaKind::Voice.as_str()) {
        return None;
    }
    match m
        .transcript_state
        .as_deref()
        .and_then(TranscriptState::parse)
    {
        Some(TranscriptState::Done) => None,
        Some(TranscriptState::Failed) => Some(true),
        _ => Some(false),
    }
}

/// What one turn will write, worked out from the decision.
#[derive(Clone)]
struct Outcome {
    text: Option<String>,
    confidence: Option<f64>,
    context: Option<String>,
    unmatched: i64,
    escalation: Option<EscalationReason>,
    /// What the bot did, as stored with the scenario version (`None`: it stayed silent).
    outcome: Option<Decided>,
    scenario_version: Option<i64>,
}

impl Outcome {
    fn of(
        decision: Decision,
        m: &PendingMessage,
        ctx: &BotContext,
        handoff: &HandoffSettings,
        scenario_version: Option<i64>,
    ) -> Self {
        let outcome = match &decision {
            Decision::Reply { scenario_id, .. } => Some(Decided::Scenario(*scenario_id)),
            Decision::ExternalReply { .. } => Some(Decided::External),
            Decision::Fallback { .. } => Some(Decided::Fallback),
            Decision::Escalate(_) => Some(Decided::Handoff),
            Decision::Silent | Decision::AskExternalBot => None,
        };
        let (text, confidence, context, unmatched, escalation) = match decision {
            Decision::Reply { text, scenario_id } => (
                Some(text),
                None,
                Some(format!("scenario:{scenario_id}")),
                0,
                None,
            ),
            Decision::ExternalReply {
                text,
                confidence,
                context,
            } => (Some(text), confidence, context, 0, None),
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
                    i64::from(unmatched),
                    None,
                )
            }
            Decision::Escalate(reason) => (
                Some(confirmation_for(handoff, &m.body).to_string()),
                None,
                None,
                0,
                Some(reason),
            ),
            Decision::Silent | Decision::AskExternalBot => {
                (None, None, None, ctx.unmatched_count, None)
            }
        };
        Outcome {
            text,
            confidence,
            context,
            unmatched,
            escalation,
            outcome,
            scenario_version: outcome.and(scenario_version),
        }
    }

    fn turn<'a>(
        &'a self,
        m: &PendingMessage,
        ctx: &BotContext,
        ownership: Option<OwnershipChange<'a>>,
        now: i64,
    ) -> BotTurn<'a> {
        BotTurn {
            message_id: m.id,
            conversation_id: m.conversation_id,
            expected_version: ctx.version,
            unmatched_before: ctx.unmatched_count,
            unmatched_count: self.unmatched,
            reply: self.text.as_deref().map(|body| NewMessage {
                bot_confidence: self.confidence,
                context_used: self.context.as_deref(),
                ..NewMessage::bot(m.conversation_id, ctx.channel, body, now)
            }),
            ownership,
            scenario_version: self.scenario_version,
            outcome: self.outcome.map(Decided::label),
        }
    }
}

/// One round over `pending`; returns how many messages it settled (turns written, closed
/// conversations reopened). Turns that lost a race stay pending for the next round.
async fn round(state: &AppState, pending: &[PendingMessage]) -> Result<usize, AppError> {
    // One message per conversation per round: the next one is decided on the state this one's
    // turn leaves (a reply resets the no-match streak, an escalation silences the bot).
    let mut seen = HashSet::new();
    let firsts: Vec<&PendingMessage> = pending
        .iter()
        .filter(|m| seen.insert(m.conversation_id))
        .collect();
    let ids: Vec<i64> = firsts.iter().map(|m| m.conversation_id).collect();
    let contexts = state.store.bot_contexts(&ids).await?;
    let handoff = settings::handoff(state).await?;
    let scenarios = settings::scenarios(state).await?;
    let mut settled = 0;
    let mut decided = Vec::with_capacity(firsts.len());
    for m in firsts {
        // Messages cascade with their conversation, so a context is always there.
        let Some(ctx) = contexts.get(&m.conversation_id) else {
            continue;
        };
        if ctx.ownership.state == OwnerState::Closed {
            // The customer wrote again: the conversation reopens with the bot, and the message
            // is decided next round.
            match conversations::transition(state, m.conversation_id, Transition::Reopen, None)
                .await
            {
                Ok(_) | Err(AppError::Conflict(_)) => settled += 1,
                Err(e) => return Err(e),
            }
            continue;
        }
        let inbound = Inbound {
            text: &m.body,
            channel: ctx.channel,
            bot_owns: ctx.ownership.state == OwnerState::Bot,
            ai_enabled: ctx.ai_enabled,
            unmatched_before: ctx.unmatched_count.max(0) as u32,
            external_bot: state.external_bot.is_some(),
        };
        let decision = match unreadable_voice(m) {
            // A customer who speaks must be heard: a voice note the bot cannot read goes to a
            // person (when the bot owns the conversation; otherwise a person has it already).
            Some(failed) if inbound.bot_owns => {
                Decision::Escalate(EscalationReason::VoiceNote { failed })
            }
            Some(_) => Decision::Silent,
            None => decide(&handoff, &scenarios.scenarios, &inbound),
        };
        decided.push((m, ctx, decision));
    }
    // The external bot is asked about every message that needs it at once.
    let outcomes = futures::future::join_all(decided.into_iter().map(|(m, ctx, d)| {
        let handoff = &handoff;
        let version = scenarios.version;
        async move {
            let d = match d {
                Decision::AskExternalBot => {
                    let unmatched = ctx.unmatched_count.max(0) as u32;
                    ask_external(state, m, ctx.channel.as_str(), handoff, unmatched).await
                }
                d => d,
            };
            (m, ctx, Outcome::of(d, m, ctx, handoff, version))
        }
    }))
    .await;
    let (escalations, plain): (Vec<_>, Vec<_>) = outcomes
        .into_iter()
        .partition(|(_, _, o)| o.escalation.is_some());

    let now = now_ms();
    let turns: Vec<BotTurn> = plain
        .iter()
        .map(|(m, ctx, o)| o.turn(m, ctx, None, now))
        .collect();
    let written = state.store.finish_bot_turns(&turns).await?;
    let mut replied = false;
    for (turn, w) in turns.iter().zip(&written) {
        if let TurnWritten::Done { reply_id, .. } = w {
            settled += 1;
            if let (Some(id), Some(reply)) = (reply_id, &turn.reply) {
                state.bus.publish(LiveEventKind::MessageCreated {
                    message: bot_message(*id, reply),
                });
                replied = true;
            }
        }
    }
    if replied {
        state.wake(crate::bus::cluster::Worker::Delivery);
    }
    // People working a WhatsApp conversation see its reply window move with each customer message
    // (the round's conversations read in one query).
    let windows_moved: Vec<i64> = plain
        .iter()
        .zip(&written)
        .filter(|((_, ctx, _), w)| {
            matches!(w, TurnWritten::Done { .. })
                && ctx.channel == crate::dto::Channel::Whatsapp
                && ctx.ownership.state != OwnerState::Bot
        })
        .map(|((m, _, _), _)| m.conversation_id)
        .collect();
    conversations::announce_conversations(state, &windows_moved).await?;
    // Escalations touch one conversation each, so several are written at once; each plans its
    // queue start on what the ones before it left, give or take the ones running beside it.
    let writes: Vec<_> = escalations
        .iter()
        .map(|(m, ctx, o)| Box::pin(escalate(state, m, ctx, o)))
        .collect();
    let escalated: Vec<bool> = futures::stream::iter(writes)
        .buffer_unordered(ESCALATIONS_AT_ONCE)
        .try_collect()
        .await?;
    Ok(settled + escalated.into_iter().filter(|e| *e).count())
}

/// The handoff confirmation with `{{position}}` and `{{wait}}` filled in (see
/// `domain::waiting`): the customer's place among those waiting now, and how long recent
/// customers waited for a person. Read only when the confirmation asks for them.
async fn told_about_the_wait(
    state: &AppState,
    m: &PendingMessage,
    o: &Outcome,
    now: i64,
) -> Result<Outcome, AppError> {
    use crate::domain::waiting;
    let mut o = o.clone();
    if let Some(text) = o.text.as_deref().filter(|t| waiting::needs_queue(t)) {
        let position = state.store.waiting_count().await? + 1;
        let waits = state
            .store
            .recent_waits(now - waiting::RECENT_WINDOW_MS, waiting::RECENT_WAITS)
            .await?;
        let wait = waiting::wait_phrase(looks_spanish(&m.body), waiting::median(waits));
        o.text = Some(waiting::fill(text, position, &wait));
    }
    Ok(o)
}

/// Outside business hours, the out-of-hours reply in the customer's language instead of the
/// handoff confirmation, at most once per conversation per local day (`None`: open, or told
/// already today).
async fn out_of_hours(
    state: &AppState,
    m: &PendingMessage,
    now: i64,
) -> Result<Option<String>, AppError> {
    let hours = settings::business_hours(state).await?;
    if hours.is_open(now) {
        return Ok(None);
    }
    let day = hours.local_day(now);
    if !state
        .store
        .mark_out_of_hours(m.conversation_id, &day)
        .await?
    {
        return Ok(None);
    }
    Ok(Some(hours.reply_for(looks_spanish(&m.body)).to_string()))
}

/// Writes one escalation turn with its queue start; `false` when it lost a race (decided again
/// next round).
async fn escalate(
    state: &AppState,
    m: &PendingMessage,
    ctx: &BotContext,
    o: &Outcome,
) -> Result<bool, AppError> {
    let Some(reason) = &o.escalation else {
        return Ok(false);
    };
    let now = now_ms();
    let describe = reason.describe();
    let system =
        crate::domain::history::SystemLine::new(Transition::Escalate.event_kind(), None, None)
            .because(Some(crate::domain::history::Why::Bot(reason.clone())));
    let line = crate::text::history::english(&system);
    let system = system.to_json();
    // Escalating starts the queue (routing, first alerts) in the same transaction.
    let queue = super::queue::plan_start(state, m.conversation_id, now).await?;
    let ownership = OwnershipChange {
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
        reason: Some(&describe),
        escalation: Some(reason.code()),
        confidence: match reason {
            EscalationReason::LowConfidence(c) => Some(*c),
            _ => None,
        },
        history_line: &line,
        system_line: &system,
        queue: Some(&queue),
        now,
    };
    let o = match out_of_hours(state, m, now).await? {
        Some(text) => Outcome {
            text: Some(text),
            ..o.clone()
        },
        None => told_about_the_wait(state, m, o, now).await?,
    };
    let turn = o.turn(m, ctx, Some(ownership), now);
    let written = state
        .store
        .finish_bot_turns(std::slice::from_ref(&turn))
        .await?;
    let Some(TurnWritten::Done { reply_id, line_ids }) = written.into_iter().next() else {
        return Ok(false);
    };
    tracing::info!(
        conversation_id = m.conversation_id,
        reason = reason.code(),
        "escalated"
    );
    super::conversations::announce_conversation(state, m.conversation_id).await?;
    if let (Some(id), Some(reply)) = (reply_id, &turn.reply) {
        state.bus.publish(LiveEventKind::MessageCreated {
            message: bot_message(id, reply),
        });
        state.wake(crate::bus::cluster::Worker::Delivery);
    }
    // The escalation's own line first, then the queue's routing lines.
    let (escalated, queue_lines) = line_ids.split_at(line_ids.len().min(1));
    for id in escalated {
        if let Some(message) = state.store.message(*id).await? {
            state.bus.publish(LiveEventKind::MessageCreated { message });
        }
    }
    super::queue::announce(state, queue_lines).await?;
    Ok(true)
}

/// The live event's copy of a reply the bot just stored (no read back needed).
fn bot_message(id: i64, m: &NewMessage<'_>) -> MessageDto {
    MessageDto {
        id,
        conversation_id: m.conversation_id,
        sender: Sender::Bot,
        author_name: None,
        body: m.body.to_string(),
        media_type: None,
        media_url: None,
        bot_confidence: m.bot_confidence,
        delivery_status: m.delivery_status.map(str::to_string),
        delivery_error: None,
        delivery_error_kind: None,
        created_at: m.created_at,
        system_line: None,
        note: false,
        media: None,
    }
}

async fn ask_external(
    state: &AppState,
    m: &PendingMessage,
    channel: &str,
    handoff: &HandoffSettings,
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
    let now = now_ms();
    if state.bot_health.record(answer.as_ref().err().cloned(), now) {
        // Every instance's monitoring page shows the same bot.
        let down = answer.as_ref().err().map(|e| (now, e.clone()));
        state
            .cluster
            .send(crate::bus::cluster::Signal::BotHealth { down });
    }
    judge_external_reply(handoff, answer, unmatched)
}
