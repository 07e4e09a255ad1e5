//! The event bus: services publish, operator sockets subscribe. In-process broadcast by default,
//! behind a trait so a broker can carry events between several server instances.

use crate::dto::{LiveEvent, LiveEventKind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::broadcast;

pub trait EventBus: Send + Sync + 'static {
    /// Publishes an event to every subscriber; returns it with its sequence number.
    fn publish(&self, kind: LiveEventKind) -> LiveEvent;
    fn subscribe(&self) -> broadcast::Receiver<LiveEvent>;
}

pub type SharedBus = Arc<dyn EventBus>;

/// Single-process bus on a tokio broadcast channel. A slow subscriber that falls more than
/// `capacity` events behind sees `Lagged` and must resynchronise.
pub struct LocalBus {
    tx: broadcast::Sender<LiveEvent>,
    seq: AtomicU64,
}

impl LocalBus {
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity);
        Self {
            tx,
            seq: AtomicU64::new(0),
        }
    }
}

impl EventBus for LocalBus {
    fn publish(&self, kind: LiveEventKind) -> LiveEvent {
        let ev = LiveEvent {
            seq: self.seq.fetch_add(1, Ordering::Relaxed) + 1,
            kind,
        };
        // No subscribers is fine: nobody is watching.
        let _ = self.tx.send(ev.clone());
        ev
    }

    fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
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
        assert_eq!(a.seq + 1, b.seq);
        assert_eq!(b.kind, LiveEventKind::UserDeactivated { user_id: 3 });
    }
}
