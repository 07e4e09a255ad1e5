//! Operators' devices: the PWA's Web Push subscriptions and the native wrappers' FCM / APNs
//! tokens, each with its delivery health. An operator sees and removes only their own.

use super::{now_ms, AppState};
use crate::domain::devices::{
    address_hint, device_label, native_token, web_push_subscription, DeviceKind,
};
use crate::domain::problem::{count, Problem};
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

/// Where a Web Push endpoint points: its host and port, and the address when the host is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushTarget {
    pub host: String,
    pub port: u16,
    pub literal: Option<std::net::IpAddr>,
}

/// Checks the shape of a Web Push endpoint: `https` with a host and no credentials (plain `http`
/// only to a loopback receiver when `allow_insecure`), and, when the host is an address, that it
/// is a public one. Names are resolved by the caller. The message is for the person registering.
pub fn push_target(endpoint: &str, allow_insecure: bool) -> Result<PushTarget, Problem> {
    let url = url::Url::parse(endpoint).map_err(|_| Problem::EndpointNotUrl)?;
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_ascii_lowercase(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err(Problem::EndpointNoHost),
    };
    let literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
        _ => None,
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Problem::EndpointCredentials);
    }
    let local =
        allow_insecure && (literal.is_some_and(|ip| ip.is_loopback()) || host == "localhost");
    match url.scheme() {
        "https" => {}
        "http" if local => {}
        _ => return Err(Problem::EndpointNotHttps),
    }
    if let Some(ip) = literal {
        if !crate::domain::net::push_target_allowed(ip, allow_insecure) {
            return Err(Problem::EndpointNotPublic { ip: ip.to_string() });
        }
    }
    Ok(PushTarget {
        port: url.port_or_known_default().unwrap_or(443),
        host,
        literal,
    })
}

/// Resolves a push service's `host` and gives back its addresses when every one of them may
/// receive pushes (see [`crate::domain::net::push_target_allowed`]); otherwise `Err` with one
/// that may not, or `Err(None)` when the name does not resolve. Used when a device subscribes
/// and again by the sender's resolver at connect time, since DNS answers change.
pub async fn resolve_push_host(
    host: &str,
    port: u16,
    allow_insecure: bool,
) -> Result<Vec<std::net::SocketAddr>, Option<std::net::IpAddr>> {
    let addrs: Vec<_> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| None)?
        .collect();
    match addrs
        .iter()
        .find(|a| !crate::domain::net::push_target_allowed(a.ip(), allow_insecure))
    {
        _ if addrs.is_empty() => Err(None),
        Some(a) => Err(Some(a.ip())),
        None => Ok(addrs),
    }
}

/// [`push_target`], then every address the host resolves to must be public (DNS is asked
/// again at send time, since answers change).
pub async fn check_push_endpoint(endpoint: &str, allow_insecure: bool) -> Result<(), Problem> {
    let t = push_target(endpoint, allow_insecure)?;
    if t.literal.is_some() {
        return Ok(());
    }
    match resolve_push_host(&t.host, t.port, allow_insecure).await {
        Ok(_) => Ok(()),
        Err(None) => Err(Problem::PushHostUnresolved { host: t.host }),
        Err(Some(ip)) => Err(Problem::PushHostNotPublic {
            host: t.host,
            ip: ip.to_string(),
        }),
    }
}

async fn store(state: &AppState, d: NewDevice<'_>) -> Result<DeviceDto, AppError> {
    let mine = state.store.devices_of(d.user_id).await?;
    let known = mine
        .iter()
        .any(|x| x.kind() == d.kind && x.endpoint == d.endpoint);
    if !known && mine.len() >= MAX_DEVICES {
        return Err(AppError::Conflict(Problem::TooManyDevices {
            max: count(MAX_DEVICES),
        }));
    }
    // A device already registered to someone else stays theirs: it is never moved over.
    let row = state
        .store
        .upsert_device(&d)
        .await?
        .ok_or(AppError::Conflict(Problem::DeviceTaken))?;
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
    language: &str,
) -> Result<DeviceDto, AppError> {
    let sub = web_push_subscription(endpoint, p256dh, auth)
        .map_err(|e| AppError::Invalid(vec![e.into()]))?;
    check_push_endpoint(&sub.endpoint, state.settings.push_allow_insecure)
        .await
        .map_err(|m| AppError::field("endpoint", m))?;
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
            language,
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
    language: &str,
) -> Result<DeviceDto, AppError> {
    let kind = match DeviceKind::parse(kind) {
        Some(k @ (DeviceKind::Fcm | DeviceKind::Apns)) => k,
        _ => return Err(AppError::field("kind", Problem::DeviceKindUnknown)),
    };
    let enabled = match kind {
        DeviceKind::Fcm => state.push_info.fcm,
        _ => state.push_info.apns,
    };
    if !enabled {
        let service = if kind == DeviceKind::Fcm {
            "FCM"
        } else {
            "APNs"
        };
        return Err(AppError::Conflict(Problem::PushOff {
            service: service.into(),
        }));
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
            language,
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
        Err(AppError::NotFound(Problem::DeviceMissing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_must_be_https_with_a_public_address() {
        assert!(push_target("https://fcm.googleapis.com/fcm/send/abc", false).is_ok());
        for bad in [
            "http://push.example.net/abc",
            "https://127.0.0.1/x",
            "https://[::1]/x",
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.5:8443/x",
            "https://user:pw@push.example.net/x",
            "ftp://push.example.net/x",
            "https://[::ffff:192.168.0.1]/x",
        ] {
            assert!(push_target(bad, false).is_err(), "{bad}");
        }
        assert!(push_target("http://127.0.0.1:9/push", true).is_ok());
        assert!(push_target("http://10.0.0.1/push", true).is_err());
        assert!(push_target("http://push.example.net/push", true).is_err());
    }

    #[tokio::test]
    async fn names_resolving_inside_the_network_are_refused() {
        let e = check_push_endpoint("https://localhost/push", false)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Problem::PushHostNotPublic { host, .. } if host == "localhost"),
            "{e:?}"
        );
        assert!(check_push_endpoint("http://localhost:9/push", true)
            .await
            .is_ok());
    }
}
