//! The user interface: the HTML shell, the router, the signed-in layout and the pages.

pub mod icons;
pub mod layout;
pub mod live;
pub mod pages;
pub mod sound;
#[cfg(feature = "ssr")]
pub mod spawner;
pub mod switch;

use crate::api::auth::{get_me, SignIn, SignOut};
use crate::dto::UserDto;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

/// The document around the app: head, manifest, hydration scripts.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        // `lang` and `dir` come from `provide_language` (the reader's language).
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover, interactive-widget=resizes-content"/>
                <meta name="theme-color" content="#1f6feb"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name="apple-mobile-web-app-capable" content="yes"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="icon" href="/icons/icon-192.png" type="image/png"/>
                <link rel="apple-touch-icon" href="/icons/icon-192.png"/>
                // The bundle's stylesheet, named after its content like the script (see the
                // server's `routes::assets`).
                <link rel="stylesheet" href=format!("/{}/{}.css", options.site_pkg_dir, options.output_name)/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Who is signed in, refetched whenever someone signs in or out.
#[derive(Clone, Copy)]
pub struct Session {
    pub me: Resource<Result<Option<UserDto>, AppError>>,
    pub sign_in: ServerAction<SignIn>,
    pub sign_out: ServerAction<SignOut>,
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let sign_in = ServerAction::<SignIn>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let me = Resource::new(
        move || (sign_in.version().get(), sign_out.version().get()),
        |_| get_me(),
    );
    provide_context(Session {
        me,
        sign_in,
        sign_out,
    });
    live::provide_live();

    let html = provide_language();
    view! {
        {html}
        <FollowUserLanguage/>
        <Title text="Baton"/>
        <Meta name="description" content=move || t_string!(use_i18n(), common.description)/>
        <Link rel="preload" href="/icons/icon-192.png" as_="image"/>
        <Router>
            <Routes fallback=pages::not_found::NotFound>
                <Route path=path!("/login") view=pages::login::LoginPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=layout::AppLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=|| view! { <Redirect path="/conversations"/> } ssr=SsrMode::Async/>
                    <ParentRoute path=path!("conversations") view=pages::conversations::ConversationsPage ssr=SsrMode::Async>
                        <Route path=path!("") view=pages::conversations::NoChatSelected ssr=SsrMode::Async/>
                        <Route path=path!(":id") view=pages::chat::ChatPage ssr=SsrMode::Async/>
                    </ParentRoute>
                    <Route path=path!("account") view={Lazy::<pages::lazy::Account>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("monitoring") view={Lazy::<pages::lazy::Monitoring>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("analytics") view={Lazy::<pages::lazy::Analytics>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("scenarios") view={Lazy::<pages::lazy::Scenarios>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("operators") view={Lazy::<pages::lazy::Operators>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings") view={Lazy::<pages::lazy::Settings>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("audit") view={Lazy::<pages::lazy::Audit>::new()} ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Provides the reader's language (`use_i18n`): the language cookie, else Accept-Language on the
/// server (`api::auth::request_locale`; the browser keeps what the server chose, from
/// `<html lang>`), else English; and puts it on `<html lang>`.
/// (`leptos_i18n`'s `I18nContextProvider` does the same but also renders an empty inline
/// `<script>` without the page's CSP nonce.) Only the server writes the language cookie
/// (`services::auth::language_cookie`: at sign-in, on a change, and on "who am I" when this
/// device's cookie is behind the person's choice); the browser reads `<html lang>`.
fn provide_language() -> impl IntoView {
    #[cfg(not(feature = "ssr"))]
    let i18n = leptos_i18n::context::init_i18n_context::<Locale>();
    #[cfg(feature = "ssr")]
    let i18n = server_language();
    provide_context(i18n);
    let lang = move || leptos_i18n::Locale::as_str(i18n.get_locale());
    let dir = move || leptos_i18n::Locale::direction(i18n.get_locale()).as_str();
    view! { <leptos_meta::Html attr:lang=lang attr:dir=dir/> }
}

/// The request's language context on the server, whose language effect never runs there.
///
/// `leptos_i18n` gives its context an isomorphic effect (it would write its own language cookie,
/// which Baton leaves off). On the server that effect runs in a task of its own, and when the page
/// finished rendering before that task got its turn (a busy server) it read the context's language
/// after the page's reactive state was gone, which panics. The context therefore lives in an
/// owner of its own that is paused before the effect's task may start (`spawner::hold_spawns`):
/// the effect never runs on the server, where it has nothing to do, and the owner lives as long
/// as the page.
#[cfg(feature = "ssr")]
fn server_language() -> leptos_i18n::I18nContext<Locale> {
    let owner = Owner::new();
    let i18n = spawner::hold_spawns(
        || owner.with(leptos_i18n::context::init_i18n_context::<Locale>),
        || owner.pause(),
    );
    i18n.set_locale(crate::api::auth::request_locale());
    on_cleanup(move || drop(owner));
    i18n
}

/// Switches the interface to the signed-in person's language once they are known (a sign-in on
/// this page, or a language chosen on another device).
#[component]
fn FollowUserLanguage() -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<Session>().me;
    Effect::new(move |_| {
        let chosen = me
            .get()
            .and_then(Result::ok)
            .flatten()
            .and_then(|u| u.language)
            .and_then(|l| l.parse::<Locale>().ok());
        if let Some(l) = chosen {
            if l != i18n.get_locale_untracked() {
                i18n.set_locale(l);
            }
        }
    });
}

/// The Content-Security-Policy of a console page: scripts only from Baton itself or inline with
/// this response's nonce (which Leptos puts on its hydration scripts), WebAssembly allowed, no
/// inline styles, no plugins, no `<base>`, and no framing by any site.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; \
         manifest-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Puts the CSP with the nonce Leptos generated for this response on the page being rendered.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(v) = http::HeaderValue::from_str(&content_security_policy(&nonce)) {
        res.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
    }
}

/// Sets the HTTP status of the page being rendered on the server (no-op in the browser).
pub fn set_page_status(_code: u16) {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(s) = http::StatusCode::from_u16(_code) {
            res.set_status(s);
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use any_spawner::PinnedFuture;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, LazyLock, Mutex};
    use std::task::{Context, Wake, Waker};

    /// What Leptos spawned, each task given its first turn the moment it was spawned, as an idle
    /// worker of a busy server may.
    static SPAWNED: Mutex<Vec<PinnedFuture<()>>> = Mutex::new(Vec::new());
    static FLAG: LazyLock<Arc<Flag>> = LazyLock::new(|| Arc::new(Flag(AtomicBool::new(false))));
    fn first_turn_at_once(mut task: PinnedFuture<()>) {
        let waker = Waker::from(Arc::clone(&FLAG));
        let _ = task.as_mut().poll(&mut Context::from_waker(&waker));
        SPAWNED.lock().unwrap().push(task);
    }

    struct Flag(AtomicBool);
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    /// `leptos_i18n`'s language effect ran in a task of its own on the server, and a busy server
    /// could finish and drop a page while that task was reading the page's language: a panic
    /// (seen once in 800 renders of the page-render smoke on PostgreSQL, and again during the
    /// browser tests after a first fix paused the effect only once its task could already run).
    /// On the server that effect must never run, even when a worker starts its task at once.
    #[test]
    fn the_server_never_runs_the_language_effect_that_could_outlive_its_page() {
        assert!(
            spawner::install(spawner::Spawner::new(first_turn_at_once)),
            "the only executor of this test binary"
        );
        let page = Owner::new();
        let i18n = page.with(|| {
            provide_meta_context();
            let _html = provide_language();
            use_i18n()
        });
        assert_eq!(
            i18n.get_locale_untracked(),
            Locale::en,
            "no cookie and no Accept-Language: English"
        );
        let mut tasks = std::mem::take(&mut *SPAWNED.lock().unwrap());
        assert!(
            !tasks.is_empty(),
            "leptos_i18n no longer spawns its effect: this test can go"
        );
        // Their next turns, as the executor gives them when woken.
        let waker = Waker::from(Arc::clone(&FLAG));
        for task in &mut tasks {
            let _ = task.as_mut().poll(&mut Context::from_waker(&waker));
        }

        FLAG.0.store(false, Ordering::SeqCst);
        page.with(|| i18n.set_locale(Locale::es));
        assert!(
            !FLAG.0.load(Ordering::SeqCst),
            "the language effect ran on the server (it read the language, so it follows it)"
        );
        drop(tasks);
        drop(page);
    }
}
