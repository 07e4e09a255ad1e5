//! The event bus: services publish, operator sockets subscribe. In-process broadcast by default,
//! behind a trait so a broker can carry events between several server instances.
//!
//! Events are numbered. The bus keeps the most recent ones, so a client whose socket dropped
//! (a phone went to sleep, the network switched) reconnects with the last number it saw and gets
//! exactly what it missed; when that is no longer held it is told to reload instead.

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

pub trait EventBus: Send + Sync + 'static {
    /// Publishes an event to every subscriber; returns it with its sequence number.
    fn publish(&self, kind: LiveEventKind) -> LiveEvent;
    /// Subscribers share one copy of each event (a thousand sockets do not clone or encode it
    /// a thousand times).
    fn subscribe(&self) -> broadcast::Receiver<Arc<Published>>;
    /// Identifies this numbering: numbers from another epoch (a restarted server) mean nothing.
    fn epoch(&self) -> u64;
    /// The events after `seq`, oldest first, or `None` when some of them are no longer held.
    fn since(&self, seq: u64) -> Option<Vec<Arc<Published>>>;
    /// The number of the latest event published.
    fn last_seq(&self) -> u64;
}

pub type SharedBus = Arc<dyn EventBus>;

struct Log {
    seq: u64,
    recent: VecDeque<Arc<Published>>,
}

/// Single-process bus on a tokio broadcast channel, keeping the last `capacity` events for
/// replay. A subscriber that falls more than `capacity` events behind sees `Lagged`.
pub struct LocalBus {
    tx: broadcast::Sender<Arc<Published>>,
    log: Mutex<Log>,
    capacity: usize,
    epoch: u64,
}

impl LocalBus {
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity.max(1));
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(1);
        Self {
            tx,
            log: Mutex::new(Log {
                seq: 0,
                recent: VecDeque::with_capacity(capacity),
            }),
            capacity: capacity.max(1),
            epoch,
        }
    }
}

impl EventBus for LocalBus {
    fn publish(&self, kind: LiveEventKind) -> LiveEvent {
        // Numbering, keeping and sending happen under one lock, so every subscriber sees events
        // in number order and a replay never overtakes the live stream.
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.seq += 1;
        let ev = LiveEvent { seq: log.seq, kind };
        let published = Published::new(ev.clone());
        if log.recent.len() == self.capacity {
            log.recent.pop_front();
        }
        log.recent.push_back(published.clone());
        // No subscribers is fine: nobody is watching.
        let _ = self.tx.send(published);
        ev
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.tx.subscribe()
    }

    fn epoch(&self) -> u64 {
        self.epoch
    }

    fn last_seq(&self) -> u64 {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).seq
    }

    fn since(&self, seq: u64) -> Option<Vec<Arc<Published>>> {
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

    #[test]
    fn replay_returns_exactly_the_missed_events() {
        let bus = LocalBus::new(4);
        for _ in 0..3 {
            bus.publish(LiveEventKind::OperatorsChanged);
        }
        let missed = bus.since(1).unwrap();
        assert_eq!(
            missed.iter().map(|e| e.event.seq).collect::<Vec<_>>(),
            vec![2, 3]
        );
        assert!(bus.since(3).unwrap().is_empty());
        assert_eq!(bus.since(0).unwrap().len(), 3);
    }

    #[test]
    fn replay_refuses_when_events_were_dropped_or_never_existed() {
        let bus = LocalBus::new(2);
        for _ in 0..5 {
            bus.publish(LiveEventKind::OperatorsChanged);
        }
        // Held: 4 and 5. A client at 3 can resume; one at 2 missed event 3 for good.
        assert_eq!(bus.since(3).unwrap().len(), 2);
        assert!(bus.since(2).is_none());
        // A number from the future belongs to another server run.
        assert!(bus.since(9).is_none());
    }
}
