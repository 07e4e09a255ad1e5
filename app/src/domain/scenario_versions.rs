//! Scenario versions: what a publish changed against the version before it, how the bot's
//! decisions are labelled with the version that made them, and the results a version shows.

use super::bot::Scenario;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The longest note a publish may carry.
pub const NOTE_MAX: usize = 500;

/// What the bot did with one customer message, as stored beside the version that decided it
/// (`messages.bot_outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A scenario answered (its id).
    Scenario(i64),
    /// The external bot answered.
    External,
    /// No scenario matched: the bot said it did not understand.
    Fallback,
    /// The bot handed the conversation to a person.
    Handoff,
}

impl Outcome {
    pub fn label(self) -> String {
        match self {
            Outcome::Scenario(id) => format!("scenario:{id}"),
            Outcome::External => "external".into(),
            Outcome::Fallback => "fallback".into(),
            Outcome::Handoff => "handoff".into(),
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "external" => Some(Outcome::External),
            "fallback" => Some(Outcome::Fallback),
            "handoff" => Some(Outcome::Handoff),
            _ => s
                .strip_prefix("scenario:")
                .and_then(|id| id.parse().ok())
                .map(Outcome::Scenario),
        }
    }
}

/// How one scenario differs between two versions: `before` only (removed), `after` only
/// (added), or both (changed).
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioChange {
    pub before: Option<Scenario>,
    pub after: Option<Scenario>,
}

/// The scenarios added, removed or changed from `before` to `after`, matched by id, in the order
/// `after` lists them (removed ones last, in `before`'s order).
pub fn diff(before: &[Scenario], after: &[Scenario]) -> Vec<ScenarioChange> {
    let old: BTreeMap<i64, &Scenario> = before.iter().map(|s| (s.id, s)).collect();
    let new: BTreeMap<i64, &Scenario> = after.iter().map(|s| (s.id, s)).collect();
    let mut out: Vec<ScenarioChange> = after
        .iter()
        .filter_map(|a| match old.get(&a.id) {
            Some(b) if same(b, a) => None,
            b => Some(ScenarioChange {
                before: b.map(|b| (*b).clone()),
                after: Some(a.clone()),
            }),
        })
        .collect();
    out.extend(
        before
            .iter()
            .filter(|b| !new.contains_key(&b.id))
            .map(|b| ScenarioChange {
                before: Some(b.clone()),
                after: None,
            }),
    );
    out
}

/// Equal as the bot sees them (channel order aside).
fn same(a: &Scenario, b: &Scenario) -> bool {
    let mut ca = a.channels.clone();
    let mut cb = b.channels.clone();
    ca.sort_by_key(|c| c.as_str());
    cb.sort_by_key(|c| c.as_str());
    a.name == b.name
        && a.triggers == b.triggers
        && a.response == b.response
        && a.enabled == b.enabled
        && a.priority == b.priority
        && ca == cb
}

/// Counts of what the bot decided under one version, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Conversations with at least one customer message the version decided.
    pub conversations: i64,
    /// Customer messages the version decided (answered, fell back on, or handed off).
    pub decided: i64,
    /// Per scenario id: the replies it gave.
    pub matches: BTreeMap<i64, i64>,
    /// Messages no scenario matched, answered with the fallback.
    pub no_match: i64,
    /// Conversations the version handed to a person.
    pub handed_off: i64,
}

impl Tally {
    /// Adds one stored row: an outcome, how many messages had it and in how many conversations.
    pub fn add(&mut self, outcome: Outcome, messages: i64, conversations: i64) {
        self.decided += messages;
        match outcome {
            Outcome::Scenario(id) => *self.matches.entry(id).or_default() += messages,
            Outcome::Fallback => self.no_match += messages,
            Outcome::Handoff => self.handed_off += conversations,
            Outcome::External => {}
        }
    }

    /// No-match rate: fallback answers over decided messages, in whole percent (`None` before
    /// any message).
    pub fn no_match_percent(&self) -> Option<i64> {
        percent(self.no_match, self.decided)
    }

    /// Handoff rate: conversations handed to a person over conversations, in whole percent.
    pub fn handoff_percent(&self) -> Option<i64> {
        percent(self.handed_off, self.conversations)
    }
}

/// `part` of `whole` in percent, rounded half up.
pub fn percent(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| (part * 200 + whole) / (2 * whole))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::bot::Trigger;

    fn s(id: i64, name: &str, kw: &str, response: &str) -> Scenario {
        Scenario {
            id,
            name: name.into(),
            triggers: vec![Trigger::Keywords(vec![kw.into()])],
            response: response.into(),
            enabled: true,
            priority: 0,
            channels: vec![],
        }
    }

    #[test]
    fn a_diff_names_added_removed_and_changed_scenarios_with_before_and_after() {
        let before = [
            s(1, "Hours", "horario", "9 a 18"),
            s(2, "Colors", "color", "Red"),
        ];
        let after = [
            s(1, "Hours", "horario", "9 a 20"),
            s(3, "Prices", "precio", "10 €"),
        ];
        let d = diff(&before, &after);
        assert_eq!(d.len(), 3);
        assert_eq!(d[0].before.as_ref().unwrap().response, "9 a 18");
        assert_eq!(d[0].after.as_ref().unwrap().response, "9 a 20");
        assert_eq!(
            (d[1].before.is_none(), d[1].after.as_ref().unwrap().id),
            (true, 3)
        );
        assert_eq!(
            (d[2].before.as_ref().unwrap().id, d[2].after.is_none()),
            (2, true)
        );
        assert!(diff(&after, &after).is_empty());
    }

    #[test]
    fn outcomes_round_trip_and_tallies_give_exact_rates() {
        for o in [
            Outcome::Scenario(12),
            Outcome::External,
            Outcome::Fallback,
            Outcome::Handoff,
        ] {
            assert_eq!(Outcome::parse(&o.label()), Some(o));
        }
        assert_eq!(Outcome::parse("scenario:x"), None);
        let mut t = Tally {
            conversations: 3,
            ..Tally::default()
        };
        t.add(Outcome::Scenario(1), 4, 2);
        t.add(Outcome::Fallback, 1, 1);
        t.add(Outcome::Handoff, 1, 1);
        assert_eq!((t.decided, t.no_match, t.handed_off), (6, 1, 1));
        assert_eq!(t.no_match_percent(), Some(17));
        assert_eq!(t.handoff_percent(), Some(33));
        assert_eq!(percent(1, 0), None);
        assert_eq!(percent(1, 2), Some(50));
    }
}
