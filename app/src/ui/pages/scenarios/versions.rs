//! The Scenarios page's versions: whether the draft has unpublished changes (and `Publish` with a
//! note), and `Versions`: each published version with what it changed, its results since it was
//! published, and `Restore`.

use crate::api::scenario_versions::{PublishScenarios, RestoreScenarios};
use crate::dto::{ScenarioChangeDto, ScenarioDto, VersionDto, VersionResultsDto, VersionsDto};
use crate::i18n::*;
use leptos::prelude::*;

/// The draft's state against the live version, and the publish form.
#[component]
pub fn DraftBar(v: VersionsDto, publish: ServerAction<PublishScenarios>) -> impl IntoView {
    let i18n = use_i18n();
    let note = RwSignal::new(String::new());
    let unpublished = !v.draft_changes.is_empty();
    let live = v.live;
    let status = move || match (unpublished, live) {
        (true, Some(n)) => {
            t_string!(i18n, scenarios.versions.status_unpublished, n = n).to_string()
        }
        (true, None) => t_string!(i18n, scenarios.versions.status_unpublished_none).to_string(),
        (false, Some(n)) => t_string!(i18n, scenarios.versions.status_live, n = n).to_string(),
        (false, None) => t_string!(i18n, scenarios.versions.status_empty).to_string(),
    };
    let done = move || {
        publish.value().get().map(|r| match r {
            Ok(n) => view! { <p class="notice" role="status">{t_string!(i18n, scenarios.versions.published, n = n).to_string()}</p> }.into_any(),
            Err(e) => super::super::error_notice(e),
        })
    };
    let changes = v.draft_changes.clone();
    view! {
        <section class="card draft-bar" class:unpublished=unpublished aria-labelledby="draft-status">
            <p id="draft-status" class="draft-status" data-unpublished=unpublished.to_string()>
                <strong>{status}</strong>
            </p>
            <p class="muted small">{t!(i18n, scenarios.versions.draft_hint)}</p>
            {unpublished.then(|| view! {
                <details class="draft-changes">
                    <summary>{t!(i18n, scenarios.versions.pending_changes)}" ("{changes.len()}")"</summary>
                    <Changes changes=changes.clone()/>
                </details>
                <form class="publish-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    publish.dispatch(PublishScenarios { note: note.get() });
                }>
                    <label class="field">
                        <span>{t!(i18n, scenarios.versions.note)}</span>
                        <input type="text" maxlength="500" prop:value=move || note.get()
                            placeholder=move || t_string!(i18n, scenarios.versions.note_placeholder)
                            on:input=move |e| note.set(event_target_value(&e))/>
                    </label>
                    <button type="submit" class="btn primary" disabled=move || publish.pending().get()>
                        {t!(i18n, scenarios.versions.publish)}
                    </button>
                </form>
            })}
            {done}
        </section>
    }
}

/// Every published version, newest first.
#[component]
pub fn VersionList(v: VersionsDto, restore: ServerAction<RestoreScenarios>) -> impl IntoView {
    let i18n = use_i18n();
    // Which version each restore copied, read from the list (the action's input is gone once it
    // has finished); the notice shows when the reloaded list has the new version.
    let copies: Vec<(i64, i64)> = v
        .versions
        .iter()
        .filter_map(|x| x.restored_from.map(|old| (x.id, old)))
        .collect();
    let done = move || match restore.value().get()? {
        Ok(n) => {
            let old = copies.iter().find(|(id, _)| *id == n)?.1;
            Some(view! { <p class="notice" role="status">{t_string!(i18n, scenarios.versions.restored, n = n, old = old).to_string()}</p> }.into_any())
        }
        Err(e) => Some(super::super::error_notice(e)),
    };
    view! {
        <section class="versions" aria-labelledby="versions-title">
            <h2 id="versions-title">{t!(i18n, scenarios.versions.title)}</h2>
            <p class="muted small help">{t!(i18n, scenarios.versions.help)}</p>
            {done}
            <ol class="version-list">
                {v.versions.into_iter().map(|v| view! { <Version v restore/> }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn Version(v: VersionDto, restore: ServerAction<RestoreScenarios>) -> impl IntoView {
    let i18n = use_i18n();
    let clock = expect_context::<crate::ui::live::Clock>();
    let (id, at) = (v.id, v.published_at);
    let author = v.author.clone();
    let byline = move || {
        let author = author
            .clone()
            .unwrap_or_else(|| t_string!(i18n, scenarios.versions.system).to_string());
        let when = crate::text::ago(i18n.get_locale(), at, clock.now(at));
        t_string!(i18n, scenarios.versions.by, author = author, when = when).to_string()
    };
    let first = v.changes.is_empty() && id == 1;
    view! {
        <li class="version card" data-version=id.to_string() class:live=v.live>
            <div class="version-head">
                <h3>{move || t_string!(i18n, scenarios.versions.version, n = id).to_string()}</h3>
                {v.live.then(|| view! { <span class="badge live">{t!(i18n, scenarios.versions.live)}</span> })}
            </div>
            <p class="muted small">{byline}</p>
            {v.restored_from.map(|n| view! { <p class="small">{move || t_string!(i18n, scenarios.versions.restored_from, n = n).to_string()}</p> })}
            {v.note.clone().map(|n| view! { <p class="version-note">{n}</p> })}
            {if first {
                view! { <p class="muted small">{t!(i18n, scenarios.versions.first)}</p> }.into_any()
            } else {
                view! { <Changes changes=v.changes.clone()/> }.into_any()
            }}
            <Results r=v.results.clone()/>
            {(!v.live).then(|| view! {
                <div class="row-actions">
                    <button type="button" class="btn small" disabled=move || restore.pending().get()
                        on:click=move |_| { restore.dispatch(RestoreScenarios { id }); }>
                        {t!(i18n, scenarios.versions.restore)}
                    </button>
                </div>
            })}
        </li>
    }
}

/// Added, removed and changed scenarios, each with its triggers and response before and after.
#[component]
fn Changes(changes: Vec<ScenarioChangeDto>) -> impl IntoView {
    let i18n = use_i18n();
    if changes.is_empty() {
        return view! { <p class="muted small">{t!(i18n, scenarios.versions.no_changes)}</p> }
            .into_any();
    }
    view! {
        <ul class="changes">
            {changes.into_iter().map(|c| {
                let kind = match (&c.before, &c.after) {
                    (None, _) => "added",
                    (_, None) => "removed",
                    _ => "changed",
                };
                let label = move || match kind {
                    "added" => t_string!(i18n, scenarios.versions.added),
                    "removed" => t_string!(i18n, scenarios.versions.removed),
                    _ => t_string!(i18n, scenarios.versions.changed),
                };
                view! {
                    <li class="change" data-kind=kind data-name=c.name.clone()>
                        <span class="badge">{label}</span>" "<strong>{c.name.clone()}</strong>
                        <div class="before-after">
                            {c.before.map(|s| view! { <Side s label=move || t_string!(i18n, scenarios.versions.before) class="before"/> })}
                            {c.after.map(|s| view! { <Side s label=move || t_string!(i18n, scenarios.versions.after) class="after"/> })}
                        </div>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn Side(
    s: ScenarioDto,
    label: impl Fn() -> &'static str + Send + Sync + 'static,
    class: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class=format!("side {class}")>
            <span class="muted small">{label}{(!s.enabled).then(|| view! { " "{t!(i18n, scenarios.versions.off)} })}</span>
            <pre class="triggers">{s.triggers}</pre>
            <p class="response">{s.response}</p>
        </div>
    }
}

/// A rate as "25% (1 of 4)", or "none yet".
fn rate(locale: Locale, percent: Option<i64>, part: i64, whole: i64) -> String {
    match percent {
        Some(p) => td_string!(
            locale,
            scenarios.versions.rate,
            percent = p,
            part = part,
            whole = whole
        )
        .to_string(),
        None => td_string!(locale, scenarios.versions.no_data).to_string(),
    }
}

#[component]
fn Results(r: VersionResultsDto) -> impl IntoView {
    let i18n = use_i18n();
    let r2 = r.clone();
    let no_match = move || {
        rate(
            i18n.get_locale(),
            r2.no_match_percent,
            r2.no_match,
            r2.decided,
        )
    };
    let r3 = r.clone();
    let handoff = move || {
        rate(
            i18n.get_locale(),
            r3.handoff_percent,
            r3.handed_off,
            r3.conversations,
        )
    };
    view! {
        <div class="results">
            <h4 class="small">{t!(i18n, scenarios.versions.results)}</h4>
            <dl class="stats">
                <div><dt>{t!(i18n, scenarios.versions.conversations)}</dt><dd data-stat="conversations">{r.conversations}</dd></div>
                <div><dt>{t!(i18n, scenarios.versions.no_match_rate)}</dt><dd data-stat="no-match">{no_match}</dd></div>
                <div><dt>{t!(i18n, scenarios.versions.handoff_rate)}</dt><dd data-stat="handoff">{handoff}</dd></div>
            </dl>
            <p class="small">{t!(i18n, scenarios.versions.matches)}</p>
            {if r.matches.is_empty() {
                view! { <p class="muted small">{t!(i18n, scenarios.versions.matches_none)}</p> }.into_any()
            } else {
                view! {
                    <ul class="matches small">
                        {r.matches.into_iter().map(|m| view! {
                            <li>{t_string!(i18n, scenarios.versions.replies, name = m.name, n = m.replies).to_string()}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </div>
    }
}
