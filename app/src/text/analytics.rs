//! The analytics page's words built from data: reasons, durations, percentages, changes.

use crate::i18n::*;

/// A handoff reason's name ("keyword", "taken over by an admin").
pub fn reason(l: Locale, code: &str) -> String {
    match code {
        crate::domain::analytics::TAKEN_OVER => {
            td_string!(l, analytics.reasons.taken_over).to_string()
        }
        "other" => td_string!(l, analytics.reasons.other).to_string(),
        _ => super::escalation(l, code),
    }
}

/// A duration in ms as "45 s", "3 min 20 s", "2 h 5 min", "3 d"; "—" for none.
pub fn duration(l: Locale, ms: Option<i64>) -> String {
    let Some(ms) = ms else {
        return td_string!(l, analytics.none).to_string();
    };
    let s = ms.max(0) / 1000;
    match s {
        0..=59 => td_string!(l, common.time.seconds, s = s).to_string(),
        60..=3599 => match s % 60 {
            0 => td_string!(l, common.time.minutes, n = s / 60).to_string(),
            r => td_string!(l, common.time.minutes_seconds, m = s / 60, s = r).to_string(),
        },
        3600..=86_399 => match (s / 60) % 60 {
            0 => td_string!(l, common.time.hours, h = s / 3600).to_string(),
            m => td_string!(l, common.time.hours_minutes, h = s / 3600, m = m).to_string(),
        },
        _ => td_string!(l, common.time.days, d = s / 86_400).to_string(),
    }
}

/// A percentage with one decimal in the reader's style ("12.5 %", "12,5 %"); "—" for none.
pub fn percent(l: Locale, p: Option<f64>) -> String {
    match p {
        Some(p) => format!("{} %", decimal(l, p)),
        None => td_string!(l, analytics.none).to_string(),
    }
}

/// One decimal, with the reader's decimal mark.
pub fn decimal(l: Locale, x: f64) -> String {
    let s = format!("{x:.1}");
    match l {
        Locale::es => s.replace('.', ","),
        _ => s,
    }
}

/// The change from `before` to `now` with its sign ("+3", "−2", "0").
pub fn delta_count(now: i64, before: i64) -> String {
    signed(now - before, |d| d.to_string())
}

/// The change of a percentage in points ("+2.5 pp"); "—" when either is missing.
pub fn delta_percent(l: Locale, now: Option<f64>, before: Option<f64>) -> String {
    match (now, before) {
        (Some(a), Some(b)) => {
            let d = a - b;
            let sign = if d > 0.05 {
                "+"
            } else if d < -0.05 {
                "−"
            } else {
                ""
            };
            format!("{sign}{} pp", decimal(l, d.abs()))
        }
        _ => td_string!(l, analytics.none).to_string(),
    }
}

/// The change of a duration ("+1 min", "−30 s"); "—" when either is missing.
pub fn delta_duration(l: Locale, now: Option<i64>, before: Option<i64>) -> String {
    match (now, before) {
        (Some(a), Some(b)) => signed(a - b, |d| duration(l, Some(d))),
        _ => td_string!(l, analytics.none).to_string(),
    }
}

fn signed(d: i64, show: impl Fn(i64) -> String) -> String {
    match d {
        0 => "0".to_string(),
        d if d > 0 => format!("+{}", show(d)),
        d => format!("−{}", show(-d)),
    }
}

/// Short weekday names, Monday first.
pub fn weekdays(l: Locale) -> [&'static str; 7] {
    [
        td_string!(l, analytics.charts.weekdays.mon),
        td_string!(l, analytics.charts.weekdays.tue),
        td_string!(l, analytics.charts.weekdays.wed),
        td_string!(l, analytics.charts.weekdays.thu),
        td_string!(l, analytics.charts.weekdays.fri),
        td_string!(l, analytics.charts.weekdays.sat),
        td_string!(l, analytics.charts.weekdays.sun),
    ]
}

use crate::domain::analytics::{Measure, Value};

/// A measure's name ("Bot resolution rate").
pub fn measure(l: Locale, m: Measure) -> &'static str {
    match m {
        Measure::Conversations => td_string!(l, analytics.measure.conversations),
        Measure::CustomerMessages => td_string!(l, analytics.measure.customer_messages),
        Measure::BotReplies => td_string!(l, analytics.measure.bot_replies),
        Measure::BotResolution => td_string!(l, analytics.measure.bot_resolution),
        Measure::HandoffRate => td_string!(l, analytics.measure.handoff_rate),
        Measure::FirstReplyMedian => td_string!(l, analytics.measure.first_reply_median),
        Measure::FirstReplyP90 => td_string!(l, analytics.measure.first_reply_p90),
        Measure::WaitingMedian => td_string!(l, analytics.measure.waiting_median),
        Measure::WaitingP90 => td_string!(l, analytics.measure.waiting_p90),
        Measure::ResolutionMedian => td_string!(l, analytics.measure.resolution_median),
        Measure::ResolutionP90 => td_string!(l, analytics.measure.resolution_p90),
        Measure::Sla => td_string!(l, analytics.measure.sla),
        Measure::Csat => td_string!(l, analytics.measure.csat),
        Measure::CsatResponse => td_string!(l, analytics.measure.csat_response),
    }
}

/// A measure's one-line definition; the SLA's names the waiting target.
pub fn definition(l: Locale, m: Measure, sla_target_secs: u32) -> String {
    match m {
        Measure::Conversations => td_string!(l, analytics.help.conversations).to_string(),
        Measure::CustomerMessages => td_string!(l, analytics.help.customer_messages).to_string(),
        Measure::BotReplies => td_string!(l, analytics.help.bot_replies).to_string(),
        Measure::BotResolution => td_string!(l, analytics.help.bot_resolution).to_string(),
        Measure::HandoffRate => td_string!(l, analytics.help.handoff_rate).to_string(),
        Measure::FirstReplyMedian | Measure::FirstReplyP90 => {
            td_string!(l, analytics.help.first_reply).to_string()
        }
        Measure::WaitingMedian | Measure::WaitingP90 => {
            td_string!(l, analytics.help.waiting).to_string()
        }
        Measure::ResolutionMedian | Measure::ResolutionP90 => {
            td_string!(l, analytics.help.resolution).to_string()
        }
        Measure::Sla => {
            let target = duration(l, Some(i64::from(sla_target_secs) * 1000));
            td_string!(l, analytics.help.sla, target = target).to_string()
        }
        Measure::Csat => td_string!(l, analytics.help.csat).to_string(),
        Measure::CsatResponse => td_string!(l, analytics.help.csat_response).to_string(),
    }
}

/// A value as the page shows it ("12", "40.0 %", "3 min 20 s").
pub fn value(l: Locale, v: Value) -> String {
    match v {
        Value::Count(n) => n.to_string(),
        Value::Percent(p) => percent(l, p),
        Value::Duration(d) => duration(l, d),
    }
}

/// The change from `before` to `now`.
pub fn delta(l: Locale, now: Value, before: Value) -> String {
    match (now, before) {
        (Value::Count(a), Value::Count(b)) => delta_count(a, b),
        (Value::Percent(a), Value::Percent(b)) => delta_percent(l, a, b),
        (Value::Duration(a), Value::Duration(b)) => delta_duration(l, a, b),
        _ => td_string!(l, analytics.none).to_string(),
    }
}
