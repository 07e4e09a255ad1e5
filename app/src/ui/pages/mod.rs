//! One module per page.

pub mod account;
pub mod chat;
pub mod conversations;
pub mod login;
pub mod monitoring;
pub mod not_found;
pub mod operators;
pub mod scenarios;
pub mod settings;

use crate::error::AppError;
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

/// A short, human message for a failed load, with the page's own retry.
pub fn load_error(e: &AppError) -> AnyView {
    leptos::logging::error!("load failed: {e:?}");
    view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any()
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
    move || {
        value
            .get()
            .and_then(Result::err)
            .and_then(|e| e.for_field(field))
            .map(|m| view! { <span class="field-error" role="alert">{m}</span> }.into_any())
    }
}

/// "4 min", "1 h 5 min", "just now": how long ago `since` was, at `now` (both unix ms).
pub fn elapsed(since: i64, now: i64) -> String {
    let mins = (now - since).max(0) / 60_000;
    match mins {
        0 => "just now".into(),
        1..=59 => format!("{mins} min"),
        _ if mins < 24 * 60 => match mins % 60 {
            0 => format!("{} h", mins / 60),
            m => format!("{} h {m} min", mins / 60),
        },
        _ => format!("{} d", mins / (24 * 60)),
    }
}

/// "4 min ago", "just now": `elapsed` for the end of a sentence.
pub fn ago(since: i64, now: i64) -> String {
    match elapsed(since, now) {
        e if e == "just now" => e,
        e => format!("{e} ago"),
    }
}

/// A queue wait as a ticking badge: "42 s", "3:07", then "1 h 5 min".
pub fn wait_label(since: i64, now: i64) -> String {
    let secs = (now - since).max(0) / 1000;
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 => format!("{}:{:02}", secs / 60, secs % 60),
        _ => elapsed(since, now),
    }
}

#[cfg(test)]
mod tests {
    use super::{ago, elapsed, wait_label};

    #[test]
    fn waits_tick_in_seconds_for_the_first_hour() {
        assert_eq!(wait_label(0, 42_000), "42 s");
        assert_eq!(wait_label(0, 187_000), "3:07");
        assert_eq!(wait_label(0, 65 * 60_000), "1 h 5 min");
        assert_eq!(wait_label(5_000, 0), "0 s");
    }

    #[test]
    fn elapsed_time_reads_naturally() {
        let m = 60_000;
        assert_eq!(elapsed(0, 30_000), "just now");
        assert_eq!(elapsed(0, 4 * m), "4 min");
        assert_eq!(elapsed(0, 65 * m), "1 h 5 min");
        assert_eq!(elapsed(0, 120 * m), "2 h");
        assert_eq!(elapsed(0, 49 * 60 * m), "2 d");
        assert_eq!(elapsed(10, 0), "just now");
        assert_eq!(ago(0, 30_000), "just now", "never \"just now ago\"");
        assert_eq!(ago(0, 4 * 60_000), "4 min ago");
    }
}
