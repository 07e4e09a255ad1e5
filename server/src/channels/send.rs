//! Sending replies back through each channel: WhatsApp's `/messages`, Telegram's `sendMessage`,
//! and the widget's sockets. Every HTTP call has a timeout; the outcome is classified for the
//! retry policy in `app::domain::delivery`.

use crate::config::ChannelsConfig;
use crate::redact::{describe, Redactor};
use app::bus::cluster::Cluster;
use app::domain::csat::SurveyAsk;
use app::domain::delivery::{classify_status, with_whatsapp_code, SendOutcome};
use app::domain::templates::TemplateCall;
use app::services::delivery::{ChannelSender, SendFuture};
use app::services::widget::WidgetHub;
use app::storage::bot::OutboxItem;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

pub struct ChannelClients {
    http: reqwest::Client,
    pub(super) cfg: Arc<ChannelsConfig>,
    hub: Arc<WidgetHub>,
    /// The other instances, where a visitor's tab may be open instead.
    cluster: Arc<dyn Cluster>,
    /// The channels' tokens, kept out of every outcome (and so out of logs and the database).
    redactor: Redactor,
    /// Where attachments' files are read from (see [`Self::with_media`]).
    media: Option<Arc<dyn app::services::media::MediaStore>>,
}

impl ChannelClients {
    pub fn new(cfg: Arc<ChannelsConfig>, hub: Arc<WidgetHub>, cluster: Arc<dyn Cluster>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        let wa = cfg.whatsapp.iter().flat_map(|w| {
            [
                w.access_token.clone(),
                w.app_secret.clone(),
                w.verify_token.clone(),
            ]
        });
        let tg = cfg
            .telegram
            .iter()
            .flat_map(|t| [t.bot_token.clone(), t.secret_token.clone()]);
        let redactor = Redactor::new(wa.chain(tg).collect::<Vec<_>>());
        Self {
            http,
            cfg,
            hub,
            cluster,
            redactor,
            media: None,
        }
    }

    /// Sends attachments' files from `store`.
    pub fn with_media(mut self, store: Arc<dyn app::services::media::MediaStore>) -> Self {
        self.media = Some(store);
        self
    }

    /// An attachment's bytes; `Ok(None)` for a message without one.
    async fn attachment(&self, item: &OutboxItem) -> Result<Option<Vec<u8>>, SendOutcome> {
        let (Some(key), Some(store)) = (item.media_key.as_deref(), &self.media) else {
            return Ok(None);
        };
        store.get(key).await.map(Some).map_err(|e| {
            SendOutcome::Permanent(format!(
                "the attachment's file cannot be read: {}",
                e.kind()
            ))
        })
    }

    /// The outcome with every configured secret removed from its text.
    fn clean(&self, outcome: SendOutcome) -> SendOutcome {
        match outcome {
            SendOutcome::Transient(t) => SendOutcome::Transient(self.redactor.clean(&t)),
            SendOutcome::Permanent(t) => SendOutcome::Permanent(self.redactor.clean(&t)),
            SendOutcome::Refused { kind, detail } => SendOutcome::Refused {
                kind,
                detail: self.redactor.clean(&detail),
            },
            sent => sent,
        }
    }

    pub(super) async fn post(
        &self,
        url: &str,
        bearer: Option<&str>,
        body: serde_json::Value,
    ) -> (SendOutcome, serde_json::Value) {
        let mut req = self.http.post(url).json(&body);
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        outcome(req.send().await).await
    }

    async fn whatsapp(&self, item: &OutboxItem) -> SendOutcome {
        let Some(cfg) = &self.cfg.whatsapp else {
            return SendOutcome::Permanent("the WhatsApp channel is not configured".into());
        };
        let Some(account) = &item.account else {
            return SendOutcome::Permanent(
                "no WhatsApp phone number id is known for this conversation".into(),
            );
        };
        let url = format!("{}/{account}/messages", cfg.api_base);
        let mut body = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": item.recipient,
        });
        let file = match self.attachment(item).await {
            Ok(f) => f,
            Err(o) => return o,
        };
        let survey = item.survey.as_deref().and_then(SurveyAsk::from_json);
        let content = match (file, item.template.as_deref()) {
            (None, None) if survey.is_some() => {
                whatsapp_survey(&item.body, survey.as_ref().expect("checked"))
            }
            (Some(bytes), _) => {
                match super::media::whatsapp_content(&self.http, cfg, account, item, bytes).await {
                    Ok(c) => c,
                    Err(o) => return o,
                }
            }
            (None, None) => json!({ "type": "text", "text": { "body": item.body } }),
            (None, Some(t)) => match serde_json::from_str::<TemplateCall>(t).ok() {
                Some(call) => whatsapp_template(&call),
                None => return SendOutcome::Permanent("the stored template is unreadable".into()),
            },
        };
        if let (Some(body), serde_json::Value::Object(content)) = (body.as_object_mut(), content) {
            body.extend(content);
        }
        match self.post(&url, Some(&cfg.access_token), body).await {
            (SendOutcome::Sent { .. }, json) => SendOutcome::Sent {
                platform_id: json["messages"][0]["id"].as_str().map(str::to_string),
            },
            // Errors operators are told about in words (131047: the window closed, ...).
            (other, json) => with_whatsapp_code(other, json["error"]["code"].as_i64()),
        }
    }

    async fn telegram(&self, item: &OutboxItem) -> SendOutcome {
        let Some(cfg) = &self.cfg.telegram else {
            return SendOutcome::Permanent("the Telegram channel is not configured".into());
        };
        let url = format!("{}/bot{}/sendMessage", cfg.api_base, cfg.bot_token);
        let chat_id = telegram_chat_id(&item.recipient);
        let sent = match self.attachment(item).await {
            Ok(Some(bytes)) => super::media::telegram_send(&self.http, cfg, item, bytes).await,
            Ok(None) => {
                let mut body = json!({ "chat_id": chat_id, "text": item.body });
                if let Some(survey) = item.survey.as_deref().and_then(SurveyAsk::from_json) {
                    body["reply_markup"] = telegram_keyboard(&survey);
                }
                self.post(&url, None, body).await
            }
            Err(o) => return o,
        };
        match sent {
            // Keyed like inbound messages (per bot and chat), so ids never collide.
            (SendOutcome::Sent { .. }, json) => SendOutcome::Sent {
                platform_id: json["result"]["message_id"]
                    .as_i64()
                    .map(|id| super::telegram::message_key(&cfg.bot_id, &item.recipient, id)),
            },
            (other, _) => other,
        }
    }

    async fn widget(&self, item: &OutboxItem) -> SendOutcome {
        let msg = crate::routes::widget::widget_message(
            item.message_id,
            &item.sender,
            &item.body,
            item.author_name.as_deref(),
            None,
        );
        let mut msg = msg;
        if let Some(media) = super::media::widget_media(item) {
            msg["media"] = media;
        }
        if let Some(survey) = item.survey.as_deref().and_then(SurveyAsk::from_json) {
            msg["survey"] = widget_survey(&survey);
        }
        let frame = json!({ "type": "message", "message": msg }).to_string();
        // A tab here, else one on another instance; with none anywhere it waits for the visitor
        // to come back (see `delivery::recipient_returned`).
        if self.hub.push(&item.recipient, &frame) > 0
            || self.cluster.widget_push(&item.recipient, &frame).await
        {
            SendOutcome::Sent { platform_id: None }
        } else {
            SendOutcome::Away
        }
    }
}

/// A platform's answer to a send, classified for the retry policy, with its JSON body.
pub(super) async fn outcome(
    sent: Result<reqwest::Response, reqwest::Error>,
) -> (SendOutcome, serde_json::Value) {
    match sent {
        Ok(res) => {
            let status = res.status().as_u16();
            let text = res.text().await.unwrap_or_default();
            let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
            (classify_status(status, &text), json)
        }
        // Never `{e}`: reqwest's message names the URL, and Telegram's holds the token.
        Err(e) => (
            SendOutcome::Transient(format!("network error: {}", describe(&e))),
            serde_json::Value::Null,
        ),
    }
}

/// A Telegram chat id as the Bot API takes it: a number, or a channel's `@name`.
pub(super) fn telegram_chat_id(recipient: &str) -> serde_json::Value {
    recipient
        .parse::<i64>()
        .map(Into::into)
        .unwrap_or_else(|_| recipient.into())
}

/// A survey question on WhatsApp: reply buttons for thumbs (up to 3 allowed), a list of five
/// rows for 1 to 5. Each choice's id is `csat:<survey>:<score>`.
pub(crate) fn whatsapp_survey(text: &str, survey: &SurveyAsk) -> serde_json::Value {
    let choices = survey.buttons();
    let action = if choices.len() <= 3 {
        let buttons: Vec<_> = choices
            .iter()
            .map(|(id, title)| json!({ "type": "reply", "reply": { "id": id, "title": title } }))
            .collect();
        json!({ "type": "button", "action": { "buttons": buttons } })
    } else {
        let rows: Vec<_> = choices
            .iter()
            .map(|(id, title)| json!({ "id": id, "title": title }))
            .collect();
        json!({ "type": "list", "action": {
            "button": survey.list_label(),
            "sections": [{ "title": survey.list_label(), "rows": rows }],
        } })
    };
    let mut interactive = action;
    interactive["body"] = json!({ "text": text });
    json!({ "type": "interactive", "interactive": interactive })
}

/// A survey question's inline keyboard on Telegram: one row of buttons whose `callback_data`
/// is `csat:<survey>:<score>`.
pub(crate) fn telegram_keyboard(survey: &SurveyAsk) -> serde_json::Value {
    let row: Vec<_> = survey
        .buttons()
        .into_iter()
        .map(|(id, title)| json!({ "text": title, "callback_data": id }))
        .collect();
    json!({ "inline_keyboard": [row] })
}

/// A survey question in a widget `message` frame: `{id, scale, choices: [{score, title}]}`.
fn widget_survey(survey: &SurveyAsk) -> serde_json::Value {
    let choices: Vec<_> = survey
        .scale
        .choices(survey.spanish)
        .into_iter()
        .map(|(score, title)| json!({ "score": score, "title": title }))
        .collect();
    json!({ "id": survey.id, "scale": survey.scale.as_str(), "choices": choices })
}

/// A WhatsApp template message's `type` and `template` (the body's parameters in order; no
/// components for a template without parameters).
fn whatsapp_template(call: &TemplateCall) -> serde_json::Value {
    let mut template = json!({ "name": call.name, "language": { "code": call.language } });
    if !call.params.is_empty() {
        let parameters: Vec<_> = call
            .params
            .iter()
            .map(|p| json!({ "type": "text", "text": p }))
            .collect();
        template["components"] = json!([{ "type": "body", "parameters": parameters }]);
    }
    json!({ "type": "template", "template": template })
}

impl ChannelSender for ChannelClients {
    fn send<'a>(&'a self, item: &'a OutboxItem) -> SendFuture<'a> {
        Box::pin(async move {
            let outcome = match item.channel.as_str() {
                "whatsapp" => self.whatsapp(item).await,
                "telegram" => self.telegram(item).await,
                "web" => self.widget(item).await,
                other => SendOutcome::Permanent(format!("unknown channel {other}")),
            };
            self.clean(outcome)
        })
    }
}

/// The optional external bot: POST the message with recent history, 5 seconds to answer.
pub struct HttpExternalBot {
    http: reqwest::Client,
    url: String,
}

impl HttpExternalBot {
    pub fn new(url: String) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Self { http, url }
    }
}

impl app::services::bot::ExternalBot for HttpExternalBot {
    fn ask<'a>(
        &'a self,
        req: &'a app::services::bot::ExternalRequest,
    ) -> app::services::bot::ExternalFuture<'a> {
        Box::pin(async move {
            let res = self
                .http
                .post(&self.url)
                .json(req)
                .send()
                .await
                .map_err(|e| {
                    if e.is_timeout() {
                        "the external bot did not answer within 5 s".to_string()
                    } else {
                        // Not `{e}`: the bot's URL may hold a credential.
                        format!("the external bot is unreachable ({})", describe(&e))
                    }
                })?;
            if !res.status().is_success() {
                return Err(format!(
                    "the external bot answered HTTP {}",
                    res.status().as_u16()
                ));
            }
            res.json().await.map_err(|e| {
                format!(
                    "the external bot's answer is not valid JSON ({})",
                    describe(&e)
                )
            })
        })
    }
}
