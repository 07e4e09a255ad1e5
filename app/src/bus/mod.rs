//! The event bus: services publish, operator sockets subscribe. In-process broadcast by default,
//! behind a trait so a broker can carry events between several server instances.
//!
//! Events are numbered. The bus keeps the most recent ones, so a client whose socket dropped
//! (a phone went to sleep, the network switched) reconnects with the last number it saw and gets
//! exactly what it missed; when that is no longer held it is told to reload instead.

pub mod cluster;

use crate::dto::{LiveEvent, LiveEventKind};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// A published event with its JSON, encoded once for every socket that forwards it.
#[derive(Debug)]
pub struct Published {
    pub event: LiveEvent,
    pub json: Arc<str>,
}

impl Published {
    pub fn new(event: LiveEvent) -> Arc<Self> {
        let json = serde_json::to_string(&event).unwrap_or_default().into();
        Arc::new(Self { event, json })
    }
}

/// What the bus hands back for a replay: the missed events oldest first, or `None` when some of
/// them are no longer held (the client must reload).
pub type Replay<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Option<Vec<Arc<Published>>>> + Send + 'a>>;

pub trait EventBus: Send + Sync + 'static {
    /// Publishes an event to every subscriber (on every instance, with a broker). Its number is
    /// given where the events are put in order: at once here, by the broker in a cluster.
    fn publish(&self, kind: LiveEventKind);
    /// Delivers an event to the sockets open now, here and on every instance, unnumbered and not
    /// kept for replay: news that is stale in seconds (someone is typing), which a phone coming
    /// back need not catch up on and which must not push real events out of the replay log.
    fn flash(&self, kind: LiveEventKind);
    /// Subscribers share one copy of each event (a thousand sockets do not clone or encode it
    /// a thousand times).
    fn subscribe(&self) -> broadcast::Receiver<Arc<Published>>;
    /// Identifies this numbering: numbers from another epoch (a restarted server) mean nothing.
    fn epoch(&self) -> u64;
    /// The events after `seq`, oldest first, or `None` when some of them are no longer held.
    fn since(&self, seq: u64) -> Replay<'_>;
    /// The number of the latest event seen here.
    fn last_seq(&self) -> u64;
}

pub type SharedBus = Arc<dyn EventBus>;

struct Log {
    seq: u64,
    recent: VecDeque<Arc<Published>>,
}

/// The numbered events held for replay, and the broadcast that carries them to this process's
/// subscribers. [`LocalBus`] numbers events itself; a broker-backed bus hands over events the
/// broker numbered (see [`EventLog::deliver`]).
pub struct EventLog {
    tx: broadcast::Sender<Arc<Published>>,
    log: Mutex<Log>,
    capacity: usize,
}

impl EventLog {
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity.max(1));
        Self {
            tx,
            log: Mutex::new(Log {
                seq: 0,
                recent: VecDeque::with_capacity(capacity),
            }),
            capacity: capacity.max(1),
        }
    }

    fn keep_and_send(&self, log: &mut Log, ev: LiveEvent) {
        let published = Published::new(ev);
        if log.recent.len() == self.capacity {
            log.recent.pop_front();
        }
        log.recent.push_back(published.clone());
        // No subscribers is fine: nobody is watching.
        let _ = self.tx.send(published);
    }

    /// Numbers `kind` as the next event, keeps it and sends it.
    pub fn append(&self, kind: LiveEventKind) {
        // Numbering, keeping and sending happen under one lock, so every subscriber sees events
        // in number order and a replay never overtakes the live stream.
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.seq += 1;
        let ev = LiveEvent { seq: log.seq, kind };
        self.keep_and_send(&mut log, ev);
    }

    /// Keeps and sends an event numbered elsewhere. Numbers must grow; a gap (events this
    /// process never saw) empties what is held, so no replay can skip the missing ones.
    pub fn deliver(&self, ev: LiveEvent) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        if ev.seq <= log.seq {
            return;
        }
        if ev.seq != log.seq + 1 {
            log.recent.clear();
        }
        log.seq = ev.seq;
        self.keep_and_send(&mut log, ev);
    }

    /// Sends an event to this process's subscribers only, unnumbered and not kept (`Resync`
    /// after a broker outage).
    pub fn announce(&self, kind: LiveEventKind) {
        let _ = self.tx.send(Published::new(LiveEvent { seq: 0, kind }));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.tx.subscribe()
    }

    pub fn last_seq(&self) -> u64 {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).seq
    }

    /// The held events after `seq`, or `None` when some of them are not held here.
    pub fn since(&self, seq: u64) -> Option<Vec<Arc<Published>>> {
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        if seq > log.seq {
            return None;
        }
        let oldest_held = log.recent.front().map_or(log.seq + 1, |e| e.event.seq);
        if seq + 1 < oldest_held {
            return None;
        }
        Some(
            log.recent
                .iter()
                .filter(|e| e.event.seq > seq)
                .cloned()
                .collect(),
        )
    }
}

/// Single-process bus on a tokio broadcast channel, keeping the last `capacity` events for
/// replay. A subscriber that falls more than `capacity` events behind sees `Lagged`.
pub struct LocalBus {
    log: EventLog,
    epoch: u64,
}

impl LocalBus {
    pub fn new(capacity: usize) -> Self {
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(1);
        Self {
            log: EventLog::new(capacity),
            epoch,
        }
    }
}

impl EventBus for LocalBus {
    fn publish(&self, kind: LiveEventKind) {
        self.log.append(kind);
    }

    fn flash(&self, kind: LiveEventKind) {
        self.log.announce(kind);
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.log.subscribe()
    }

    fn epoch(&self) -> u64 {
        self.epoch
    }

    fn last_seq(&self) -> u64 {
        self.log.last_seq()
    }

    fn since(&self, seq: u64) -> Replay<'_> {
        let held = self.log.since(seq);
        Box::pin(std::future::ready(held))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_receive_events_in_order_with_increasing_numbers() {
        let bus = LocalBus::new(16);
        let mut rx = bus.subscribe();
        bus.publish(LiveEventKind::OperatorsChanged);
        bus.publish(LiveEventKind::UserDeactivated { user_id: 3 });
        let a = rx.recv().await.unwrap();
        let b = rx.recv().await.unwrap();
        assert_eq!(a.event.seq + 1, b.event.seq);
        assert_eq!(b.event.kind, LiveEventKind::UserDeactivated { user_id: 3 });
        assert!(
            b.json.contains("\"type\":\"user_deactivated\""),
            "{}",
            b.json
        );
    }

    #[tokio::test]
    async fn flashed_events_reach_subscribers_but_are_not_numbered_or_kept() {
        let bus = LocalBus::new(4);
        let mut rx = bus.subscribe();
        bus.publish(LiveEventKind::OperatorsChanged);
        bus.flash(LiveEventKind::Typing { conversation_id: 7 });
        bus.publish(LiveEventKind::OperatorsChanged);
        let seqs: Vec<u64> = [rx.recv().await, rx.recv().await, rx.recv().await]
            .into_iter()
            .map(|e| e.unwrap().event.seq)
            .collect();
        assert_eq!(seqs, vec![1, 0, 2]);
        let kept = bus.log.since(0).unwrap();
        assert!(kept
            .iter()
            .all(|e| e.event.kind == LiveEventKind::OperatorsChanged));
        assert_eq!(kept.len(), 2);
    }

    #[test]
    fn replay_returns_exactly_the_missed_events() {
        let bus = LocalBus::new(4);
        for _ in 0..3 {
            bus.publish(LiveEventKind::OperatorsChanged);
        }
        let missed = bus.log.since(1).unwrap();
        assert_eq!(
            missed.iter().map(|e| e.event.seq).collect::<Vec<_>>(),
            vec![2, 3]
        );
        assert!(bus.log.since(3).unwrap().is_empty());
        assert_eq!(bus.log.since(0).unwrap().len(), 3);
    }

    #[test]
    fn replay_refuses_when_events_were_dropped_or_never_existed() {
        let bus = LocalBus::new(2);
        for _ in 0..5 {
            bus.publish(LiveEventKind::OperatorsChanged);
        }
        // Held: 4 and 5. A client at 3 can resume; one at 2 missed event 3 for good.
        assert_eq!(bus.log.since(3).unwrap().len(), 2);
        assert!(bus.log.since(2).is_none());
        // A number from the future belongs to another server run.
        assert!(bus.log.since(9).is_none());
    }

    #[test]
    fn events_numbered_elsewhere_replay_only_without_gaps() {
        let log = EventLog::new(8);
        let ev = |seq| LiveEvent {
            seq,
            kind: LiveEventKind::OperatorsChanged,
        };
        log.deliver(ev(10));
        log.deliver(ev(11));
        log.deliver(ev(11)); // a duplicate is dropped
        assert_eq!(log.since(10).unwrap().len(), 1);
        assert_eq!(log.last_seq(), 11);
        // Nothing before the first event seen here can be replayed from here.
        assert!(log.since(8).is_none());
        // A gap: what is held no longer covers anything before the new event.
        log.deliver(ev(14));
        assert!(log.since(11).is_none());
        assert_eq!(log.since(13).unwrap().len(), 1);
    }
}
