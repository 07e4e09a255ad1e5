//! The web chat widget's visitors: server-issued identities, the limits that keep an anonymous
//! socket cheap, and the live sockets (delivering a message to the widget means pushing it to
//! every tab the visitor has open).

use super::auth::{random_hex, token_hash};
use super::{now_ms, AppState};
use crate::domain::ratelimit::{secs_ceil, AttemptLimiter};
use crate::error::AppError;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

type Tabs = Vec<(u64, mpsc::UnboundedSender<String>)>;

/// What one anonymous client may do; every value is configurable (see the server's config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetLimits {
    /// The largest frame a visitor may send; a larger one closes the socket with code 1009.
    pub max_frame_bytes: usize,
    /// Open widget sockets per client address.
    pub sockets_per_address: usize,
    /// Messages one visitor may send per minute.
    pub messages_per_minute: usize,
    /// New identities one client address may be issued per hour.
    pub new_visitors_per_hour: usize,
    /// A socket that has sent nothing (not even a pong to our pings) for this long is closed.
    pub idle_timeout: Duration,
    /// Sites allowed to embed the widget (`Origin`); `None` allows any.
    pub origins: Option<Vec<String>>,
}

impl Default for WidgetLimits {
    fn default() -> Self {
        Self {
            max_frame_bytes: 16 * 1024,
            sockets_per_address: 10,
            messages_per_minute: 20,
            new_visitors_per_hour: 30,
            idle_timeout: Duration::from_secs(90),
            origins: None,
        }
    }
}

impl WidgetLimits {
    /// How often the server pings an open socket: three pings fit in the idle timeout.
    pub fn ping_interval(&self) -> Duration {
        (self.idle_timeout / 3).max(Duration::from_millis(100))
    }

    /// Whether a page from `origin` may open the widget's socket. Baton's own pages (the demo)
    /// always may.
    pub fn origin_allowed(&self, origin: Option<&str>, own: Option<&str>) -> bool {
        let Some(list) = &self.origins else {
            return true;
        };
        let Some(origin) = origin.map(|o| o.trim_end_matches('/')) else {
            // Browsers always send Origin on a WebSocket handshake; a client that omits it is no
            // page of an allowed site.
            return false;
        };
        own.is_some_and(|o| o.trim_end_matches('/') == origin)
            || list.iter().any(|a| a.trim_end_matches('/') == origin)
    }
}

const MINUTE_MS: i64 = 60 * 1000;
const HOUR_MS: i64 = 60 * MINUTE_MS;

pub struct WidgetHub {
    pub limits: WidgetLimits,
    visitors: Mutex<HashMap<String, Tabs>>,
    next_id: AtomicU64,
    sockets: Mutex<HashMap<IpAddr, usize>>,
    messages: Mutex<AttemptLimiter>,
    new_visitors: Mutex<AttemptLimiter>,
}

impl Default for WidgetHub {
    fn default() -> Self {
        Self::new(WidgetLimits::default())
    }
}

/// An open socket's place in its address's count; freed when dropped.
pub struct SocketSlot {
    hub: Arc<WidgetHub>,
    ip: IpAddr,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut s = self.hub.sockets.lock().unwrap();
        if let Some(n) = s.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                s.remove(&self.ip);
            }
        }
    }
}

impl WidgetHub {
    pub fn new(limits: WidgetLimits) -> Self {
        Self {
            messages: Mutex::new(AttemptLimiter::new(limits.messages_per_minute, MINUTE_MS)),
            new_visitors: Mutex::new(AttemptLimiter::new(limits.new_visitors_per_hour, HOUR_MS)),
            limits,
            visitors: Mutex::default(),
            next_id: AtomicU64::new(0),
            sockets: Mutex::default(),
        }
    }

    /// How many widget tabs are open on this instance.
    pub fn open_tabs(&self) -> usize {
        self.visitors.lock().unwrap().values().map(Vec::len).sum()
    }

    /// Takes a socket slot for `ip`, or `None` when the address has all its sockets open.
    pub fn open_socket(self: &Arc<Self>, ip: IpAddr) -> Option<SocketSlot> {
        let mut s = self.sockets.lock().unwrap();
        let n = s.entry(ip).or_default();
        if *n >= self.limits.sockets_per_address {
            return None;
        }
        *n += 1;
        Some(SocketSlot {
            hub: self.clone(),
            ip,
        })
    }

    /// Counts a message of `visitor`; `Err(seconds)` to wait when over the per-minute limit.
    pub fn count_message(&self, visitor: &str) -> Result<(), i64> {
        self.messages
            .lock()
            .unwrap()
            .hit(visitor, now_ms())
            .map_err(secs_ceil)
    }

    /// Registers a socket of `visitor`; returns its id (for [`Self::leave`]) and its outbox.
    pub fn join(&self, visitor: &str) -> (u64, mpsc::UnboundedReceiver<String>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.visitors
            .lock()
            .unwrap()
            .entry(visitor.to_string())
            .or_default()
            .push((id, tx));
        (id, rx)
    }

    pub fn leave(&self, visitor: &str, id: u64) {
        let mut v = self.visitors.lock().unwrap();
        if let Some(tabs) = v.get_mut(visitor) {
            tabs.retain(|(i, _)| *i != id);
            if tabs.is_empty() {
                v.remove(visitor);
            }
        }
    }

    /// Sends `json` to every open tab of `visitor`; returns how many received it.
    pub fn push(&self, visitor: &str, json: &str) -> usize {
        let v = self.visitors.lock().unwrap();
        v.get(visitor).map_or(0, |tabs| {
            tabs.iter()
                .filter(|(_, tx)| tx.send(json.to_string()).is_ok())
                .count()
        })
    }
}

/// Who is on the other end of a widget socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visitor {
    /// The visitor's contact id on the `web` channel.
    pub external_id: String,
    /// A token issued on this connection, for the widget to keep; `None` for a known visitor.
    pub new_token: Option<String>,
}

/// The visitor behind `token`, or a fresh identity when the token is missing or was never
/// issued (so a guessed or stolen-looking token never reaches anyone else's conversation).
/// Fresh identities are limited per client address.
pub async fn identify(
    state: &AppState,
    token: Option<&str>,
    ip: IpAddr,
) -> Result<Visitor, AppError> {
    if let Some(t) = token.filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())) {
        if let Some(external_id) = state.store.widget_visitor(&token_hash(t)).await? {
            return Ok(Visitor {
                external_id,
                new_token: None,
            });
        }
    }
    state
        .widget_hub
        .new_visitors
        .lock()
        .unwrap()
        .hit(&ip.to_string(), now_ms())
        .map_err(|ms| AppError::RateLimited(secs_ceil(ms)))?;
    // 256 random bits; only the hash is stored. The contact id is random too, not derived.
    let token = random_hex(32);
    let external_id = format!("w{}", random_hex(16));
    state
        .store
        .create_widget_visitor(&token_hash(&token), &external_id, now_ms())
        .await?;
    Ok(Visitor {
        external_id,
        new_token: Some(token),
    })
}

/// The platform id a widget message is stored under: the client's id is unique only per
/// visitor, so two visitors may use the same one.
pub fn message_key(visitor: &str, client_id: &str) -> String {
    format!("{visitor}:{client_id}")
}

/// The client's own id back from a stored key (older rows stored it bare).
pub fn client_id_of<'a>(visitor: &str, key: &'a str) -> &'a str {
    key.strip_prefix(visitor)
        .and_then(|k| k.strip_prefix(':'))
        .unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_push_reaches_every_tab_of_that_visitor_only() {
        let hub = WidgetHub::default();
        let (a1, mut r1) = hub.join("a");
        let (_a2, mut r2) = hub.join("a");
        let (_b, mut rb) = hub.join("b");
        assert_eq!(hub.push("a", "hi"), 2);
        assert_eq!(r1.try_recv().unwrap(), "hi");
        assert_eq!(r2.try_recv().unwrap(), "hi");
        assert!(rb.try_recv().is_err());
        hub.leave("a", a1);
        assert_eq!(hub.push("a", "again"), 1);
        assert_eq!(hub.push("nobody", "x"), 0);
    }

    #[test]
    fn socket_slots_are_counted_per_address_and_freed_on_drop() {
        let hub = Arc::new(WidgetHub::new(WidgetLimits {
            sockets_per_address: 2,
            ..WidgetLimits::default()
        }));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let s1 = hub.open_socket(a).unwrap();
        let _s2 = hub.open_socket(a).unwrap();
        assert!(hub.open_socket(a).is_none());
        assert!(hub.open_socket(b).is_some());
        drop(s1);
        assert!(hub.open_socket(a).is_some());
    }

    #[test]
    fn messages_are_limited_per_visitor() {
        let hub = WidgetHub::new(WidgetLimits {
            messages_per_minute: 2,
            ..WidgetLimits::default()
        });
        assert!(hub.count_message("v1").is_ok());
        assert!(hub.count_message("v1").is_ok());
        let wait = hub.count_message("v1").unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(hub.count_message("v2").is_ok());
    }

    #[test]
    fn origins_are_checked_only_when_listed() {
        let any = WidgetLimits::default();
        assert!(any.origin_allowed(Some("https://evil.example"), None));
        assert!(any.origin_allowed(None, None));
        let listed = WidgetLimits {
            origins: Some(vec!["https://shop.example".into()]),
            ..WidgetLimits::default()
        };
        assert!(listed.origin_allowed(Some("https://shop.example"), None));
        assert!(!listed.origin_allowed(Some("https://evil.example"), None));
        assert!(!listed.origin_allowed(None, None));
        assert!(listed.origin_allowed(
            Some("https://baton.example"),
            Some("https://baton.example/")
        ));
    }

    #[test]
    fn message_keys_are_per_visitor_and_give_back_the_client_id() {
        assert_ne!(message_key("wa", "c1"), message_key("wb", "c1"));
        assert_eq!(client_id_of("wa", &message_key("wa", "c1")), "c1");
        assert_eq!(client_id_of("wa", "legacy-id"), "legacy-id");
    }
}
