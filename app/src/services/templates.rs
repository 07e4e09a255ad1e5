//! WhatsApp message templates: admins keep the list; the operator holding a WhatsApp conversation
//! sends one with its parameters filled, inside or outside the 24-hour window.

use super::audit::Who;
use super::conversations::{held_by, operator_message, queued};
use super::settings::record_saved;
use super::{now_ms, AppState};
use crate::domain::problem::Problem;
use crate::domain::templates::{fill, TemplateCall, TemplateDraft, WhatsappTemplate};
use crate::dto::{Channel, MessageDto};
use crate::error::AppError;
use crate::storage::users::UserRow;

fn gone() -> AppError {
    AppError::NotFound(Problem::TemplateGone)
}

pub async fn list(state: &AppState) -> Result<Vec<WhatsappTemplate>, AppError> {
    Ok(state.store.list_templates().await?)
}

/// The audit log's settings section for templates.
const SECTION: &str = "whatsapp_templates";

/// Creates a template (`id` `None`) or replaces one, by `who` (an admin), recorded in the audit
/// log.
pub async fn save(
    state: &AppState,
    who: &Who,
    id: Option<i64>,
    draft: &TemplateDraft,
) -> Result<WhatsappTemplate, AppError> {
    let before = match id {
        Some(id) => state.store.template(id).await?,
        None => None,
    };
    let saved = state
        .store
        .save_template(id, draft, now_ms())
        .await?
        .ok_or_else(gone)?;
    record_saved(state, who, SECTION, &before.as_ref(), &Some(&saved)).await?;
    Ok(saved)
}

/// Deletes a template, by `who` (an admin), recorded in the audit log.
pub async fn delete(state: &AppState, who: &Who, id: i64) -> Result<(), AppError> {
    let before = state.store.template(id).await?;
    if !state.store.delete_template(id).await? {
        return Err(gone());
    }
    record_saved(state, who, SECTION, &before.as_ref(), &None).await
}

/// Sends template `template_id` with `params` in WhatsApp conversation `id`, which `me` holds: stored
/// as an operator message whose text is the filled body, queued in the outbox, and delivered as a
/// template message (so it goes out whether the reply window is open or not).
pub async fn send(
    state: &AppState,
    me: &UserRow,
    id: i64,
    template_id: i64,
    params: &[String],
) -> Result<MessageDto, AppError> {
    let summary = held_by(state, me, id).await?;
    if summary.channel != Channel::Whatsapp {
        return Err(AppError::Conflict(Problem::TemplateNotWhatsapp));
    }
    let template = state.store.template(template_id).await?.ok_or_else(gone)?;
    let (text, params) = fill(&template.body, params)?;
    let call = TemplateCall {
        name: template.name,
        language: template.language,
        params,
    };
    let call = serde_json::to_string(&call).map_err(|_| AppError::Internal)?;
    let message_id = state
        .store
        .queue_outbound_with(
            &operator_message(&summary, me, &text, now_ms()),
            Some(&call),
        )
        .await?;
    queued(state, id, message_id).await
}
