//! Widget socket frames: `app::domain::widget::parse_frame` accepts exactly the frames the spec
//! allows (a `message` with 1..=4096 characters of trimmed text and a 1..=64 character client_id,
//! U+0000 dropped from the text and refused in the client_id),
//! checked against an independent reading of the same JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| baton_fuzz::targets::widget_frame(data));
