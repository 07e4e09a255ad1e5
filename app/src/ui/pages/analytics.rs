//! Analytics (admins): how the bot and the team did over a period, compared with the period
//! before. The period and channel live in the URL query (a plain GET form), so the page works
//! without JavaScript and can be shared; the charts are SVG drawn on the server.

use super::load_error;
use crate::api::analytics::fetch_analytics;
use crate::domain::analytics::{
    format_day, ratio, AnalyticsQuery, AnalyticsReport, Measure, RangeKind, DAY_MS,
};
use crate::dto::Channel;
use crate::i18n::*;
use crate::text::analytics as words;
use crate::ui::layout::AdminOnly;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AnalyticsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let q = Memo::new(move |_| query.with(|m| AnalyticsQuery::from_params(|k| m.get(k))));
    let report = Resource::new(
        move || q.get(),
        |q| {
            fetch_analytics(
                q.range.as_str().to_string(),
                q.from,
                q.to,
                q.channel
                    .map(|c| c.as_str().to_string())
                    .unwrap_or_default(),
            )
        },
    );
    view! {
        <AdminOnly>
        <section class="page analytics" aria-labelledby="an-title">
            <h1 id="an-title" class="page-title">{t!(i18n, analytics.title)}</h1>
            <Filters q/>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, analytics.loading)}</p> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(r) => view! { <Report r/> }.into_any(),
                        Err(e) => load_error(&e),
                    }
                })}
            </Transition>
        </section>
        </AdminOnly>
    }
}

/// The period picker and channel filter: a GET form on `/analytics`.
#[component]
fn Filters(q: Memo<AnalyticsQuery>) -> impl IntoView {
    let i18n = use_i18n();
    let range_name = move |r: RangeKind| match r {
        RangeKind::Today => t_string!(i18n, analytics.range.today),
        RangeKind::Week => t_string!(i18n, analytics.range.week),
        RangeKind::Month => t_string!(i18n, analytics.range.month),
        RangeKind::Custom => t_string!(i18n, analytics.range.custom),
    };
    view! {
        <form class="card analytics-filters" method="get" action="/analytics"
            aria-label=move || t_string!(i18n, analytics.filters)>
            <label>
                <span>{t!(i18n, analytics.range.label)}</span>
                <select name="range">
                    {RangeKind::ALL.into_iter().map(|r| view! {
                        <option value=r.as_str() selected=move || q.get().range == r>{move || range_name(r)}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                <span>{t!(i18n, analytics.from)}</span>
                <input type="date" name="from" prop:value=move || q.get().from/>
            </label>
            <label>
                <span>{t!(i18n, analytics.to)}</span>
                <input type="date" name="to" prop:value=move || q.get().to/>
            </label>
            <label>
                <span>{t!(i18n, analytics.channel)}</span>
                <select name="channel">
                    <option value="" selected=move || q.get().channel.is_none()>{t!(i18n, analytics.all_channels)}</option>
                    {[Channel::Whatsapp, Channel::Telegram, Channel::Web].into_iter().map(|c| view! {
                        <option value=c.as_str() selected=move || q.get().channel == Some(c)>
                            {move || crate::text::channel_name(i18n.get_locale(), c)}
                        </option>
                    }).collect_view()}
                </select>
            </label>
            <button type="submit" class="btn primary">{t!(i18n, analytics.apply)}</button>
        </form>
    }
}

/// A table's `Export CSV` link, for the same period and filter.
#[component]
fn Export(name: &'static str, query: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <a class="btn export" href=format!("/analytics/export/{name}.csv{query}") download=""
            data-table=name>{t!(i18n, analytics.export)}</a>
    }
}

/// A titled table section with its help line and export link.
#[component]
fn TableCard(
    name: &'static str,
    title: String,
    help: String,
    query: String,
    children: Children,
) -> impl IntoView {
    let id = format!("an-{name}");
    let labelled_by = id.clone();
    view! {
        <section class="card analytics-card" aria-labelledby=labelled_by data-table=name>
            <div class="analytics-card-head">
                <h2 id=id>{title}</h2>
                <Export name query/>
            </div>
            <p class="muted small help">{help}</p>
            <div class="table-scroll">{children()}</div>
        </section>
    }
}

#[component]
fn Report(r: AnalyticsReport) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let query = r.query.to_query();
    let p = r.period;
    let prev = p.previous();
    let (first, end) = p.day_span();
    let (prev_first, prev_end) = prev.day_span();
    let period_line = td_string!(
        l,
        analytics.period_line,
        from = format_day(first),
        to = format_day(end - 1),
        prev_from = format_day(prev_first),
        prev_to = format_day(prev_end - 1)
    )
    .to_string();
    let none = td_string!(l, analytics.none);
    let summary = Measure::ALL
        .into_iter()
        .map(|m| {
            let (now, before) = (m.of(&r.now), m.of(&r.previous));
            view! {
                <tr data-measure=m.code()>
                    <th scope="row">
                        <span class="measure">{words::measure(l, m)}</span>
                        <span class="muted small help">{words::definition(l, m, r.sla_target_secs)}</span>
                    </th>
                    <td class="num now">{words::value(l, now)}</td>
                    <td class="num before">{words::value(l, before)}</td>
                    <td class="num delta">{words::delta(l, now, before)}</td>
                </tr>
            }
        })
        .collect_view();
    let conversations = r.now.conversations;
    let reasons = r
        .reasons
        .iter()
        .map(|x| {
            view! {
                <tr data-reason=x.reason.clone()>
                    <th scope="row">{words::reason(l, &x.reason)}</th>
                    <td class="num">{x.count}</td>
                    <td class="num">{words::percent(l, ratio(x.count, conversations))}</td>
                    <td class="num">{x.previous}</td>
                </tr>
            }
        })
        .collect_view();
    let operators = if r.operators.is_empty() {
        view! { <p class="muted">{td_string!(l, analytics.operators.empty)}</p> }.into_any()
    } else {
        view! {
            <table class="analytics-table">
                <thead><tr>
                    <th scope="col">{td_string!(l, analytics.operators.name)}</th>
                    <th scope="col">{td_string!(l, analytics.operators.accepted)}</th>
                    <th scope="col">{td_string!(l, analytics.operators.first_reply)}</th>
                    <th scope="col">{td_string!(l, analytics.operators.resolution)}</th>
                    <th scope="col">{td_string!(l, analytics.operators.csat)}</th>
                </tr></thead>
                <tbody>
                    {r.operators.iter().map(|o| view! {
                        <tr data-operator=o.operator_id>
                            <th scope="row">{if o.name.is_empty() { td_string!(l, analytics.operators.unknown).to_string() } else { o.name.clone() }}</th>
                            <td class="num">{o.accepted}</td>
                            <td class="num">{words::duration(l, o.first_reply_median)}</td>
                            <td class="num">{words::duration(l, o.resolution_median)}</td>
                            <td class="num">{words::percent(l, o.csat.score())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    let scenarios = if r.scenarios.is_empty() {
        view! { <p class="muted">{td_string!(l, analytics.scenarios.empty)}</p> }.into_any()
    } else {
        view! {
            <table class="analytics-table">
                <thead><tr>
                    <th scope="col">{td_string!(l, analytics.scenarios.name)}</th>
                    <th scope="col">{td_string!(l, analytics.scenarios.matches)}</th>
                    <th scope="col">{td_string!(l, analytics.scenarios.handoffs)}</th>
                    <th scope="col">{td_string!(l, analytics.scenarios.rate)}</th>
                </tr></thead>
                <tbody>
                    {r.scenarios.iter().map(|s| view! {
                        <tr data-scenario=s.scenario_id>
                            <th scope="row">{match &s.name {
                                Some(n) => n.clone(),
                                None => td_string!(l, analytics.scenarios.deleted, id = s.scenario_id).to_string(),
                            }}</th>
                            <td class="num">{s.matches}</td>
                            <td class="num">{s.handoffs}</td>
                            <td class="num">{words::percent(l, ratio(s.handoffs, s.matches))}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    let low = if r.low_confidence.is_empty() {
        view! { <p class="muted">{td_string!(l, analytics.low_confidence.empty)}</p> }.into_any()
    } else {
        view! {
            <table class="analytics-table">
                <thead><tr>
                    <th scope="col">{td_string!(l, analytics.low_confidence.when)}</th>
                    <th scope="col">{td_string!(l, analytics.low_confidence.channel)}</th>
                    <th scope="col">{td_string!(l, analytics.low_confidence.confidence)}</th>
                    <th scope="col">{td_string!(l, analytics.low_confidence.conversation)}</th>
                </tr></thead>
                <tbody>
                    {r.low_confidence.iter().map(|x| {
                        let channel = Channel::parse(&x.channel)
                            .map(|c| crate::text::channel_name(l, c).to_string())
                            .unwrap_or_else(|| x.channel.clone());
                        view! {
                            <tr>
                                <td>{local_minute(x.at, p.offset)}</td>
                                <td>{channel}</td>
                                <td class="num">{x.confidence.map(|c| format!("{c:.2}")).unwrap_or_else(|| none.to_string())}</td>
                                <td><a href=format!("/conversations/{}", x.conversation_id)>
                                    {td_string!(l, analytics.low_confidence.open, id = x.conversation_id)}
                                </a></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    let days = r
        .days
        .iter()
        .map(|d| {
            view! {
                <tr>
                    <th scope="row">{d.day.clone()}</th>
                    <td class="num">{d.conversations}</td>
                    <td class="num">{d.conversations - d.handed_off}</td>
                    <td class="num">{d.handed_off}</td>
                    <td class="num">{words::duration(l, d.wait_median)}</td>
                    <td class="num">{words::duration(l, d.wait_p90)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="muted period-line">{period_line}</p>
        <div class="analytics-charts">
            <figure class="card chart" data-chart="conversations" inner_html=r.charts.conversations.clone()></figure>
            <figure class="card chart" data-chart="waits" inner_html=r.charts.waits.clone()></figure>
            <figure class="card chart" data-chart="heatmap" inner_html=r.charts.heatmap.clone()></figure>
        </div>
        <TableCard name="summary" title=td_string!(l, analytics.summary.title).to_string()
            help=td_string!(l, analytics.summary.definition).to_string() query=query.clone()>
            <table class="analytics-table summary">
                <thead><tr>
                    <th scope="col">{td_string!(l, analytics.summary.measure)}</th>
                    <th scope="col">{td_string!(l, analytics.summary.now)}</th>
                    <th scope="col">{td_string!(l, analytics.summary.before)}</th>
                    <th scope="col">{td_string!(l, analytics.summary.change)}</th>
                </tr></thead>
                <tbody>{summary}</tbody>
            </table>
        </TableCard>
        <TableCard name="reasons" title=td_string!(l, analytics.reasons.title).to_string()
            help=td_string!(l, analytics.reasons.help).to_string() query=query.clone()>
            <table class="analytics-table">
                <thead><tr>
                    <th scope="col">{td_string!(l, analytics.reasons.reason)}</th>
                    <th scope="col">{td_string!(l, analytics.reasons.count)}</th>
                    <th scope="col">{td_string!(l, analytics.reasons.rate)}</th>
                    <th scope="col">{td_string!(l, analytics.summary.before)}</th>
                </tr></thead>
                <tbody>{reasons}</tbody>
            </table>
        </TableCard>
        <TableCard name="operators" title=td_string!(l, analytics.operators.title).to_string()
            help=td_string!(l, analytics.operators.help).to_string() query=query.clone()>
            {operators}
        </TableCard>
        <TableCard name="scenarios" title=td_string!(l, analytics.scenarios.title).to_string()
            help=td_string!(l, analytics.scenarios.help).to_string() query=query.clone()>
            {scenarios}
        </TableCard>
        <TableCard name="low_confidence" title=td_string!(l, analytics.low_confidence.title).to_string()
            help=td_string!(l, analytics.low_confidence.help).to_string() query=query.clone()>
            {low}
        </TableCard>
        <TableCard name="days" title=td_string!(l, analytics.days.title).to_string()
            help=td_string!(l, analytics.days.help).to_string() query=query>
            <table class="analytics-table">
                <thead><tr>
                    <th scope="col">{td_string!(l, analytics.days.day)}</th>
                    <th scope="col">{td_string!(l, analytics.days.conversations)}</th>
                    <th scope="col">{td_string!(l, analytics.days.bot_resolved)}</th>
                    <th scope="col">{td_string!(l, analytics.days.handed_off)}</th>
                    <th scope="col">{td_string!(l, analytics.days.wait_median)}</th>
                    <th scope="col">{td_string!(l, analytics.days.wait_p90)}</th>
                </tr></thead>
                <tbody>{days}</tbody>
            </table>
        </TableCard>
    }
}

/// `YYYY-MM-DD HH:MM` in the business's time (`offset` from UTC, ms).
fn local_minute(at: i64, offset: i64) -> String {
    let at = at + offset;
    let m = at.rem_euclid(DAY_MS) / 60_000;
    format!(
        "{} {:02}:{:02}",
        format_day(at.div_euclid(DAY_MS)),
        m / 60,
        m % 60
    )
}
