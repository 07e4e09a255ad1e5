//! Deployment settings (admins only): the bot's handoff rules and the pause switch.

use super::load_error;
use crate::api::queue::{get_queue_settings, SaveQueueSettings};
use crate::api::settings::{get_handoff, PauseBot, SaveHandoff};
use crate::domain::bot::HandoffSettings;
use crate::domain::queue::{PolicyKind, QueueSettings};
use crate::error::AppError;
use crate::ui::layout::AdminOnly;
use leptos::prelude::*;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let save = ServerAction::<SaveHandoff>::new();
    let pause = ServerAction::<PauseBot>::new();
    let handoff = Resource::new(
        move || (save.version().get(), pause.version().get()),
        |_| get_handoff(),
    );
    let save_queue = ServerAction::<SaveQueueSettings>::new();
    let queue = Resource::new(move || save_queue.version().get(), |_| get_queue_settings());
    view! {
        <AdminOnly>
        <section class="page settings" aria-labelledby="set-title">
            <h1 id="set-title" class="page-title">"Settings"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match handoff.await {
                        Ok(h) => view! {
                            <BotSwitch paused=h.paused pause/>
                            <HandoffForm h save/>
                        }.into_any(),
                        Err(e) => load_error(&e),
                    }
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match queue.await {
                        Ok(q) => view! { <QueueForm q save=save_queue/> }.into_any(),
                        Err(e) => load_error(&e),
                    }
                })}
            </Transition>
            <div class="card">
                <h2>"Your account"</h2>
                <p class="muted">
                    "Your details and the devices that get alerts are on "
                    <a href="/account">"your account page"</a>"."
                </p>
            </div>
            <div class="card">
                <h2>"About"</h2>
                <p class="muted">{format!("Baton {}", env!("CARGO_PKG_VERSION"))}</p>
            </div>
        </section>
        </AdminOnly>
        {super::settle(handoff)}
        {super::settle(queue)}
    }
}

#[component]
fn BotSwitch(paused: bool, pause: ServerAction<PauseBot>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="bot-title">
            <h2 id="bot-title">"Bot"</h2>
            <p class="bot-state" data-paused=paused.to_string()>
                {if paused { "Paused: every new customer message goes to the operator queue." } else { "Running: the bot answers customers." }}
            </p>
            <button type="button" class=if paused { "btn primary" } else { "btn danger" }
                on:click=move |_| { pause.dispatch(PauseBot { paused: !paused }); }>
                {if paused { "Resume bot" } else { "Pause bot" }}
            </button>
        </section>
    }
}

/// What a settings form says after saving: `ok` on success, a general error as an alert (field
/// errors stand next to their fields instead).
fn save_status<T, V>(
    value: V,
    ok: &'static str,
) -> impl Fn() -> Option<AnyView> + Send + Sync + 'static
where
    T: Send + Sync + 'static,
    V: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    move || match value.get() {
        Some(Ok(_)) => Some(view! { <p class="notice ok" role="status">{ok}</p> }.into_any()),
        Some(Err(AppError::Invalid(_))) | None => None,
        Some(Err(e)) => {
            Some(view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any())
        }
    }
}

/// Routing policy and the paging ladder's timing.
#[component]
fn QueueForm(q: QueueSettings, save: ServerAction<SaveQueueSettings>) -> impl IntoView {
    let err = move |field: &'static str| super::field_error(save.value(), field);
    let status = save_status(save.value(), "Saved. New escalations use these rules.");
    let round_robin = q.policy == PolicyKind::RoundRobin;
    view! {
        <section class="card" aria-labelledby="queue-title">
            <h2 id="queue-title">"Queue and alerts"</h2>
            <ActionForm action=save attr:class="form" attr:novalidate=true>
                <label class="field">
                    <span>"Routing"</span>
                    <select name="policy">
                        <option value="first_to_accept" selected=!round_robin>"First to accept: alert everyone available"</option>
                        <option value="round_robin" selected=round_robin>"Round robin: offer to one operator at a time"</option>
                    </select>
                    {err("policy")}
                </label>
                <div class="form-row">
                    <label class="field">
                        <span>"Round-robin offer (seconds)"</span>
                        <input type="number" name="offer_secs" min="10" max="3600" inputmode="numeric" value=q.offer_secs.to_string()/>
                        {err("offer_secs")}
                    </label>
                    <label class="field">
                        <span>"Waiting target (seconds)"</span>
                        <input type="number" name="sla_target_secs" min="10" max="86400" inputmode="numeric" value=q.sla_target_secs.to_string()/>
                        {err("sla_target_secs")}
                    </label>
                </div>
                <label class="field">
                    <span>"Repeat alerts every (seconds)"</span>
                    <input type="number" name="alert_interval_secs" min="30" max="3600" inputmode="numeric" value=q.alert_interval_secs.to_string()/>
                    <span class="hint">"While nobody accepts, each repeat reaches more people: the offered operators, then everyone available, then every operator, then admins."</span>
                    {err("alert_interval_secs")}
                </label>
                {status}
                <button type="submit" class="btn primary">"Save queue settings"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn HandoffForm(h: HandoffSettings, save: ServerAction<SaveHandoff>) -> impl IntoView {
    let err = move |field: &'static str| super::field_error(save.value(), field);
    let status = save_status(
        save.value(),
        "Saved. The bot uses the new rules from the next message.",
    );
    view! {
        <section class="card" aria-labelledby="handoff-title">
            <h2 id="handoff-title">"Handoff to people"</h2>
            <ActionForm action=save attr:class="form" attr:novalidate=true>
                <label class="field">
                    <span>"Handoff phrases"</span>
                    <textarea name="keywords" rows="6">{h.keywords.join("\n")}</textarea>
                    <span class="hint">"One per line. A customer message containing one goes straight to the queue. Case and accents are ignored; a phrase also matches longer words (human → humano)."</span>
                    {err("keywords")}
                </label>
                <div class="form-row">
                    <label class="field">
                        <span>"Unanswered messages before handoff"</span>
                        <input type="number" name="no_match_limit" min="1" max="20" inputmode="numeric" value=h.no_match_limit.to_string()/>
                        {err("no_match_limit")}
                    </label>
                    <label class="field">
                        <span>"Minimum bot confidence"</span>
                        <input type="text" name="confidence_threshold" inputmode="decimal" value=h.confidence_threshold.to_string()/>
                        {err("confidence_threshold")}
                    </label>
                </div>
                <label class="field">
                    <span>"Confirmation (Spanish)"</span>
                    <input type="text" name="confirmation" value=h.confirmation.clone()/>
                    {err("confirmation")}
                </label>
                <label class="field">
                    <span>"Confirmation (English)"</span>
                    <input type="text" name="confirmation_en" value=h.confirmation_en.clone()/>
                    {err("confirmation_en")}
                </label>
                {status}
                <button type="submit" class="btn primary">"Save handoff rules"</button>
            </ActionForm>
        </section>
    }
}
