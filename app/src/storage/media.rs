//! Media rows: the download queue (claimed with a lease, retried with backoff), what a stored
//! file is served as, voice notes' transcripts, and attachments sent by operators and visitors.

use super::{with_pool, with_write, Store};
use crate::domain::media::{MediaKind, MediaState, TranscriptState};
use crate::dto::{Channel, MediaDto};

/// The media columns of a message row, as read.
pub(crate) struct MediaColumns<'a> {
    pub state: Option<&'a str>,
    pub mime: Option<String>,
    pub name: Option<String>,
    pub size: Option<i64>,
    pub attempts: i64,
    pub transcript: Option<String>,
    pub transcript_state: Option<&'a str>,
}

/// The chat's view of a message's file; `None` for messages without a file Baton handles.
pub(crate) fn media_dto(
    id: i64,
    media_type: Option<&str>,
    c: MediaColumns<'_>,
) -> Option<MediaDto> {
    let state = MediaState::parse(c.state?)?;
    let named = media_type.and_then(MediaKind::parse);
    let kind = match &c.mime {
        Some(m) if state == MediaState::Ready => MediaKind::for_mime(named, m),
        _ => named.unwrap_or(MediaKind::Document),
    };
    Some(MediaDto {
        kind,
        state,
        url: (state == MediaState::Ready).then(|| format!("/media/{id}")),
        mime: c.mime,
        name: c.name,
        size: c.size,
        attempts: c.attempts,
        transcript: c.transcript,
        transcript_state: c.transcript_state.and_then(TranscriptState::parse),
    })
}

/// A download the media worker claimed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MediaJob {
    pub id: i64,
    pub conversation_id: i64,
    pub channel: String,
    /// The platform's media or file id.
    pub media_id: Option<String>,
    pub media_type: Option<String>,
    pub media_mime: Option<String>,
    pub media_name: Option<String>,
    pub media_attempts: i64,
    pub transcript_state: Option<String>,
}

impl MediaJob {
    pub fn channel(&self) -> Option<Channel> {
        Channel::parse(&self.channel)
    }
}

/// A stored file and who may see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredFile {
    pub id: i64,
    pub conversation_id: i64,
    pub sender: String,
    pub note: bool,
    pub media_type: Option<String>,
    pub media_state: Option<String>,
    pub media_key: Option<String>,
    pub media_mime: Option<String>,
    pub media_name: Option<String>,
}

const STORED_FILE: &str =
    "SELECT id, conversation_id, sender, note, media_type, media_state, media_key, \
    media_mime, media_name FROM messages";

/// The file of an operator's attachment (see [`Store::insert_attachment`]).
pub struct NewAttachment<'a> {
    pub key: &'a str,
    pub mime: &'a str,
    pub name: &'a str,
    pub size: i64,
    /// The widget's capability (web conversations only).
    pub token: Option<&'a str>,
}

impl Store {
    /// Claims up to `limit` downloads due at `now` for `lease_ms` (a worker that dies leaves them
    /// to be claimed again after the lease). Each claim is a conditional update, so two workers
    /// never fetch the same file at once.
    pub async fn claim_media_jobs(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<MediaJob>, sqlx::Error> {
        let due: Vec<(i64, i64)> = with_pool!(self, p => sqlx::query_as(
            "SELECT id, media_due_at FROM messages WHERE media_state = 'pending' AND media_due_at <= $1 \
             ORDER BY media_due_at, id LIMIT $2")
            .bind(now).bind(limit).fetch_all(p).await)?;
        let mut jobs = Vec::with_capacity(due.len());
        for (id, due_at) in due {
            let claimed = with_write!(self, p => sqlx::query(
                "UPDATE messages SET media_due_at = $1 \
                 WHERE id = $2 AND media_state = 'pending' AND media_due_at = $3")
                .bind(now + lease_ms).bind(id).bind(due_at).execute(p).await.map(|r| r.rows_affected()))?
                == 1;
            if claimed {
                let job = with_pool!(self, p => sqlx::query_as::<_, MediaJob>(
                    "SELECT id, conversation_id, channel, media_id, media_type, media_mime, media_name, \
                       media_attempts, transcript_state FROM messages WHERE id = $1")
                    .bind(id).fetch_optional(p).await)?;
                jobs.extend(job);
            }
        }
        Ok(jobs)
    }

    /// When the next download is due, to sleep until then.
    pub async fn next_media_due(&self) -> Result<Option<i64>, sqlx::Error> {
        with_pool!(self, p => sqlx::query_scalar::<_, Option<i64>>(
            "SELECT MIN(media_due_at) FROM messages WHERE media_state = 'pending'")
            .fetch_one(p).await)
    }

    /// Records a stored download.
    pub async fn media_stored(
        &self,
        id: i64,
        key: &str,
        mime: &str,
        name: &str,
        size: i64,
    ) -> Result<(), sqlx::Error> {
        with_write!(self, p => sqlx::query(
            "UPDATE messages SET media_state = 'ready', media_key = $1, media_mime = $2, media_name = $3, \
               media_size = $4, media_attempts = media_attempts + 1, media_error = NULL, media_due_at = NULL \
             WHERE id = $5")
            .bind(key).bind(mime).bind(name).bind(size).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Records a failed attempt: due again at `retry_at`, or failed for good (`None`), in which
    /// case a voice note waiting for its transcript stops waiting (the bot hands it to a person).
    /// `error` must hold no credential.
    pub async fn media_attempt_failed(
        &self,
        id: i64,
        retry_at: Option<i64>,
        error: &str,
    ) -> Result<(), sqlx::Error> {
        let state = if retry_at.is_some() {
            "pending"
        } else {
            "failed"
        };
        with_write!(self, p => sqlx::query(
            "UPDATE messages SET media_state = $1, media_due_at = $2, media_error = $3, \
               media_attempts = media_attempts + 1, \
               transcript_state = CASE WHEN $1 = 'failed' AND transcript_state = 'pending' \
                 THEN 'failed' ELSE transcript_state END \
             WHERE id = $4")
            .bind(state).bind(retry_at).bind(error).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Stores a voice note's transcript (`Done`) or how it ended without one.
    pub async fn set_transcript(
        &self,
        id: i64,
        transcript: Option<&str>,
        state: TranscriptState,
    ) -> Result<(), sqlx::Error> {
        with_write!(self, p => sqlx::query(
            "UPDATE messages SET transcript = $1, transcript_state = $2 WHERE id = $3")
            .bind(transcript).bind(state.as_str()).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Asks for a failed download again, now (an operator's `Retry`).
    pub async fn retry_media(&self, id: i64, now: i64) -> Result<bool, sqlx::Error> {
        let r = with_write!(self, p => sqlx::query(
            "UPDATE messages SET media_state = 'pending', media_due_at = $1, media_attempts = 0, \
               transcript_state = CASE WHEN transcript_state = 'failed' THEN 'pending' ELSE transcript_state END \
             WHERE id = $2 AND media_state = 'failed' AND media_id IS NOT NULL")
            .bind(now).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(r == 1)
    }

    /// The stored file of message `id`.
    pub async fn stored_file(&self, id: i64) -> Result<Option<StoredFile>, sqlx::Error> {
        let sql = format!("{STORED_FILE} WHERE id = $1");
        with_pool!(self, p => sqlx::query_as::<_, StoredFile>(&sql).bind(id).fetch_optional(p).await)
    }

    /// The stored file behind a widget capability token.
    pub async fn stored_file_by_token(
        &self,
        token: &str,
    ) -> Result<Option<StoredFile>, sqlx::Error> {
        let sql = format!("{STORED_FILE} WHERE media_token = $1");
        with_pool!(self, p => sqlx::query_as::<_, StoredFile>(&sql).bind(token).fetch_optional(p).await)
    }

    /// A message's widget capability token.
    pub async fn media_token(&self, id: i64) -> Result<Option<String>, sqlx::Error> {
        with_pool!(self, p => sqlx::query_scalar::<_, Option<String>>(
            "SELECT media_token FROM messages WHERE id = $1")
            .bind(id).fetch_optional(p).await)
        .map(Option::flatten)
    }

    /// Stores an operator's attachment as their message (`m`, its caption as body) with its
    /// outbox row, in one transaction. Returns the message id.
    pub async fn insert_attachment(
        &self,
        m: &super::conversations::NewMessage<'_>,
        a: &NewAttachment<'_>,
    ) -> Result<i64, sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            let id = super::conversations::insert_message_in!(tx, m).ok_or(sqlx::Error::RowNotFound)?;
            super::analytics::record_operator_reply_in!(tx, m);
            sqlx::query(
                "UPDATE messages SET media_state = 'ready', media_key = $1, media_mime = $2, \
                   media_name = $3, media_size = $4, media_token = $5 WHERE id = $6")
                .bind(a.key).bind(a.mime).bind(a.name).bind(a.size).bind(a.token).bind(id)
                .execute(&mut *tx).await?;
            sqlx::query("INSERT INTO outbox (message_id, attempts, next_attempt_at, state, created_at, updated_at) \
                         VALUES ($1, 0, $2, 'pending', $2, $2)")
                .bind(id).bind(m.created_at).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Marks a visitor's just-ingested upload as stored (the ingest wrote the message; the file
    /// was stored before it).
    pub async fn attach_stored(
        &self,
        id: i64,
        key: &str,
        mime: &str,
        name: &str,
        size: i64,
        token: &str,
    ) -> Result<(), sqlx::Error> {
        with_write!(self, p => sqlx::query(
            "UPDATE messages SET media_state = 'ready', media_key = $1, media_mime = $2, media_name = $3, \
               media_size = $4, media_due_at = NULL, media_token = $5 WHERE id = $6")
            .bind(key).bind(mime).bind(name).bind(size).bind(token).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
