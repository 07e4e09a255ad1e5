//! Operators' devices that receive alerts: what a browser's Web Push subscription and a native
//! wrapper's FCM or APNs token must look like before they are stored. Pure, shared by the server
//! functions and the push senders.

use super::problem::{count, Problem};
use super::users::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How a device is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// A browser or installed PWA (Web Push with VAPID).
    Webpush,
    /// An Android wrapper (FCM HTTP v1).
    Fcm,
    /// An iOS wrapper (APNs).
    Apns,
}

impl DeviceKind {
    pub const ALL: [DeviceKind; 3] = [Self::Webpush, Self::Fcm, Self::Apns];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webpush => "webpush",
            Self::Fcm => "fcm",
            Self::Apns => "apns",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// The name a device gets when the client does not give one.
    pub fn default_label(self) -> &'static str {
        match self {
            Self::Webpush => "Browser",
            Self::Fcm => "Android app",
            Self::Apns => "iOS app",
        }
    }
}

impl fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Decodes base64url, with or without padding; `None` when it is not base64url.
pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim().trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A lone trailing character (6 bits) cannot come from any byte string; nor can leftover 1s.
    if bits >= 6 || acc != 0 {
        return None;
    }
    Some(out)
}

/// A checked browser subscription: keys without padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebPushSubscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

/// Why a browser subscription cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    #[error("the subscription endpoint is not an http(s) URL")]
    Endpoint,
    #[error("keys.{name} is not {len} bytes of base64url")]
    Key { name: &'static str, len: usize },
    #[error("keys.p256dh is not an uncompressed P-256 point")]
    NotAPoint,
}

impl SubscriptionError {
    /// The form field the error belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Endpoint => "endpoint",
            Self::Key { name, .. } => name,
            Self::NotAPoint => "p256dh",
        }
    }
}

impl SubscriptionError {
    /// The error as people read it.
    pub fn problem(&self) -> Problem {
        match self {
            Self::Endpoint => Problem::SubscriptionEndpoint,
            Self::Key { name, len } => Problem::SubscriptionKey {
                name: (*name).to_string(),
                len: count(*len),
            },
            Self::NotAPoint => Problem::SubscriptionPoint,
        }
    }
}

impl From<SubscriptionError> for FieldError {
    fn from(e: SubscriptionError) -> Self {
        FieldError::new(e.field(), e.problem())
    }
}

/// The longest endpoint or token accepted.
pub const MAX_ADDRESS_LEN: usize = 2048;

fn http_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    let Some(rest) = rest else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty()
        && !host.starts_with(':')
        && s.len() <= MAX_ADDRESS_LEN
        && s.chars().all(|c| c.is_ascii_graphic())
}

/// Checks what a browser's `PushSubscription.toJSON()` gives: an http(s) endpoint, a 65-byte
/// uncompressed P-256 key (`p256dh`) and a 16-byte auth secret, in base64url.
pub fn web_push_subscription(
    endpoint: &str,
    p256dh: &str,
    auth: &str,
) -> Result<WebPushSubscription, SubscriptionError> {
    let endpoint = endpoint.trim();
    if !http_url(endpoint) {
        return Err(SubscriptionError::Endpoint);
    }
    let key = |name: &'static str, raw: &str, len: usize| {
        let raw = raw.trim().trim_end_matches('=');
        match b64url_decode(raw) {
            Some(bytes) if bytes.len() == len => Ok((raw.to_string(), bytes)),
            _ => Err(SubscriptionError::Key { name, len }),
        }
    };
    let (p256dh, point) = key("p256dh", p256dh, 65)?;
    if point[0] != 4 {
        return Err(SubscriptionError::NotAPoint);
    }
    let (auth, _) = key("auth", auth, 16)?;
    Ok(WebPushSubscription {
        endpoint: endpoint.to_string(),
        p256dh,
        auth,
    })
}

/// Checks a native wrapper's token: FCM registration tokens are printable ASCII without spaces;
/// APNs device tokens are hex (stored lower-case).
pub fn native_token(kind: DeviceKind, token: &str) -> Result<String, FieldError> {
    let t = token.trim();
    let bad = |m: Problem| Err(FieldError::new("token", m));
    match kind {
        DeviceKind::Webpush => Err(FieldError::new("kind", Problem::WebPushNotToken)),
        DeviceKind::Fcm => {
            if t.is_empty() || t.len() > 4096 || !t.chars().all(|c| c.is_ascii_graphic()) {
                bad(Problem::FcmTokenInvalid)
            } else {
                Ok(t.to_string())
            }
        }
        DeviceKind::Apns => {
            if t.len() < 32 || t.len() > 400 || !t.chars().all(|c| c.is_ascii_hexdigit()) {
                bad(Problem::ApnsTokenInvalid)
            } else {
                Ok(t.to_ascii_lowercase())
            }
        }
    }
}

/// A device's name as shown in the list: trimmed, at most 60 characters, or the kind's default.
pub fn device_label(kind: DeviceKind, label: Option<&str>) -> String {
    let flat = label
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if flat.is_empty() {
        kind.default_label().to_string()
    } else {
        flat.chars().take(60).collect()
    }
}

/// What the device list shows of an endpoint or token: the push service's host, or the last
/// characters of a token (never the whole secret-ish address).
pub fn address_hint(kind: DeviceKind, address: &str) -> String {
    match kind {
        DeviceKind::Webpush => address
            .split("://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or("")
            .to_string(),
        DeviceKind::Fcm | DeviceKind::Apns => {
            let n = address.chars().count();
            let tail: String = address.chars().skip(n.saturating_sub(6)).collect();
            format!("…{tail}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(bytes: &[u8]) -> String {
        // Test-only encoder to check the decoder round trip.
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n =
                chunk.iter().fold(0u32, |a, b| (a << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }

    #[test]
    fn base64url_decodes_with_and_without_padding() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(b64url_decode(&b64(&bytes)).unwrap(), bytes, "{len}");
        }
        assert_eq!(
            b64url_decode("AAAAAAAAAAAAAAAAAAAAAA==").unwrap(),
            vec![0; 16]
        );
        assert_eq!(b64url_decode("_-8").unwrap(), vec![0xff, 0xef]);
        assert!(b64url_decode("a+b/").is_none(), "standard alphabet");
        assert!(b64url_decode("A").is_none(), "six bits are no byte");
        assert!(b64url_decode("AB").is_none(), "stray bits");
    }

    #[test]
    fn browser_subscriptions_are_checked() {
        let p256dh = format!("BA{}", "A".repeat(85));
        let ok = web_push_subscription(
            "https://push.example.net/abc",
            &p256dh,
            "AAAAAAAAAAAAAAAAAAAAAA==",
        )
        .unwrap();
        assert_eq!(ok.auth, "AAAAAAAAAAAAAAAAAAAAAA");
        assert!(
            web_push_subscription("http://127.0.0.1:9/x", &p256dh, "AAAAAAAAAAAAAAAAAAAAAA")
                .is_ok()
        );
        for bad in [
            "ftp://x",
            "https://",
            "https:// x",
            "push.example.net/abc",
            "https://:80/",
        ] {
            assert_eq!(
                web_push_subscription(bad, &p256dh, "AAAAAAAAAAAAAAAAAAAAAA"),
                Err(SubscriptionError::Endpoint),
                "{bad}"
            );
        }
        let e = web_push_subscription("https://x.io/", &p256dh, "AAAA").unwrap_err();
        assert_eq!(
            (e.field(), e.to_string().as_str()),
            ("auth", "keys.auth is not 16 bytes of base64url")
        );
        assert_eq!(
            e.problem(),
            Problem::SubscriptionKey {
                name: "auth".into(),
                len: 16
            }
        );
        let not_point = format!("Aw{}", "A".repeat(85));
        assert_eq!(
            web_push_subscription("https://x.io/", &not_point, "AAAAAAAAAAAAAAAAAAAAAA"),
            Err(SubscriptionError::NotAPoint)
        );
        assert_eq!(
            web_push_subscription("https://x.io/", "short", "AAAAAAAAAAAAAAAAAAAAAA")
                .unwrap_err()
                .field(),
            "p256dh"
        );
    }

    #[test]
    fn native_tokens_are_checked() {
        assert_eq!(
            native_token(DeviceKind::Fcm, " abc:DEF-1_2 ").unwrap(),
            "abc:DEF-1_2"
        );
        assert!(native_token(DeviceKind::Fcm, "with space").is_err());
        assert!(native_token(DeviceKind::Fcm, "").is_err());
        let hex = "5D0C3C4A1BD1E2F3A4B5C6D7E8F90123456789ABCDEF0123456789ABCDEF0123";
        assert_eq!(
            native_token(DeviceKind::Apns, hex).unwrap(),
            hex.to_ascii_lowercase()
        );
        assert!(native_token(DeviceKind::Apns, "../../etc").is_err());
        assert!(native_token(DeviceKind::Apns, "abcd").is_err());
        assert_eq!(
            native_token(DeviceKind::Webpush, "x").unwrap_err().field,
            "kind"
        );
    }

    #[test]
    fn labels_and_hints_are_short_and_safe() {
        assert_eq!(device_label(DeviceKind::Fcm, None), "Android app");
        assert_eq!(
            device_label(DeviceKind::Webpush, Some("  Chrome \n on  Pixel ")),
            "Chrome on Pixel"
        );
        assert_eq!(
            device_label(DeviceKind::Webpush, Some(&"x".repeat(100))).len(),
            60
        );
        assert_eq!(
            address_hint(
                DeviceKind::Webpush,
                "https://fcm.googleapis.com/fcm/send/abc"
            ),
            "fcm.googleapis.com"
        );
        assert_eq!(
            address_hint(DeviceKind::Apns, "0123456789abcdef"),
            "…abcdef"
        );
        assert_eq!(DeviceKind::parse("apns"), Some(DeviceKind::Apns));
        assert_eq!(DeviceKind::parse("sms"), None);
    }
}
