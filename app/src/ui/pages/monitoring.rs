//! Monitoring: how many conversations are in each state and who is online.

use super::load_error;
use crate::api::conversations::monitoring;
use crate::api::queue::fetch_queue_overview;
use crate::dto::QueueOverview;
use crate::i18n::*;
use crate::text::{ago, wait_label};
use crate::ui::live::LiveState;
use leptos::prelude::*;

#[component]
pub fn MonitoringPage() -> impl IntoView {
    let live = expect_context::<LiveState>();
    let i18n = use_i18n();
    let snap = Resource::new(
        move || {
            (
                live.conversations.get(),
                live.operators.get(),
                live.bot.get(),
                live.resyncs.get(),
            )
        },
        |_| monitoring(),
    );
    let overview = Resource::new(
        move || {
            (
                live.conversations.get(),
                live.operators.get(),
                live.queue.get(),
                live.resyncs.get(),
            )
        },
        |_| fetch_queue_overview(local_utc_offset_minutes()),
    );
    view! {
            <section class="page" aria-labelledby="mon-title">
                <h1 id="mon-title" class="page-title">{t!(i18n, monitoring.title)}</h1>
                <Transition fallback=move || view! { <p class="muted">{t!(i18n, monitoring.loading)}</p> }>
                    {move || Suspend::new(async move {
                        match snap.await {
                            Ok(s) => {
                                let status = s.bot_status.clone();
                                view! {
                                <div class="card bot-status" data-status=s.bot_status.clone()>
                                    <span class="stat-label">{t!(i18n, monitoring.bot)}</span>
                                    <strong class="bot-status-text">{move || match status.as_str() {
                                        "paused" => t_string!(i18n, monitoring.bot_status.paused),
                                        "down" => t_string!(i18n, monitoring.bot_status.down),
                                        _ => t_string!(i18n, monitoring.bot_status.running),
                                    }}</strong>
                                    {s.bot_error.clone().map(|e| view! { <p class="muted small">{e}</p> })}
                                </div>
                                <div class="cards">
                                    {s.by_state.iter().map(|&(state, n)| view! {
                                        <div class="card stat" data-state=state.as_str()>
                                            <span class="stat-n">{n}</span>
                                            <span class="stat-label">{move || crate::text::state_name(i18n.get_locale(), state)}</span>
                                        </div>
                                    }).collect_view()}
                                    <div class="card stat">
                                        <span class="stat-n">{s.operators_online}</span>
                                        <span class="stat-label">{t!(i18n, monitoring.operators_online)}</span>
                                    </div>
                                </div>
    <div class="card instances" data-broker=match s.broker_connected {
                                    None => "none",
                                    Some(true) => "connected",
                                    Some(false) => "disconnected",
                                }>
                                    <span class="stat-label">{t!(i18n, monitoring.instances.title)}</span>
                                    <ul class="instance-list">
                                        {s.instances.iter().map(|i| {
                                            let (up, n) = (i.up, i.operators_online);
                                            let health = move || {
                                                if !up {
                                                    t_string!(i18n, monitoring.instances.gone).to_string()
                                                } else if n == 1 {
                                                    t_string!(i18n, monitoring.instances.up.one, n = n)
                                                } else {
                                                    t_string!(i18n, monitoring.instances.up.many, n = n)
                                                }
                                            };
                                            view! {
                                                <li data-up=i.up.to_string()>
                                                    <code>{i.id.clone()}</code>
                                                    {i.this.then(|| view! { " " {t!(i18n, monitoring.instances.this_page)} })}
                                                    " · "{health}
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                    {match s.broker_connected {
                                        None => None,
                                        Some(true) => Some(view! { <p class="muted small">{t!(i18n, monitoring.instances.broker_connected)}</p> }.into_any()),
                                        Some(false) => Some(view! {
                                            <p class="muted small">{t!(i18n, monitoring.instances.broker_unreachable)}</p>
                                        }.into_any()),
                                    }}
                                </div>
                            }.into_any()
                            }
                            Err(e) => load_error(&e),
                        }
                    })}
                </Transition>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match overview.await {
                            Ok(o) => view! { <Overview o/> }.into_any(),
                            Err(e) => load_error(&e),
                        }
                    })}
                </Transition>
            </section>
        }
}

/// Minutes east of UTC in the browser (0 while rendering on the server), so "SLA breaches today"
/// counts from the operator's own midnight.
fn local_utc_offset_minutes() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        -(js_sys::Date::new_0().get_timezone_offset() as i64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0
    }
}

#[component]
fn Overview(o: QueueOverview) -> impl IntoView {
    let i18n = use_i18n();
    let now = o.now;
    let target_min = o.settings.sla_target_secs / 60;
    let queue = if o.waiting.is_empty() {
        view! { <p class="muted">{t!(i18n, monitoring.queue.empty)}</p> }.into_any()
    } else {
        view! {
            <ul class="rows queue">
                {o.waiting.into_iter().map(|w| {
                    let c = w.conversation;
                    let offered = (!w.offered_to.is_empty()).then(|| w.offered_to.join(", "));
                    let preview = c.preview.clone();
                    let preview = move || match offered.clone() {
                        Some(names) => t_string!(i18n, monitoring.queue.offered_to, names = names),
                        None => preview.clone(),
                    };
                    let (breached, since, step) = (w.breached, now - w.wait_ms, w.step + 1);
                    view! {
                        <li class="row" data-breached=w.breached.to_string()>
                            <a class="row-link" href=format!("/conversations/{}", c.id)>
                                <span class="row-main">
                                    <span class="row-top">
                                        <span class="name">{crate::text::contact_name(i18n.get_locale_untracked(), &c)}</span>
                                        <span class="time">{t!(i18n, monitoring.queue.alert_step, step = step)}</span>
                                    </span>
                                    <span class="preview">{preview}</span>
                                </span>
                                <span class={if breached { "badge wait" } else { "badge owner" }}
                                    title=move || if breached {
                                        t_string!(i18n, monitoring.queue.over_target)
                                    } else {
                                        t_string!(i18n, monitoring.queue.within_target)
                                    }>
                                    {move || wait_label(i18n.get_locale(), since, now)}
                                    {breached.then(|| view! { " · " {t!(i18n, monitoring.queue.sla)} })}
                                </span>
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }.into_any()
    };
    view! {
        <div class="cards">
            <div class="card stat" data-state={if o.breaches_today > 0 { "waiting" } else { "ok" }}>
                <span class="stat-n">{o.breaches_today}</span>
                <span class="stat-label">{t!(i18n, monitoring.breaches_today, target = target_min)}</span>
            </div>
        </div>
        <section class="card" aria-labelledby="mon-queue">
            <h2 id="mon-queue">{t!(i18n, monitoring.queue.title)}</h2>
            {queue}
        </section>
        <section class="card" aria-labelledby="mon-ops">
            <h2 id="mon-ops">{t!(i18n, monitoring.operators.title)}</h2>
            <ul class="people">
                {o.operators.into_iter().map(|op| {
                    let (online, push, available) = (op.online, op.push_ready, op.available);
                    let reach = if online { "online" } else if push { "push" } else { "offline" };
                    view! {
                    <li class="person" data-online=op.online.to_string() data-reach=reach>
                        <span class="person-main">
                            <span class="name">{op.display_name.clone()}</span>
                            <span class="muted small">
                                {move || if online {
                                    t_string!(i18n, monitoring.operators.online)
                                } else if push {
                                    t_string!(i18n, monitoring.operators.push)
                                } else {
                                    t_string!(i18n, monitoring.operators.offline)
                                }}
                                " · "
                                {move || if available {
                                    t_string!(i18n, monitoring.operators.available)
                                } else {
                                    t_string!(i18n, monitoring.operators.away)
                                }}
                            </span>
                        </span>
                        <span class="badge owner">{format!("{} / {}", op.load, op.capacity)}</span>
                    </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <section class="card" aria-labelledby="mon-ch">
            <h2 id="mon-ch">{t!(i18n, monitoring.channels.title)}</h2>
            <dl class="kv">
                {o.channels.into_iter().map(|ch| {
                    let (channel, last, failures) = (ch.channel, ch.last_inbound_at, ch.failures_24h);
                    let last_message = move || {
                        let locale = i18n.get_locale();
                        match last {
                            Some(t) => td_string!(locale, monitoring.channels.last_message, ago = ago(locale, t, now)),
                            None => td_string!(locale, monitoring.channels.no_messages).to_string(),
                        }
                    };
                    let failed = move || {
                        if failures == 1 {
                            t_string!(i18n, monitoring.channels.failed_sends.one, n = failures)
                        } else {
                            t_string!(i18n, monitoring.channels.failed_sends.many, n = failures)
                        }
                    };
                    view! {
                        <dt>{move || crate::text::channel_name(i18n.get_locale(), channel)}</dt>
                        <dd>{last_message}" · "{failed}</dd>
                    }
                }).collect_view()}
            </dl>
        </section>
    }
}
