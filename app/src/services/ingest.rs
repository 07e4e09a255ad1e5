//! Inbound customer messages: store durably, acknowledge, and wake the bot.
//! The bot decides later (see [`super::bot`]) from the stored row, so a crash after the
//! channel's webhook was answered loses nothing.

use super::{now_ms, AppState};
use crate::dto::{Channel, LiveEventKind, MessageDto, Sender};
use crate::error::AppError;
use crate::storage::bot::{IncomingRow, Ingested};

/// Media attached to a customer message (voice note, image, document, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// `voice`, `audio`, `image`, `document`, `video`, or the platform's own word for others.
    pub kind: String,
    /// The platform's media id (to fetch it later).
    pub id: Option<String>,
    pub mime_type: Option<String>,
    pub url: Option<String>,
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
}

/// Stores one customer message. `Ok(None)` means it was a redelivery and nothing happened.
pub async fn receive(state: &AppState, m: &IncomingMessage) -> Result<Option<Ingested>, AppError> {
    let now = now_ms();
    let stored = state
        .store
        .ingest_customer_message(&IncomingRow {
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
        })
        .await?;
    if let Some(ingested) = stored {
        state.bot_wakeup.notify_one();
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
                created_at: now,
            },
        });
    }
    Ok(stored)
}
