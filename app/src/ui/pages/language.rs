//! The Account page's language choice: a language Baton speaks, or the browser's.

use crate::api::auth::SetLanguage;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::Locale as _;

/// Each language is named in its own words (`common.language_name` of its file), so a person who
/// cannot read the current one still finds theirs.
#[component]
pub fn LanguagePicker(chosen: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let set = ServerAction::<SetLanguage>::new();
    let current = RwSignal::new(chosen.unwrap_or_default());
    Effect::new(move |_| match set.value().get() {
        Some(Ok(Some(l))) => {
            if let Ok(locale) = l.parse::<Locale>() {
                i18n.set_locale(locale);
            }
        }
        // Back to the browser's language: the server decides it from Accept-Language.
        Some(Ok(None)) =>
        {
            #[cfg(feature = "hydrate")]
            if let Some(w) = web_sys::window() {
                let _ = w.location().reload();
            }
        }
        _ => {}
    });
    let options = Locale::get_all()
        .iter()
        .map(|l| {
            let code = l.as_str();
            view! { <option value=code lang=code selected=move || current.get() == code>{td_string!(*l, common.language_name)}</option> }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="language-title">
            <h2 id="language-title">{t!(i18n, common.language.title)}</h2>
            <label class="field">
                <span>{t!(i18n, common.language.label)}</span>
                <select name="language" prop:value=move || current.get()
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        current.set(v.clone());
                        set.dispatch(SetLanguage { language: v });
                    }>
                    <option value="" selected=move || current.get().is_empty()>{t!(i18n, common.language.browser)}</option>
                    {options}
                </select>
            </label>
            {super::field_error(set.value(), "language")}
        </section>
    }
}
