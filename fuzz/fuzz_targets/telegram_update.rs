//! Telegram Bot API updates: `server::channels::telegram::parse` never panics, an update yields at
//! most one message keyed by bot, chat and message id, and what it yields is storable (see `baton_fuzz`).
#![no_main]

use app::dto::Channel;
use libfuzzer_sys::fuzz_target;
use server::channels::telegram;

fuzz_target!(|data: &[u8]| {
    let Ok(parsed) = telegram::parse(data, "123456") else {
        return;
    };
    baton_fuzz::check_parsed(&parsed, Channel::Telegram, data);
    assert!(parsed.statuses.is_empty(), "Telegram sends no receipts");
    assert_eq!(parsed.messages.len() + parsed.ignored, 1, "{parsed:?}");
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
});
