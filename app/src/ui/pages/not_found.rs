use crate::ui::set_page_status;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    set_page_status(404);
    view! {
        <main class="page">
            <h1>"Page not found"</h1>
            <p><a href="/conversations">"Go to conversations"</a></p>
        </main>
    }
}
