//! One conversation: its messages (customer, bot, operator, history lines), earlier pages, the
//! composer, and the ownership actions in the header. Live over `/ws`: new messages, delivery
//! states and ownership changes arrive as they happen, each message shown once.

mod composer;
mod contact;
mod header;
mod media;
mod message;
mod templates;

use super::load_error;
use crate::api::conversations::{earlier_messages, open_conversation};
use crate::domain::history::SystemLine;
use crate::domain::ownership::OwnerState;
use crate::dto::{ConversationDetail, LiveEventKind, MessageDto, Sender};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::live::LiveState;
use composer::Composer;
use header::ChatHeader;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use message::Message;

#[component]
pub fn ChatPage() -> impl IntoView {
    let params = use_params_map();
    let live = expect_context::<LiveState>();
    let id = Memo::new(move |_| {
        params.with(|p| p.get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0))
    });
    let detail = Resource::new(
        move || (id.get(), live.resyncs.get()),
        |(id, _)| open_conversation(id),
    );
    // Its own read of the signed-in user (see `layout::WithUser` for why not the session's).
    let me = Resource::new(|| (), |_| crate::api::auth::get_me());
    let i18n = use_i18n();
    view! {
        <Transition fallback=move || view! { <p class="muted chat-loading">{t!(i18n, chat.opening)}</p> }>
            {move || Suspend::new(async move {
                let me = me.await;
                match detail.await {
                    Ok(d) => match me {
                        Ok(Some(me)) => view! { <Chat detail=d me/> }.into_any(),
                        _ => ().into_any(),
                    },
                    Err(e) => view! { <div class="chat-error"><BackLink/>{load_error(&e)}</div> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Back to the list (phones), keeping the list's filter and search.
#[component]
fn BackLink() -> impl IntoView {
    let query = use_query_map();
    let i18n = use_i18n();
    let href = move || {
        let q = query.with(|q| q.to_query_string());
        format!("/conversations{q}")
    };
    view! {
        <A href=href attr:class="btn ghost back" attr:aria-label=move || t_string!(i18n, chat.back)>
            <span aria-hidden="true">"‹"</span>
            <span class="back-label">{t!(i18n, chat.back_label)}</span>
        </A>
    }
}

/// Shows an action's failure ("Taken by Ben") until the next attempt.
fn action_error<T, V>(value: V) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static
where
    T: Clone + Send + Sync + 'static,
    V: Get<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
{
    let i18n = use_i18n();
    move || {
        value
            .get()
            .and_then(Result::err)
            .map(|e| crate::text::errors::error(i18n.get_locale(), &e))
    }
}

#[component]
fn Chat(detail: ConversationDetail, me: crate::dto::UserDto) -> impl IntoView {
    let live = expect_context::<LiveState>();
    let i18n = use_i18n();
    let id = detail.summary.id;
    let server_now = detail.now;
    let phone = detail.contact_phone.clone();
    let summary = RwSignal::new(detail.summary);
    let messages = RwSignal::new(detail.page.messages);
    let has_earlier = RwSignal::new(detail.page.has_earlier);
    let scroller = NodeRef::<leptos::html::Div>::new();
    let contact_open = RwSignal::new(false);
    let clock = expect_context::<crate::ui::live::Clock>();
    // Until when the customer shows as typing (unix ms): the widget says so every few seconds
    // while they type; their message, or silence, ends it.
    let typing_until = RwSignal::new(0_i64);
    let removed = RwSignal::new(false);

    live.on_event(move |ev| match &ev.kind {
        LiveEventKind::Typing { conversation_id } if *conversation_id == id => {
            typing_until.set(clock.now_untracked(server_now) + TYPING_SHOWN_MS)
        }
        LiveEventKind::MessageCreated { message } if message.conversation_id == id => {
            if message.sender == Sender::Customer {
                typing_until.set(0);
            }
            let follow = near_bottom(scroller);
            messages.update(|list| insert_once(list, message.clone()));
            if follow {
                scroll_to_bottom(scroller);
            }
        }
        LiveEventKind::MessageUpdated {
            conversation_id,
            message_id,
            delivery_status,
            error,
            error_kind,
        } if *conversation_id == id => messages.update(|list| {
            if let Some(m) = list.iter_mut().find(|m| m.id == *message_id) {
                m.delivery_status = Some(delivery_status.clone());
                m.delivery_error = error.clone();
                m.delivery_error_kind = *error_kind;
            }
        }),
        LiveEventKind::MediaUpdated { message } if message.conversation_id == id => messages
            .update(|list| {
                if let Some(m) = list.iter_mut().find(|m| m.id == message.id) {
                    m.media = message.media.clone();
                }
            }),
        LiveEventKind::ConversationUpdated { conversation } if conversation.id == id => {
            summary.set(conversation.clone())
        }
        LiveEventKind::ConversationRemoved { conversation_id } if *conversation_id == id => {
            removed.set(true)
        }
        _ => {}
    });
    // Erased (or deleted by retention) while open: back to the list.
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if removed.get() {
            navigate("/conversations", Default::default());
        }
    });
    Effect::new(move |_| scroll_to_bottom(scroller));

    let loading_earlier = RwSignal::new(false);
    let load_earlier = move |_| {
        let Some(first) = messages.with_untracked(|m| m.first().map(|m| m.id)) else {
            return;
        };
        loading_earlier.set(true);
        leptos::task::spawn_local(async move {
            if let Ok(page) = earlier_messages(id, first).await {
                let keep = distance_from_bottom(scroller);
                messages.update(|list| {
                    for m in page.messages {
                        insert_once(list, m);
                    }
                });
                has_earlier.set(page.has_earlier);
                restore_distance_from_bottom(scroller, keep);
            }
            loading_earlier.set(false);
        });
    };

    let me_id = me.id;
    let is_admin = me.is_admin();
    let can_send =
        move || summary.with(|s| s.owner == OwnerState::Assigned && s.assignee_id == Some(me_id));
    // WhatsApp: past 24 hours since the customer last wrote, only templates go out.
    let window_closed = Signal::derive(move || {
        let now = clock.now(server_now);
        summary.with(|s| !crate::domain::reply_window::is_open(s.reply_window_closes_at, now))
    });

    view! {
        <article class="chat" aria-labelledby="chat-title">
            <ChatHeader summary server_now phone me_id is_admin contact_open/>
            <div class="messages-scroll" node_ref=scroller>
                <Show when=move || has_earlier.get()>
                    <button type="button" class="btn small load-earlier" on:click=load_earlier
                        disabled=move || loading_earlier.get()>
                        {t!(i18n, chat.load_earlier)}
                    </button>
                </Show>
                <ol class="messages" aria-label=move || t_string!(i18n, chat.history) aria-live="polite">
                    <For each=move || messages.with(|list| shown(list)) key=|m| (m.id, m.delivery_status.clone(), m.media.as_ref().map(|x| (x.state, x.attempts, x.transcript_state))) let:m>
                        <Message m can_retry=Signal::derive(can_send)/>
                    </For>
                </ol>
            </div>
            <p class="typing" aria-live="polite">
                {move || (clock.now(server_now) < typing_until.get()).then(|| {
                    let name = summary.with(|s| crate::text::contact_name(i18n.get_locale(), s));
                    t_string!(i18n, typing.named, name = name).to_string()
                })}
            </p>
            <templates::WindowClosedBanner closed=window_closed/>
            <Composer id summary can_send=Signal::derive(can_send) window_closed messages scroller agent=me.display_name.clone()/>
            <Show when=move || contact_open.get()>
                <Suspense fallback=move || view! { <aside class="contact-panel"><p class="muted">{t!(i18n, contact.loading)}</p></aside> }>
                    {move || Suspend::new(contact::contact_panel(id, contact_open, is_admin))}
                </Suspense>
            </Show>
        </article>
    }
}

/// How long "… is typing" shows after the widget last said so (it says so every 2-3 s).
const TYPING_SHOWN_MS: i64 = 6_000;

/// What the history shows: a conversation waiting a long time gets a "Still waiting after N min"
/// line per alert step; each run of them (with nothing but other history lines between) shows as
/// its latest line only, so the customer's own words stay in view.
fn shown(list: &[MessageDto]) -> Vec<MessageDto> {
    let still_waiting =
        |m: &MessageDto| matches!(m.system_line, Some(SystemLine::StillWaiting { .. }));
    let mut out: Vec<MessageDto> = Vec::with_capacity(list.len());
    let mut last_waiting: Option<usize> = None;
    for m in list {
        if still_waiting(m) {
            if let Some(at) = last_waiting.take() {
                out.remove(at);
            }
            last_waiting = Some(out.len());
        } else if m.sender != Sender::System {
            last_waiting = None;
        }
        out.push(m.clone());
    }
    out
}

/// Adds `m` unless a message with its id is already there, keeping id order.
fn insert_once(list: &mut Vec<MessageDto>, m: MessageDto) {
    match list.binary_search_by_key(&m.id, |x| x.id) {
        Ok(_) => {}
        Err(at) => list.insert(at, m),
    }
}

fn near_bottom(_el: NodeRef<leptos::html::Div>) -> bool {
    #[cfg(feature = "hydrate")]
    if let Some(el) = _el.get_untracked() {
        return el.scroll_height() - el.scroll_top() - el.client_height() < 120;
    }
    true
}

fn scroll_to_bottom(_el: NodeRef<leptos::html::Div>) {
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        if let Some(el) = _el.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
    });
}

fn distance_from_bottom(_el: NodeRef<leptos::html::Div>) -> i32 {
    #[cfg(feature = "hydrate")]
    if let Some(el) = _el.get_untracked() {
        return el.scroll_height() - el.scroll_top();
    }
    0
}

/// After older messages were put above, keeps what the reader was looking at in place.
fn restore_distance_from_bottom(_el: NodeRef<leptos::html::Div>, _distance: i32) {
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        if let Some(el) = _el.get_untracked() {
            el.set_scroll_top(el.scroll_height() - _distance);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::history::Names;

    fn message(id: i64, sender: Sender, line: Option<SystemLine>) -> MessageDto {
        MessageDto {
            id,
            conversation_id: 1,
            sender,
            author_name: None,
            body: format!("m{id}"),
            media_type: None,
            media_url: None,
            bot_confidence: None,
            delivery_status: None,
            delivery_error: None,
            delivery_error_kind: None,
            created_at: id,
            system_line: line,
            note: false,
            media: None,
        }
    }

    fn waiting(id: i64) -> MessageDto {
        let line = SystemLine::StillWaiting {
            waited_secs: id * 60,
            step: 1,
            alerted: Names::default(),
        };
        message(id, Sender::System, Some(line))
    }

    fn ids(list: &[MessageDto]) -> Vec<i64> {
        list.iter().map(|m| m.id).collect()
    }

    #[test]
    fn repeated_waiting_lines_show_as_the_latest() {
        let breach = SystemLine::Breached { target_secs: 300 };
        let list = vec![
            message(1, Sender::Customer, None),
            waiting(2),
            waiting(3),
            message(4, Sender::System, Some(breach)),
            waiting(5),
        ];
        assert_eq!(ids(&shown(&list)), vec![1, 4, 5]);
    }

    #[test]
    fn a_message_between_keeps_both_runs() {
        let list = vec![
            waiting(1),
            waiting(2),
            message(3, Sender::Customer, None),
            waiting(4),
        ];
        assert_eq!(ids(&shown(&list)), vec![2, 3, 4]);
        let none: Vec<MessageDto> = Vec::new();
        assert!(shown(&none).is_empty());
    }
}
