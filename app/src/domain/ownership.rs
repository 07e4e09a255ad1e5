//! The ownership state machine: a conversation has exactly one owner at a time.
//!
//! `bot` -> `waiting` (escalate) -> `assigned` (accept) -> `bot` (return) | `waiting` (release) |
//! another operator (transfer); any -> `closed`; `closed` -> `bot` when the customer writes again.
//! The storage layer applies a computed transition only if the row still has the state it was
//! computed from (a conditional update), which is what makes "exactly one accept wins" hold.

use serde::{Deserialize, Serialize};
use std::fmt;

pub type UserId = i64;

/// Who owns a conversation right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnerState {
    Bot,
    Waiting,
    Assigned,
    Closed,
}

impl OwnerState {
    pub const ALL: [OwnerState; 4] = [Self::Waiting, Self::Assigned, Self::Bot, Self::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bot => "bot",
            Self::Waiting => "waiting",
            Self::Assigned => "assigned",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

impl fmt::Display for OwnerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The owner state together with the assigned operator (present exactly when `Assigned`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ownership {
    pub state: OwnerState,
    pub assignee: Option<UserId>,
}

/// The person (or the system) asking for a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: UserId,
    pub is_admin: bool,
}

/// Every way ownership can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The bot hands the conversation to the queue.
    Escalate,
    /// An operator claims a waiting conversation.
    Accept(Actor),
    /// An admin takes a conversation from whoever holds it.
    TakeOver(Actor),
    /// The assigned operator gives the conversation back to the bot.
    ReturnToBot(Actor),
    /// The assigned operator puts the conversation back in the queue.
    Release(Actor),
    /// The assigned operator hands the conversation to another operator.
    Transfer { by: Actor, to: UserId },
    /// Ends the conversation: by the system (`None`), the operator holding it, or an admin.
    Close(Option<Actor>),
    /// A new customer message arrives in a closed conversation.
    Reopen,
}

impl Transition {
    /// The event kind recorded in the conversation's log.
    pub fn event_kind(&self) -> &'static str {
        match self {
            Self::Escalate => "escalated",
            Self::Accept(_) => "accepted",
            Self::TakeOver(_) => "taken_over",
            Self::ReturnToBot(_) => "returned",
            Self::Release(_) => "released",
            Self::Transfer { .. } => "transferred",
            Self::Close(_) => "closed",
            Self::Reopen => "reopened",
        }
    }
}

/// A change of owner, as a refusal names it ("it cannot be accepted").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Escalate,
    Accept,
    TakeOver,
    ReturnToBot,
    Release,
    Transfer,
    Close,
    Reopen,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Escalate => "escalated",
            Self::Accept => "accepted",
            Self::TakeOver => "taken over",
            Self::ReturnToBot => "returned to the bot",
            Self::Release => "released",
            Self::Transfer => "transferred",
            Self::Close => "closed",
            Self::Reopen => "reopened",
        })
    }
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("the conversation is {from}; it cannot be {action}")]
    NotAllowed { from: OwnerState, action: Change },
    #[error("the conversation is already taken")]
    AlreadyTaken { by: UserId },
    #[error("only the assigned operator can do this")]
    NotAssignee,
    #[error("the conversation is already with this operator")]
    SameOperator,
}

impl Ownership {
    pub const BOT: Ownership = Ownership {
        state: OwnerState::Bot,
        assignee: None,
    };

    fn to(state: OwnerState) -> Ownership {
        Ownership {
            state,
            assignee: None,
        }
    }

    fn assigned(to: UserId) -> Ownership {
        Ownership {
            state: OwnerState::Assigned,
            assignee: Some(to),
        }
    }

    /// Whether `actor` holds the conversation (admins act for anyone).
    fn held_by(&self, actor: Actor) -> bool {
        self.state == OwnerState::Assigned && (self.assignee == Some(actor.id) || actor.is_admin)
    }

    /// Computes the state after `t`, or why `t` is not allowed from here.
    pub fn apply(&self, t: Transition) -> Result<Ownership, TransitionError> {
        use OwnerState::*;
        let refuse = |action| {
            Err(TransitionError::NotAllowed {
                from: self.state,
                action,
            })
        };
        match t {
            Transition::Escalate => match self.state {
                Bot => Ok(Self::to(Waiting)),
                _ => refuse(Change::Escalate),
            },
            Transition::Accept(actor) => match (self.state, self.assignee) {
                (Waiting, _) => Ok(Self::assigned(actor.id)),
                (Assigned, Some(by)) => Err(TransitionError::AlreadyTaken { by }),
                _ => refuse(Change::Accept),
            },
            Transition::TakeOver(actor) => match self.state {
                _ if !actor.is_admin => Err(TransitionError::NotAssignee),
                Assigned if self.assignee == Some(actor.id) => Err(TransitionError::SameOperator),
                Bot | Waiting | Assigned => Ok(Self::assigned(actor.id)),
                Closed => refuse(Change::TakeOver),
            },
            Transition::ReturnToBot(actor) => self.by_holder(actor, Change::ReturnToBot, Self::BOT),
            Transition::Release(actor) => self.by_holder(actor, Change::Release, Self::to(Waiting)),
            Transition::Transfer { by, to } => {
                if self.assignee == Some(to) {
                    return Err(TransitionError::SameOperator);
                }
                self.by_holder(by, Change::Transfer, Self::assigned(to))
            }
            Transition::Close(by) => match (self.state, by) {
                (Closed, _) => refuse(Change::Close),
                (_, Some(actor)) if !actor.is_admin && !self.held_by(actor) => {
                    Err(TransitionError::NotAssignee)
                }
                _ => Ok(Self::to(Closed)),
            },
            Transition::Reopen => match self.state {
                Closed => Ok(Self::BOT),
                _ => refuse(Change::Reopen),
            },
        }
    }

    fn by_holder(
        &self,
        actor: Actor,
        action: Change,
        next: Ownership,
    ) -> Result<Ownership, TransitionError> {
        if self.state != OwnerState::Assigned {
            return Err(TransitionError::NotAllowed {
                from: self.state,
                action,
            });
        }
        if !self.held_by(actor) {
            return Err(TransitionError::NotAssignee);
        }
        Ok(next)
    }
}

impl Ownership {
    /// Only the operator holding a conversation writes to the customer; an admin who wants to
    /// must take it over first, so the customer never hears from two people at once.
    pub fn may_send(&self, user: UserId) -> bool {
        self.state == OwnerState::Assigned && self.assignee == Some(user)
    }
}

/// The one rule for the bot: it speaks only while it owns the conversation and AI is on for it.
pub fn bot_may_reply(ownership: &Ownership, ai_enabled: bool) -> bool {
    ownership.state == OwnerState::Bot && ai_enabled
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANA: Actor = Actor {
        id: 1,
        is_admin: false,
    };
    const BEN: Actor = Actor {
        id: 2,
        is_admin: false,
    };
    const BOSS: Actor = Actor {
        id: 9,
        is_admin: true,
    };

    fn waiting() -> Ownership {
        Ownership::BOT.apply(Transition::Escalate).unwrap()
    }

    fn with_ana() -> Ownership {
        waiting().apply(Transition::Accept(ANA)).unwrap()
    }

    #[test]
    fn escalation_moves_a_bot_conversation_to_the_queue() {
        assert_eq!(waiting().state, OwnerState::Waiting);
        assert_eq!(waiting().assignee, None);
    }

    #[test]
    fn only_a_bot_conversation_can_be_escalated() {
        for from in [waiting(), with_ana(), Ownership::to(OwnerState::Closed)] {
            assert!(matches!(
                from.apply(Transition::Escalate),
                Err(TransitionError::NotAllowed { .. })
            ));
        }
    }

    #[test]
    fn accepting_a_waiting_conversation_assigns_it_to_that_operator() {
        let o = with_ana();
        assert_eq!(o.state, OwnerState::Assigned);
        assert_eq!(o.assignee, Some(ANA.id));
    }

    #[test]
    fn a_second_accept_is_told_who_has_it() {
        assert_eq!(
            with_ana().apply(Transition::Accept(BEN)),
            Err(TransitionError::AlreadyTaken { by: ANA.id })
        );
    }

    #[test]
    fn a_closed_or_bot_conversation_cannot_be_accepted() {
        for from in [Ownership::BOT, Ownership::to(OwnerState::Closed)] {
            assert!(from.apply(Transition::Accept(ANA)).is_err());
        }
    }

    #[test]
    fn the_assignee_can_return_release_and_transfer() {
        assert_eq!(
            with_ana().apply(Transition::ReturnToBot(ANA)),
            Ok(Ownership::BOT)
        );
        assert_eq!(
            with_ana().apply(Transition::Release(ANA)).unwrap().state,
            OwnerState::Waiting
        );
        let moved = with_ana()
            .apply(Transition::Transfer {
                by: ANA,
                to: BEN.id,
            })
            .unwrap();
        assert_eq!(moved.assignee, Some(BEN.id));
    }

    #[test]
    fn another_operator_cannot_act_on_someone_elses_conversation() {
        assert_eq!(
            with_ana().apply(Transition::ReturnToBot(BEN)),
            Err(TransitionError::NotAssignee)
        );
        assert_eq!(
            with_ana().apply(Transition::Transfer {
                by: BEN,
                to: BEN.id
            }),
            Err(TransitionError::NotAssignee)
        );
        assert_eq!(
            with_ana().apply(Transition::Release(BEN)),
            Err(TransitionError::NotAssignee)
        );
    }

    #[test]
    fn an_admin_can_act_for_the_assignee_and_take_over() {
        assert_eq!(
            with_ana().apply(Transition::ReturnToBot(BOSS)),
            Ok(Ownership::BOT)
        );
        assert_eq!(
            with_ana()
                .apply(Transition::TakeOver(BOSS))
                .unwrap()
                .assignee,
            Some(BOSS.id)
        );
        assert_eq!(
            with_ana().apply(Transition::TakeOver(BEN)),
            Err(TransitionError::NotAssignee)
        );
    }

    #[test]
    fn transferring_to_the_current_owner_is_refused() {
        assert_eq!(
            with_ana().apply(Transition::Transfer {
                by: ANA,
                to: ANA.id
            }),
            Err(TransitionError::SameOperator)
        );
    }

    #[test]
    fn anything_open_can_be_closed_and_reopening_gives_it_back_to_the_bot() {
        for from in [Ownership::BOT, waiting(), with_ana()] {
            for by in [None, Some(BOSS)] {
                let closed = from.apply(Transition::Close(by)).unwrap();
                assert_eq!(closed.state, OwnerState::Closed);
                assert_eq!(closed.apply(Transition::Reopen), Ok(Ownership::BOT));
            }
        }
        assert!(Ownership::to(OwnerState::Closed)
            .apply(Transition::Close(None))
            .is_err());
        assert!(Ownership::BOT.apply(Transition::Reopen).is_err());
    }

    #[test]
    fn an_operator_closes_only_what_they_hold() {
        assert!(with_ana().apply(Transition::Close(Some(ANA))).is_ok());
        assert_eq!(
            with_ana().apply(Transition::Close(Some(BEN))),
            Err(TransitionError::NotAssignee)
        );
        assert_eq!(
            waiting().apply(Transition::Close(Some(BEN))),
            Err(TransitionError::NotAssignee)
        );
    }

    #[test]
    fn only_the_holder_may_write_to_the_customer() {
        assert!(with_ana().may_send(ANA.id));
        assert!(!with_ana().may_send(BEN.id));
        // Admins take over explicitly before writing.
        assert!(!with_ana().may_send(BOSS.id));
        assert!(!waiting().may_send(ANA.id));
        assert!(!Ownership::BOT.may_send(ANA.id));
    }

    #[test]
    fn the_bot_replies_only_when_it_owns_the_conversation_and_ai_is_on() {
        assert!(bot_may_reply(&Ownership::BOT, true));
        assert!(!bot_may_reply(&Ownership::BOT, false));
        for o in [waiting(), with_ana(), Ownership::to(OwnerState::Closed)] {
            assert!(!bot_may_reply(&o, true));
        }
    }

    #[test]
    fn owner_states_round_trip_through_their_names() {
        for s in OwnerState::ALL {
            assert_eq!(OwnerState::parse(s.as_str()), Some(s));
        }
        assert_eq!(OwnerState::parse("queue"), None);
    }
}
