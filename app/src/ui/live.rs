//! The live channel to the server: one WebSocket at `/ws` per tab, JSON events in, reconnecting
//! with exponential backoff (and jitter) when the network drops. A reconnect says which event it
//! saw last (`?since=&epoch=`), so the server replays exactly what was missed, or sends `Resync`
//! when it cannot and the pages reload. Pages subscribe with [`LiveState::on_event`] (every
//! event, in order) or read the [`LiveState::conversations`] / [`LiveState::resyncs`] counters;
//! the header shows [`LiveState::status`].

use crate::dto::{LiveEvent, LiveEventKind};
use crate::i18n::*;
use leptos::prelude::*;
use std::sync::Arc;

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

    pub fn label(self, l: Locale) -> &'static str {
        match self {
            Self::Idle | Self::Connecting => td_string!(l, layout.live.connecting),
            Self::Live => td_string!(l, layout.live.live),
            Self::Reconnecting => td_string!(l, layout.live.reconnecting),
            Self::Offline => td_string!(l, layout.live.offline),
        }
    }

    pub fn hint(self, l: Locale) -> &'static str {
        match self {
            Self::Live => td_string!(l, layout.live.live_hint),
            Self::Offline => td_string!(l, layout.live.offline_hint),
            _ => td_string!(l, layout.live.connecting_hint),
        }
    }
}

type Handler = Arc<dyn Fn(&LiveEvent) + Send + Sync>;

#[derive(Clone, Copy)]
pub struct LiveState {
    pub status: RwSignal<LiveStatus>,
    /// Counts `ConversationUpdated` events: lists re-read when it moves.
    pub conversations: RwSignal<u64>,
    /// Counts `OperatorsChanged` events.
    pub operators: RwSignal<u64>,
    /// Counts `BotStatusChanged` events.
    pub bot: RwSignal<u64>,
    /// Counts `QueueChanged` events (offers, alerts, breaches).
    pub queue: RwSignal<u64>,
    /// Counts resynchronisations: everything shown must be read again.
    pub resyncs: RwSignal<u64>,
    /// The waiting conversations (page title, app badge): read once signed in (`None` until
    /// then and after a resync), then kept by the `ConversationUpdated` events.
    pub waiting: RwSignal<Option<std::collections::BTreeSet<i64>>>,
    handlers: StoredValue<Vec<(u64, Handler)>>,
    next_handler: StoredValue<u64>,
    started: StoredValue<bool>,
}

/// The time the wait badges and "5 min ago" labels count from: the server's time while the page
/// is rendered and hydrated, then the browser's clock, ticking every second.
#[derive(Clone, Copy)]
pub struct Clock(RwSignal<Option<i64>>);

impl Clock {
    /// Now in unix ms, or `server_now` before the browser's clock has started.
    pub fn now(self, server_now: i64) -> i64 {
        self.0.get().unwrap_or(server_now)
    }

    /// [`Self::now`] without subscribing (event handlers).
    pub fn now_untracked(self, server_now: i64) -> i64 {
        self.0.get_untracked().unwrap_or(server_now)
    }

    /// Starts ticking (in the browser, once).
    pub fn start(self) {
        #[cfg(feature = "hydrate")]
        if self.0.get_untracked().is_none() {
            let tick = move || self.0.set(Some(js_sys::Date::now() as i64));
            tick();
            leptos::task::spawn_local(async move {
                loop {
                    gloo_timers::future::TimeoutFuture::new(1_000).await;
                    tick();
                }
            });
        }
    }
}

pub fn provide_live() {
    provide_context(Clock(RwSignal::new(None)));
    provide_context(LiveState {
        status: RwSignal::new(LiveStatus::Idle),
        conversations: RwSignal::new(0),
        operators: RwSignal::new(0),
        bot: RwSignal::new(0),
        queue: RwSignal::new(0),
        resyncs: RwSignal::new(0),
        waiting: RwSignal::new(None),
        handlers: StoredValue::new(Vec::new()),
        next_handler: StoredValue::new(0),
        started: StoredValue::new(false),
    });
}

/// Next reconnect delay: doubles from 500 ms up to 30 s.
pub fn next_backoff(current_ms: u32) -> u32 {
    (current_ms.saturating_mul(2)).clamp(500, 30_000)
}

impl LiveState {
    /// Calls `f` with every event, in order, until the calling component is dropped.
    pub fn on_event(self, f: impl Fn(&LiveEvent) + Send + Sync + 'static) {
        let id = self.next_handler.get_value();
        self.next_handler.set_value(id + 1);
        self.handlers.update_value(|h| h.push((id, Arc::new(f))));
        on_cleanup(move || {
            self.handlers
                .try_update_value(|h| h.retain(|(i, _)| *i != id));
        });
    }

    /// Hands one event to the counters and every subscriber.
    pub fn dispatch(self, ev: &LiveEvent) {
        match &ev.kind {
            LiveEventKind::ConversationUpdated { conversation: c } => {
                self.conversations.update(|n| *n += 1);
                let now_waiting = c.owner == crate::domain::ownership::OwnerState::Waiting;
                let was_waiting = self
                    .waiting
                    .with_untracked(|w| w.as_ref().map(|set| set.contains(&c.id)));
                if was_waiting.is_some_and(|was| was != now_waiting) {
                    self.waiting.update(|w| {
                        if let Some(set) = w {
                            if now_waiting {
                                set.insert(c.id);
                            } else {
                                set.remove(&c.id);
                            }
                        }
                    });
                }
            }
            LiveEventKind::ConversationRemoved { conversation_id } => {
                self.conversations.update(|n| *n += 1);
                self.waiting.update(|w| {
                    if let Some(set) = w {
                        set.remove(conversation_id);
                    }
                });
            }
            LiveEventKind::OperatorsChanged => self.operators.update(|n| *n += 1),
            LiveEventKind::BotStatusChanged => self.bot.update(|n| *n += 1),
            LiveEventKind::QueueChanged => self.queue.update(|n| *n += 1),
            LiveEventKind::Resync => {
                self.waiting.set(None);
                self.resyncs.update(|n| *n += 1)
            }
            _ => {}
        }
        let handlers: Vec<Handler> = self
            .handlers
            .with_value(|h| h.iter().map(|(_, f)| f.clone()).collect());
        for f in handlers {
            f(ev);
        }
    }

    /// How many conversations wait (`None` until known).
    pub fn waiting_count(self) -> Option<usize> {
        self.waiting
            .try_with(|w| w.as_ref().map(|set| set.len()))
            .flatten()
    }

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

    fn socket_url(resume: Option<(u64, u64)>) -> Option<String> {
        let loc = web_sys::window()?.location();
        let scheme = if loc.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        let query = resume
            .map(|(since, epoch)| format!("?since={since}&epoch={epoch}"))
            .unwrap_or_default();
        Some(format!("{scheme}://{}/ws{query}", loc.host().ok()?))
    }

    fn online() -> bool {
        web_sys::window()
            .map(|w| w.navigator().on_line())
            .unwrap_or(true)
    }

    pub async fn run(state: LiveState) {
        let mut backoff = 500u32;
        // (last event number seen, the server run it belongs to)
        let mut resume: Option<(u64, u64)> = None;
        loop {
            state.status.set(LiveStatus::Connecting);
            if let Some(ws) = socket_url(resume).and_then(|u| WebSocket::open(&u).ok()) {
                let (_write, mut read) = ws.split();
                let mut got_any = false;
                let mut hello_seq = 0;
                while let Some(msg) = read.next().await {
                    let Ok(Message::Text(text)) = msg else { break };
                    let Ok(ev) = serde_json::from_str::<LiveEvent>(&text) else {
                        continue;
                    };
                    if !got_any {
                        got_any = true;
                        backoff = 500;
                        state.status.set(LiveStatus::Live);
                    }
                    match ev.kind {
                        LiveEventKind::Hello { epoch, .. } => {
                            hello_seq = ev.seq;
                            resume = Some((resume.map_or(ev.seq, |(s, _)| s), epoch));
                        }
                        LiveEventKind::Resync => {
                            // Count afresh from this connection's start, in this run's numbering.
                            resume = resume.map(|(_, e)| (hello_seq, e));
                        }
                        _ => {}
                    }
                    if ev.seq > 0 && !matches!(ev.kind, LiveEventKind::Hello { .. }) {
                        resume = resume.map(|(s, e)| (s.max(ev.seq), e));
                    }
                    state.dispatch(&ev);
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

    #[test]
    fn the_waiting_set_follows_conversation_updates() {
        use crate::domain::ownership::OwnerState;
        let owner = Owner::new();
        owner.with(|| {
            provide_live();
            let live = expect_context::<LiveState>();
            let update = |id: i64, state: OwnerState| LiveEvent {
                seq: 1,
                kind: LiveEventKind::ConversationUpdated {
                    conversation: crate::dto::ConversationSummary {
                        id,
                        contact_name: String::new(),
                        channel: crate::dto::Channel::Web,
                        owner: state,
                        assignee_id: None,
                        assignee_name: None,
                        ai_enabled: false,
                        waiting_since: None,
                        assigned_at: None,
                        escalation_reason: None,
                        last_message_at: 0,
                        preview: String::new(),
                        visitor: None,
                        reply_window_closes_at: None,
                    },
                },
            };
            live.dispatch(&update(1, OwnerState::Waiting));
            assert_eq!(live.waiting_count(), None, "unknown until read");
            live.waiting.set(Some([7].into_iter().collect()));
            live.dispatch(&update(1, OwnerState::Waiting));
            live.dispatch(&update(2, OwnerState::Waiting));
            live.dispatch(&update(7, OwnerState::Assigned));
            live.dispatch(&update(2, OwnerState::Waiting));
            assert_eq!(live.waiting_count(), Some(2));
            live.dispatch(&LiveEvent {
                seq: 2,
                kind: LiveEventKind::Resync,
            });
            assert_eq!(live.waiting_count(), None, "a resync reads it again");
        });
    }
}
