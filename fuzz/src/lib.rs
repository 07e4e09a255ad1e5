//! Invariants shared by the channel fuzz targets: what every parsed customer message must satisfy,
//! whatever bytes the platform (or someone holding its secret) posted.

use app::dto::Channel;
use app::services::ingest::IncomingMessage;
use server::channels::Parsed;

/// PostgreSQL `text` cannot hold U+0000: a string carrying one fails the insert, the webhook answers
/// 500, and the platform redelivers the same payload for days.
pub fn assert_storable(what: &str, s: &str) {
    assert!(!s.contains('\0'), "{what} holds a NUL: {s:?}");
}

/// Checks one channel parser's output against the input it came from.
pub fn check_parsed(parsed: &Parsed, channel: Channel, input: &[u8]) {
    for m in &parsed.messages {
        check_message(m, channel, input);
    }
    for s in &parsed.statuses {
        assert!(
            !s.platform_message_id.is_empty(),
            "a receipt without a message id"
        );
        assert_storable("receipt id", &s.platform_message_id);
        assert_storable("receipt status", &s.status);
        assert_storable("receipt error", s.error.as_deref().unwrap_or_default());
    }
}

fn check_message(m: &IncomingMessage, channel: Channel, input: &[u8]) {
    assert_eq!(m.channel, channel);
    // The exactly-once key and the contact key: an empty one would merge unrelated messages or
    // customers.
    assert!(
        !m.external_id.is_empty(),
        "a message without a sender: {m:?}"
    );
    assert!(
        !m.platform_message_id.is_empty(),
        "a message without an id: {m:?}"
    );
    // Everything a message carries came from the body: JSON escapes only ever shrink.
    assert!(m.text.len() <= input.len(), "text longer than the body");
    let media = m.media.as_ref();
    for (what, s) in [
        ("external_id", Some(m.external_id.as_str())),
        ("platform_message_id", Some(m.platform_message_id.as_str())),
        ("text", Some(m.text.as_str())),
        ("contact_name", m.contact_name.as_deref()),
        ("phone", m.phone.as_deref()),
        ("account", m.account.as_deref()),
        ("media kind", media.map(|x| x.kind.as_str())),
        ("media id", media.and_then(|x| x.id.as_deref())),
        (
            "media mime_type",
            media.and_then(|x| x.mime_type.as_deref()),
        ),
        ("media url", media.and_then(|x| x.url.as_deref())),
    ] {
        assert_storable(what, s.unwrap_or_default());
    }
}
