//! Media in the chat: what kind a file is, which types Baton stores and serves, how large they
//! may be, how a file name is made safe to show and to send, and the retry schedule of a failed
//! download. Pure rules; the store, the fetchers and the HTTP endpoints use them.

use serde::{Deserialize, Serialize};

/// What the chat shows a file as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    /// A voice note (recorded in the chat app; transcribed when transcription is configured).
    Voice,
    Audio,
    Video,
    Document,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Voice => "voice",
            Self::Audio => "audio",
            Self::Video => "video",
            Self::Document => "document",
        }
    }

    /// The platforms' words (`sticker` is an image); `None` for kinds without a file
    /// (location, contacts, ...).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "image" | "sticker" | "photo" => Self::Image,
            "voice" => Self::Voice,
            "audio" => Self::Audio,
            "video" => Self::Video,
            "document" => Self::Document,
            _ => return None,
        })
    }

    /// Played or shown in the page (`Content-Disposition: inline`); documents are downloaded.
    pub fn inline(self) -> bool {
        !matches!(self, Self::Document)
    }

    /// The kind a stored file of `mime` is shown as, given the kind the platform named.
    pub fn for_mime(named: Option<Self>, mime: &str) -> Self {
        let top = mime.split('/').next().unwrap_or_default();
        match (named, top) {
            (Some(Self::Voice), "audio") => Self::Voice,
            (Some(Self::Document), _) => Self::Document,
            (_, "image") => Self::Image,
            (_, "audio") => Self::Audio,
            (_, "video") => Self::Video,
            _ => Self::Document,
        }
    }
}

/// Where a message's file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaState {
    /// Still to be fetched from the platform (or being retried).
    Pending,
    /// Stored: Baton serves it.
    Ready,
    /// Every attempt failed.
    Failed,
}

impl MediaState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Ready => "ready",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "ready" => Self::Ready,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// A voice note's transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TranscriptState {
    /// Waiting for the file or the transcription service: the bot waits too.
    Pending,
    Done,
    /// The file or the transcription failed: the voice note goes to a person.
    Failed,
    /// No transcription service is configured: the voice note goes to a person.
    Off,
}

impl TranscriptState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Off => "off",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "done" => Self::Done,
            "failed" => Self::Failed,
            "off" => Self::Off,
            _ => return None,
        })
    }
}

/// The content types Baton stores and serves. Anything else is refused (an upload) or stored as
/// a download of `application/octet-stream` (a customer's file: they sent it, an operator may
/// still want it, but the browser must never render it).
pub const ALLOWED_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "audio/ogg",
    "audio/mpeg",
    "audio/mp4",
    "audio/aac",
    "audio/amr",
    "audio/webm",
    "audio/wav",
    "video/mp4",
    "video/3gpp",
    "video/webm",
    "application/pdf",
    "text/plain",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
];

/// What a widget visitor may upload: images only.
pub const VISITOR_TYPES: &[&str] = &["image/jpeg", "image/png", "image/webp", "image/gif"];

/// What an operator may send: images and documents (WhatsApp and Telegram take both).
pub fn operator_may_send(mime: &str) -> bool {
    let m = essence(mime);
    allowed(&m) && (m.starts_with("image/") && m != "image/gif" || !has_player(&m))
}

fn has_player(m: &str) -> bool {
    m.starts_with("audio/") || m.starts_with("video/") || m.starts_with("image/")
}

/// A content type without parameters, lower-cased (`audio/ogg; codecs=opus` -> `audio/ogg`).
pub fn essence(mime: &str) -> String {
    mime.split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether `mime` (its essence) is on the allow-list.
pub fn allowed(mime: &str) -> bool {
    ALLOWED_TYPES.contains(&essence(mime).as_str())
}

/// The type a stored file is served with: its own when allowed, else a download of bytes.
pub fn served_type(mime: Option<&str>) -> String {
    match mime.map(essence) {
        Some(m) if allowed(&m) => m,
        _ => "application/octet-stream".into(),
    }
}

/// Size limits, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaLimits {
    /// The largest file fetched from a platform (WhatsApp allows up to 100 MB documents,
    /// Telegram bots download up to 20 MB).
    pub max_inbound: u64,
    /// The largest file an operator uploads.
    pub max_upload: u64,
    /// The largest image a widget visitor uploads.
    pub max_visitor_upload: u64,
    /// Uploads per visitor per hour.
    pub visitor_uploads_per_hour: u32,
}

impl Default for MediaLimits {
    fn default() -> Self {
        Self {
            max_inbound: 25 * MB,
            max_upload: 16 * MB,
            max_visitor_upload: 5 * MB,
            visitor_uploads_per_hour: 20,
        }
    }
}

pub const MB: u64 = 1024 * 1024;

/// Megabytes for a limit in words (rounded up).
pub fn megabytes(bytes: u64) -> i64 {
    bytes.div_ceil(MB) as i64
}

/// How many times a download is attempted before it shows as failed.
pub const MAX_ATTEMPTS: i64 = 4;

/// How long after failed attempt `attempt` (1-based) the next is due: `base`, then three times
/// longer each time (5 s, 15 s, 45 s with the default base); `None` when it was the last.
pub fn retry_after_ms(attempt: i64, base_ms: i64) -> Option<i64> {
    (attempt < MAX_ATTEMPTS)
        .then(|| base_ms.saturating_mul(3_i64.saturating_pow((attempt - 1).max(0) as u32)))
}

/// A file name safe to show, to put in a header and to store: the last path part, control
/// characters, quotes, slashes and other characters that mean something to a shell, a header
/// or a file system replaced by `_`, no leading dots, at most 120 characters (keeping the
/// extension). `file` when nothing is left.
pub fn sanitize_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut clean: String = last
        .chars()
        .map(|c| {
            if c.is_control()
                || matches!(
                    c,
                    '"' | '\'' | '<' | '>' | ':' | '|' | '?' | '*' | ';' | '%' | '`' | '$'
                )
            {
                '_'
            } else {
                c
            }
        })
        .collect();
    clean = clean.trim().trim_start_matches('.').trim().to_string();
    if clean.chars().count() > 120 {
        let ext: String = match clean.rsplit_once('.') {
            Some((_, e)) if !e.is_empty() && e.chars().count() <= 10 => format!(".{e}"),
            _ => String::new(),
        };
        let keep = 120 - ext.chars().count();
        clean = clean.chars().take(keep).collect::<String>() + &ext;
    }
    if clean.is_empty() || clean.chars().all(|c| c == '_') {
        "file".into()
    } else {
        clean
    }
}

/// The `Content-Disposition` header of a served file: `inline` for what the page shows or plays,
/// `attachment` for documents, with the name both as plain ASCII and RFC 8187 UTF-8.
pub fn content_disposition(kind: MediaKind, name: &str) -> String {
    let name = sanitize_file_name(name);
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii() && c != '\\' { c } else { '_' })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let how = if kind.inline() {
        "inline"
    } else {
        "attachment"
    };
    format!("{how}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A file name for a file that came without one (`image.jpg`, `voice.ogg`).
pub fn default_name(kind: MediaKind, mime: &str) -> String {
    let ext = match essence(mime).as_str() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        "audio/mp4" | "audio/aac" => "m4a",
        "audio/amr" => "amr",
        "audio/webm" | "video/webm" => "webm",
        "audio/wav" => "wav",
        "video/mp4" => "mp4",
        "video/3gpp" => "3gp",
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        _ => "bin",
    };
    format!("{}.{ext}", kind.as_str())
}

/// Checks an upload's declared type and size against an allow-list and a limit.
pub fn check_upload(mime: &str, size: u64, max: u64, types: &[&str]) -> Result<(), UploadRefusal> {
    if size == 0 {
        return Err(UploadRefusal::Empty);
    }
    if size > max {
        return Err(UploadRefusal::TooLarge {
            max_mb: megabytes(max),
        });
    }
    if !types.contains(&essence(mime).as_str()) {
        return Err(UploadRefusal::Type {
            mime: essence(mime),
        });
    }
    Ok(())
}

/// Why an upload was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadRefusal {
    Empty,
    TooLarge { max_mb: i64 },
    Type { mime: String },
}

/// Whether a file's first bytes agree with its declared image type (a visitor's "image" that
/// is really HTML must not be stored as one).
pub fn sniff_matches(mime: &str, bytes: &[u8]) -> bool {
    match essence(mime).as_str() {
        "image/jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/gif" => bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a"),
        "image/webp" => bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP",
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_platforms_words_and_the_stored_type() {
        assert_eq!(MediaKind::parse("sticker"), Some(MediaKind::Image));
        assert_eq!(MediaKind::parse("voice"), Some(MediaKind::Voice));
        assert_eq!(MediaKind::parse("location"), None);
        assert_eq!(
            MediaKind::for_mime(Some(MediaKind::Voice), "audio/ogg; codecs=opus"),
            MediaKind::Voice
        );
        assert_eq!(MediaKind::for_mime(None, "image/png"), MediaKind::Image);
        assert_eq!(
            MediaKind::for_mime(Some(MediaKind::Document), "image/png"),
            MediaKind::Document,
            "a photo sent as a file stays a download"
        );
        assert_eq!(
            MediaKind::for_mime(Some(MediaKind::Image), "text/html"),
            MediaKind::Document
        );
        assert!(MediaKind::Image.inline() && !MediaKind::Document.inline());
        for k in [
            MediaKind::Image,
            MediaKind::Voice,
            MediaKind::Audio,
            MediaKind::Video,
            MediaKind::Document,
        ] {
            assert_eq!(MediaKind::parse(k.as_str()), Some(k));
        }
        for s in [MediaState::Pending, MediaState::Ready, MediaState::Failed] {
            assert_eq!(MediaState::parse(s.as_str()), Some(s));
        }
        for s in [
            TranscriptState::Pending,
            TranscriptState::Done,
            TranscriptState::Failed,
            TranscriptState::Off,
        ] {
            assert_eq!(TranscriptState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn only_allowed_types_are_served_as_themselves() {
        assert_eq!(served_type(Some("image/JPEG")), "image/jpeg");
        assert_eq!(served_type(Some("audio/ogg; codecs=opus")), "audio/ogg");
        assert_eq!(served_type(Some("text/html")), "application/octet-stream");
        assert_eq!(
            served_type(Some("image/svg+xml")),
            "application/octet-stream",
            "SVG can run script"
        );
        assert_eq!(served_type(None), "application/octet-stream");
        assert!(operator_may_send("image/png") && operator_may_send("application/pdf"));
        assert!(!operator_may_send("audio/ogg") && !operator_may_send("text/html"));
    }

    #[test]
    fn uploads_are_checked_for_size_then_type() {
        assert_eq!(check_upload("image/png", 10, 100, VISITOR_TYPES), Ok(()));
        assert_eq!(
            check_upload("image/png", 0, 100, VISITOR_TYPES),
            Err(UploadRefusal::Empty)
        );
        assert_eq!(
            check_upload("image/png", 5 * MB + 1, 5 * MB, VISITOR_TYPES),
            Err(UploadRefusal::TooLarge { max_mb: 5 })
        );
        assert_eq!(
            check_upload("application/pdf", 10, 100, VISITOR_TYPES),
            Err(UploadRefusal::Type {
                mime: "application/pdf".into()
            })
        );
        assert!(sniff_matches("image/png", b"\x89PNG\r\n\x1a\nrest"));
        assert!(!sniff_matches("image/png", b"<html>"));
        assert!(!sniff_matches("image/jpeg", b"GIF89a"));
    }

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            sanitize_file_name("C:\\Users\\ana\\invoice.pdf"),
            "invoice.pdf"
        );
        assert_eq!(sanitize_file_name("a\"b\r\nc.pdf"), "a_b__c.pdf");
        assert_eq!(sanitize_file_name(".htaccess"), "htaccess");
        assert_eq!(sanitize_file_name("..."), "file");
        assert_eq!(sanitize_file_name(""), "file");
        assert_eq!(sanitize_file_name("factura año.pdf"), "factura año.pdf");
        let long = format!("{}.pdf", "x".repeat(300));
        let s = sanitize_file_name(&long);
        assert_eq!(s.chars().count(), 120);
        assert!(s.ends_with(".pdf"));
    }

    #[test]
    fn dispositions_say_inline_or_attachment_with_a_safe_name() {
        assert_eq!(
            content_disposition(MediaKind::Image, "photo.jpg"),
            "inline; filename=\"photo.jpg\"; filename*=UTF-8''photo.jpg"
        );
        assert_eq!(
            content_disposition(MediaKind::Document, "año \"x\".pdf"),
            "attachment; filename=\"a_o _x_.pdf\"; filename*=UTF-8''a%C3%B1o%20_x_.pdf"
        );
        assert_eq!(
            default_name(MediaKind::Voice, "audio/ogg; codecs=opus"),
            "voice.ogg"
        );
    }

    #[test]
    fn downloads_are_retried_a_few_times_with_growing_waits() {
        assert_eq!(retry_after_ms(1, 5000), Some(5000));
        assert_eq!(retry_after_ms(2, 5000), Some(15000));
        assert_eq!(retry_after_ms(3, 5000), Some(45000));
        assert_eq!(retry_after_ms(MAX_ATTEMPTS, 5000), None);
        assert_eq!(megabytes(5 * MB), 5);
        assert_eq!(megabytes(5 * MB + 1), 6);
    }
}
