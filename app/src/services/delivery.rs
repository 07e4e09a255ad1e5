//! The outbound side: claim due outbox rows, hand each to a channel sender, and record what
//! happened (sent, retry later with backoff, or failed with the reason operators see).

use super::{now_ms, AppState};
use crate::domain::delivery::{next_step, NextStep, SendOutcome};
use crate::dto::LiveEventKind;
use crate::error::AppError;
use crate::storage::bot::OutboxItem;
use std::future::Future;
use std::pin::Pin;

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = SendOutcome> + Send + 'a>>;

/// Sends one message through its channel (implemented by the server's channel clients).
pub trait ChannelSender: Send + Sync {
    fn send<'a>(&'a self, item: &'a OutboxItem) -> SendFuture<'a>;
}

/// How long a claimed row stays invisible to other senders before it is tried again.
const LEASE_MS: i64 = 60_000;

/// Delivers what is due now; returns how many rows were attempted.
pub async fn deliver_due(state: &AppState, sender: &dyn ChannelSender) -> Result<usize, AppError> {
    let items = state.store.claim_due_outbox(now_ms(), LEASE_MS, 32).await?;
    let n = items.len();
    let results = futures::future::join_all(items.iter().map(|i| sender.send(i))).await;
    for (item, outcome) in items.iter().zip(results) {
        record(state, item, outcome).await?;
    }
    Ok(n)
}

/// Applies a delivery receipt from a channel (sent, delivered, read, failed).
pub async fn apply_receipt(
    state: &AppState,
    channel: crate::dto::Channel,
    platform_id: &str,
    status: &str,
    error: Option<&str>,
) -> Result<(), AppError> {
    if let Some((message_id, conversation_id)) = state
        .store
        .apply_receipt(channel, platform_id, status, error)
        .await?
    {
        state.bus.publish(LiveEventKind::MessageUpdated {
            conversation_id,
            message_id,
            delivery_status: status.to_string(),
            error: error.map(str::to_string),
        });
    }
    Ok(())
}

async fn record(state: &AppState, item: &OutboxItem, outcome: SendOutcome) -> Result<(), AppError> {
    let now = now_ms();
    let jitter: f64 = rand::random();
    let mut failure = None;
    let status = match next_step(item.attempts, outcome, jitter) {
        NextStep::Done { platform_id } => {
            state
                .store
                .outbox_delivered(item.outbox_id, item.message_id, platform_id.as_deref(), now)
                .await?;
            "sent"
        }
        NextStep::RetryIn { delay_ms, error } => {
            tracing::warn!(message_id = item.message_id, attempt = item.attempts, %error, "send failed; retrying");
            state
                .store
                .outbox_retry_later(item.outbox_id, now + delay_ms, &error, now)
                .await?;
            return Ok(());
        }
        NextStep::Fail { reason } => {
            tracing::warn!(message_id = item.message_id, %reason, "send failed for good");
            state
                .store
                .outbox_failed(item.outbox_id, item.message_id, &reason, now)
                .await?;
            failure = Some(reason);
            "failed"
        }
    };
    state.bus.publish(LiveEventKind::MessageUpdated {
        conversation_id: item.conversation_id,
        message_id: item.message_id,
        delivery_status: status.to_string(),
        error: failure,
    });
    Ok(())
}
