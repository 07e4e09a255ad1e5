//! The state shared by every request, socket and worker.

use crate::bus::SharedBus;
use crate::domain::client_ip::{client_ip, IpNet};
use crate::domain::ratelimit::AttemptLimiter;
use crate::storage::Store;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Settings the services need (the server's configuration is parsed and validated elsewhere).
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// Cookies get `Secure` when Baton is served over https.
    pub secure_cookies: bool,
    /// Origins allowed to call server functions and open sockets (scheme://host[:port]).
    pub public_origin: Option<String>,
    pub session_ttl_ms: i64,
    /// Web Push to plain-http loopback receivers (tests only; `BATON_PUSH_ALLOW_INSECURE`).
    pub push_allow_insecure: bool,
    /// Proxies whose `X-Forwarded-For` is believed (`BATON_TRUSTED_PROXIES`); see [`Self::client_ip`].
    pub trusted_proxies: Vec<IpNet>,
}

impl ServiceSettings {
    /// The client's address for limits and logs: the peer, or with a trusted proxy as peer the
    /// address that proxy forwarded (see [`client_ip`]).
    pub fn client_ip(&self, peer: IpAddr, headers: &http::HeaderMap) -> IpAddr {
        let chain = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        client_ip(
            peer,
            Some(&chain).filter(|c| !c.is_empty()).map(|c| c.as_str()),
            &self.trusted_proxies,
        )
    }
}

impl Default for ServiceSettings {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            public_origin: None,
            session_ttl_ms: 30 * 24 * 3600 * 1000,
            push_allow_insecure: false,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Failed sign-ins, counted before the password is checked (a success takes its count back).
pub struct SignInLimits {
    /// Per account and client address ("acct:ana@x.io|ip:1.2.3.4"): a guesser elsewhere cannot
    /// lock the account's owner out.
    pub per_account: AttemptLimiter,
    /// Per client address ("ip:1.2.3.4"), across all accounts.
    pub per_ip: AttemptLimiter,
}

impl SignInLimits {
    pub const WINDOW_MS: i64 = 15 * 60 * 1000;
    pub const PER_ACCOUNT_AND_ADDRESS: usize = 5;
    pub const PER_ADDRESS: usize = 30;
}

impl Default for SignInLimits {
    fn default() -> Self {
        Self {
            per_account: AttemptLimiter::new(Self::PER_ACCOUNT_AND_ADDRESS, Self::WINDOW_MS),
            per_ip: AttemptLimiter::new(Self::PER_ADDRESS, Self::WINDOW_MS),
        }
    }
}

/// Who has a live socket right now (user id -> open connections).
#[derive(Default)]
pub struct Presence {
    online: Mutex<HashMap<i64, usize>>,
}

impl Presence {
    /// Counts a new connection; returns whether the user just came online.
    pub fn connect(&self, user: i64) -> bool {
        let mut m = self.online.lock().unwrap();
        let n = m.entry(user).or_default();
        *n += 1;
        *n == 1
    }

    /// Counts a closed connection; returns whether the user just went offline.
    pub fn disconnect(&self, user: i64) -> bool {
        let mut m = self.online.lock().unwrap();
        match m.get_mut(&user) {
            Some(n) if *n > 1 => {
                *n -= 1;
                false
            }
            Some(_) => {
                m.remove(&user);
                true
            }
            None => false,
        }
    }

    pub fn is_online(&self, user: i64) -> bool {
        self.online.lock().unwrap().contains_key(&user)
    }

    pub fn online_count(&self) -> usize {
        self.online.lock().unwrap().len()
    }
}

/// Whether the external bot answers, for the monitoring page and the bot status.
#[derive(Default)]
pub struct BotHealth {
    last: Mutex<Option<(i64, String)>>,
}

impl BotHealth {
    /// Records the outcome of a call to the external bot: `Some(error)` marks it down.
    pub fn record(&self, error: Option<String>, now: i64) {
        *self.last.lock().unwrap() = error.map(|e| (now, e));
    }

    /// `Some((since, last error))` while the external bot is failing.
    pub fn down(&self) -> Option<(i64, String)> {
        self.last.lock().unwrap().clone()
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub bus: SharedBus,
    pub settings: Arc<ServiceSettings>,
    pub sign_in_limits: Arc<Mutex<SignInLimits>>,
    pub presence: Arc<Presence>,
    /// Woken when a customer message is stored, so the bot decides at once.
    pub bot_wakeup: Arc<tokio::sync::Notify>,
    /// Woken when an outbound message is queued, so the sender sends at once.
    pub delivery_wakeup: Arc<tokio::sync::Notify>,
    pub widget_hub: Arc<super::widget::WidgetHub>,
    pub settings_cache: Arc<super::settings::SettingsCache>,
    pub external_bot: Option<Arc<dyn super::bot::ExternalBot>>,
    pub bot_health: Arc<BotHealth>,
    /// Woken when notifications are queued, so the notification worker sends at once.
    pub notify_wakeup: Arc<tokio::sync::Notify>,
    /// Sends alerts to devices (implemented by the server's push clients).
    pub pusher: Option<Arc<dyn super::notifications::DevicePusher>>,
    /// What browsers and native wrappers need to subscribe.
    pub push_info: Arc<super::notifications::PushInfo>,
    /// Group commit for inbound messages (SQLite); `None` stores each message on its own.
    pub ingest_writer: Option<super::ingest::IngestWriter>,
    /// `Send test notification` per person (see [`super::notifications::TESTS_PER_MINUTE`]).
    pub test_push_limits: Arc<Mutex<AttemptLimiter>>,
    /// Bumped whenever sessions are ended (sign-out, password change, deactivation), so live
    /// sockets re-check theirs at once; a watch cannot be missed by a socket that fell behind.
    pub sessions_ended: Arc<tokio::sync::watch::Sender<u64>>,
}

impl AppState {
    /// Tells live sockets that some sessions have ended.
    pub fn sessions_ended(&self) {
        self.sessions_ended.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn new(store: Store, bus: SharedBus, settings: ServiceSettings) -> Self {
        Self {
            store,
            bus,
            settings: Arc::new(settings),
            sign_in_limits: Arc::default(),
            presence: Arc::default(),
            bot_wakeup: Arc::default(),
            delivery_wakeup: Arc::default(),
            widget_hub: Arc::default(),
            settings_cache: Arc::default(),
            external_bot: None,
            bot_health: Arc::default(),
            notify_wakeup: Arc::default(),
            pusher: None,
            push_info: Arc::default(),
            ingest_writer: None,
            test_push_limits: Arc::new(Mutex::new(AttemptLimiter::new(
                super::notifications::TESTS_PER_MINUTE,
                60_000,
            ))),
            sessions_ended: Arc::default(),
        }
    }
}
