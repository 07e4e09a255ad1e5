//! Telegram Bot API: webhook secret check, update parsing and the send call.

use super::Parsed;
use app::dto::Channel;
use app::services::ingest::{IncomingMessage, Media};
use serde::Deserialize;

/// Checks `X-Telegram-Bot-Api-Secret-Token` against the configured secret, in constant time.
pub fn secret_valid(expected: &str, header: Option<&str>) -> bool {
    header.is_some_and(|h| super::constant_time_eq(h.as_bytes(), expected.as_bytes()))
}

#[derive(Deserialize)]
struct Update {
    update_id: i64,
    message: Option<Message>,
    edited_message: Option<Message>,
}

#[derive(Deserialize)]
struct Message {
    chat: Chat,
    from: Option<User>,
    text: Option<String>,
    caption: Option<String>,
    voice: Option<File>,
    audio: Option<File>,
    document: Option<File>,
    video: Option<File>,
    #[serde(default)]
    photo: Vec<Photo>,
}

#[derive(Deserialize)]
struct Chat {
    id: i64,
    first_name: Option<String>,
    last_name: Option<String>,
    title: Option<String>,
    username: Option<String>,
}

#[derive(Deserialize)]
struct User {
    first_name: Option<String>,
    last_name: Option<String>,
    username: Option<String>,
}

#[derive(Deserialize)]
struct File {
    file_id: String,
    mime_type: Option<String>,
}

#[derive(Deserialize)]
struct Photo {
    file_id: String,
    #[serde(default)]
    file_size: u64,
    #[serde(default)]
    width: u64,
    #[serde(default)]
    height: u64,
}

fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let n = [first, last]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    (!n.trim().is_empty()).then_some(n)
}

/// Parses one update. The update id is the dedup key (Telegram redelivers until it gets a 2xx).
pub fn parse(body: &[u8]) -> Result<Parsed, serde_json::Error> {
    let u: Update = serde_json::from_slice(body)?;
    let mut out = Parsed::default();
    let Some(m) = u.message.or(u.edited_message) else {
        out.ignored += 1;
        return Ok(out);
    };
    let name = m
        .from
        .as_ref()
        .and_then(|f| {
            full_name(f.first_name.as_deref(), f.last_name.as_deref()).or(f.username.clone())
        })
        .or_else(|| full_name(m.chat.first_name.as_deref(), m.chat.last_name.as_deref()))
        .or(m.chat.title.clone())
        .or(m.chat.username.clone());
    let file = |kind: &str, f: &File| Media {
        kind: kind.to_string(),
        id: Some(f.file_id.clone()),
        mime_type: f.mime_type.clone(),
        url: None,
    };
    // The largest photo size is the one worth showing.
    let photo = m
        .photo
        .iter()
        .max_by_key(|p| (p.width * p.height, p.file_size))
        .map(|p| Media {
            kind: "image".into(),
            id: Some(p.file_id.clone()),
            mime_type: Some("image/jpeg".into()),
            url: None,
        });
    let media = m
        .voice
        .as_ref()
        .map(|f| file("voice", f))
        .or_else(|| m.audio.as_ref().map(|f| file("audio", f)))
        .or(photo)
        .or_else(|| m.document.as_ref().map(|f| file("document", f)))
        .or_else(|| m.video.as_ref().map(|f| file("video", f)));
    let text = m.text.or(m.caption).unwrap_or_default();
    if text.chars().all(|c| c == '\0') && media.is_none() {
        out.ignored += 1;
        return Ok(out);
    }
    out.messages.push(IncomingMessage {
        channel: Channel::Telegram,
        external_id: m.chat.id.to_string(),
        contact_name: name,
        phone: None,
        account: None,
        platform_message_id: u.update_id.to_string(),
        text,
        media,
    });
    Ok(out.storable())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = include_str!("../../tests/fixtures/telegram-text.json");

    #[test]
    fn the_secret_header_must_match_exactly() {
        assert!(secret_valid("abc_123", Some("abc_123")));
        assert!(!secret_valid("abc_123", Some("abc_124")));
        assert!(!secret_valid("abc_123", None));
    }

    #[test]
    fn a_text_update_becomes_a_message_keyed_by_update_id() {
        let p = parse(TEXT.as_bytes()).unwrap();
        let m = &p.messages[0];
        assert_eq!(m.platform_message_id, "927184301");
        assert_eq!(m.external_id, "184412873");
        assert_eq!(m.contact_name.as_deref(), Some("Ana Ruiz"));
        assert_eq!(m.text, "Hola, ¿a qué hora abren mañana?");
    }

    #[test]
    fn photos_keep_the_largest_size_and_the_caption_and_from_may_be_absent() {
        let body = serde_json::json!({"update_id": 5, "message": {"message_id": 1, "date": 0,
            "chat": {"id": -100, "title": "Shop group", "type": "group"},
            "caption": "is this in stock?",
            "photo": [{"file_id":"small","width":90,"height":90,"file_size":1000},
                      {"file_id":"large","width":1280,"height":1280,"file_size":90000}]}});
        let p = parse(body.to_string().as_bytes()).unwrap();
        let m = &p.messages[0];
        assert_eq!(m.text, "is this in stock?");
        assert_eq!(m.media.as_ref().unwrap().id.as_deref(), Some("large"));
        assert_eq!(m.contact_name.as_deref(), Some("Shop group"));
    }

    #[test]
    fn voice_notes_are_kept_as_voice() {
        let body = serde_json::json!({"update_id": 6, "message": {"message_id": 2, "date": 0,
            "chat": {"id": 7, "type": "private"}, "from": {"id": 7, "first_name": "Li"},
            "voice": {"file_id": "v1", "duration": 3, "mime_type": "audio/ogg"}}});
        let p = parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(p.messages[0].media.as_ref().unwrap().kind, "voice");
        assert_eq!(p.messages[0].text, "");
    }

    /// PostgreSQL `text` cannot store U+0000: such an update used to fail its insert, the webhook
    /// answered 500 and Telegram kept redelivering it.
    #[test]
    fn nul_characters_are_dropped_and_a_text_of_only_nul_is_ignored() {
        let body = serde_json::json!({"update_id": 10, "message": {
            "chat": {"id": 7, "first_name": "L\u{0}i"}, "text": "ho\u{0}la"}});
        let p = parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(p.messages[0].text, "hola");
        assert_eq!(p.messages[0].contact_name.as_deref(), Some("Li"));
        let only_nul = serde_json::json!({"update_id": 11, "message": {
            "chat": {"id": 7}, "text": "\u{0}\u{0}"}});
        let p = parse(only_nul.to_string().as_bytes()).unwrap();
        assert!(p.messages.is_empty());
        assert_eq!(p.ignored, 1);
    }

    /// Fuzz crash-e26ebb5b (a harness assumption, not a parser fault): an update whose only
    /// message sits under a key we do not read is ignored even when that part is not valid UTF-8;
    /// invalid UTF-8 in a text we read is refused.
    #[test]
    fn invalid_utf8_is_skipped_in_unread_fields_and_refused_in_read_ones() {
        let unread = b"{\"update_id\": 1, \"me{sage\": {\"text\": \"ho\x85\x9e\"}}";
        assert_eq!(parse(unread).unwrap().ignored, 1);
        let read =
            b"{\"update_id\": 1, \"message\": {\"chat\": {\"id\": 1}, \"text\": \"ho\x85\x9e\"}}";
        assert!(parse(read).is_err());
    }

    #[test]
    fn updates_without_a_message_are_ignored_not_errors() {
        let p = parse(br#"{"update_id": 9, "my_chat_member": {}}"#).unwrap();
        assert!(p.messages.is_empty());
        assert_eq!(p.ignored, 1);
    }
}
