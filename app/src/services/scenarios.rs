//! Scenario management (admins): create, edit, enable, delete (all in the draft, see
//! [`super::scenario_versions`]), and "try a message" against the draft or the live version.

use super::{now_ms, settings, AppState};
use crate::domain::bot::{
    decide, format_trigger_lines, parse_trigger_lines, CompiledScenarios, Decision,
    HandoffSettings, Inbound, Scenario, ScenarioDraft,
};
use crate::domain::problem::Problem;
use crate::dto::{Channel, ScenarioDto, TryResult};
use crate::error::AppError;
use crate::storage::bot::{ScenarioRow, ScenarioWrite};

fn to_dto(r: &ScenarioRow) -> ScenarioDto {
    scenario_dto(settings::scenario_from_row(r))
}

/// A scenario as the editor shows it.
pub fn scenario_dto(s: Scenario) -> ScenarioDto {
    ScenarioDto {
        id: s.id,
        name: s.name,
        triggers: format_trigger_lines(&s.triggers),
        response: s.response,
        enabled: s.enabled,
        priority: s.priority,
        channels: s.channels,
    }
}

pub async fn list(state: &AppState) -> Result<Vec<ScenarioDto>, AppError> {
    Ok(state
        .store
        .list_scenarios()
        .await?
        .iter()
        .map(to_dto)
        .collect())
}

/// The editor's fields, as submitted.
pub struct ScenarioForm<'a> {
    pub name: &'a str,
    pub triggers: &'a str,
    pub response: &'a str,
    pub priority: &'a str,
    pub channels: &'a [String],
    pub enabled: bool,
}

fn draft(f: &ScenarioForm<'_>) -> Result<ScenarioDraft, AppError> {
    Ok(ScenarioDraft::parse(
        f.name,
        parse_trigger_lines(f.triggers),
        f.response,
        f.priority,
        f.channels,
    )?)
}

/// Creates (`id` = None) or replaces a scenario. Validation problems come back per field.
pub async fn save(
    state: &AppState,
    id: Option<i64>,
    f: &ScenarioForm<'_>,
) -> Result<ScenarioDto, AppError> {
    let d = draft(f)?;
    let triggers = serde_json::to_string(&d.triggers).map_err(|_| AppError::Internal)?;
    let channels = (!d.channels.is_empty())
        .then(|| serde_json::to_string(&d.channels))
        .transpose()
        .map_err(|_| AppError::Internal)?;
    let w = ScenarioWrite {
        name: &d.name,
        triggers: &triggers,
        response: &d.response,
        enabled: f.enabled,
        priority: d.priority,
        channels: channels.as_deref(),
    };
    let row = match id {
        None => state.store.create_scenario(&w, now_ms()).await?,
        Some(id) => state
            .store
            .update_scenario(id, &w, now_ms())
            .await?
            .ok_or(AppError::NotFound(Problem::ScenarioGone))?,
    };
    state.settings_changed();
    Ok(to_dto(&row))
}

pub async fn set_enabled(state: &AppState, id: i64, enabled: bool) -> Result<(), AppError> {
    if !state
        .store
        .set_scenario_enabled(id, enabled, now_ms())
        .await?
    {
        return Err(AppError::NotFound(Problem::ScenarioGone));
    }
    state.settings_changed();
    Ok(())
}

pub async fn delete(state: &AppState, id: i64) -> Result<(), AppError> {
    if !state.store.delete_scenario(id).await? {
        return Err(AppError::NotFound(Problem::ScenarioGone));
    }
    state.settings_changed();
    Ok(())
}

/// Which scenarios "try a message" runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrySource {
    /// The draft being edited.
    Draft,
    /// The published version the bot answers from.
    Live,
}

impl TrySource {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(TrySource::Draft),
            "live" => Some(TrySource::Live),
            _ => None,
        }
    }
}

/// What the bot would do with `text` on `channel` in a fresh conversation it owns, answering
/// from `source`.
pub async fn try_message(
    state: &AppState,
    text: &str,
    channel: Channel,
    source: TrySource,
) -> Result<TryResult, AppError> {
    let handoff: std::sync::Arc<HandoffSettings> = settings::handoff(state).await?;
    let draft;
    let live;
    let compiled: &CompiledScenarios = match source {
        TrySource::Draft => {
            draft = CompiledScenarios::new(&super::scenario_versions::draft_set(state).await?);
            &draft
        }
        TrySource::Live => {
            live = settings::scenarios(state).await?;
            &live.scenarios
        }
    };
    let inbound = Inbound {
        text,
        channel,
        bot_owns: true,
        ai_enabled: true,
        // A fresh conversation: an unmatched message gets the fallback, not the handoff.
        unmatched_before: 0,
        external_bot: state.external_bot.is_some(),
    };
    let names = |id: i64| {
        compiled
            .best_match(text, channel)
            .filter(|s| s.id == id)
            .map(|s| s.name.clone())
            .unwrap_or_default()
    };
    Ok(match decide(&handoff, compiled, &inbound) {
        Decision::Reply { scenario_id, text } => TryResult::Reply {
            scenario: names(scenario_id),
            response: text,
        },
        Decision::Escalate(reason) => TryResult::Escalate {
            reason: reason.describe(),
        },
        Decision::AskExternalBot => TryResult::ExternalBot,
        Decision::Fallback { .. } | Decision::Silent | Decision::ExternalReply { .. } => {
            TryResult::NoMatch
        }
    })
}
