//! Orchestration (server only): authorize-free building blocks that take validated input, ask the
//! domain for a decision, persist it through [`crate::storage`] and publish events on the bus.
//! Server functions and HTTP handlers are thin wrappers around these.
//!
//! Layout: [`state`] (what every request can reach), [`auth`] (passwords, sessions, sign-in
//! limits), [`operators`] (accounts), [`conversations`] (ownership changes, the list), [`demo`]
//! (sample data for demo mode).

pub mod auth;
pub mod conversations;
pub mod demo;
pub mod operators;
pub mod state;

pub use state::AppState;

/// Wall-clock time in unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
