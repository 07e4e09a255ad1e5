//! Live sockets of web-chat visitors: delivering a message to the widget means pushing it to
//! every tab the visitor has open.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use tokio::sync::mpsc;

type Tabs = Vec<(u64, mpsc::UnboundedSender<String>)>;

#[derive(Default)]
pub struct WidgetHub {
    visitors: Mutex<HashMap<String, Tabs>>,
    next_id: AtomicU64,
}

impl WidgetHub {
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
}
