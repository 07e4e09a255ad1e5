//! The analytics tables as CSV (`/analytics/export/<table>.csv`): the same period, filter and
//! numbers as the page, headers in the reader's language, values plain (counts, percentages with
//! one decimal, durations in seconds, times as ISO dates). Text cells are guarded against formula
//! injection (`domain::analytics::csv_text`).

use crate::domain::analytics::{self as an, AnalyticsReport, Measure, Value};
use crate::error::AppError;
use crate::i18n::*;
use crate::text::analytics as words;

/// A CSV file: its name and its bytes.
pub struct CsvFile {
    pub filename: String,
    pub body: Vec<u8>,
}

fn seconds(ms: Option<i64>) -> String {
    Value::Duration(ms).plain()
}

fn percent(p: Option<f64>) -> String {
    Value::Percent(p).plain()
}

/// Table `name` (one of [`an::TABLES`]) of `r` as CSV; `None` for an unknown table.
pub fn table(r: &AnalyticsReport, name: &str, l: Locale) -> Result<Option<CsvFile>, AppError> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    match name {
        "summary" => {
            rows.push(vec![
                td_string!(l, analytics.summary.measure).to_string(),
                td_string!(l, analytics.summary.now).to_string(),
                td_string!(l, analytics.summary.before).to_string(),
            ]);
            for m in Measure::ALL {
                rows.push(vec![
                    words::measure(l, m).to_string(),
                    m.of(&r.now).plain(),
                    m.of(&r.previous).plain(),
                ]);
            }
        }
        "reasons" => {
            rows.push(vec![
                td_string!(l, analytics.reasons.reason).to_string(),
                td_string!(l, analytics.reasons.count).to_string(),
                td_string!(l, analytics.reasons.rate).to_string(),
                td_string!(l, analytics.summary.before).to_string(),
            ]);
            for x in &r.reasons {
                rows.push(vec![
                    an::csv_text(&words::reason(l, &x.reason)),
                    x.count.to_string(),
                    percent(an::ratio(x.count, r.now.conversations)),
                    x.previous.to_string(),
                ]);
            }
        }
        "operators" => {
            rows.push(vec![
                td_string!(l, analytics.operators.name).to_string(),
                td_string!(l, analytics.operators.accepted).to_string(),
                td_string!(l, analytics.operators.first_reply).to_string(),
                td_string!(l, analytics.operators.resolution).to_string(),
                td_string!(l, analytics.operators.csat).to_string(),
            ]);
            for o in &r.operators {
                rows.push(vec![
                    an::csv_text(&o.name),
                    o.accepted.to_string(),
                    seconds(o.first_reply_median),
                    seconds(o.resolution_median),
                    percent(o.csat.score()),
                ]);
            }
        }
        "scenarios" => {
            rows.push(vec![
                td_string!(l, analytics.scenarios.name).to_string(),
                td_string!(l, analytics.scenarios.matches).to_string(),
                td_string!(l, analytics.scenarios.handoffs).to_string(),
            ]);
            for s in &r.scenarios {
                let name = match &s.name {
                    Some(n) => n.clone(),
                    None => {
                        td_string!(l, analytics.scenarios.deleted, id = s.scenario_id).to_string()
                    }
                };
                rows.push(vec![
                    an::csv_text(&name),
                    s.matches.to_string(),
                    s.handoffs.to_string(),
                ]);
            }
        }
        "low_confidence" => {
            rows.push(vec![
                td_string!(l, analytics.low_confidence.when).to_string(),
                td_string!(l, analytics.low_confidence.channel).to_string(),
                td_string!(l, analytics.low_confidence.confidence).to_string(),
                td_string!(l, analytics.low_confidence.conversation).to_string(),
            ]);
            for x in &r.low_confidence {
                rows.push(vec![
                    iso_time(x.at),
                    an::csv_text(&x.channel),
                    x.confidence.map(|c| format!("{c:.2}")).unwrap_or_default(),
                    x.conversation_id.to_string(),
                ]);
            }
        }
        "days" => {
            rows.push(vec![
                td_string!(l, analytics.days.day).to_string(),
                td_string!(l, analytics.days.conversations).to_string(),
                td_string!(l, analytics.days.bot_resolved).to_string(),
                td_string!(l, analytics.days.handed_off).to_string(),
                td_string!(l, analytics.days.wait_median).to_string(),
                td_string!(l, analytics.days.wait_p90).to_string(),
            ]);
            for d in &r.days {
                rows.push(vec![
                    d.day.clone(),
                    d.conversations.to_string(),
                    (d.conversations - d.handed_off).to_string(),
                    d.handed_off.to_string(),
                    seconds(d.wait_median),
                    seconds(d.wait_p90),
                ]);
            }
        }
        _ => return Ok(None),
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in &rows {
        w.write_record(row).map_err(|e| {
            tracing::error!(error = %e, "analytics CSV not written");
            AppError::Internal
        })?;
    }
    let body = w.into_inner().map_err(|e| {
        tracing::error!(error = %e, "analytics CSV not written");
        AppError::Internal
    })?;
    let (first, end) = r.period.day_span();
    Ok(Some(CsvFile {
        filename: format!(
            "baton-{name}-{}-{}.csv",
            an::format_day(first),
            an::format_day(end - 1)
        ),
        body,
    }))
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a unix ms time.
fn iso_time(at: i64) -> String {
    let s = at.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        an::format_day(at.div_euclid(an::DAY_MS)),
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}
