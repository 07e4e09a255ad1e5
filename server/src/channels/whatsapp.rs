//! WhatsApp Cloud API: webhook signature, payload parsing and the send call.

use super::{Parsed, StatusUpdate};
use app::domain::delivery::FailureKind;
use app::domain::reply_window::platform_seconds_to_ms;
use app::dto::Channel;
use app::services::ingest::{IncomingMessage, Media};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// Checks `X-Hub-Signature-256: sha256=<hex>` against HMAC-SHA256(app secret, raw body),
/// in constant time.
pub fn signature_valid(app_secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(given) = hex::decode(hex_sig) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

#[derive(Deserialize)]
struct Payload {
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Deserialize)]
struct Change {
    #[serde(default)]
    value: Option<Value>,
}

#[derive(Deserialize)]
struct Value {
    #[serde(default)]
    metadata: Option<Metadata>,
    #[serde(default)]
    contacts: Vec<Contact>,
    #[serde(default)]
    messages: Vec<serde_json::Value>,
    #[serde(default)]
    statuses: Vec<Status>,
}

#[derive(Deserialize)]
struct Metadata {
    phone_number_id: Option<String>,
}

#[derive(Deserialize)]
struct Contact {
    wa_id: Option<String>,
    profile: Option<Profile>,
}

#[derive(Deserialize)]
struct Profile {
    name: Option<String>,
}

#[derive(Deserialize)]
struct Status {
    id: String,
    status: String,
    #[serde(default)]
    errors: Vec<StatusError>,
}

#[derive(Deserialize)]
struct StatusError {
    code: Option<i64>,
    title: Option<String>,
    message: Option<String>,
}

fn str_at<'a>(v: &'a serde_json::Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// Parses a webhook body. `Err` only when the body is not JSON of the expected envelope; message
/// kinds we do not know are stored with their type so operators still see that something came.
pub fn parse(body: &[u8]) -> Result<Parsed, serde_json::Error> {
    let payload: Payload = serde_json::from_slice(body)?;
    let mut out = Parsed::default();
    for value in payload
        .entry
        .into_iter()
        .flat_map(|e| e.changes)
        .filter_map(|c| c.value)
    {
        let account = value.metadata.and_then(|m| m.phone_number_id);
        for m in &value.messages {
            let (Some(from), Some(id)) = (str_at(m, &["from"]), str_at(m, &["id"])) else {
                out.ignored += 1;
                continue;
            };
            let kind = str_at(m, &["type"]).unwrap_or("unknown");
            // A satisfaction survey's button or list row: an answer, not a message.
            let reply_id = str_at(m, &["interactive", "button_reply", "id"])
                .or_else(|| str_at(m, &["interactive", "list_reply", "id"]));
            if let Some((survey, score)) = reply_id.and_then(app::domain::csat::parse_reply_id) {
                out.ratings.push(super::RatingPress {
                    external_id: from.to_string(),
                    survey,
                    score,
                    callback_id: None,
                });
                continue;
            }
            let name = value
                .contacts
                .iter()
                .find(|c| c.wa_id.as_deref() == Some(from))
                .or(value.contacts.first())
                .and_then(|c| c.profile.as_ref()?.name.clone());
            let (text, media) = match kind {
                "text" => (
                    str_at(m, &["text", "body"]).unwrap_or_default().to_string(),
                    None,
                ),
                "audio" | "voice" | "image" | "document" | "video" | "sticker" => {
                    let caption = str_at(m, &[kind, "caption"])
                        .unwrap_or_default()
                        .to_string();
                    let media = Media {
                        kind: if kind == "audio" && m[kind]["voice"].as_bool() == Some(true) {
                            "voice".into()
                        } else {
                            kind.into()
                        },
                        id: str_at(m, &[kind, "id"]).map(str::to_string),
                        mime_type: str_at(m, &[kind, "mime_type"]).map(str::to_string),
                        url: None,
                        filename: str_at(m, &[kind, "filename"]).map(str::to_string),
                    };
                    (caption, Some(media))
                }
                "button" => (
                    str_at(m, &["button", "text"])
                        .unwrap_or_default()
                        .to_string(),
                    None,
                ),
                "interactive" => (
                    str_at(m, &["interactive", "button_reply", "title"])
                        .or_else(|| str_at(m, &["interactive", "list_reply", "title"]))
                        .unwrap_or_default()
                        .to_string(),
                    None,
                ),
                other => (
                    String::new(),
                    Some(Media {
                        kind: other.to_string(),
                        id: None,
                        mime_type: None,
                        url: None,
                        filename: None,
                    }),
                ),
            };
            out.messages.push(IncomingMessage {
                channel: Channel::Whatsapp,
                external_id: from.to_string(),
                contact_name: name,
                phone: Some(format!("+{}", from.trim_start_matches('+'))),
                account: account.clone(),
                platform_message_id: id.to_string(),
                text,
                media,
                sent_at: str_at(m, &["timestamp"]).and_then(platform_seconds_to_ms),
            });
        }
        for s in value.statuses {
            let first = s.errors.first();
            let error = first.map(|e| e.message.clone().or(e.title.clone()).unwrap_or_default());
            out.statuses.push(StatusUpdate {
                platform_message_id: s.id,
                status: s.status,
                error,
                error_kind: first
                    .and_then(|e| e.code)
                    .and_then(FailureKind::from_whatsapp_code),
            });
        }
    }
    Ok(out.storable())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message_ids(p: &Parsed) -> Vec<&str> {
        p.messages
            .iter()
            .map(|m| m.platform_message_id.as_str())
            .collect()
    }

    const TEXT: &str = include_str!("../../tests/fixtures/whatsapp-text.json");
    const STATUS: &str = include_str!("../../tests/fixtures/whatsapp-status.json");

    fn sign(secret: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn a_correct_signature_verifies_and_a_tampered_body_does_not() {
        let sig = sign("s3cret", TEXT.as_bytes());
        assert!(signature_valid("s3cret", TEXT.as_bytes(), Some(&sig)));
        assert!(!signature_valid("other", TEXT.as_bytes(), Some(&sig)));
        assert!(!signature_valid("s3cret", b"{}", Some(&sig)));
        assert!(!signature_valid("s3cret", TEXT.as_bytes(), None));
        assert!(!signature_valid(
            "s3cret",
            TEXT.as_bytes(),
            Some("sha256=zz")
        ));
    }

    #[test]
    fn a_text_message_becomes_one_incoming_message() {
        let p = parse(TEXT.as_bytes()).unwrap();
        assert_eq!(p.messages.len(), 1);
        let m = &p.messages[0];
        assert_eq!(m.external_id, "16505551234");
        assert_eq!(m.contact_name.as_deref(), Some("Sheena Nelson"));
        assert_eq!(m.text, "Does it come in another color?");
        assert_eq!(m.account.as_deref(), Some("106540352242922"));
        assert!(m.platform_message_id.starts_with("wamid."));
        assert!(p.statuses.is_empty());
    }

    #[test]
    fn a_status_payload_is_a_receipt_not_a_message() {
        let p = parse(STATUS.as_bytes()).unwrap();
        assert!(p.messages.is_empty());
        assert_eq!(p.statuses[0].status, "delivered");
    }

    #[test]
    fn voice_notes_and_images_keep_their_media_and_caption() {
        let body = serde_json::json!({"entry":[{"changes":[{"value":{"messages":[
            {"from":"1","id":"a","type":"audio","audio":{"id":"m1","mime_type":"audio/ogg","voice":true}},
            {"from":"1","id":"b","type":"image","image":{"id":"m2","mime_type":"image/jpeg","caption":"this one"}},
            {"from":"1","id":"c","type":"location","location":{"latitude":1.0}}
        ]}}]}]});
        let p = parse(body.to_string().as_bytes()).unwrap();
        let kinds: Vec<_> = p
            .messages
            .iter()
            .map(|m| m.media.as_ref().unwrap().kind.as_str())
            .collect();
        assert_eq!(kinds, ["voice", "image", "location"]);
        assert_eq!(p.messages[1].text, "this one");
        assert_eq!(
            p.messages[1].media.as_ref().unwrap().id.as_deref(),
            Some("m2")
        );
    }

    #[test]
    fn every_entry_and_change_is_read() {
        let msg =
            |id: &str| serde_json::json!({"from":"1","id":id,"type":"text","text":{"body":id}});
        let body = serde_json::json!({"entry":[
            {"changes":[{"value":{"messages":[msg("a"), msg("b")]}}, {"value":{"messages":[msg("c")]}}]},
            {"changes":[{"value":{"messages":[msg("d")]}}]}
        ]});
        let p = parse(body.to_string().as_bytes()).unwrap();
        let ids = message_ids(&p);
        assert_eq!(ids, ["a", "b", "c", "d"]);
    }

    /// PostgreSQL `text` cannot store U+0000: such a message used to fail its insert, the webhook
    /// answered 500 and WhatsApp kept redelivering it. Empty ids would merge unrelated messages.
    #[test]
    fn nul_characters_are_dropped_and_messages_without_sender_or_id_are_ignored() {
        let body = serde_json::json!({"entry":[{"changes":[{"value":{
            "metadata": {"phone_number_id": "10\u{0}6"},
            "contacts": [{"wa_id": "1", "profile": {"name": "Li\u{0}"}}],
            "messages": [
                {"from": "1", "id": "wamid.\u{0}A", "type": "text", "text": {"body": "ho\u{0}la"}},
                {"from": "", "id": "b", "type": "text", "text": {"body": "no sender"}},
                {"from": "1", "id": "\u{0}", "type": "text", "text": {"body": "no id"}},
                {"from": "1", "id": "c", "type": "image\u{0}"}
            ],
            "statuses": [{"id": "", "status": "sent"}, {"id": "wamid.O\u{0}", "status": "read\u{0}",
                "errors": [{"message": "\u{0}"}]}]
        }}]}]});
        let p = parse(body.to_string().as_bytes()).unwrap();
        let ids = message_ids(&p);
        assert_eq!(ids, ["wamid.A", "c"]);
        let m = &p.messages[0];
        assert_eq!(m.text, "hola");
        assert_eq!(m.contact_name.as_deref(), Some("Li"));
        assert_eq!(m.account.as_deref(), Some("106"));
        assert_eq!(p.messages[1].media.as_ref().unwrap().kind, "image");
        assert_eq!(
            p.statuses,
            [StatusUpdate {
                platform_message_id: "wamid.O".into(),
                status: "read".into(),
                error: Some(String::new()),
                error_kind: None,
            }]
        );
        assert_eq!(p.ignored, 3);
    }

    /// Fuzz crash-522fe29d (a harness assumption, not a parser fault): serde skips fields we do
    /// not read without checking their UTF-8, so such a body parses; a field we read must be valid.
    #[test]
    fn invalid_utf8_is_skipped_in_unread_fields_and_refused_in_read_ones() {
        let unread = b"{\"entry\":[{\"changes\":[{\"value\":{\"metadata\":{\"display_phone_number\":\"1\xce\xce\"}}}]}]}";
        assert_eq!(parse(unread).unwrap(), Parsed::default());
        let read = b"{\"entry\":[{\"changes\":[{\"value\":{\"metadata\":{\"phone_number_id\":\"1\xce\xce\"}}}]}]}";
        assert!(parse(read).is_err());
    }

    #[test]
    fn unknown_shapes_are_acknowledged_not_errors() {
        assert_eq!(parse(br#"{"object":"x"}"#).unwrap(), Parsed::default());
        assert!(parse(b"not json").is_err());
    }
}
