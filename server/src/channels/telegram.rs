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
    message: Option<Message>,
    edited_message: Option<Message>,
    callback_query: Option<CallbackQuery>,
}

/// A press of an inline keyboard button.
#[derive(Deserialize)]
struct CallbackQuery {
    id: String,
    from: Option<CallbackFrom>,
    message: Option<CallbackMessage>,
    data: Option<String>,
}

#[derive(Deserialize)]
struct CallbackFrom {
    id: i64,
}

#[derive(Deserialize)]
struct CallbackMessage {
    chat: CallbackChat,
}

#[derive(Deserialize)]
struct CallbackChat {
    id: i64,
}

#[derive(Deserialize)]
struct Message {
    message_id: i64,
    /// Set on an edit: an edited message is stored as a new message, once per edit.
    edit_date: Option<i64>,
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
    file_name: Option<String>,
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

/// The stored key of a Telegram message: message ids count per chat, and chat ids are per bot, so
/// the key is the bot's id, the chat's id and the message's id. Our own sent messages share the
/// chat's sequence, so they get keys of the same form and never collide with a customer's.
/// (The update id alone is not a key: it is per bot, and restarts when a webhook is set anew.)
pub fn message_key(bot_id: &str, chat_id: &str, message_id: i64) -> String {
    format!("{bot_id}:{chat_id}:{message_id}")
}

/// Parses one update for the bot `bot_id`. The message key (see [`message_key`]; an edit adds
/// its edit time) makes Telegram's redeliveries (until it gets a 2xx) stored once.
pub fn parse(body: &[u8], bot_id: &str) -> Result<Parsed, serde_json::Error> {
    let u: Update = serde_json::from_slice(body)?;
    let mut out = Parsed::default();
    if let Some(q) = u.callback_query {
        // A satisfaction survey's button (sent to the chat the question went to).
        let chat = q.message.map(|m| m.chat.id).or(q.from.map(|f| f.id));
        let answer = q
            .data
            .as_deref()
            .and_then(app::domain::csat::parse_reply_id);
        match (chat, answer) {
            (Some(chat), Some((survey, score))) => out.ratings.push(super::RatingPress {
                external_id: chat.to_string(),
                survey,
                score,
                callback_id: Some(q.id),
            }),
            _ => out.ignored += 1,
        }
        return Ok(out.storable());
    }
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
        filename: f.file_name.clone(),
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
            filename: None,
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
    let chat = m.chat.id.to_string();
    let mut key = message_key(bot_id, &chat, m.message_id);
    if let Some(edited) = m.edit_date {
        key.push_str(&format!(":edit:{edited}"));
    }
    out.messages.push(IncomingMessage {
        channel: Channel::Telegram,
        external_id: chat,
        contact_name: name,
        phone: None,
        account: None,
        platform_message_id: key,
        text,
        media,
        // Telegram has no reply window: counted from when Baton received it.
        sent_at: None,
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
    fn a_text_update_becomes_a_message_keyed_by_bot_chat_and_message_id() {
        let p = parse(TEXT.as_bytes(), "777").unwrap();
        let m = &p.messages[0];
        assert_eq!(m.platform_message_id, "777:184412873:4211");
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
        let p = parse(body.to_string().as_bytes(), "1").unwrap();
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
        let p = parse(body.to_string().as_bytes(), "1").unwrap();
        assert_eq!(p.messages[0].media.as_ref().unwrap().kind, "voice");
        assert_eq!(p.messages[0].text, "");
    }

    /// PostgreSQL `text` cannot store U+0000: such an update used to fail its insert, the webhook
    /// answered 500 and Telegram kept redelivering it.
    #[test]
    fn nul_characters_are_dropped_and_a_text_of_only_nul_is_ignored() {
        let body = serde_json::json!({"update_id": 10, "message": {
            "message_id": 1, "chat": {"id": 7, "first_name": "L\u{0}i"}, "text": "ho\u{0}la"}});
        let p = parse(body.to_string().as_bytes(), "123").unwrap();
        assert_eq!(p.messages[0].text, "hola");
        assert_eq!(p.messages[0].contact_name.as_deref(), Some("Li"));
        let only_nul = serde_json::json!({"update_id": 11, "message": {
            "message_id": 2, "chat": {"id": 7}, "text": "\u{0}\u{0}"}});
        let p = parse(only_nul.to_string().as_bytes(), "123").unwrap();
        assert!(p.messages.is_empty());
        assert_eq!(p.ignored, 1);
    }

    /// Fuzz crash-e26ebb5b (a harness assumption, not a parser fault): an update whose only
    /// message sits under a key we do not read is ignored even when that part is not valid UTF-8;
    /// invalid UTF-8 in a text we read is refused.
    #[test]
    fn invalid_utf8_is_skipped_in_unread_fields_and_refused_in_read_ones() {
        let unread = b"{\"update_id\": 1, \"me{sage\": {\"text\": \"ho\x85\x9e\"}}";
        assert_eq!(parse(unread, "1").unwrap().ignored, 1);
        let read =
            b"{\"update_id\": 1, \"message\": {\"message_id\": 1, \"chat\": {\"id\": 1}, \"text\": \"ho\x85\x9e\"}}";
        assert!(parse(read, "1").is_err());
    }

    #[test]
    fn an_edit_is_a_new_message_once_per_edit() {
        let edit = |at: i64| {
            let body = serde_json::json!({"update_id": 11, "edited_message": {"message_id": 3, "date": 0,
                "edit_date": at, "chat": {"id": 7, "type": "private"}, "text": "fixed"}});
            parse(body.to_string().as_bytes(), "1").unwrap().messages[0]
                .platform_message_id
                .clone()
        };
        assert_eq!(edit(50), "1:7:3:edit:50");
        assert_ne!(edit(50), edit(60));
    }

    #[test]
    fn updates_without_a_message_are_ignored_not_errors() {
        let p = parse(br#"{"update_id": 9, "my_chat_member": {}}"#, "1").unwrap();
        assert!(p.messages.is_empty());
        assert_eq!(p.ignored, 1);
    }
}
