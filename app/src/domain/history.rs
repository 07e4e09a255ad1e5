//! The chat's history lines ("Accepted by Ana", "Offered to Ana (first to accept)") as data: who
//! did what, and why. Each reader's interface words a line in their language (`text::history`);
//! the line is stored with its message.

use super::bot::EscalationReason;
use super::queue::{RoutingPolicy, SkipReason};
use serde::{Deserialize, Serialize};

/// One history line of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "line", rename_all = "snake_case")]
pub enum SystemLine {
    /// An ownership change.
    Ownership {
        /// The event's kind as the log records it (`Transition::event_kind`, `ai_on`, `ai_off`).
        kind: String,
        /// Who did it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        actor: Option<String>,
        /// Whom it went to (transfers).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
        /// Why (escalations).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<Why>,
    },
    /// What one look at the queue did: offers that lapsed, whom it offered the conversation to,
    /// whom it passed over, and whom it alerted when nobody could be offered.
    Routing {
        expired: Vec<Expired>,
        offers: Vec<Offer>,
        skipped: Vec<Skipped>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fallback: Option<Names>,
    },
    /// A step of the alert ladder: still waiting after `waited_secs`, alerted the step's group
    /// (nobody when `alerted` is empty).
    StillWaiting {
        waited_secs: i64,
        step: u32,
        alerted: Names,
    },
    /// The wait passed its target.
    Breached { target_secs: u32 },
    /// The customer answered the satisfaction survey (`score` 1-5; thumbs: 1 down, 5 up).
    Rated {
        score: i64,
        scale: super::csat::Scale,
    },
}

/// Why a conversation was escalated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// The bot's decision.
    Bot(EscalationReason),
    /// Words given with the escalation as they are (the demo's seeded conversations).
    Text(String),
}

/// People as a line lists them: the first few names and how many more.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Names {
    pub shown: Vec<String>,
    #[serde(default)]
    pub more: usize,
}

impl Names {
    /// Five names, then "N more" (six when there are exactly six: "1 more" says no less).
    pub fn of(all: Vec<String>) -> Self {
        let keep = if all.len() > 6 { 5 } else { 6 };
        let more = all.len().saturating_sub(keep);
        let mut shown = all;
        shown.truncate(keep);
        Self { shown, more }
    }

    pub fn is_empty(&self) -> bool {
        self.shown.is_empty() && self.more == 0
    }
}

/// An offer that lapsed unanswered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expired {
    pub name: String,
    pub after_secs: u32,
}

/// Whom a conversation was offered to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Offer {
    To {
        names: Names,
        policy: RoutingPolicy,
    },
    /// Nobody could take it.
    Nobody,
}

/// Someone passed over, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub name: String,
    pub reason: SkipReason,
}

impl SystemLine {
    /// An ownership change's line.
    pub fn new(kind: &str, actor: Option<&str>, target: Option<&str>) -> Self {
        Self::Ownership {
            kind: kind.to_string(),
            actor: actor.map(str::to_string),
            target: target.map(str::to_string),
            why: None,
        }
    }

    /// The line with the reason for an escalation (other lines have none).
    pub fn because(mut self, reason: Option<Why>) -> Self {
        if let Self::Ownership { why, .. } = &mut self {
            *why = reason;
        }
        self
    }

    /// The stored form.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The stored form read back; `None` for a line stored before lines were data.
    pub fn from_json(s: &str) -> Option<Self> {
        serde_json::from_str(s).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_survive_storage() {
        let lines = [
            SystemLine::new("escalated", None, None)
                .because(Some(Why::Bot(EscalationReason::Keyword("operador".into())))),
            SystemLine::new("transferred", Some("Ana"), Some("Ben")),
            SystemLine::Routing {
                expired: vec![Expired {
                    name: "Ana".into(),
                    after_secs: 60,
                }],
                offers: vec![
                    Offer::To {
                        names: Names::of(vec!["Ben".into()]),
                        policy: RoutingPolicy::RoundRobin { offer_secs: 60 },
                    },
                    Offer::Nobody,
                ],
                skipped: vec![Skipped {
                    name: "Cy".into(),
                    reason: SkipReason::Full {
                        load: 5,
                        capacity: 5,
                    },
                }],
                fallback: None,
            },
            SystemLine::StillWaiting {
                waited_secs: 120,
                step: 1,
                alerted: Names::default(),
            },
            SystemLine::Breached { target_secs: 120 },
        ];
        for l in lines {
            assert_eq!(SystemLine::from_json(&l.to_json()), Some(l));
        }
        assert_eq!(SystemLine::from_json("Accepted by Ana"), None);
    }

    #[test]
    fn names_show_five_then_how_many_more() {
        let n = |k: usize| (0..k).map(|i| format!("op{i}")).collect::<Vec<_>>();
        assert_eq!(
            Names::of(n(6)),
            Names {
                shown: n(6),
                more: 0
            }
        );
        let seven = Names::of(n(7));
        assert_eq!((seven.shown.len(), seven.more), (5, 2));
        assert!(Names::of(vec![]).is_empty());
    }
}
