//! The scenario editor's trigger textarea and the matcher behind it (`app::domain::bot`): reading
//! never panics, writing back and reading again gives the same triggers, the editor accepts only
//! triggers that can match, and an accepted keyword or phrase matches a message made of itself.
//!
//! Input: the textarea, then optionally U+001E and a customer message to match.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| baton_fuzz::targets::scenario_trigger(data));
