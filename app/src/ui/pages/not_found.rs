use crate::i18n::*;
use crate::ui::set_page_status;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    set_page_status(404);
    let i18n = use_i18n();
    view! {
        <main class="page">
            <h1>{t!(i18n, layout.not_found)}</h1>
            <p><a href="/conversations">{t!(i18n, layout.go_to_conversations)}</a></p>
        </main>
    }
}
