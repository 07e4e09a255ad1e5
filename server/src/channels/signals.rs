//! Telling a customer's app what is not a message: WhatsApp's read mark (`status: read`, with a
//! typing indicator while an operator types) and Telegram's `sendChatAction`. The widget's typing
//! frames go through its sockets (`app::services::signals`).

use super::send::ChannelClients;
use app::domain::delivery::SendOutcome;
use app::dto::Channel;
use app::services::signals::{ChannelSignals, CustomerSignal, SignalTarget, Signaled};
use serde_json::json;

impl ChannelSignals for ChannelClients {
    fn signal<'a>(&'a self, to: &'a SignalTarget, what: &'a CustomerSignal) -> Signaled<'a> {
        Box::pin(async move {
            let outcome = match (to.channel, what) {
                (Channel::Telegram, CustomerSignal::Answered { callback_id }) => {
                    self.telegram_answer(callback_id).await
                }
                (_, CustomerSignal::Answered { .. }) => return false,
                (Channel::Whatsapp, _) => self.whatsapp_signal(to, what).await,
                (Channel::Telegram, CustomerSignal::Typing) => self.telegram_typing(to).await,
                _ => return false,
            };
            match outcome {
                Some(SendOutcome::Sent { .. }) => true,
                Some(other) => {
                    // The outcome's text is the platform's answer, never a token (see `post`).
                    tracing::debug!(channel = to.channel.as_str(), outcome = ?other, "a signal to the customer's app did not go through");
                    false
                }
                None => false,
            }
        })
    }
}

impl ChannelClients {
    /// Marks the customer's message read; while an operator types, with a typing indicator
    /// (WhatsApp shows it for up to 25 s or until the reply arrives).
    async fn whatsapp_signal(
        &self,
        to: &SignalTarget,
        what: &CustomerSignal,
    ) -> Option<SendOutcome> {
        let cfg = self.cfg.whatsapp.as_ref()?;
        let (account, message) = (to.account.as_ref()?, to.message.as_ref()?);
        let url = format!("{}/{account}/messages", cfg.api_base);
        let mut body =
            json!({ "messaging_product": "whatsapp", "status": "read", "message_id": message });
        if *what == CustomerSignal::Typing {
            body["typing_indicator"] = json!({ "type": "text" });
        }
        Some(self.post(&url, Some(&cfg.access_token), body).await.0)
    }

    /// Telegram: takes an inline button press (`answerCallbackQuery`), with a short thanks.
    async fn telegram_answer(&self, callback_id: &str) -> Option<SendOutcome> {
        let cfg = self.cfg.telegram.as_ref()?;
        let url = format!("{}/bot{}/answerCallbackQuery", cfg.api_base, cfg.bot_token);
        Some(
            self.post(
                &url,
                None,
                json!({ "callback_query_id": callback_id, "text": "👍" }),
            )
            .await
            .0,
        )
    }

    /// Telegram shows "typing…" for about 5 s.
    async fn telegram_typing(&self, to: &SignalTarget) -> Option<SendOutcome> {
        let cfg = self.cfg.telegram.as_ref()?;
        let url = format!("{}/bot{}/sendChatAction", cfg.api_base, cfg.bot_token);
        let chat_id = super::send::telegram_chat_id(&to.recipient);
        Some(
            self.post(
                &url,
                None,
                json!({ "chat_id": chat_id, "action": "typing" }),
            )
            .await
            .0,
        )
    }
}
