//! Customer satisfaction surveys: asked when a conversation an operator held is closed
//! ([`ask_after_close`], called by the close transition in `services::conversations`), answered
//! from a button (widget, Telegram, WhatsApp) or a plain digit reply ([`answer`],
//! [`plain_answer`]). An answer is stored on its survey with a history line; it never reopens
//! the conversation nor wakes the bot or the queue.

use super::{settings, AppState};
use crate::domain::bot::looks_spanish;
use crate::domain::csat::{self, Scale, SurveyAsk};
use crate::domain::history::SystemLine;
use crate::dto::LiveEventKind;
use crate::error::AppError;
use crate::storage::conversations::NewMessage;
use crate::storage::csat::NewSurvey;

/// Whether the customer of `conversation_id` writes Spanish, judged by their last message.
async fn customer_spanish(state: &AppState, conversation_id: i64) -> Result<bool, AppError> {
    let recent = state.store.recent_messages(conversation_id, 20).await?;
    Ok(recent
        .iter()
        .rev()
        .find(|(sender, _)| sender == "customer")
        .is_some_and(|(_, body)| looks_spanish(body)))
}

/// Asks the customer of `conversation_id` (just closed at `now` by or from operator
/// `operator_id`) to rate it, when surveys are on: the question goes out with the channel's
/// buttons, or, on WhatsApp outside the 24-hour window, the survey is recorded as `skipped` and
/// nothing is sent. Returns the survey's id (`None` with surveys off).
pub async fn ask_after_close(
    state: &AppState,
    conversation_id: i64,
    operator_id: Option<i64>,
    now: i64,
) -> Result<Option<i64>, AppError> {
    let cfg = settings::csat(state).await?;
    if !cfg.enabled {
        return Ok(None);
    }
    let Some(summary) = state.store.conversation_summary(conversation_id).await? else {
        return Ok(None);
    };
    let survey = |status| NewSurvey {
        conversation_id,
        operator_id,
        channel: summary.channel.as_str(),
        scale: cfg.scale.as_str(),
        status,
        now,
    };
    if !crate::domain::reply_window::is_open(summary.reply_window_closes_at, now) {
        let (id, _) = state.store.record_survey(&survey("skipped"), None).await?;
        tracing::info!(
            conversation_id,
            survey_id = id,
            "survey skipped: the reply window is closed"
        );
        return Ok(Some(id));
    }
    let spanish = customer_spanish(state, conversation_id).await?;
    let body = cfg.question_for(spanish);
    let question = NewMessage {
        context_used: Some("csat"),
        ..NewMessage::bot(conversation_id, summary.channel, body, now)
    };
    let scale = cfg.scale;
    let ask = move |id: i64| SurveyAsk { id, scale, spanish }.to_json();
    let (id, message_id) = state
        .store
        .record_survey(&survey("asked"), Some((&question, &ask)))
        .await?;
    if let Some(message_id) = message_id {
        if let Some(message) = state.store.message(message_id).await? {
            state.bus.publish(LiveEventKind::MessageCreated { message });
        }
        state.wake(crate::bus::cluster::Worker::Delivery);
    }
    Ok(Some(id))
}

/// An answer from a button: survey `survey_id`, `score`, from the customer `external_id` on
/// `channel`, with an optional comment. Answers to unknown, old, already answered surveys, from
/// someone else, or off the survey's scale are ignored (`false`).
pub async fn answer(
    state: &AppState,
    channel: crate::dto::Channel,
    external_id: &str,
    survey_id: i64,
    score: i64,
    comment: Option<&str>,
    now: i64,
) -> Result<bool, AppError> {
    let Some(s) = state.store.survey(survey_id).await? else {
        tracing::info!(survey_id, "answer to an unknown survey ignored");
        return Ok(false);
    };
    let scale = Scale::parse(&s.scale).unwrap_or_default();
    if s.channel != channel.as_str()
        || s.external_id != external_id
        || s.status != "asked"
        || now - s.created_at > csat::ANSWER_WINDOW_MS
        || !scale.valid(score)
    {
        tracing::info!(survey_id, status = %s.status, "survey answer ignored");
        return Ok(false);
    }
    store_answer(state, s.id, scale, score, comment, now).await
}

/// A plain reply read as a survey answer, to store with [`record_plain_answer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainAnswer {
    pub survey_id: i64,
    pub scale: Scale,
    pub score: i64,
}

/// A plain reply (`4`, `👍`) from the customer `external_id` on `channel`, read as the answer to
/// the survey they were asked in the last few minutes; `None` for an ordinary message.
pub async fn plain_answer(
    state: &AppState,
    channel: crate::dto::Channel,
    external_id: &str,
    text: &str,
    now: i64,
) -> Result<Option<PlainAnswer>, AppError> {
    // Cheap first: most messages are not a lone digit or thumb.
    if csat::parse_plain_answer(text, Scale::Stars).is_none()
        && csat::parse_plain_answer(text, Scale::Thumbs).is_none()
    {
        return Ok(None);
    }
    let Some(s) = state
        .store
        .open_survey_for(channel.as_str(), external_id, now - csat::DIGIT_REPLY_MS)
        .await?
    else {
        return Ok(None);
    };
    let scale = Scale::parse(&s.scale).unwrap_or_default();
    let Some(score) = csat::parse_plain_answer(text, scale) else {
        return Ok(None);
    };
    Ok(Some(PlainAnswer {
        survey_id: s.id,
        scale,
        score,
    }))
}

/// Stores a plain answer (after the customer's message itself); `false` when the survey was
/// answered meanwhile.
pub async fn record_plain_answer(
    state: &AppState,
    a: PlainAnswer,
    now: i64,
) -> Result<bool, AppError> {
    store_answer(state, a.survey_id, a.scale, a.score, None, now).await
}

async fn store_answer(
    state: &AppState,
    survey_id: i64,
    scale: Scale,
    score: i64,
    comment: Option<&str>,
    now: i64,
) -> Result<bool, AppError> {
    let line = SystemLine::Rated { score, scale };
    let english = crate::text::history::english(&line);
    let comment = comment.and_then(csat::clean_comment);
    let Some(line_id) = state
        .store
        .answer_survey(
            survey_id,
            score,
            comment.as_deref(),
            now,
            (&english, &line.to_json()),
        )
        .await?
    else {
        return Ok(false);
    };
    tracing::info!(survey_id, score, "survey answered");
    if let Some(message) = state.store.message(line_id).await? {
        state.bus.publish(LiveEventKind::MessageCreated { message });
    }
    Ok(true)
}
