//! Scenarios: what the bot answers to which triggers. Admins create, edit, switch and delete in a
//! draft and publish it (see [`versions`]); operators read. "Try a message" shows what the bot
//! would do with any text, from the draft or the published version.

mod versions;

use super::load_error;
use crate::api::scenario_versions::{scenario_versions, PublishScenarios, RestoreScenarios};
use crate::api::scenarios::{
    list_scenarios, DeleteScenario, SaveScenario, SetScenarioEnabled, TryMessage,
};
use crate::dto::{Channel, ScenarioDto, TryResult};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::layout::{CurrentUser, WithUser};
use leptos::prelude::*;

const CHANNELS: [Channel; 3] = [Channel::Whatsapp, Channel::Telegram, Channel::Web];

#[component]
pub fn ScenariosPage() -> impl IntoView {
    let save = ServerAction::<SaveScenario>::new();
    let toggle = ServerAction::<SetScenarioEnabled>::new();
    let delete = ServerAction::<DeleteScenario>::new();
    let publish = ServerAction::<PublishScenarios>::new();
    let restore = ServerAction::<RestoreScenarios>::new();
    let edits = move || {
        (
            save.version().get(),
            toggle.version().get(),
            delete.version().get(),
            restore.version().get(),
        )
    };
    let list = Resource::new(edits, |_| list_scenarios());
    // The draft's state and the versions (admins read it; made here, outside every `Suspense`:
    // the resource rule in `ui::layout`. For an operator the server answers 403, never shown).
    let versions = Resource::new(
        move || (edits(), publish.version().get()),
        |_| scenario_versions(),
    );

    // The scenario being edited: None = editor closed, Some(None) = a new one.
    let editing = RwSignal::new(None::<Option<ScenarioDto>>);
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
        }
    });
    let i18n = use_i18n();
    let action_error = move || {
        toggle
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| delete.value().get().and_then(Result::err))
            .map(super::error_notice)
    };
    let page = move || {
        let is_admin = expect_context::<CurrentUser>().0.is_admin();
        // Admins only: the draft's state and the versions.
        let panel = is_admin.then_some(versions);
        view! {
        <section class="page scenarios" aria-labelledby="sc-title">
            <div class="page-head">
                <h1 id="sc-title" class="page-title">{t!(i18n, scenarios.title)}</h1>
                {is_admin.then(|| view! {
                    <button type="button" class="btn primary" on:click=move |_| {
                        save.value().set(None);
                        editing.set(Some(None));
                    }>{t!(i18n, scenarios.new_scenario)}</button>
                })}
            </div>
            {(!is_admin).then(|| view! {
                <p class="notice muted-notice">{t!(i18n, scenarios.read_only)}</p>
            })}
            {panel.map(|panel| view! {
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match panel.await {
                            Ok(v) => view! { <versions::DraftBar v publish/> }.into_any(),
                            Err(e) => load_error(&e),
                        }
                    })}
                </Transition>
            })}
            <TryBox is_admin/>
            {move || editing.get().map(|s| view! { <Editor scenario=s save editing/> })}
            {action_error}
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, scenarios.loading)}</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(items) if items.is_empty() => view! {
                            <div class="card empty-state">
                                <h2>{t!(i18n, scenarios.empty_title)}</h2>
                                <p class="muted">{t!(i18n, scenarios.empty_text)}</p>
                            </div>
                        }.into_any(),
                        Ok(items) => view! {
                            <ul class="scenario-list">
                                {items.into_iter().map(|s| view! { <Row s is_admin toggle delete editing save/> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => load_error(&e),
                    }
                })}
            </Transition>
            {panel.map(|panel| view! {
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match panel.await {
                            Ok(v) => view! { <versions::VersionList v restore/> }.into_any(),
                            Err(_) => ().into_any(),
                        }
                    })}
                </Transition>
            })}
        </section>
        }
    };
    view! { <WithUser>{page}</WithUser> }
}

fn channel_names(locale: Locale, cs: &[Channel]) -> String {
    if cs.is_empty() {
        td_string!(locale, scenarios.all_channels).to_string()
    } else {
        cs.iter()
            .map(|c| crate::text::channel_name(locale, *c))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[component]
fn Row(
    s: ScenarioDto,
    is_admin: bool,
    toggle: ServerAction<SetScenarioEnabled>,
    delete: ServerAction<DeleteScenario>,
    editing: RwSignal<Option<Option<ScenarioDto>>>,
    save: ServerAction<SaveScenario>,
) -> impl IntoView {
    let id = s.id;
    let enabled = s.enabled;
    let confirming = RwSignal::new(false);
    let name = s.name.clone();
    let for_edit = s.clone();
    let i18n = use_i18n();
    let enabled_for = {
        let name = s.name.clone();
        move || t_string!(i18n, scenarios.enabled_for, name = name.clone()).to_string()
    };
    let edit_named = {
        let name = name.clone();
        move || t_string!(i18n, scenarios.edit_named, name = name.clone()).to_string()
    };
    let details = {
        let (priority, channels) = (s.priority, s.channels.clone());
        move || {
            let channels = channel_names(i18n.get_locale(), &channels);
            t_string!(
                i18n,
                scenarios.priority_channels,
                priority = priority,
                channels = channels
            )
            .to_string()
        }
    };
    view! {
        <li class="scenario card" class:disabled=!enabled data-name=s.name.clone()>
            <div class="scenario-head">
                <h2 class="scenario-name">{s.name.clone()}</h2>
                <label class="switch" title=move || if enabled { t_string!(i18n, scenarios.answering) } else { t_string!(i18n, scenarios.off) }>
                    <input type="checkbox" role="switch" checked=enabled disabled=!is_admin
                        aria-label=enabled_for
                        on:change=move |_| { toggle.dispatch(SetScenarioEnabled { id, enabled: !enabled }); }/>
                    <span class="slider" aria-hidden="true"></span>
                </label>
            </div>
            <pre class="triggers">{s.triggers.clone()}</pre>
            <p class="response">{s.response.clone()}</p>
            <p class="muted small">{details}</p>
            {is_admin.then(|| view! {
                <div class="row-actions">
                    <button type="button" class="btn small" aria-label=edit_named
                        on:click=move |_| { save.value().set(None); editing.set(Some(Some(for_edit.clone()))); }>{t!(i18n, scenarios.edit)}</button>
                    <Show when=move || confirming.get() fallback=move || view! {
                        <button type="button" class="btn small danger" on:click=move |_| confirming.set(true)>{t!(i18n, scenarios.delete)}</button>
                    }>
                        <span class="confirm" role="group" aria-label=move || t_string!(i18n, scenarios.confirm_deletion)>
                            <span>{t!(i18n, scenarios.delete_question)}</span>
                            <button type="button" class="btn small danger" on:click=move |_| { delete.dispatch(DeleteScenario { id }); }>{t!(i18n, scenarios.yes_delete)}</button>
                            <button type="button" class="btn small" on:click=move |_| confirming.set(false)>{t!(i18n, scenarios.cancel)}</button>
                        </span>
                    </Show>
                </div>
            })}
        </li>
    }
}

#[component]
fn Editor(
    scenario: Option<ScenarioDto>,
    save: ServerAction<SaveScenario>,
    editing: RwSignal<Option<Option<ScenarioDto>>>,
) -> impl IntoView {
    let s = scenario.clone().unwrap_or(ScenarioDto {
        id: 0,
        name: String::new(),
        triggers: String::new(),
        response: String::new(),
        enabled: true,
        priority: 0,
        channels: Vec::new(),
    });
    let i18n = use_i18n();
    let is_new = s.id == 0;
    let title = move || {
        if is_new {
            t_string!(i18n, scenarios.new_scenario)
        } else {
            t_string!(i18n, scenarios.editor.edit_title)
        }
    };
    let name = RwSignal::new(s.name.clone());
    let triggers = RwSignal::new(s.triggers.clone());
    let response = RwSignal::new(s.response.clone());
    let priority = RwSignal::new(s.priority.to_string());
    let enabled = RwSignal::new(s.enabled);
    let channels = RwSignal::new(s.channels.clone());
    let id = s.id;
    let err = move |field: &'static str| super::field_error(save.value(), field);
    let other_error = move || match save.value().get() {
        Some(Err(AppError::Invalid(_))) | None | Some(Ok(_)) => None,
        Some(Err(e)) => Some(super::error_notice(e)),
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveScenario {
            id,
            name: name.get(),
            triggers: triggers.get(),
            response: response.get(),
            priority: priority.get(),
            channels: channels
                .get()
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(","),
            enabled: enabled.get(),
        });
    };
    view! {
        <section class="card editor" aria-labelledby="editor-title">
            <h2 id="editor-title">{title}</h2>
            <form class="form" on:submit=submit novalidate>
                <label class="field">
                    <span>{t!(i18n, scenarios.editor.name)}</span>
                    <input type="text" prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e))/>
                    {err("name")}
                </label>
                <label class="field">
                    <span>{t!(i18n, scenarios.editor.triggers)}</span>
                    <textarea rows="4" prop:value=move || triggers.get() on:input=move |e| triggers.set(event_target_value(&e))
                        placeholder=move || t_string!(i18n, scenarios.editor.triggers_placeholder)></textarea>
                    <span class="hint">{t!(i18n, scenarios.editor.triggers_hint)}</span>
                    {err("triggers")}
                </label>
                <label class="field">
                    <span>{t!(i18n, scenarios.editor.response)}</span>
                    <textarea rows="3" prop:value=move || response.get() on:input=move |e| response.set(event_target_value(&e))></textarea>
                    {err("response")}
                </label>
                <div class="form-row">
                    <label class="field">
                        <span>{t!(i18n, scenarios.editor.priority)}</span>
                        <input type="number" inputmode="numeric" prop:value=move || priority.get() on:input=move |e| priority.set(event_target_value(&e))/>
                        {err("priority")}
                    </label>
                    <label class="field check">
                        <input type="checkbox" prop:checked=move || enabled.get() on:change=move |_| enabled.update(|v| *v = !*v)/>
                        <span>{t!(i18n, scenarios.editor.enabled)}</span>
                    </label>
                </div>
                <fieldset class="field">
                    <legend>{t!(i18n, scenarios.editor.channels)}</legend>
                    {CHANNELS.into_iter().map(|c| view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=move || channels.get().contains(&c)
                                on:change=move |_| channels.update(|v| if let Some(i) = v.iter().position(|x| *x == c) { v.remove(i); } else { v.push(c); })/>
                            <span>{move || crate::text::channel_name(i18n.get_locale(), c)}</span>
                        </label>
                    }).collect_view()}
                    {err("channels")}
                </fieldset>
                {other_error}
                <div class="row-actions">
                    <button type="submit" class="btn primary" disabled=move || save.pending().get()>{t!(i18n, scenarios.editor.save)}</button>
                    <button type="button" class="btn" on:click=move |_| editing.set(None)>{t!(i18n, scenarios.cancel)}</button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn TryBox(is_admin: bool) -> impl IntoView {
    let try_it = ServerAction::<TryMessage>::new();
    let text = RwSignal::new(String::new());
    let channel = RwSignal::new("whatsapp".to_string());
    // Admins try what they are editing; operators what the bot says today.
    let source = RwSignal::new(if is_admin { "draft" } else { "live" }.to_string());
    let i18n = use_i18n();
    let result = move || {
        try_it.value().get().map(|r| match r {
            Ok(TryResult::Reply { scenario, response }) => view! {
                <div class="try-result reply" role="status">
                    <strong>{t_string!(i18n, scenarios.try_box.answers, scenario = scenario).to_string()}</strong>
                    <p>{response}</p>
                </div>
            }.into_any(),
            Ok(TryResult::Escalate { reason }) => view! {
                <div class="try-result escalate" role="status">
                    <strong>{t!(i18n, scenarios.try_box.escalates)}</strong>
                    <p>{t_string!(i18n, scenarios.try_box.reason, reason = reason).to_string()}</p>
                </div>
            }.into_any(),
            Ok(TryResult::ExternalBot) => view! {
                <div class="try-result" role="status"><strong>{t!(i18n, scenarios.try_box.external_bot)}</strong></div>
            }.into_any(),
            Ok(TryResult::NoMatch) => view! {
                <div class="try-result" role="status"><strong>{t!(i18n, scenarios.try_box.no_match)}</strong></div>
            }.into_any(),
            Err(e) => view! { <p class="field-error" role="alert">{crate::text::errors::error(i18n.get_locale(), &e)}</p> }.into_any(),
        })
    };
    view! {
        <section class="card try" aria-labelledby="try-title">
            <h2 id="try-title">{t!(i18n, scenarios.try_box.title)}</h2>
            <form class="try-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                try_it.dispatch(TryMessage { text: text.get(), channel: channel.get(), source: Some(source.get()) });
            }>
                <input type="text" aria-label=move || t_string!(i18n, scenarios.try_box.message) placeholder=move || t_string!(i18n, scenarios.try_box.placeholder)
                    prop:value=move || text.get() on:input=move |e| text.set(event_target_value(&e))/>
                <select aria-label=move || t_string!(i18n, scenarios.try_box.channel) on:change=move |e| channel.set(event_target_value(&e))>
                    {CHANNELS.into_iter().map(|c| view! { <option value=c.as_str()>{move || crate::text::channel_name(i18n.get_locale(), c)}</option> }).collect_view()}
                </select>
                <select aria-label=move || t_string!(i18n, scenarios.versions.try_against) on:change=move |e| source.set(event_target_value(&e))>
                    <option value="draft" selected=is_admin>{t!(i18n, scenarios.versions.draft)}</option>
                    <option value="live" selected=!is_admin>{t!(i18n, scenarios.versions.published_version)}</option>
                </select>
                <button type="submit" class="btn">{t!(i18n, scenarios.try_box.submit)}</button>
            </form>
            {result}
        </section>
    }
}
