//! What Baton instances tell each other besides live events: wake-ups for the workers, changed
//! settings, ended sessions, who is online, widget frames for a visitor connected elsewhere, and
//! the external bot's health.
//! A single instance has no one to tell ([`Solo`]); with a broker the server carries these
//! between instances and applies the ones it receives (see the server's `cluster` module).

use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;

/// A background worker that can be woken when work arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Worker {
    Bot,
    Delivery,
    Notify,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "signal", rename_all = "snake_case")]
pub enum Signal {
    /// Work for `worker` was stored: whichever instance is free takes it.
    Wake {
        worker: Worker,
    },
    /// Settings or scenarios were saved: drop cached copies.
    SettingsChanged,
    /// Some of this person's sessions ended: their sockets re-check theirs.
    SessionsEnded {
        user_id: i64,
    },
    /// The operators with a live socket on the sending instance (sent on every change and as a
    /// heartbeat; an instance not heard from for a while counts as gone).
    Presence {
        users: Vec<i64>,
    },
    /// A newly started instance asks the others to announce their presence now.
    PresenceAsk,
    /// A frame for a widget visitor; an instance with one of their tabs open delivers it and
    /// answers [`Signal::WidgetDelivered`].
    WidgetPush {
        id: u64,
        visitor: String,
        frame: String,
    },
    WidgetDelivered {
        id: u64,
    },
    /// A frame for a widget visitor that nobody waits on (an operator is typing): an instance
    /// with one of their tabs open delivers it.
    WidgetFlash {
        visitor: String,
        frame: String,
    },
    /// An event for the sockets open now on every instance (see `EventBus::flash`).
    Flash {
        event: Box<crate::dto::LiveEventKind>,
    },
    /// The external bot went down (since when, the error) or came back (`None`).
    BotHealth {
        down: Option<(i64, String)>,
    },
}

/// A signal with the instance that sent it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub from: String,
    #[serde(flatten)]
    pub signal: Signal,
}

/// The broker's state, for `/readyz` and the monitoring page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerState {
    pub connected: bool,
    /// Since when (unix ms) it has been in this state.
    pub since: i64,
}

pub type Delivered<'a> = Pin<Box<dyn Future<Output = bool> + Send + 'a>>;

pub trait Cluster: Send + Sync + 'static {
    /// This instance's name (`BATON_INSTANCE_ID`).
    fn instance_id(&self) -> &str;
    /// Tells the other instances (fire and forget: each signal is also covered by a timer, so a
    /// lost one only costs time).
    fn send(&self, signal: Signal);
    /// Delivers `frame` to the visitor's tabs on other instances; true when one of them had a
    /// tab open and took it.
    fn widget_push<'a>(&'a self, visitor: &'a str, frame: &'a str) -> Delivered<'a>;
    /// `None` without a broker.
    fn broker(&self) -> Option<BrokerState>;
}

/// One instance alone.
pub struct Solo {
    pub instance_id: String,
}

impl Cluster for Solo {
    fn instance_id(&self) -> &str {
        &self.instance_id
    }

    fn send(&self, _: Signal) {}

    fn widget_push<'a>(&'a self, _: &'a str, _: &'a str) -> Delivered<'a> {
        Box::pin(std::future::ready(false))
    }

    fn broker(&self) -> Option<BrokerState> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_travel_as_tagged_json() {
        let e = Envelope {
            from: "web-1".into(),
            signal: Signal::Wake {
                worker: Worker::Delivery,
            },
        };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"from":"web-1","signal":"wake","worker":"delivery"}"#
        );
        assert_eq!(serde_json::from_str::<Envelope>(&json).unwrap(), e);
    }
}
