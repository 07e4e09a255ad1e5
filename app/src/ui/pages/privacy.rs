//! Settings > Privacy (admins): how long closed conversations are kept, and phone numbers masked
//! for operators. Part of the settings page's chunk.

use crate::api::privacy::{get_privacy, SavePrivacy};
use crate::domain::privacy::PrivacySettings;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;

/// The card's action and resource, made at the top of the page (the resource rule in
/// `ui::layout`).
#[derive(Clone, Copy)]
pub struct PrivacyEditing {
    save: ServerAction<SavePrivacy>,
    pub current: Resource<Result<PrivacySettings, AppError>>,
}

impl PrivacyEditing {
    pub fn for_page() -> Self {
        let save = ServerAction::<SavePrivacy>::new();
        let saved = super::successes(save.version(), save.value());
        let current = Resource::new(move || saved.get(), |_| get_privacy());
        Self { save, current }
    }
}

#[component]
pub fn PrivacySection(editing: PrivacyEditing) -> impl IntoView {
    let PrivacyEditing { save, current } = editing;
    let i18n = use_i18n();
    let err = move |field: &'static str| super::field_error(save.value(), field);
    view! {
        <section class="card" aria-labelledby="privacy-title">
            <h2 id="privacy-title">{t!(i18n, privacy.title)}</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match current.await {
                        Ok(p) => {
                            let status = super::settings::save_status(save.value(), move || t_string!(i18n, privacy.saved));
                            view! {
                            <ActionForm action=save attr:class="form" attr:novalidate=true>
                                <label class="field">
                                    <span>{t!(i18n, privacy.retention_days)}</span>
                                    <input type="number" name="retention_days" min="1" max="3650" inputmode="numeric"
                                        value=p.retention_days.map(|d| d.to_string()).unwrap_or_default()/>
                                    <span class="hint">{t!(i18n, privacy.retention_hint)}</span>
                                    {err("retention_days")}
                                </label>
                                <label class="check">
                                    <input type="checkbox" name="mask_phones" value="on" checked=p.mask_phones/>
                                    <span>{t!(i18n, privacy.mask_phones)}</span>
                                </label>
                                <p class="hint">{t!(i18n, privacy.mask_hint)}</p>
                                {status}
                                <button type="submit" class="btn primary">{t!(i18n, privacy.save)}</button>
                            </ActionForm>
                            }.into_any()
                        }
                        Err(e) => super::load_error(&e),
                    }
                })}
            </Transition>
        </section>
    }
}
