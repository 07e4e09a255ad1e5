//! The sign-in page. Works without JavaScript: the form posts to the server function, which
//! redirects home on success or back here with `?error=` (the error as JSON data, worded here in
//! the reader's language).

use crate::error::AppError;
use crate::i18n::*;
use crate::ui::Session;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let query = use_query_map();
    let i18n = use_i18n();
    let error = move || {
        let e = match session.sign_in.value().get() {
            Some(Err(e)) => e,
            Some(Ok(())) => return None,
            None => serde_json::from_str::<AppError>(&query.read().get("error")?).ok()?,
        };
        Some(crate::text::errors::error(i18n.get_locale(), &e))
    };
    let pending = session.sign_in.pending();
    let me = session.me;
    view! {
        // Someone already signed in goes straight to work (this also settles `me`, which every
        // server render must read; see `pages::settle`).
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                matches!(me.await, Ok(Some(_))).then(|| view! { <Redirect path="/conversations"/> })
            })}
        </Suspense>
        <main class="login">
            <div class="login-card">
                <div class="login-brand">
                    <img src="/icons/icon-192.png" alt="" width="56" height="56"/>
                    <h1>"Baton"</h1>
                    <p class="muted">{t!(i18n, auth.tagline)}</p>
                </div>
                <ActionForm action=session.sign_in attr:class="form">
                    <label class="field">
                        <span>{t!(i18n, auth.email)}</span>
                        <input type="email" name="email" autocomplete="username" required inputmode="email"/>
                    </label>
                    <label class="field">
                        <span>{t!(i18n, auth.password)}</span>
                        <input type="password" name="password" autocomplete="current-password" required/>
                    </label>
                    {move || error().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                    <button type="submit" class="btn primary wide" disabled=move || pending.get()>
                        {move || if pending.get() { t_string!(i18n, auth.signing_in) } else { t_string!(i18n, auth.sign_in) }}
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}
