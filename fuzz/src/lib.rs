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

/// The fuzz targets' bodies: `fuzz_targets/*.rs` hand them libFuzzer's inputs, and the main
/// workspace's smoke test (`server/tests/api/fuzz_smoke.rs`) replays the corpus and mutations of it
/// through them on every CI run.
pub mod targets {
    /// WhatsApp Cloud API webhook bodies: `server::channels::whatsapp::parse` never panics, is
    /// deterministic, and every message it yields is storable and keyed (see `baton_fuzz`).
    pub fn whatsapp_payload(data: &[u8]) {
        use app::dto::Channel;
        use server::channels::whatsapp;

        let Ok(parsed) = whatsapp::parse(data) else {
            return;
        };
        // Not asserted: that `data` is strict JSON. serde skips fields we do not read without
        // checking their UTF-8 or escapes (crash-522fe29d: invalid UTF-8 in display_phone_number);
        // every field we do read is checked. Pinned by whatsapp's unit tests.
        super::check_parsed(&parsed, Channel::Whatsapp, data);
        for m in &parsed.messages {
            // The phone is the sender's wa_id with exactly one leading '+'.
            let phone = m.phone.as_deref().expect("WhatsApp messages carry a phone");
            assert_eq!(phone, format!("+{}", m.external_id.trim_start_matches('+')));
            assert!(m.media.is_some() || m.text.len() <= data.len());
        }
        assert_eq!(
            whatsapp::parse(data).unwrap(),
            parsed,
            "parse is not deterministic"
        );
    }

    /// Telegram Bot API updates: `server::channels::telegram::parse` never panics, an update yields at
    /// most one message keyed by bot, chat and message id, and what it yields is storable (see `baton_fuzz`).
    pub fn telegram_update(data: &[u8]) {
        use app::dto::Channel;
        use server::channels::telegram;

        let Ok(parsed) = telegram::parse(data, "123456") else {
            return;
        };
        super::check_parsed(&parsed, Channel::Telegram, data);
        assert!(parsed.statuses.is_empty(), "Telegram sends no receipts");
        assert_eq!(
            parsed.messages.len() + parsed.ratings.len() + parsed.ignored,
            1,
            "{parsed:?}"
        );
        for r in &parsed.ratings {
            r.external_id
                .parse::<i64>()
                .expect("the chat id is a number");
            assert!(r.survey > 0 && (1..=5).contains(&r.score), "{r:?}");
        }
        // The body need not be strict JSON: serde skips fields we do not read without checking their
        // escapes (crash-e26ebb5b: a lone surrogate in an unknown field), so no second reading here.
        for m in &parsed.messages {
            // Keyed by bot, chat and message (not the update id alone).
            let prefix = format!("123456:{}:", m.external_id);
            assert!(
                m.platform_message_id.starts_with(&prefix),
                "{} does not start with {prefix}",
                m.platform_message_id
            );
            m.external_id
                .parse::<i64>()
                .expect("the chat id is a number");
            assert!(m.phone.is_none() && m.account.is_none());
            assert!(
                !m.text.is_empty() || m.media.is_some(),
                "an empty message: {m:?}"
            );
        }
    }

    /// Widget socket frames: `app::domain::widget::parse_frame` accepts exactly the frames the spec
    /// allows (`typing`, or a `message` with 1..=4096 characters of trimmed text and a 1..=64
    /// character client_id,
    /// U+0000 dropped from the text and refused in the client_id),
    /// checked against an independent reading of the same JSON.
    pub fn widget_frame(data: &[u8]) {
        use app::domain::widget::{
            parse_frame, Frame, FrameError, CLIENT_ID_MAX_CHARS, TEXT_MAX_CHARS,
        };
        use serde_json::Value;

        let Ok(frame) = std::str::from_utf8(data) else {
            return;
        };
        let result = parse_frame(frame);
        // The oracle: the frame as plain JSON. A missing text or client_id reads as "".
        let json = serde_json::from_str::<Value>(frame).ok();
        let field = |k: &str| json.as_ref().and_then(|j| j.get(k)).and_then(Value::as_str);
        let kind = field("type");
        let raw_text = field("text").unwrap_or_default();
        let client_id = field("client_id").unwrap_or_default();
        // U+0000 cannot be stored: dropped from the text, refused in the client_id.
        let text = raw_text.replace('\0', "");
        let text = text.trim();
        let text_ok =
            kind == Some("message") && (1..=TEXT_MAX_CHARS).contains(&text.chars().count());
        let id_ok = (1..=CLIENT_ID_MAX_CHARS).contains(&client_id.chars().count())
            && !client_id.contains('\0');
        match &result {
            Ok(Frame::Typing) => {
                assert!(kind == Some("typing"), "read as typing: {frame:?}");
            }
            Ok(Frame::Message(f)) => {
                assert!(
                    json.as_ref().is_some_and(Value::is_object),
                    "accepted a non-object"
                );
                assert!(text_ok && id_ok, "accepted outside the spec: {f:?}");
                assert_eq!(f.text, text);
                assert_eq!(f.client_id, client_id);
                super::assert_storable("text", &f.text);
                super::assert_storable("client_id", &f.client_id);
            }
            Err(FrameError::Text { client_id: id }) => {
                assert!(!text_ok, "refused good text: {frame:?}");
                assert_eq!(id, client_id);
            }
            Err(FrameError::ClientId) => assert!(text_ok && !id_ok, "{frame:?}"),
            Ok(Frame::Rating(r)) => {
                let number = |k: &str| json.as_ref().and_then(|j| j.get(k)).and_then(Value::as_i64);
                assert!(kind == Some("rating"), "read as a rating: {frame:?}");
                assert_eq!(number("survey"), Some(r.survey));
                assert_eq!(number("score"), Some(r.score));
                assert!(r.survey > 0 && (1..=5).contains(&r.score), "{r:?}");
                if let Some(c) = &r.comment {
                    super::assert_storable("comment", c);
                }
            }
            Err(FrameError::Rating) => assert!(kind == Some("rating"), "{frame:?}"),
            Err(FrameError::NotJson) => {}
        }
        if let Err(e) = &result {
            assert!(!e.to_string().is_empty());
        }
    }

    /// The scenario editor's trigger textarea and the matcher behind it (`app::domain::bot`): reading
    /// never panics, writing back and reading again gives the same triggers, the editor accepts only
    /// triggers that can match, and an accepted keyword or phrase matches a message made of itself.
    ///
    /// Input: the textarea, then optionally U+001E and a customer message to match.
    pub fn scenario_trigger(data: &[u8]) {
        use app::domain::bot::{
            compile_pattern, format_trigger_lines, normalize, parse_trigger_lines,
            CompiledScenarios, ScenarioDraft, Trigger,
        };
        use app::dto::Channel;

        let Ok(input) = std::str::from_utf8(data) else {
            return;
        };
        let (lines, message) = input.split_once('\u{1e}').unwrap_or((input, ""));
        let triggers = parse_trigger_lines(lines);
        assert_eq!(
            parse_trigger_lines(&format_trigger_lines(&triggers)),
            triggers,
            "the editor's round trip changed the triggers"
        );
        let normalized = normalize(message);
        assert_eq!(
            normalize(&normalized),
            normalized,
            "normalize is not idempotent"
        );

        let Ok(draft) = ScenarioDraft::parse("fuzz", triggers.clone(), "reply", "0", &[]) else {
            return;
        };
        assert!(!draft.triggers.is_empty());
        let scenario = draft.into_scenario(1, true);
        let compiled = CompiledScenarios::new(std::slice::from_ref(&scenario));
        for t in &scenario.triggers {
            match t {
                Trigger::Keywords(words) => {
                    assert!(words.iter().any(|w| !normalize(w).is_empty()));
                    for w in words.iter().filter(|w| !normalize(w).is_empty()) {
                        assert!(
                            compiled.best_match(w, Channel::Web).is_some(),
                            "keyword {w:?}"
                        );
                    }
                }
                Trigger::Phrase(p) => {
                    assert!(
                        compiled.best_match(p, Channel::Web).is_some(),
                        "phrase {p:?}"
                    );
                }
                Trigger::Regex(p) => {
                    compile_pattern(p).expect("the editor accepted an invalid pattern");
                    assert!(!p.trim().is_empty());
                }
            }
        }
        let _ = compiled.best_match(message, Channel::Whatsapp);
    }
}
