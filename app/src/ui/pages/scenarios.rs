//! Scenarios: what the bot answers to which triggers. Admins edit; operators read.

use leptos::prelude::*;

#[component]
pub fn ScenariosPage() -> impl IntoView {
    view! {
        <section class="page" aria-labelledby="sc-title">
            <h1 id="sc-title" class="page-title">"Scenarios"</h1>
            <div class="card empty-state">
                <h2>"No scenarios yet"</h2>
                <p class="muted">
                    "Scenarios map customer messages to bot answers. Until the first one exists, "
                    "the bot hands every conversation it cannot answer to the operator queue."
                </p>
            </div>
        </section>
    }
}
