//! Several Baton instances as one, through RabbitMQ (`BATON_BROKER_URL`).
//!
//! - **Live events** go through a stream queue (`baton.<cluster>.events`): RabbitMQ puts every
//!   instance's events in one order and numbers them (the stream offset), so an event's number
//!   means the same on every instance and a phone that reconnects to another instance resumes
//!   with exactly what it missed. Each instance reads the stream from ten minutes back when it
//!   starts, so it can resume phones that were on another instance.
//! - **Signals** ([`Signal`]) go through a fanout exchange (`baton.<cluster>.signals`) to a
//!   private queue per instance: wake-ups, changed settings, ended sessions, presence, widget
//!   frames for a visitor connected elsewhere, the external bot's health.
//!
//! The database stays the source of truth. When the broker is unreachable, instances keep serving
//! pages and webhooks; events still reach this instance's own sockets (unnumbered), what could
//! not be published waits (bounded) and goes out on reconnection, and every socket is told to
//! `resync`, since events from the other instances may have been missed meanwhile.

use app::bus::cluster::{BrokerState, Cluster, Delivered, Envelope, Signal, Worker};
use app::bus::{EventBus, EventLog, Published, Replay};
use app::dto::{LiveEvent, LiveEventKind};
use app::services::{now_ms, AppState};
use futures::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot, Notify};

/// Events held for replay on each instance (a phone that comes back resumes from these).
const HELD_EVENTS: usize = 4096;
/// How far back a starting instance reads the stream, to resume phones from other instances.
const HISTORY: Duration = Duration::from_secs(600);
/// What waits for the broker while it is unreachable; beyond this the oldest goes (the sockets
/// resync on reconnection anyway, and the database holds everything).
const MAX_WAITING: usize = 50_000;
/// How long a widget frame waits for another instance to say it had the visitor's tab open.
const WIDGET_ANSWER: Duration = Duration::from_secs(2);
/// How often each instance announces who is online on it.
const PRESENCE_EVERY: Duration =
    Duration::from_millis(app::services::state::Presence::SILENCE_MS as u64 / 3);

/// The names of this cluster's queue and exchange on the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub stream: String,
    pub signals: String,
}

impl Names {
    /// Named after the database, so instances sharing a database form a cluster, and two
    /// deployments sharing one RabbitMQ (or the tests, each with its own database) do not mix.
    pub fn for_database(database_url: &str) -> Self {
        let db = database_url
            .split('?')
            .next()
            .and_then(|u| u.rsplit('/').next())
            .filter(|d| !d.is_empty())
            .unwrap_or("baton");
        let db: String = db
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .take(100)
            .collect();
        Self {
            stream: format!("baton.{db}.events"),
            signals: format!("baton.{db}.signals"),
        }
    }
}

enum Outgoing {
    Event(Vec<u8>),
    /// A signal, and the worker it wakes (see [`Cluster::send`]).
    Signal(Vec<u8>, Option<Worker>),
}

/// What the broker side hands to the part that can reach the app's state.
enum Inbox {
    Signal(Envelope),
    /// Connected again after an outage: events and signals may have been missed.
    Reconnected,
}

pub struct Broker {
    instance: String,
    uri: String,
    names: Names,
    epoch: u64,
    log: EventLog,
    outgoing: Mutex<VecDeque<Outgoing>>,
    outgoing_ready: Notify,
    /// Wake-ups asked for and not yet sent (several become one).
    wake_pending: [AtomicBool; 3],
    connected: AtomicBool,
    state_since: AtomicI64,
    /// The last stream offset this instance read, to go on from after a reconnection.
    last_offset: AtomicI64,
    widget_waiting: Mutex<HashMap<u64, oneshot::Sender<()>>>,
    next_widget_id: AtomicU64,
}

fn worker_index(w: Worker) -> usize {
    match w {
        Worker::Bot => 0,
        Worker::Delivery => 1,
        Worker::Notify => 2,
    }
}

impl Broker {
    /// Starts the connection (in the background: Baton serves while the broker is away) and
    /// returns the broker with the inbox that [`run`] applies to the app's state.
    pub fn start(instance: &str, uri: &str, names: Names, epoch: u64) -> (Arc<Self>, BrokerInbox) {
        let broker = Arc::new(Self {
            instance: instance.to_string(),
            uri: uri.to_string(),
            names,
            epoch,
            log: EventLog::new(HELD_EVENTS),
            outgoing: Mutex::default(),
            outgoing_ready: Notify::new(),
            wake_pending: Default::default(),
            connected: AtomicBool::new(false),
            state_since: AtomicI64::new(now_ms()),
            last_offset: AtomicI64::new(-1),
            widget_waiting: Mutex::default(),
            next_widget_id: AtomicU64::new(1),
        });
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(broker.clone().supervise(tx));
        (broker.clone(), BrokerInbox { broker, rx })
    }

    /// Waits (at most `limit`) for the first connection, so an instance that can reach the
    /// broker starts with its events flowing; one that cannot starts anyway.
    pub async fn wait_connected(&self, limit: Duration) -> bool {
        let until = tokio::time::Instant::now() + limit;
        while !self.connected.load(Ordering::SeqCst) {
            if tokio::time::Instant::now() >= until {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        true
    }

    fn queue(&self, item: Outgoing) {
        let mut q = self.outgoing.lock().unwrap_or_else(|p| p.into_inner());
        if q.len() >= MAX_WAITING {
            q.pop_front();
        }
        q.push_back(item);
        drop(q);
        self.outgoing_ready.notify_one();
    }

    fn set_connected(&self, on: bool) {
        if self.connected.swap(on, Ordering::SeqCst) != on {
            self.state_since.store(now_ms(), Ordering::SeqCst);
        }
    }

    /// Connects, runs until the connection fails, and connects again with backoff.
    async fn supervise(self: Arc<Self>, inbox: mpsc::UnboundedSender<Inbox>) {
        let mut backoff = Duration::from_millis(250);
        let mut was_connected = false;
        loop {
            match self.connect().await {
                Ok((conn, setup)) => {
                    tracing::info!(instance = %self.instance, "connected to the broker");
                    self.set_connected(true);
                    backoff = Duration::from_millis(250);
                    if was_connected {
                        let _ = inbox.send(Inbox::Reconnected);
                    }
                    was_connected = true;
                    let failure = self.serve(setup, &inbox).await;
                    self.set_connected(false);
                    // Until the next connection, this instance's sockets hear only from it.
                    self.log.announce(LiveEventKind::Resync);
                    tracing::warn!(error = %failure, "lost the broker; reconnecting");
                    let _ = conn.close(200, "reconnecting".into()).await;
                }
                // lapin's errors do not carry the URI (and so not its password).
                Err(e) => tracing::warn!(error = %e, "cannot reach the broker; retrying"),
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(10));
        }
    }

    async fn connect(&self) -> Result<(Connection, Setup), lapin::Error> {
        let props =
            ConnectionProperties::default().with_connection_name(self.instance.clone().into());
        let conn = Connection::connect(&self.uri, props).await?;
        let publish = conn.create_channel().await?;
        publish
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        let mut stream_args = FieldTable::default();
        stream_args.insert(
            "x-queue-type".into(),
            AMQPValue::LongString("stream".into()),
        );
        // A day of events, at most 200 MB: far more than any replay needs.
        stream_args.insert("x-max-age".into(), AMQPValue::LongString("1D".into()));
        stream_args.insert(
            "x-max-length-bytes".into(),
            AMQPValue::LongLongInt(200_000_000),
        );
        publish
            .queue_declare(
                self.names.stream.as_str().into(),
                QueueDeclareOptions {
                    durable: true,
                    ..Default::default()
                },
                stream_args,
            )
            .await?;
        publish
            .exchange_declare(
                self.names.signals.as_str().into(),
                ExchangeKind::Fanout,
                // Gone with the cluster's last instance; nothing in it outlives them.
                ExchangeDeclareOptions {
                    auto_delete: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await?;

        let events = conn.create_channel().await?;
        events.basic_qos(500, BasicQosOptions::default()).await?;
        let mut consume_args = FieldTable::default();
        let last = self.last_offset.load(Ordering::SeqCst);
        let from = if last >= 0 {
            AMQPValue::LongLongInt(last + 1)
        } else {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .saturating_sub(HISTORY)
                .as_secs();
            AMQPValue::Timestamp(secs)
        };
        consume_args.insert("x-stream-offset".into(), from);
        let event_consumer = events
            .basic_consume(
                self.names.stream.as_str().into(),
                "".into(),
                BasicConsumeOptions::default(),
                consume_args,
            )
            .await?;

        let signals = conn.create_channel().await?;
        let private = signals
            .queue_declare(
                "".into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await?;
        signals
            .queue_bind(
                private.name().clone(),
                self.names.signals.as_str().into(),
                "".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
        let signal_consumer = signals
            .basic_consume(
                private.name().clone(),
                "".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await?;
        Ok((
            conn,
            Setup {
                publish,
                event_consumer,
                signal_consumer,
                _channels: [events, signals],
            },
        ))
    }

    /// Publishes, reads events and reads signals until one of them fails.
    async fn serve(&self, setup: Setup, inbox: &mpsc::UnboundedSender<Inbox>) -> String {
        let Setup {
            publish,
            mut event_consumer,
            mut signal_consumer,
            ..
        } = setup;
        let publishing = async {
            loop {
                let batch: Vec<Outgoing> = {
                    let mut q = self.outgoing.lock().unwrap_or_else(|p| p.into_inner());
                    let n = q.len().min(256);
                    q.drain(..n).collect()
                };
                for item in &batch {
                    if let Outgoing::Signal(_, Some(worker)) = item {
                        // Taken: a wake-up asked for from now on goes out again.
                        self.wake_pending[worker_index(*worker)].store(false, Ordering::SeqCst);
                    }
                }
                if batch.is_empty() {
                    self.outgoing_ready.notified().await;
                    continue;
                }
                if let Err(e) = self.publish_batch(&publish, &batch).await {
                    // Put back what may not have gone out, in order, for the next connection.
                    let mut q = self.outgoing.lock().unwrap_or_else(|p| p.into_inner());
                    for item in batch.into_iter().rev() {
                        q.push_front(item);
                    }
                    return format!("publishing: {e}");
                }
            }
        };
        let reading_events = async {
            while let Some(delivery) = event_consumer.next().await {
                let delivery = match delivery {
                    Ok(d) => d,
                    Err(e) => return format!("reading events: {e}"),
                };
                let offset = delivery
                    .properties
                    .headers()
                    .as_ref()
                    .and_then(|h| h.inner().get("x-stream-offset").cloned())
                    .and_then(|v| match v {
                        AMQPValue::LongLongInt(n) => Some(n),
                        AMQPValue::LongInt(n) => Some(n.into()),
                        AMQPValue::LongUInt(n) => Some(n.into()),
                        _ => None,
                    });
                match (
                    offset,
                    serde_json::from_slice::<LiveEventKind>(&delivery.data),
                ) {
                    (Some(offset), Ok(kind)) => {
                        self.last_offset.store(offset, Ordering::SeqCst);
                        self.log.deliver(LiveEvent {
                            seq: offset as u64 + 1,
                            kind,
                        });
                    }
                    _ => tracing::warn!("skipped an unreadable event from the broker"),
                }
                if let Err(e) = delivery.acker.ack(BasicAckOptions::default()).await {
                    return format!("acknowledging events: {e}");
                }
            }
            "the event stream ended".to_string()
        };
        let reading_signals = async {
            while let Some(delivery) = signal_consumer.next().await {
                let delivery = match delivery {
                    Ok(d) => d,
                    Err(e) => return format!("reading signals: {e}"),
                };
                match serde_json::from_slice::<Envelope>(&delivery.data) {
                    Ok(env) if env.from == self.instance => {}
                    Ok(env) => {
                        let _ = inbox.send(Inbox::Signal(env));
                    }
                    Err(_) => tracing::warn!("skipped an unreadable signal from the broker"),
                }
            }
            "the signal queue ended".to_string()
        };
        tokio::select! {
            e = publishing => e,
            e = reading_events => e,
            e = reading_signals => e,
        }
    }

    /// Publishes a batch and waits for the broker to confirm all of it.
    async fn publish_batch(&self, channel: &Channel, batch: &[Outgoing]) -> Result<(), String> {
        let mut confirms = Vec::new();
        for item in batch {
            let (exchange, key, body, props) = match item {
                Outgoing::Event(b) => (
                    "",
                    self.names.stream.as_str(),
                    b,
                    BasicProperties::default().with_delivery_mode(2),
                ),
                Outgoing::Signal(b, _) => (
                    self.names.signals.as_str(),
                    "",
                    b,
                    BasicProperties::default(),
                ),
            };
            confirms.push(
                channel
                    .basic_publish(
                        exchange.into(),
                        key.into(),
                        BasicPublishOptions::default(),
                        body,
                        props,
                    )
                    .await
                    .map_err(|e| e.to_string())?,
            );
        }
        for c in confirms {
            if c.await.map_err(|e| e.to_string())?.is_nack() {
                return Err("the broker refused a message".into());
            }
        }
        Ok(())
    }

    fn signal_bytes(&self, signal: Signal) -> Vec<u8> {
        serde_json::to_vec(&Envelope {
            from: self.instance.clone(),
            signal,
        })
        .unwrap_or_default()
    }

    fn widget_delivered(&self, id: u64) {
        if let Some(tx) = self
            .widget_waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id)
        {
            let _ = tx.send(());
        }
    }
}

struct Setup {
    publish: Channel,
    event_consumer: lapin::Consumer,
    signal_consumer: lapin::Consumer,
    _channels: [Channel; 2],
}

impl EventBus for Broker {
    fn publish(&self, kind: LiveEventKind) {
        if !self.connected.load(Ordering::SeqCst) {
            // This instance's own sockets stay live; everyone resyncs on reconnection.
            self.log.announce(kind.clone());
        }
        match serde_json::to_vec(&kind) {
            Ok(body) => self.queue(Outgoing::Event(body)),
            Err(e) => tracing::error!(error = %e, "an event could not be encoded"),
        }
    }

    fn flash(&self, kind: LiveEventKind) {
        self.log.announce(kind.clone());
        self.send(Signal::Flash {
            event: Box::new(kind),
        });
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.log.subscribe()
    }

    fn epoch(&self) -> u64 {
        self.epoch
    }

    fn since(&self, seq: u64) -> Replay<'_> {
        Box::pin(std::future::ready(self.log.since(seq)))
    }

    fn last_seq(&self) -> u64 {
        self.log.last_seq()
    }
}

impl Cluster for Broker {
    fn instance_id(&self) -> &str {
        &self.instance
    }

    fn send(&self, signal: Signal) {
        let wakes = match signal {
            Signal::Wake { worker } => Some(worker),
            _ => None,
        };
        // One wake-up waiting to go out is as good as many.
        if let Some(worker) = wakes {
            if self.wake_pending[worker_index(worker)].swap(true, Ordering::SeqCst) {
                return;
            }
        }
        let bytes = self.signal_bytes(signal);
        self.queue(Outgoing::Signal(bytes, wakes));
    }

    fn widget_push<'a>(&'a self, visitor: &'a str, frame: &'a str) -> Delivered<'a> {
        Box::pin(async move {
            if !self.connected.load(Ordering::SeqCst) {
                return false;
            }
            let id = self.next_widget_id.fetch_add(1, Ordering::SeqCst);
            let (tx, rx) = oneshot::channel();
            self.widget_waiting
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(id, tx);
            self.send(Signal::WidgetPush {
                id,
                visitor: visitor.to_string(),
                frame: frame.to_string(),
            });
            let delivered = matches!(tokio::time::timeout(WIDGET_ANSWER, rx).await, Ok(Ok(())));
            self.widget_waiting
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
            delivered
        })
    }

    fn broker(&self) -> Option<BrokerState> {
        Some(BrokerState {
            connected: self.connected.load(Ordering::SeqCst),
            since: self.state_since.load(Ordering::SeqCst),
        })
    }
}

/// Signals received from the other instances, for [`BrokerInbox::run`].
pub struct BrokerInbox {
    broker: Arc<Broker>,
    rx: mpsc::UnboundedReceiver<Inbox>,
}

impl BrokerInbox {
    /// Applies what the other instances say to this instance's state, and announces this
    /// instance's presence (on change, through the sockets, and every few seconds).
    pub fn spawn(self, state: AppState) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run(state))
    }

    async fn run(mut self, state: AppState) {
        let broker = self.broker.clone();
        broker.send(Signal::PresenceAsk);
        let mut heartbeat = tokio::time::interval(PRESENCE_EVERY);
        loop {
            tokio::select! {
                msg = self.rx.recv() => match msg {
                    Some(Inbox::Signal(env)) => apply(&state, &broker, env),
                    Some(Inbox::Reconnected) => caught_up(&state, &broker),
                    None => return,
                },
                _ = heartbeat.tick() => {
                    state.announce_presence();
                    if state.presence.forget_silent(now_ms()) {
                        state.bus.publish(LiveEventKind::OperatorsChanged);
                    }
                }
            }
        }
    }
}

/// After an outage: whatever was missed is made good from the database.
fn caught_up(state: &AppState, broker: &Broker) {
    broker.log.announce(LiveEventKind::Resync);
    for worker in [Worker::Bot, Worker::Delivery, Worker::Notify] {
        state.wake_here(worker);
    }
    state.settings_cache.invalidate();
    // Every socket re-reads its session (an ending may have been missed).
    state.recheck_all_sessions();
    broker.send(Signal::PresenceAsk);
    state.announce_presence();
}

fn apply(state: &AppState, broker: &Broker, env: Envelope) {
    match env.signal {
        Signal::Wake { worker } => state.wake_here(worker),
        Signal::SettingsChanged => state.settings_cache.invalidate(),
        Signal::SessionsEnded { user_id } => state.sessions_ended_here(user_id),
        Signal::Presence { users } => {
            if state.presence.announced(&env.from, users, now_ms()) {
                // This instance's sockets refresh the operators' list (the sender announced the
                // change on the bus too, but that may arrive before this signal).
                broker.log.announce(LiveEventKind::OperatorsChanged);
            }
        }
        Signal::PresenceAsk => state.announce_presence(),
        Signal::WidgetPush { id, visitor, frame } => {
            if state.widget_hub.push(&visitor, &frame) > 0 {
                broker.send(Signal::WidgetDelivered { id });
            }
        }
        Signal::WidgetDelivered { id } => broker.widget_delivered(id),
        Signal::WidgetFlash { visitor, frame } => {
            state.widget_hub.push(&visitor, &frame);
        }
        Signal::Flash { event } => broker.log.announce(*event),
        Signal::BotHealth { down } => state.bot_health.set(down),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_is_named_after_its_database() {
        let n = Names::for_database("postgres://baton:pw@db:5432/shop_prod?sslmode=require");
        assert_eq!(n.stream, "baton.shop_prod.events");
        assert_eq!(n.signals, "baton.shop_prod.signals");
        assert_eq!(
            Names::for_database("postgres://db/").stream,
            "baton.baton.events"
        );
    }
}
