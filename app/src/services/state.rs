//! The state shared by every request, socket and worker.

use crate::bus::cluster::{Cluster, Signal, Solo, Worker};
use crate::bus::SharedBus;
use crate::domain::client_ip::{client_ip, IpNet};
use crate::domain::ratelimit::AttemptLimiter;
use crate::dto::InstanceStatus;
use crate::storage::Store;
use std::collections::{HashMap, HashSet};
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
    /// How long claimed work (a send, a notification) stays invisible to other senders, so a
    /// dead instance's work is taken over after this (`BATON_LEASE_SECS`).
    pub lease_ms: i64,
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
            lease_ms: 60_000,
        }
    }
}

/// Another instance as this one last heard from it.
struct Remote {
    users: HashSet<i64>,
    at: i64,
    /// Silent past [`Presence::SILENCE_MS`]: its operators count as offline.
    gone: bool,
}

/// Who has a live socket right now: here (user id -> open connections) and, with several
/// instances, on the others (as each last announced; an instance that falls silent is taken for
/// gone, and forgotten after [`Presence::FORGET_MS`]).
#[derive(Default)]
pub struct Presence {
    online: Mutex<HashMap<i64, usize>>,
    remote: Mutex<HashMap<String, Remote>>,
}

impl Presence {
    /// An instance not heard from for this long (ms) is taken for gone, its operators offline.
    /// Instances announce themselves every third of it.
    pub const SILENCE_MS: i64 = 30_000;
    /// A gone instance stays on the monitoring page this long.
    pub const FORGET_MS: i64 = 10 * 60_000;

    /// Counts a new connection; returns whether the user just came online here.
    pub fn connect(&self, user: i64) -> bool {
        let mut m = self.online.lock().unwrap();
        let n = m.entry(user).or_default();
        *n += 1;
        *n == 1
    }

    /// Counts a closed connection; returns whether the user just went offline here.
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

    /// The operators online on this instance, for announcing to the others.
    pub fn here(&self) -> Vec<i64> {
        let mut users: Vec<i64> = self.online.lock().unwrap().keys().copied().collect();
        users.sort_unstable();
        users
    }

    /// Records what `instance` announced at `now`; returns whether anyone came or went.
    pub fn announced(&self, instance: &str, users: Vec<i64>, now: i64) -> bool {
        let before = self.everyone(now);
        let remote = Remote {
            users: users.into_iter().collect(),
            at: now,
            gone: false,
        };
        self.remote
            .lock()
            .unwrap()
            .insert(instance.to_string(), remote);
        before != self.everyone(now)
    }

    /// Marks instances silent since `now - SILENCE_MS` as gone (forgetting those silent for
    /// `FORGET_MS`); returns whether any just went.
    pub fn forget_silent(&self, now: i64) -> bool {
        let mut remote = self.remote.lock().unwrap();
        remote.retain(|_, r| r.at > now - Self::FORGET_MS);
        let mut went = false;
        for r in remote.values_mut() {
            if !r.gone && r.at <= now - Self::SILENCE_MS {
                r.gone = true;
                went = true;
            }
        }
        went
    }

    fn alive(r: &Remote, now: i64) -> bool {
        !r.gone && r.at > now - Self::SILENCE_MS
    }

    fn everyone(&self, now: i64) -> HashSet<i64> {
        let mut all: HashSet<i64> = self.online.lock().unwrap().keys().copied().collect();
        for r in self.remote.lock().unwrap().values() {
            if Self::alive(r, now) {
                all.extend(&r.users);
            }
        }
        all
    }

    pub fn is_online(&self, user: i64) -> bool {
        let now = super::now_ms();
        self.online.lock().unwrap().contains_key(&user)
            || self
                .remote
                .lock()
                .unwrap()
                .values()
                .any(|r| Self::alive(r, now) && r.users.contains(&user))
    }

    pub fn online_count(&self) -> usize {
        self.everyone(super::now_ms()).len()
    }

    /// The instances this one knows of, itself first, then by name.
    pub fn instances(&self, this: &str, now: i64) -> Vec<InstanceStatus> {
        let mut others: Vec<InstanceStatus> = self
            .remote
            .lock()
            .unwrap()
            .iter()
            .map(|(id, r)| InstanceStatus {
                id: id.clone(),
                this: false,
                up: Self::alive(r, now),
                operators_online: r.users.len(),
                last_heard: r.at,
            })
            .collect();
        others.sort_by(|a, b| a.id.cmp(&b.id));
        let me = InstanceStatus {
            id: this.to_string(),
            this: true,
            up: true,
            operators_online: self.online.lock().unwrap().len(),
            last_heard: now,
        };
        std::iter::once(me).chain(others).collect()
    }
}

/// Whether the external bot answers, for the monitoring page and the bot status.
#[derive(Default)]
pub struct BotHealth {
    last: Mutex<Option<(i64, String)>>,
}

impl BotHealth {
    /// Records the outcome of a call to the external bot: `Some(error)` marks it down. Returns
    /// whether it went down or came back (what the other instances are told).
    pub fn record(&self, error: Option<String>, now: i64) -> bool {
        let mut last = self.last.lock().unwrap();
        let changed = last.is_some() != error.is_some();
        *last = error.map(|e| (now, e));
        changed
    }

    /// What another instance saw (see [`crate::bus::cluster::Signal::BotHealth`]).
    pub fn set(&self, down: Option<(i64, String)>) {
        *self.last.lock().unwrap() = down;
    }

    /// `Some((since, last error))` while the external bot is failing.
    pub fn down(&self) -> Option<(i64, String)> {
        self.last.lock().unwrap().clone()
    }
}

/// The latest ending of sessions (see [`AppState::sessions_ended`]).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SessionsEnded {
    pub count: u64,
    pub user_id: i64,
}

impl SessionsEnded {
    /// Whether a socket of `user_id` that last saw `seen` must re-check its session: the ending
    /// was that user's, or endings were missed in between.
    pub fn concerns(&self, seen: u64, user_id: i64) -> bool {
        self.user_id == user_id || self.count != seen.wrapping_add(1)
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub bus: SharedBus,
    pub settings: Arc<ServiceSettings>,
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
    /// Tells customers' apps that messages were read or an operator is typing (implemented by
    /// the server's channel clients).
    pub channel_signals: Option<Arc<dyn super::signals::ChannelSignals>>,
    /// Sends alerts to devices (implemented by the server's push clients).
    pub pusher: Option<Arc<dyn super::notifications::DevicePusher>>,
    /// What browsers and native wrappers need to subscribe.
    pub push_info: Arc<super::notifications::PushInfo>,
    /// Group commit for inbound messages; `None` stores each message on its own.
    pub ingest_writer: Option<super::ingest::IngestWriter>,
    /// `Send test notification` per person (see [`super::notifications::TESTS_PER_MINUTE`]).
    pub test_push_limits: Arc<Mutex<AttemptLimiter>>,
    /// Whenever someone's sessions are ended (sign-out, password change, deactivation): a count
    /// and whose they were, so that person's live sockets re-check theirs at once and nobody
    /// else's read the database. A watch cannot be missed by a socket that fell behind; one that
    /// sees the count jump by more than one missed someone and re-checks too.
    pub sessions_ended: Arc<tokio::sync::watch::Sender<SessionsEnded>>,
    /// The other instances (none by default).
    pub cluster: Arc<dyn Cluster>,
    /// Files: the store, the platforms' fetchers, transcription and limits.
    pub media: Arc<super::media::MediaKit>,
}

impl AppState {
    /// Tells live sockets, here and on the other instances, that some of `user_id`'s sessions
    /// have ended.
    pub fn sessions_ended(&self, user_id: i64) {
        self.sessions_ended_here(user_id);
        self.cluster.send(Signal::SessionsEnded { user_id });
    }

    /// Tells this instance's sockets (a signal from another instance).
    pub fn sessions_ended_here(&self, user_id: i64) {
        self.sessions_ended.send_modify(|e| {
            e.count = e.count.wrapping_add(1);
            e.user_id = user_id;
        });
    }

    /// Makes every socket here re-read its session (endings may have been missed during a
    /// broker outage): the count jumps by two, which [`SessionsEnded::concerns`] every socket.
    pub fn recheck_all_sessions(&self) {
        self.sessions_ended
            .send_modify(|e| e.count = e.count.wrapping_add(2));
    }

    /// Tells the other instances which operators are online on this one.
    pub fn announce_presence(&self) {
        self.cluster.send(Signal::Presence {
            users: self.presence.here(),
        });
    }

    /// Wakes `worker` here and on the other instances: work for it was just stored.
    pub fn wake(&self, worker: Worker) {
        self.wake_here(worker);
        self.cluster.send(Signal::Wake { worker });
    }

    pub fn wake_here(&self, worker: Worker) {
        match worker {
            Worker::Bot => &self.bot_wakeup,
            Worker::Delivery => &self.delivery_wakeup,
            Worker::Notify => &self.notify_wakeup,
        }
        .notify_one();
    }

    /// Drops cached settings and scenarios here and on the other instances.
    pub fn settings_changed(&self) {
        self.settings_cache.invalidate();
        self.cluster.send(Signal::SettingsChanged);
    }

    pub fn new(store: Store, bus: SharedBus, settings: ServiceSettings) -> Self {
        Self {
            store,
            bus,
            settings: Arc::new(settings),
            presence: Arc::default(),
            bot_wakeup: Arc::default(),
            delivery_wakeup: Arc::default(),
            widget_hub: Arc::default(),
            settings_cache: Arc::default(),
            external_bot: None,
            bot_health: Arc::default(),
            notify_wakeup: Arc::default(),
            pusher: None,
            channel_signals: None,
            push_info: Arc::default(),
            ingest_writer: None,
            test_push_limits: Arc::new(Mutex::new(AttemptLimiter::new(
                super::notifications::TESTS_PER_MINUTE,
                60_000,
            ))),
            sessions_ended: Arc::default(),
            cluster: Arc::new(Solo {
                instance_id: String::new(),
            }),
            media: Arc::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Presence, SessionsEnded};

    #[test]
    fn operators_on_other_instances_count_until_their_instance_falls_silent() {
        let p = Presence::default();
        let now = super::super::now_ms();
        assert!(p.connect(1));
        assert!(p.announced("b", vec![2, 3], now));
        assert!(!p.announced("b", vec![2, 3], now), "nothing changed");
        assert!(p.is_online(2) && p.is_online(1) && !p.is_online(4));
        assert_eq!(p.online_count(), 3);
        assert!(p.announced("b", vec![3], now), "2 went offline on b");
        assert!(!p.is_online(2));
        assert!(!p.forget_silent(now));
        assert!(p.forget_silent(now + Presence::SILENCE_MS), "b fell silent");
        assert!(!p.is_online(3) && p.is_online(1));
        assert_eq!(p.here(), vec![1]);
        // The monitoring page still lists it, as down, until it is forgotten.
        let listed = p.instances("a", now + Presence::SILENCE_MS);
        assert_eq!(
            listed
                .iter()
                .map(|i| (i.id.as_str(), i.up))
                .collect::<Vec<_>>(),
            [("a", true), ("b", false)]
        );
        assert!(
            !p.forget_silent(now + Presence::SILENCE_MS + 1),
            "gone once"
        );
        assert_eq!(p.instances("a", now + Presence::FORGET_MS).len(), 2);
        p.forget_silent(now + Presence::FORGET_MS);
        assert_eq!(p.instances("a", now + Presence::FORGET_MS).len(), 1);
    }

    #[test]
    fn the_bot_health_reports_only_going_down_and_coming_back() {
        let h = super::BotHealth::default();
        assert!(h.record(Some("timeout".into()), 1));
        assert!(!h.record(Some("timeout again".into()), 2));
        assert_eq!(h.down(), Some((2, "timeout again".into())));
        assert!(h.record(None, 3));
        assert!(!h.record(None, 4));
    }

    #[test]
    fn only_the_owner_or_a_socket_that_missed_an_ending_rechecks() {
        let ended = SessionsEnded {
            count: 5,
            user_id: 7,
        };
        assert!(ended.concerns(4, 7), "the owner's socket re-checks");
        assert!(!ended.concerns(4, 8), "someone else's socket does not");
        assert!(
            ended.concerns(3, 8),
            "a socket that missed ending 4 re-checks"
        );
        let wrapped = SessionsEnded {
            count: 0,
            user_id: 7,
        };
        assert!(!wrapped.concerns(u64::MAX, 8));
    }
}
