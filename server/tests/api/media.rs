//! Media end to end against local stand-ins of WhatsApp's Graph API, Telegram's Bot API and an
//! OpenAI-compatible transcription endpoint: inbound files fetched (after the webhook answered),
//! stored and served only to signed-in people; failed downloads retried then shown failed; voice
//! notes transcribed and read by the bot (or handed to a person); attachments out through
//! WhatsApp (upload then send), Telegram (sendPhoto/sendDocument) and the widget; and the
//! visitor's upload limits.

use crate::common::{self, Db, TestApp};
use crate::mock::eventually;
use crate::widget::{next_json, say, visit};
use app::domain::users::Role;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// A tiny valid PNG (1x1) and a JPEG-looking file.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];
const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0fake-jpeg-bytes";
const OGG: &[u8] = b"OggS\0fake-voice-note";
const PDF: &[u8] = b"%PDF-1.4 fake invoice";

#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub query: String,
    pub authorization: Option<String>,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Req {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

#[derive(Clone)]
struct Mock {
    addr: Arc<Mutex<String>>,
    seen: Arc<Mutex<Vec<Req>>>,
    transcript: Arc<Mutex<String>>,
}

/// The platforms' stand-in: `/wa/...` Graph API, `/tg/...` Bot API, `/v1/...` transcription.
pub struct Platforms {
    pub addr: SocketAddr,
    mock: Mock,
}

async fn handle(
    State(m): State<Mock>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let req = Req {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or_default().to_string(),
        authorization: auth.clone(),
        content_type: headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        body: body.to_vec(),
    };
    m.seen.lock().unwrap().push(req.clone());
    let base = m.addr.lock().unwrap().clone();
    let wa_auth = auth.as_deref() == Some("Bearer wa-token");
    let path = req.path.as_str();
    let file = |bytes: &'static [u8], mime: &'static str| {
        ([("content-type", mime)], bytes).into_response()
    };
    match (req.method.as_str(), path) {
        ("GET", "/wa/broken") => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        ("GET", p) if p.starts_with("/wa/files/") => match (wa_auth, &p[10..]) {
            (false, _) => StatusCode::UNAUTHORIZED.into_response(),
            (true, "IMG1") => file(JPEG, "image/jpeg"),
            (true, "VOICE1") => file(OGG, "audio/ogg"),
            _ => StatusCode::NOT_FOUND.into_response(),
        },
        ("GET", p) if p.starts_with("/wa/") && !wa_auth => StatusCode::UNAUTHORIZED.into_response(),
        ("GET", p) if p.starts_with("/wa/") => {
            let id = &p[4..];
            let mime = if id.starts_with("VOICE") { "audio/ogg; codecs=opus" } else { "image/jpeg" };
            axum::Json(json!({"url": format!("{base}/wa/files/{id}"), "mime_type": mime, "id": id}))
                .into_response()
        }
        ("POST", p) if p.ends_with("/media") && p.starts_with("/wa/") => {
            axum::Json(json!({"id": "UPLOADED1"})).into_response()
        }
        ("POST", p) if p.ends_with("/messages") && p.starts_with("/wa/") => {
            axum::Json(json!({"messaging_product": "whatsapp", "messages": [{"id": format!("wamid.OUT{}", m.seen.lock().unwrap().len())}]}))
                .into_response()
        }
        ("GET", "/tg/bot123:tg-token/getFile") => {
            let path = if req.query.contains("DOC7") { "documents/file_7.pdf" } else { "voice/file_1.oga" };
            axum::Json(json!({"ok": true, "result": {"file_id": "x", "file_path": path}})).into_response()
        }
        ("GET", "/tg/file/bot123:tg-token/documents/file_7.pdf") => file(PDF, "application/octet-stream"),
        ("POST", p) if p.starts_with("/tg/bot123:tg-token/") => {
            let n = m.seen.lock().unwrap().len();
            axum::Json(json!({"ok": true, "result": {"message_id": n}})).into_response()
        }
        ("POST", "/v1/audio/transcriptions") => {
            axum::Json(json!({"text": m.transcript.lock().unwrap().clone()})).into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

impl Platforms {
    pub async fn start() -> Self {
        let mock = Mock {
            addr: Arc::default(),
            seen: Arc::default(),
            transcript: Arc::new(Mutex::new("quiero hablar con un operador".into())),
        };
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(mock.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        *mock.addr.lock().unwrap() = format!("http://{addr}");
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, mock }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Req> {
        self.mock.seen.lock().unwrap().clone()
    }

    pub fn set_transcript(&self, text: &str) {
        *self.mock.transcript.lock().unwrap() = text.into();
    }

    /// The requests to `path`.
    pub fn to(&self, path: &str) -> Vec<Req> {
        self.seen().into_iter().filter(|r| r.path == path).collect()
    }

    /// The environment that points Baton's channels (and transcription, if `transcribe`) here.
    pub fn env(&self, dir: &str, transcribe: bool) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("BATON_WHATSAPP_VERIFY_TOKEN", "verify-me".to_string()),
            ("BATON_WHATSAPP_APP_SECRET", "wa-app-secret".into()),
            ("BATON_WHATSAPP_ACCESS_TOKEN", "wa-token".into()),
            ("BATON_WHATSAPP_API_BASE", format!("{}/wa", self.url())),
            ("BATON_TELEGRAM_BOT_TOKEN", "123:tg-token".into()),
            ("BATON_TELEGRAM_SECRET_TOKEN", "tg_secret-1".into()),
            ("BATON_TELEGRAM_API_BASE", format!("{}/tg", self.url())),
            ("BATON_MEDIA_DIR", dir.to_string()),
            ("BATON_MEDIA_RETRY_MS", "50".into()),
            ("BATON_WIDGET_MAX_UPLOAD_MB", "1".into()),
            ("BATON_WIDGET_UPLOADS_PER_HOUR", "3".into()),
        ];
        if transcribe {
            env.push((
                "BATON_TRANSCRIBE_URL",
                format!("{}/v1/audio/transcriptions", self.url()),
            ));
            env.push(("BATON_TRANSCRIBE_KEY", "sk-transcribe".into()));
        }
        env
    }
}

pub struct M {
    pub app: TestApp,
    pub api: Platforms,
    pub dir: std::path::PathBuf,
}

impl Drop for M {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn spawn(db: Db, transcribe: bool) -> Option<M> {
    let api = Platforms::start().await;
    let dir = std::env::temp_dir().join(format!("baton-media-{}", rand::random::<u64>()));
    let env = api.env(dir.to_str().unwrap(), transcribe);
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = common::spawn_with(db, &pairs).await?;
    Some(M { app, api, dir })
}

async fn media_app(db: Db) -> Option<M> {
    spawn(db, false).await
}

async fn transcribing_app(db: Db) -> Option<M> {
    spawn(db, true).await
}

/// A WhatsApp webhook with one media message of `kind` (`{kind: {...}}` as WhatsApp sends it).
pub fn wa_media(from: &str, id: &str, kind: &str, media: Value) -> String {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": from}],
        "messages": [{"from": from, "id": id, "timestamp": (app::services::now_ms() / 1000).to_string(), "type": kind, kind: media}]
    }}]}]})
    .to_string()
}

impl M {
    pub async fn post_wa(&self, body: &str) -> reqwest::Response {
        crate::channels::post_whatsapp(&self.app, body).await
    }

    async fn post_tg(&self, body: Value) -> reqwest::Response {
        crate::channels::post_telegram(&self.app, &body.to_string()).await
    }

    async fn count(&self, sql: &str) -> i64 {
        self.app.scalar(sql).await
    }

    async fn last_message(&self) -> i64 {
        self.count("SELECT MAX(id) FROM messages WHERE sender = 'customer'")
            .await
    }

    async fn wait_media(&self, id: i64, state: &str) {
        let sql =
            format!("SELECT COUNT(*) FROM messages WHERE id = {id} AND media_state = '{state}'");
        eventually(&format!("media {state}"), || async {
            self.count(&sql).await == 1
        })
        .await;
    }

    async fn upload(
        &self,
        c: &reqwest::Client,
        id: i64,
        text: &str,
        name: &str,
        mime: &str,
        bytes: &[u8],
    ) -> reqwest::Response {
        let part = reqwest::multipart::Part::bytes(bytes.to_vec())
            .file_name(name.to_string())
            .mime_str(mime)
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("id", id.to_string())
            .text("text", text.to_string())
            .part("file", part);
        c.post(self.app.url("/api/media/upload"))
            .header("origin", format!("http://{}", self.app.addr))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }
}

/// What a refusal of a plain HTTP endpoint says (`{error, detail}`).
async fn said(r: reqwest::Response) -> String {
    let v: Value = r.json().await.unwrap();
    v["error"].as_str().unwrap_or_default().to_string()
}

/// A visitor's upload to `/widget/upload`.
async fn visitor_upload(
    app: &TestApp,
    token: &str,
    name: &str,
    mime: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str(mime)
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("token", token.to_string())
        .part("file", part);
    reqwest::Client::new()
        .post(app.url("/widget/upload"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

both_databases_with! { media_app;
    async fn a_whatsapp_image_is_fetched_after_the_ack_stored_and_served_only_to_signed_in_people(m) {
        let r = m.post_wa(&wa_media("15550001", "wamid.img1", "image",
            json!({"id": "IMG1", "mime_type": "image/jpeg", "caption": "this one"}))).await;
        assert_eq!(r.status(), StatusCode::OK);
        let id = m.last_message().await;
        m.wait_media(id, "ready").await;
        // Both steps carried the access token: the lookup, then the file at the URL it gave.
        let lookup = m.api.to("/wa/IMG1");
        assert_eq!(lookup[0].authorization.as_deref(), Some("Bearer wa-token"));
        assert_eq!(m.api.to("/wa/files/IMG1")[0].authorization.as_deref(), Some("Bearer wa-token"));

        let url = m.app.url(&format!("/media/{id}"));
        let anonymous = reqwest::get(&url).await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        let (c, _) = m.app.signed_in("ana@x.io", Role::Operator).await;
        let r = c.get(&url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "image/jpeg");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("inline"));
        assert_eq!(r.headers()["accept-ranges"], "bytes");
        assert_eq!(r.bytes().await.unwrap().as_ref(), JPEG);
        // Byte ranges, as Safari's players ask for them.
        let len = JPEG.len();
        let r = c.get(&url).header("range", "bytes=2-5").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(r.headers()["content-range"].to_str().unwrap(), format!("bytes 2-5/{len}"));
        assert_eq!(r.bytes().await.unwrap().as_ref(), &JPEG[2..=5]);
        let r = c.get(&url).header("range", "bytes=-3").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(r.bytes().await.unwrap().as_ref(), &JPEG[len - 3..]);
        let r = c.get(&url).header("range", format!("bytes={len}-")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(r.headers()["content-range"].to_str().unwrap(), format!("bytes */{len}"));
        let dto = m.app.state.store.message(id).await.unwrap().unwrap();
        assert_eq!(dto.body, "this one");
        let media = dto.media.unwrap();
        assert_eq!(media.url.as_deref(), Some(format!("/media/{id}").as_str()));
        assert_eq!(media.kind, app::domain::media::MediaKind::Image);
    }

    async fn a_telegram_document_is_fetched_by_getfile_and_no_token_is_stored(m) {
        let r = m.post_tg(json!({"update_id": 1, "message": {"message_id": 9, "date": 1,
            "chat": {"id": 4242, "first_name": "Li"}, "from": {"id": 4242, "first_name": "Li"},
            "caption": "mi factura",
            "document": {"file_id": "DOC7", "file_name": "factura marzo.pdf", "mime_type": "application/pdf"}}})).await;
        assert_eq!(r.status(), StatusCode::OK);
        let id = m.last_message().await;
        m.wait_media(id, "ready").await;
        assert_eq!(m.api.to("/tg/bot123:tg-token/getFile")[0].query, "file_id=DOC7");
        let (c, _) = m.app.signed_in("ana@x.io", Role::Operator).await;
        let r = c.get(m.app.url(&format!("/media/{id}"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let disposition = r.headers()["content-disposition"].to_str().unwrap().to_string();
        assert!(disposition.starts_with("attachment; filename=\"factura marzo.pdf\""), "{disposition}");
        assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
        let leaked = m.count("SELECT COUNT(*) FROM messages WHERE media_error LIKE '%tg-token%' \
            OR media_key LIKE '%tg-token%' OR media_name LIKE '%tg-token%' OR media_id LIKE '%tg-token%'").await;
        assert_eq!(leaked, 0);
    }

    async fn a_failed_download_is_retried_then_shown_failed(m) {
        m.post_wa(&wa_media("15550002", "wamid.broken", "image", json!({"id": "broken", "mime_type": "image/jpeg"}))).await;
        let id = m.last_message().await;
        m.wait_media(id, "failed").await;
        assert_eq!(m.api.to("/wa/broken").len(), 4, "four attempts, then it gave up");
        let media = m.app.state.store.message(id).await.unwrap().unwrap().media.unwrap();
        assert_eq!(media.state, app::domain::media::MediaState::Failed);
        assert_eq!(media.attempts, 4);
        assert_eq!(media.url, None);
        let (c, _) = m.app.signed_in("ana@x.io", Role::Operator).await;
        let r = c.get(m.app.url(&format!("/media/{id}"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        // `Retry` asks again.
        let r = m.app.call(&c, "media/retry", &[("message_id", &id.to_string())]).await;
        assert_eq!(r.status(), StatusCode::OK);
        m.wait_media(id, "failed").await;
        eventually("a fifth attempt", || async { m.api.to("/wa/broken").len() >= 5 }).await;
    }

    async fn a_voice_note_without_transcription_goes_to_an_operator(m) {
        m.post_wa(&wa_media("15550003", "wamid.v1", "audio", json!({"id": "VOICE1", "mime_type": "audio/ogg; codecs=opus", "voice": true}))).await;
        eventually("escalated", || async {
            m.count("SELECT COUNT(*) FROM conversations WHERE owner = 'waiting' AND escalation_reason = 'voice_note'").await == 1
        }).await;
        let id = m.last_message().await;
        m.wait_media(id, "ready").await;
        assert_eq!(m.count(&format!("SELECT COUNT(*) FROM messages WHERE id = {id} AND transcript_state = 'off'")).await, 1);
        assert!(m.api.to("/v1/audio/transcriptions").is_empty());
    }

    async fn an_operator_sends_an_image_and_a_document_through_whatsapp(m) {
        m.post_wa(&crate::channels::wa_text("15550004", "wamid.t1", "hola")).await;
        eventually("the bot answered", || async { !m.api.to("/wa/106540352242922/messages").is_empty() }).await;
        let conv = m.count("SELECT MAX(id) FROM conversations").await;
        let (c, ana) = m.app.signed_in("ana@x.io", Role::Operator).await;
        common::assign(&m.app.state, conv, ana).await;
        let r = m.upload(&c, conv, "la foto", "foto.png", "image/png", PNG).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        eventually("sent", || async { m.api.to("/wa/106540352242922/messages").len() >= 2 }).await;
        let upload = &m.api.to("/wa/106540352242922/media")[0];
        assert_eq!(upload.authorization.as_deref(), Some("Bearer wa-token"));
        assert!(upload.content_type.starts_with("multipart/form-data"));
        let text = upload.text();
        assert!(text.contains("name=\"messaging_product\"") && text.contains("whatsapp"));
        assert!(text.contains("name=\"type\"") && text.contains("image/png"));
        assert!(upload.body.windows(PNG.len()).any(|w| w == PNG), "the file's bytes were uploaded");
        let sent = m.api.to("/wa/106540352242922/messages").last().unwrap().json();
        assert_eq!(sent["type"], "image");
        assert_eq!(sent["image"], json!({"id": "UPLOADED1", "caption": "la foto"}));
        assert_eq!(sent["to"], "15550004");

        let r = m.upload(&c, conv, "", "Factura 3.pdf", "application/pdf", PDF).await;
        assert_eq!(r.status(), StatusCode::OK);
        eventually("sent", || async { m.api.to("/wa/106540352242922/messages").len() >= 3 }).await;
        let sent = m.api.to("/wa/106540352242922/messages").last().unwrap().json();
        assert_eq!(sent["type"], "document");
        assert_eq!(sent["document"], json!({"id": "UPLOADED1", "filename": "Factura 3.pdf"}));
        // Not an image or a document: refused.
        let r = m.upload(&c, conv, "", "x.html", "text/html", b"<script>").await;
        assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        // A private note never carries a file, and someone not holding the chat cannot send one.
        let (other, _) = m.app.signed_in("ben@x.io", Role::Operator).await;
        let r = m.upload(&other, conv, "", "foto.png", "image/png", PNG).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert_eq!(m.count("SELECT COUNT(*) FROM messages WHERE note = TRUE AND media_state IS NOT NULL").await, 0);
    }

    async fn a_whatsapp_attachment_past_the_24_hour_window_is_refused(m) {
        let old = app::services::now_ms() / 1000 - 25 * 3600;
        m.post_wa(&crate::channels::wa_text_at("15550005", "wamid.old", "hola", old)).await;
        eventually("stored", || async { m.count("SELECT COUNT(*) FROM conversations").await == 1 }).await;
        let conv = m.count("SELECT MAX(id) FROM conversations").await;
        let (c, ana) = m.app.signed_in("ana@x.io", Role::Operator).await;
        common::assign(&m.app.state, conv, ana).await;
        let r = m.upload(&c, conv, "", "foto.png", "image/png", PNG).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert!(said(r).await.contains("24-hour"));
        assert!(m.api.to("/wa/106540352242922/media").is_empty());
    }

    async fn an_operator_sends_a_photo_and_a_document_through_telegram(m) {
        m.post_tg(json!({"update_id": 1, "message": {"message_id": 3, "date": 1,
            "chat": {"id": 4243, "first_name": "Li"}, "text": "hola"}})).await;
        eventually("stored", || async { m.count("SELECT COUNT(*) FROM conversations").await == 1 }).await;
        let conv = m.count("SELECT MAX(id) FROM conversations").await;
        let (c, ana) = m.app.signed_in("ana@x.io", Role::Operator).await;
        common::assign(&m.app.state, conv, ana).await;
        assert_eq!(m.upload(&c, conv, "mira", "foto.png", "image/png", PNG).await.status(), StatusCode::OK);
        assert_eq!(m.upload(&c, conv, "", "doc.pdf", "application/pdf", PDF).await.status(), StatusCode::OK);
        eventually("both sent", || async {
            !m.api.to("/tg/bot123:tg-token/sendPhoto").is_empty() && !m.api.to("/tg/bot123:tg-token/sendDocument").is_empty()
        }).await;
        let photo = &m.api.to("/tg/bot123:tg-token/sendPhoto")[0];
        assert!(photo.content_type.starts_with("multipart/form-data"));
        let text = photo.text();
        assert!(text.contains("name=\"chat_id\"") && text.contains("4243"));
        assert!(text.contains("name=\"caption\"") && text.contains("mira"));
        assert!(text.contains("name=\"photo\"; filename=\"foto.png\""));
        assert!(photo.body.windows(PNG.len()).any(|w| w == PNG));
        let doc = m.api.to("/tg/bot123:tg-token/sendDocument")[0].text();
        assert!(doc.contains("name=\"document\"; filename=\"doc.pdf\"") && doc.contains("%PDF-1.4"));
        eventually("sent", || async {
            m.count("SELECT COUNT(*) FROM messages WHERE sender = 'operator' AND delivery_status = 'sent'").await == 2
        }).await;
    }

    async fn the_widget_visitor_sees_an_operators_image_and_uploads_within_limits(m) {
        let (mut ws, token, _) = visit(&m.app, None).await;
        say(&mut ws, "hola", "c1").await;
        eventually("stored", || async { m.count("SELECT COUNT(*) FROM conversations").await == 1 }).await;
        let conv = m.count("SELECT MAX(id) FROM conversations").await;
        let (c, ana) = m.app.signed_in("ana@x.io", Role::Operator).await;
        common::assign(&m.app.state, conv, ana).await;
        let r = m.upload(&c, conv, "aquí está", "foto.png", "image/png", PNG).await;
        assert_eq!(r.status(), StatusCode::OK);
        let url = loop {
            let f = next_json(&mut ws).await;
            if f["type"] == "message" && !f["message"]["media"].is_null() {
                assert_eq!(f["message"]["text"], "aquí está");
                assert_eq!(f["message"]["media"]["kind"], "image");
                break f["message"]["media"]["url"].as_str().unwrap().to_string();
            }
        };
        assert!(url.starts_with("/widget/media/"));
        let r = reqwest::get(m.app.url(&url)).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "image/png");
        assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
        assert_eq!(reqwest::get(m.app.url(&format!("/widget/media/{}", "0".repeat(64)))).await.unwrap().status(), StatusCode::NOT_FOUND);
        // The history on a later visit shows it too.
        let (_ws2, _, history) = visit(&m.app, Some(&token)).await;
        assert!(history.iter().any(|h| h["media"]["url"] == url.as_str()));

        // The visitor's own image: stored, shown to operators, and limited.
        let r = visitor_upload(&m.app, &token, "mine.png", "image/png", PNG.to_vec()).await;
        assert_eq!(r.status(), StatusCode::OK);
        let up: Value = r.json().await.unwrap();
        let id = up["id"].as_i64().unwrap();
        m.wait_media(id, "ready").await;
        let served = c.get(m.app.url(&format!("/media/{id}"))).send().await.unwrap();
        assert_eq!(served.bytes().await.unwrap().as_ref(), PNG);
        let big = visitor_upload(&m.app, &token, "big.png", "image/png", [PNG, &vec![0u8; 1024 * 1024 + 10]].concat()).await;
        assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(said(big).await, "The file is too large: the limit is 1 MB.");
        let wrong = visitor_upload(&m.app, &token, "page.html", "text/html", b"<html>".to_vec()).await;
        assert_eq!(wrong.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let disguised = visitor_upload(&m.app, &token, "x.png", "image/png", b"<html>".to_vec()).await;
        assert_eq!(disguised.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "the bytes must be the image type");
        let stranger = visitor_upload(&m.app, &"a".repeat(64), "x.png", "image/png", PNG.to_vec()).await;
        assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);
        // Three an hour (as configured): two more pass, the next is told when to retry.
        for _ in 0..2 {
            assert_eq!(visitor_upload(&m.app, &token, "a.png", "image/png", PNG.to_vec()).await.status(), StatusCode::OK);
        }
        let limited = visitor_upload(&m.app, &token, "a.png", "image/png", PNG.to_vec()).await;
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(limited.headers().contains_key("retry-after"));
    }
}

both_databases_with! { transcribing_app;
    async fn a_spoken_handoff_phrase_is_transcribed_and_escalates(m) {
        m.post_wa(&wa_media("15550006", "wamid.v2", "audio", json!({"id": "VOICE1", "mime_type": "audio/ogg; codecs=opus", "voice": true}))).await;
        let id = m.last_message().await;
        eventually("transcribed", || async {
            m.count(&format!("SELECT COUNT(*) FROM messages WHERE id = {id} AND transcript_state = 'done'")).await == 1
        }).await;
        let call = &m.api.to("/v1/audio/transcriptions")[0];
        assert_eq!(call.authorization.as_deref(), Some("Bearer sk-transcribe"));
        let form = call.text();
        assert!(form.contains("name=\"model\"") && form.contains("whisper-1"));
        assert!(form.contains("name=\"file\"") && form.contains("OggS"));
        let dto = m.app.state.store.message(id).await.unwrap().unwrap();
        assert_eq!(dto.media.unwrap().transcript.as_deref(), Some("quiero hablar con un operador"));
        eventually("escalated on the spoken keyword", || async {
            m.count("SELECT COUNT(*) FROM conversations WHERE owner = 'waiting' AND escalation_reason = 'keyword'").await == 1
        }).await;
    }

    async fn a_transcribed_voice_note_is_answered_like_text(m) {
        m.api.set_transcript("hello there");
        m.post_wa(&wa_media("15550007", "wamid.v3", "audio", json!({"id": "VOICE1", "mime_type": "audio/ogg", "voice": true}))).await;
        // The bot answers it (and does not hand it to a person: it could read it).
        eventually("the bot answered", || async { !m.api.to("/wa/106540352242922/messages").is_empty() }).await;
        let reply = m.api.to("/wa/106540352242922/messages")[0].json();
        assert!(!reply["text"]["body"].as_str().unwrap().is_empty());
        assert_eq!(m.count("SELECT COUNT(*) FROM conversations WHERE owner = 'bot'").await, 1);
    }
}
