//! The reply box. The operator holding the conversation replies to the customer; anyone may write
//! a private note for colleagues (the `Note` switch; the only choice for someone not holding it).
//! Typing `/` opens the canned replies (see [`CannedList`]).

use super::templates::TemplatePicker;
use super::{action_error, insert_once, scroll_to_bottom};
use crate::api::canned::canned_for_composer;
use crate::api::conversations::{AddNote, SendReply};
use crate::domain::canned::{fill, query, rank};
use crate::domain::ownership::OwnerState;
use crate::dto::{CannedReply, Channel, ConversationSummary, MessageDto};
use crate::i18n::*;
use leptos::prelude::*;

/// How often the composer says that the operator is typing, while they type.
const TYPING_EVERY_MS: i64 = 3_000;

#[component]
pub(super) fn Composer(
    id: i64,
    summary: RwSignal<ConversationSummary>,
    can_send: Signal<bool>,
    /// WhatsApp's 24-hour window has closed: only templates are offered.
    window_closed: Signal<bool>,
    messages: RwSignal<Vec<MessageDto>>,
    scroller: NodeRef<leptos::html::Div>,
    agent: String,
) -> impl IntoView {
    let send = ServerAction::<SendReply>::new();
    let note = ServerAction::<AddNote>::new();
    // A memo, so a conversation update does not redraw (and close) an open template picker.
    let whatsapp = Memo::new(move |_| summary.with(|s| s.channel == Channel::Whatsapp));
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let note_chosen = RwSignal::new(false);
    // Someone who does not hold the conversation can only leave a note; past WhatsApp's window
    // the holder can too (the customer gets only templates, from the picker).
    let note_only = move || !can_send.get() || window_closed.get();
    let note_mode = move || note_chosen.get() || note_only();
    for action in [send.value(), note.value()] {
        Effect::new(move |_| {
            if let Some(Ok(m)) = action.get() {
                messages.update(|list| insert_once(list, m));
                text.set(String::new());
                scroll_to_bottom(scroller);
            }
        });
    }
    let attach = Attachment::new();
    let send_error = action_error(send.value());
    let note_error = action_error(note.value());
    let error = move || {
        if note_mode() {
            note_error()
        } else if let Some(e) = attach.error.get() {
            Some(crate::text::errors::error(i18n.get_locale(), &e))
        } else {
            send_error()
        }
    };
    let pending = move || send.pending().get() || note.pending().get() || attach.sending.get();
    // The customer sees that their operator is typing: said at most every few seconds while the
    // holder types a reply (never a note).
    let clock = expect_context::<crate::ui::live::Clock>();
    let told_typing = StoredValue::new(None::<i64>);
    let tell_typing = move || {
        let now = clock.now_untracked(0);
        if note_mode()
            || told_typing
                .get_value()
                .is_some_and(|at| now - at < TYPING_EVERY_MS)
        {
            return;
        }
        told_typing.set_value(Some(now));
        leptos::task::spawn_local(async move {
            // Best effort: a missed "typing" costs nothing.
            let _ = crate::api::conversations::typing(id).await;
        });
    };
    let submit = move || {
        let body = text.get_untracked();
        // A chosen file goes with the text as its caption; notes never carry files.
        if attach.name.get_untracked().is_some() && !note_mode() {
            if !pending() {
                attach.send(id, body, move |m| {
                    messages.update(|list| insert_once(list, m));
                    text.set(String::new());
                    scroll_to_bottom(scroller);
                });
            }
            return;
        }
        if body.trim().is_empty() || pending() {
            return;
        }
        if note_chosen.get_untracked() || !can_send.get_untracked() || window_closed.get_untracked()
        {
            note.dispatch(AddNote { id, text: body });
        } else {
            send.dispatch(SendReply { id, text: body });
        }
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
    let agent = StoredValue::new(agent);
    let picked = move |body: String| {
        // An anonymous web visitor has no name to greet (their label is the interface's).
        let customer = summary.with_untracked(|s| {
            if s.visitor.is_some() {
                String::new()
            } else {
                s.contact_name.clone()
            }
        });
        text.set(agent.with_value(|a| fill(&body, &customer, a)));
    };
    let list = CannedState::new(text);
    view! {
        <Show when=move || !can_send.get()>
            <p class="composer-hint muted small">{hint}</p>
        </Show>
        <Show when=move || can_send.get() && whatsapp.get()>
            <TemplatePicker id messages scroller/>
        </Show>
        <form class="composer" class:note-mode=note_mode class:has-attach=move || !note_mode() on:submit=move |ev| { ev.prevent_default(); submit(); }
            method="post" action=move || if note_mode() { "/api/conversations/note" } else { "/api/conversations/send" }>
            <input type="hidden" name="id" value=id.to_string()/>
            <CannedList state=list on_pick=picked/>
            <label class="note-toggle small">
                <crate::ui::switch::Switch label=Signal::derive(move || t_string!(i18n, toolkit.note).to_string())
                    checked=Signal::derive(note_mode)
                    disabled=Signal::derive(note_only)
                    on_change=move |v| note_chosen.set(v)/>
                <span aria-hidden="true">{t!(i18n, toolkit.note)}</span>
            </label>
            // Reached through `Attach` only: hidden from the accessibility tree, so the button is
            // the one control with that name.
            <input type="file" id="composer-file" class="sr-only" tabindex="-1" node_ref=attach.input
                accept=ATTACH_TYPES aria-hidden="true"
                on:change=move |_| attach.chosen()/>
            // Notes never carry files: no `Attach` in note mode.
            <Show when=move || !note_mode()>
                <button type="button" class="btn attach-btn"
                    aria-label=move || t_string!(i18n, media.attach)
                    title=move || t_string!(i18n, media.attach_file)
                    on:click=move |_| attach.pick()>
                    <svg class="icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"
                        stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
                        <path d="M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48"/>
                    </svg>
                </button>
            </Show>
            {move || attach.name.get().filter(|_| !note_mode()).map(|name| view! {
                <p class="attachment-chip small">
                    <span>{t_string!(i18n, media.attached, name = name).to_string()}</span>
                    <button type="button" class="btn small" aria-label=move || t_string!(i18n, media.remove_attachment)
                        on:click=move |_| attach.clear()>"✕"</button>
                </p>
            })}
            <label for="composer-text" class="sr-only">
                {move || if note_mode() { t_string!(i18n, toolkit.note_label) } else { t_string!(i18n, chat.message) }}
            </label>
            <textarea id="composer-text" name="text" rows="1"
                placeholder=move || if note_mode() { t_string!(i18n, toolkit.note_placeholder) } else if attach.name.get().is_some() { t_string!(i18n, media.caption_placeholder) } else { t_string!(i18n, chat.placeholder) }
                prop:value=move || text.get()
                aria-controls="canned-list"
                aria-expanded=move || list.open().to_string()
                aria-activedescendant=move || list.active_id()
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    tell_typing();
                }
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if list.key(&ev, picked) {
                        return;
                    }
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        submit();
                    }
                }
                enterkeyhint="send"></textarea>
            <button type="submit" class="btn primary composer-send" disabled=pending>
                {move || if note_mode() { t_string!(i18n, toolkit.add_note) } else { t_string!(i18n, chat.send) }}
            </button>
            {move || error().map(|e| view! { <p class="field-error composer-error" role="alert">{e}</p> })}
        </form>
    }
}

/// What the `Attach` picker offers: images and documents the channels take.
const ATTACH_TYPES: &str =
    "image/jpeg,image/png,image/webp,application/pdf,text/plain,.doc,.docx,.xls,.xlsx,.ppt,.pptx";

/// A file chosen with `Attach`, sent with the composer's text as its caption
/// (`POST /api/media/upload`, multipart).
#[derive(Clone, Copy)]
struct Attachment {
    input: NodeRef<leptos::html::Input>,
    name: RwSignal<Option<String>>,
    sending: RwSignal<bool>,
    error: RwSignal<Option<crate::error::AppError>>,
}

impl Attachment {
    fn new() -> Self {
        Self {
            input: NodeRef::new(),
            name: RwSignal::new(None),
            sending: RwSignal::new(false),
            error: RwSignal::new(None),
        }
    }

    fn pick(self) {
        if let Some(el) = self.input.get_untracked() {
            el.click();
        }
    }

    fn chosen(self) {
        self.error.set(None);
        #[cfg(feature = "hydrate")]
        if let Some(el) = self.input.get_untracked() {
            self.name
                .set(el.files().and_then(|f| f.item(0)).map(|f| f.name()));
        }
    }

    fn clear(self) {
        self.name.set(None);
        self.error.set(None);
        if let Some(el) = self.input.get_untracked() {
            el.set_value("");
        }
    }

    fn send(self, _id: i64, _caption: String, _done: impl Fn(MessageDto) + 'static) {
        #[cfg(feature = "hydrate")]
        {
            let Some(file) = self
                .input
                .get_untracked()
                .and_then(|el| el.files())
                .and_then(|f| f.item(0))
            else {
                return;
            };
            self.sending.set(true);
            self.error.set(None);
            leptos::task::spawn_local(async move {
                match upload(_id, &_caption, &file).await {
                    Ok(m) => {
                        self.clear();
                        _done(m);
                    }
                    Err(e) => self.error.set(Some(e)),
                }
                self.sending.set(false);
            });
        }
    }
}

#[cfg(feature = "hydrate")]
async fn upload(
    id: i64,
    caption: &str,
    file: &web_sys::File,
) -> Result<MessageDto, crate::error::AppError> {
    use crate::domain::problem::Problem;
    use crate::error::AppError;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let unreachable = || AppError::Conflict(Problem::Unreachable);
    let form = web_sys::FormData::new().map_err(|_| unreachable())?;
    let _ = form.append_with_str("id", &id.to_string());
    let _ = form.append_with_str("text", caption);
    let _ = form.append_with_blob_and_filename("file", file, &file.name());
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&form);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let window = web_sys::window().ok_or_else(unreachable)?;
    let res: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init("/api/media/upload", &init))
            .await
            .map_err(|_| unreachable())?
            .dyn_into()
            .map_err(|_| unreachable())?;
    let text = JsFuture::from(res.text().map_err(|_| unreachable())?)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_default();
    if res.ok() {
        return serde_json::from_str(&text).map_err(|_| AppError::Internal);
    }
    // `{error, detail}`: the detail is the error as data, worded in the reader's language.
    #[derive(serde::Deserialize)]
    struct Refusal {
        detail: AppError,
    }
    Err(serde_json::from_str::<Refusal>(&text)
        .map(|r| r.detail)
        .unwrap_or(AppError::Internal))
}

/// The canned replies the `/` list offers: fetched the first time `/` is typed, then filtered as
/// the shortcut grows; the arrow keys move, Enter or a tap picks, Escape closes.
#[derive(Clone, Copy)]
struct CannedState {
    text: RwSignal<String>,
    all: RwSignal<Option<Vec<CannedReply>>>,
    active: RwSignal<usize>,
    closed_for: RwSignal<Option<String>>,
}

impl CannedState {
    fn new(text: RwSignal<String>) -> Self {
        let s = Self {
            text,
            all: RwSignal::new(None),
            active: RwSignal::new(0),
            closed_for: RwSignal::new(None),
        };
        Effect::new(move |_| {
            let asking = s.text.with(|t| query(t).is_some());
            if asking && s.all.get_untracked().is_none() {
                s.all.set(Some(Vec::new()));
                leptos::task::spawn_local(async move {
                    s.all
                        .set(Some(canned_for_composer().await.unwrap_or_default()));
                });
            }
            s.active.set(0);
        });
        s
    }

    /// The shortcut being typed, unless the list was closed for exactly this text.
    fn query(self) -> Option<String> {
        let q = self.text.with(|t| query(t).map(str::to_string))?;
        let closed = self.closed_for.with(|c| c.as_deref() == Some(&q));
        (!closed).then_some(q)
    }

    fn matches(self) -> Vec<CannedReply> {
        let Some(q) = self.query() else {
            return Vec::new();
        };
        let mut found: Vec<(u8, CannedReply)> = self.all.with(|all| {
            all.iter()
                .flatten()
                .filter_map(|c| rank(&c.shortcut, &c.body, &q).map(|r| (r, c.clone())))
                .collect()
        });
        found.sort_by_key(|(r, _)| *r);
        found.into_iter().map(|(_, c)| c).collect()
    }

    fn open(self) -> bool {
        self.query().is_some()
    }

    fn active_id(self) -> Option<String> {
        let n = self.matches().len();
        (n > 0).then(|| format!("canned-{}", self.active.get().min(n - 1)))
    }

    /// Handles a key for the list; true when the list used it.
    fn key(self, ev: &leptos::ev::KeyboardEvent, pick: impl Fn(String)) -> bool {
        if !self.open() {
            return false;
        }
        let found = self.matches();
        let last = found.len().saturating_sub(1);
        match ev.key().as_str() {
            "ArrowDown" => self.active.update(|a| *a = (*a + 1).min(last)),
            "ArrowUp" => self.active.update(|a| *a = a.saturating_sub(1)),
            "Escape" => self.closed_for.set(self.query()),
            "Enter" | "Tab" if !found.is_empty() => {
                pick(found[self.active.get_untracked().min(last)].body.clone())
            }
            _ => return false,
        }
        ev.prevent_default();
        true
    }
}

#[component]
fn CannedList(
    state: CannedState,
    on_pick: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let q = state.query()?;
        let found = state.matches();
        let none_at_all = state.all.with(|a| a.as_ref().is_none_or(Vec::is_empty));
        Some(view! {
            <ul id="canned-list" class="canned-list card" role="listbox" aria-label=move || t_string!(i18n, toolkit.canned)>
                {found.is_empty().then(|| view! {
                    <li class="canned-empty muted small" role="presentation">
                        {if none_at_all { t_string!(i18n, toolkit.canned_none).to_string() } else { t_string!(i18n, toolkit.canned_no_match, query = q.clone()).to_string() }}
                    </li>
                })}
                {found.into_iter().enumerate().map(|(i, c)| {
                    let body = c.body.clone();
                    view! {
                        <li id=format!("canned-{i}") role="option" class="canned-option"
                            aria-selected=move || (state.active.get() == i).to_string()
                            on:mousedown=move |ev| ev.prevent_default()
                            on:click=move |_| on_pick(body.clone())>
                            <span class="canned-shortcut">"/"{c.shortcut.clone()}</span>
                            {c.shared.then(|| view! { <span class="canned-tag small muted">{t!(i18n, toolkit.canned_shared_tag)}</span> })}
                            <span class="canned-body small">{c.body.clone()}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        })
    }
}
