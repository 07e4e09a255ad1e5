//! Background work beside the HTTP server: the bot's turns, outbound delivery, session cleanup,
//! the daily retention job,
//! and [`notifications`] (the queue's clock and the push sender).
//! Each loop wakes on its notification (work just arrived) or on a timer (work left behind by a
//! crash or a retry coming due), so nothing depends on an in-memory queue surviving.

pub mod notifications;

use app::services::delivery::ChannelSender;
use app::services::{auth, bot, delivery, AppState};
use std::sync::Arc;
use std::time::Duration;

/// After a wake-up, how long a worker lets further work gather before it starts: under load one
/// round (one commit) then covers a burst instead of a single message. Nobody notices 5 ms in a
/// chat; the database notices a commit per message.
const GATHER: Duration = Duration::from_millis(5);

/// Runs the bot over stored, unprocessed customer messages.
pub fn spawn_bot(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = bot::process_pending(&state).await {
                tracing::error!(error = %e, "bot worker");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            tokio::select! {
                _ = state.bot_wakeup.notified() => tokio::time::sleep(GATHER).await,
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
        }
    })
}

/// Sends queued outbound messages, retrying with backoff.
pub fn spawn_delivery(
    state: AppState,
    sender: Arc<dyn ChannelSender>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match delivery::deliver_due(&state, sender.as_ref()).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "delivery worker"),
            }
            tokio::select! {
                _ = state.delivery_wakeup.notified() => tokio::time::sleep(GATHER).await,
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
        }
    })
}

/// Fetches customers' files (and transcribes voice notes) after their webhooks were answered;
/// retries come due on the timer.
pub fn spawn_media(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match app::services::media::process_due(&state).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "media worker"),
            }
            // Until the next retry is due (checked at least every 2 s, for other instances' work).
            let wait = match state.store.next_media_due().await {
                Ok(Some(at)) => (at - app::services::now_ms()).clamp(10, 2_000),
                _ => 2_000,
            };
            tokio::select! {
                _ = state.media.wakeup.notified() => tokio::time::sleep(GATHER).await,
                _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
            }
        }
    })
}

/// Deletes expired sessions and old sign-in attempts once an hour, so the tables hold only what
/// still counts.
pub fn spawn_session_sweeper(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let hour = Duration::from_secs(3600);
        let mut every = tokio::time::interval_at(tokio::time::Instant::now() + hour, hour);
        loop {
            every.tick().await;
            match auth::sweep_expired(&state).await {
                Ok((0, _)) => {}
                Ok((n, _)) => tracing::info!(deleted = n, "expired sessions removed"),
                Err(e) => tracing::warn!(error = %e, "could not remove expired sessions"),
            }
        }
    })
}

/// The retention job: every hour each instance asks for the day's turn, and the one that gets it
/// (a claim row in the database) deletes the closed conversations past the kept days (see
/// `app::services::privacy::run_retention`). Off (keep forever) by default.
pub fn spawn_retention(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let hour = Duration::from_secs(3600);
        // A minute after start, then hourly.
        let first = tokio::time::Instant::now() + Duration::from_secs(60);
        let mut every = tokio::time::interval_at(first, hour);
        loop {
            every.tick().await;
            let now = app::services::now_ms();
            match app::services::privacy::retention_turn(&state, now).await {
                Ok(Some(n)) => tracing::info!(deleted = n, "retention ran"),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "retention job failed; it runs again at its next daily turn")
                }
            }
        }
    })
}
