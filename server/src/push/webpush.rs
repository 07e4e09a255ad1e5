//! Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payloads (RFC 8291). The `web-push`
//! crate signs and encrypts; the request goes out through our own reqwest client, which has time
//! limits (the crate's clients have none).

use super::{network_outcome, retry_after, retryable, PushAlert, PushOutcome};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jwt_simple::prelude::{ECDSAP256PublicKeyLike, ES256KeyPair};
use std::time::Duration;
use web_push::{
    request_builder, ContentEncoding, PartialVapidSignatureBuilder, SubscriptionInfo, Urgency,
    VapidSignatureBuilder, WebPushMessageBuilder,
};

/// Decodes base64url with or without padding.
pub(crate) fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s.trim().trim_end_matches('=')).ok()
}

/// The server's VAPID key pair (P-256). Generate one once and keep it: browsers subscribe with
/// its public half, and a new key orphans every existing subscription.
#[derive(Clone)]
pub struct VapidKeys {
    private: [u8; 32],
    public: Vec<u8>,
}

impl std::fmt::Debug for VapidKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKeys")
            .field("public", &self.public_key_base64())
            .finish_non_exhaustive()
    }
}

impl VapidKeys {
    /// A new random key pair.
    pub fn generate() -> Self {
        let raw = ES256KeyPair::generate().to_bytes();
        Self::from_raw(&raw).expect("a generated P-256 key is valid")
    }

    /// The base64url raw 32-byte private key ([`VapidKeys::to_base64`], or what
    /// `BATON_VAPID_PRIVATE_KEY` holds).
    pub fn from_base64(s: &str) -> Result<Self, String> {
        let raw = b64url_decode(s).ok_or("not base64url")?;
        Self::from_raw(&raw)
    }

    fn from_raw(raw: &[u8]) -> Result<Self, String> {
        let private: [u8; 32] = raw
            .try_into()
            .map_err(|_| format!("expected 32 bytes, got {}", raw.len()))?;
        let pair = ES256KeyPair::from_bytes(&private).map_err(|_| "not a P-256 private key")?;
        let public = pair.public_key().public_key().to_bytes_uncompressed();
        Ok(Self { private, public })
    }

    /// The private key as base64url (no padding), for storing a generated key.
    pub fn to_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.private)
    }

    /// The public key, base64url of the 65-byte uncompressed point: the browser's
    /// `applicationServerKey`.
    pub fn public_key_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.public)
    }
}

/// The decrypted payload a service worker receives.
pub fn payload(alert: &PushAlert) -> serde_json::Value {
    let mut p = serde_json::json!({
        "conversation_id": alert.conversation_id,
        "contact_name": alert.contact_name,
        "preview": alert.preview,
        "wait_secs": alert.wait_secs,
        "step": alert.step,
    });
    // The reader's words, when the alert carries them (the service worker falls back to English).
    if !alert.words.title.is_empty() {
        p["title"] = alert.words.title.clone().into();
        p["waited"] = alert.words.waited.clone().into();
        p["accept"] = alert.words.accept.clone().into();
    }
    p
}

pub(crate) struct WebPushSender {
    signer: PartialVapidSignatureBuilder,
    subject: String,
    public_key: String,
}

impl WebPushSender {
    pub(crate) fn new(keys: VapidKeys, subject: String) -> Self {
        let signer = VapidSignatureBuilder::from_base64_no_sub(&keys.to_base64())
            .expect("VapidKeys holds a valid P-256 key");
        Self {
            signer,
            subject,
            public_key: keys.public_key_base64(),
        }
    }

    pub(crate) fn public_key(&self) -> String {
        self.public_key.clone()
    }

    /// The signed, encrypted request for one subscription.
    fn request(
        &self,
        http: &reqwest::Client,
        endpoint: &str,
        p256dh: &str,
        auth: &str,
        alert: &PushAlert,
    ) -> Result<reqwest::RequestBuilder, String> {
        let sub = SubscriptionInfo::new(endpoint, p256dh, auth);
        let mut vapid = self.signer.clone().add_sub_info(&sub);
        vapid.add_claim("sub", self.subject.as_str());
        let signature = vapid
            .build()
            .map_err(|e| format!("cannot sign for this subscription: {e}"))?;
        let body = payload(alert).to_string();
        let mut message = WebPushMessageBuilder::new(&sub);
        message.set_payload(ContentEncoding::Aes128Gcm, body.as_bytes());
        message.set_ttl(super::ALERT_TTL_SECS as u32);
        message.set_urgency(Urgency::High);
        message.set_topic(alert.collapse_key());
        message.set_vapid_signature(signature);
        let message = message
            .build()
            .map_err(|e| format!("cannot encrypt for this subscription: {e}"))?;
        let request = request_builder::build_request::<Vec<u8>>(message);
        let mut builder = http.post(request.uri().to_string());
        for (name, value) in request.headers() {
            // reqwest sets the length from the body itself.
            if name.as_str() != "content-length" {
                builder = builder.header(name.as_str(), value.as_bytes());
            }
        }
        Ok(builder.body(request.into_body()))
    }

    pub(crate) async fn send(
        &self,
        http: &reqwest::Client,
        endpoint: &str,
        p256dh: &str,
        auth: &str,
        alert: &PushAlert,
    ) -> PushOutcome {
        let request = match self.request(http, endpoint, p256dh, auth, alert) {
            Ok(r) => r,
            Err(e) => return PushOutcome::Permanent(e),
        };
        match request.send().await {
            Ok(res) => {
                let status = res.status().as_u16();
                let after = retry_after(res.headers());
                // The body is not read: nothing of it is kept (see `classify`).
                classify(status, after)
            }
            Err(e) => network_outcome("the push service", &e),
        }
    }
}

/// "403 Forbidden": a status with its standard reason phrase.
fn status_text(status: u16) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    format!("{status} {reason}").trim_end().to_string()
}

/// 2xx delivered; 404/410 the subscription is gone; 429/5xx later; any other refusal is final.
pub(crate) fn classify(status: u16, after: Option<Duration>) -> PushOutcome {
    match status {
        200..=299 => PushOutcome::Delivered,
        404 | 410 => PushOutcome::Gone(format!(
            "the push service answered {status}: the subscription expired or was removed"
        )),
        // The body is the push service's (or whatever answered's) own text: it is neither
        // stored nor shown, only the status and its standard reason.
        _ => retryable(
            status,
            after,
            format!("the push service answered {}", status_text(status)),
        )
        .unwrap_or_else(|| {
            PushOutcome::Permanent(format!(
                "the push service refused the alert ({})",
                status_text(status)
            ))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vapid_keys_round_trip_and_expose_the_uncompressed_point() {
        let k = VapidKeys::generate();
        let again = VapidKeys::from_base64(&k.to_base64()).unwrap();
        assert_eq!(again.public_key_base64(), k.public_key_base64());
        let public = b64url_decode(&k.public_key_base64()).unwrap();
        assert_eq!(public.len(), 65);
        assert_eq!(public[0], 4);
        assert_eq!(k.to_base64().len(), 43);
        assert!(!format!("{k:?}").contains(&k.to_base64()));
        assert!(VapidKeys::from_base64("AAAA").is_err());
        assert_ne!(VapidKeys::generate().to_base64(), k.to_base64());
    }

    #[test]
    fn the_payload_is_small_json_with_the_conversation() {
        let a = PushAlert::new(42, "Ann", "Where is my order?", 95, 2);
        assert_eq!(
            payload(&a),
            serde_json::json!({
                "conversation_id": 42, "contact_name": "Ann", "preview": "Where is my order?",
                "wait_secs": 95, "step": 2
            })
        );
        let big = PushAlert::new(1, &"🙂".repeat(500), &"🙂".repeat(500), 1, 1);
        assert!(payload(&big).to_string().len() < 1200);
        let words = app::services::notifications::AlertWords::new(
            app::i18n::Locale::es,
            &"🙂".repeat(500),
            95,
        );
        let worded =
            PushAlert::new(1, &"🙂".repeat(500), &"🙂".repeat(500), 95, 1).with_words(&words);
        let p = payload(&worded);
        assert_eq!(p["accept"], "Aceptar");
        assert_eq!(p["waited"], "· esperando 1 min");
        assert!(
            p.to_string().len() < 2000,
            "a worded alert stays far below Web Push's 4 KB"
        );
    }

    #[test]
    fn statuses_map_to_outcomes() {
        for s in [200, 201, 202] {
            assert_eq!(classify(s, None), PushOutcome::Delivered);
        }
        assert!(matches!(classify(404, None), PushOutcome::Gone(_)));
        assert!(matches!(classify(410, None), PushOutcome::Gone(_)));
        assert_eq!(
            classify(429, Some(Duration::from_secs(9))),
            PushOutcome::Retry {
                after: Some(Duration::from_secs(9)),
                reason: "the push service answered 429 Too Many Requests".into()
            }
        );
        assert!(matches!(
            classify(503, None),
            PushOutcome::Retry { after: None, .. }
        ));
        for s in [400, 401, 403, 413] {
            assert!(
                matches!(classify(s, None), PushOutcome::Permanent(_)),
                "{s}"
            );
        }
    }

    #[tokio::test]
    async fn a_request_carries_vapid_ttl_urgency_and_topic() {
        let ua = VapidKeys::generate();
        let sender = WebPushSender::new(VapidKeys::generate(), "mailto:ops@example.com".into());
        let http = reqwest::Client::new();
        let alert = PushAlert::new(42, "Ann", "hi", 5, 1);
        let req = sender
            .request(
                &http,
                "https://push.example.net:8443/sub/1",
                &ua.public_key_base64(),
                "AAAAAAAAAAAAAAAAAAAAAA",
                &alert,
            )
            .unwrap()
            .build()
            .unwrap();
        let h = req.headers();
        assert_eq!(h["ttl"], "300");
        assert_eq!(h["urgency"], "high");
        assert_eq!(h["topic"], "conv-42");
        assert_eq!(h["content-encoding"], "aes128gcm");
        let auth = h["authorization"].to_str().unwrap();
        assert!(auth.starts_with("vapid t="));
        assert!(auth.ends_with(&format!(", k={}", sender.public_key())));
        assert!(!h.contains_key("content-length"));
        assert_eq!(req.url().as_str(), "https://push.example.net:8443/sub/1");
        // A subscription whose key is not a point cannot be encrypted for.
        assert!(sender
            .request(&http, "https://x.example/", "AAAA", "AAAA", &alert)
            .is_err());
    }
}
