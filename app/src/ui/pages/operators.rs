//! Operators (admins only): list accounts, create one, change a role, set a new password,
//! deactivate or reactivate.

use super::load_error;
use crate::api::operators::{
    list_operators, CreateOperator, SetOperatorActive, SetOperatorPassword, SetOperatorRole,
};
use crate::domain::users::Role;
use crate::dto::UserDto;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::layout::{AdminOnly, CurrentUser};
use leptos::prelude::*;

#[component]
pub fn OperatorsPage() -> impl IntoView {
    let create = ServerAction::<CreateOperator>::new();
    let set_role = ServerAction::<SetOperatorRole>::new();
    let set_active = ServerAction::<SetOperatorActive>::new();
    let set_password = ServerAction::<SetOperatorPassword>::new();
    let list = Resource::new(
        move || {
            (
                create.version().get(),
                set_role.version().get(),
                set_active.version().get(),
                set_password.version().get(),
            )
        },
        |_| list_operators(),
    );
    let i18n = use_i18n();
    let row_error = move || {
        let e = set_role.value().get().and_then(Result::err);
        e.or_else(|| set_active.value().get().and_then(Result::err))
            .or_else(|| set_password.value().get().and_then(Result::err))
            .map(super::error_notice)
    };
    let password_set = move || {
        matches!(set_password.value().get(), Some(Ok(()))).then(|| {
            view! {
                <p class="notice ok" role="status">{t!(i18n, operators.password_set)}</p>
            }
        })
    };
    view! {
        <AdminOnly>
        <section class="page operators" aria-labelledby="ops-title">
            <h1 id="ops-title" class="page-title">{t!(i18n, operators.title)}</h1>
            {row_error}
            {password_set}
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, operators.loading)}</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(users) => view! {
                            <ul class="people">
                                {users.into_iter().map(|u| view! { <Person u set_role set_active set_password/> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => load_error(&e),
                    }
                })}
            </Transition>
            <NewOperatorForm create/>
        </section>
        </AdminOnly>
        {super::settle(list)}
    }
}

#[component]
fn Person(
    u: UserDto,
    set_role: ServerAction<SetOperatorRole>,
    set_active: ServerAction<SetOperatorActive>,
    set_password: ServerAction<SetOperatorPassword>,
) -> impl IntoView {
    let me = expect_context::<CurrentUser>().0;
    let id = u.id;
    let is_me = me.id == id;
    let active = u.active;
    let is_admin = u.is_admin();
    let other_role = if is_admin { "operator" } else { "admin" };
    let i18n = use_i18n();
    let name = {
        let name = u.display_name.clone();
        move || {
            if is_me {
                t_string!(i18n, operators.name_you, name = name.clone()).to_string()
            } else {
                name.clone()
            }
        }
    };
    let max = u.max_conversations;
    let summary = move || {
        let role = crate::text::role_name(
            i18n.get_locale(),
            if is_admin {
                Role::Admin
            } else {
                Role::Operator
            },
        );
        if active {
            t_string!(i18n, operators.summary, role = role, max = max).to_string()
        } else {
            t_string!(i18n, operators.summary_deactivated, role = role, max = max).to_string()
        }
    };
    let new_password_for = {
        let name = u.display_name.clone();
        move || t_string!(i18n, operators.new_password_for, name = name.clone()).to_string()
    };
    view! {
        <li class="person" class:inactive=!active data-email=u.email.clone()>
            <span class="avatar" aria-hidden="true">
                {u.display_name.chars().next().unwrap_or('?').to_uppercase().to_string()}
            </span>
            <span class="person-main">
                <span class="name">{name}</span>
                <span class="muted small">{u.email.clone()}</span>
                <span class="muted small">{summary}</span>
            </span>
            <span class="person-actions">
                <button type="button" class="btn small"
                    on:click=move |_| { set_role.dispatch(SetOperatorRole { id, role: other_role.into() }); }>
                    {move || if is_admin { t_string!(i18n, operators.make_operator) } else { t_string!(i18n, operators.make_admin) }}
                </button>
                <details class="set-password">
                    <summary class="btn small">{t!(i18n, operators.set_password)}</summary>
                    <ActionForm action=set_password attr:class="form">
                        <input type="hidden" name="id" value=id.to_string()/>
                        <label class="field">
                            <span>{new_password_for}</span>
                            <input type="password" name="password" autocomplete="new-password" required/>
                        </label>
                        <button type="submit" class="btn small primary">{t!(i18n, operators.save_password)}</button>
                    </ActionForm>
                </details>
                {(!is_me).then(|| view! {
                    <button type="button" class=if active { "btn small danger" } else { "btn small" }
                        on:click=move |_| { set_active.dispatch(SetOperatorActive { id, active: !active }); }>
                        {move || if active { t_string!(i18n, operators.deactivate) } else { t_string!(i18n, operators.reactivate) }}
                    </button>
                })}
            </span>
        </li>
    }
}

#[component]
fn NewOperatorForm(create: ServerAction<CreateOperator>) -> impl IntoView {
    let err = move |field: &'static str| super::field_error(create.value(), field);
    let i18n = use_i18n();
    let general = move || {
        match create.value().get() {
        Some(Err(AppError::Invalid(_))) => None,
        Some(Err(e)) => Some(super::error_notice(e)),
        Some(Ok(u)) => Some(view! { <p class="notice ok" role="status">{t_string!(i18n, operators.created, name = u.display_name).to_string()}</p> }.into_any()),
        None => None,
    }
    };
    // A created account empties the form for the next one.
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(f)) = (create.value().get(), form.get()) {
            f.reset();
        }
    });
    view! {
        <section class="card" aria-labelledby="new-op">
            <h2 id="new-op">{t!(i18n, operators.new_form.title)}</h2>
            <ActionForm action=create node_ref=form attr:class="form grid" attr:novalidate=true>
                <label class="field">
                    <span>{t!(i18n, operators.new_form.email)}</span>
                    <input type="email" name="email" autocomplete="off" required/>
                    {err("email")}
                </label>
                <label class="field">
                    <span>{t!(i18n, operators.new_form.name)}</span>
                    <input type="text" name="display_name" autocomplete="off" required/>
                    {err("display_name")}
                </label>
                <label class="field">
                    <span>{t!(i18n, operators.new_form.role)}</span>
                    <select name="role">
                        <option value="operator" selected>{t!(i18n, operators.new_form.operator)}</option>
                        <option value="admin">{t!(i18n, operators.new_form.admin)}</option>
                    </select>
                    {err("role")}
                </label>
                <label class="field">
                    <span>{t!(i18n, operators.new_form.max_conversations)}</span>
                    <input type="number" name="max_conversations" min="1" max="50" value="5" inputmode="numeric"/>
                    {err("max_conversations")}
                </label>
                <label class="field">
                    <span>{t!(i18n, operators.new_form.initial_password)}</span>
                    <input type="password" name="password" autocomplete="new-password" required/>
                    {err("password")}
                </label>
                {general}
                <button type="submit" class="btn primary">{t!(i18n, operators.new_form.create)}</button>
            </ActionForm>
        </section>
    }
}
