//! One conversation: its messages (customer, bot, operator, history lines), earlier pages, the
//! composer, and the ownership actions in the header. Live over `/ws`: new messages, delivery
//! states and ownership changes arrive as they happen, each message shown once.

use super::load_error;
use crate::api::conversations::{
    earlier_messages, open_conversation, operator_statuses, AcceptConversation, ActOnConversation,
    RetryMessage, SendReply, SetConversationAi,
};
use crate::domain::ownership::OwnerState;
use crate::dto::{ConversationDetail, ConversationSummary, LiveEventKind, MessageDto, Sender};
use crate::error::AppError;
use crate::i18n::*;
use crate::text::{elapsed, wait_label};
use crate::ui::live::{Clock, LiveState};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

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

    live.on_event(move |ev| match &ev.kind {
        LiveEventKind::MessageCreated { message } if message.conversation_id == id => {
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
        } if *conversation_id == id => messages.update(|list| {
            if let Some(m) = list.iter_mut().find(|m| m.id == *message_id) {
                m.delivery_status = Some(delivery_status.clone());
                m.delivery_error = error.clone();
            }
        }),
        LiveEventKind::ConversationUpdated { conversation } if conversation.id == id => {
            summary.set(conversation.clone())
        }
        _ => {}
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

    view! {
        <article class="chat" aria-labelledby="chat-title">
            <ChatHeader summary server_now phone me_id is_admin/>
            <div class="messages-scroll" node_ref=scroller>
                <Show when=move || has_earlier.get()>
                    <button type="button" class="btn small load-earlier" on:click=load_earlier
                        disabled=move || loading_earlier.get()>
                        {t!(i18n, chat.load_earlier)}
                    </button>
                </Show>
                <ol class="messages" aria-label=move || t_string!(i18n, chat.history) aria-live="polite">
                    <For each=move || messages.get() key=|m| (m.id, m.delivery_status.clone()) let:m>
                        <Message m can_retry=Signal::derive(can_send)/>
                    </For>
                </ol>
            </div>
            <Composer id summary can_send=Signal::derive(can_send) messages scroller/>
        </article>
    }
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

#[component]
fn ChatHeader(
    summary: RwSignal<ConversationSummary>,
    server_now: i64,
    phone: Option<String>,
    me_id: i64,
    is_admin: bool,
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
                    .map(|r| format!(" · {r}"))
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
                    <span class="switch">
                        <input type="checkbox" role="switch" aria-label=move || t_string!(i18n, chat.ai_bot)
                            prop:checked=move || summary.with(|s| s.ai_enabled)
                            disabled=move || !ai_allowed()
                            on:change=move |ev| {
                                ai.dispatch(SetConversationAi { id: id(), on: event_target_checked(&ev) });
                            }/>
                        <span class="slider"></span>
                    </span>
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
fn Message(m: MessageDto, can_retry: Signal<bool>) -> impl IntoView {
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
    let status = m.delivery_status.clone();
    let failed = status.as_deref() == Some("failed");
    let retry = ServerAction::<RetryMessage>::new();
    let id = m.id;
    let media = m
        .media_type
        .clone()
        .map(|kind| move || media_label(i18n.get_locale(), &kind));
    view! {
        <li class=format!("msg {}", m.sender.as_str()) data-id=m.id data-status=status.clone()>
            <div class="bubble">
                {who.map(|w| view! { <span class="msg-who small">{w}</span> })}
                {media.map(|l| view! { <span class="media-tag">{l}</span> })}
                {(!m.body.is_empty()).then(|| view! { <p class="msg-body">{m.body.clone()}</p> })}
                <span class="msg-meta small">
                    <span class="msg-time">{move || elapsed(i18n.get_locale(), at, clock.now(at))}</span>
                    {status.clone().map(|s| view! { <span class="delivery">{move || delivery_label(i18n.get_locale(), &s)}</span> })}
                </span>
            </div>
            {failed.then(|| view! {
                <div class="msg-failed" role="alert">
                    <span class="small">{match m.delivery_error.clone() {
                        Some(e) => e.into_any(),
                        None => t!(i18n, chat.not_delivered).into_any(),
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

#[component]
fn Composer(
    id: i64,
    summary: RwSignal<ConversationSummary>,
    can_send: Signal<bool>,
    messages: RwSignal<Vec<MessageDto>>,
    scroller: NodeRef<leptos::html::Div>,
) -> impl IntoView {
    let send = ServerAction::<SendReply>::new();
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
    }
}
