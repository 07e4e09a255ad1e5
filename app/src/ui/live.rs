//! The live channel to the server: one WebSocket at `/ws` per tab, JSON events in, reconnecting
//! with exponential backoff (and jitter) when the network drops. Pages read [`LiveState::last`]
//! to react to events; the header shows [`LiveState::status`].

use crate::dto::LiveEvent;
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    /// Rendered on the server, or not started yet.
    Idle,
    Connecting,
    Live,
    Reconnecting,
    Offline,
}

impl LiveStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Connecting => "connecting",
            Self::Live => "live",
            Self::Reconnecting => "reconnecting",
            Self::Offline => "offline",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Idle | Self::Connecting => "Connecting…",
            Self::Live => "Live",
            Self::Reconnecting => "Reconnecting…",
            Self::Offline => "Offline",
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            Self::Live => "Updates arrive as they happen.",
            Self::Offline => "No network. Baton reconnects when you are back online.",
            _ => "Connecting to Baton for live updates.",
        }
    }
}

#[derive(Clone, Copy)]
pub struct LiveState {
    pub status: RwSignal<LiveStatus>,
    pub last: RwSignal<Option<LiveEvent>>,
    started: StoredValue<bool>,
}

pub fn provide_live() {
    provide_context(LiveState {
        status: RwSignal::new(LiveStatus::Idle),
        last: RwSignal::new(None),
        started: StoredValue::new(false),
    });
}

/// Next reconnect delay: doubles from 500 ms up to 30 s.
pub fn next_backoff(current_ms: u32) -> u32 {
    (current_ms.saturating_mul(2)).clamp(500, 30_000)
}

impl LiveState {
    /// Opens the socket once per page; later calls do nothing. Only runs in the browser.
    pub fn connect(self) {
        if self.started.get_value() {
            return;
        }
        self.started.set_value(true);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(client::run(self));
    }
}

#[cfg(feature = "hydrate")]
mod client {
    use super::*;
    use futures::StreamExt;
    use gloo_net::websocket::{futures::WebSocket, Message};

    fn socket_url() -> Option<String> {
        let loc = web_sys::window()?.location();
        let scheme = if loc.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        Some(format!("{scheme}://{}/ws", loc.host().ok()?))
    }

    fn online() -> bool {
        web_sys::window()
            .map(|w| w.navigator().on_line())
            .unwrap_or(true)
    }

    pub async fn run(state: LiveState) {
        let mut backoff = 500u32;
        loop {
            state.status.set(LiveStatus::Connecting);
            if let Some(ws) = socket_url().and_then(|u| WebSocket::open(&u).ok()) {
                let (_write, mut read) = ws.split();
                let mut got_any = false;
                while let Some(msg) = read.next().await {
                    let Ok(Message::Text(text)) = msg else { break };
                    if let Ok(ev) = serde_json::from_str::<LiveEvent>(&text) {
                        if !got_any {
                            got_any = true;
                            backoff = 500;
                            state.status.set(LiveStatus::Live);
                        }
                        state.last.set(Some(ev));
                    }
                }
            }
            state.status.set(if online() {
                LiveStatus::Reconnecting
            } else {
                LiveStatus::Offline
            });
            let jitter = (js_sys::Math::random() * 250.0) as u32;
            gloo_timers::future::TimeoutFuture::new(backoff + jitter).await;
            backoff = next_backoff(backoff);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(next_backoff(500), 1_000);
        assert_eq!(next_backoff(20_000), 30_000);
        assert_eq!(next_backoff(30_000), 30_000);
        assert_eq!(next_backoff(0), 500);
    }
}
