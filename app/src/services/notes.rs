//! Private notes: an operator writes to colleagues inside a conversation. The note is stored and
//! shown to operators only; it never enters the delivery outbox, the widget's history or the bot's
//! context. Whoever `@name` mentions is alerted in the console and on their push devices.

use super::{now_ms, AppState};
use crate::domain::notes::{mentions, MAX_NOTE_CHARS};
use crate::domain::problem::{count, Problem};
use crate::dto::{LiveEventKind, MessageDto};
use crate::error::AppError;
use crate::storage::users::UserRow;

/// How much of a note a mention's alert shows.
const EXCERPT_CHARS: usize = 140;

/// Any operator may write a note on any conversation (a colleague asking for help needs no claim).
pub async fn add_note(
    state: &AppState,
    me: &UserRow,
    conversation_id: i64,
    text: &str,
) -> Result<MessageDto, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::field("text", Problem::NoteEmpty));
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(AppError::field(
            "text",
            Problem::NoteTooLong {
                max: count(MAX_NOTE_CHARS),
            },
        ));
    }
    let summary = state
        .store
        .conversation_summary(conversation_id)
        .await?
        .ok_or(AppError::NotFound(Problem::ConversationMissing))?;
    let people = state.store.active_people().await?;
    let mentioned: Vec<i64> = mentions(text, &people)
        .into_iter()
        .filter(|id| *id != me.id)
        .collect();
    let id = state
        .store
        .insert_note(conversation_id, me.id, text, &mentioned, now_ms())
        .await?
        .ok_or(AppError::NotFound(Problem::ConversationMissing))?;
    let message = state
        .store
        .message(id)
        .await?
        .ok_or(AppError::NotFound(Problem::MessageMissing))?;
    state.bus.publish(LiveEventKind::MessageCreated {
        message: message.clone(),
    });
    let excerpt: String = text.chars().take(EXCERPT_CHARS).collect();
    for user_id in &mentioned {
        state.bus.publish(LiveEventKind::Mentioned {
            user_id: *user_id,
            conversation_id,
            by: me.display_name.clone(),
            contact: summary.contact_name.clone(),
            excerpt: excerpt.clone(),
        });
    }
    if !mentioned.is_empty() {
        state.wake(crate::bus::cluster::Worker::Notify);
    }
    Ok(message)
}
