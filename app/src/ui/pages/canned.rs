//! The canned replies editor: the shared set on the Settings page (admins), one's own on the
//! Account page. The page creates the resource and actions (see the resource rule in
//! `ui::layout`); this renders the list and the add / edit form.

use super::{error_notice, field_error, load_error};
use crate::api::canned::{DeleteCanned, SaveCanned};
use crate::dto::CannedReply;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;

pub type CannedList = Resource<Result<Vec<CannedReply>, AppError>>;

/// The page's pieces for one editor: its list, reloaded after a save or delete that worked.
#[derive(Clone, Copy)]
pub struct CannedEditing {
    pub list: CannedList,
    pub save: ServerAction<SaveCanned>,
    pub delete: ServerAction<DeleteCanned>,
}

impl CannedEditing {
    pub fn new(shared: bool) -> Self {
        let save = ServerAction::<SaveCanned>::new();
        let delete = ServerAction::<DeleteCanned>::new();
        let saved = super::successes(save.version(), save.value());
        let deleted = super::successes(delete.version(), delete.value());
        let list = Resource::new(
            move || (saved.get(), deleted.get()),
            move |_| crate::api::canned::list_canned(shared),
        );
        Self { list, save, delete }
    }
}

#[component]
pub fn CannedEditor(shared: bool, editing: CannedEditing) -> impl IntoView {
    let i18n = use_i18n();
    let CannedEditing { list, save, delete } = editing;
    let id = RwSignal::new(None::<i64>);
    let shortcut = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let clear = move || {
        id.set(None);
        shortcut.set(String::new());
        body.set(String::new());
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            clear();
        }
    });
    let edit = move |c: &CannedReply| {
        id.set(Some(c.id));
        shortcut.set(c.shortcut.clone());
        body.set(c.body.clone());
    };
    let title_id = if shared {
        "canned-shared-title"
    } else {
        "canned-mine-title"
    };
    let tags = || ("{{name}}", "{{agent}}");
    let help = move || {
        let (name_tag, agent_tag) = tags();
        if shared {
            t_string!(
                i18n,
                toolkit.canned_shared_help,
                name_tag = name_tag,
                agent_tag = agent_tag
            )
            .to_string()
        } else {
            t_string!(
                i18n,
                toolkit.canned_mine_help,
                name_tag = name_tag,
                agent_tag = agent_tag
            )
            .to_string()
        }
    };
    view! {
        <section class="card canned-editor" aria-labelledby=title_id>
            <h2 id=title_id>
                {move || if shared { t_string!(i18n, toolkit.canned_shared) } else { t_string!(i18n, toolkit.canned_mine) }}
            </h2>
            <p class="muted small">{help}</p>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, toolkit.loading)}</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(items) if items.is_empty() => view! { <p class="muted">{t!(i18n, toolkit.canned_none)}</p> }.into_any(),
                        Ok(items) => view! {
                            <ul class="canned-items">
                                {items.into_iter().map(|c| {
                                    let reply = c.clone();
                                    let rid = c.id;
                                    let name = format!("/{}", c.shortcut);
                                    // Worded when rendered, not when the list arrives: a discarded
                                    // copy of this `Suspend` may finish after the request.
                                    let edit_name = name.clone();
                                    let edit_label = move || format!("{} {edit_name}", t_string!(i18n, toolkit.edit));
                                    let delete_name = name.clone();
                                    let delete_label = move || format!("{} {delete_name}", t_string!(i18n, toolkit.delete));
                                    view! {
                                        <li class="canned-item">
                                            <code class="canned-shortcut">{name.clone()}</code>
                                            <p class="canned-body">{c.body.clone()}</p>
                                            <div class="row-actions">
                                                <button type="button" class="btn small" aria-label=edit_label
                                                    on:click=move |_| edit(&reply)>{t!(i18n, toolkit.edit)}</button>
                                                <button type="button" class="btn small danger" aria-label=delete_label
                                                    on:click=move |_| { delete.dispatch(DeleteCanned { id: rid }); }>{t!(i18n, toolkit.delete)}</button>
                                            </div>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => load_error(&e),
                    }
                })}
            </Transition>
            {move || delete.value().get().and_then(Result::err).map(error_notice)}
            <form class="canned-form" on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(SaveCanned {
                    id: id.get_untracked(),
                    shared,
                    shortcut: shortcut.get_untracked(),
                    body: body.get_untracked(),
                });
            }>
                <label class="field">
                    {t!(i18n, toolkit.shortcut)}
                    <input name="shortcut" autocomplete="off" autocapitalize="none" maxlength="33"
                        prop:value=move || shortcut.get() on:input=move |ev| shortcut.set(event_target_value(&ev))/>
                    {field_error(save.value(), "shortcut")}
                </label>
                <label class="field">
                    {t!(i18n, toolkit.text)}
                    <textarea name="body" rows="3" prop:value=move || body.get()
                        on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                    {field_error(save.value(), "body")}
                </label>
                {move || save.value().get().and_then(Result::err).filter(|e| !matches!(e, AppError::Invalid(_))).map(error_notice)}
                <div class="row-actions">
                    <button type="submit" class="btn primary" disabled=move || save.pending().get()>
                        {move || if id.get().is_some() { t_string!(i18n, toolkit.save) } else { t_string!(i18n, toolkit.add_reply) }}
                    </button>
                    <Show when=move || id.get().is_some()>
                        <button type="button" class="btn ghost" on:click=move |_| clear()>{t!(i18n, toolkit.cancel)}</button>
                    </Show>
                </div>
            </form>
        </section>
    }
}
