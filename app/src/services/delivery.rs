//! The outbound side: claim due outbox rows, hand each to a channel sender, and record what
//! happened (sent, retry later with backoff, or failed with the reason operators see).

use super::{now_ms, AppState};
use crate::domain::delivery::{next_step, FailureKind, NextStep, SendOutcome};
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

/// How many sends one round claims and runs at once. A crash can find each of them sent but not
/// yet recorded, to be sent again after the restart; no channel offers an idempotency key, so this
/// number bounds how many customers can get a reply twice per crash (measured by
/// `scripts/crash_test.sh`: 32 gave 2.1% of 1,000 phones answered twice in one run, over the 1%
/// the crash test allows). Rounds follow each other at once while work is due.
const IN_FLIGHT: i64 = 8;

/// Delivers what is due now; returns how many rows were attempted. Sends run concurrently, and
/// their results are recorded as they come back, whatever has come back meanwhile in one
/// transaction, so a crash finds few sends that reached the customer but are not recorded (those
/// are sent again after the restart). Within each group, what reached the customer is recorded
/// first, before anything else that could fail: an error recording a retry or a failure (or on
/// one row of the group) never leaves a sent message claimed, to be sent again.
pub async fn deliver_due(state: &AppState, sender: &dyn ChannelSender) -> Result<usize, AppError> {
    use futures::StreamExt;
    let items = state
        .store
        .claim_due_outbox(now_ms(), state.settings.lease_ms, IN_FLIGHT)
        .await?;
    let n = items.len();
    let (done, mut results) = tokio::sync::mpsc::unbounded_channel();
    let send_all = async move {
        let mut sends: futures::stream::FuturesUnordered<_> = items
            .iter()
            .map(|item| async move { (item, sender.send(item).await) })
            .collect();
        while let Some((item, outcome)) = sends.next().await {
            let step = next_step(item.attempts, outcome, rand::random());
            let _ = done.send((item.clone(), step));
        }
    };
    let record_all = async {
        let mut first_error = None;
        let mut group = Vec::new();
        while results.recv_many(&mut group, 32).await > 0 {
            let now = now_ms();
            let (mut sent, mut unsent) = (Vec::new(), Vec::new());
            for (item, step) in group.drain(..) {
                match step {
                    NextStep::Done { platform_id } => sent.push((item, platform_id)),
                    step => unsent.push((item, step)),
                }
            }
            if let Err(e) = record_sent_batch(state, &sent, now).await {
                first_error.get_or_insert(e);
            }
            for (item, step) in unsent {
                if let Err(e) = record_unsent(state, &item, step, now).await {
                    tracing::error!(message_id = item.message_id, error = %e, "could not record a send attempt");
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error
    };
    let ((), first_error) = futures::join!(send_all, record_all);
    first_error.map_or(Ok(n), Err)
}

/// Records a batch of sends the channels accepted and announces them; on an error, records them
/// one by one, so one bad row does not keep the others from being recorded.
async fn record_sent_batch(
    state: &AppState,
    sent: &[(OutboxItem, Option<String>)],
    now: i64,
) -> Result<(), AppError> {
    let rows: Vec<_> = sent
        .iter()
        .map(|(i, platform_id)| (i.outbox_id, i.message_id, platform_id.as_deref()))
        .collect();
    let mut result = Ok(());
    let moved = match state.store.outbox_delivered(&rows, now).await {
        Ok(moved) => moved,
        // These messages reached the customer: record them one by one rather than send them again.
        Err(e) => {
            tracing::warn!(error = %e, "recording a batch of sends failed; recording one by one");
            let mut moved = Vec::new();
            for row in &rows {
                match record_sent(state, *row, now).await {
                    Ok(m) => moved.extend(m),
                    Err(e) => {
                        tracing::error!(message_id = row.1, error = %e, "a sent message could not be recorded");
                        result = Err(e);
                    }
                }
            }
            moved
        }
    };
    for (item, _) in sent.iter().filter(|(i, _)| moved.contains(&i.message_id)) {
        publish_status(state, item, "sent", None);
    }
    result
}

/// Records an attempt that did not reach the customer: retry later, or failed for good.
async fn record_unsent(
    state: &AppState,
    item: &OutboxItem,
    step: NextStep,
    now: i64,
) -> Result<(), AppError> {
    match step {
        // Sends that went out are recorded with their batch (see `record_sent_batch`).
        NextStep::Done { .. } => {}
        NextStep::RetryIn { delay_ms, error } => {
            tracing::warn!(message_id = item.message_id, attempt = item.attempts, %error, "send failed; retrying");
            state
                .store
                .outbox_retry_later(item.outbox_id, now + delay_ms, &error, now)
                .await?;
        }
        NextStep::Wait { delay_ms } => {
            let moved = state
                .store
                .outbox_wait(item.outbox_id, item.message_id, now + delay_ms, now)
                .await?;
            if moved {
                publish_status(state, item, "waiting", None);
            }
        }
        NextStep::Fail { reason, kind } => {
            tracing::warn!(message_id = item.message_id, %reason, kind = kind.map(FailureKind::as_str), "send failed for good");
            state
                .store
                .outbox_failed(item.outbox_id, item.message_id, &reason, kind, now)
                .await?;
            publish_status(state, item, "failed", Some((reason, kind)));
        }
    }
    Ok(())
}

/// One send, recorded on its own. A platform id that is already stored elsewhere (a platform
/// answering with an id it gave before) is dropped with a warning: the message was sent, and
/// recording it matters more than its receipts.
async fn record_sent(
    state: &AppState,
    row: (i64, i64, Option<&str>),
    now: i64,
) -> Result<Vec<i64>, AppError> {
    match state.store.outbox_delivered(&[row], now).await {
        Ok(moved) => Ok(moved),
        Err(e) if row.2.is_some() => {
            tracing::warn!(message_id = row.1, platform_id = row.2, error = %e, "platform id not recorded");
            Ok(state
                .store
                .outbox_delivered(&[(row.0, row.1, None)], now)
                .await?)
        }
        Err(e) => Err(e.into()),
    }
}

fn publish_status(
    state: &AppState,
    item: &OutboxItem,
    status: &str,
    error: Option<(String, Option<FailureKind>)>,
) {
    let (error, error_kind) = error.unzip();
    state.bus.publish(LiveEventKind::MessageUpdated {
        conversation_id: item.conversation_id,
        message_id: item.message_id,
        delivery_status: status.to_string(),
        error,
        error_kind: error_kind.flatten(),
    });
}

/// Applies a delivery receipt from a channel (sent, delivered, read, failed; `kind`: why a failed
/// one failed, as data).
pub async fn apply_receipt(
    state: &AppState,
    channel: crate::dto::Channel,
    platform_id: &str,
    status: &str,
    error: Option<&str>,
    kind: Option<FailureKind>,
) -> Result<(), AppError> {
    if let Some((message_id, conversation_id)) = state
        .store
        .apply_receipt(channel, platform_id, status, error, kind)
        .await?
    {
        state.bus.publish(LiveEventKind::MessageUpdated {
            conversation_id,
            message_id,
            delivery_status: status.to_string(),
            error: error.map(str::to_string),
            error_kind: kind,
        });
    }
    Ok(())
}

/// A widget visitor opened a tab: what waits for them goes out now (from whichever instance
/// claims it first).
pub async fn recipient_returned(
    state: &AppState,
    channel: crate::dto::Channel,
    external_id: &str,
) -> Result<(), AppError> {
    if state
        .store
        .outbox_due_for(channel, external_id, now_ms())
        .await?
        > 0
    {
        state.wake(crate::bus::cluster::Worker::Delivery);
    }
    Ok(())
}
