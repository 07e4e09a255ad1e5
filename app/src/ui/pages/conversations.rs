//! The conversation list, grouped by who owns each conversation, refreshed by live events.

use super::{elapsed, load_error};
use crate::api::conversations::list_conversations;
use crate::domain::ownership::OwnerState;
use crate::dto::{ConversationGroup, ConversationSummary, LiveEventKind};
use crate::ui::live::LiveState;

use leptos::prelude::*;

pub fn group_title(s: OwnerState) -> &'static str {
    match s {
        OwnerState::Waiting => "Awaiting operator",
        OwnerState::Assigned => "In progress",
        OwnerState::Bot => "Active with bot",
        OwnerState::Closed => "Closed",
    }
}

#[component]
pub fn ConversationsPage() -> impl IntoView {
    let live = expect_context::<LiveState>();
    // Bumped by every conversation event, so the list re-reads without polling.
    let changes = Memo::new(move |_| {
        live.last.with(|e| match e {
            Some(e) if matches!(e.kind, LiveEventKind::ConversationUpdated { .. }) => e.seq,
            _ => 0,
        })
    });
    let list = Resource::new(move || changes.get(), |_| list_conversations());
    view! {
        <section class="page conversations" aria-labelledby="conv-title">
            <h1 id="conv-title" class="page-title">"Conversations"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading conversations…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(data) => {
                            let now = data.now;
                            data.groups
                                .into_iter()
                                .map(|g| view! { <Group group=g now/> })
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
fn Group(group: ConversationGroup, now: i64) -> impl IntoView {
    let state = group.state.as_str();
    let empty = group.items.is_empty();
    view! {
        <section class="group" data-state=state aria-label=group_title(group.state)>
            <h2 class="group-header">
                <span>{group_title(group.state)}</span>
                <span class="count" aria-label="count">{group.total}</span>
            </h2>
            {empty.then(|| view! { <p class="empty muted">"Nothing here right now."</p> })}
            <ul class="rows">
                {group.items.into_iter().map(|c| view! { <Row c now/> }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn Row(c: ConversationSummary, now: i64) -> impl IntoView {
    let badge = match c.owner {
        OwnerState::Waiting => c.waiting_since.map(|t| {
            view! { <span class="badge wait" title="Waiting for an operator">{elapsed(t, now)}</span> }.into_any()
        }),
        OwnerState::Assigned => Some(
            view! {
                <span class="badge owner">
                    {c.assignee_name.clone().unwrap_or_default()}
                    {c.assigned_at.map(|t| format!(" · {}", elapsed(t, now)))}
                </span>
            }
            .into_any(),
        ),
        OwnerState::Bot => Some(view! { <span class="badge bot">"Bot"</span> }.into_any()),
        OwnerState::Closed => None,
    };
    view! {
        <li class="row" data-id=c.id>
            <span class=format!("channel ch-{}", c.channel.as_str()) title=c.channel.label()
                role="img" aria-label=c.channel.label()>
                {crate::ui::icons::channel(c.channel)}
            </span>
            <span class="row-main">
                <span class="row-top">
                    <span class="name">{c.contact_name.clone()}</span>
                    <span class="time">{elapsed(c.last_message_at, now)}</span>
                </span>
                <span class="preview">{c.preview.clone()}</span>
            </span>
            {badge}
        </li>
    }
}
