//! The contact panel (`Contact` in the chat header): who the customer is, the name and notes
//! operators keep about them, and their earlier conversations, each openable. Its code loads
//! when first opened (a split chunk): most chats never open it.

use super::message::Message;
use crate::api::contacts::{get_contact, past_messages, SaveContact};
use crate::api::privacy::EraseContact;
use crate::dto::{ContactCard, PastConversation};
use crate::i18n::*;
use crate::text::{channel_name, day};
use crate::ui::live::Clock;
use crate::ui::pages::{field_error, load_error};
use leptos::prelude::*;

/// The panel as a view, from its own chunk of the browser bundle.
#[lazy]
pub(super) fn contact_panel(id: i64, open: RwSignal<bool>, is_admin: bool) -> AnyView {
    view! { <ContactPanel id open is_admin/> }.into_any()
}

#[component]
fn ContactPanel(id: i64, open: RwSignal<bool>, is_admin: bool) -> impl IntoView {
    let i18n = use_i18n();
    let card = LocalResource::new(move || get_contact(id));
    view! {
        <aside class="contact-panel" aria-labelledby="contact-title">
            <div class="contact-head">
                <h3 id="contact-title">{t!(i18n, contact.title)}</h3>
                <button type="button" class="btn ghost" on:click=move |_| open.set(false)
                    aria-label=move || t_string!(i18n, contact.close)>
                    <span aria-hidden="true">"×"</span>
                </button>
            </div>
            <Suspense fallback=move || view! { <p class="muted">{t!(i18n, contact.loading)}</p> }>
                {move || Suspend::new(async move {
                    match card.await {
                        Ok(c) => view! {
                            <ContactBody card=c/>
                            {is_admin.then(|| view! { <PersonalData id/> })}
                        }.into_any(),
                        Err(e) => load_error(&e),
                    }
                })}
            </Suspense>
        </aside>
    }
}

#[component]
fn ContactBody(card: ContactCard) -> impl IntoView {
    let i18n = use_i18n();
    let clock = expect_context::<Clock>();
    let id = card.conversation_id;
    let name = RwSignal::new(card.name.clone().unwrap_or_default());
    let notes = RwSignal::new(card.notes.clone());
    let save = ServerAction::<SaveContact>::new();
    let other_error = move || {
        save.value().with(|v| match v {
            Some(Err(e)) if e.for_field("name").is_none() && e.for_field("notes").is_none() => {
                Some(crate::text::errors::error(i18n.get_locale(), e))
            }
            _ => None,
        })
    };
    // What the server kept (trimmed, or the channel's name back) replaces what was typed.
    Effect::new(move |_| {
        if let Some(Ok(c)) = save.value().get() {
            name.set(c.name.unwrap_or_default());
            notes.set(c.notes);
        }
    });
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    let first_seen = card.first_seen;
    let channel = card.channel;
    let reach = card
        .phone
        .clone()
        .map(|p| (true, p))
        .or(card.handle.clone().map(|h| (false, h)));
    let chosen = RwSignal::new(None::<PastConversation>);
    let past = card.past;

    view! {
        <form class="contact-form" on:submit=move |ev| {
            ev.prevent_default();
            save.dispatch(SaveContact { id, name: name.get_untracked(), notes: notes.get_untracked() });
        }>
            <div class="field">
                <label for="contact-name">{t!(i18n, contact.name)}</label>
                <input id="contact-name" type="text" name="name" autocomplete="off" maxlength="100"
                    aria-describedby="contact-name-hint"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <span id="contact-name-hint" class="hint muted small">{t!(i18n, contact.name_hint)}</span>
                {field_error(save.value(), "name")}
            </div>
            <dl class="contact-facts">
                {reach.map(|(phone, value)| view! {
                    <dt>{move || if phone { t_string!(i18n, contact.phone) } else { t_string!(i18n, contact.handle) }}</dt>
                    <dd>{value}</dd>
                })}
                <dt>{t!(i18n, contact.channel)}</dt>
                <dd>{move || channel_name(i18n.get_locale(), channel)}</dd>
                <dt>{t!(i18n, contact.first_seen)}</dt>
                <dd>{move || day(i18n.get_locale(), first_seen, clock.now(first_seen))}</dd>
            </dl>
            <div class="field">
                <label for="contact-notes">{t!(i18n, contact.notes)}</label>
                <textarea id="contact-notes" name="notes" rows="4" maxlength="2000"
                    aria-describedby="contact-notes-hint"
                    prop:value=move || notes.get() on:input=move |ev| notes.set(event_target_value(&ev))></textarea>
                <span id="contact-notes-hint" class="hint muted small">{t!(i18n, contact.notes_hint)}</span>
                {field_error(save.value(), "notes")}
            </div>
            <div class="row-actions">
                <button type="submit" class="btn primary" disabled=move || save.pending().get()>
                    {t!(i18n, contact.save)}
                </button>
                <Show when=saved>
                    <span class="muted small" role="status">{t!(i18n, contact.saved)}</span>
                </Show>
            </div>
            {move || other_error().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
        </form>
        <section class="contact-past" aria-labelledby="contact-past-title">
            <h4 id="contact-past-title">{t!(i18n, contact.past)}</h4>
            {move || match chosen.get() {
                Some(p) => view! { <PastTranscript id past=p chosen/> }.into_any(),
                None if past.is_empty() => view! { <p class="muted small">{t!(i18n, contact.past_none)}</p> }.into_any(),
                None => {
                    let items = past.iter().cloned().map(|p| {
                        let open = p.clone();
                        view! {
                            <li>
                                <button type="button" class="past-item" on:click=move |_| chosen.set(Some(open.clone()))>
                                    <PastSummary p/>
                                </button>
                            </li>
                        }
                    }).collect_view();
                    view! { <ul class="past-list">{items}</ul> }.into_any()
                }
            }}
        </section>
    }
}

/// Admins: `Export contact data` (a JSON download) and `Erase contact`, which asks first.
#[component]
fn PersonalData(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let erase = ServerAction::<EraseContact>::new();
    let confirming = RwSignal::new(false);
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = erase.value().get() {
            navigate("/conversations", Default::default());
        }
    });
    let failed = move || {
        erase
            .value()
            .get()
            .and_then(Result::err)
            .map(crate::ui::pages::error_notice)
    };
    view! {
        <section class="contact-data" aria-labelledby="contact-data-title">
            <h4 id="contact-data-title" class="sr-only">{t!(i18n, privacy.title)}</h4>
            <a class="btn" href=format!("/contacts/{id}/export.json") download=format!("baton-contact-{id}.json")>
                {t!(i18n, privacy.export)}
            </a>
            {move || if confirming.get() {
                view! {
                    <div class="erase-confirm" role="alertdialog" aria-labelledby="erase-warning">
                        <p id="erase-warning" class="notice error">{t!(i18n, privacy.erase_warning)}</p>
                        <div class="row-actions">
                            <button type="button" class="btn danger" disabled=move || erase.pending().get()
                                on:click=move |_| { erase.dispatch(EraseContact { id }); }>
                                {t!(i18n, privacy.erase_confirm)}
                            </button>
                            <button type="button" class="btn ghost" on:click=move |_| confirming.set(false)>
                                {t!(i18n, privacy.cancel)}
                            </button>
                        </div>
                    </div>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="btn danger" on:click=move |_| confirming.set(true)>
                        {t!(i18n, privacy.erase)}
                    </button>
                }.into_any()
            }}
            {failed}
        </section>
    }
}

/// "12 Nov 2026 · 8 messages", with whom, and the customer's first words.
#[component]
fn PastSummary(p: PastConversation) -> impl IntoView {
    let i18n = use_i18n();
    let clock = expect_context::<Clock>();
    let (start, count) = (p.start, p.messages);
    let line = move || {
        let locale = i18n.get_locale();
        let when = day(locale, start, clock.now(start));
        match count {
            1 => td_string!(locale, contact.past_line_one, day = when).to_string(),
            n => td_string!(locale, contact.past_line, day = when, count = n).to_string(),
        }
    };
    let names = p.handled_by.join(", ");
    let with = move || match names.is_empty() {
        true => t_string!(i18n, contact.bot_only).to_string(),
        false => t_string!(i18n, contact.handled_by, names = names.clone()).to_string(),
    };
    view! {
        <span class="past-when">{line}</span>
        <span class="past-with muted small">{with}</span>
        {p.opening.map(|o| view! { <span class="past-opening small">"“" {o} "”"</span> })}
    }
}

/// One earlier conversation's messages, read-only.
#[component]
fn PastTranscript(
    id: i64,
    past: PastConversation,
    chosen: RwSignal<Option<PastConversation>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let (start, end) = (past.start, past.end);
    let messages = LocalResource::new(move || past_messages(id, start, end));
    view! {
        <div class="past-transcript">
            <button type="button" class="btn small ghost" on:click=move |_| chosen.set(None)>
                <span aria-hidden="true">"‹ "</span>{t!(i18n, contact.back)}
            </button>
            <PastSummary p=past/>
            <Suspense fallback=move || view! { <p class="muted">{t!(i18n, contact.loading)}</p> }>
                {move || Suspend::new(async move {
                    match messages.await {
                        Ok(list) => {
                            let cut = list.len() as i64 >= crate::domain::contact::MAX_PAST_MESSAGES;
                            view! {
                                <ol class="messages" aria-label=move || t_string!(i18n, contact.past_messages)>
                                    {list.into_iter().map(|m| view! { <Message m can_retry=Signal::derive(|| false)/> }).collect_view()}
                                </ol>
                                {cut.then(|| view! {
                                    <p class="muted small">{t!(i18n, contact.past_cut, n = crate::domain::contact::MAX_PAST_MESSAGES)}</p>
                                })}
                            }
                            .into_any()
                        }
                        Err(e) => load_error(&e),
                    }
                })}
            </Suspense>
        </div>
    }
}
