//! Telegram Bot API updates: `server::channels::telegram::parse` never panics, an update yields at
//! most one message keyed by its update id, and what it yields is storable (see `baton_fuzz`).
#![no_main]

use app::dto::Channel;
use libfuzzer_sys::fuzz_target;
use server::channels::telegram;

fuzz_target!(|data: &[u8]| {
    let Ok(parsed) = telegram::parse(data) else {
        return;
    };
    baton_fuzz::check_parsed(&parsed, Channel::Telegram, data);
    assert!(parsed.statuses.is_empty(), "Telegram sends no receipts");
    assert_eq!(parsed.messages.len() + parsed.ignored, 1, "{parsed:?}");
    let update_id =
        serde_json::from_slice::<serde_json::Value>(data).unwrap()["update_id"].as_i64();
    for m in &parsed.messages {
        assert_eq!(
            Some(m.platform_message_id.parse::<i64>().unwrap()),
            update_id
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
