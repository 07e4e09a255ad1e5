//! Configuration from environment variables. Every value is checked at startup; a bad one stops
//! Baton with a message naming the variable and what it expects.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// WhatsApp Cloud API credentials; the channel is on only when all three secrets are set.
#[derive(Debug, Clone)]
pub struct WhatsappConfig {
    pub verify_token: String,
    pub app_secret: String,
    pub access_token: String,
    pub api_base: String,
}

/// Telegram Bot API credentials; on only when both are set.
#[derive(Debug, Clone)]
pub struct TelegramConfig {
    pub bot_token: String,
    /// The bot's id, the token's part before ':' (part of every stored Telegram message key; the
    /// token itself is never stored).
    pub bot_id: String,
    pub secret_token: String,
    pub api_base: String,
}

#[derive(Debug, Clone, Default)]
pub struct ChannelsConfig {
    pub whatsapp: Option<WhatsappConfig>,
    pub telegram: Option<TelegramConfig>,
    /// An external bot asked when no scenario matches (`BATON_BOT_WEBHOOK_URL`).
    pub bot_webhook_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub db_max_connections: u32,
    pub site_addr: SocketAddr,
    pub site_root: PathBuf,
    pub public_url: Option<String>,
    /// Proxies whose `X-Forwarded-For` is believed (`BATON_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<app::domain::client_ip::IpNet>,
    pub admin: Option<(String, String)>,
    pub demo: bool,
    pub log_filter: String,
    pub log_format: LogFormat,
    pub channels: ChannelsConfig,
    /// Web Push (VAPID), FCM and APNs; see [`crate::push`].
    pub push: crate::push::PushConfig,
    /// The anonymous web widget's limits and allowed sites.
    pub widget: app::services::widget::WidgetLimits,
    /// Names this instance on the outbox rows it claims (`BATON_INSTANCE_ID`, default the host
    /// name); it must stay the same across restarts of the instance and differ between instances.
    pub instance_id: String,
    /// How long a request may take to produce its response head, and its body each next piece
    /// (`BATON_REQUEST_DEADLINE_SECS`); see [`crate::routes::contain`].
    pub request_deadline: Duration,
    /// The RabbitMQ that joins several instances into one (`BATON_BROKER_URL`); `None` runs
    /// alone, everything in-process. Holds a password: never logged.
    pub broker_url: Option<String>,
    /// How long work an instance claimed stays its own before another instance may take it
    /// (`BATON_LEASE_SECS`): the delay before a dead instance's sends go out from another.
    pub lease: Duration,
    /// Mounts the misbehaving `/__test/*` routes (`BATON_TEST_FAULTS=1`, for tests only).
    pub test_faults: bool,
    /// Files: where they are kept, their limits, and voice-note transcription.
    pub media: MediaConfig,
}

/// `BATON_MEDIA_*`, `BATON_TRANSCRIBE_*` and the widget's upload limits.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// `BATON_MEDIA_DIR` (default `./data/media`).
    pub dir: PathBuf,
    pub limits: app::domain::media::MediaLimits,
    /// The wait after a first failed download (`BATON_MEDIA_RETRY_MS`, default 5000).
    pub retry_base_ms: i64,
    /// An OpenAI-compatible `/v1/audio/transcriptions` endpoint (`BATON_TRANSCRIBE_URL`).
    pub transcribe_url: Option<String>,
    /// `BATON_TRANSCRIBE_MODEL` (default `whisper-1`).
    pub transcribe_model: String,
    /// `BATON_TRANSCRIBE_KEY`: a bearer token, if the endpoint wants one. Never logged.
    pub transcribe_key: Option<String>,
}

fn media(get: &impl Fn(&str) -> Option<String>) -> Result<MediaConfig, ConfigError> {
    use app::domain::media::{MediaLimits, MB};
    let d = MediaLimits::default();
    let mb = |var: &'static str, default: u64, max: u64| -> Result<u64, ConfigError> {
        Ok(number(get, var, default / MB, 1..=max)? * MB)
    };
    Ok(MediaConfig {
        dir: get("BATON_MEDIA_DIR")
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "data/media".into())
            .into(),
        limits: MediaLimits {
            max_inbound: mb("BATON_MEDIA_MAX_INBOUND_MB", d.max_inbound, 100)?,
            max_upload: mb("BATON_MEDIA_MAX_UPLOAD_MB", d.max_upload, 100)?,
            max_visitor_upload: mb("BATON_WIDGET_MAX_UPLOAD_MB", d.max_visitor_upload, 50)?,
            visitor_uploads_per_hour: number(
                get,
                "BATON_WIDGET_UPLOADS_PER_HOUR",
                d.visitor_uploads_per_hour,
                1..=10_000,
            )?,
        },
        retry_base_ms: number(get, "BATON_MEDIA_RETRY_MS", 5_000, 10..=600_000)?,
        transcribe_url: get("BATON_TRANSCRIBE_URL")
            .filter(|u| !u.trim().is_empty())
            .map(|u| http_url("BATON_TRANSCRIBE_URL", u))
            .transpose()?,
        transcribe_model: get("BATON_TRANSCRIBE_MODEL")
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "whisper-1".into()),
        transcribe_key: get("BATON_TRANSCRIBE_KEY").filter(|k| !k.trim().is_empty()),
    })
}

/// The host's name, the default instance id.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "baton".into())
}

/// What a URL starts with, up to and including `://` (or its first 12 characters): safe to show.
fn scheme_of(url: &str) -> String {
    match url.find("://") {
        Some(i) => url[..i + 3].to_string(),
        None => url.chars().take(12).collect(),
    }
}

/// `BATON_BROKER_URL`: an amqp(s) URL, and only with PostgreSQL (several instances share one
/// database; SQLite is one process's file).
fn broker_url(
    get: &impl Fn(&str) -> Option<String>,
    database_url: &str,
) -> Result<Option<String>, ConfigError> {
    let Some(url) = get("BATON_BROKER_URL").map(|v| v.trim().to_string()) else {
        return Ok(None);
    };
    if !(url.starts_with("amqp://") || url.starts_with("amqps://")) {
        return Err(bad(
            "BATON_BROKER_URL",
            format!(
                "expected amqp://user:password@host:5672/%2f (or amqps://), got a URL starting {:?}",
                scheme_of(&url)
            ),
        ));
    }
    if database_url.starts_with("sqlite:") {
        return Err(bad(
            "BATON_BROKER_URL",
            "several instances need a shared PostgreSQL database, and DATABASE_URL is SQLite \
             (one process's file). Set DATABASE_URL=postgres://... or unset BATON_BROKER_URL \
             to run one instance.",
        ));
    }
    Ok(Some(url))
}

fn instance_id(get: &impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    // Host and process: two instances on one host never share a name (and so never take back
    // each other's claims at start-up).
    let id = get("BATON_INSTANCE_ID")
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| format!("{}-{}", host_name(), std::process::id()));
    let ok = (1..=128).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(id)
    } else {
        Err(bad(
            "BATON_INSTANCE_ID",
            format!("expected 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-', got {id:?}"),
        ))
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

pub(crate) fn bad(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        message: message.into(),
    }
}

pub(crate) fn http_url(var: &'static str, v: String) -> Result<String, ConfigError> {
    let v = v.trim().trim_end_matches('/').to_string();
    if v.starts_with("https://") || v.starts_with("http://") {
        Ok(v)
    } else {
        Err(bad(var, format!("expected an http(s):// URL, got {v:?}")))
    }
}

fn channels(get: &impl Fn(&str) -> Option<String>) -> Result<ChannelsConfig, ConfigError> {
    let wa_base = http_url(
        "BATON_WHATSAPP_API_BASE",
        get("BATON_WHATSAPP_API_BASE").unwrap_or_else(|| "https://graph.facebook.com/v21.0".into()),
    )?;
    let whatsapp = match (
        get("BATON_WHATSAPP_VERIFY_TOKEN"),
        get("BATON_WHATSAPP_APP_SECRET"),
        get("BATON_WHATSAPP_ACCESS_TOKEN"),
    ) {
        (Some(verify_token), Some(app_secret), Some(access_token)) => Some(WhatsappConfig {
            verify_token,
            app_secret,
            access_token,
            api_base: wa_base,
        }),
        _ => None,
    };
    let tg_base = http_url(
        "BATON_TELEGRAM_API_BASE",
        get("BATON_TELEGRAM_API_BASE").unwrap_or_else(|| "https://api.telegram.org".into()),
    )?;
    let telegram = match (
        get("BATON_TELEGRAM_BOT_TOKEN"),
        get("BATON_TELEGRAM_SECRET_TOKEN"),
    ) {
        (Some(bot_token), Some(secret_token)) => {
            let ok = (1..=256).contains(&secret_token.len())
                && secret_token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !ok {
                return Err(bad(
                    "BATON_TELEGRAM_SECRET_TOKEN",
                    "expected 1 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)",
                ));
            }
            let bot_id =
                match bot_token.split_once(':') {
                    Some((id, rest))
                        if !id.is_empty()
                            && !rest.is_empty()
                            && id.bytes().all(|b| b.is_ascii_digit()) =>
                    {
                        id.to_string()
                    }
                    // The token itself never appears in a message.
                    _ => return Err(bad(
                        "BATON_TELEGRAM_BOT_TOKEN",
                        "expected the token BotFather gives: the bot's numeric id, ':', the secret",
                    )),
                };
            Some(TelegramConfig {
                bot_token,
                bot_id,
                secret_token,
                api_base: tg_base,
            })
        }
        _ => None,
    };
    let bot_webhook_url = get("BATON_BOT_WEBHOOK_URL")
        .map(|u| http_url("BATON_BOT_WEBHOOK_URL", u))
        .transpose()?;
    Ok(ChannelsConfig {
        whatsapp,
        telegram,
        bot_webhook_url,
    })
}

/// A switch: `1`/`true` on, `0`/`false` or unset off; anything else is refused.
pub(crate) fn flag(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<bool, ConfigError> {
    match get(var).as_deref().map(str::trim) {
        None | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(v) => Err(bad(var, format!("expected 1 or 0, got {v:?}"))),
    }
}

/// A whole number from `var` within `range`, or `default` when unset.
pub(crate) fn number<T>(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    match get(var) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<T>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                bad(
                    var,
                    format!(
                        "expected a number from {} to {}, got {v:?}",
                        range.start(),
                        range.end()
                    ),
                )
            }),
    }
}

/// `BATON_WIDGET_*`: the anonymous widget's limits (defaults in [`WidgetLimits::default`]).
fn widget(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<app::services::widget::WidgetLimits, ConfigError> {
    let d = app::services::widget::WidgetLimits::default();
    let origins = match get("BATON_WIDGET_ORIGINS") {
        None => None,
        Some(list) => Some(
            list.split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(|o| {
                    let o = o.trim_end_matches('/');
                    let rest = o
                        .strip_prefix("https://")
                        .or_else(|| o.strip_prefix("http://"));
                    match rest {
                        Some(r) if !r.is_empty() && !r.contains('/') => Ok(o.to_string()),
                        _ => Err(bad(
                            "BATON_WIDGET_ORIGINS",
                            format!("expected comma-separated origins such as https://shop.example.com, got {o:?}"),
                        )),
                    }
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    Ok(app::services::widget::WidgetLimits {
        max_frame_bytes: number(
            get,
            "BATON_WIDGET_MAX_FRAME_BYTES",
            d.max_frame_bytes,
            1024..=1 << 20,
        )?,
        sockets_per_address: number(
            get,
            "BATON_WIDGET_SOCKETS_PER_ADDRESS",
            d.sockets_per_address,
            1..=100_000,
        )?,
        messages_per_minute: number(
            get,
            "BATON_WIDGET_MESSAGES_PER_MINUTE",
            d.messages_per_minute,
            1..=100_000,
        )?,
        new_visitors_per_hour: number(
            get,
            "BATON_WIDGET_NEW_VISITORS_PER_HOUR",
            d.new_visitors_per_hour,
            1..=1_000_000,
        )?,
        idle_timeout: std::time::Duration::from_secs(number(
            get,
            "BATON_WIDGET_IDLE_SECONDS",
            d.idle_timeout.as_secs(),
            1..=86_400,
        )?),
        origins,
    })
}

fn site_addr_is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads configuration through `get` (the environment in production, a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let database_url = get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/baton.db".into());
        let scheme_ok = ["sqlite:", "postgres://", "postgresql://"]
            .iter()
            .any(|p| database_url.starts_with(p));
        if !scheme_ok {
            return Err(bad(
                "DATABASE_URL",
                // Only the scheme: the rest may hold a password.
                format!(
                    "expected sqlite://path/to/file.db or postgres://user@host/db, got a URL starting {:?}",
                    scheme_of(&database_url)
                ),
            ));
        }
        let db_max_connections = number(&get, "BATON_DB_MAX_CONNECTIONS", 8, 1..=256)?;
        let addr = get("LEPTOS_SITE_ADDR").unwrap_or_else(|| "127.0.0.1:3000".into());
        let site_addr = addr.trim().parse().map_err(|_| {
            bad(
                "LEPTOS_SITE_ADDR",
                format!("expected host:port such as 127.0.0.1:3000, got {addr:?}"),
            )
        })?;
        let site_root =
            PathBuf::from(get("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()));
        let public_url = match get("BATON_PUBLIC_URL") {
            None => None,
            Some(u) => {
                let u = u.trim().trim_end_matches('/').to_string();
                let rest = u
                    .strip_prefix("https://")
                    .or_else(|| u.strip_prefix("http://"))
                    .filter(|r| !r.is_empty() && !r.contains('/'));
                if rest.is_none() {
                    return Err(bad(
                        "BATON_PUBLIC_URL",
                        format!("expected the origin users open, such as https://baton.example.com, got {u:?}"),
                    ));
                }
                Some(u)
            }
        };
        let admin = match (get("BATON_ADMIN_EMAIL"), get("BATON_ADMIN_PASSWORD")) {
            (None, None) => None,
            (Some(e), Some(p)) => {
                app::domain::users::Email::parse(&e).map_err(|_| {
                    bad(
                        "BATON_ADMIN_EMAIL",
                        format!("expected an email address, got {e:?}"),
                    )
                })?;
                app::domain::users::NewPassword::parse(&p).map_err(|err| {
                    // Start-up messages are read in logs, in English.
                    let words = app::text::errors::problem(app::i18n::Locale::en, &err.message);
                    bad("BATON_ADMIN_PASSWORD", words)
                })?;
                Some((e, p))
            }
            (Some(_), None) => {
                return Err(bad(
                    "BATON_ADMIN_PASSWORD",
                    "must be set together with BATON_ADMIN_EMAIL",
                ))
            }
            (None, Some(_)) => {
                return Err(bad(
                    "BATON_ADMIN_EMAIL",
                    "must be set together with BATON_ADMIN_PASSWORD",
                ))
            }
        };
        let demo = flag(&get, "BATON_DEMO")?;
        if demo && (admin.is_some() || !site_addr_is_loopback(&site_addr)) {
            return Err(bad(
                "BATON_DEMO",
                format!(
                    "demo mode publishes known passwords, so it runs only on a loopback \
                     LEPTOS_SITE_ADDR (such as 127.0.0.1:3000) and without BATON_ADMIN_EMAIL \
                     (got LEPTOS_SITE_ADDR={site_addr}{}). For production set BATON_DEMO=0.",
                    if admin.is_some() {
                        " and BATON_ADMIN_EMAIL"
                    } else {
                        ""
                    }
                ),
            ));
        }
        let trusted_proxies = app::domain::client_ip::parse_trusted(
            get("BATON_TRUSTED_PROXIES").as_deref().unwrap_or_default(),
        )
        .map_err(|e| {
            bad(
                "BATON_TRUSTED_PROXIES",
                format!("{e}; expected comma-separated addresses or CIDR networks"),
            )
        })?;
        let log_filter = get("RUST_LOG").unwrap_or_else(|| "info".into());
        tracing_subscriber::EnvFilter::try_new(&log_filter).map_err(|e| {
            bad(
                "RUST_LOG",
                format!("not a valid filter ({e}); try RUST_LOG=info"),
            )
        })?;
        let log_format = match get("BATON_LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(v) => {
                return Err(bad(
                    "BATON_LOG_FORMAT",
                    format!("expected text or json, got {v:?}"),
                ))
            }
        };
        let channels = channels(&get)?;
        let push = crate::push::PushConfig::from_lookup(&get)?;
        let widget = widget(&get)?;
        let instance_id = instance_id(&get)?;
        let request_deadline =
            Duration::from_secs(number(&get, "BATON_REQUEST_DEADLINE_SECS", 10, 1..=600)?);
        let broker_url = broker_url(&get, &database_url)?;
        let lease = Duration::from_secs(number(&get, "BATON_LEASE_SECS", 60, 2..=3600)?);
        let test_faults = get("BATON_TEST_FAULTS").as_deref().map(str::trim) == Some("1");
        let media = media(&get)?;
        Ok(Config {
            database_url,
            db_max_connections,
            site_addr,
            site_root,
            public_url,
            trusted_proxies,
            admin,
            demo,
            log_filter,
            log_format,
            channels,
            push,
            widget,
            instance_id,
            request_deadline,
            broker_url,
            lease,
            test_faults,
            media,
        })
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| m.get(k).cloned())
    }

    #[test]
    fn defaults_give_a_local_sqlite_console() {
        let c = with(&[]).unwrap();
        assert_eq!(c.database_url, "sqlite://data/baton.db");
        assert_eq!(c.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.log_format, LogFormat::Text);
        assert!(!c.demo && !c.secure_cookies() && c.admin.is_none());
        assert_eq!(
            c.instance_id,
            format!("{}-{}", host_name(), std::process::id()),
            "the instance is named after its host and process"
        );
        assert_eq!(
            c.broker_url, None,
            "alone, in-process, unless a broker is set"
        );
        assert_eq!(c.lease, Duration::from_secs(60));
        assert_eq!(
            with(&[("BATON_INSTANCE_ID", "web-2")]).unwrap().instance_id,
            "web-2"
        );
        assert_eq!(c.request_deadline, Duration::from_secs(10));
        assert!(
            !c.test_faults,
            "the misbehaving test routes are off unless asked for"
        );
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases: &[(&str, &str)] = &[
            ("DATABASE_URL", "mysql://x"),
            ("LEPTOS_SITE_ADDR", "localhost"),
            ("BATON_PUBLIC_URL", "baton.example.com"),
            ("BATON_LOG_FORMAT", "xml"),
            ("BATON_DEMO", "yes please"),
            ("BATON_DB_MAX_CONNECTIONS", "0"),
            ("BATON_REQUEST_DEADLINE_SECS", "0"),
            ("BATON_REQUEST_DEADLINE_SECS", "ten"),
            ("RUST_LOG", "info,[="),
            ("BATON_WHATSAPP_API_BASE", "graph.facebook.com"),
            ("BATON_BOT_WEBHOOK_URL", "bot.internal:8080"),
            ("BATON_VAPID_PRIVATE_KEY", "not-a-key"),
            ("BATON_VAPID_SUBJECT", "admin@example.com"),
            (
                "BATON_FCM_SERVICE_ACCOUNT",
                "/nonexistent/service-account.json",
            ),
            ("BATON_FCM_API_BASE", "fcm.googleapis.com"),
            ("BATON_APNS_API_BASE", "api.push.apple.com"),
            ("BATON_WIDGET_MAX_FRAME_BYTES", "10"),
            ("BATON_WIDGET_SOCKETS_PER_ADDRESS", "many"),
            ("BATON_WIDGET_MESSAGES_PER_MINUTE", "0"),
            ("BATON_WIDGET_NEW_VISITORS_PER_HOUR", "-1"),
            ("BATON_WIDGET_IDLE_SECONDS", "0"),
            ("BATON_WIDGET_ORIGINS", "shop.example.com"),
            ("BATON_INSTANCE_ID", "web 1; rm"),
            ("BATON_TRUSTED_PROXIES", "10.0.0.0/33"),
        ];
        for (var, value) in cases {
            let err = with(&[(var, value)]).unwrap_err();
            assert_eq!(err.var, *var, "{value}");
            assert!(err.to_string().starts_with(var));
        }
    }

    #[test]
    fn widget_limits_default_and_parse() {
        let d = with(&[]).unwrap().widget;
        assert_eq!(d.max_frame_bytes, 16 * 1024);
        assert!(d.origins.is_none());
        let w = with(&[
            ("BATON_WIDGET_MAX_FRAME_BYTES", "4096"),
            ("BATON_WIDGET_IDLE_SECONDS", "30"),
            (
                "BATON_WIDGET_ORIGINS",
                "https://shop.example.com/, http://localhost:8080",
            ),
        ])
        .unwrap()
        .widget;
        assert_eq!(w.max_frame_bytes, 4096);
        assert_eq!(w.idle_timeout.as_secs(), 30);
        assert_eq!(
            w.origins.unwrap(),
            ["https://shop.example.com", "http://localhost:8080"]
        );
    }

    #[test]
    fn the_admin_needs_both_email_and_a_strong_password() {
        assert_eq!(
            with(&[("BATON_ADMIN_EMAIL", "a@b.c")]).unwrap_err().var,
            "BATON_ADMIN_PASSWORD"
        );
        assert_eq!(
            with(&[
                ("BATON_ADMIN_EMAIL", "a@b.c"),
                ("BATON_ADMIN_PASSWORD", "short")
            ])
            .unwrap_err()
            .var,
            "BATON_ADMIN_PASSWORD"
        );
        let c = with(&[
            ("BATON_ADMIN_EMAIL", "a@b.c"),
            ("BATON_ADMIN_PASSWORD", "long enough pw"),
        ])
        .unwrap();
        assert_eq!(c.admin.unwrap().0, "a@b.c");
    }

    #[test]
    fn a_channel_is_on_only_with_all_its_secrets() {
        assert!(with(&[]).unwrap().channels.whatsapp.is_none());
        let partial = with(&[
            ("BATON_WHATSAPP_VERIFY_TOKEN", "v"),
            ("BATON_WHATSAPP_APP_SECRET", "s"),
        ])
        .unwrap();
        assert!(partial.channels.whatsapp.is_none());
        let full = with(&[
            ("BATON_WHATSAPP_VERIFY_TOKEN", "v"),
            ("BATON_WHATSAPP_APP_SECRET", "s"),
            ("BATON_WHATSAPP_ACCESS_TOKEN", "t"),
        ])
        .unwrap();
        assert_eq!(
            full.channels.whatsapp.unwrap().api_base,
            "https://graph.facebook.com/v21.0"
        );
        let tg = with(&[
            ("BATON_TELEGRAM_BOT_TOKEN", "1:x"),
            ("BATON_TELEGRAM_SECRET_TOKEN", "not valid!"),
        ]);
        assert_eq!(tg.unwrap_err().var, "BATON_TELEGRAM_SECRET_TOKEN");
        let tg = |token| {
            with(&[
                ("BATON_TELEGRAM_BOT_TOKEN", token),
                ("BATON_TELEGRAM_SECRET_TOKEN", "ok"),
            ])
        };
        assert_eq!(
            tg("123456:AA-secret")
                .unwrap()
                .channels
                .telegram
                .unwrap()
                .bot_id,
            "123456"
        );
        let err = tg("AA-secret-without-an-id").unwrap_err();
        assert_eq!(err.var, "BATON_TELEGRAM_BOT_TOKEN");
        assert!(
            !err.to_string().contains("AA-secret"),
            "the token is never echoed"
        );
    }

    #[test]
    fn a_broker_needs_postgres_and_its_password_is_never_echoed() {
        let pg = "postgres://baton@db/baton";
        let c = with(&[
            ("DATABASE_URL", pg),
            ("BATON_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/%2f"),
        ])
        .unwrap();
        assert_eq!(
            c.broker_url.as_deref(),
            Some("amqp://guest:guest@127.0.0.1:5672/%2f")
        );
        let e = with(&[("BATON_BROKER_URL", "amqp://guest:s3cret@mq/%2f")]).unwrap_err();
        assert_eq!(e.var, "BATON_BROKER_URL");
        assert!(e.message.contains("PostgreSQL"), "{}", e.message);
        assert!(!e.message.contains("s3cret"), "{}", e.message);
        let e = with(&[
            ("DATABASE_URL", pg),
            ("BATON_BROKER_URL", "redis://:s3cret@mq"),
        ])
        .unwrap_err();
        assert!(
            e.message.contains("redis://") && !e.message.contains("s3cret"),
            "{}",
            e.message
        );
        let e = with(&[("DATABASE_URL", "mysql://root:s3cret@db/baton")]).unwrap_err();
        assert!(!e.message.contains("s3cret"), "{}", e.message);
    }

    #[test]
    fn demo_mode_refuses_to_publish_its_passwords() {
        for env in [
            &[("BATON_DEMO", "1"), ("LEPTOS_SITE_ADDR", "0.0.0.0:3000")][..],
            &[
                ("BATON_DEMO", "1"),
                ("LEPTOS_SITE_ADDR", "192.168.1.5:3000"),
            ][..],
            &[
                ("BATON_DEMO", "1"),
                ("BATON_ADMIN_EMAIL", "a@b.c"),
                ("BATON_ADMIN_PASSWORD", "long enough pw"),
            ][..],
        ] {
            let err = with(env).unwrap_err();
            assert_eq!(err.var, "BATON_DEMO", "{env:?}");
            let msg = err.to_string();
            for var in ["LEPTOS_SITE_ADDR", "BATON_ADMIN_EMAIL", "BATON_DEMO=0"] {
                assert!(msg.contains(var), "{msg}");
            }
        }
        assert!(with(&[("BATON_DEMO", "1")]).unwrap().demo);
        assert!(
            with(&[("BATON_DEMO", "1"), ("LEPTOS_SITE_ADDR", "[::1]:3000")])
                .unwrap()
                .demo
        );
        // Production may listen anywhere.
        assert!(with(&[("LEPTOS_SITE_ADDR", "0.0.0.0:3000")]).is_ok());
    }

    #[test]
    fn trusted_proxies_are_read_as_networks() {
        let c = with(&[("BATON_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")]).unwrap();
        assert_eq!(c.trusted_proxies.len(), 2);
        assert!(with(&[]).unwrap().trusted_proxies.is_empty());
    }

    #[test]
    fn https_public_urls_turn_on_secure_cookies() {
        let c = with(&[("BATON_PUBLIC_URL", "https://baton.example.com/")]).unwrap();
        assert_eq!(c.public_url.as_deref(), Some("https://baton.example.com"));
        assert!(c.secure_cookies());
    }
}
