//! The conversation list, grouped by who owns each conversation, with search and filters, kept
//! live by `/ws` events. On phones the list and the open chat are separate screens; from 768 px
//! they sit side by side (the chat is the nested route's [`Outlet`]).

use super::load_error;
use crate::api::conversations::list_conversations;
use crate::domain::ownership::OwnerState;
use crate::dto::{ConversationGroup, ConversationSummary, ListFilter};
use crate::i18n::*;
use crate::text::{channel_name, state_name};
use crate::text::{elapsed, wait_label};
use crate::ui::live::{Clock, LiveState};

use leptos::prelude::*;
use leptos_router::components::{Form, Outlet, A};
use leptos_router::hooks::{use_location, use_query_map};

/// A list filter's chip text ("Waiting") in `locale`.
pub fn filter_label(locale: Locale, f: ListFilter) -> &'static str {
    match f {
        ListFilter::All => td_string!(locale, conversations.filters.all),
        ListFilter::Waiting => td_string!(locale, conversations.filters.waiting),
        ListFilter::Mine => td_string!(locale, conversations.filters.mine),
        ListFilter::Bot => td_string!(locale, conversations.filters.bot),
        ListFilter::Closed => td_string!(locale, conversations.filters.closed),
    }
}

/// The list's query string (filter, search, closed page), kept when opening a chat so the back
/// button returns to the same list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListParams {
    pub filter: ListFilter,
    pub q: String,
    pub closed: i64,
}

impl ListParams {
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        if self.filter != ListFilter::All {
            parts.push(format!("filter={}", self.filter.as_str()));
        }
        if !self.q.is_empty() {
            parts.push(format!("q={}", crate::dto::query_escape(&self.q)));
        }
        if self.closed > 0 {
            parts.push(format!("closed={}", self.closed));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

pub fn use_list_params() -> Memo<ListParams> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| ListParams {
            filter: ListFilter::parse(&q.get("filter").unwrap_or_default()),
            q: q.get("q").unwrap_or_default().trim().to_string(),
            closed: q
                .get("closed")
                .and_then(|c| c.parse().ok())
                .unwrap_or(0i64)
                .max(0),
        })
    })
}

#[component]
pub fn ConversationsPage() -> impl IntoView {
    let path = use_location().pathname;
    // Phones show either the list or the chat; the chat is open when the path has an id.
    let chat_open = move || {
        path.try_with(|p| p.trim_end_matches('/') != "/conversations")
            .unwrap_or(false)
    };
    view! {
        <div class="console" class:chat-open=chat_open>
            <ConversationList/>
            <div class="chat-pane">
                <Outlet/>
            </div>
        </div>
    }
}

/// What the chat pane shows before a conversation is picked (desktop).
#[component]
pub fn NoChatSelected() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="chat-empty muted">
            <p>{t!(i18n, conversations.no_chat_selected)}</p>
        </div>
    }
}

#[component]
fn ConversationList() -> impl IntoView {
    let live = expect_context::<LiveState>();
    let i18n = use_i18n();
    let params = use_list_params();
    let list = Resource::new(
        move || (params.get(), live.conversations.get(), live.resyncs.get()),
        |(p, _, _)| list_conversations(p.filter, (!p.q.is_empty()).then_some(p.q), p.closed),
    );
    let filters = move || {
        let p = params.get();
        let locale = i18n.get_locale();
        ListFilter::ALL
            .into_iter()
            .map(|f| {
                let href = format!(
                    "/conversations{}",
                    ListParams {
                        filter: f,
                        q: p.q.clone(),
                        closed: 0
                    }
                    .query()
                );
                let current = (f == p.filter).then_some("page");
                view! { <a href=href class="chip" aria-current=current>{filter_label(locale, f)}</a> }
            })
            .collect_view()
    };
    view! {
        <section class="page conversations list-pane" aria-labelledby="conv-title">
            <h1 id="conv-title" class="page-title">{t!(i18n, conversations.title)}</h1>
            <Form method="GET" action="/conversations" attr:class="search" attr:role="search">
                <input type="hidden" name="filter" value=move || params.get().filter.as_str()/>
                <label for="conv-search" class="sr-only">{t!(i18n, conversations.search)}</label>
                <input id="conv-search" type="search" name="q" placeholder=move || t_string!(i18n, conversations.search_placeholder)
                    prop:value=move || params.get().q autocomplete="off" enterkeyhint="search"/>
                <button type="submit" class="btn">{t!(i18n, conversations.search)}</button>
            </Form>
            <nav class="chips" aria-label=move || t_string!(i18n, conversations.filter)>{filters}</nav>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, conversations.loading)}</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(data) => {
                            let now = data.now;
                            let p = params.get_untracked();
                            data.groups
                                .into_iter()
                                .map(|g| view! { <Group group=g now params=p.clone()/> })
                                .collect_view()
                                .into_any()
                        }
                        Err(e) => load_error(&e),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Group(group: ConversationGroup, now: i64, params: ListParams) -> impl IntoView {
    let i18n = use_i18n();
    let state = group.state;
    let empty = group.items.is_empty();
    let shown = group.items.len() as i64;
    let pager =
        (state == OwnerState::Closed && (group.offset > 0 || group.offset + shown < group.total))
            .then(|| {
                let older = (group.offset + shown < group.total).then(|| {
                let href = format!(
                    "/conversations{}",
                    ListParams { closed: group.offset + shown, ..params.clone() }.query()
                );
                view! { <A href=href attr:class="btn small">{t!(i18n, conversations.older)}</A> }
            });
                let newer = (group.offset > 0).then(|| {
                let href = format!(
                    "/conversations{}",
                    ListParams { closed: (group.offset - 50).max(0), ..params.clone() }.query()
                );
                view! { <A href=href attr:class="btn small">{t!(i18n, conversations.newer)}</A> }
            });
                view! {
                    <div class="pager">
                        {newer}
                        <span class="muted small">
                            {move || t_string!(
                                i18n,
                                conversations.range,
                                first = group.offset + 1,
                                last = group.offset + shown,
                                total = group.total
                            )}
                        </span>
                        {older}
                    </div>
                }
            });
    let query = params.query();
    view! {
        <section class="group" data-state=state.as_str() aria-label=move || state_name(i18n.get_locale(), state)>
            <h2 class="group-header">
                <span>{move || state_name(i18n.get_locale(), state)}</span>
                <span class="count" aria-label=move || t_string!(i18n, conversations.count)>{group.total}</span>
            </h2>
            {empty.then(|| view! { <p class="empty muted">{t!(i18n, conversations.empty)}</p> })}
            <ul class="rows">
                {group
                    .items
                    .into_iter()
                    .map(|c| view! { <Row c now query=query.clone()/> })
                    .collect_view()}
            </ul>
            {pager}
        </section>
    }
}

#[component]
fn Row(c: ConversationSummary, now: i64, query: String) -> impl IntoView {
    let clock = expect_context::<Clock>();
    let i18n = use_i18n();
    let path = use_location().pathname;
    let id = c.id;
    let channel = c.channel;
    let current = move || {
        path.try_with(|p| p == &format!("/conversations/{id}"))
            .unwrap_or(false)
            .then_some("page")
    };
    let badge = match c.owner {
        OwnerState::Waiting => c.waiting_since.map(|t| {
            view! {
                <span class="badge wait" title=move || t_string!(i18n, conversations.waiting_for_operator)>
                    {move || wait_label(i18n.get_locale(), t, clock.now(now))}
                </span>
            }
            .into_any()
        }),
        OwnerState::Assigned => Some(
            view! {
                <span class="badge owner">
                    {c.assignee_name.clone().unwrap_or_default()}
                    {c.assigned_at.map(|t| move || format!(" · {}", elapsed(i18n.get_locale(), t, clock.now(now))))}
                </span>
            }
            .into_any(),
        ),
        OwnerState::Bot => Some(view! { <span class="badge bot">{t!(i18n, conversations.bot)}</span> }.into_any()),
        OwnerState::Closed => None,
    };
    let last = c.last_message_at;
    view! {
        <li class="row" data-id=c.id>
            <a href=format!("/conversations/{id}{query}") class="row-link" aria-current=current>
                <span class=format!("channel ch-{}", c.channel.as_str()) title=move || channel_name(i18n.get_locale(), channel)
                    role="img" aria-label=move || channel_name(i18n.get_locale(), channel)>
                    {crate::ui::icons::channel(c.channel)}
                </span>
                <span class="row-main">
                    <span class="row-top">
                        <span class="name">{crate::text::contact_name(i18n.get_locale_untracked(), &c)}</span>
                        <span class="time">{move || elapsed(i18n.get_locale(), last, clock.now(now))}</span>
                    </span>
                    <span class="preview">{c.preview.clone()}</span>
                </span>
                {badge}
            </a>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_queries_keep_only_what_differs_from_the_default() {
        assert_eq!(ListParams::default().query(), "");
        let p = ListParams {
            filter: ListFilter::Mine,
            q: "josé & co".into(),
            closed: 50,
        };
        assert_eq!(p.query(), "?filter=mine&q=jos%C3%A9%20%26%20co&closed=50");
    }
}
