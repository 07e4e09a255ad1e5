//! Scenario versions (admins): the draft is the `scenarios` table; `publish` makes it the live
//! version all at once, on every instance (the bot answers from the newest version, see
//! [`super::settings::scenarios`]); `restore` publishes an old version again as a new one.
//! [`overview`] lists the versions with what each changed and what it decided since.

use super::audit::{self, Who};
use super::{now_ms, scenarios::scenario_dto, settings, AppState};
use crate::domain::audit::AuditKind;
use crate::domain::bot::Scenario;
use crate::domain::problem::Problem;
use crate::domain::scenario_versions::{diff, Outcome, ScenarioChange, Tally, NOTE_MAX};
use crate::dto::{
    ScenarioChangeDto, ScenarioMatchesDto, VersionDto, VersionResultsDto, VersionsDto,
};
use crate::error::AppError;
use crate::storage::bot::ScenarioRow;
use crate::storage::scenario_versions::{NewVersion, VersionRow};

/// How many versions the page lists (newest first).
const LISTED: i64 = 50;

/// A version's scenarios (an unreadable one is logged and read as empty).
pub fn read_set(v: &VersionRow) -> Vec<Scenario> {
    serde_json::from_str(&v.scenarios).unwrap_or_else(|e| {
        tracing::error!(error = %e, version = v.id, "stored scenario version unreadable");
        Vec::new()
    })
}

/// The draft: the scenarios as admins last saved them.
pub async fn draft_set(state: &AppState) -> Result<Vec<Scenario>, AppError> {
    Ok(state
        .store
        .list_scenarios()
        .await?
        .iter()
        .map(settings::scenario_from_row)
        .collect())
}

async fn live_set(state: &AppState) -> Result<(Option<i64>, Vec<Scenario>), AppError> {
    Ok(match state.store.live_scenario_version().await? {
        Some(v) => (Some(v.id), read_set(&v)),
        None => (None, Vec::new()),
    })
}

fn encode(set: &[Scenario]) -> Result<String, AppError> {
    serde_json::to_string(set).map_err(|_| AppError::Internal)
}

/// Publishes the draft as a new live version, by `actor_id`, with an optional note. Refused when
/// the draft is what is live already. Returns the new version's number.
/// The audit log records it (who, the version, the note). `who` may be the system (no person).
pub async fn publish(state: &AppState, who: &Who, note: &str) -> Result<i64, AppError> {
    let actor_id = who.id;
    let note = note.trim();
    if note.chars().count() > NOTE_MAX {
        return Err(AppError::field(
            "note",
            Problem::PublishNoteTooLong {
                max: NOTE_MAX as i64,
            },
        ));
    }
    let draft = draft_set(state).await?;
    let (_, live) = live_set(state).await?;
    if diff(&live, &draft).is_empty() {
        return Err(AppError::Conflict(Problem::NothingToPublish));
    }
    let id = state
        .store
        .publish_scenario_version(&NewVersion {
            scenarios: &encode(&draft)?,
            author_id: actor_id,
            note: (!note.is_empty()).then_some(note),
            restored_from: None,
            now: now_ms(),
        })
        .await?;
    tracing::info!(version = id, ?actor_id, "scenarios published");
    // Every instance drops its compiled copy and answers from this version from now on.
    state.settings_changed();
    let target = format!("scenario_version:{id}");
    let details = serde_json::json!({ "version": id, "note": note });
    audit::record(
        state,
        who,
        AuditKind::ScenarioPublished,
        Some(&target),
        details,
    )
    .await?;
    Ok(id)
}

/// Publishes version `version` again as a new live version, by `actor_id`; the draft becomes
/// that version too (unpublished edits are replaced). Returns the new version's number.
/// The audit log records it (who, the version restored, the new version).
pub async fn restore(state: &AppState, who: &Who, version: i64) -> Result<i64, AppError> {
    let actor_id = who.id;
    let old = state
        .store
        .scenario_version(version)
        .await?
        .ok_or(AppError::NotFound(Problem::VersionGone))?;
    let (live, _) = live_set(state).await?;
    if live == Some(version) {
        return Err(AppError::Conflict(Problem::NothingToPublish));
    }
    let set = read_set(&old);
    let rows = set
        .iter()
        .map(|s| {
            Ok(ScenarioRow {
                id: s.id,
                name: s.name.clone(),
                triggers: serde_json::to_string(&s.triggers).map_err(|_| AppError::Internal)?,
                response: s.response.clone(),
                enabled: s.enabled,
                priority: s.priority,
                channels: (!s.channels.is_empty())
                    .then(|| serde_json::to_string(&s.channels))
                    .transpose()
                    .map_err(|_| AppError::Internal)?,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let id = state
        .store
        .restore_scenario_version(
            &rows,
            &NewVersion {
                scenarios: &old.scenarios,
                author_id: actor_id,
                note: None,
                restored_from: Some(version),
                now: now_ms(),
            },
        )
        .await?;
    tracing::info!(
        version = id,
        restored = version,
        ?actor_id,
        "scenarios restored"
    );
    state.settings_changed();
    let target = format!("scenario_version:{id}");
    let details = serde_json::json!({ "version": id, "restored_from": version });
    audit::record(
        state,
        who,
        AuditKind::ScenarioRestored,
        Some(&target),
        details,
    )
    .await?;
    Ok(id)
}

fn change_dto(c: ScenarioChange) -> ScenarioChangeDto {
    let name = c
        .after
        .as_ref()
        .or(c.before.as_ref())
        .map(|s| s.name.clone())
        .unwrap_or_default();
    ScenarioChangeDto {
        name,
        before: c.before.map(scenario_dto),
        after: c.after.map(scenario_dto),
    }
}

/// What version `v` (with scenarios `set`) decided since it was published.
pub async fn results(
    state: &AppState,
    v: i64,
    set: &[Scenario],
) -> Result<VersionResultsDto, AppError> {
    let (rows, conversations) = state.store.scenario_version_results(v).await?;
    let mut t = Tally {
        conversations,
        ..Tally::default()
    };
    for (label, messages, convs) in rows {
        if let Some(o) = Outcome::parse(&label) {
            t.add(o, messages, convs);
        }
    }
    let matches = t
        .matches
        .iter()
        .map(|(id, replies)| ScenarioMatchesDto {
            name: set
                .iter()
                .find(|s| s.id == *id)
                .map(|s| s.name.clone())
                .unwrap_or_else(|| format!("#{id}")),
            replies: *replies,
        })
        .collect();
    Ok(VersionResultsDto {
        conversations: t.conversations,
        decided: t.decided,
        matches,
        no_match: t.no_match,
        no_match_percent: t.no_match_percent(),
        handed_off: t.handed_off,
        handoff_percent: t.handoff_percent(),
    })
}

/// The Scenarios page's versions panel: the live version, what the draft changes against it, and
/// the newest versions with their changes and results.
pub async fn overview(state: &AppState) -> Result<VersionsDto, AppError> {
    // One more than listed, so the oldest listed one has its predecessor to compare with.
    let rows = state.store.scenario_versions(LISTED + 1).await?;
    let sets: Vec<Vec<Scenario>> = rows.iter().map(read_set).collect();
    let live = rows.first().map(|r| r.id);
    let draft = draft_set(state).await?;
    let draft_changes = diff(sets.first().map(Vec::as_slice).unwrap_or(&[]), &draft)
        .into_iter()
        .map(change_dto)
        .collect();
    let mut versions = Vec::new();
    for (i, r) in rows.iter().enumerate().take(LISTED as usize) {
        let before = sets.get(i + 1).map(Vec::as_slice).unwrap_or(&[]);
        versions.push(VersionDto {
            id: r.id,
            author: r.author_name.clone(),
            note: r.note.clone(),
            published_at: r.published_at,
            restored_from: r.restored_from,
            live: i == 0,
            changes: diff(before, &sets[i]).into_iter().map(change_dto).collect(),
            results: results(state, r.id, &sets[i]).await?,
        });
    }
    Ok(VersionsDto {
        live,
        draft_changes,
        versions,
    })
}
