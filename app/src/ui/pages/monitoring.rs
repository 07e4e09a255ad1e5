//! Monitoring: how many conversations are in each state and who is online.

use super::conversations::group_title;
use super::load_error;
use super::{ago, wait_label};
use crate::api::conversations::monitoring;
use crate::api::queue::fetch_queue_overview;
use crate::dto::QueueOverview;
use crate::ui::live::LiveState;
use leptos::prelude::*;

#[component]
pub fn MonitoringPage() -> impl IntoView {
    let live = expect_context::<LiveState>();
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
                <h1 id="mon-title" class="page-title">"Monitoring"</h1>
                <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match snap.await {
                            Ok(s) => view! {
                                <div class="card bot-status" data-status=s.bot_status.clone()>
                                    <span class="stat-label">"Bot"</span>
                                    <strong class="bot-status-text">{match s.bot_status.as_str() {
                                        "paused" => "Paused: new messages go to the queue",
                                        "down" => "Down: the external bot is failing",
                                        _ => "Running",
                                    }}</strong>
                                    {s.bot_error.clone().map(|e| view! { <p class="muted small">{e}</p> })}
                                </div>
                                <div class="cards">
                                    {s.by_state.iter().map(|(state, n)| view! {
                                        <div class="card stat" data-state=state.as_str()>
                                            <span class="stat-n">{*n}</span>
                                            <span class="stat-label">{group_title(*state)}</span>
                                        </div>
                                    }).collect_view()}
                                    <div class="card stat">
                                        <span class="stat-n">{s.operators_online}</span>
                                        <span class="stat-label">"Operators online"</span>
                                    </div>
                                </div>
    <div class="card instances" data-broker=match s.broker_connected {
                                    None => "none",
                                    Some(true) => "connected",
                                    Some(false) => "disconnected",
                                }>
                                    <span class="stat-label">"Instances"</span>
                                    <ul class="instance-list">
                                        {s.instances.iter().map(|i| view! {
                                            <li data-up=i.up.to_string()>
                                                <code>{i.id.clone()}</code>
                                                {i.this.then_some(" (this page)")}
                                                {if i.up {
                                                    format!(" · up · {} online", plural(i.operators_online, "operator", "operators"))
                                                } else {
                                                    " · not heard from for 30 s: taken for gone".to_string()
                                                }}
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                    {match s.broker_connected {
                                        None => None,
                                        Some(true) => Some(view! { <p class="muted small">"Broker connected"</p> }),
                                        Some(false) => Some(view! {
                                            <p class="muted small">"Broker unreachable: live updates from other instances are paused"</p>
                                        }),
                                    }}
                                </div>
                            }.into_any(),
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
    let now = o.now;
    let target_min = o.settings.sla_target_secs / 60;
    let queue = if o.waiting.is_empty() {
        view! { <p class="muted">"Nobody is waiting."</p> }.into_any()
    } else {
        view! {
            <ul class="rows queue">
                {o.waiting.into_iter().map(|w| {
                    let c = w.conversation;
                    let offered = (!w.offered_to.is_empty()).then(|| format!("offered to {}", w.offered_to.join(", ")));
                    view! {
                        <li class="row" data-breached=w.breached.to_string()>
                            <a class="row-link" href=format!("/conversations/{}", c.id)>
                                <span class="row-main">
                                    <span class="row-top">
                                        <span class="name">{c.contact_name.clone()}</span>
                                        <span class="time">{format!("alert step {}", w.step + 1)}</span>
                                    </span>
                                    <span class="preview">{offered.unwrap_or_else(|| c.preview.clone())}</span>
                                </span>
                                <span class={if w.breached { "badge wait" } else { "badge owner" }}
                                    title={if w.breached { "Over the waiting target" } else { "Within the waiting target" }}>
                                    {wait_label(now - w.wait_ms, now)}
                                    {w.breached.then_some(" · SLA")}
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
                <span class="stat-label">{format!("SLA breaches today (target {target_min} min)")}</span>
            </div>
        </div>
        <section class="card" aria-labelledby="mon-queue">
            <h2 id="mon-queue">"Unprocessed queue"</h2>
            {queue}
        </section>
        <section class="card" aria-labelledby="mon-ops">
            <h2 id="mon-ops">"Operators"</h2>
            <ul class="people">
                {o.operators.into_iter().map(|op| view! {
                    <li class="person" data-online=op.online.to_string()>
                        <span class="person-main">
                            <span class="name">{op.display_name.clone()}</span>
                            <span class="muted small">
                                {if op.online { "online" } else { "offline" }}
                                {if op.available { " · available" } else { " · away" }}
                            </span>
                        </span>
                        <span class="badge owner">{format!("{} / {}", op.load, op.capacity)}</span>
                    </li>
                }).collect_view()}
            </ul>
        </section>
        <section class="card" aria-labelledby="mon-ch">
            <h2 id="mon-ch">"Channels"</h2>
            <dl class="kv">
                {o.channels.into_iter().map(|ch| view! {
                    <dt>{ch.channel.label()}</dt>
                    <dd>
                        {ch.last_inbound_at.map(|t| format!("last message {}", ago(t, now))).unwrap_or_else(|| "no messages yet".into())}
                        {format!(" · {} failed sends in 24 h", ch.failures_24h)}
                    </dd>
                }).collect_view()}
            </dl>
        </section>
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
