//! WhatsApp message templates: every operator lists them (to send one), admins add, change and
//! delete them; the operator holding a WhatsApp conversation sends one.

use crate::domain::templates::WhatsappTemplate;
use crate::dto::MessageDto;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "templates/list")]
pub async fn list_templates() -> Result<Vec<WhatsappTemplate>, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Operator).await?;
            crate::services::templates::list(&state).await
        }
        .await,
    )
}

/// Adds a template (`id` 0) or replaces one. `category` is MARKETING, UTILITY or AUTHENTICATION.
#[server(endpoint = "templates/save")]
pub async fn save_template(
    #[server(default)] id: i64,
    name: String,
    language: String,
    category: String,
    body: String,
) -> Result<WhatsappTemplate, AppError> {
    use super::ctx::*;
    use crate::domain::templates::TemplateDraft;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _, who) = require_who(Role::Admin).await?;
            let draft = TemplateDraft::parse(&name, &language, &category, &body)?;
            crate::services::templates::save(&state, &who, (id > 0).then_some(id), &draft).await
        }
        .await,
    )
}

#[server(endpoint = "templates/delete")]
pub async fn delete_template(id: i64) -> Result<(), AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _, who) = require_who(Role::Admin).await?;
            crate::services::templates::delete(&state, &who, id).await
        }
        .await,
    )
}

/// Sends template `template_id` in conversation `id` with `params` (`{{1}}` first).
#[server(endpoint = "conversations/send_template")]
pub async fn send_template(
    id: i64,
    template_id: i64,
    #[server(default)] params: Vec<String>,
) -> Result<MessageDto, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            crate::services::templates::send(&state, &me, id, template_id, &params).await
        }
        .await,
    )
}
