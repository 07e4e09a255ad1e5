//! Files through the channels: fetching a customer's media (WhatsApp: the media id's URL, then
//! the file, both with the access token; Telegram: `getFile`, then the file under the bot's
//! token), transcribing voice notes (an OpenAI-compatible `/v1/audio/transcriptions`), and the
//! outbound halves (WhatsApp media upload then send; Telegram `sendPhoto` / `sendDocument`).
//!
//! No URL ever reaches an error text: Telegram's file URLs hold the bot token and WhatsApp's are
//! short-lived capabilities. Errors are built from [`describe`] and pass the [`Redactor`].

use crate::config::ChannelsConfig;
use crate::redact::{describe, Redactor};
use app::dto::Channel;
use app::services::media::{BoxFuture, Fetched, MediaFetcher, Transcriber};
use std::sync::Arc;
use std::time::Duration;

fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

/// Reads a response body, refusing one past `max` bytes (by its length header, or as it comes).
pub(crate) async fn body_within(mut res: reqwest::Response, max: u64) -> Result<Vec<u8>, String> {
    if res.content_length().is_some_and(|n| n > max) {
        return Err(format!(
            "the file is larger than the {} MB limit",
            app::domain::media::megabytes(max)
        ));
    }
    let mut out = Vec::new();
    while let Some(chunk) = res
        .chunk()
        .await
        .map_err(|e| format!("the download broke off: {}", describe(&e)))?
    {
        if (out.len() + chunk.len()) as u64 > max {
            return Err(format!(
                "the file is larger than the {} MB limit",
                app::domain::media::megabytes(max)
            ));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// A platform id is a path segment or a query value: only the characters the platforms use.
fn plain_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 512
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

pub struct HttpMediaFetcher {
    http: reqwest::Client,
    cfg: Arc<ChannelsConfig>,
    redactor: Redactor,
}

impl HttpMediaFetcher {
    pub fn new(cfg: Arc<ChannelsConfig>) -> Self {
        let secrets = cfg
            .whatsapp
            .iter()
            .flat_map(|w| [w.access_token.clone(), w.app_secret.clone()])
            .chain(cfg.telegram.iter().map(|t| t.bot_token.clone()));
        Self {
            http: client(Duration::from_secs(60)),
            redactor: Redactor::new(secrets.collect::<Vec<_>>()),
            cfg,
        }
    }

    async fn get(&self, url: &str, bearer: Option<&str>) -> Result<reqwest::Response, String> {
        let mut req = self.http.get(url);
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.map_err(|e| describe(&e))?;
        if !res.status().is_success() {
            return Err(format!("HTTP {}", res.status().as_u16()));
        }
        Ok(res)
    }

    async fn whatsapp(&self, media_id: &str, max: u64) -> Result<Fetched, String> {
        let cfg = self
            .cfg
            .whatsapp
            .as_ref()
            .ok_or("the WhatsApp channel is not configured")?;
        let meta: serde_json::Value = self
            .get(
                &format!("{}/{media_id}", cfg.api_base),
                Some(&cfg.access_token),
            )
            .await
            .map_err(|e| format!("WhatsApp media lookup: {e}"))?
            .json()
            .await
            .map_err(|e| format!("WhatsApp media lookup: {}", describe(&e)))?;
        let url = meta["url"]
            .as_str()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .ok_or("WhatsApp media lookup: no download URL in the answer")?;
        let res = self
            .get(url, Some(&cfg.access_token))
            .await
            .map_err(|e| format!("WhatsApp media download: {e}"))?;
        let header_mime = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = body_within(res, max).await?;
        Ok(Fetched {
            bytes,
            mime: meta["mime_type"]
                .as_str()
                .map(str::to_string)
                .or(header_mime),
            name: None,
        })
    }

    async fn telegram(&self, file_id: &str, max: u64) -> Result<Fetched, String> {
        let cfg = self
            .cfg
            .telegram
            .as_ref()
            .ok_or("the Telegram channel is not configured")?;
        let meta: serde_json::Value = self
            .get(
                &format!(
                    "{}/bot{}/getFile?file_id={file_id}",
                    cfg.api_base, cfg.bot_token
                ),
                None,
            )
            .await
            .map_err(|e| format!("Telegram getFile: {e}"))?
            .json()
            .await
            .map_err(|e| format!("Telegram getFile: {}", describe(&e)))?;
        let path = meta["result"]["file_path"]
            .as_str()
            .ok_or("Telegram getFile: no file_path in the answer")?;
        if path.contains("..") || path.starts_with('/') || path.contains(['?', '#', '\\']) {
            return Err("Telegram getFile: an unexpected file_path".into());
        }
        let res = self
            .get(
                &format!("{}/file/bot{}/{path}", cfg.api_base, cfg.bot_token),
                None,
            )
            .await
            .map_err(|e| format!("Telegram file download: {e}"))?;
        let mime = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            // Telegram answers octet-stream; the webhook's type (kept by the caller) wins then.
            .filter(|m| !m.starts_with("application/octet-stream"));
        let bytes = body_within(res, max).await?;
        Ok(Fetched {
            bytes,
            mime,
            name: path.rsplit('/').next().map(str::to_string),
        })
    }
}

impl MediaFetcher for HttpMediaFetcher {
    fn fetch<'a>(
        &'a self,
        channel: Channel,
        media_id: &'a str,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Fetched, String>> {
        Box::pin(async move {
            if !plain_id(media_id) {
                return Err("the platform's media id is malformed".into());
            }
            let r = match channel {
                Channel::Whatsapp => self.whatsapp(media_id, max_bytes).await,
                Channel::Telegram => self.telegram(media_id, max_bytes).await,
                other => Err(format!(
                    "{} media are uploaded, not fetched",
                    other.as_str()
                )),
            };
            r.map_err(|e| self.redactor.clean(&e))
        })
    }
}

/// `BATON_TRANSCRIBE_URL`: multipart `file` and `model`, optional bearer key; answers `{text}`.
pub struct HttpTranscriber {
    http: reqwest::Client,
    url: String,
    model: String,
    key: Option<String>,
}

impl HttpTranscriber {
    pub fn new(url: String, model: String, key: Option<String>) -> Self {
        Self {
            http: client(Duration::from_secs(120)),
            url,
            model,
            key,
        }
    }
}

impl Transcriber for HttpTranscriber {
    fn transcribe<'a>(
        &'a self,
        bytes: &'a [u8],
        mime: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<String, String>> {
        Box::pin(async move {
            let part = reqwest::multipart::Part::bytes(bytes.to_vec())
                .file_name(name.to_string())
                .mime_str(mime)
                .map_err(|e| format!("transcription: {}", describe(&e)))?;
            let form = reqwest::multipart::Form::new()
                .part("file", part)
                .text("model", self.model.clone());
            let mut req = self.http.post(&self.url).multipart(form);
            if let Some(k) = &self.key {
                req = req.bearer_auth(k);
            }
            // Not `{e}`: the URL may hold a credential.
            let res = req
                .send()
                .await
                .map_err(|e| format!("transcription: {}", describe(&e)))?;
            if !res.status().is_success() {
                return Err(format!("transcription: HTTP {}", res.status().as_u16()));
            }
            let json: serde_json::Value = res
                .json()
                .await
                .map_err(|e| format!("transcription: {}", describe(&e)))?;
            json["text"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| "transcription: no text in the answer".into())
        })
    }
}

/// The WhatsApp message content for an attachment: the file is uploaded first
/// (`POST {base}/{phone_number_id}/media`, multipart `file`, `type`, `messaging_product`), then
/// sent by the id WhatsApp gave it, with its caption (and a document's file name).
pub(crate) async fn whatsapp_content(
    http: &reqwest::Client,
    cfg: &crate::config::WhatsappConfig,
    account: &str,
    item: &app::storage::bot::OutboxItem,
    bytes: Vec<u8>,
) -> Result<serde_json::Value, app::domain::delivery::SendOutcome> {
    use app::domain::delivery::{classify_status, SendOutcome};
    let mime = item
        .media_mime
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into());
    let name = item.media_name.clone().unwrap_or_else(|| "file".into());
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.clone())
        .mime_str(&mime)
        .map_err(|_| SendOutcome::Permanent("the attachment's type is unusable".into()))?;
    let form = reqwest::multipart::Form::new()
        .text("messaging_product", "whatsapp")
        .text("type", mime.clone())
        .part("file", part);
    let res = http
        .post(format!("{}/{account}/media", cfg.api_base))
        .bearer_auth(&cfg.access_token)
        .multipart(form)
        .send()
        .await
        .map_err(|e| SendOutcome::Transient(format!("media upload: {}", describe(&e))))?;
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    let id = match classify_status(status, &text) {
        SendOutcome::Sent { .. } => serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|j| j["id"].as_str().map(str::to_string))
            .ok_or_else(|| SendOutcome::Transient("media upload: no id in the answer".into()))?,
        other => return Err(other),
    };
    let kind = if item.media_type.as_deref() == Some("image") {
        "image"
    } else {
        "document"
    };
    let mut media = serde_json::json!({ "id": id });
    if !item.body.trim().is_empty() {
        media["caption"] = item.body.clone().into();
    }
    if kind == "document" {
        media["filename"] = name.into();
    }
    Ok(serde_json::json!({ "type": kind, kind: media }))
}

/// Telegram `sendPhoto` / `sendDocument` (multipart: `chat_id`, the file, `caption`).
pub(crate) async fn telegram_send(
    http: &reqwest::Client,
    cfg: &crate::config::TelegramConfig,
    item: &app::storage::bot::OutboxItem,
    bytes: Vec<u8>,
) -> (app::domain::delivery::SendOutcome, serde_json::Value) {
    use app::domain::delivery::SendOutcome;
    let (method, field) = if item.media_type.as_deref() == Some("image") {
        ("sendPhoto", "photo")
    } else {
        ("sendDocument", "document")
    };
    let mime = item
        .media_mime
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into());
    let part = match reqwest::multipart::Part::bytes(bytes)
        .file_name(item.media_name.clone().unwrap_or_else(|| "file".into()))
        .mime_str(&mime)
    {
        Ok(p) => p,
        Err(_) => {
            return (
                SendOutcome::Permanent("the attachment's type is unusable".into()),
                serde_json::Value::Null,
            )
        }
    };
    let mut form = reqwest::multipart::Form::new()
        .text("chat_id", item.recipient.clone())
        .part(field, part);
    if !item.body.trim().is_empty() {
        form = form.text("caption", item.body.clone());
    }
    let sent = http
        .post(format!("{}/bot{}/{method}", cfg.api_base, cfg.bot_token))
        .multipart(form)
        .send()
        .await;
    super::send::outcome(sent).await
}

/// What the widget shows of an attachment: its kind, name, and the capability URL it fetches.
pub(crate) fn widget_media(item: &app::storage::bot::OutboxItem) -> Option<serde_json::Value> {
    let token = item.media_token.as_deref()?;
    Some(serde_json::json!({
        "kind": item.media_type.as_deref().unwrap_or("document"),
        "name": item.media_name,
        "url": format!("/widget/media/{token}"),
    }))
}
