//! Settings: the WhatsApp message templates operators may send (admins add and delete them).

use super::load_error;
use crate::api::templates::{list_templates, DeleteTemplate, SaveTemplate};
use crate::domain::templates::{TemplateCategory, WhatsappTemplate};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;

/// How a body writes its parameters (notation, the same in every language).
const PARAMETERS: &str = "{{1}}, {{2}}…";

fn category_label(l: Locale, c: TemplateCategory) -> &'static str {
    match c {
        TemplateCategory::Marketing => td_string!(l, settings.templates.marketing),
        TemplateCategory::Utility => td_string!(l, settings.templates.utility),
        TemplateCategory::Authentication => td_string!(l, settings.templates.authentication),
    }
}

/// The section's actions and list, made at the top of the page (the resource rule in
/// `ui::layout`).
#[derive(Clone, Copy)]
pub struct TemplatesEditing {
    save: ServerAction<SaveTemplate>,
    delete: ServerAction<DeleteTemplate>,
    saved: Memo<usize>,
    pub list: Resource<Result<Vec<WhatsappTemplate>, AppError>>,
}

impl TemplatesEditing {
    pub fn for_page() -> Self {
        let save = ServerAction::<SaveTemplate>::new();
        let delete = ServerAction::<DeleteTemplate>::new();
        // The list reloads after a save or a delete that worked; a refused save keeps the form.
        let saved = super::successes(save.version(), save.value());
        let deleted = super::successes(delete.version(), delete.value());
        let list = Resource::new(move || (saved.get(), deleted.get()), |_| list_templates());
        Self {
            save,
            delete,
            saved,
            list,
        }
    }
}

#[component]
pub fn TemplatesSection(editing: TemplatesEditing) -> impl IntoView {
    let i18n = use_i18n();
    let TemplatesEditing {
        save,
        delete,
        saved,
        list,
    } = editing;
    let delete_error = move || match delete.value().get() {
        Some(Err(e)) => Some(super::error_notice(e)),
        _ => None,
    };
    view! {
        <section class="card templates" aria-labelledby="templates-title">
            <h2 id="templates-title">{t!(i18n, settings.templates.title)}</h2>
            <p class="muted">{t!(i18n, settings.templates.intro)}</p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(ts) => view! { <TemplateList ts delete/> }.into_any(),
                        Err(e) => load_error(&e),
                    }
                })}
            </Transition>
            {delete_error}
            // Drawn again after each save that worked, so the form starts empty.
            {move || {
                saved.track();
                view! { <TemplateForm save/> }
            }}
        </section>
    }
}

#[component]
fn TemplateList(ts: Vec<WhatsappTemplate>, delete: ServerAction<DeleteTemplate>) -> impl IntoView {
    let i18n = use_i18n();
    if ts.is_empty() {
        return view! { <p class="muted small">{t!(i18n, settings.templates.none)}</p> }.into_any();
    }
    view! {
        <ul class="template-list" aria-label=move || t_string!(i18n, settings.templates.list)>
            {ts.into_iter().map(|t| {
                let (id, name) = (t.id, t.name.clone());
                let category = t.category;
                view! {
                    <li class="template" data-name=t.name.clone()>
                        <div>
                            <strong>{t.name.clone()}</strong>
                            " "
                            <span class="muted small">{move || format!("{} · {}", t.language, category_label(i18n.get_locale(), category))}</span>
                        </div>
                        <p class="small">{t.body.clone()}</p>
                        <button type="button" class="btn small danger"
                            aria-label=move || t_string!(i18n, settings.templates.delete_named, name = name.clone()).to_string()
                            on:click=move |_| { delete.dispatch(DeleteTemplate { id }); }>
                            {t!(i18n, settings.templates.delete)}
                        </button>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn TemplateForm(save: ServerAction<SaveTemplate>) -> impl IntoView {
    let i18n = use_i18n();
    let err = move |field: &'static str| super::field_error(save.value(), field);
    let status = super::settings::save_status(save.value(), move || {
        t_string!(i18n, settings.templates.saved)
    });
    view! {
        <ActionForm action=save attr:class="form" attr:novalidate=true>
            <input type="hidden" name="id" value="0"/>
            <div class="form-row">
                <label class="field">
                    <span>{t!(i18n, settings.templates.name)}</span>
                    <input type="text" name="name" autocomplete="off" autocapitalize="none" spellcheck="false"/>
                    {err("name")}
                </label>
                <label class="field">
                    <span>{t!(i18n, settings.templates.language)}</span>
                    <input type="text" name="language" autocomplete="off" autocapitalize="none" spellcheck="false"/>
                    <span class="hint">{t!(i18n, settings.templates.language_hint)}</span>
                    {err("language")}
                </label>
            </div>
            <label class="field">
                <span>{t!(i18n, settings.templates.category)}</span>
                <select name="category">
                    {TemplateCategory::ALL.into_iter().map(|c| view! {
                        <option value=c.as_str() selected=c == TemplateCategory::Utility>
                            {move || category_label(i18n.get_locale(), c)}
                        </option>
                    }).collect_view()}
                </select>
                {err("category")}
            </label>
            <label class="field">
                <span>{t!(i18n, settings.templates.body)}</span>
                <textarea name="body" rows="4"></textarea>
                <span class="hint">{move || t_string!(i18n, settings.templates.body_hint, example = PARAMETERS).to_string()}</span>
                {err("body")}
            </label>
            {status}
            <button type="submit" class="btn primary">{t!(i18n, settings.templates.save)}</button>
        </ActionForm>
    }
}
