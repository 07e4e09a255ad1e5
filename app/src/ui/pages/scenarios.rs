//! Scenarios: what the bot answers to which triggers. Admins create, edit, switch and delete;
//! operators read. "Try a message" shows what the bot would do with any text.

use super::load_error;
use crate::api::scenarios::{
    list_scenarios, DeleteScenario, SaveScenario, SetScenarioEnabled, TryMessage,
};
use crate::dto::{Channel, ScenarioDto, TryResult};
use crate::error::AppError;
use crate::ui::layout::{CurrentUser, WithUser};
use leptos::prelude::*;

const CHANNELS: [Channel; 3] = [Channel::Whatsapp, Channel::Telegram, Channel::Web];

#[component]
pub fn ScenariosPage() -> impl IntoView {
    let save = ServerAction::<SaveScenario>::new();
    let toggle = ServerAction::<SetScenarioEnabled>::new();
    let delete = ServerAction::<DeleteScenario>::new();
    let list = Resource::new(
        move || {
            (
                save.version().get(),
                toggle.version().get(),
                delete.version().get(),
            )
        },
        |_| list_scenarios(),
    );
    // The scenario being edited: None = editor closed, Some(None) = a new one.
    let editing = RwSignal::new(None::<Option<ScenarioDto>>);
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
        }
    });
    let action_error = move || {
        toggle
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| delete.value().get().and_then(Result::err))
            .map(|e| view! { <p class="notice error" role="alert">{e.to_string()}</p> })
    };
    let page = move || {
        let is_admin = expect_context::<CurrentUser>().0.is_admin();
        view! {
        <section class="page scenarios" aria-labelledby="sc-title">
            <div class="page-head">
                <h1 id="sc-title" class="page-title">"Scenarios"</h1>
                {is_admin.then(|| view! {
                    <button type="button" class="btn primary" on:click=move |_| {
                        save.value().set(None);
                        editing.set(Some(None));
                    }>"New scenario"</button>
                })}
            </div>
            {(!is_admin).then(|| view! {
                <p class="notice muted-notice">"Read only: ask an admin to change scenarios."</p>
            })}
            <TryBox/>
            {move || editing.get().map(|s| view! { <Editor scenario=s save editing/> })}
            {action_error}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(items) if items.is_empty() => view! {
                            <div class="card empty-state">
                                <h2>"No scenarios yet"</h2>
                                <p class="muted">"Scenarios map customer messages to bot answers. Until one matches, the bot asks the customer to rephrase and then hands the conversation to the queue."</p>
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
        </section>
        }
    };
    view! { <WithUser>{page}</WithUser> }
}

fn channel_names(cs: &[Channel]) -> String {
    if cs.is_empty() {
        "All channels".into()
    } else {
        cs.iter().map(|c| c.label()).collect::<Vec<_>>().join(", ")
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
    view! {
        <li class="scenario card" class:disabled=!enabled data-name=s.name.clone()>
            <div class="scenario-head">
                <h2 class="scenario-name">{s.name.clone()}</h2>
                <label class="switch" title=if enabled { "Answering" } else { "Off" }>
                    <input type="checkbox" role="switch" checked=enabled disabled=!is_admin
                        aria-label=format!("Enabled: {}", s.name)
                        on:change=move |_| { toggle.dispatch(SetScenarioEnabled { id, enabled: !enabled }); }/>
                    <span class="slider" aria-hidden="true"></span>
                </label>
            </div>
            <pre class="triggers">{s.triggers.clone()}</pre>
            <p class="response">{s.response.clone()}</p>
            <p class="muted small">{format!("Priority {} · {}", s.priority, channel_names(&s.channels))}</p>
            {is_admin.then(|| view! {
                <div class="row-actions">
                    <button type="button" class="btn small" aria-label=format!("Edit {}", name)
                        on:click=move |_| { save.value().set(None); editing.set(Some(Some(for_edit.clone()))); }>"Edit"</button>
                    <Show when=move || confirming.get() fallback=move || view! {
                        <button type="button" class="btn small danger" on:click=move |_| confirming.set(true)>"Delete"</button>
                    }>
                        <span class="confirm" role="group" aria-label="Confirm deletion">
                            <span>"Delete this scenario?"</span>
                            <button type="button" class="btn small danger" on:click=move |_| { delete.dispatch(DeleteScenario { id }); }>"Yes, delete"</button>
                            <button type="button" class="btn small" on:click=move |_| confirming.set(false)>"Cancel"</button>
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
    let title = if s.id == 0 {
        "New scenario"
    } else {
        "Edit scenario"
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
        Some(Err(e)) => Some(view! { <p class="notice error" role="alert">{e.to_string()}</p> }),
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
                    <span>"Name"</span>
                    <input type="text" prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e))/>
                    {err("name")}
                </label>
                <label class="field">
                    <span>"Triggers"</span>
                    <textarea rows="4" prop:value=move || triggers.get() on:input=move |e| triggers.set(event_target_value(&e))
                        placeholder="price, cost, how much\n\"opening hours\"\nre: ^order\\s*#?\\d+"></textarea>
                    <span class="hint">"One per line: words separated by commas (any of them matches), an exact phrase in double quotes, or re: a regular expression. Case and accents are ignored."</span>
                    {err("triggers")}
                </label>
                <label class="field">
                    <span>"Response"</span>
                    <textarea rows="3" prop:value=move || response.get() on:input=move |e| response.set(event_target_value(&e))></textarea>
                    {err("response")}
                </label>
                <div class="form-row">
                    <label class="field">
                        <span>"Priority"</span>
                        <input type="number" inputmode="numeric" prop:value=move || priority.get() on:input=move |e| priority.set(event_target_value(&e))/>
                        {err("priority")}
                    </label>
                    <label class="field check">
                        <input type="checkbox" prop:checked=move || enabled.get() on:change=move |_| enabled.update(|v| *v = !*v)/>
                        <span>"Enabled"</span>
                    </label>
                </div>
                <fieldset class="field">
                    <legend>"Channels (none ticked: all)"</legend>
                    {CHANNELS.into_iter().map(|c| view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=move || channels.get().contains(&c)
                                on:change=move |_| channels.update(|v| if let Some(i) = v.iter().position(|x| *x == c) { v.remove(i); } else { v.push(c); })/>
                            <span>{c.label()}</span>
                        </label>
                    }).collect_view()}
                    {err("channels")}
                </fieldset>
                {other_error}
                <div class="row-actions">
                    <button type="submit" class="btn primary" disabled=move || save.pending().get()>"Save scenario"</button>
                    <button type="button" class="btn" on:click=move |_| editing.set(None)>"Cancel"</button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn TryBox() -> impl IntoView {
    let try_it = ServerAction::<TryMessage>::new();
    let text = RwSignal::new(String::new());
    let channel = RwSignal::new("whatsapp".to_string());
    let result = move || {
        try_it.value().get().map(|r| match r {
            Ok(TryResult::Reply { scenario, response }) => view! {
                <div class="try-result reply" role="status">
                    <strong>{format!("“{scenario}” answers:")}</strong>
                    <p>{response}</p>
                </div>
            }.into_any(),
            Ok(TryResult::Escalate { reason }) => view! {
                <div class="try-result escalate" role="status">
                    <strong>"Escalates to an operator"</strong>
                    <p>{format!("Reason: {reason}")}</p>
                </div>
            }.into_any(),
            Ok(TryResult::ExternalBot) => view! {
                <div class="try-result" role="status"><strong>"No scenario matches: the external bot is asked."</strong></div>
            }.into_any(),
            Ok(TryResult::NoMatch) => view! {
                <div class="try-result" role="status"><strong>"No scenario matches: the bot asks the customer to rephrase, and hands over after repeated misses."</strong></div>
            }.into_any(),
            Err(e) => view! { <p class="field-error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };
    view! {
        <section class="card try" aria-labelledby="try-title">
            <h2 id="try-title">"Try a message"</h2>
            <form class="try-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                try_it.dispatch(TryMessage { text: text.get(), channel: channel.get() });
            }>
                <input type="text" aria-label="Customer message" placeholder="What a customer might write…"
                    prop:value=move || text.get() on:input=move |e| text.set(event_target_value(&e))/>
                <select aria-label="Channel" on:change=move |e| channel.set(event_target_value(&e))>
                    {CHANNELS.into_iter().map(|c| view! { <option value=c.as_str()>{c.label()}</option> }).collect_view()}
                </select>
                <button type="submit" class="btn">"Try"</button>
            </form>
            {result}
        </section>
    }
}
