//! Server functions for media. Files themselves go over plain HTTP (`/media/{id}`, the upload
//! endpoint; see the server's `routes::media`).

use crate::error::AppError;
use leptos::prelude::*;

/// Asks for a customer's file again after every download attempt failed.
#[server(endpoint = "media/retry")]
pub async fn retry_download(message_id: i64) -> Result<(), AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _me) = require(Role::Operator).await?;
            crate::services::media::retry_download(&state, message_id).await
        }
        .await,
    )
}
