//! Push notifications to operators' devices: Web Push (browsers and installed PWAs), FCM HTTP v1
//! (Android wrappers) and APNs (iOS wrappers). Protocol layer only: a [`Pusher`] sends one
//! [`PushAlert`] to one [`DeviceTarget`] and classifies the answer as a [`PushOutcome`]; storing
//! devices, scheduling and retrying belong to the callers.
//!
//! Configuration ([`PushConfig::from_lookup`]):
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `BATON_VAPID_PRIVATE_KEY` | none: the caller generates one ([`VapidKeys::generate`]) and keeps it | base64url raw 32-byte P-256 private key |
//! | `BATON_VAPID_SUBJECT` | `BATON_PUBLIC_URL` when it is https, else `mailto:admin@localhost` | `mailto:` address or `https://` URL push services may contact; set a real one in production (Apple rejects placeholder domains) |
//! | `BATON_FCM_SERVICE_ACCOUNT` | FCM off | path to the Firebase service-account JSON file |
//! | `BATON_FCM_API_BASE` | `https://fcm.googleapis.com` | FCM base URL (tests point it at a mock) |
//! | `BATON_APNS_KEY` | APNs off | path to the `.p8` token-signing key (PKCS#8 PEM) |
//! | `BATON_APNS_KEY_ID`, `BATON_APNS_TEAM_ID` | | the key's and the team's 10-character ids |
//! | `BATON_APNS_TOPIC` | | the iOS app's bundle id |
//! | `BATON_APNS_API_BASE` | `https://api.push.apple.com` | `https://api.sandbox.push.apple.com` for development builds |

pub mod apns;
pub mod fcm;
pub mod webpush;

pub use apns::ApnsConfig;
pub use fcm::{FcmConfig, ServiceAccount};
pub use webpush::VapidKeys;

use crate::config::{bad, flag, ConfigError};
pub use app::services::notifications::AlertWords;
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime};

/// The longest preview an alert carries, in characters.
pub const PREVIEW_MAX_CHARS: usize = 120;
/// The longest contact name an alert carries, in characters.
pub const NAME_MAX_CHARS: usize = 64;
/// A worded title: the name and a few words around it.
pub const TITLE_MAX_CHARS: usize = NAME_MAX_CHARS + 32;
/// The wait note and the button's label.
pub const WORD_MAX_CHARS: usize = 40;
/// How long push services keep an undelivered alert: a handoff alert older than this is stale.
pub const ALERT_TTL_SECS: u64 = 300;

/// What an operator's device is told: a customer has been waiting for `wait_secs` seconds; `step`
/// counts the escalation steps of the same wait (1 for the first alert).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushAlert {
    pub conversation_id: i64,
    pub contact_name: String,
    pub preview: String,
    pub wait_secs: i64,
    pub step: u32,
    /// The title, wait note and button in the reader's language (empty: English defaults).
    #[serde(default)]
    pub words: AlertWords,
}

impl PushAlert {
    /// An alert with the name and preview already cut to size (see [`truncate_chars`]).
    pub fn new(
        conversation_id: i64,
        contact_name: &str,
        preview: &str,
        wait_secs: i64,
        step: u32,
    ) -> Self {
        Self {
            conversation_id,
            contact_name: truncate_chars(contact_name, NAME_MAX_CHARS),
            preview: truncate_chars(preview, PREVIEW_MAX_CHARS),
            wait_secs,
            step,
            words: AlertWords::default(),
        }
    }

    /// The alert worded in its reader's language (see [`AlertWords`]), cut to size.
    pub fn with_words(mut self, words: &AlertWords) -> Self {
        self.words = AlertWords {
            title: truncate_chars(&words.title, TITLE_MAX_CHARS),
            waited: truncate_chars(&words.waited, WORD_MAX_CHARS),
            accept: truncate_chars(&words.accept, WORD_MAX_CHARS),
        };
        self
    }

    /// The same alert cut to size, whatever the fields hold: every sender sends this.
    pub fn compact(&self) -> Self {
        Self::new(
            self.conversation_id,
            &self.contact_name,
            &self.preview,
            self.wait_secs,
            self.step,
        )
        .with_words(&self.words)
    }

    /// The notification title shown by the native wrappers ("Customer waiting: Ann"), in the
    /// reader's language when the alert carries its words.
    pub fn title(&self) -> String {
        if !self.words.title.trim().is_empty() {
            return truncate_chars(&self.words.title, TITLE_MAX_CHARS);
        }
        let name = truncate_chars(&self.contact_name, NAME_MAX_CHARS);
        if name.is_empty() {
            "Customer waiting".to_string()
        } else {
            format!("Customer waiting: {name}")
        }
    }

    /// One key per conversation: a newer alert replaces an undelivered older one (Web Push
    /// `Topic`, FCM `collapse_key`, APNs `apns-collapse-id`). At most 25 base64url characters.
    pub fn collapse_key(&self) -> String {
        format!("conv-{}", self.conversation_id)
    }
}

/// Collapses runs of whitespace to one space, trims, and keeps at most `max` characters (cut on
/// a character boundary, the last one replaced by `…` when something was cut).
pub fn truncate_chars(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let mut out: String = flat.chars().take(max.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// Where an alert goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeviceTarget {
    /// A browser's `PushSubscription`: endpoint URL and its base64url `p256dh` and `auth` keys.
    WebPush {
        endpoint: String,
        p256dh: String,
        auth: String,
    },
    /// An FCM registration token (Android wrapper).
    Fcm { token: String },
    /// An APNs device token, hex (iOS wrapper).
    Apns { token: String },
}

impl DeviceTarget {
    /// `webpush`, `fcm` or `apns`.
    pub fn kind(&self) -> &'static str {
        match self {
            DeviceTarget::WebPush { .. } => "webpush",
            DeviceTarget::Fcm { .. } => "fcm",
            DeviceTarget::Apns { .. } => "apns",
        }
    }

    /// Reads what a browser's `PushSubscription.toJSON()` gives
    /// (`{"endpoint": .., "keys": {"p256dh": .., "auth": ..}}`) and checks it can be used: an
    /// http(s) endpoint, a 65-byte uncompressed P-256 key and a 16-byte auth secret. Padding is
    /// dropped from the keys.
    pub fn web_push_from_json(v: &serde_json::Value) -> Result<DeviceTarget, String> {
        let field = |path: &[&str], what: &str| {
            path.iter()
                .fold(v, |v, k| &v[*k])
                .as_str()
                .ok_or(format!("the subscription has no {what}"))
        };
        let endpoint = field(&["endpoint"], "endpoint")?;
        let p256dh = field(&["keys", "p256dh"], "keys.p256dh")?;
        let auth = field(&["keys", "auth"], "keys.auth")?;
        // The checks the console applies when a browser subscribes, plus a full URL parse.
        let sub = app::domain::devices::web_push_subscription(endpoint, p256dh, auth)
            .map_err(|e| e.to_string())?;
        if sub.endpoint.parse::<reqwest::Url>().is_err() {
            return Err("the subscription endpoint is not an http(s) URL".into());
        }
        Ok(DeviceTarget::WebPush {
            endpoint: sub.endpoint,
            p256dh: sub.p256dh,
            auth: sub.auth,
        })
    }
}

/// What became of one alert to one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// The push service accepted it.
    Delivered,
    /// The device or subscription no longer exists: forget it.
    Gone(String),
    /// Try again later (rate limits, server errors, time-outs, network errors); `after` is the
    /// service's `Retry-After` when it gave one.
    Retry {
        after: Option<Duration>,
        reason: String,
    },
    /// Refused for good (bad request, bad token, configuration problem): do not retry.
    Permanent(String),
}

/// How push is configured; see the module documentation for the variables.
#[derive(Debug, Clone)]
pub struct PushConfig {
    /// The VAPID key from `BATON_VAPID_PRIVATE_KEY`; `None` means the caller generates one
    /// ([`VapidKeys::generate`]) and keeps it ([`VapidKeys::to_base64`]), so subscriptions survive
    /// restarts.
    pub vapid_private_key: Option<VapidKeys>,
    /// The VAPID `sub` claim.
    pub vapid_subject: String,
    pub fcm: Option<FcmConfig>,
    pub apns: Option<ApnsConfig>,
    /// `BATON_PUSH_ALLOW_INSECURE=1`: Web Push may go to plain-http receivers on loopback.
    /// For tests only: in production every endpoint must be https on a public address.
    pub allow_insecure: bool,
}

impl PushConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads and checks the push settings through `get` (the environment in production, a map in
    /// tests). Key files are read and parsed here, so a bad one stops start-up.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vapid_private_key = get("BATON_VAPID_PRIVATE_KEY")
            .map(|v| {
                VapidKeys::from_base64(&v).map_err(|_| {
                    bad(
                        "BATON_VAPID_PRIVATE_KEY",
                        "expected a base64url-encoded raw 32-byte P-256 private key (43 characters)",
                    )
                })
            })
            .transpose()?;
        let vapid_subject = match get("BATON_VAPID_SUBJECT") {
            Some(s) => vapid_subject("BATON_VAPID_SUBJECT", s.trim())?,
            None => get("BATON_PUBLIC_URL")
                .map(|u| u.trim().trim_end_matches('/').to_string())
                .filter(|u| u.starts_with("https://") && u.len() > "https://".len())
                .unwrap_or_else(|| "mailto:admin@localhost".to_string()),
        };
        let allow_insecure = flag(&get, "BATON_PUSH_ALLOW_INSECURE")?;
        Ok(PushConfig {
            vapid_private_key,
            vapid_subject,
            fcm: fcm::config(&get)?,
            apns: apns::config(&get)?,
            allow_insecure,
        })
    }
}

fn vapid_subject(var: &'static str, s: &str) -> Result<String, ConfigError> {
    let ok = match s.strip_prefix("mailto:") {
        Some(addr) => {
            addr.split_once('@')
                .is_some_and(|(user, host)| !user.is_empty() && !host.is_empty())
                && !addr.contains(char::is_whitespace)
        }
        None => {
            s.starts_with("https://")
                && s.len() > "https://".len()
                && !s.contains(char::is_whitespace)
        }
    };
    if ok {
        Ok(s.to_string())
    } else {
        Err(bad(
            var,
            format!("expected mailto:someone@your-domain or an https:// URL, got {s:?}"),
        ))
    }
}

/// Checks that all `required` variables are set when any of `all` is; names the missing ones.
pub(crate) fn all_or_none(
    get: &impl Fn(&str) -> Option<String>,
    service: &str,
    all: &[&'static str],
    required: &[&'static str],
) -> Result<bool, ConfigError> {
    let set: Vec<&str> = all.iter().copied().filter(|v| get(v).is_some()).collect();
    if set.is_empty() {
        return Ok(false);
    }
    let missing: Vec<&'static str> = required
        .iter()
        .copied()
        .filter(|v| get(v).is_none())
        .collect();
    match missing.first() {
        None => Ok(true),
        Some(first) => Err(bad(
            first,
            format!(
                "{service} is partly configured ({} set): also set {}",
                set.join(", "),
                missing.join(", ")
            ),
        )),
    }
}

/// Reads a key file named by `var`.
pub(crate) fn read_file(var: &'static str, path: &str) -> Result<String, ConfigError> {
    std::fs::read_to_string(path.trim())
        .map_err(|e| bad(var, format!("cannot read the file {path:?}: {e}")))
}

/// Sends alerts through whichever services are configured. One HTTP client (10 s per request,
/// 5 s to connect) serves Web Push and FCM, and APNs over https.
pub struct Pusher {
    http: reqwest::Client,
    /// Web Push endpoints are chosen by whoever registers a device, so their client resolves
    /// names only to public addresses ([`PublicOnly`]) and follows no redirects.
    webpush_http: reqwest::Client,
    allow_insecure: bool,
    webpush: webpush::WebPushSender,
    fcm: Option<fcm::FcmSender>,
    apns: Option<apns::ApnsSender>,
}

/// Every push request's time limit.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The time limit to open a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl Pusher {
    /// `vapid` is `config.vapid_private_key` when set, else the caller's stored or newly
    /// generated key.
    pub fn new(config: &PushConfig, vapid: VapidKeys) -> Result<Self, ConfigError> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        let webpush_http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(std::sync::Arc::new(PublicOnly {
                allow_loopback: config.allow_insecure,
            }))
            .build()
            .expect("http client");
        let webpush = webpush::WebPushSender::new(vapid, config.vapid_subject.clone());
        let fcm = config
            .fcm
            .as_ref()
            .map(|c| fcm::FcmSender::new(c.clone()))
            .transpose()?;
        let apns = config
            .apns
            .as_ref()
            .map(|c| apns::ApnsSender::new(c.clone(), &http))
            .transpose()?;
        Ok(Self {
            http,
            webpush_http,
            allow_insecure: config.allow_insecure,
            webpush,
            fcm,
            apns,
        })
    }

    /// The VAPID public key, base64url of the uncompressed point: the `applicationServerKey` a
    /// browser subscribes with.
    pub fn vapid_public_key(&self) -> String {
        self.webpush.public_key()
    }

    pub fn fcm_enabled(&self) -> bool {
        self.fcm.is_some()
    }

    pub fn apns_enabled(&self) -> bool {
        self.apns.is_some()
    }

    /// Sends `alert` (cut to size first) to `target`.
    pub async fn send(&self, target: &DeviceTarget, alert: &PushAlert) -> PushOutcome {
        let alert = alert.compact();
        match target {
            DeviceTarget::WebPush {
                endpoint,
                p256dh,
                auth,
            } => {
                // Checked again at every send: the address may have been stored before this
                // rule, and names are resolved (by `PublicOnly`) at connect time.
                if let Err(why) = app::services::devices::push_target(endpoint, self.allow_insecure)
                {
                    let why = app::text::errors::problem(app::i18n::Locale::en, &why);
                    return PushOutcome::Permanent(format!("not sent: {why}"));
                }
                self.webpush
                    .send(&self.webpush_http, endpoint, p256dh, auth, &alert)
                    .await
            }
            DeviceTarget::Fcm { token } => match &self.fcm {
                Some(fcm) => fcm.send(&self.http, token, &alert).await,
                None => PushOutcome::Permanent(
                    "FCM is not configured (BATON_FCM_SERVICE_ACCOUNT)".into(),
                ),
            },
            DeviceTarget::Apns { token } => match &self.apns {
                Some(apns) => apns.send(token, &alert).await,
                None => PushOutcome::Permanent(
                    "APNs is not configured (BATON_APNS_KEY and the others)".into(),
                ),
            },
        }
    }
}

/// A resolver that hands reqwest only public addresses (and loopback when local receivers are
/// allowed): a push service's name that resolves inside the network is refused at connect time,
/// whatever it resolved to when the device was registered.
struct PublicOnly {
    allow_loopback: bool,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let host = name.as_str().to_string();
            match app::services::devices::resolve_push_host(&host, 0, allow_loopback).await {
                Ok(found) => {
                    let addrs: reqwest::dns::Addrs = Box::new(found.into_iter());
                    Ok(addrs)
                }
                Err(why) => {
                    let what = match why {
                        Some(_) => "resolves to an address that is not public",
                        None => "cannot be resolved",
                    };
                    let e: Box<dyn std::error::Error + Send + Sync> =
                        format!("{host} {what}").into();
                    Err(e)
                }
            }
        })
    }
}

/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// `Retry-After` as delay-seconds or an HTTP date, capped at a day.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(v, SystemTime::now())
}

pub(crate) fn parse_retry_after(v: &str, now: SystemTime) -> Option<Duration> {
    let v = v.trim();
    let d = match v.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => httpdate::parse_http_date(v)
            .ok()?
            .duration_since(now)
            .unwrap_or(Duration::ZERO),
    };
    Some(d.min(MAX_RETRY_AFTER))
}

/// The outcome of a request that got no answer.
pub(crate) fn network_outcome(service: &str, e: &reqwest::Error) -> PushOutcome {
    let reason = if e.is_timeout() {
        format!("{service} did not answer in time")
    } else {
        // Not `{e}`: it names the URL (a device token for APNs, a capability for Web Push).
        format!("{service} is unreachable: {}", crate::redact::describe(e))
    };
    PushOutcome::Retry {
        after: None,
        reason,
    }
}

/// The rules every service shares: 429 and 5xx are retried later.
pub(crate) fn retryable(
    status: u16,
    after: Option<Duration>,
    reason: String,
) -> Option<PushOutcome> {
    (status == 429 || (500..600).contains(&status)).then_some(PushOutcome::Retry { after, reason })
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// At most the first 200 characters of an error body, for logs and outcomes.
pub(crate) fn snippet(body: &str) -> String {
    truncate_chars(body, 200)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    pub(crate) fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn previews_are_cut_on_a_character_boundary() {
        assert_eq!(truncate_chars("  hello \n\n world ", 120), "hello world");
        let long = "ж".repeat(300);
        let cut = truncate_chars(&long, PREVIEW_MAX_CHARS);
        assert_eq!(cut.chars().count(), PREVIEW_MAX_CHARS);
        assert!(cut.ends_with('…'));
        assert!(cut.starts_with("жжж"));
        let emoji = "🙂".repeat(121);
        assert_eq!(truncate_chars(&emoji, 120).chars().count(), 120);
        let exact = "a".repeat(120);
        assert_eq!(truncate_chars(&exact, 120), exact);
        // No dangling space before the ellipsis.
        let words = format!("{} tail", "a".repeat(118));
        assert_eq!(truncate_chars(&words, 120), format!("{}…", "a".repeat(118)));
    }

    #[test]
    fn alerts_are_compacted_and_titled() {
        let a = PushAlert::new(7, &"N".repeat(100), &"p".repeat(500), 90, 2);
        assert_eq!(a.contact_name.chars().count(), NAME_MAX_CHARS);
        assert_eq!(a.preview.chars().count(), PREVIEW_MAX_CHARS);
        let raw = PushAlert {
            preview: "p".repeat(1000),
            ..a.clone()
        };
        assert_eq!(raw.compact(), a);
        assert_eq!(a.compact(), a, "compacting twice changes nothing");
        assert_eq!(a.collapse_key(), "conv-7");
        assert!(PushAlert::new(i64::MIN, "", "", 0, 1).collapse_key().len() <= 32);
        assert_eq!(
            PushAlert::new(1, "Ann", "hi", 0, 1).title(),
            "Customer waiting: Ann"
        );
        let spanish = AlertWords::new(app::i18n::Locale::es, "Ann", 200);
        let worded = PushAlert::new(1, "Ann", "hi", 200, 1).with_words(&spanish);
        assert_eq!(worded.title(), "Cliente esperando: Ann");
        assert_eq!(worded.words.waited, "· esperando 3 min");
        assert_eq!(worded.compact(), worded, "compacting keeps the words");
        assert_eq!(
            PushAlert::new(1, " ", "hi", 0, 1).title(),
            "Customer waiting"
        );
    }

    #[test]
    fn browser_subscriptions_are_checked() {
        let p256dh = format!("BA{}", "A".repeat(85));
        let ok = serde_json::json!({
            "endpoint": "https://push.example.net/abc",
            "expirationTime": null,
            "keys": { "p256dh": p256dh, "auth": "AAAAAAAAAAAAAAAAAAAAAA==" }
        });
        let t = DeviceTarget::web_push_from_json(&ok).unwrap();
        assert_eq!(t.kind(), "webpush");
        match &t {
            DeviceTarget::WebPush { auth, .. } => assert_eq!(auth, "AAAAAAAAAAAAAAAAAAAAAA"),
            other => panic!("{other:?}"),
        }
        let mut bad = ok.clone();
        bad["endpoint"] = "ftp://x".into();
        assert!(DeviceTarget::web_push_from_json(&bad).is_err());
        let mut bad = ok.clone();
        bad["keys"]["auth"] = "AAAA".into();
        assert!(DeviceTarget::web_push_from_json(&bad)
            .unwrap_err()
            .contains("keys.auth"));
        let mut bad = ok.clone();
        bad["keys"]["p256dh"] = format!("Aw{}", "A".repeat(85)).into();
        assert!(DeviceTarget::web_push_from_json(&bad).is_err());
        let json = serde_json::to_value(DeviceTarget::Fcm { token: "t".into() }).unwrap();
        assert_eq!(json, serde_json::json!({"kind": "fcm", "token": "t"}));
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(120));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(
            parse_retry_after("99999999", now),
            Some(Duration::from_secs(24 * 3600))
        );
    }

    #[test]
    fn defaults_leave_fcm_and_apns_off() {
        let c = PushConfig::from_lookup(lookup(&[])).unwrap();
        assert!(c.vapid_private_key.is_none() && c.fcm.is_none() && c.apns.is_none());
        assert_eq!(c.vapid_subject, "mailto:admin@localhost");
        let c = PushConfig::from_lookup(lookup(&[(
            "BATON_PUBLIC_URL",
            "https://baton.example.com/",
        )]))
        .unwrap();
        assert_eq!(c.vapid_subject, "https://baton.example.com");
    }

    #[test]
    fn vapid_settings_are_checked() {
        let key = VapidKeys::generate().to_base64();
        let c = PushConfig::from_lookup(lookup(&[
            ("BATON_VAPID_PRIVATE_KEY", &key),
            ("BATON_VAPID_SUBJECT", "mailto:ops@example.com"),
        ]))
        .unwrap();
        assert_eq!(c.vapid_private_key.unwrap().to_base64(), key);
        assert_eq!(c.vapid_subject, "mailto:ops@example.com");
        for (var, value) in [
            ("BATON_VAPID_PRIVATE_KEY", "not a key"),
            ("BATON_VAPID_PRIVATE_KEY", "AAAA"),
            // The zero scalar is not a key.
            (
                "BATON_VAPID_PRIVATE_KEY",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            ),
            ("BATON_VAPID_SUBJECT", "admin@example.com"),
            ("BATON_VAPID_SUBJECT", "mailto:nobody"),
            ("BATON_VAPID_SUBJECT", "http://example.com"),
        ] {
            let err = PushConfig::from_lookup(lookup(&[(var, value)])).unwrap_err();
            assert_eq!(err.var, var, "{value}");
            if var == "BATON_VAPID_PRIVATE_KEY" {
                assert!(!err.to_string().contains(value), "a secret was echoed");
            }
        }
    }
}
