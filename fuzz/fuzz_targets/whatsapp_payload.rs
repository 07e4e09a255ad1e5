//! WhatsApp Cloud API webhook bodies: `server::channels::whatsapp::parse` never panics, is
//! deterministic, and every message it yields is storable and keyed (see `baton_fuzz`).
#![no_main]

use app::dto::Channel;
use libfuzzer_sys::fuzz_target;
use server::channels::whatsapp;

fuzz_target!(|data: &[u8]| {
    let Ok(parsed) = whatsapp::parse(data) else {
        return;
    };
    // Not asserted: that `data` is strict JSON. serde skips fields we do not read without
    // checking their UTF-8 or escapes (crash-522fe29d: invalid UTF-8 in display_phone_number);
    // every field we do read is checked. Pinned by whatsapp's unit tests.
    baton_fuzz::check_parsed(&parsed, Channel::Whatsapp, data);
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
});
