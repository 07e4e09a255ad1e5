//! FCM HTTP v1 for the Android wrapper (and iOS through FCM): an OAuth2 access token from the
//! service account's RS256 JWT assertion, cached until shortly before it expires, then
//! `POST {base}/v1/projects/{project}/messages:send` with a data-only, high-priority message.

use super::{
    all_or_none, network_outcome, read_file, retry_after, retryable, snippet, unix_now, PushAlert,
    PushOutcome, ALERT_TTL_SECS,
};
use crate::config::{bad, http_url, ConfigError};
use jwt_simple::prelude::{Claims, Duration as JwtDuration, RS256KeyPair, RSAKeyPairLike};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// The OAuth2 scope for sending FCM messages.
pub const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const VAR: &str = "BATON_FCM_SERVICE_ACCOUNT";

/// The fields of a Firebase service-account key file that Baton uses.
#[derive(Clone, Deserialize)]
pub struct ServiceAccount {
    pub project_id: String,
    pub client_email: String,
    /// PKCS#8 PEM RSA key.
    pub private_key: String,
    #[serde(default)]
    pub private_key_id: Option<String>,
    #[serde(default = "default_token_uri")]
    pub token_uri: String,
}

fn default_token_uri() -> String {
    "https://oauth2.googleapis.com/token".into()
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("project_id", &self.project_id)
            .field("client_email", &self.client_email)
            .field("token_uri", &self.token_uri)
            .finish_non_exhaustive()
    }
}

impl ServiceAccount {
    /// Parses and checks a service-account JSON file's text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
        if let Some(t) = v["type"].as_str() {
            if t != "service_account" {
                return Err(format!("its type is {t:?}, not \"service_account\""));
            }
        }
        for field in ["project_id", "client_email", "private_key"] {
            if v[field].as_str().is_none_or(|s| s.trim().is_empty()) {
                return Err(format!("it has no {field}"));
            }
        }
        let sa: ServiceAccount = serde_json::from_value(v).map_err(|e| e.to_string())?;
        if !sa
            .project_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':' || c == '.')
        {
            return Err(format!(
                "project_id {:?} is not a project id",
                sa.project_id
            ));
        }
        if !(sa.token_uri.starts_with("https://") || sa.token_uri.starts_with("http://")) {
            return Err(format!(
                "token_uri {:?} is not an http(s) URL",
                sa.token_uri
            ));
        }
        RS256KeyPair::from_pem(&sa.private_key)
            .map_err(|_| "its private_key is not an RSA private key in PEM".to_string())?;
        Ok(sa)
    }
}

#[derive(Debug, Clone)]
pub struct FcmConfig {
    pub service_account: ServiceAccount,
    /// Without a trailing slash.
    pub api_base: String,
}

pub(crate) fn config(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<FcmConfig>, ConfigError> {
    let api_base = http_url(
        "BATON_FCM_API_BASE",
        get("BATON_FCM_API_BASE").unwrap_or_else(|| "https://fcm.googleapis.com".into()),
    )?;
    if !all_or_none(get, "FCM", &[VAR, "BATON_FCM_API_BASE"], &[VAR])? {
        return Ok(None);
    }
    let path = get(VAR).unwrap_or_default();
    let text = read_file(VAR, &path)?;
    let service_account = ServiceAccount::parse(&text).map_err(|e| {
        bad(
            VAR,
            format!("expected a Firebase service-account key file (JSON), but {path:?}: {e}"),
        )
    })?;
    Ok(Some(FcmConfig {
        service_account,
        api_base,
    }))
}

/// The `messages:send` body: data-only (every value a string) so the Android app decides how to
/// show it, high priority with a short TTL; for iOS devices behind FCM a visible alert, since a
/// data-only message there is a throttled background push.
pub fn message(token: &str, alert: &PushAlert, now_unix: u64) -> serde_json::Value {
    let title = alert.title();
    serde_json::json!({
        "message": {
            "token": token,
            "data": {
                "conversation_id": alert.conversation_id.to_string(),
                "contact_name": alert.contact_name,
                "preview": alert.preview,
                "wait_secs": alert.wait_secs.to_string(),
                "step": alert.step.to_string(),
                "title": title,
            },
            "android": {
                "priority": "HIGH",
                "ttl": format!("{ALERT_TTL_SECS}s"),
                "collapse_key": alert.collapse_key(),
            },
            "apns": {
                "headers": {
                    "apns-priority": "10",
                    "apns-push-type": "alert",
                    "apns-expiration": (now_unix + ALERT_TTL_SECS).to_string(),
                    "apns-collapse-id": alert.collapse_key(),
                },
                "payload": {
                    "aps": {
                        "alert": { "title": title, "body": alert.preview },
                        "sound": "default",
                    },
                },
            },
        }
    })
}

#[derive(Serialize)]
struct Scope<'a> {
    scope: &'a str,
}

struct AccessToken {
    value: String,
    refresh_at: Instant,
}

pub(crate) struct FcmSender {
    cfg: FcmConfig,
    key: RS256KeyPair,
    token: tokio::sync::Mutex<Option<AccessToken>>,
}

impl FcmSender {
    pub(crate) fn new(cfg: FcmConfig) -> Result<Self, ConfigError> {
        let sa = &cfg.service_account;
        let mut key = RS256KeyPair::from_pem(&sa.private_key)
            .map_err(|_| bad(VAR, "its private_key is not an RSA private key in PEM"))?;
        if let Some(kid) = sa.private_key_id.as_deref().filter(|k| !k.is_empty()) {
            key = key.with_key_id(kid);
        }
        Ok(Self {
            cfg,
            key,
            token: tokio::sync::Mutex::new(None),
        })
    }

    /// The signed JWT that buys an access token: {iss, scope, aud = token_uri, iat, exp}.
    fn assertion(&self, now_unix: u64) -> Result<String, String> {
        let sa = &self.cfg.service_account;
        let mut claims =
            Claims::with_custom_claims(Scope { scope: SCOPE }, JwtDuration::from_secs(3600))
                .with_issuer(&sa.client_email)
                .with_audience(&sa.token_uri);
        claims.issued_at = Some(JwtDuration::from_secs(now_unix));
        claims.expires_at = Some(JwtDuration::from_secs(now_unix + 3600));
        claims.invalid_before = None;
        self.key
            .sign(claims)
            .map_err(|e| format!("cannot sign the FCM token request: {e}"))
    }

    /// A cached access token, or a new one. Concurrent senders wait for one refresh.
    async fn access_token(&self, http: &reqwest::Client) -> Result<String, PushOutcome> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref().filter(|t| Instant::now() < t.refresh_at) {
            return Ok(t.value.clone());
        }
        let assertion = self.assertion(unix_now()).map_err(PushOutcome::Permanent)?;
        let res = http
            .post(&self.cfg.service_account.token_uri)
            .form(&[("grant_type", GRANT_TYPE), ("assertion", &assertion)])
            .send()
            .await
            .map_err(|e| network_outcome("the FCM token endpoint", &e))?;
        let status = res.status().as_u16();
        let after = retry_after(res.headers());
        let body = res.text().await.unwrap_or_default();
        if !(200..300).contains(&status) {
            let reason = format!(
                "the FCM token endpoint answered {status}: {}",
                snippet(&body)
            );
            return Err(
                retryable(status, after, reason.clone()).unwrap_or(PushOutcome::Permanent(reason))
            );
        }
        #[derive(Deserialize)]
        struct TokenAnswer {
            access_token: String,
            #[serde(default)]
            expires_in: Option<u64>,
        }
        let answer: TokenAnswer = serde_json::from_str(&body).map_err(|e| PushOutcome::Retry {
            after: None,
            reason: format!("the FCM token endpoint's answer has no access_token: {e}"),
        })?;
        let lifetime = answer.expires_in.unwrap_or(3600);
        // Renew five minutes early (halfway through for short-lived tokens).
        let keep = lifetime.saturating_sub(300).max(lifetime / 2);
        *cached = Some(AccessToken {
            value: answer.access_token.clone(),
            refresh_at: Instant::now() + Duration::from_secs(keep),
        });
        Ok(answer.access_token)
    }

    pub(crate) async fn send(
        &self,
        http: &reqwest::Client,
        token: &str,
        alert: &PushAlert,
    ) -> PushOutcome {
        let access = match self.access_token(http).await {
            Ok(t) => t,
            Err(outcome) => return outcome,
        };
        let url = format!(
            "{}/v1/projects/{}/messages:send",
            self.cfg.api_base, self.cfg.service_account.project_id
        );
        let res = match http
            .post(url)
            .bearer_auth(&access)
            .json(&message(token, alert, unix_now()))
            .send()
            .await
        {
            Ok(res) => res,
            Err(e) => return network_outcome("FCM", &e),
        };
        let status = res.status().as_u16();
        let after = retry_after(res.headers());
        let body = res.text().await.unwrap_or_default();
        if status == 401 {
            // The token was revoked or expired early: the next send fetches a new one.
            let mut cached = self.token.lock().await;
            if cached.as_ref().is_some_and(|t| t.value == access) {
                *cached = None;
            }
        }
        classify(status, after, &body)
    }
}

/// 2xx delivered; 404 or `UNREGISTERED` gone; 429/5xx later; 401 later with a new access token
/// (but `THIRD_PARTY_AUTH_ERROR`, a bad APNs credential in Firebase, is final); the rest is final.
pub(crate) fn classify(status: u16, after: Option<Duration>, body: &str) -> PushOutcome {
    if (200..300).contains(&status) {
        return PushOutcome::Delivered;
    }
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let error_code = v["error"]["details"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|d| d["errorCode"].as_str())
        .or_else(|| v["error"]["status"].as_str())
        .unwrap_or("")
        .to_string();
    let message = v["error"]["message"]
        .as_str()
        .map(snippet)
        .unwrap_or_else(|| snippet(body));
    let reason = format!("FCM answered {status} {error_code}: {message}");
    if status == 404 || error_code == "UNREGISTERED" {
        return PushOutcome::Gone(reason);
    }
    if let Some(retry) = retryable(status, after, reason.clone()) {
        return retry;
    }
    if status == 401 && error_code != "THIRD_PARTY_AUTH_ERROR" {
        return PushOutcome::Retry { after, reason };
    }
    PushOutcome::Permanent(reason)
}

#[cfg(test)]
mod tests {
    use super::super::tests::lookup;
    use super::*;
    use serde_json::json;

    fn error(status: u16, code: &str) -> String {
        json!({"error": {"code": status, "message": "m", "status": "S",
            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}]}})
        .to_string()
    }

    #[test]
    fn the_message_is_data_only_strings_with_high_priority() {
        let a = PushAlert::new(42, "Ann", "Where is my order?", 95, 2);
        let m = message("tok", &a, 1_000);
        let msg = &m["message"];
        assert_eq!(msg["token"], "tok");
        assert!(msg.get("notification").is_none());
        let data = msg["data"].as_object().unwrap();
        assert!(data.values().all(|v| v.is_string()));
        assert_eq!(data["conversation_id"], "42");
        assert_eq!(data["wait_secs"], "95");
        assert_eq!(data["step"], "2");
        assert_eq!(data["preview"], "Where is my order?");
        assert_eq!(msg["android"]["priority"], "HIGH");
        assert_eq!(msg["android"]["ttl"], "300s");
        assert_eq!(msg["apns"]["headers"]["apns-priority"], "10");
        assert_eq!(msg["apns"]["headers"]["apns-push-type"], "alert");
        assert_eq!(msg["apns"]["headers"]["apns-expiration"], "1300");
        assert_eq!(
            msg["apns"]["payload"]["aps"]["alert"],
            json!({"title": "Customer waiting: Ann", "body": "Where is my order?"})
        );
    }

    #[test]
    fn errors_map_to_outcomes() {
        assert_eq!(classify(200, None, "{}"), PushOutcome::Delivered);
        assert!(matches!(
            classify(404, None, &error(404, "UNREGISTERED")),
            PushOutcome::Gone(_)
        ));
        assert!(matches!(
            classify(400, None, &error(400, "UNREGISTERED")),
            PushOutcome::Gone(_)
        ));
        assert!(matches!(classify(404, None, ""), PushOutcome::Gone(_)));
        match classify(400, None, &error(400, "INVALID_ARGUMENT")) {
            PushOutcome::Permanent(r) => assert!(r.contains("INVALID_ARGUMENT"), "{r}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            classify(
                429,
                Some(Duration::from_secs(30)),
                &error(429, "QUOTA_EXCEEDED")
            ),
            PushOutcome::Retry {
                after: Some(Duration::from_secs(30)),
                reason: "FCM answered 429 QUOTA_EXCEEDED: m".into()
            }
        );
        assert!(matches!(
            classify(503, None, "<html>"),
            PushOutcome::Retry { .. }
        ));
        assert!(matches!(classify(401, None, ""), PushOutcome::Retry { .. }));
        assert!(matches!(
            classify(401, None, &error(401, "THIRD_PARTY_AUTH_ERROR")),
            PushOutcome::Permanent(_)
        ));
        assert!(matches!(
            classify(403, None, &error(403, "SENDER_ID_MISMATCH")),
            PushOutcome::Permanent(_)
        ));
    }

    fn temp_file(name: &str, text: &str) -> String {
        let n: u64 = rand::random();
        let p = std::env::temp_dir().join(format!("baton-push-{n:016x}-{name}"));
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    #[test]
    fn bad_service_accounts_name_the_variable() {
        let missing = "/nonexistent/baton/sa.json";
        let e = config(&lookup(&[(VAR, missing)])).unwrap_err();
        assert_eq!(e.var, VAR);
        assert!(e.message.contains("cannot read"), "{}", e.message);
        let cases = [
            ("not json", "not JSON"),
            (r#"{"type":"authorized_user"}"#, "authorized_user"),
            (r#"{"project_id":"p","client_email":"a@b"}"#, "private_key"),
            (
                r#"{"project_id":"p","client_email":"a@b","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}"#,
                "RSA private key",
            ),
        ];
        for (text, expect) in cases {
            let path = temp_file("sa.json", text);
            let e = config(&lookup(&[(VAR, &path)])).unwrap_err();
            std::fs::remove_file(&path).ok();
            assert_eq!(e.var, VAR);
            assert!(e.message.contains(expect), "{}", e.message);
        }
        let e = config(&lookup(&[("BATON_FCM_API_BASE", "http://127.0.0.1:9")])).unwrap_err();
        assert_eq!(e.var, VAR);
        assert!(e.message.contains("partly configured"), "{}", e.message);
        let e = config(&lookup(&[(VAR, missing), ("BATON_FCM_API_BASE", "fcm")])).unwrap_err();
        assert_eq!(e.var, "BATON_FCM_API_BASE");
        assert!(config(&lookup(&[])).unwrap().is_none());
    }
}
