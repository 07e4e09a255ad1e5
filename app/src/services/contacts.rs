//! The contact panel: who the customer is, what operators keep about them, and their earlier
//! conversations. Every operator may read and edit it (they all serve the same customers).

use super::AppState;
use crate::domain::contact::{self, MAX_PAST_MESSAGES};
use crate::domain::problem::Problem;
use crate::dto::{Channel, ContactCard, MessageDto, PastConversation};
use crate::error::AppError;

fn not_found() -> AppError {
    AppError::NotFound(Problem::ConversationMissing)
}

/// How many characters of a customer's first words the list shows.
const OPENING_CHARS: usize = 120;

/// The panel for the contact behind conversation `id`.
pub async fn card(state: &AppState, id: i64) -> Result<ContactCard, AppError> {
    let row = state.store.contact_of(id).await?.ok_or_else(not_found)?;
    let marks = state.store.contact_marks(id).await?;
    let mut past = Vec::new();
    for s in contact::past(row.thread_created_at, &marks) {
        let counts = state.store.stretch_counts(id, s.start, s.end).await?;
        past.push(PastConversation {
            start: s.start,
            end: s.end,
            messages: counts.messages,
            handled_by: s.handled_by,
            opening: counts
                .opening
                .map(|o| o.chars().take(OPENING_CHARS).collect()),
        });
    }
    let channel = Channel::parse(&row.channel).unwrap_or(Channel::Web);
    let handle = match channel {
        Channel::Whatsapp => None,
        Channel::Telegram => Some(row.external_id.clone()),
        Channel::Web => Some(crate::domain::widget::visitor_handle(&row.external_id)),
    };
    Ok(ContactCard {
        conversation_id: id,
        name: row.name,
        name_set: row.name_locked,
        phone: row.phone,
        handle,
        channel,
        first_seen: row.created_at,
        notes: row.notes,
        past,
    })
}

/// Saves a name and notes for the contact behind conversation `id`. A name equal to the one shown
/// keeps things as they are (the channel's name stays the channel's); another name becomes the
/// operators' own; an empty one gives back the channel's. Everyone watching sees the new name.
pub async fn save(
    state: &AppState,
    id: i64,
    name: &str,
    notes: &str,
) -> Result<ContactCard, AppError> {
    let name = contact::check_name(name).map_err(|p| AppError::field("name", p))?;
    let notes = contact::check_notes(notes).map_err(|p| AppError::field("notes", p))?;
    let row = state.store.contact_of(id).await?.ok_or_else(not_found)?;
    let (name, locked) = match name {
        Some(n) if Some(&n) == row.name.as_ref() => (Some(n), row.name_locked),
        Some(n) => (Some(n), true),
        None => (None, false),
    };
    if !state
        .store
        .save_contact(id, name.as_deref(), locked, &notes)
        .await?
    {
        return Err(not_found());
    }
    super::conversations::announce_conversation(state, id).await?;
    card(state, id).await
}

/// One earlier conversation's messages (from `start` to `end`, as the panel listed it).
pub async fn past_messages(
    state: &AppState,
    id: i64,
    start: i64,
    end: i64,
) -> Result<Vec<MessageDto>, AppError> {
    if start > end {
        return Err(not_found());
    }
    Ok(state
        .store
        .messages_between(id, start, end, MAX_PAST_MESSAGES)
        .await?)
}
