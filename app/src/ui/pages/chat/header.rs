//! The chat header: who and what state, the ownership actions, the AI switch, transfers.

use super::{action_error, load_error, BackLink};
use crate::api::conversations::{
    operator_statuses, AcceptConversation, ActOnConversation, SetConversationAi,
};
use crate::domain::ownership::OwnerState;
use crate::dto::ConversationSummary;
use crate::i18n::*;
use crate::text::{elapsed, wait_label};
use crate::ui::live::{Clock, LiveState};
use leptos::prelude::*;
#[component]
pub(super) fn ChatHeader(
    summary: RwSignal<ConversationSummary>,
    server_now: i64,
    phone: Option<String>,
    me_id: i64,
    is_admin: bool,
    contact_open: RwSignal<bool>,
) -> impl IntoView {
    let clock = expect_context::<Clock>();
    let i18n = use_i18n();
    let accept = ServerAction::<AcceptConversation>::new();
    let act = ServerAction::<ActOnConversation>::new();
    let ai = ServerAction::<SetConversationAi>::new();
    // Whatever the server answers, the header shows the state it now has.
    Effect::new(move |_| {
        if let Some(Ok(s)) = accept.value().get() {
            summary.set(s);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(s)) = act.value().get() {
            summary.set(s);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(s)) = ai.value().get() {
            summary.set(s);
        }
    });
    let accept_error = action_error(accept.value());
    let act_error = action_error(act.value());
    let ai_error = action_error(ai.value());
    let error = move || accept_error().or_else(act_error).or_else(ai_error);

    let id = move || summary.with(|s| s.id);
    let mine =
        move || summary.with(|s| s.owner == OwnerState::Assigned && s.assignee_id == Some(me_id));
    let state_line = move || {
        let locale = i18n.get_locale();
        summary.with(|s| match s.owner {
            OwnerState::Waiting => format!(
                "{}{}",
                td_string!(
                    locale,
                    chat.state.waiting,
                    wait = s
                        .waiting_since
                        .map(|t| wait_label(locale, t, clock.now(server_now)))
                        .unwrap_or_default()
                ),
                s.escalation_reason
                    .as_deref()
                    .map(|r| format!(" · {}", crate::text::escalation(locale, r)))
                    .unwrap_or_default()
            ),
            OwnerState::Assigned if s.assignee_id == Some(me_id) => format!(
                "{}{}",
                td_string!(locale, chat.state.with_you),
                s.assigned_at
                    .map(|t| format!(" · {}", elapsed(locale, t, clock.now(server_now))))
                    .unwrap_or_default()
            ),
            OwnerState::Assigned => td_string!(
                locale,
                chat.state.with_other,
                name = s.assignee_name.clone().unwrap_or_default()
            )
            .to_string(),
            OwnerState::Bot => td_string!(locale, chat.state.bot).to_string(),
            OwnerState::Closed => td_string!(locale, chat.state.closed).to_string(),
        })
    };
    let ai_allowed = move || {
        summary.with(|s| is_admin || s.assignee_id.is_none() || s.assignee_id == Some(me_id))
            && summary.with(|s| s.owner != OwnerState::Closed)
    };
    let transfer_open = RwSignal::new(false);

    view! {
        <header class="chat-header">
            <div class="chat-title-row">
                <BackLink/>
                {move || summary.with(|s| {
                    let ch = s.channel;
                    view! {
                        <span class=format!("channel ch-{}", ch.as_str()) role="img" aria-label=crate::text::channel_name(i18n.get_locale(), ch)>
                            {crate::ui::icons::channel(ch)}
                        </span>
                    }
                })}
                <div class="chat-who">
                    <h2 id="chat-title" class="chat-name">{move || summary.with(|s| crate::text::contact_name(i18n.get_locale(), s))}</h2>
                    <span class="chat-state muted small" data-owner=move || summary.with(|s| s.owner.as_str())>
                        {state_line}
                        {phone.clone().map(|p| format!(" · {p}"))}
                    </span>
                </div>
                <button type="button" class="btn small contact-open" aria-expanded=move || contact_open.get().to_string()
                    on:click=move |_| contact_open.update(|o| *o = !*o)>
                    {t!(i18n, contact.open)}
                </button>
            </div>
            <div class="chat-actions">
                <Show when=move || summary.with(|s| s.owner == OwnerState::Waiting)>
                    <button type="button" class="btn primary"
                        on:click=move |_| { accept.dispatch(AcceptConversation { id: id() }); }
                        disabled=move || accept.pending().get()>
                        {t!(i18n, chat.accept)}
                    </button>
                </Show>
                <Show when=mine>
                    <button type="button" class="btn"
                        on:click=move |_| { act.dispatch(ActOnConversation { id: id(), action: "return".into(), to: None }); }>
                        {t!(i18n, chat.return_to_bot)}
                    </button>
                    <button type="button" class="btn" aria-expanded=move || transfer_open.get().to_string()
                        on:click=move |_| transfer_open.update(|o| *o = !*o)>
                        {t!(i18n, chat.transfer)}
                    </button>
                </Show>
                <Show when=move || is_admin && summary.with(|s| s.owner != OwnerState::Closed && s.assignee_id != Some(me_id))>
                    <button type="button" class="btn"
                        on:click=move |_| { act.dispatch(ActOnConversation { id: id(), action: "take_over".into(), to: None }); }>
                        {t!(i18n, chat.take_over)}
                    </button>
                </Show>
                <Show when=move || summary.with(|s| s.owner != OwnerState::Closed) && (mine() || is_admin)>
                    <button type="button" class="btn danger"
                        on:click=move |_| { act.dispatch(ActOnConversation { id: id(), action: "close".into(), to: None }); }>
                        {t!(i18n, chat.close)}
                    </button>
                </Show>
                <label class="ai-toggle">
                    <crate::ui::switch::Switch label=Signal::derive(move || t_string!(i18n, chat.ai_bot).to_string())
                        checked=Signal::derive(move || summary.with(|s| s.ai_enabled))
                        disabled=Signal::derive(move || !ai_allowed())
                        on_change=move |on| { ai.dispatch(SetConversationAi { id: id(), on }); }/>
                    <span aria-hidden="true">{t!(i18n, chat.ai_bot)}</span>
                </label>
            </div>
            <Show when=move || transfer_open.get() && mine()>
                <TransferPicker me_id act done=transfer_open id=Signal::derive(id)/>
            </Show>
            {move || error().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            <Show when=move || summary.with(|s| s.owner == OwnerState::Assigned && s.assignee_id != Some(me_id))>
                <p class="notice muted-notice read-only">
                    {move || summary.with(|s| t_string!(
                        i18n,
                        chat.read_only,
                        name = s
                            .assignee_name
                            .clone()
                            .unwrap_or_else(|| t_string!(i18n, chat.another_operator).to_string())
                    ))}
                </p>
            </Show>
        </header>
    }
}

#[component]
fn TransferPicker(
    me_id: i64,
    act: ServerAction<ActOnConversation>,
    done: RwSignal<bool>,
    id: Signal<i64>,
) -> impl IntoView {
    let live = expect_context::<LiveState>();
    let operators = Resource::new(move || live.operators.get(), |_| operator_statuses());
    let chosen = RwSignal::new(None::<i64>);
    let i18n = use_i18n();
    view! {
        <div class="transfer card" role="group" aria-label=move || t_string!(i18n, chat.transfer_to)>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, chat.loading_operators)}</p> }>
                {move || Suspend::new(async move {
                    match operators.await {
                        Ok(list) => {
                            let options = list
                                .into_iter()
                                .filter(|o| o.id != me_id)
                                .map(|o| {
                                    let free = o.available && o.load < o.capacity;
                                    let label = move || format!(
                                        "{} · {} · {}/{}",
                                        o.display_name,
                                        if !o.available {
                                            t_string!(i18n, chat.operator_status.away)
                                        } else if o.online {
                                            t_string!(i18n, chat.operator_status.online)
                                        } else if o.push_ready {
                                            t_string!(i18n, chat.operator_status.push)
                                        } else {
                                            t_string!(i18n, chat.operator_status.offline)
                                        },
                                        o.load,
                                        o.capacity
                                    );
                                    view! { <option value=o.id.to_string() disabled=!free>{label}</option> }
                                })
                                .collect_view();
                            view! {
                                <label class="field">
                                    {t!(i18n, chat.transfer_to)}
                                    <select on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())>
                                        <option value="">{t!(i18n, chat.pick_operator)}</option>
                                        {options}
                                    </select>
                                </label>
                            }
                            .into_any()
                        }
                        Err(e) => load_error(&e),
                    }
                })}
            </Transition>
            <div class="row-actions">
                <button type="button" class="btn primary" disabled=move || chosen.get().is_none()
                    on:click=move |_| {
                        act.dispatch(ActOnConversation { id: id.get(), action: "transfer".into(), to: chosen.get() });
                        done.set(false);
                    }>
                    {t!(i18n, chat.transfer_now)}
                </button>
                <button type="button" class="btn ghost" on:click=move |_| done.set(false)>{t!(i18n, chat.cancel)}</button>
            </div>
        </div>
    }
}
