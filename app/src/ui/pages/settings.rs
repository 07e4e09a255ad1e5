//! Deployment settings (admins only): the bot's handoff rules, the pause switch, the queue and
//! WhatsApp templates (`super::templates`).

use super::load_error;
use crate::api::queue::{get_queue_settings, SaveQueueSettings};
use crate::api::settings::{get_handoff, PauseBot, SaveHandoff};
use crate::domain::bot::HandoffSettings;
use crate::domain::queue::{PolicyKind, QueueSettings};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::layout::AdminOnly;
use leptos::prelude::*;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let save = ServerAction::<SaveHandoff>::new();
    let pause = ServerAction::<PauseBot>::new();
    // Forms reload from the server after a save that worked; a refused one keeps what the admin
    // typed, next to the message saying what to fix.
    let saved = super::successes(save.version(), save.value());
    let handoff = Resource::new(
        move || (saved.get(), pause.version().get()),
        |_| get_handoff(),
    );
    let save_queue = ServerAction::<SaveQueueSettings>::new();
    let queue_saved = super::successes(save_queue.version(), save_queue.value());
    let queue = Resource::new(move || queue_saved.get(), |_| get_queue_settings());
    let canned = super::canned::CannedEditing::new(true);
    let hours = super::hours::HoursEditing::for_page();
    let templates = super::templates::TemplatesEditing::for_page();
    let privacy = super::privacy::PrivacyEditing::for_page();
    let i18n = use_i18n();
    view! {
        <AdminOnly>
        <section class="page settings" aria-labelledby="set-title">
            <h1 id="set-title" class="page-title">{t!(i18n, settings.title)}</h1>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, settings.loading)}</p> }>
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
            <super::hours::HoursSections editing=hours/>
            <super::canned::CannedEditor shared=true editing=canned/>
            <super::templates::TemplatesSection editing=templates/>
            <super::privacy::PrivacySection editing=privacy/>
            <div class="card">
                <h2>{t!(i18n, settings.account.title)}</h2>
                <p class="muted">{t!(i18n, settings.account.text, <link> = <a href="/account" />)}</p>
            </div>
            <div class="card">
                <h2>{t!(i18n, settings.about)}</h2>
                <p class="muted">{format!("Baton {}", env!("CARGO_PKG_VERSION"))}</p>
            </div>
        </section>
        </AdminOnly>
        {super::settle(handoff)}
        {super::settle(queue)}
        {super::settle(canned.list)}
        {hours.settle()}
        {super::settle(templates.list)}
        {super::settle(privacy.current)}
    }
}

#[component]
fn BotSwitch(paused: bool, pause: ServerAction<PauseBot>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" aria-labelledby="bot-title">
            <h2 id="bot-title">{t!(i18n, settings.bot.title)}</h2>
            <p class="bot-state" data-paused=paused.to_string()>
                {move || if paused { t_string!(i18n, settings.bot.paused) } else { t_string!(i18n, settings.bot.running) }}
            </p>
            <button type="button" class=if paused { "btn primary" } else { "btn danger" }
                on:click=move |_| { pause.dispatch(PauseBot { paused: !paused }); }>
                {move || if paused { t_string!(i18n, settings.bot.resume) } else { t_string!(i18n, settings.bot.pause) }}
            </button>
        </section>
    }
}

/// What a settings form says after saving: `ok()` (in the reader's language) on success, a
/// general error as an alert (field errors stand next to their fields instead).
pub(super) fn save_status<T, V, O>(
    value: V,
    ok: O,
) -> impl Fn() -> Option<AnyView> + Send + Sync + 'static
where
    T: Send + Sync + 'static,
    V: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    O: Fn() -> &'static str + Send + Sync + 'static,
{
    move || match value.get() {
        Some(Ok(_)) => Some(view! { <p class="notice ok" role="status">{ok()}</p> }.into_any()),
        Some(Err(AppError::Invalid(_))) | None => None,
        Some(Err(e)) => Some(super::error_notice(e)),
    }
}

/// Routing policy and the paging ladder's timing.
#[component]
fn QueueForm(q: QueueSettings, save: ServerAction<SaveQueueSettings>) -> impl IntoView {
    let err = move |field: &'static str| super::field_error(save.value(), field);
    let i18n = use_i18n();
    let status = save_status(save.value(), move || t_string!(i18n, settings.queue.saved));
    let round_robin = q.policy == PolicyKind::RoundRobin;
    view! {
        <section class="card" aria-labelledby="queue-title">
            <h2 id="queue-title">{t!(i18n, settings.queue.title)}</h2>
            <ActionForm action=save attr:class="form" attr:novalidate=true>
                <label class="field">
                    <span>{t!(i18n, settings.queue.routing)}</span>
                    // `prop:value` too: the selected option survives hydration whatever the
                    // browser restored into the form.
                    <select name="policy" prop:value=if round_robin { "round_robin" } else { "first_to_accept" }>
                        <option value="first_to_accept" selected=!round_robin>{t!(i18n, settings.queue.first_to_accept)}</option>
                        <option value="round_robin" selected=round_robin>{t!(i18n, settings.queue.round_robin)}</option>
                    </select>
                    {err("policy")}
                </label>
                <div class="form-row">
                    <label class="field">
                        <span>{t!(i18n, settings.queue.offer_secs)}</span>
                        <input type="number" name="offer_secs" min="10" max="3600" inputmode="numeric" value=q.offer_secs.to_string()/>
                        {err("offer_secs")}
                    </label>
                    <label class="field">
                        <span>{t!(i18n, settings.queue.sla_target_secs)}</span>
                        <input type="number" name="sla_target_secs" min="10" max="86400" inputmode="numeric" value=q.sla_target_secs.to_string()/>
                        {err("sla_target_secs")}
                    </label>
                </div>
                <label class="field">
                    <span>{t!(i18n, settings.queue.alert_interval_secs)}</span>
                    <input type="number" name="alert_interval_secs" min="30" max="3600" inputmode="numeric" value=q.alert_interval_secs.to_string()/>
                    <span class="hint">{t!(i18n, settings.queue.alert_interval_hint)}</span>
                    {err("alert_interval_secs")}
                </label>
                {status}
                <button type="submit" class="btn primary">{t!(i18n, settings.queue.save)}</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn HandoffForm(h: HandoffSettings, save: ServerAction<SaveHandoff>) -> impl IntoView {
    let err = move |field: &'static str| super::field_error(save.value(), field);
    let i18n = use_i18n();
    let status = save_status(save.value(), move || {
        t_string!(i18n, settings.handoff.saved)
    });
    view! {
        <section class="card" aria-labelledby="handoff-title">
            <h2 id="handoff-title">{t!(i18n, settings.handoff.title)}</h2>
            <ActionForm action=save attr:class="form" attr:novalidate=true>
                <label class="field">
                    <span>{t!(i18n, settings.handoff.keywords)}</span>
                    <textarea name="keywords" rows="6">{h.keywords.join("\n")}</textarea>
                    <span class="hint">{t!(i18n, settings.handoff.keywords_hint)}</span>
                    {err("keywords")}
                </label>
                <div class="form-row">
                    <label class="field">
                        <span>{t!(i18n, settings.handoff.no_match_limit)}</span>
                        <input type="number" name="no_match_limit" min="1" max="20" inputmode="numeric" value=h.no_match_limit.to_string()/>
                        {err("no_match_limit")}
                    </label>
                    <label class="field">
                        <span>{t!(i18n, settings.handoff.confidence_threshold)}</span>
                        <input type="text" name="confidence_threshold" inputmode="decimal" value=h.confidence_threshold.to_string()/>
                        {err("confidence_threshold")}
                    </label>
                </div>
                <label class="field">
                    <span>{t!(i18n, settings.handoff.confirmation_es)}</span>
                    <input type="text" name="confirmation" value=h.confirmation.clone()/>
                    {err("confirmation")}
                </label>
                <label class="field">
                    <span>{t!(i18n, settings.handoff.confirmation_en)}</span>
                    <input type="text" name="confirmation_en" value=h.confirmation_en.clone()/>
                    {err("confirmation_en")}
                </label>
                <p class="hint">
                    {t!(i18n, settings.handoff.confirmation_hint,
                        position = crate::domain::waiting::POSITION,
                        wait = crate::domain::waiting::WAIT)}
                </p>
                {status}
                <button type="submit" class="btn primary">{t!(i18n, settings.handoff.save)}</button>
            </ActionForm>
        </section>
    }
}
