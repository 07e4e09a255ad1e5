//! The scenario editor's trigger textarea and the matcher behind it (`app::domain::bot`): reading
//! never panics, writing back and reading again gives the same triggers, the editor accepts only
//! triggers that can match, and an accepted keyword or phrase matches a message made of itself.
//!
//! Input: the textarea, then optionally U+001E and a customer message to match.
#![no_main]

use app::domain::bot::{
    compile_pattern, format_trigger_lines, normalize, parse_trigger_lines, CompiledScenarios,
    ScenarioDraft, Trigger,
};
use app::dto::Channel;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
});
