//! Inbound customer messages: store durably, acknowledge, and wake the bot.
//! The bot decides later (see [`super::bot`]) from the stored row, so a crash after the
//! channel's webhook was answered loses nothing.

use super::{now_ms, AppState};
use crate::domain::media::MediaKind;
use crate::dto::{Channel, LiveEventKind, MessageDto, Sender};
use crate::error::AppError;
use crate::storage::bot::{IncomingRow, Ingested};
use crate::storage::Store;
use std::future::Future;
use tokio::sync::{mpsc, oneshot};

/// Media attached to a customer message (voice note, image, document, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// `voice`, `audio`, `image`, `document`, `video`, or the platform's own word for others.
    pub kind: String,
    /// The platform's media id (to fetch it later).
    pub id: Option<String>,
    pub mime_type: Option<String>,
    pub url: Option<String>,
    /// A document's file name, as the customer's app gave it.
    pub filename: Option<String>,
}

/// One customer message as a channel adapter parsed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingMessage {
    pub channel: Channel,
    /// Who wrote: WhatsApp `wa_id`, Telegram chat id, widget visitor id.
    pub external_id: String,
    pub contact_name: Option<String>,
    pub phone: Option<String>,
    /// The business account that received it (WhatsApp phone number id), used to reply.
    pub account: Option<String>,
    /// The platform's id for this message: the exactly-once key within the channel.
    pub platform_message_id: String,
    /// The text, or the media caption (may be empty for bare media).
    pub text: String,
    pub media: Option<Media>,
    /// When the customer sent it by the platform's clock (unix ms), if the platform says: the
    /// WhatsApp reply window counts from it.
    pub sent_at: Option<i64>,
}

/// Stores one customer message. `Ok(None)` means it was a redelivery and nothing happened.
pub async fn receive(state: &AppState, m: &IncomingMessage) -> Result<Option<Ingested>, AppError> {
    let now = now_ms();
    // Redeliveries are answered from a read where that spares a writer's turn. Correctness rests
    // on the unique index the insert meets.
    if state
        .store
        .known_redelivery(m.channel, &m.platform_message_id)
        .await?
    {
        return Ok(None);
    }
    // A lone `4` right after a satisfaction survey is its answer: stored as handled, so the bot
    // never reads it and a closed conversation stays closed.
    let rating = match &m.media {
        None => super::csat::plain_answer(state, m.channel, &m.external_id, &m.text, now).await?,
        Some(_) => None,
    };
    let transcribe = state.media.transcriber.is_some();
    let stored = match (&state.ingest_writer, rating) {
        (Some(writer), None) => writer.store(m, now, transcribe).await?,
        _ => {
            let mut r = row(m, now, transcribe);
            r.processed = rating.is_some();
            state.store.ingest_customer_message(&r).await?
        }
    };
    if let Some(ingested) = stored {
        if rating.is_none() {
            state.wake(crate::bus::cluster::Worker::Bot);
        }
        if m.media.as_ref().is_some_and(|x| x.id.is_some()) {
            state.media.wakeup.notify_one();
        }
        state.bus.publish(LiveEventKind::MessageCreated {
            message: MessageDto {
                id: ingested.message_id,
                conversation_id: ingested.conversation_id,
                sender: Sender::Customer,
                author_name: None,
                body: m.text.clone(),
                media_type: m.media.as_ref().map(|x| x.kind.clone()),
                media_url: m
                    .media
                    .as_ref()
                    .and_then(|x| x.url.clone().or(x.id.clone())),
                bot_confidence: None,
                delivery_status: None,
                delivery_error: None,
                delivery_error_kind: None,
                created_at: now,
                system_line: None,
                note: false,
                media: None,
            },
        });
    }
    if let (Some(a), Some(_)) = (rating, stored) {
        super::csat::record_plain_answer(state, a, now).await?;
    }
    Ok(stored)
}

fn row(m: &IncomingMessage, now: i64, transcribe: bool) -> IncomingRow<'_> {
    let media = m.media.as_ref();
    let kind = media.and_then(|x| MediaKind::parse(&x.kind));
    // A file Baton fetches: one of the kinds it shows, with the platform's id to fetch it by.
    let fetch = kind.is_some() && media.is_some_and(|x| x.id.is_some());
    IncomingRow {
        media_state: fetch.then_some("pending"),
        media_mime: media.and_then(|x| x.mime_type.as_deref()),
        media_name: media.and_then(|x| x.filename.as_deref()),
        transcript_state: (kind == Some(MediaKind::Voice)).then_some(if transcribe && fetch {
            "pending"
        } else {
            "off"
        }),
        channel: m.channel,
        external_id: &m.external_id,
        contact_name: m.contact_name.as_deref(),
        phone: m.phone.as_deref(),
        account: m.account.as_deref(),
        platform_message_id: &m.platform_message_id,
        body: &m.text,
        media_type: m.media.as_ref().map(|x| x.kind.as_str()),
        media_id: m.media.as_ref().and_then(|x| x.id.as_deref()),
        now,
        customer_at: m.sent_at.unwrap_or(now),
        processed: false,
    }
}

/// Group commit: webhook handlers hand their message to a writer task (one on SQLite, two taking
/// turns on PostgreSQL), which stores whatever has queued up meanwhile at once and then answers
/// each handler. An idle writer stores a lone message at once; under load one commit covers many
/// messages. On SQLite, which has one writer at a time, no handler sleeps in the busy handler
/// waiting for the lock; on PostgreSQL a batch is one statement, so the database parses, plans and
/// syncs its log once per batch rather than once per message.
#[derive(Clone)]
pub struct IngestWriter {
    jobs: mpsc::Sender<Job>,
    store: Store,
}

struct Job {
    message: IncomingMessage,
    now: i64,
    transcribe: bool,
    done: oneshot::Sender<Result<Option<Ingested>, AppError>>,
}

/// The most messages one transaction stores.
const MAX_BATCH: usize = 64;

impl IngestWriter {
    /// The writer and its task (run it with `tokio::spawn`; it ends when every writer handle is
    /// dropped).
    pub fn new(store: Store) -> (Self, impl Future<Output = ()> + Send + 'static) {
        let (jobs, rx) = mpsc::channel(1024);
        // PostgreSQL takes a second batch while the first one commits (it locks contacts and
        // conversations in one order, so two never deadlock); SQLite has one writer anyway.
        let writers = match store.backend() {
            crate::storage::Backend::Postgres => 2,
            crate::storage::Backend::Sqlite => 1,
        };
        let rx = std::sync::Arc::new(tokio::sync::Mutex::new(rx));
        let tasks: Vec<_> = (0..writers)
            .map(|_| run_writer(store.clone(), rx.clone()))
            .collect();
        let task = async move {
            futures::future::join_all(tasks).await;
        };
        (Self { jobs, store }, task)
    }

    async fn store(
        &self,
        m: &IncomingMessage,
        now: i64,
        transcribe: bool,
    ) -> Result<Option<Ingested>, AppError> {
        let (done, answer) = oneshot::channel();
        let job = Job {
            message: m.clone(),
            now,
            transcribe,
            done,
        };
        if self.jobs.send(job).await.is_err() {
            // The writer task is gone (shutting down): store it here rather than lose it.
            return Ok(self
                .store
                .ingest_customer_message(&row(m, now, transcribe))
                .await?);
        }
        answer.await.map_err(|_| {
            tracing::error!("the ingest writer stopped before answering");
            AppError::Internal
        })?
    }
}

/// A writer: takes whatever has queued (up to [`MAX_BATCH`]) and stores it, until the queue
/// closes. Writers sharing the queue take turns at it: one gathers while another stores.
async fn run_writer(store: Store, rx: std::sync::Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while rx.lock().await.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let rows: Vec<IncomingRow> = jobs
            .iter()
            .map(|j| row(&j.message, j.now, j.transcribe))
            .collect();
        match store.ingest_customer_messages(&rows).await {
            Ok(results) => {
                drop(rows);
                for (job, r) in jobs.drain(..).zip(results) {
                    let _ = job.done.send(Ok(r));
                }
            }
            Err(e) => {
                // One bad message must not fail the others: store them one by one.
                tracing::warn!(error = %e, batch = rows.len(), "batched ingest failed; storing one by one");
                let mut results = Vec::with_capacity(rows.len());
                for r in &rows {
                    results.push(
                        store
                            .ingest_customer_message(r)
                            .await
                            .map_err(AppError::from),
                    );
                }
                drop(rows);
                for (job, r) in jobs.drain(..).zip(results) {
                    let _ = job.done.send(r);
                }
            }
        }
    }
}
