//! The Analytics page: its report for a period and channel (with the previous period to compare),
//! its charts and its tables as CSV. What each number counts: `domain::analytics`; where the facts
//! come from: `storage::analytics`.

pub mod charts;
pub mod export;

use super::{settings, AppState};
use crate::domain::analytics::{
    self as an, AnalyticsQuery, AnalyticsReport, Charts, FlowGroup, Numbers, Period,
};
use crate::dto::Channel;
use crate::error::AppError;
use crate::i18n::Locale;
use futures::TryFutureExt;

/// One period's headline numbers and what the tables and charts are made of.
struct PeriodData {
    numbers: Numbers,
    flow: Vec<FlowGroup>,
    opened: Vec<(i64, i64)>,
    handoffs: Vec<(i64, String, i64)>,
    csat: Vec<(Option<i64>, an::Csat)>,
}

async fn period_data(
    state: &AppState,
    p: Period,
    channel: Option<Channel>,
    sla_target_ms: i64,
) -> Result<PeriodData, AppError> {
    let s = &state.store;
    let (opened, handoffs, (customer_messages, bot_replies), flow, csat) = futures::try_join!(
        s.analytics_opened_per_day(p, channel),
        s.analytics_handoffs(p, channel),
        s.analytics_messages(p, channel),
        s.analytics_flow(p, channel),
        s.analytics_csat(p, channel),
    )?;
    let mut numbers = Numbers {
        conversations: opened.iter().map(|(_, n)| n).sum(),
        customer_messages,
        bot_replies,
        handed_off: handoffs.iter().map(|(_, _, n)| n).sum(),
        ..Default::default()
    };
    for (_, c) in &csat {
        numbers.csat.asked += c.asked;
        numbers.csat.answered += c.answered;
        numbers.csat.positive += c.positive;
    }
    an::flow_numbers(&flow, sla_target_ms, &mut numbers);
    Ok(PeriodData {
        numbers,
        flow,
        opened,
        handoffs,
        csat,
    })
}

/// Handoffs per reason, summed over days.
fn by_reason(handoffs: &[(i64, String, i64)]) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = Vec::new();
    for (_, r, n) in handoffs {
        match out.iter_mut().find(|(x, _)| x == r) {
            Some((_, m)) => *m += n,
            None => out.push((r.clone(), *n)),
        }
    }
    out
}

/// The page's report for `q` at `now`, with its charts worded for `locale`.
pub async fn report(
    state: &AppState,
    q: &AnalyticsQuery,
    locale: Locale,
    now: i64,
) -> Result<AnalyticsReport, AppError> {
    // Days are the business's days (its time zone from Business hours; UTC without one).
    let offset = settings::business_hours(state).await?.offset_ms(now);
    let period = q.period(now, offset);
    let sla_target_secs = settings::queue(state).await?.sla_target_secs;
    let sla_ms = i64::from(sla_target_secs) * 1000;
    let store = &state.store;
    let (cur, prev, scenarios, low_confidence, handoff_hours, users) = futures::try_join!(
        period_data(state, period, q.channel, sla_ms),
        period_data(state, period.previous(), q.channel, sla_ms),
        store.analytics_scenarios(period, q.channel).err_into(),
        store.analytics_low_confidence(period, q.channel).err_into(),
        store.analytics_handoff_hours(period, q.channel).err_into(),
        store.list_users().err_into(),
    )?;
    let mut operators = an::operator_rows(&cur.flow);
    for (op, c) in &cur.csat {
        let Some(op) = op else { continue };
        match operators.iter_mut().find(|r| r.operator_id == *op) {
            Some(r) => r.csat = *c,
            None => operators.push(an::OperatorRow {
                operator_id: *op,
                csat: *c,
                ..Default::default()
            }),
        }
    }
    for r in &mut operators {
        r.name = users
            .iter()
            .find(|u| u.id == r.operator_id)
            .map(|u| u.display_name.clone())
            .unwrap_or_default();
    }
    operators.sort_by(|a, b| b.accepted.cmp(&a.accepted).then(a.name.cmp(&b.name)));
    let handed_per_day: Vec<(i64, i64)> = cur.handoffs.iter().map(|(d, _, n)| (*d, *n)).collect();
    let days = an::day_rows(period, &cur.opened, &handed_per_day, &cur.flow);
    let heatmap: Vec<Vec<i64>> = an::heatmap(&handoff_hours)
        .iter()
        .map(|r| r.to_vec())
        .collect();
    let charts = Charts {
        conversations: charts::conversations(locale, &days),
        waits: charts::waits(locale, &days),
        heatmap: charts::heatmap(locale, &heatmap),
    };
    Ok(AnalyticsReport {
        query: q.clone(),
        period,
        reasons: an::reason_rows(&by_reason(&cur.handoffs), &by_reason(&prev.handoffs)),
        now: cur.numbers,
        previous: prev.numbers,
        sla_target_secs,
        operators,
        scenarios,
        low_confidence,
        days,
        heatmap,
        charts,
    })
}
