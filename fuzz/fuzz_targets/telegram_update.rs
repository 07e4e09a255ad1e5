//! Telegram Bot API updates: `server::channels::telegram::parse` never panics, an update yields at
//! most one message keyed by bot, chat and message id, and what it yields is storable (see `baton_fuzz`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| baton_fuzz::targets::telegram_update(data));
