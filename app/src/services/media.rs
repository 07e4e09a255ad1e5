//! Media: where files are kept ([`MediaStore`], a directory today), fetching customers' files
//! from the platforms after the webhook was answered (retried with backoff, see
//! [`process_due`]), voice notes' transcripts (the bot waits for them), serving files to
//! signed-in people and to the widget visitor they belong to, and attachments sent by operators
//! and uploaded by widget visitors.
//!
//! The platforms' HTTP calls are the server's ([`MediaFetcher`], [`Transcriber`]); the rules
//! (kinds, types, limits, names) are [`crate::domain::media`]'s.

use super::auth::{random_hex, token_hash};
use super::{conversations, now_ms, AppState};
use crate::domain::media::{
    check_upload, default_name, essence, operator_may_send, retry_after_ms, sanitize_file_name,
    served_type, sniff_matches, MediaKind, MediaLimits, MediaState, TranscriptState, UploadRefusal,
    ALLOWED_TYPES, VISITOR_TYPES,
};
use crate::domain::problem::Problem;
use crate::domain::ratelimit::{secs_ceil, AttemptLimiter};
use crate::dto::{Channel, LiveEventKind, MessageDto};
use crate::error::AppError;
use crate::storage::media::{MediaJob, NewAttachment, StoredFile};
use crate::storage::users::UserRow;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where files are kept. A directory today; an object store can implement the same calls.
pub trait MediaStore: Send + Sync {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, std::io::Result<()>>;
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, std::io::Result<Vec<u8>>>;
    /// Removes a file (erasure, retention); a file already gone is no error.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, std::io::Result<()>>;
}

/// Files in a directory (`BATON_MEDIA_DIR`), one per key. Keys are made by Baton (letters,
/// digits, `-`), never from a name a person chose.
pub struct DirStore {
    root: PathBuf,
}

impl DirStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, key: &str) -> std::io::Result<PathBuf> {
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "invalid media key",
            ));
        }
        Ok(self.root.join(key))
    }
}

impl MediaStore for DirStore {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, std::io::Result<()>> {
        Box::pin(async move {
            let path = self.path(key)?;
            tokio::fs::create_dir_all(&self.root).await?;
            // Written beside and renamed, so a reader never sees half a file.
            let tmp = self.root.join(format!("{key}.part"));
            tokio::fs::write(&tmp, bytes).await?;
            tokio::fs::rename(&tmp, &path).await
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, std::io::Result<Vec<u8>>> {
        Box::pin(async move { tokio::fs::read(self.path(key)?).await })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, std::io::Result<()>> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.path(key)?).await {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                done => done,
            }
        })
    }
}

/// A file as a platform handed it over.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub mime: Option<String>,
    /// The platform's name for it (Telegram's file path ends in one).
    pub name: Option<String>,
}

/// Fetches a customer's file from its platform (implemented by the server's channel clients).
/// Errors are sentences without any credential or credential-bearing URL in them.
pub trait MediaFetcher: Send + Sync {
    fn fetch<'a>(
        &'a self,
        channel: Channel,
        media_id: &'a str,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Fetched, String>>;
}

/// Turns a voice note into text (`BATON_TRANSCRIBE_URL`, implemented by the server).
pub trait Transcriber: Send + Sync {
    fn transcribe<'a>(
        &'a self,
        bytes: &'a [u8],
        mime: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<String, String>>;
}

/// Everything media needs, shared by requests and the worker.
pub struct MediaKit {
    pub store: Arc<dyn MediaStore>,
    pub fetcher: Option<Arc<dyn MediaFetcher>>,
    pub transcriber: Option<Arc<dyn Transcriber>>,
    pub limits: MediaLimits,
    /// The wait after a first failed download (then three times longer each time).
    pub retry_base_ms: i64,
    /// Woken when a file is due for download.
    pub wakeup: tokio::sync::Notify,
    /// Uploads per widget visitor per hour.
    pub visitor_uploads: Mutex<AttemptLimiter>,
}

impl MediaKit {
    pub fn new(store: Arc<dyn MediaStore>, limits: MediaLimits) -> Self {
        Self {
            store,
            fetcher: None,
            transcriber: None,
            limits,
            retry_base_ms: 5_000,
            wakeup: tokio::sync::Notify::new(),
            visitor_uploads: Mutex::new(AttemptLimiter::new(
                limits.visitor_uploads_per_hour as usize,
                3_600_000,
            )),
        }
    }
}

impl Default for MediaKit {
    fn default() -> Self {
        Self::new(
            Arc::new(DirStore::new("data/media")),
            MediaLimits::default(),
        )
    }
}

/// A new storage key: a number (the message id, or the upload time) and randomness; nothing a
/// person chose.
fn new_key(number: i64) -> String {
    format!("m{number}-{}", random_hex(12))
}

/// Tells the chat about a message's file (stored, retrying, failed, transcribed).
async fn announce(state: &AppState, message_id: i64) -> Result<(), AppError> {
    if let Some(message) = state.store.message(message_id).await? {
        state.bus.publish(LiveEventKind::MediaUpdated { message });
    }
    Ok(())
}

/// Fetches every due download (a few at a time), stores it, and transcribes voice notes.
/// Returns how many jobs it worked on.
pub async fn process_due(state: &AppState) -> Result<usize, AppError> {
    let kit = &state.media;
    let jobs = state
        .store
        .claim_media_jobs(now_ms(), state.settings.lease_ms, 8)
        .await?;
    let n = jobs.len();
    futures::future::join_all(jobs.into_iter().map(|job| async move {
        if let Err(e) = download(state, kit, &job).await {
            tracing::error!(error = %e, message_id = job.id, "media download bookkeeping");
        }
    }))
    .await;
    Ok(n)
}

async fn download(state: &AppState, kit: &MediaKit, job: &MediaJob) -> Result<(), AppError> {
    let fetched = match (&kit.fetcher, job.channel(), job.media_id.as_deref()) {
        (Some(f), Some(channel), Some(media_id)) => {
            f.fetch(channel, media_id, kit.limits.max_inbound).await
        }
        _ => Err("this channel's media cannot be fetched (the channel is not configured)".into()),
    };
    let stored = match fetched {
        Ok(f) => store_fetched(kit, job, f).await,
        Err(e) => Err(e),
    };
    match stored {
        Ok((bytes, mime, name, key)) => {
            state
                .store
                .media_stored(job.id, &key, &mime, &name, bytes.len() as i64)
                .await?;
            let voice_waits =
                job.transcript_state.as_deref() == Some(TranscriptState::Pending.as_str());
            announce(state, job.id).await?;
            if voice_waits {
                // Named by its type (Telegram's `.oga` is a name transcription services refuse).
                let file_name = default_name(MediaKind::Voice, &mime);
                transcribe(state, kit, job.id, &bytes, &mime, &file_name).await?;
            }
        }
        Err(error) => {
            let attempt = job.media_attempts + 1;
            let retry_at = retry_after_ms(attempt, kit.retry_base_ms).map(|ms| now_ms() + ms);
            tracing::warn!(message_id = job.id, attempt, retry = retry_at.is_some(), %error, "media download failed");
            state
                .store
                .media_attempt_failed(job.id, retry_at, &error)
                .await?;
            if retry_at.is_none() {
                // A voice note that never arrived goes to a person.
                state.wake(crate::bus::cluster::Worker::Bot);
            }
            announce(state, job.id).await?;
        }
    }
    Ok(())
}

/// Stores a fetched file; `(bytes, type, name, key)` of what was stored.
async fn store_fetched(
    kit: &MediaKit,
    job: &MediaJob,
    f: Fetched,
) -> Result<(Vec<u8>, String, String, String), String> {
    if f.bytes.len() as u64 > kit.limits.max_inbound {
        return Err(format!(
            "the file is larger than the {} MB limit",
            crate::domain::media::megabytes(kit.limits.max_inbound)
        ));
    }
    // The platform's word at download time, else what the webhook said.
    let mime = f
        .mime
        .or(job.media_mime.clone())
        .map(|m| essence(&m))
        .unwrap_or_else(|| "application/octet-stream".into());
    let kind = MediaKind::for_mime(job.media_type.as_deref().and_then(MediaKind::parse), &mime);
    let name = job
        .media_name
        .clone()
        .or(f.name)
        .map(|n| sanitize_file_name(&n))
        .unwrap_or_else(|| default_name(kind, &mime));
    let key = new_key(job.id);
    kit.store
        .put(&key, &f.bytes)
        .await
        .map_err(|e| format!("could not store the file: {}", e.kind()))?;
    Ok((f.bytes, mime, name, key))
}

async fn transcribe(
    state: &AppState,
    kit: &MediaKit,
    id: i64,
    bytes: &[u8],
    mime: &str,
    name: &str,
) -> Result<(), AppError> {
    let outcome = match &kit.transcriber {
        Some(t) => t.transcribe(bytes, mime, name).await,
        None => Err("transcription is not configured".into()),
    };
    match outcome {
        Ok(text) if !text.trim().is_empty() => {
            let text: String = text.trim().chars().filter(|c| *c != '\0').collect();
            state
                .store
                .set_transcript(id, Some(&text), TranscriptState::Done)
                .await?;
        }
        Ok(_) => {
            tracing::warn!(message_id = id, "the transcription came back empty");
            state
                .store
                .set_transcript(id, None, TranscriptState::Failed)
                .await?;
        }
        Err(error) => {
            tracing::warn!(message_id = id, %error, "transcription failed");
            state
                .store
                .set_transcript(id, None, TranscriptState::Failed)
                .await?;
        }
    }
    state.wake(crate::bus::cluster::Worker::Bot);
    announce(state, id).await
}

/// A file ready to send to a browser.
#[derive(Debug)]
pub struct ServedFile {
    pub bytes: Vec<u8>,
    /// From the allow-list, else `application/octet-stream`.
    pub content_type: String,
    /// `inline` for images, audio and video, `attachment` for documents.
    pub disposition: String,
}

async fn serve(state: &AppState, f: StoredFile) -> Result<ServedFile, AppError> {
    let missing = || AppError::NotFound(Problem::MediaMissing);
    if f.media_state.as_deref() != Some(MediaState::Ready.as_str()) {
        return Err(missing());
    }
    let key = f.media_key.as_deref().ok_or_else(missing)?;
    let bytes = state.media.store.get(key).await.map_err(|e| {
        tracing::warn!(message_id = f.id, error = %e.kind(), "a stored file cannot be read");
        missing()
    })?;
    let content_type = served_type(f.media_mime.as_deref());
    let named = f.media_type.as_deref().and_then(MediaKind::parse);
    let kind = if content_type == "application/octet-stream" {
        MediaKind::Document
    } else {
        MediaKind::for_mime(named, &content_type)
    };
    let name = f
        .media_name
        .clone()
        .unwrap_or_else(|| default_name(kind, &content_type));
    Ok(ServedFile {
        bytes,
        disposition: crate::domain::media::content_disposition(kind, &name),
        content_type,
    })
}

/// Message `id`'s file for a signed-in person (everyone who may read a chat may read its files).
pub async fn file_for_user(
    state: &AppState,
    _me: &UserRow,
    id: i64,
) -> Result<ServedFile, AppError> {
    let f = state
        .store
        .stored_file(id)
        .await?
        .ok_or(AppError::NotFound(Problem::MediaMissing))?;
    serve(state, f).await
}

/// The file behind a widget capability token: an operator's attachment or the visitor's own
/// upload in that visitor's conversation (the token reaches only that visitor's widget). A
/// private note never carries one.
pub async fn file_for_visitor(state: &AppState, token: &str) -> Result<ServedFile, AppError> {
    let missing = || AppError::NotFound(Problem::MediaMissing);
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(missing());
    }
    let f = state
        .store
        .stored_file_by_token(token)
        .await?
        .ok_or_else(missing)?;
    if f.note || !matches!(f.sender.as_str(), "operator" | "customer") {
        return Err(missing());
    }
    serve(state, f).await
}

/// An uploaded file as the HTTP layer read it.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    /// The type the browser declared.
    pub mime: String,
    pub bytes: Vec<u8>,
}

fn refused(r: UploadRefusal) -> AppError {
    match r {
        UploadRefusal::Empty => AppError::field("file", Problem::FileMissing),
        UploadRefusal::TooLarge { max_mb } => AppError::TooLarge(Problem::FileTooLarge { max_mb }),
        UploadRefusal::Type { mime } => AppError::UnsupportedType(Problem::FileType { mime }),
    }
}

/// Checks an upload: size, then type (against `types` and `also`), then that an image's bytes
/// are that image type.
fn check(
    up: &Upload,
    max: u64,
    types: &[&str],
    also: impl Fn(&str) -> bool,
) -> Result<String, AppError> {
    let mime = essence(&up.mime);
    check_upload(&mime, up.bytes.len() as u64, max, types).map_err(refused)?;
    if !also(&mime) || !sniff_matches(&mime, &up.bytes) {
        return Err(refused(UploadRefusal::Type { mime }));
    }
    Ok(mime)
}

/// The longest caption (WhatsApp's limit for media captions).
pub const MAX_CAPTION_CHARS: usize = 1024;

/// An operator sends a file (an image or a document) with an optional caption to the customer
/// of conversation `id`, which they must hold; past WhatsApp's 24-hour window it is refused like
/// a text reply. Stored, then delivered through the outbox.
pub async fn attach(
    state: &AppState,
    me: &UserRow,
    id: i64,
    caption: &str,
    up: Upload,
) -> Result<MessageDto, AppError> {
    let caption = caption.trim();
    if caption.chars().count() > MAX_CAPTION_CHARS {
        return Err(AppError::field(
            "text",
            Problem::ReplyTooLong {
                max: MAX_CAPTION_CHARS as i64,
            },
        ));
    }
    let mime = check(
        &up,
        state.media.limits.max_upload,
        ALLOWED_TYPES,
        operator_may_send,
    )?;
    let summary = conversations::held_by(state, me, id).await?;
    let now = now_ms();
    if !crate::domain::reply_window::is_open(summary.reply_window_closes_at, now) {
        return Err(AppError::Conflict(Problem::ReplyWindowClosed));
    }
    let kind = if mime.starts_with("image/") {
        MediaKind::Image
    } else {
        MediaKind::Document
    };
    let name = sanitize_file_name(&up.file_name);
    let key = new_key(now);
    state.media.store.put(&key, &up.bytes).await.map_err(|e| {
        tracing::error!(error = %e.kind(), "cannot store an upload");
        AppError::Internal
    })?;
    // Only the widget fetches files by token; the platforms get the bytes.
    let token = (summary.channel == Channel::Web).then(|| random_hex(32));
    let mut message = conversations::operator_message(&summary, me, caption, now);
    message.media_type = Some(kind.as_str());
    let message_id = state
        .store
        .insert_attachment(
            &message,
            &NewAttachment {
                key: &key,
                mime: &mime,
                name: &name,
                size: up.bytes.len() as i64,
                token: token.as_deref(),
            },
        )
        .await?;
    conversations::queued(state, id, message_id).await
}

/// What a visitor's widget gets back for an upload.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VisitorUpload {
    pub id: i64,
    /// Where the widget shows it from.
    pub url: String,
}

/// A widget visitor (known by their widget token) sends an image: limited in size, type
/// (images only, checked against the bytes) and rate, stored, then handled like any customer
/// message.
pub async fn visitor_upload(
    state: &AppState,
    token: &str,
    caption: &str,
    up: Upload,
) -> Result<VisitorUpload, AppError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::Unauthorized);
    }
    let visitor = state
        .store
        .widget_visitor(&token_hash(token))
        .await?
        .ok_or(AppError::Unauthorized)?;
    let kit = &state.media;
    let mime = check(&up, kit.limits.max_visitor_upload, VISITOR_TYPES, |_| true)?;
    let caption: String = caption
        .trim()
        .chars()
        .filter(|c| *c != '\0')
        .take(MAX_CAPTION_CHARS)
        .collect();
    let now = now_ms();
    kit.visitor_uploads
        .lock()
        .unwrap()
        .hit(&visitor, now)
        .map_err(|ms| AppError::RateLimited(secs_ceil(ms)))?;
    let name = sanitize_file_name(&up.file_name);
    let key = new_key(now);
    kit.store.put(&key, &up.bytes).await.map_err(|e| {
        tracing::error!(error = %e.kind(), "cannot store a visitor's upload");
        AppError::Internal
    })?;
    let message = super::ingest::IncomingMessage {
        channel: Channel::Web,
        external_id: visitor.clone(),
        contact_name: None,
        phone: None,
        account: None,
        platform_message_id: super::widget::message_key(
            &visitor,
            &format!("upload-{}", random_hex(8)),
        ),
        text: caption,
        media: Some(super::ingest::Media {
            kind: MediaKind::Image.as_str().into(),
            id: None,
            mime_type: Some(mime.clone()),
            url: None,
            filename: Some(name.clone()),
        }),
        sent_at: None,
    };
    let ingested = super::ingest::receive(state, &message)
        .await?
        .ok_or(AppError::Internal)?;
    let media_token = random_hex(32);
    state
        .store
        .attach_stored(
            ingested.message_id,
            &key,
            &mime,
            &name,
            up.bytes.len() as i64,
            &media_token,
        )
        .await?;
    announce(state, ingested.message_id).await?;
    Ok(VisitorUpload {
        id: ingested.message_id,
        url: format!("/widget/media/{media_token}"),
    })
}

/// Asks for a failed download again (anyone signed in may).
pub async fn retry_download(state: &AppState, id: i64) -> Result<(), AppError> {
    if !state.store.retry_media(id, now_ms()).await? {
        return Err(AppError::Conflict(Problem::NothingToRetry));
    }
    state.media.wakeup.notify_one();
    announce(state, id).await
}
