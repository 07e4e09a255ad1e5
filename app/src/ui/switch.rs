//! The on/off switch (a checkbox with the `switch` role): Available, the AI bot, a note, sound.

use leptos::prelude::*;

/// `label` names it for assistive technology; `on_change` gets the new state after a flip, which
/// `checked` shows from then on (its owner keeps the state).
#[component]
pub fn Switch(
    #[prop(into)] label: Signal<String>,
    #[prop(into)] checked: Signal<bool>,
    #[prop(into, optional)] disabled: Signal<bool>,
    on_change: impl Fn(bool) + 'static,
) -> impl IntoView {
    view! {
        <span class="switch">
            <input type="checkbox" role="switch" aria-label=move || label.get()
                prop:checked=move || checked.get()
                disabled=move || disabled.get()
                on:change=move |ev| on_change(event_target_checked(&ev))/>
            <span class="slider"></span>
        </span>
    }
}
