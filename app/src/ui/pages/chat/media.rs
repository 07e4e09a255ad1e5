//! A message's file in the chat: an image (tap to enlarge), a voice note or audio in a player
//! with its transcript under it, a playable video, a document as a named download, or where its
//! download stands (fetching, being retried, failed with `Retry`).

use crate::api::media::RetryDownload;
use crate::domain::media::{MediaKind, MediaState, TranscriptState, MAX_ATTEMPTS};
use crate::dto::MediaDto;
use crate::i18n::*;
use leptos::prelude::*;

fn size_text(locale: Locale, size: Option<i64>) -> Option<String> {
    let size = size?;
    Some(if size < 1024 * 1024 {
        td_string!(locale, media.size_kb, n = (size + 1023) / 1024).to_string()
    } else {
        td_string!(
            locale,
            media.size_mb,
            n = format!("{:.1}", size as f64 / (1024.0 * 1024.0))
        )
        .to_string()
    })
}

fn kind_label(locale: Locale, kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => td_string!(locale, media.image),
        MediaKind::Voice => td_string!(locale, media.voice_note),
        MediaKind::Audio => td_string!(locale, media.audio),
        MediaKind::Video => td_string!(locale, media.video),
        MediaKind::Document => td_string!(locale, media.document),
    }
}

#[component]
pub(super) fn MediaView(media: MediaDto, message_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let kind = media.kind;
    match (media.state, media.url.clone()) {
        (MediaState::Ready, Some(url)) => ready(media, url).into_any(),
        (MediaState::Failed, _) => {
            let retry = ServerAction::<RetryDownload>::new();
            let attempts = media.attempts;
            view! {
                <div class="media-state media-failed" role="alert">
                    <span class="media-tag">{move || kind_label(i18n.get_locale(), kind)}</span>
                    <p class="small"><strong>{t!(i18n, media.failed)}</strong>" "{move || t_string!(i18n, media.failed_after, attempts = attempts).to_string()}</p>
                    <button type="button" class="btn small" disabled=move || retry.pending().get()
                        on:click=move |_| { retry.dispatch(RetryDownload { message_id }); }>
                        {t!(i18n, media.retry_download)}
                    </button>
                </div>
            }
            .into_any()
        }
        _ => {
            let attempts = media.attempts;
            view! {
                <div class="media-state media-pending" role="status">
                    <span class="media-tag">{move || kind_label(i18n.get_locale(), kind)}</span>
                    <p class="small muted">{move || if attempts == 0 {
                        t_string!(i18n, media.downloading).to_string()
                    } else {
                        t_string!(i18n, media.retrying, attempt = attempts + 1, max = MAX_ATTEMPTS).to_string()
                    }}</p>
                </div>
            }
            .into_any()
        }
    }
}

fn ready(media: MediaDto, url: String) -> impl IntoView {
    let i18n = use_i18n();
    let name = media.name.clone().unwrap_or_default();
    match media.kind {
        MediaKind::Image => {
            let open = RwSignal::new(false);
            let big = url.clone();
            let href = url.clone();
            view! {
                // A link, so the image opens without JavaScript too; with it, an overlay.
                <a class="media-image" href=href target="_blank" rel="noopener"
                    aria-label=move || t_string!(i18n, media.enlarge)
                    on:click=move |ev| { ev.prevent_default(); open.set(true); }>
                    <img src=url alt=move || t_string!(i18n, media.image) loading="lazy" decoding="async"/>
                </a>
                <Show when=move || open.get()>
                    <div class="media-overlay" role="dialog" aria-modal="true"
                        aria-label=move || t_string!(i18n, media.image)
                        on:click=move |_| open.set(false)>
                        <img src=big.clone() alt=move || t_string!(i18n, media.image)/>
                        <button type="button" class="btn media-close" on:click=move |_| open.set(false)>
                            {t!(i18n, media.close)}
                        </button>
                    </div>
                </Show>
            }
            .into_any()
        }
        MediaKind::Voice | MediaKind::Audio => {
            let kind = media.kind;
            let transcript = media.transcript.clone();
            let state = media.transcript_state;
            view! {
                <div class="media-audio">
                    <span class="media-tag">{move || kind_label(i18n.get_locale(), kind)}</span>
                    <audio controls preload="metadata" src=url
                        aria-label=move || kind_label(i18n.get_locale(), kind)></audio>
                    {match (state, transcript) {
                        (Some(TranscriptState::Done), Some(text)) => view! {
                            <p class="transcript">
                                <span class="transcript-label small muted">{t!(i18n, media.transcript)}</span>
                                <span class="transcript-text">{text}</span>
                            </p>
                        }.into_any(),
                        (Some(TranscriptState::Pending), _) => view! {
                            <p class="transcript small muted" role="status">{t!(i18n, media.transcribing)}</p>
                        }.into_any(),
                        (Some(TranscriptState::Failed), _) => view! {
                            <p class="transcript small muted">{t!(i18n, media.transcript_failed)}</p>
                        }.into_any(),
                        (Some(TranscriptState::Off), _) => view! {
                            <p class="transcript small muted">{t!(i18n, media.transcript_off)}</p>
                        }.into_any(),
                        _ => ().into_any(),
                    }}
                </div>
            }
            .into_any()
        }
        MediaKind::Video => view! {
            <video class="media-video" controls playsinline preload="metadata" src=url
                aria-label=move || t_string!(i18n, media.video)></video>
        }
        .into_any(),
        MediaKind::Document => {
            let size = media.size;
            let label = name.clone();
            view! {
                <a class="media-doc" href=url download=name.clone()
                    aria-label=move || t_string!(i18n, media.download, name = label.clone()).to_string()>
                    <svg class="media-doc-icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"
                        stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
                        <path d="M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z"/>
                        <path d="M14 2v6h6"/>
                    </svg>
                    <span class="media-doc-name">{name.clone()}</span>
                    <span class="small muted">{move || size_text(i18n.get_locale(), size)}</span>
                </a>
            }
            .into_any()
        }
    }
}
