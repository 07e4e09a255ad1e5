//! Deployment settings (admins only).

use crate::ui::layout::CurrentUser;
use leptos::prelude::*;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let me = expect_context::<CurrentUser>().0;
    view! {
        <section class="page" aria-labelledby="set-title">
            <h1 id="set-title" class="page-title">"Settings"</h1>
            <div class="card">
                <h2>"Your account"</h2>
                <dl class="kv">
                    <dt>"Name"</dt><dd>{me.display_name}</dd>
                    <dt>"Email"</dt><dd>{me.email}</dd>
                    <dt>"Role"</dt><dd>{me.role.as_str()}</dd>
                </dl>
            </div>
            <div class="card">
                <h2>"About"</h2>
                <p class="muted">{format!("Baton {}", env!("CARGO_PKG_VERSION"))}</p>
            </div>
        </section>
    }
}
