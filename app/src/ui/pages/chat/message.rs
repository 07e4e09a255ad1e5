//! One message of the history: a bubble with who, media, text, time and delivery state, or a
//! history line.

use crate::api::conversations::RetryMessage;
use crate::dto::{MessageDto, Sender};
use crate::i18n::*;
use crate::text::elapsed;
use crate::ui::live::Clock;
use leptos::prelude::*;

fn delivery_label(locale: Locale, status: &str) -> &'static str {
    match status {
        "sending" => td_string!(locale, chat.delivery.sending),
        "waiting" => td_string!(locale, chat.delivery.waiting),
        "sent" => td_string!(locale, chat.delivery.sent),
        "delivered" => td_string!(locale, chat.delivery.delivered),
        "read" => td_string!(locale, chat.delivery.read),
        "failed" => td_string!(locale, chat.delivery.failed),
        _ => "",
    }
}

fn media_label(locale: Locale, kind: &str) -> String {
    match kind {
        "voice" | "audio" => td_string!(locale, chat.media.voice).into(),
        "image" => td_string!(locale, chat.media.image).into(),
        "document" => td_string!(locale, chat.media.document).into(),
        "video" => td_string!(locale, chat.media.video).into(),
        other => td_string!(locale, chat.media.other, kind = other).to_string(),
    }
}

#[component]
pub(super) fn Message(m: MessageDto, can_retry: Signal<bool>) -> impl IntoView {
    let clock = expect_context::<Clock>();
    let i18n = use_i18n();
    let at = m.created_at;
    if m.sender == Sender::System {
        // Worded in the reader's language from the stored line; older lines have only English.
        let (line, body) = (m.system_line, m.body);
        return view! {
            <li class="msg system" data-id=m.id>
                <span class="system-line">{move || match &line {
                    Some(l) => crate::text::history::line(i18n.get_locale(), l),
                    None => body.clone(),
                }}</span>
                <span class="msg-time small muted">{move || elapsed(i18n.get_locale(), at, clock.now(at))}</span>
            </li>
        }
        .into_any();
    }
    let confidence = m.bot_confidence;
    let author = m.author_name.clone();
    let who = match m.sender {
        Sender::Customer | Sender::System => None,
        Sender::Bot => Some(
            (move || match confidence {
                Some(c) => t_string!(
                    i18n,
                    chat.bot_confidence,
                    percent = format!("{:.0}", c * 100.0)
                )
                .to_string(),
                None => t_string!(i18n, chat.bot).to_string(),
            })
            .into_any(),
        ),
        Sender::Operator => Some(match author {
            Some(name) => name.into_any(),
            None => t!(i18n, chat.operator).into_any(),
        }),
    };
    let note = m.note;
    let status = m.delivery_status.clone();
    let failed = status.as_deref() == Some("failed");
    let retry = ServerAction::<RetryMessage>::new();
    let id = m.id;
    // A file Baton stores shows itself; other kinds (a location, a contact card) by name.
    let file = m
        .media
        .clone()
        .map(|media| view! { <super::media::MediaView media message_id=id/> });
    let media = m
        .media_type
        .clone()
        .filter(|_| file.is_none())
        .map(|kind| move || media_label(i18n.get_locale(), &kind));
    view! {
        <li class=format!("msg {}", m.sender.as_str()) class:note=note class:has-media=m.media.is_some() data-id=m.id data-status=status.clone()>
            <div class="bubble">
                {who.map(|w| view! { <span class="msg-who small">{w}</span> })}
                {note.then(|| view! { <span class="note-tag small">{t!(i18n, toolkit.note_label)}</span> })}
                {media.map(|l| view! { <span class="media-tag">{l}</span> })}
                {file}
                {(!m.body.is_empty()).then(|| view! { <p class="msg-body">{m.body.clone()}</p> })}
                <span class="msg-meta small">
                    <span class="msg-time">{move || elapsed(i18n.get_locale(), at, clock.now(at))}</span>
                    {status.clone().map(|s| view! { <span class="delivery">{move || delivery_label(i18n.get_locale(), &s)}</span> })}
                </span>
            </div>
            {failed.then(|| view! {
                <div class="msg-failed" role="alert">
                    <span class="small">{match (m.delivery_error_kind, m.delivery_error.clone()) {
                        // Why, in the reader's language, when the platform said.
                        (Some(kind), _) => (move || crate::text::errors::problem(
                            i18n.get_locale(),
                            &crate::domain::problem::Problem::SendFailed { reason: kind },
                        )).into_any(),
                        (None, Some(e)) => e.into_any(),
                        (None, None) => t!(i18n, chat.not_delivered).into_any(),
                    }}</span>
                    <Show when=move || can_retry.get()>
                        <button type="button" class="btn small" on:click=move |_| { retry.dispatch(RetryMessage { message_id: id }); }>
                            {t!(i18n, chat.retry)}
                        </button>
                    </Show>
                </div>
            })}
        </li>
    }
    .into_any()
}
