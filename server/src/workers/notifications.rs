//! The notification worker: the queue's clock (routing offers, the SLA ladder) and the push
//! outbox's sender, on top of [`app::services::queue`] and [`app::services::notifications`].
//! [`PushSender`] adapts the protocol layer ([`crate::push::Pusher`]) to the app's
//! [`DevicePusher`].

use crate::push::{DeviceTarget, PushAlert, PushOutcome, Pusher};
use app::domain::devices::DeviceKind;
use app::services::notifications::{
    self, DevicePusher, PushFuture, PushMessage, PushResult, PushTarget,
};
use app::services::{now_ms, queue, AppState};
use std::sync::Arc;
use std::time::Duration;

/// Sends through Web Push, FCM or APNs, whichever the device uses.
pub struct PushSender(pub Arc<Pusher>);

fn device_target(t: &PushTarget) -> DeviceTarget {
    match t.kind {
        DeviceKind::Webpush => DeviceTarget::WebPush {
            endpoint: t.endpoint.clone(),
            p256dh: t.p256dh.clone().unwrap_or_default(),
            auth: t.auth.clone().unwrap_or_default(),
        },
        DeviceKind::Fcm => DeviceTarget::Fcm {
            token: t.endpoint.clone(),
        },
        DeviceKind::Apns => DeviceTarget::Apns {
            token: t.endpoint.clone(),
        },
    }
}

/// The protocol layer's outcome, as the outbox records it.
pub fn result_of(outcome: PushOutcome) -> PushResult {
    match outcome {
        PushOutcome::Delivered => PushResult::Delivered,
        PushOutcome::Gone(r) => PushResult::Gone(r),
        PushOutcome::Retry { after, reason } => PushResult::Retry {
            after_ms: after.map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            reason,
        },
        PushOutcome::Permanent(r) => PushResult::Permanent(r),
    }
}

impl DevicePusher for PushSender {
    fn push<'a>(&'a self, target: &'a PushTarget, m: &'a PushMessage) -> PushFuture<'a> {
        Box::pin(async move {
            let alert = PushAlert::new(
                m.conversation_id,
                &m.contact_name,
                &m.preview,
                m.wait_secs,
                m.step,
            )
            .with_words(&m.words);
            result_of(self.0.send(&device_target(target), &alert).await)
        })
    }
}

/// How often the queue looks at the clock (offers expire, ladder steps fall due).
pub const TICK: Duration = Duration::from_secs(1);

/// Advances the queue every second: expired round-robin offers, due ladder steps, breaches.
pub fn spawn_queue_clock(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(TICK);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(e) = queue::tick(&state, now_ms()).await {
                tracing::error!(error = %e, "queue clock");
            }
        }
    })
}

/// Sends queued notifications as soon as they are queued (or come due for a retry).
pub fn spawn_sender(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match notifications::deliver_due(&state, now_ms()).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "notification sender"),
            }
            tokio::select! {
                _ = state.notify_wakeup.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
        }
    })
}
