//! The contact panel: read it, save a name and notes, open an earlier conversation.

use crate::dto::{ContactCard, MessageDto};
use crate::error::AppError;
use leptos::prelude::*;

/// The contact behind conversation `id`, with their earlier conversations.
#[server(endpoint = "contacts/card")]
pub async fn get_contact(id: i64) -> Result<ContactCard, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            let mask = crate::services::privacy::Masking::for_user(&state, &me).await?;
            crate::services::contacts::card(&state, id)
                .await
                .map(|c| mask.card(c))
        }
        .await,
    )
}

/// Saves the contact's name (empty: the channel's own) and notes.
#[server(endpoint = "contacts/save")]
pub async fn save_contact(
    id: i64,
    #[server(default)] name: String,
    #[server(default)] notes: String,
) -> Result<ContactCard, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            let mask = crate::services::privacy::Masking::for_user(&state, &me).await?;
            crate::services::contacts::save(&state, id, &name, &notes)
                .await
                .map(|c| mask.card(c))
        }
        .await,
    )
}

/// The messages of one earlier conversation (`start`..`end` as the panel listed it).
#[server(endpoint = "contacts/past")]
pub async fn past_messages(id: i64, start: i64, end: i64) -> Result<Vec<MessageDto>, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Operator).await?;
            crate::services::contacts::past_messages(&state, id, start, end).await
        }
        .await,
    )
}
