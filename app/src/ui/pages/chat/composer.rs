//! The reply box of the operator who holds the conversation.

use super::templates::TemplatePicker;
use super::{action_error, insert_once, scroll_to_bottom};
use crate::api::conversations::SendReply;
use crate::domain::ownership::OwnerState;
use crate::dto::{Channel, ConversationSummary, MessageDto};
use crate::i18n::*;
use leptos::prelude::*;
#[component]
pub(super) fn Composer(
    id: i64,
    summary: RwSignal<ConversationSummary>,
    can_send: Signal<bool>,
    /// WhatsApp's 24-hour window has closed: only templates are offered.
    window_closed: Signal<bool>,
    messages: RwSignal<Vec<MessageDto>>,
    scroller: NodeRef<leptos::html::Div>,
) -> impl IntoView {
    let send = ServerAction::<SendReply>::new();
    // A memo, so a conversation update does not redraw (and close) an open template picker.
    let whatsapp = Memo::new(move |_| summary.with(|s| s.channel == Channel::Whatsapp));
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(m)) = send.value().get() {
            messages.update(|list| insert_once(list, m));
            text.set(String::new());
            scroll_to_bottom(scroller);
        }
    });
    let error = action_error(send.value());
    let submit = move || {
        let body = text.get_untracked();
        if body.trim().is_empty() || send.pending().get_untracked() {
            return;
        }
        send.dispatch(SendReply { id, text: body });
    };
    let hint = move || {
        summary.with(|s| match s.owner {
            OwnerState::Waiting => t_string!(i18n, chat.hint.accept_to_reply).to_string(),
            OwnerState::Bot => t_string!(i18n, chat.hint.bot_answering).to_string(),
            OwnerState::Closed => t_string!(i18n, chat.hint.closed).to_string(),
            OwnerState::Assigned => t_string!(
                i18n,
                chat.hint.other_replying,
                name = s.assignee_name.clone().unwrap_or_else(|| t_string!(
                    i18n,
                    chat.another_operator
                )
                .to_string())
            )
            .to_string(),
        })
    };
    view! {
        <Show when=move || can_send.get() fallback=move || view! { <p class="composer-hint muted small">{hint}</p> }>
            <Show when=move || whatsapp.get()>
                <TemplatePicker id messages scroller/>
            </Show>
            <Show when=move || !window_closed.get()>
            <form class="composer" on:submit=move |ev| { ev.prevent_default(); submit(); }
                method="post" action="/api/conversations/send">
                <input type="hidden" name="id" value=id.to_string()/>
                <label for="composer-text" class="sr-only">{t!(i18n, chat.message)}</label>
                <textarea id="composer-text" name="text" rows="1" placeholder=move || t_string!(i18n, chat.placeholder)
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                            ev.prevent_default();
                            submit();
                        }
                    }
                    enterkeyhint="send"></textarea>
                <button type="submit" class="btn primary" disabled=move || send.pending().get()>{t!(i18n, chat.send)}</button>
                {move || error().map(|e| view! { <p class="field-error composer-error" role="alert">{e}</p> })}
            </form>
            </Show>
        </Show>
    }
}
