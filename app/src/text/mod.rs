//! Words built from data in the reader's language: durations ("4 min", "hace 4 min") here, the
//! chat's history lines in [`history`]. Used by the interface and by the server (push alerts),
//! so both say the same thing. Errors in [`errors`].

pub mod analytics;
pub mod errors;
pub mod history;

use crate::domain::ownership::OwnerState;
use crate::domain::users::Role;
use crate::dto::{Channel, ConversationSummary};
use crate::i18n::*;

/// A channel's name ("Web chat").
pub fn channel_name(l: Locale, c: Channel) -> &'static str {
    match c {
        Channel::Whatsapp => td_string!(l, common.channel.whatsapp),
        Channel::Telegram => td_string!(l, common.channel.telegram),
        Channel::Web => td_string!(l, common.channel.web),
    }
}

/// The customer's name as the reader reads it: an anonymous web visitor is "Web visitor 1a2b3c"
/// / "Visitante web 1a2b3c".
pub fn contact_name(l: Locale, c: &ConversationSummary) -> String {
    match &c.visitor {
        Some(handle) => td_string!(l, common.web_visitor, handle = handle).to_string(),
        None => c.contact_name.clone(),
    }
}

/// A role as people read it ("operator").
pub fn role_name(l: Locale, r: Role) -> &'static str {
    match r {
        Role::Operator => td_string!(l, common.role.operator),
        Role::Admin => td_string!(l, common.role.admin),
    }
}

/// A conversation state as a group's title ("Awaiting operator").
pub fn state_name(l: Locale, s: OwnerState) -> &'static str {
    match s {
        OwnerState::Waiting => td_string!(l, common.state.waiting),
        OwnerState::Assigned => td_string!(l, common.state.assigned),
        OwnerState::Bot => td_string!(l, common.state.bot),
        OwnerState::Closed => td_string!(l, common.state.closed),
    }
}

/// Why a conversation waits, from the code stored with it (`EscalationReason::code`), in short.
/// A reason stored as a sentence (`keyword "humano"`, by older versions and the demo data) is
/// read by its first word.
pub fn escalation(l: Locale, code: &str) -> String {
    let key = code
        .split(|c: char| !(c.is_ascii_lowercase() || c == '_'))
        .next()
        .unwrap_or(code);
    match key {
        "keyword" => td_string!(l, chat.reason.keyword).to_string(),
        "no_match" => td_string!(l, chat.reason.no_match).to_string(),
        "low_confidence" => td_string!(l, chat.reason.low_confidence).to_string(),
        "bot_requested" => td_string!(l, chat.reason.bot_requested).to_string(),
        "bot_failed" => td_string!(l, chat.reason.bot_failed).to_string(),
        "paused" => td_string!(l, chat.reason.paused).to_string(),
        "ai_off" => td_string!(l, chat.reason.ai_off).to_string(),
        "voice_note" => td_string!(l, chat.reason.voice_note).to_string(),
        _ => code.to_string(),
    }
}

/// "4 min", "1 h 5 min", "just now": how long ago `since` was, at `now` (both unix ms).
pub fn elapsed(locale: Locale, since: i64, now: i64) -> String {
    let mins = (now - since).max(0) / 60_000;
    match mins {
        0 => td_string!(locale, common.time.just_now).to_string(),
        1..=59 => td_string!(locale, common.time.minutes, n = mins).to_string(),
        _ if mins < 24 * 60 => match mins % 60 {
            0 => td_string!(locale, common.time.hours, h = mins / 60).to_string(),
            m => td_string!(locale, common.time.hours_minutes, h = mins / 60, m = m).to_string(),
        },
        _ => td_string!(locale, common.time.days, d = mins / (24 * 60)).to_string(),
    }
}

/// "4 min ago", "just now": [`elapsed`] for the end of a sentence.
pub fn ago(locale: Locale, since: i64, now: i64) -> String {
    if (now - since) < 60_000 {
        return elapsed(locale, since, now);
    }
    td_string!(
        locale,
        common.time.ago,
        elapsed = elapsed(locale, since, now)
    )
    .to_string()
}

/// A calendar day in the reader's language and the browser's time zone ("12 Nov 2026"); the
/// server, which does not know the reader's time zone, says how long ago it was instead.
pub fn day(locale: Locale, at: i64, now: i64) -> String {
    #[cfg(feature = "hydrate")]
    {
        let _ = now;
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64));
        let options = js_sys::Object::new();
        for (k, v) in [("day", "numeric"), ("month", "short"), ("year", "numeric")] {
            let _ = js_sys::Reflect::set(&options, &k.into(), &v.into());
        }
        String::from(date.to_locale_date_string(leptos_i18n::Locale::as_str(locale), &options))
    }
    #[cfg(not(feature = "hydrate"))]
    ago(locale, at, now)
}

/// A moment in the reader's language and the browser's time zone ("7 Dec 2026, 14:05"); the
/// server says how long ago it was instead (as [`day`]).
pub fn date_time(locale: Locale, at: i64, now: i64) -> String {
    #[cfg(feature = "hydrate")]
    {
        let _ = now;
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64));
        let options = js_sys::Object::new();
        for (k, v) in [
            ("day", "numeric"),
            ("month", "short"),
            ("year", "numeric"),
            ("hour", "2-digit"),
            ("minute", "2-digit"),
            ("second", "2-digit"),
        ] {
            let _ = js_sys::Reflect::set(&options, &k.into(), &v.into());
        }
        String::from(date.to_locale_string(leptos_i18n::Locale::as_str(locale), &options))
    }
    #[cfg(not(feature = "hydrate"))]
    ago(locale, at, now)
}

/// A queue wait as a ticking badge: "42 s", "3:07", then "1 h 5 min".
pub fn wait_label(locale: Locale, since: i64, now: i64) -> String {
    let secs = (now - since).max(0) / 1000;
    match secs {
        0..=59 => td_string!(locale, common.time.seconds, s = secs).to_string(),
        60..=3599 => format!("{}:{:02}", secs / 60, secs % 60),
        _ => elapsed(locale, since, now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_escalation_code_is_worded_in_both_languages() {
        use crate::domain::bot::EscalationReason as R;
        let all = [
            R::Keyword("humano".into()),
            R::NoMatch(2),
            R::LowConfidence(0.2),
            R::BotRequested,
            R::BotFailed("timeout".into()),
            R::Paused,
            R::AiOff,
            R::VoiceNote { failed: false },
        ];
        for r in &all {
            for l in [Locale::en, Locale::es] {
                let words = escalation(l, r.code());
                assert_ne!(words, r.code(), "{l:?} shows the raw code");
            }
        }
        assert_eq!(escalation(Locale::es, "voice_note"), "nota de voz");
        assert_eq!(
            escalation(Locale::es, "keyword \"humano\""),
            "frase de traspaso"
        );
        assert_eq!(escalation(Locale::en, "something new"), "something new");
    }

    #[test]
    fn waits_tick_in_seconds_for_the_first_hour() {
        let l = Locale::en;
        assert_eq!(wait_label(l, 0, 42_000), "42 s");
        assert_eq!(wait_label(l, 0, 187_000), "3:07");
        assert_eq!(wait_label(l, 0, 65 * 60_000), "1 h 5 min");
        assert_eq!(wait_label(l, 5_000, 0), "0 s");
    }

    #[test]
    fn elapsed_time_reads_naturally() {
        let (l, m) = (Locale::en, 60_000);
        assert_eq!(elapsed(l, 0, 30_000), "just now");
        assert_eq!(elapsed(l, 0, 4 * m), "4 min");
        assert_eq!(elapsed(l, 0, 65 * m), "1 h 5 min");
        assert_eq!(elapsed(l, 0, 120 * m), "2 h");
        assert_eq!(elapsed(l, 0, 49 * 60 * m), "2 d");
        assert_eq!(elapsed(l, 10, 0), "just now");
        assert_eq!(ago(l, 0, 30_000), "just now", "never \"just now ago\"");
        assert_eq!(ago(l, 0, 4 * m), "4 min ago");
    }

    #[test]
    fn spanish_puts_ago_first() {
        let (l, m) = (Locale::es, 60_000);
        assert_eq!(ago(l, 0, 4 * m), "hace 4 min");
        assert_eq!(ago(l, 0, 30_000), "ahora mismo");
        assert_eq!(elapsed(l, 0, 49 * 60 * m), "2 d");
    }
}
