//! Personal data (admins only): the privacy settings (retention, masked phone numbers) and
//! erasing a customer. The JSON export is a plain GET route (`/contacts/{id}/export.json`, in
//! the server).

use crate::domain::privacy::PrivacySettings;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "settings/privacy")]
pub async fn get_privacy() -> Result<PrivacySettings, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Admin).await?;
            Ok((*crate::services::settings::privacy(&state).await?).clone())
        }
        .await,
    )
}

/// Saves the privacy settings: `retention_days` empty (keep forever) or 1-3650;
/// `mask_phones` present (a checked box) masks phone numbers for operators.
#[server(endpoint = "settings/save_privacy")]
pub async fn save_privacy(
    #[server(default)] retention_days: String,
    #[server(default)] mask_phones: Option<String>,
) -> Result<PrivacySettings, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _, who) = require_who(Role::Admin).await?;
            let p = PrivacySettings::parse(&retention_days, mask_phones.is_some())?;
            crate::services::settings::save_privacy_by(&state, &who, &p).await?;
            Ok(p)
        }
        .await,
    )
}

/// Erases the customer behind conversation `id`: contact, conversation, messages, notes, media
/// and answers, for good.
#[server(endpoint = "contacts/erase")]
pub async fn erase_contact(id: i64) -> Result<(), AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _, who) = require_who(Role::Admin).await?;
            crate::services::privacy::erase(&state, &who, id).await
        }
        .await,
    )
}
