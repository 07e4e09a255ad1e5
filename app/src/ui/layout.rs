//! The signed-in frame: header with the live-connection indicator, navigation (a side bar on
//! desktop, a tab bar on phones), and the role gate for admin pages.

use super::icons;
use super::live::{Clock, LiveState, LiveStatus};
use super::{set_page_status, Session};
use crate::api::conversations::{AcceptConversation, SetAvailable};
use crate::domain::ownership::OwnerState;
use crate::dto::{ConversationSummary, LiveEventKind, UserDto};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::{use_location, use_navigate};

/// The signed-in user, available to every page inside [`AppLayout`].
#[derive(Clone)]
pub struct CurrentUser(pub UserDto);

struct NavItem {
    href: &'static str,
    label: fn(Locale) -> &'static str,
    admin_only: bool,
    icon: fn() -> AnyView,
}

const NAV: &[NavItem] = &[
    NavItem {
        href: "/conversations",
        label: |l| td_string!(l, layout.nav.conversations),
        admin_only: false,
        icon: || icons::chats().into_any(),
    },
    NavItem {
        href: "/monitoring",
        label: |l| td_string!(l, layout.nav.monitoring),
        admin_only: false,
        icon: || icons::pulse().into_any(),
    },
    NavItem {
        href: "/analytics",
        label: |l| td_string!(l, analytics.title),
        admin_only: true,
        icon: || icons::chart().into_any(),
    },
    NavItem {
        href: "/scenarios",
        label: |l| td_string!(l, layout.nav.scenarios),
        admin_only: false,
        icon: || icons::branch().into_any(),
    },
    NavItem {
        href: "/operators",
        label: |l| td_string!(l, layout.nav.operators),
        admin_only: true,
        icon: || icons::people().into_any(),
    },
    NavItem {
        href: "/settings",
        label: |l| td_string!(l, layout.nav.settings),
        admin_only: true,
        icon: || icons::gear().into_any(),
    },
    NavItem {
        href: "/audit",
        label: |l| td_string!(l, audit.nav),
        admin_only: true,
        icon: || icons::ledger().into_any(),
    },
];

// Resource rule: a `<Suspense>` re-runs its children while it settles, so on the server anything
// *created* inside one can be created twice, the first copy in a discarded owner whose server
// calls fail and whose serialized result the browser then hydrates with. Pages therefore create
// their resources at the top of the page, outside every `Suspense`; inside one they only read.
// That is why the signed-in chrome and the page outlet are siblings here, not nested.
#[component]
pub fn AppLayout() -> impl IntoView {
    let session = expect_context::<Session>();
    let i18n = use_i18n();
    view! {
        <div class="app">
            <Suspense fallback=|| view! { <header class="topbar"><span class="brand">"Baton"</span></header> }>
                {move || Suspend::new(async move {
                    match session.me.await {
                        Ok(Some(user)) => view! { <SignedIn user/> }.into_any(),
                        Ok(None) => view! { <Redirect path="/login"/> }.into_any(),
                        Err(e) => view! {
                            <div class="boot error" role="alert">{move || crate::text::errors::error(i18n.get_locale(), &e)}</div>
                        }.into_any(),
                    }
                })}
            </Suspense>
            <main class="content">
                <EscalationBanner/>
                <MentionBanner/>
                <Outlet/>
            </main>
        </div>
    }
}

/// Renders its children once the signed-in user is known, with [`CurrentUser`] provided.
/// Children may read resources but must not create them (see the rule above). It reads the user
/// through a resource of its own: one resource read by two `Suspense` boundaries of a page can
/// stall the server's render (the layout reads the session's).
#[component]
pub fn WithUser(children: ChildrenFn) -> impl IntoView {
    let me = Resource::new(|| (), |_| crate::api::auth::get_me());
    view! {
        <Suspense fallback=|| view! { <p class="muted">{t!(use_i18n(), common.loading)}</p> }>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match me.await {
                        Ok(Some(user)) => {
                            provide_context(CurrentUser(user));
                            children().into_any()
                        }
                        // The layout redirects or explains.
                        _ => ().into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn SignedIn(user: UserDto) -> impl IntoView {
    let session = expect_context::<Session>();
    let i18n = use_i18n();
    let is_admin = user.is_admin();
    let name = user.display_name.clone();
    let initial = name
        .chars()
        .next()
        .unwrap_or('?')
        .to_uppercase()
        .to_string();
    let role = user.role;
    let available = user.available;
    let live = expect_context::<LiveState>();
    let clock = expect_context::<Clock>();
    let path = use_location().pathname;
    Effect::new(move |_| {
        live.connect();
        clock.start();
    });
    // Tell the service worker which page is on screen, so it skips the alert for a chat the
    // operator is already looking at.
    Effect::new(move |_| {
        let _path = path.get();
        #[cfg(feature = "hydrate")]
        if let Some(sw) =
            web_sys::window().and_then(|w| w.navigator().service_worker().controller())
        {
            let _ = sw.post_message(&format!("viewing:{_path}").into());
        }
    });
    // The waiting count (page title, app badge): read once, then kept by the live events.
    Effect::new(move |_| {
        if live.waiting.with(Option::is_none) {
            leptos::task::spawn_local(async move {
                if let Ok(ids) = crate::api::conversations::waiting_conversations().await {
                    live.waiting.set(Some(ids.into_iter().collect()));
                }
            });
        }
    });
    // Effects run only in the browser: the server's page says "Baton".
    Effect::new(move |_| {
        let waiting = live.waiting_count();
        set_app_badge(waiting.unwrap_or(0));
        #[cfg(feature = "hydrate")]
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            doc.set_title(&page_title(waiting));
        }
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = session.sign_out.value().get() {
            navigate("/login", Default::default());
        }
    });

    let nav = NAV
        .iter()
        .map(|item| {
            let href = item.href;
            let label = item.label;
            // `try_`: harmless, though no longer needed for the reason it was added. A render
            // whose client went away used to be dropped mid-way, disposing this router location
            // while a `<Suspense>` task re-ran this closure; the server now runs every render to
            // its end (see `server/src/routes/contain.rs`).
            let current = move || path.try_with(|p| p.starts_with(href)).unwrap_or(false);
            if item.admin_only && !is_admin {
                view! {
                    <span class="nav-item locked" aria-disabled="true" title=move || t_string!(i18n, layout.admins_only)>
                        {(item.icon)()}
                        <span class="nav-label">{move || (label)(i18n.get_locale())}</span>
                        {icons::lock()}
                    </span>
                }
                .into_any()
            } else {
                view! {
                    <A href=href attr:class="nav-item" attr:aria-current=move || current().then_some("page")>
                        {(item.icon)()}
                        <span class="nav-label">{move || (label)(i18n.get_locale())}</span>
                    </A>
                }
                .into_any()
            }
        })
        .collect_view();

    view! {
            <header class="topbar">
                <span class="brand">"Baton"</span>
                <ConnectionIndicator status=live.status/>
                <AvailabilitySwitch initial=available/>
                <A href="/account" attr:class="who" attr:title=move || t_string!(i18n, layout.account_title) attr:aria-label=move || t_string!(i18n, layout.account)>
                    <span class="avatar mini" aria-hidden="true">{initial}</span>
                    <span class="who-name">{name}</span>
                    <span class="role-badge">{move || crate::text::role_name(i18n.get_locale(), role)}</span>
                </A>
                <ActionForm action=session.sign_out attr:class="signout">
                    <button type="submit" class="btn ghost">{t!(i18n, layout.sign_out)}</button>
                </ActionForm>
            </header>
            <nav class="nav" aria-label=move || t_string!(i18n, layout.main_nav)>{nav}</nav>
    }
}

/// Available / Away: away operators are not offered conversations.
#[component]
fn AvailabilitySwitch(initial: bool) -> impl IntoView {
    let set = ServerAction::<SetAvailable>::new();
    let on = RwSignal::new(initial);
    let i18n = use_i18n();
    view! {
        <label class="presence" data-available=move || on.get().to_string()>
            <super::switch::Switch label=Signal::derive(move || t_string!(i18n, layout.available).to_string())
                checked=on
                on_change=move |v| {
                    on.set(v);
                    set.dispatch(SetAvailable { available: v });
                }/>
            <span class="presence-label">{move || if on.get() { t_string!(i18n, layout.available) } else { t_string!(i18n, layout.away) }}</span>
        </label>
    }
}

/// While the app is open, a new escalation shows a banner with `Accept` (unless that
/// conversation is already on screen).
#[component]
fn EscalationBanner() -> impl IntoView {
    let live = expect_context::<LiveState>();
    let path = use_location().pathname;
    let waiting = RwSignal::new(None::<ConversationSummary>);
    let accept = ServerAction::<AcceptConversation>::new();
    let error = RwSignal::new(None::<AppError>);
    let i18n = use_i18n();
    live.on_event(move |ev| {
        if let LiveEventKind::ConversationUpdated { conversation: c } = &ev.kind {
            let on_screen = path.with_untracked(|p| p == &format!("/conversations/{}", c.id));
            if c.owner == OwnerState::Waiting && !on_screen {
                error.set(None);
                let new = waiting.with_untracked(|w| w.as_ref().is_none_or(|w| w.id != c.id));
                if new {
                    super::sound::chime();
                }
                waiting.set(Some(c.clone()));
            } else if waiting.with_untracked(|w| w.as_ref().is_some_and(|w| w.id == c.id)) {
                waiting.set(None);
            }
        }
    });
    let navigate = use_navigate();
    Effect::new(move |_| match accept.value().get() {
        Some(Ok(c)) => {
            waiting.set(None);
            navigate(&format!("/conversations/{}", c.id), Default::default());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    move || {
        waiting.get().map(|c| {
            let id = c.id;
            view! {
                <div class="banner" role="alert">
                    <span class="banner-text">
                        <strong>{t!(i18n, layout.banner.waiting, name = crate::text::contact_name(i18n.get_locale_untracked(), &c))}</strong>
                        <span class="small">{c.preview.clone()}</span>
                        {move || error.get().map(|e| view! { <span class="small banner-error">{crate::text::errors::error(i18n.get_locale(), &e)}</span> })}
                    </span>
                    <button type="button" class="btn primary" on:click=move |_| { accept.dispatch(AcceptConversation { id }); }>
                        {t!(i18n, layout.banner.accept)}
                    </button>
                    <A href=format!("/conversations/{id}") attr:class="btn">{t!(i18n, layout.banner.open)}</A>
                    <button type="button" class="btn ghost" aria-label=move || t_string!(i18n, layout.banner.dismiss) on:click=move |_| waiting.set(None)>"✕"</button>
                </div>
            }
        })
    }
}

/// "(3) Baton" while three conversations wait, so a background tab says so.
#[cfg(any(feature = "hydrate", test))]
fn page_title(waiting: Option<usize>) -> String {
    match waiting {
        Some(n) if n >= crate::dto::WAITING_COUNTED => "(999+) Baton".to_string(),
        Some(n) if n > 0 => format!("({n}) Baton"),
        _ => "Baton".to_string(),
    }
}

/// The installed app's icon badge shows how many conversations wait (Badging API, where the
/// browser has it).
fn set_app_badge(_count: usize) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(nav) = web_sys::window().map(|w| w.navigator()) else {
            return;
        };
        let name = if _count > 0 {
            "setAppBadge"
        } else {
            "clearAppBadge"
        };
        let Ok(f) = js_sys::Reflect::get(&nav, &name.into()) else {
            return;
        };
        if let Some(f) = f.dyn_ref::<js_sys::Function>() {
            let promise = if _count > 0 {
                f.call1(&nav, &(_count as f64).into())
            } else {
                f.call0(&nav)
            };
            // A browser that refuses (no installed app) rejects; nothing to do about it.
            if let Ok(p) = promise.and_then(|p| p.dyn_into::<js_sys::Promise>()) {
                leptos::task::spawn_local(async move {
                    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
                });
            }
        }
    }
}

/// "Ben mentioned you", when a colleague's note names the signed-in person, with a way there.
#[component]
fn MentionBanner() -> impl IntoView {
    let live = expect_context::<LiveState>();
    let mention = RwSignal::new(None::<(i64, String, String, String)>);
    let i18n = use_i18n();
    live.on_event(move |ev| {
        if let LiveEventKind::Mentioned {
            conversation_id,
            by,
            contact,
            excerpt,
            ..
        } = &ev.kind
        {
            mention.set(Some((
                *conversation_id,
                by.clone(),
                contact.clone(),
                excerpt.clone(),
            )));
        }
    });
    move || {
        mention.get().map(|(id, by, contact, excerpt)| {
            let headline = if contact.trim().is_empty() {
                t_string!(i18n, toolkit.mentioned, name = by).to_string()
            } else {
                t_string!(i18n, toolkit.mentioned_in, name = by, contact = contact).to_string()
            };
            view! {
                <div class="banner mention" role="alert">
                    <span class="banner-text">
                        <strong>{headline}</strong>
                        <span class="small">{excerpt}</span>
                    </span>
                    <A href=format!("/conversations/{id}") attr:class="btn primary" on:click=move |_| mention.set(None)>
                        {t!(i18n, toolkit.open)}
                    </A>
                    <button type="button" class="btn ghost" aria-label=move || t_string!(i18n, toolkit.dismiss) on:click=move |_| mention.set(None)>"✕"</button>
                </div>
            }
        })
    }
}

#[component]
fn ConnectionIndicator(status: RwSignal<LiveStatus>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <span class="conn" role="status" aria-live="polite"
            data-state=move || status.get().as_str()
            title=move || status.get().hint(i18n.get_locale())>
            <span class="dot"></span>
            <span class="conn-label">{move || status.get().label(i18n.get_locale())}</span>
        </span>
    }
}

/// Renders its children for admins; everyone else gets a 403 page (the server functions behind
/// the page refuse operators on their own, this is only the presentation).
#[component]
pub fn AdminOnly(children: ChildrenFn) -> impl IntoView {
    view! {
        <WithUser>
            {
                let children = children.clone();
                move || {
                    if expect_context::<CurrentUser>().0.is_admin() {
                        children().into_any()
                    } else {
                        set_page_status(403);
                        view! { <Forbidden/> }.into_any()
                    }
                }
            }
        </WithUser>
    }
}

#[component]
pub fn Forbidden() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page forbidden" aria-labelledby="forbidden-title">
            <h1 id="forbidden-title">{t!(i18n, layout.forbidden.title)}</h1>
            <p>{t!(i18n, layout.forbidden.body)}</p>
            <A href="/conversations" attr:class="btn">{t!(i18n, layout.forbidden.back)}</A>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::page_title;

    #[test]
    fn the_title_counts_who_waits() {
        assert_eq!(page_title(None), "Baton");
        assert_eq!(page_title(Some(0)), "Baton");
        assert_eq!(page_title(Some(3)), "(3) Baton");
        assert_eq!(
            page_title(Some(crate::dto::WAITING_COUNTED)),
            "(999+) Baton"
        );
    }
}
