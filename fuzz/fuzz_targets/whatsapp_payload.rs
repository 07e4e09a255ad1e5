//! WhatsApp Cloud API webhook bodies: `server::channels::whatsapp::parse` never panics, is
//! deterministic, and every message it yields is storable and keyed (see `baton_fuzz`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| baton_fuzz::targets::whatsapp_payload(data));
