//! A chat history line ([`SystemLine`]) in a reader's language: "Accepted by Ana",
//! "Aceptada por Ana", "Offered to Ana (first to accept)".

use crate::domain::bot::EscalationReason;
use crate::domain::history::{Expired, Names, Offer, Skipped, SystemLine, Why};
use crate::domain::queue::{RoutingPolicy, SkipReason};
use crate::i18n::*;

/// A line's English words, kept in the message's body for previews and exports (each reader's
/// interface words the stored line in their own language).
pub fn english(s: &SystemLine) -> String {
    line(Locale::en, s)
}

/// The line's words in `l`.
pub fn line(l: Locale, s: &SystemLine) -> String {
    match s {
        SystemLine::Ownership {
            kind,
            actor,
            target,
            why,
        } => ownership(l, kind, actor.as_deref(), target.as_deref(), why.as_ref()),
        SystemLine::Routing {
            expired,
            offers,
            skipped,
            fallback,
        } => routing(l, expired, offers, skipped, fallback.as_ref()),
        SystemLine::StillWaiting {
            waited_secs,
            step,
            alerted,
        } => {
            let waited = duration(l, *waited_secs);
            if alerted.is_empty() {
                td_string!(l, history.queue.still_nobody, waited = waited).to_string()
            } else {
                let group = match step {
                    0 => td_string!(l, history.queue.group.offered),
                    1 => td_string!(l, history.queue.group.available),
                    2 => td_string!(l, history.queue.group.all),
                    _ => td_string!(l, history.queue.group.everyone),
                };
                let names = names(l, alerted);
                td_string!(
                    l,
                    history.queue.still_alerted,
                    waited = waited,
                    group = group,
                    names = names
                )
                .to_string()
            }
        }
        SystemLine::Breached { target_secs } => {
            let target = duration(l, i64::from(*target_secs));
            td_string!(l, history.queue.breached, target = target).to_string()
        }
        SystemLine::Rated { score, scale } => match (scale, score) {
            (crate::domain::csat::Scale::Thumbs, 5) => td_string!(l, csat.history.up).to_string(),
            (crate::domain::csat::Scale::Thumbs, _) => td_string!(l, csat.history.down).to_string(),
            (_, score) => td_string!(l, csat.history.rated, score = score).to_string(),
        },
    }
}

/// "Offered to Ana, Ben (first to accept); skipped Cy (away)", lapsed offers first.
fn routing(
    l: Locale,
    expired: &[Expired],
    offers: &[Offer],
    skipped: &[Skipped],
    fallback: Option<&Names>,
) -> String {
    let mut parts: Vec<String> = expired
        .iter()
        .map(|e| {
            td_string!(
                l,
                history.queue.expired,
                name = &e.name,
                secs = e.after_secs
            )
            .to_string()
        })
        .collect();
    let first_routing = parts.len();
    for o in offers {
        parts.push(match o {
            Offer::To {
                names: to,
                policy: RoutingPolicy::FirstToAccept,
            } => td_string!(l, history.queue.offered_first, names = names(l, to)).to_string(),
            Offer::To {
                names: to,
                policy: RoutingPolicy::RoundRobin { offer_secs },
            } => td_string!(
                l,
                history.queue.offered_round_robin,
                names = names(l, to),
                secs = offer_secs
            )
            .to_string(),
            Offer::Nobody => td_string!(l, history.queue.nobody).to_string(),
        });
    }
    if !skipped.is_empty() {
        let people = skipped
            .iter()
            .map(|s| {
                let reason = skip_reason(l, s.reason);
                td_string!(
                    l,
                    history.queue.skipped_one,
                    name = &s.name,
                    reason = reason
                )
                .to_string()
            })
            .collect::<Vec<_>>()
            .join(", ");
        parts.push(td_string!(l, history.queue.skipped, people = people).to_string());
    }
    if let Some(f) = fallback {
        parts.push(td_string!(l, history.queue.fallback, names = names(l, f)).to_string());
    }
    // A fixed phrase starting the line gets a capital (a line never starts with it lowered);
    // a lapsed offer starts with a person's name, left as written.
    if first_routing == 0 {
        if let Some(p) = parts.first_mut() {
            *p = capitalized(p);
        }
    }
    parts.join("; ")
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// "Ana, Ben, 3 more".
fn names(l: Locale, n: &Names) -> String {
    let mut all = n.shown.clone();
    if n.more > 0 {
        all.push(td_string!(l, history.queue.more, n = n.more).to_string());
    }
    all.join(", ")
}

fn skip_reason(l: Locale, r: SkipReason) -> String {
    match r {
        SkipReason::Away => td_string!(l, history.queue.skip.away).to_string(),
        SkipReason::Offline => td_string!(l, history.queue.skip.offline).to_string(),
        SkipReason::Full { load, capacity } => {
            td_string!(l, history.queue.skip.full, load = load, capacity = capacity).to_string()
        }
    }
}

/// "45 s", "2 min", "2 min 30 s".
pub fn duration(l: Locale, secs: i64) -> String {
    match (secs / 60, secs % 60) {
        (0, s) => td_string!(l, common.time.seconds, s = s).to_string(),
        (m, 0) => td_string!(l, common.time.minutes, n = m).to_string(),
        (m, s) => td_string!(l, common.time.minutes_seconds, m = m, s = s).to_string(),
    }
}

/// An ownership change: "Accepted by Ana", "Escalated: keyword \"operador\"".
fn ownership(
    l: Locale,
    kind: &str,
    actor: Option<&str>,
    target: Option<&str>,
    reason: Option<&Why>,
) -> String {
    // "Accepted" / "Accepted by Ana".
    macro_rules! by {
        ($plain:ident, $by:ident) => {
            match actor {
                Some(name) => td_string!(l, history.$by, name = name).to_string(),
                None => td_string!(l, history.$plain).to_string(),
            }
        };
    }
    match kind {
        "escalated" => match reason {
            Some(w) => td_string!(l, history.escalated_because, reason = why(l, w)).to_string(),
            None => td_string!(l, history.escalated).to_string(),
        },
        "accepted" => by!(accepted, accepted_by),
        "taken_over" => by!(taken_over, taken_over_by),
        "returned" => td_string!(l, history.returned).to_string(),
        "released" => by!(released, released_by),
        "transferred" => match (target, actor) {
            (Some(t), Some(a)) => {
                td_string!(l, history.transferred_to_by, target = t, name = a).to_string()
            }
            (Some(t), None) => td_string!(l, history.transferred_to, target = t).to_string(),
            _ => td_string!(l, history.transferred).to_string(),
        },
        "closed" => by!(closed, closed_by),
        "reopened" => td_string!(l, history.reopened).to_string(),
        "ai_on" => by!(ai_on, ai_on_by),
        "ai_off" => by!(ai_off, ai_off_by),
        other => other.replace('_', " "),
    }
}

/// Why a conversation was escalated, in `l`.
pub fn why(l: Locale, w: &Why) -> String {
    match w {
        Why::Text(t) => t.clone(),
        Why::Bot(r) => reason(l, r),
    }
}

/// The bot's reason for an escalation, in `l`.
pub fn reason(l: Locale, r: &EscalationReason) -> String {
    match r {
        EscalationReason::Keyword(k) => {
            td_string!(l, history.reason.keyword, keyword = k).to_string()
        }
        EscalationReason::NoMatch(1) => td_string!(l, history.reason.no_match_one).to_string(),
        EscalationReason::NoMatch(n) => td_string!(l, history.reason.no_match, n = n).to_string(),
        EscalationReason::LowConfidence(c) => td_string!(
            l,
            history.reason.low_confidence,
            confidence = format!("{c:.2}")
        )
        .to_string(),
        EscalationReason::BotRequested => td_string!(l, history.reason.bot_requested).to_string(),
        EscalationReason::BotFailed(e) => {
            td_string!(l, history.reason.bot_failed, error = e).to_string()
        }
        EscalationReason::Paused => td_string!(l, history.reason.paused).to_string(),
        EscalationReason::AiOff => td_string!(l, history.reason.ai_off).to_string(),
        EscalationReason::VoiceNote { failed: false } => {
            td_string!(l, media.reason_voice_off).to_string()
        }
        EscalationReason::VoiceNote { failed: true } => {
            td_string!(l, media.reason_voice_failed).to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn en(kind: &str, actor: Option<&str>, target: Option<&str>) -> String {
        line(Locale::en, &SystemLine::new(kind, actor, target))
    }

    #[test]
    fn history_lines_read_like_the_chat_shows_them() {
        let kw = SystemLine::new("escalated", None, None)
            .because(Some(Why::Bot(EscalationReason::Keyword("operador".into()))));
        assert_eq!(line(Locale::en, &kw), "Escalated: keyword \"operador\"");
        assert_eq!(en("accepted", Some("Ana"), None), "Accepted by Ana");
        assert_eq!(en("returned", Some("Ana"), None), "Returned to bot");
        assert_eq!(en("closed", Some("Ana"), None), "Closed by Ana");
        assert_eq!(en("closed", None, None), "Closed");
        assert_eq!(
            en("transferred", Some("Ana"), Some("Ben")),
            "Transferred to Ben by Ana"
        );
        assert_eq!(en("taken_over", Some("Boss"), None), "Taken over by Boss");
        assert_eq!(en("escalated", None, None), "Escalated");
    }

    #[test]
    fn each_reader_gets_their_language() {
        let accepted = SystemLine::new("accepted", Some("Ana"), None);
        assert_eq!(line(Locale::es, &accepted), "Aceptada por Ana");
        let kw = SystemLine::new("escalated", None, None)
            .because(Some(Why::Bot(EscalationReason::NoMatch(3))));
        assert_eq!(
            line(Locale::es, &kw),
            "Escalada: ningún escenario coincidió con 3 mensajes seguidos"
        );
    }

    #[test]
    fn the_english_reasons_are_the_logs_sentences() {
        // The event log keeps `describe()`; the chat's English words must say the same.
        for r in [
            EscalationReason::Keyword("help".into()),
            EscalationReason::NoMatch(1),
            EscalationReason::NoMatch(4),
            EscalationReason::LowConfidence(0.42),
            EscalationReason::BotRequested,
            EscalationReason::BotFailed("timed out".into()),
            EscalationReason::Paused,
            EscalationReason::AiOff,
            EscalationReason::VoiceNote { failed: false },
            EscalationReason::VoiceNote { failed: true },
        ] {
            assert_eq!(reason(Locale::en, &r), r.describe());
        }
    }
}
