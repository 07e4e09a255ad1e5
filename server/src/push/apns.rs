//! APNs with token authentication over HTTP/2: an ES256 provider JWT ({alg, kid} and
//! {iss = team id, iat}) reused for 40 minutes, and `POST {base}/3/device/{token}` with the alert.

use super::{
    all_or_none, network_outcome, read_file, retry_after, retryable, snippet, unix_now, PushAlert,
    PushOutcome, ALERT_TTL_SECS, CONNECT_TIMEOUT, REQUEST_TIMEOUT,
};
use crate::config::{bad, http_url, ConfigError};
use jwt_simple::prelude::{Claims, Duration as JwtDuration, ECDSAP256KeyPairLike, ES256KeyPair};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A provider token is renewed after this long (Apple accepts 20 to 60 minutes).
pub const TOKEN_REFRESH: Duration = Duration::from_secs(40 * 60);
/// ...and never sooner than this, even when Apple calls it expired (more often is refused with
/// 429 TooManyProviderTokenUpdates).
pub const TOKEN_MIN_AGE: Duration = Duration::from_secs(20 * 60);

#[derive(Clone)]
pub struct ApnsConfig {
    /// The `.p8` key's PEM text (PKCS#8 P-256).
    pub key_pem: String,
    pub key_id: String,
    pub team_id: String,
    /// The app's bundle id.
    pub topic: String,
    /// Without a trailing slash.
    pub api_base: String,
}

impl std::fmt::Debug for ApnsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApnsConfig")
            .field("key_id", &self.key_id)
            .field("team_id", &self.team_id)
            .field("topic", &self.topic)
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

const KEY: &str = "BATON_APNS_KEY";
const KEY_ID: &str = "BATON_APNS_KEY_ID";
const TEAM_ID: &str = "BATON_APNS_TEAM_ID";
const TOPIC: &str = "BATON_APNS_TOPIC";
const API_BASE: &str = "BATON_APNS_API_BASE";

fn apple_id(var: &'static str, what: &str, v: &str) -> Result<String, ConfigError> {
    let v = v.trim();
    if v.len() == 10 && v.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(v.to_string())
    } else {
        Err(bad(
            var,
            format!("expected the 10-character {what} from Apple's developer account, got {v:?}"),
        ))
    }
}

pub(crate) fn config(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<ApnsConfig>, ConfigError> {
    let api_base = http_url(
        API_BASE,
        get(API_BASE).unwrap_or_else(|| "https://api.push.apple.com".into()),
    )?;
    let all = [KEY, KEY_ID, TEAM_ID, TOPIC, API_BASE];
    if !all_or_none(get, "APNs", &all, &[KEY, KEY_ID, TEAM_ID, TOPIC])? {
        return Ok(None);
    }
    let value = |var| get(var).unwrap_or_default();
    let path = value(KEY);
    let key_pem = read_file(KEY, &path)?;
    ES256KeyPair::from_pem(&key_pem).map_err(|_| {
        bad(
            KEY,
            format!("expected Apple's .p8 token-signing key (PKCS#8 PEM), but {path:?} is not one"),
        )
    })?;
    let key_id = apple_id(KEY_ID, "Key ID", &value(KEY_ID))?;
    let team_id = apple_id(TEAM_ID, "Team ID", &value(TEAM_ID))?;
    let topic = value(TOPIC).trim().to_string();
    let topic_ok = !topic.is_empty()
        && topic.len() <= 255
        && topic
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_');
    if !topic_ok {
        return Err(bad(
            TOPIC,
            format!("expected the iOS app's bundle id, such as com.example.baton, got {topic:?}"),
        ));
    }
    Ok(Some(ApnsConfig {
        key_pem,
        key_id,
        team_id,
        topic,
        api_base,
    }))
}

/// The notification body: a visible alert with sound, and the conversation to open.
pub fn body(alert: &PushAlert) -> serde_json::Value {
    serde_json::json!({
        "aps": {
            "alert": { "title": alert.title(), "body": alert.preview },
            "sound": "default",
        },
        "conversation_id": alert.conversation_id,
    })
}

struct ProviderToken {
    jwt: String,
    issued: Instant,
    /// Apple called it expired: renew as soon as [`TOKEN_MIN_AGE`] allows.
    stale: bool,
}

pub(crate) struct ApnsSender {
    cfg: ApnsConfig,
    key: ES256KeyPair,
    http: reqwest::Client,
    token: Mutex<Option<ProviderToken>>,
}

impl ApnsSender {
    /// Over https the shared client negotiates HTTP/2 by ALPN; a plain-http base (a local
    /// stand-in) gets its own client that speaks HTTP/2 with prior knowledge (h2c).
    pub(crate) fn new(cfg: ApnsConfig, shared: &reqwest::Client) -> Result<Self, ConfigError> {
        let key = ES256KeyPair::from_pem(&cfg.key_pem)
            .map_err(|_| bad(KEY, "expected Apple's .p8 token-signing key (PKCS#8 PEM)"))?
            .with_key_id(&cfg.key_id);
        let http = if cfg.api_base.starts_with("http://") {
            reqwest::Client::builder()
                .http2_prior_knowledge()
                .timeout(REQUEST_TIMEOUT)
                .connect_timeout(CONNECT_TIMEOUT)
                .build()
                .map_err(|e| bad(API_BASE, format!("no HTTP/2 client: {e}")))?
        } else {
            shared.clone()
        };
        Ok(Self {
            cfg,
            key,
            http,
            token: Mutex::new(None),
        })
    }

    fn sign(&self, iat: u64) -> Result<String, String> {
        let mut claims =
            Claims::create(JwtDuration::from_secs(3600)).with_issuer(&self.cfg.team_id);
        claims.issued_at = Some(JwtDuration::from_secs(iat));
        claims.expires_at = None;
        claims.invalid_before = None;
        self.key
            .sign(claims)
            .map_err(|e| format!("cannot sign the APNs provider token: {e}"))
    }

    /// The provider token to use at `now`: the cached one while it is younger than
    /// [`TOKEN_REFRESH`] (and, when Apple called it expired, younger than [`TOKEN_MIN_AGE`]).
    fn provider_token(&self, now: Instant) -> Result<String, String> {
        let mut cached = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = cached.as_ref() {
            let age = now.saturating_duration_since(t.issued);
            let limit = if t.stale {
                TOKEN_MIN_AGE
            } else {
                TOKEN_REFRESH
            };
            if age < limit {
                return Ok(t.jwt.clone());
            }
        }
        let jwt = self.sign(unix_now())?;
        *cached = Some(ProviderToken {
            jwt: jwt.clone(),
            issued: now,
            stale: false,
        });
        Ok(jwt)
    }

    fn mark_stale(&self, jwt: &str) {
        let mut cached = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = cached.as_mut().filter(|t| t.jwt == jwt) {
            t.stale = true;
        }
    }

    pub(crate) async fn send(&self, token: &str, alert: &PushAlert) -> PushOutcome {
        let token = token.trim();
        if token.is_empty() || token.len() > 400 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
            return PushOutcome::Permanent("not an APNs device token (expected hex)".into());
        }
        let jwt = match self.provider_token(Instant::now()) {
            Ok(j) => j,
            Err(e) => return PushOutcome::Permanent(e),
        };
        let res = self
            .http
            .post(format!("{}/3/device/{token}", self.cfg.api_base))
            .header("authorization", format!("bearer {jwt}"))
            .header("apns-topic", &self.cfg.topic)
            .header("apns-push-type", "alert")
            .header("apns-priority", "10")
            .header("apns-expiration", (unix_now() + ALERT_TTL_SECS).to_string())
            .header("apns-collapse-id", alert.collapse_key())
            .json(&body(alert))
            .send()
            .await;
        let res = match res {
            Ok(res) => res,
            Err(e) => return network_outcome("APNs", &e),
        };
        let status = res.status().as_u16();
        let after = retry_after(res.headers());
        let text = res.text().await.unwrap_or_default();
        let outcome = classify(status, after, &text);
        if status == 403 && reason(&text) == "ExpiredProviderToken" {
            self.mark_stale(&jwt);
        }
        outcome
    }
}

fn reason(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["reason"].as_str().map(str::to_string))
        .unwrap_or_else(|| snippet(body))
}

/// 2xx delivered; 410 (Unregistered, ExpiredToken) gone; 429/5xx later; 403
/// ExpiredProviderToken later with a new provider token; the rest (BadDeviceToken,
/// DeviceTokenNotForTopic, bad topic or key) is final.
pub(crate) fn classify(status: u16, after: Option<Duration>, body: &str) -> PushOutcome {
    if (200..300).contains(&status) {
        return PushOutcome::Delivered;
    }
    let why = reason(body);
    let text = format!("APNs answered {status} {why}");
    if status == 410 {
        return PushOutcome::Gone(text);
    }
    if let Some(retry) = retryable(status, after, text.clone()) {
        return retry;
    }
    if status == 403 && why == "ExpiredProviderToken" {
        return PushOutcome::Retry {
            after: None,
            reason: text,
        };
    }
    PushOutcome::Permanent(text)
}

#[cfg(test)]
mod tests {
    use super::super::tests::lookup;
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    fn key_file() -> String {
        let n: u64 = rand::random();
        let p = std::env::temp_dir().join(format!("baton-push-{n:016x}-AuthKey.p8"));
        std::fs::write(&p, ES256KeyPair::generate().to_pem().unwrap()).unwrap();
        p.display().to_string()
    }

    fn full(key: &str) -> Vec<(&'static str, String)> {
        vec![
            (KEY, key.to_string()),
            (KEY_ID, "ABC123DEFG".into()),
            (TEAM_ID, "TEAM123456".into()),
            (TOPIC, "com.example.baton".into()),
        ]
    }

    fn cfg(pairs: &[(&'static str, String)]) -> Result<Option<ApnsConfig>, ConfigError> {
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        config(&lookup(&refs))
    }

    #[test]
    fn config_needs_all_four_and_checks_each() {
        let key = key_file();
        let c = cfg(&full(&key)).unwrap().unwrap();
        assert_eq!(c.api_base, "https://api.push.apple.com");
        assert!(!format!("{c:?}").contains("PRIVATE"));
        let e = cfg(&[(TOPIC, "com.example.baton".into())]).unwrap_err();
        assert_eq!(e.var, KEY);
        for var in [KEY, KEY_ID, TEAM_ID] {
            assert!(e.message.contains(var), "{}", e.message);
        }
        let e = cfg(&[(API_BASE, "http://127.0.0.1:1".into())]).unwrap_err();
        assert!(e.message.contains(TOPIC), "{}", e.message);
        for (var, value) in [
            (KEY_ID, "abc"),
            (TEAM_ID, "TEAM-12345"),
            (TOPIC, "com example"),
            (KEY, "/nonexistent/AuthKey.p8"),
            (API_BASE, "api.push.apple.com"),
        ] {
            let mut pairs = full(&key);
            pairs.retain(|(k, _)| *k != var);
            pairs.push((var, value.into()));
            assert_eq!(cfg(&pairs).unwrap_err().var, var, "{value}");
        }
        let not_a_key = key_file();
        std::fs::write(
            &not_a_key,
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        let e = cfg(&full(&not_a_key)).unwrap_err();
        assert_eq!(e.var, KEY);
        assert!(e.message.contains(".p8"), "{}", e.message);
        std::fs::remove_file(key).ok();
        std::fs::remove_file(not_a_key).ok();
    }

    #[test]
    fn the_body_is_a_visible_alert_for_the_conversation() {
        let a = PushAlert::new(42, "Ann", "Where is my order?", 95, 2);
        assert_eq!(
            body(&a),
            serde_json::json!({
                "aps": {"alert": {"title": "Customer waiting: Ann", "body": "Where is my order?"},
                        "sound": "default"},
                "conversation_id": 42
            })
        );
    }

    #[test]
    fn statuses_map_to_outcomes() {
        let r = |s: &str| format!(r#"{{"reason":"{s}"}}"#);
        assert_eq!(classify(200, None, ""), PushOutcome::Delivered);
        assert_eq!(
            classify(410, None, &r("Unregistered")),
            PushOutcome::Gone("APNs answered 410 Unregistered".into())
        );
        assert_eq!(
            classify(400, None, &r("BadDeviceToken")),
            PushOutcome::Permanent("APNs answered 400 BadDeviceToken".into())
        );
        assert!(matches!(
            classify(400, None, &r("DeviceTokenNotForTopic")),
            PushOutcome::Permanent(_)
        ));
        assert!(matches!(
            classify(403, None, &r("InvalidProviderToken")),
            PushOutcome::Permanent(_)
        ));
        assert!(matches!(
            classify(403, None, &r("ExpiredProviderToken")),
            PushOutcome::Retry { .. }
        ));
        assert!(matches!(
            classify(429, None, &r("TooManyRequests")),
            PushOutcome::Retry { .. }
        ));
        assert!(matches!(
            classify(503, None, &r("ServiceUnavailable")),
            PushOutcome::Retry { .. }
        ));
    }

    #[test]
    fn the_provider_token_is_reused_for_40_minutes_and_renewed_after() {
        let key = key_file();
        let c = cfg(&full(&key)).unwrap().unwrap();
        std::fs::remove_file(key).ok();
        let s = ApnsSender::new(c, &reqwest::Client::new()).unwrap();
        let t0 = Instant::now();
        let first = s.provider_token(t0).unwrap();
        let parts: Vec<&str> = first.split('.').collect();
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["kid"], "ABC123DEFG");
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["iss"], "TEAM123456");
        assert!(claims["iat"].as_u64().unwrap() + 5 >= unix_now());
        assert!(claims.get("exp").is_none() && claims.get("nbf").is_none());

        let at = |mins: u64| t0 + Duration::from_secs(mins * 60);
        let issued = || s.token.lock().unwrap().as_ref().unwrap().issued;
        assert_eq!(s.provider_token(at(10)).unwrap(), first);
        // Apple calls it expired: renewed, but never before it is 20 minutes old.
        s.mark_stale(&first);
        s.provider_token(at(15)).unwrap();
        assert_eq!(issued(), t0);
        s.provider_token(at(21)).unwrap();
        assert_eq!(issued(), at(21));
        // Otherwise a token serves 40 minutes.
        s.provider_token(at(60)).unwrap();
        assert_eq!(issued(), at(21));
        s.provider_token(at(62)).unwrap();
        assert_eq!(issued(), at(62));
    }
}
