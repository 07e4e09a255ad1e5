//! The audit log (admins only): every change people made, newest first, filtered by person,
//! kind and period, paged by entry (`?before=<id>`), and downloadable as CSV under the same
//! filters. The filters are a GET form and the pages links, so it works without JavaScript.

use super::load_error;
use crate::api::audit::list_audit;
use crate::api::operators::list_operators;
use crate::domain::audit::AuditKind;
use crate::dto::{query_escape, AuditEntry};
use crate::i18n::*;
use crate::ui::layout::AdminOnly;
use crate::ui::live::Clock;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The page's filters, as in its address.
#[derive(Debug, Clone, Default, PartialEq)]
struct Params {
    person: String,
    kind: String,
    from: String,
    to: String,
    tz: i64,
    before: Option<i64>,
}

impl Params {
    /// The filters as a query string (without `before`).
    fn filters(&self) -> String {
        [
            ("person", self.person.as_str()),
            ("kind", self.kind.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", query_escape(v)))
        .chain(std::iter::once(format!("tz={}", self.tz)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// The browser's offset east of UTC in minutes (0 on the server).
fn browser_tz() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        -(js_sys::Date::new_0().get_timezone_offset() as i64)
    }
    #[cfg(not(feature = "hydrate"))]
    0
}

/// A kind's name in the reader's language.
fn kind_name(l: Locale, k: AuditKind) -> &'static str {
    match k {
        AuditKind::SignIn => td_string!(l, audit.kinds.sign_in),
        AuditKind::SignInFailed => td_string!(l, audit.kinds.sign_in_failed),
        AuditKind::AccountCreated => td_string!(l, audit.kinds.account_created),
        AuditKind::RoleChanged => td_string!(l, audit.kinds.role_changed),
        AuditKind::AccountDeactivated => td_string!(l, audit.kinds.account_deactivated),
        AuditKind::AccountReactivated => td_string!(l, audit.kinds.account_reactivated),
        AuditKind::PasswordReset => td_string!(l, audit.kinds.password_reset),
        AuditKind::PasswordChanged => td_string!(l, audit.kinds.password_changed),
        AuditKind::SettingsSaved => td_string!(l, audit.kinds.settings_saved),
        AuditKind::TakenOver => td_string!(l, audit.kinds.taken_over),
        AuditKind::Transferred => td_string!(l, audit.kinds.transferred),
        AuditKind::AiSwitched => td_string!(l, audit.kinds.ai_switched),
        AuditKind::ContactExported => td_string!(l, audit.kinds.contact_exported),
        AuditKind::ContactErased => td_string!(l, audit.kinds.contact_erased),
        AuditKind::RetentionDeleted => td_string!(l, audit.kinds.retention_deleted),
        AuditKind::ScenarioPublished => td_string!(l, audit.kinds.scenario_published),
        AuditKind::ScenarioRestored => td_string!(l, audit.kinds.scenario_restored),
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let params = Memo::new(move |_| {
        query.with(|q| Params {
            person: q.get("person").unwrap_or_default(),
            kind: q.get("kind").unwrap_or_default(),
            from: q.get("from").unwrap_or_default(),
            to: q.get("to").unwrap_or_default(),
            tz: q.get("tz").and_then(|t| t.parse().ok()).unwrap_or(0),
            before: q.get("before").and_then(|b| b.parse().ok()),
        })
    });
    let page = Resource::new(
        move || params.get(),
        |p| list_audit(p.person, p.kind, p.from, p.to, p.tz, p.before),
    );
    let people = Resource::new(|| (), |_| list_operators());
    let i18n = use_i18n();
    view! {
        <AdminOnly>
        <section class="page audit" aria-labelledby="audit-title">
            <h1 id="audit-title" class="page-title">{t!(i18n, audit.title)}</h1>
            <p class="muted">{t!(i18n, audit.intro)}</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    view! { <Filters params people=people.await.unwrap_or_default()/> }
                })}
            </Suspense>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, audit.loading)}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) if p.entries.is_empty() => view! {
                            <p class="muted">{t!(i18n, audit.empty)}</p>
                        }.into_any(),
                        Ok(p) => {
                            let filters = params.get_untracked().filters();
                            let older = p.next.map(|n| format!("/audit?{filters}&before={n}"));
                            let paged = params.get_untracked().before.is_some();
                            view! {
                                <ol class="audit-list">
                                    {p.entries.into_iter().map(|e| view! { <Entry e/> }).collect_view()}
                                </ol>
                                <nav class="row-actions audit-pages">
                                    {paged.then(|| view! {
                                        <a class="btn ghost" href=format!("/audit?{filters}")>{t!(i18n, audit.newest)}</a>
                                    })}
                                    {older.map(|href| view! {
                                        <a class="btn" href=href>{t!(i18n, audit.older)}</a>
                                    })}
                                </nav>
                            }.into_any()
                        }
                        Err(e) => load_error(&e),
                    }
                })}
            </Transition>
        </section>
        </AdminOnly>
        {super::settle(page)}
        {super::settle(people)}
    }
}

#[component]
fn Filters(params: Memo<Params>, people: Vec<crate::dto::UserDto>) -> impl IntoView {
    let i18n = use_i18n();
    let p = params.get_untracked();
    let tz = RwSignal::new(p.tz);
    // The browser knows its time zone; the server rendered 0.
    Effect::new(move |_| tz.set(browser_tz()));
    let export = move || {
        let mut p = params.get();
        p.tz = tz.get();
        format!("/audit/export.csv?{}", p.filters())
    };
    let chosen_kind = p.kind.clone();
    let kinds = AuditKind::ALL
        .into_iter()
        .map(|k| {
            let selected = chosen_kind == k.as_str();
            view! { <option value=k.as_str() selected=selected>{move || kind_name(i18n.get_locale(), k)}</option> }
        })
        .collect_view();
    let chosen_person = p.person.clone();
    view! {
        <form method="get" action="/audit" class="card form audit-filters">
            <div class="form-row">
                <label class="field">
                    <span>{t!(i18n, audit.person)}</span>
                    <select name="person">
                        <option value="">{t!(i18n, audit.anyone)}</option>
                        {people.into_iter().map(|u| {
                            let selected = chosen_person == u.id.to_string();
                            view! { <option value=u.id.to_string() selected=selected>{format!("{} ({})", u.display_name, u.email)}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>{t!(i18n, audit.kind)}</span>
                    <select name="kind">
                        <option value="">{t!(i18n, audit.any_kind)}</option>
                        {kinds}
                    </select>
                </label>
            </div>
            <div class="form-row">
                <label class="field">
                    <span>{t!(i18n, audit.from)}</span>
                    <input type="date" name="from" value=p.from.clone()/>
                </label>
                <label class="field">
                    <span>{t!(i18n, audit.to)}</span>
                    <input type="date" name="to" value=p.to.clone()/>
                </label>
            </div>
            <input type="hidden" name="tz" prop:value=move || tz.get().to_string()/>
            <div class="row-actions">
                <button type="submit" class="btn primary">{t!(i18n, audit.apply)}</button>
                <a class="btn" href=export download="baton-audit-log.csv">{t!(i18n, audit.export)}</a>
            </div>
        </form>
    }
}

/// One entry: when, who (and from where), what, and the details.
#[component]
fn Entry(e: AuditEntry) -> impl IntoView {
    let i18n = use_i18n();
    let clock = expect_context::<Clock>();
    let at = e.at;
    let kind = AuditKind::parse(&e.kind);
    let raw_kind = e.kind.clone();
    let what = move || match kind {
        Some(k) => kind_name(i18n.get_locale(), k).to_string(),
        None => raw_kind.clone(),
    };
    let who = match (&e.actor_name, &e.actor_email) {
        (Some(n), Some(m)) => Some(format!("{n} · {m}")),
        (None, Some(m)) => Some(m.clone()),
        (Some(n), None) => Some(n.clone()),
        (None, None) => None,
    };
    let system = e.actor_id.is_none() && e.ip.is_none();
    let who = move || match &who {
        Some(w) => w.clone(),
        None if system => t_string!(i18n, audit.system).to_string(),
        None => t_string!(i18n, audit.not_signed_in).to_string(),
    };
    let details = (e.details != "{}").then_some(e.details.clone());
    view! {
        <li class="audit-entry" data-kind=e.kind.clone()>
            <div class="audit-head">
                <strong class="audit-what">{what}</strong>
                <time class="muted small" datetime=at.to_string()>
                    {move || crate::text::date_time(i18n.get_locale(), at, clock.now(at))}
                </time>
            </div>
            <dl class="audit-facts">
                <dt>{t!(i18n, audit.who)}</dt>
                <dd class="audit-who">{who}</dd>
                {e.ip.map(|ip| view! { <dt>{t!(i18n, audit.address)}</dt><dd>{ip}</dd> })}
                {e.target.map(|t| view! { <dt>{t!(i18n, audit.what)}</dt><dd>{t}</dd> })}
            </dl>
            {details.map(|d| view! {
                <details class="audit-details">
                    <summary>{t!(i18n, audit.details)}</summary>
                    <pre>{d}</pre>
                </details>
            })}
        </li>
    }
}
