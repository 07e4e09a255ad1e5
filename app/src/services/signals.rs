//! What a customer's app is told besides messages: that an operator read their messages
//! (WhatsApp's blue ticks, sent when a chat is opened) and that an operator is typing (the
//! widget, Telegram, WhatsApp); and what operators are told: that a widget visitor is typing.
//! All of it is best effort: a signal that does not get through is not retried (the next one
//! comes soon), and only the read mark is remembered, so a chat opened again sends nothing new.

use super::AppState;
use crate::bus::cluster::Signal;
use crate::domain::problem::Problem;
use crate::dto::{Channel, LiveEventKind};
use crate::error::AppError;
use crate::storage::users::UserRow;
use std::future::Future;
use std::pin::Pin;

/// What to tell the customer's app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerSignal {
    /// Their messages were read (WhatsApp: up to `SignalTarget::message`).
    Read,
    /// An operator is typing.
    Typing,
    /// Telegram: the customer's press of an inline button (a survey answer) was taken
    /// (`answerCallbackQuery`, so the button stops spinning).
    Answered { callback_id: String },
}

/// The customer, as their channel knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalTarget {
    pub channel: Channel,
    /// The chat to tell: a WhatsApp number, a Telegram chat id.
    pub recipient: String,
    /// The business account that talks to them (WhatsApp's phone number id).
    pub account: Option<String>,
    /// The platform's id of their latest message (WhatsApp marks it, and those before, read).
    pub message: Option<String>,
}

pub type Signaled<'a> = Pin<Box<dyn Future<Output = bool> + Send + 'a>>;

/// Tells a customer's app (implemented by the server's channel clients); true when the platform
/// took it.
pub trait ChannelSignals: Send + Sync {
    fn signal<'a>(&'a self, to: &'a SignalTarget, what: &'a CustomerSignal) -> Signaled<'a>;
}

/// A widget visitor is typing: operators with the conversation open see it for a few seconds.
/// The widget socket passes on at most one such frame every few seconds.
pub async fn visitor_typing(state: &AppState, visitor: &str) -> Result<(), AppError> {
    if let Some(conversation_id) = state
        .store
        .conversation_of(Channel::Web.as_str(), visitor)
        .await?
    {
        state.bus.flash(LiveEventKind::Typing { conversation_id });
    }
    Ok(())
}

/// The widget frame that shows a visitor `author` typing.
pub fn typing_frame(author: &str) -> String {
    serde_json::json!({ "type": "typing", "author": author }).to_string()
}

/// `me` is typing in conversation `id`, which they hold: the customer sees it (the widget shows
/// their name; Telegram and WhatsApp show that the business is typing).
pub async fn operator_typing(state: &AppState, me: &UserRow, id: i64) -> Result<(), AppError> {
    let t = state
        .store
        .signal_target(id)
        .await?
        .ok_or(AppError::NotFound(Problem::ConversationMissing))?;
    if t.owner != "assigned" || t.assignee_id != Some(me.id) {
        return Err(AppError::Conflict(Problem::NotHolder));
    }
    let channel = Channel::parse(&t.channel).unwrap_or(Channel::Web);
    if channel == Channel::Web {
        let frame = typing_frame(&me.display_name);
        if state.widget_hub.push(&t.external_id, &frame) == 0 {
            state.cluster.send(Signal::WidgetFlash {
                visitor: t.external_id,
                frame,
            });
        }
        return Ok(());
    }
    let Some(signals) = state.channel_signals.clone() else {
        return Ok(());
    };
    let target = SignalTarget {
        channel,
        recipient: t.external_id,
        account: t.channel_account,
        message: t.last_platform_id,
    };
    // The reply box does not wait for the platform.
    tokio::spawn(async move {
        signals.signal(&target, &CustomerSignal::Typing).await;
    });
    Ok(())
}

/// Conversation `id` was opened: on WhatsApp, the customer's messages are marked read (once per
/// new message), in the background so the chat opens at once.
pub fn opened(state: &AppState, id: i64) {
    if state.channel_signals.is_none() {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = mark_read(&state, id).await {
            tracing::warn!(conversation_id = id, error = %e, "could not mark messages read");
        }
    });
}

/// Marks the customer's latest WhatsApp message (and those before it) read, unless that was done;
/// true when the platform was told.
pub async fn mark_read(state: &AppState, id: i64) -> Result<bool, AppError> {
    let Some(signals) = state.channel_signals.clone() else {
        return Ok(false);
    };
    let Some(t) = state.store.signal_target(id).await? else {
        return Ok(false);
    };
    let (Some(Channel::Whatsapp), Some(last), Some(wamid)) =
        (Channel::parse(&t.channel), t.last_id, t.last_platform_id)
    else {
        return Ok(false);
    };
    if t.read_through.is_some_and(|r| r >= last) {
        return Ok(false);
    }
    let target = SignalTarget {
        channel: Channel::Whatsapp,
        recipient: t.external_id,
        account: t.channel_account,
        message: Some(wamid),
    };
    if !signals.signal(&target, &CustomerSignal::Read).await {
        return Ok(false);
    }
    state.store.set_read_through(id, last).await?;
    Ok(true)
}
