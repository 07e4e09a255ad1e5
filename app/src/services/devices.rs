//! Operators' devices: the PWA's Web Push subscriptions and the native wrappers' FCM / APNs
//! tokens, each with its delivery health. An operator sees and removes only their own.

use super::{now_ms, AppState};
use crate::domain::devices::{
    address_hint, device_label, native_token, web_push_subscription, DeviceKind,
};
use crate::dto::DeviceDto;
use crate::error::AppError;
use crate::storage::queue::{DeviceRow, NewDevice};

/// The most devices one person may register.
pub const MAX_DEVICES: usize = 20;

pub fn to_dto(d: &DeviceRow) -> DeviceDto {
    DeviceDto {
        id: d.id,
        kind: d.kind(),
        label: d.label.clone(),
        address: address_hint(d.kind(), &d.endpoint),
        created_at: d.created_at,
        last_success_at: d.last_success_at,
        last_error: d.last_error.clone(),
        last_error_at: d.last_error_at,
    }
}

async fn store(state: &AppState, d: NewDevice<'_>) -> Result<DeviceDto, AppError> {
    let mine = state.store.devices_of(d.user_id).await?;
    let known = mine
        .iter()
        .any(|x| x.kind() == d.kind && x.endpoint == d.endpoint);
    if !known && mine.len() >= MAX_DEVICES {
        return Err(AppError::Conflict(format!(
            "You already have {MAX_DEVICES} devices; remove one you no longer use first."
        )));
    }
    let row = state.store.upsert_device(&d).await?;
    tracing::info!(user_id = d.user_id, device_id = row.id, kind = %d.kind, "push device registered");
    Ok(to_dto(&row))
}

/// Stores a browser's Web Push subscription (`PushSubscription.toJSON()`'s endpoint and keys).
pub async fn subscribe_webpush(
    state: &AppState,
    user_id: i64,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
    label: Option<&str>,
) -> Result<DeviceDto, AppError> {
    let sub = web_push_subscription(endpoint, p256dh, auth)
        .map_err(|e| AppError::Invalid(vec![e.into()]))?;
    let label = device_label(DeviceKind::Webpush, label);
    store(
        state,
        NewDevice {
            user_id,
            kind: DeviceKind::Webpush,
            endpoint: &sub.endpoint,
            p256dh: Some(&sub.p256dh),
            auth: Some(&sub.auth),
            label: &label,
            now: now_ms(),
        },
    )
    .await
}

/// Stores a native wrapper's token: `kind` is `fcm` or `apns` (refused when the server has no
/// credentials for that service).
pub async fn register_native(
    state: &AppState,
    user_id: i64,
    kind: &str,
    token: &str,
    label: Option<&str>,
) -> Result<DeviceDto, AppError> {
    let kind = match DeviceKind::parse(kind) {
        Some(k @ (DeviceKind::Fcm | DeviceKind::Apns)) => k,
        _ => return Err(AppError::field("kind", "Expected fcm or apns.")),
    };
    let enabled = match kind {
        DeviceKind::Fcm => state.push_info.fcm,
        _ => state.push_info.apns,
    };
    if !enabled {
        return Err(AppError::Conflict(format!(
            "{} pushes are not set up on this server.",
            if kind == DeviceKind::Fcm {
                "FCM"
            } else {
                "APNs"
            }
        )));
    }
    let token = native_token(kind, token)?;
    let label = device_label(kind, label);
    store(
        state,
        NewDevice {
            user_id,
            kind,
            endpoint: &token,
            p256dh: None,
            auth: None,
            label: &label,
            now: now_ms(),
        },
    )
    .await
}

pub async fn list(state: &AppState, user_id: i64) -> Result<Vec<DeviceDto>, AppError> {
    Ok(state
        .store
        .devices_of(user_id)
        .await?
        .iter()
        .map(to_dto)
        .collect())
}

pub async fn remove(state: &AppState, user_id: i64, id: i64) -> Result<(), AppError> {
    if state
        .store
        .delete_device(user_id, id, "not sent: the device was removed", now_ms())
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound(
            "That device is not on your list.".into(),
        ))
    }
}
