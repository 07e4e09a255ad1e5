//! Orchestration (server only): authorize-free building blocks that take validated input, ask the
//! domain for a decision, persist it through [`crate::storage`] and publish events on the bus.
//! Server functions and HTTP handlers are thin wrappers around these.
//!
//! Layout: [`state`] (what every request can reach), [`auth`] (passwords, sessions, sign-in
//! limits), [`operators`] (accounts), [`conversations`] (ownership changes, the list), [`demo`]
//! (sample data for demo mode), [`ingest`] (inbound messages), [`bot`] (the bot's turn),
//! [`delivery`] (the outbox), [`scenarios`] and [`settings`] (what the bot knows), [`widget`]
//! (visitor sockets), [`queue`] (routing, the SLA ladder, the monitoring overview), [`devices`]
//! (operators' push devices), [`notifications`] (the push outbox and its sender), [`notes`]
//! (private notes and their mentions), [`canned`] (canned replies) and [`templates`] (WhatsApp
//! message templates: kept by admins, sent by operators), [`audit`] (the audit log) and
//! [`privacy`] (erasure, export, retention, masked phone numbers).

pub mod analytics;
pub mod audit;
pub mod auth;
pub mod bot;
pub mod canned;
pub mod contacts;
pub mod conversations;
pub mod csat;
pub mod delivery;
pub mod demo;
pub mod devices;
pub mod health;
pub mod ingest;
pub mod media;
pub mod notes;
pub mod notifications;
pub mod operators;
pub mod privacy;
pub mod queue;
pub mod scenario_versions;
pub mod scenarios;
pub mod settings;
pub mod signals;
pub mod state;
pub mod templates;
pub mod widget;

pub use state::AppState;

/// Wall-clock time in unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
