//! Monitoring: how many conversations are in each state and who is online.

use super::conversations::group_title;
use super::load_error;
use crate::api::conversations::monitoring;
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
                        }.into_any(),
                        Err(e) => load_error(&e),
                    }
                })}
            </Transition>
        </section>
    }
}
