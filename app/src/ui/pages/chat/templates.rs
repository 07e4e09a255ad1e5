//! WhatsApp's 24-hour window in the chat: the banner once it has closed, and `Send template`,
//! which lets the operator holding a WhatsApp conversation pick a template, fill its parameters
//! (with a preview of the text the customer gets) and send it, window open or closed.

use super::{insert_once, scroll_to_bottom};
use crate::api::templates::{list_templates, SendTemplate};
use crate::domain::templates::{param_field, preview, WhatsappTemplate};
use crate::dto::MessageDto;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;

/// Shown to everyone reading a WhatsApp conversation whose window has closed.
#[component]
pub(super) fn WindowClosedBanner(closed: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || closed.get()>
            <div class="notice warn window-closed" role="status">
                <strong>{t!(i18n, chat.window_closed)}</strong>
                <span class="small">{t!(i18n, chat.window_closed_hint)}</span>
            </div>
        </Show>
    }
}

/// `Send template`: opens the picker, whose code loads when first opened (a split chunk: only
/// WhatsApp chats use it).
#[component]
pub(super) fn TemplatePicker(
    id: i64,
    messages: RwSignal<Vec<MessageDto>>,
    scroller: NodeRef<leptos::html::Div>,
) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    view! {
        <div class="template-send">
            <button type="button" class="btn small template-open" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                {t!(i18n, chat.templates.open)}
            </button>
            <Show when=move || open.get()>
                <Suspense fallback=move || view! { <p class="muted small">{t!(i18n, chat.templates.loading)}</p> }>
                    {move || Suspend::new(template_form(id, messages, scroller, open))}
                </Suspense>
            </Show>
        </div>
    }
}

/// The picker's form, from its own chunk of the browser bundle.
#[lazy]
fn template_form(
    id: i64,
    messages: RwSignal<Vec<MessageDto>>,
    scroller: NodeRef<leptos::html::Div>,
    open: RwSignal<bool>,
) -> AnyView {
    view! { <TemplateForm id messages scroller open/> }.into_any()
}

#[component]
fn TemplateForm(
    id: i64,
    messages: RwSignal<Vec<MessageDto>>,
    scroller: NodeRef<leptos::html::Div>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    // Read when the picker opens (in the browser only).
    let templates = RwSignal::new(None::<Result<Vec<WhatsappTemplate>, AppError>>);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move { templates.set(Some(list_templates().await)) });
    });
    let chosen = RwSignal::new(None::<WhatsappTemplate>);
    let params = RwSignal::new(Vec::<String>::new());
    let send = ServerAction::<SendTemplate>::new();
    // Parameter problems stand next to their inputs; anything else above the buttons.
    let error = move || {
        send.value()
            .get()
            .and_then(Result::err)
            .filter(|e| !matches!(e, AppError::Invalid(f) if f.iter().all(|f| f.field.starts_with("param_"))))
            .map(|e| crate::text::errors::error(i18n.get_locale(), &e))
    };
    Effect::new(move |_| {
        if let Some(Ok(m)) = send.value().get() {
            messages.update(|list| insert_once(list, m));
            scroll_to_bottom(scroller);
            // Last: closing disposes this form and everything it owns (a fresh one opens next).
            open.set(false);
        }
    });
    let choose = move |ev| {
        let picked: Option<i64> = event_target_value(&ev).parse().ok();
        let t = templates.with_untracked(|ts| {
            ts.as_ref()
                .and_then(|r| r.as_ref().ok())
                .and_then(|ts| ts.iter().find(|t| Some(t.id) == picked).cloned())
        });
        params.set(vec![
            String::new();
            t.as_ref().map_or(0, |t| t.parameters())
        ]);
        chosen.set(t);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(t) = chosen.get_untracked() else {
            return;
        };
        if !send.pending().get_untracked() {
            send.dispatch(SendTemplate {
                id,
                template_id: t.id,
                params: params.get_untracked(),
            });
        }
    };
    let field_error = move |n: usize| {
        move || {
            send.value()
                .get()
                .and_then(Result::err)
                .and_then(|e| crate::text::errors::field(i18n.get_locale(), &e, &param_field(n)))
                .map(|m| view! { <span class="field-error" role="alert">{m}</span> })
        }
    };
    let inputs = move || {
        let n = chosen.with(|t| t.as_ref().map_or(0, |t| t.parameters()));
        (1..=n)
            .map(|n| {
                view! {
                    <label class="field">
                        <span>{move || t_string!(i18n, chat.templates.param, n = n).to_string()}</span>
                        <input type="text" prop:value=move || params.with(|p| p.get(n - 1).cloned().unwrap_or_default())
                            on:input=move |ev| params.update(|p| {
                                if p.len() < n {
                                    p.resize(n, String::new());
                                }
                                p[n - 1] = event_target_value(&ev);
                            })/>
                        {field_error(n)}
                    </label>
                }
            })
            .collect_view()
    };
    let options = move || {
        match templates.get() {
        Some(Ok(ts)) if ts.is_empty() => {
            view! { <p class="muted small">{t!(i18n, chat.templates.none)}</p> }.into_any()
        }
        Some(Ok(ts)) => view! {
            <label class="field">
                <span>{t!(i18n, chat.templates.pick)}</span>
                <select on:change=choose>
                    <option value="">{t!(i18n, chat.templates.choose)}</option>
                    {ts.into_iter().map(|t| view! {
                        <option value=t.id.to_string()>{format!("{} · {}", t.name, t.language)}</option>
                    }).collect_view()}
                </select>
            </label>
        }
        .into_any(),
        Some(Err(e)) => super::super::error_notice(e),
        None => view! { <p class="muted small">{t!(i18n, chat.templates.loading)}</p> }.into_any(),
    }
    };
    view! {
                <form class="template-picker" on:submit=submit>
                    <h2 class="template-title">{t!(i18n, chat.templates.title)}</h2>
                    {options}
                    {inputs}
                    {move || chosen.get().map(|t| view! {
                        <div class="template-preview">
                            <span class="small muted">{t!(i18n, chat.templates.preview)}</span>
                            <p class="msg-body">{move || params.with(|p| preview(&t.body, p))}</p>
                        </div>
                    })}
                    {move || error().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                    <div class="form-row">
                        <button type="submit" class="btn primary"
                            disabled=move || chosen.with(Option::is_none) || send.pending().get()>
                            {t!(i18n, chat.templates.send)}
                        </button>
                        <button type="button" class="btn ghost" on:click=move |_| open.set(false)>
                            {t!(i18n, chat.templates.cancel)}
                        </button>
                    </div>
                </form>
    }
}
