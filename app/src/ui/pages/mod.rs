//! One module per page.

pub mod account;
pub mod analytics;
pub mod audit;
pub mod canned;
pub mod chat;
pub mod conversations;
pub mod hours;
pub mod language;
pub mod lazy;
pub mod login;
pub mod monitoring;
pub mod not_found;
pub mod operators;
pub mod privacy;
pub mod scenarios;
pub mod settings;
pub mod templates;

use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;

/// Awaits `r` inside its own `Suspense` and shows nothing. A resource created while rendering
/// on the server must be read in a `Suspense` on every branch, or the server's render waits for
/// it forever; pages use this where a branch (a 403, a signed-out visitor) does not read it.
pub fn settle<T>(r: Resource<T>) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
{
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let _ = r.await;
            })}
        </Suspense>
    }
}

/// Counts an action's runs that succeeded: a resource keyed on it reloads after a save that
/// worked, and a refused save leaves the form as the person left it (no input lost).
pub fn successes<T, E>(
    version: RwSignal<usize>,
    value: MappedSignal<Option<Result<T, E>>>,
) -> Memo<usize>
where
    T: Send + Sync + 'static,
    E: Send + Sync + 'static,
{
    Memo::new(move |prev: Option<&usize>| {
        let v = version.get();
        if value.with(|r| matches!(r, Some(Ok(_)))) {
            v
        } else {
            prev.copied().unwrap_or(v)
        }
    })
}

/// A short, human message for a failed load, with the page's own retry.
pub fn load_error(e: &AppError) -> AnyView {
    leptos::logging::error!("load failed: {e:?}");
    error_notice(e.clone())
}

/// An error as a notice in the reader's language (a refused action, a failed load).
pub fn error_notice(e: AppError) -> AnyView {
    let i18n = use_i18n();
    view! { <p class="notice error" role="alert">{move || crate::text::errors::error(i18n.get_locale(), &e)}</p> }.into_any()
}

/// A closure rendering the message for `field` from a server action's last error, if any:
/// the piece every form uses to put validation messages next to their field.
pub fn field_error<T, V>(
    value: V,
    field: &'static str,
) -> impl Fn() -> Option<AnyView> + Send + Sync + 'static
where
    V: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    let i18n = use_i18n();
    move || {
        value
            .get()
            .and_then(Result::err)
            .and_then(|e| crate::text::errors::field(i18n.get_locale(), &e, field))
            .map(|m| view! { <span class="field-error" role="alert">{m}</span> }.into_any())
    }
}
