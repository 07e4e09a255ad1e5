//! The signed-in operator's push devices: the VAPID key browsers subscribe with, Web Push
//! subscriptions, native FCM / APNs tokens, the list with delivery health, removal, and a test
//! notification sent through the same outbox as real alerts.

use crate::dto::DeviceDto;
use crate::error::AppError;
use leptos::prelude::*;

/// The VAPID public key (base64url of the uncompressed P-256 point): the PWA passes it as
/// `applicationServerKey` to `pushManager.subscribe`.
#[server(endpoint = "devices/vapid_key")]
pub async fn vapid_key() -> Result<String, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Operator).await?;
            state.push_info.vapid_public_key.clone().ok_or_else(|| {
                AppError::Conflict(crate::domain::problem::Problem::PushOff {
                    service: "Web Push".into(),
                })
            })
        }
        .await,
    )
}

/// Stores this browser's subscription: the fields of `PushSubscription.toJSON()` (`endpoint`,
/// `keys.p256dh`, `keys.auth`) and an optional `label` ("Chrome on Pixel").
#[server(endpoint = "devices/subscribe_webpush")]
pub async fn subscribe_webpush(
    endpoint: String,
    p256dh: String,
    auth: String,
    #[server(default)] label: Option<String>,
) -> Result<DeviceDto, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            crate::services::devices::subscribe_webpush(
                &state,
                me.id,
                &endpoint,
                &p256dh,
                &auth,
                label.as_deref(),
                request_language(),
            )
            .await
        }
        .await,
    )
}

/// Stores a native wrapper's push token: `kind` is `fcm` (Android) or `apns` (iOS, hex token).
#[server(endpoint = "devices/register_native")]
pub async fn register_native(
    kind: String,
    token: String,
    #[server(default)] label: Option<String>,
) -> Result<DeviceDto, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            crate::services::devices::register_native(
                &state,
                me.id,
                &kind,
                &token,
                label.as_deref(),
                request_language(),
            )
            .await
        }
        .await,
    )
}

/// My devices, oldest first, each with its last success and last error.
#[server(endpoint = "devices/list")]
pub async fn list_devices() -> Result<Vec<DeviceDto>, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            crate::services::devices::list(&state, me.id).await
        }
        .await,
    )
}

#[server(endpoint = "devices/remove")]
pub async fn remove_device(id: i64) -> Result<(), AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            crate::services::devices::remove(&state, me.id, id).await
        }
        .await,
    )
}

/// Queues a test notification to one of my devices (`conversation_id` 0 in the payload).
#[server(endpoint = "devices/test")]
pub async fn test_device(id: i64) -> Result<(), AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            crate::services::notifications::send_test(&state, me.id, id, crate::services::now_ms())
                .await
        }
        .await,
    )
}

/// The interface language of this request (language cookie, else Accept-Language): the
/// language a device's alerts are written in for someone who chose none.
#[cfg(feature = "ssr")]
fn request_language() -> &'static str {
    leptos_i18n::Locale::as_str(super::auth::request_locale())
}
