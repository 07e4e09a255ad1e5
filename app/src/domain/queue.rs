//! The queue: who is offered a waiting conversation (routing), and who is paged while nobody
//! takes it (the SLA ladder). Pure: the caller passes the operators as [`Candidate`]s, the stored
//! [`QueueState`] and the time; it gets back the next state, the decisions to record (with their
//! reasons) and the alerts to send.
//!
//! Routing policies:
//! - [`RoutingPolicy::FirstToAccept`] (default): offer to every eligible operator at once; the
//!   first `Accept` wins (the ownership state machine decides that race).
//! - [`RoutingPolicy::RoundRobin`]: offer to one eligible operator at a time, the one offered
//!   least recently; an offer not accepted within `offer_secs` moves to the next one.
//!
//! Eligible means reachable (a live connection to the console, or a push device that works: a
//! phone in a pocket is exactly who alerts are for), not Away, and holding fewer conversations
//! than their capacity. Everyone else is skipped with a [`SkipReason`].
//!
//! The ladder: step 0 when the conversation starts waiting, step `k` at `k * interval` after.
//! Each step pages a wider, cumulative audience ([`audience`]):
//! - step 0: the offered operator(s) (when nobody could be offered: every available operator);
//! - step 1: + every available operator (not Away; online or not, full or not: a push reaches a
//!   phone in a pocket);
//! - step 2: + every operator, Away included;
//! - step 3 and later: + the admins.
//!
//! Steps repeat every interval until the conversation leaves `waiting`.
//!
//! When several steps fell due at once (the server was down), only the latest is sent.

use super::history::{Expired, Names, Offer, Skipped, SystemLine};
pub use super::hours::SlaClock;
use super::problem::Problem;
use super::users::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

pub type UserId = i64;

/// Which policy the deployment routes with (stored in settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    #[default]
    FirstToAccept,
    RoundRobin,
}

impl PolicyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FirstToAccept => "first_to_accept",
            Self::RoundRobin => "round_robin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "first_to_accept" => Some(Self::FirstToAccept),
            "round_robin" => Some(Self::RoundRobin),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::FirstToAccept => "First to accept",
            Self::RoundRobin => "Round robin",
        }
    }
}

/// How a waiting conversation is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutingPolicy {
    FirstToAccept,
    RoundRobin { offer_secs: u32 },
}

/// The deployment's queue settings (admins edit them in Settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueSettings {
    pub policy: PolicyKind,
    /// Round robin: how long one operator has to accept before the offer moves on.
    pub offer_secs: u32,
    /// The waiting target: a conversation waiting longer is an SLA breach.
    pub sla_target_secs: u32,
    /// How often the alerts repeat (and widen) while nobody accepts.
    pub alert_interval_secs: u32,
}

impl Default for QueueSettings {
    fn default() -> Self {
        Self {
            policy: PolicyKind::FirstToAccept,
            offer_secs: 60,
            sla_target_secs: 120,
            alert_interval_secs: 120,
        }
    }
}

pub const OFFER_SECS: std::ops::RangeInclusive<u32> = 10..=3600;
pub const SLA_TARGET_SECS: std::ops::RangeInclusive<u32> = 10..=86_400;
pub const ALERT_INTERVAL_SECS: std::ops::RangeInclusive<u32> = 30..=3600;

impl QueueSettings {
    pub fn routing(&self) -> RoutingPolicy {
        match self.policy {
            PolicyKind::FirstToAccept => RoutingPolicy::FirstToAccept,
            PolicyKind::RoundRobin => RoutingPolicy::RoundRobin {
                offer_secs: self.offer_secs,
            },
        }
    }

    pub fn target_ms(&self) -> i64 {
        i64::from(self.sla_target_secs) * 1000
    }

    pub fn interval_ms(&self) -> i64 {
        i64::from(self.alert_interval_secs.max(1)) * 1000
    }

    pub fn offer_ms(&self) -> i64 {
        i64::from(self.offer_secs.max(1)) * 1000
    }
}

/// Reads the settings form: `policy` is `first_to_accept` or `round_robin`, the rest whole seconds.
pub fn parse_queue_settings(
    policy: &str,
    offer_secs: &str,
    sla_target_secs: &str,
    alert_interval_secs: &str,
) -> Result<QueueSettings, Vec<FieldError>> {
    let mut errors = Vec::new();
    let policy = PolicyKind::parse(policy).unwrap_or_else(|| {
        errors.push(FieldError::new("policy", Problem::PolicyUnknown));
        PolicyKind::FirstToAccept
    });
    let mut secs = |field: &str, v: &str, range: std::ops::RangeInclusive<u32>| match v
        .trim()
        .parse::<u32>()
    {
        Ok(n) if range.contains(&n) => n,
        _ => {
            errors.push(FieldError::new(
                field,
                Problem::SecondsRange {
                    min: i64::from(*range.start()),
                    max: i64::from(*range.end()),
                },
            ));
            0
        }
    };
    let s = QueueSettings {
        policy,
        offer_secs: secs("offer_secs", offer_secs, OFFER_SECS),
        sla_target_secs: secs("sla_target_secs", sla_target_secs, SLA_TARGET_SECS),
        alert_interval_secs: secs(
            "alert_interval_secs",
            alert_interval_secs,
            ALERT_INTERVAL_SECS,
        ),
    };
    if errors.is_empty() {
        Ok(s)
    } else {
        Err(errors)
    }
}

/// An operator (or admin) as routing sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: UserId,
    pub is_admin: bool,
    /// Has a live connection to the console.
    pub online: bool,
    /// Holds a push device whose last send did not fail.
    pub push_ready: bool,
    /// Available (not Away).
    pub available: bool,
    /// Conversations held now.
    pub load: i64,
    /// The most conversations they may hold at once.
    pub capacity: i64,
    /// When they were last offered a conversation (round robin rotates on this).
    pub last_offered_at: Option<i64>,
}

/// Why an operator was not offered a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    Away,
    Offline,
    Full { load: i64, capacity: i64 },
}

impl SkipReason {
    pub fn describe(&self) -> String {
        match self {
            Self::Away => "away".into(),
            Self::Offline => "offline".into(),
            Self::Full { load, capacity } => format!("at capacity, {load} of {capacity}"),
        }
    }
}

/// Whether `c` may be offered a conversation now.
pub fn eligibility(c: &Candidate) -> Result<(), SkipReason> {
    if !c.available {
        Err(SkipReason::Away)
    } else if !c.online && !c.push_ready {
        Err(SkipReason::Offline)
    } else if c.load >= c.capacity {
        Err(SkipReason::Full {
            load: c.load,
            capacity: c.capacity,
        })
    } else {
        Ok(())
    }
}

/// The outcome of one routing decision.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Routing {
    pub offered: Vec<UserId>,
    pub skipped: Vec<(UserId, SkipReason)>,
}

/// Decides who is offered a conversation. `previous` holds whoever had the offer that just
/// expired: round robin moves on to someone else when there is anyone else.
pub fn route(policy: RoutingPolicy, candidates: &[Candidate], previous: &[UserId]) -> Routing {
    let mut eligible = Vec::new();
    let mut skipped = Vec::new();
    for c in candidates {
        match eligibility(c) {
            Ok(()) => eligible.push(c),
            Err(r) => skipped.push((c.id, r)),
        }
    }
    let offered = match policy {
        RoutingPolicy::FirstToAccept => eligible.iter().map(|c| c.id).collect(),
        RoutingPolicy::RoundRobin { .. } => {
            // Least recently offered first; never offered before anyone; then the oldest account.
            let key = |c: &&&Candidate| (c.last_offered_at.unwrap_or(i64::MIN), c.id);
            let others = eligible
                .iter()
                .filter(|c| !previous.contains(&c.id))
                .min_by_key(key);
            others
                .or_else(|| eligible.iter().min_by_key(key))
                .map(|c| vec![c.id])
                .unwrap_or_default()
        }
    };
    Routing { offered, skipped }
}

/// The ladder step due at `now` for a conversation waiting since `escalated_at`, if it was not
/// sent yet: `None` when `last_step_sent` is already the current one. Only the latest due step is
/// returned, so a server that was down does not page every missed step at once.
pub fn due_step(
    escalated_at: i64,
    now: i64,
    last_step_sent: Option<u32>,
    interval_ms: i64,
) -> Option<u32> {
    let waited = (now - escalated_at).max(0);
    let step = u32::try_from(waited / interval_ms.max(1)).unwrap_or(u32::MAX);
    match last_step_sent {
        Some(last) if step <= last => None,
        _ => Some(step),
    }
}

/// Whether a conversation waiting since `escalated_at` has missed its target at `now`.
pub fn breached(escalated_at: i64, now: i64, target_ms: i64) -> bool {
    now - escalated_at > target_ms
}

/// Why someone is in a step's audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudienceReason {
    Offered,
    Available,
    Operator,
    Admin,
}

impl AudienceReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offered => "offered",
            Self::Available => "available",
            Self::Operator => "operator",
            Self::Admin => "admin",
        }
    }
}

/// Who a step pages (cumulative, each person once with the first reason that applies), in the
/// order of `candidates`. Inactive accounts are not candidates, so they are never paged.
pub fn audience(
    step: u32,
    offered: &[UserId],
    candidates: &[Candidate],
) -> Vec<(UserId, AudienceReason)> {
    let mut out: Vec<(UserId, AudienceReason)> = Vec::new();
    let mut seen = HashSet::new();
    let mut add = |id: UserId, r: AudienceReason, out: &mut Vec<(UserId, AudienceReason)>| {
        if seen.insert(id) {
            out.push((id, r));
        }
    };
    for c in candidates.iter().filter(|c| offered.contains(&c.id)) {
        add(c.id, AudienceReason::Offered, &mut out);
    }
    let nobody_offered = out.is_empty();
    if step >= 1 || nobody_offered {
        for c in candidates.iter().filter(|c| c.available) {
            add(c.id, AudienceReason::Available, &mut out);
        }
    }
    if step >= 2 {
        for c in candidates.iter().filter(|c| !c.is_admin) {
            add(c.id, AudienceReason::Operator, &mut out);
        }
    }
    if step >= 3 {
        for c in candidates.iter().filter(|c| c.is_admin) {
            add(c.id, AudienceReason::Admin, &mut out);
        }
    }
    out
}

/// A waiting conversation's queue state, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueState {
    /// When this waiting episode began (the conversation's `waiting_since`).
    pub episode: i64,
    /// The last ladder step sent (`None`: none yet, the wait began outside business hours).
    pub last_step: Option<u32>,
    /// Who holds the offer now (every eligible operator with first to accept).
    pub offered_to: Vec<UserId>,
    /// Round robin: when the current offer moves on.
    pub offer_expires_at: Option<i64>,
    /// How many offers this episode has made (numbers the offer alerts).
    pub offer_count: u32,
    /// Whether the SLA breach was recorded.
    pub breached: bool,
}

/// One decision, recorded in the conversation's log with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Offered {
        to: Vec<UserId>,
        policy: RoutingPolicy,
    },
    Skipped {
        user: UserId,
        reason: SkipReason,
    },
    NobodyToOffer,
    OfferExpired {
        user: UserId,
        after_secs: u32,
    },
    Alerted {
        step: u32,
        audience: Vec<(UserId, AudienceReason)>,
    },
    Breached {
        target_secs: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    /// A step of the ladder.
    Ladder,
    /// Round robin moved the offer to this person (the offer's number in this episode).
    Offer(u32),
}

/// One person to alert (on each of their devices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub kind: AlertKind,
    pub step: u32,
    pub user: UserId,
    pub reason: AudienceReason,
}

/// What to store and send after a look at one waiting conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advance {
    pub next: QueueState,
    pub decisions: Vec<Decision>,
    pub alerts: Vec<Alert>,
}

impl Advance {
    /// Everyone newly offered the conversation.
    pub fn offered(&self) -> Vec<UserId> {
        self.decisions
            .iter()
            .flat_map(|d| match d {
                Decision::Offered { to, .. } => to.clone(),
                _ => Vec::new(),
            })
            .collect()
    }
}

fn routing_decisions(r: &Routing, policy: RoutingPolicy, out: &mut Vec<Decision>) {
    if r.offered.is_empty() {
        out.push(Decision::NobodyToOffer);
    } else {
        out.push(Decision::Offered {
            to: r.offered.clone(),
            policy,
        });
    }
    out.extend(
        r.skipped
            .iter()
            .map(|&(user, reason)| Decision::Skipped { user, reason }),
    );
}

fn ladder_alerts(step: u32, audience: &[(UserId, AudienceReason)]) -> Vec<Alert> {
    audience
        .iter()
        .map(|&(user, reason)| Alert {
            kind: AlertKind::Ladder,
            step,
            user,
            reason,
        })
        .collect()
}

/// The SLA clock of a deployment without business hours: the plain wait, always running.
pub fn wall_clock(episode: i64, now: i64) -> SlaClock {
    SlaClock {
        waited_ms: (now - episode).max(0),
        running: true,
    }
}

/// A conversation just started waiting (episode `episode`): route it and page step 0 (or the
/// step already due, when it started waiting a while ago), on the plain wait.
pub fn start(
    settings: &QueueSettings,
    episode: i64,
    candidates: &[Candidate],
    now: i64,
) -> Advance {
    start_on(settings, episode, candidates, now, wall_clock(episode, now))
}

/// [`start`] on an SLA clock that counts business time only (see
/// [`crate::domain::hours::BusinessHours::sla_clock`]): while the clock is stopped (closed, not
/// paging anyway) the conversation is routed (offered in the console) but nobody is paged; step 0
/// goes out at opening time.
pub fn start_on(
    settings: &QueueSettings,
    episode: i64,
    candidates: &[Candidate],
    now: i64,
    clock: SlaClock,
) -> Advance {
    let policy = settings.routing();
    let routing = route(policy, candidates, &[]);
    let mut decisions = Vec::new();
    routing_decisions(&routing, policy, &mut decisions);
    let mut alerts = Vec::new();
    let mut last_step = None;
    if clock.running {
        let step = due_step(0, clock.waited_ms, None, settings.interval_ms()).unwrap_or(0);
        let who = audience(step, &routing.offered, candidates);
        alerts = ladder_alerts(step, &who);
        decisions.push(Decision::Alerted {
            step,
            audience: who,
        });
        last_step = Some(step);
    }
    let is_breached = breached(0, clock.waited_ms, settings.target_ms());
    if is_breached {
        decisions.push(Decision::Breached {
            target_secs: settings.sla_target_secs,
        });
    }
    Advance {
        next: QueueState {
            episode,
            last_step,
            offer_expires_at: match policy {
                RoutingPolicy::RoundRobin { .. } => Some(now + settings.offer_ms()),
                RoutingPolicy::FirstToAccept => None,
            },
            offer_count: u32::from(!routing.offered.is_empty()),
            offered_to: routing.offered,
            breached: is_breached,
        },
        decisions,
        alerts,
    }
}

/// Whether [`advance`] could have anything to do at `now` (cheap: no candidates needed).
pub fn needs_attention(settings: &QueueSettings, q: &QueueState, now: i64) -> bool {
    needs_attention_on(settings, q, now, wall_clock(q.episode, now))
}

/// [`needs_attention`] on an SLA clock: nothing moves while it is stopped (offers included, so
/// round robin pages nobody at night).
pub fn needs_attention_on(
    settings: &QueueSettings,
    q: &QueueState,
    now: i64,
    clock: SlaClock,
) -> bool {
    if !clock.running {
        return false;
    }
    let offer_due = q.offer_expires_at.is_some_and(|t| t <= now)
        || (settings.policy == PolicyKind::FirstToAccept && q.offer_expires_at.is_some());
    offer_due
        || due_step(0, clock.waited_ms, q.last_step, settings.interval_ms()).is_some()
        || (!q.breached && breached(0, clock.waited_ms, settings.target_ms()))
}

/// A later look at a waiting conversation: move an expired round-robin offer on, page the next
/// ladder step when due, flag the SLA breach. `None` when nothing changes.
pub fn advance(
    settings: &QueueSettings,
    q: &QueueState,
    candidates: &[Candidate],
    now: i64,
) -> Option<Advance> {
    advance_on(settings, q, candidates, now, wall_clock(q.episode, now))
}

/// [`advance`] on an SLA clock (business time; see [`start_on`]).
pub fn advance_on(
    settings: &QueueSettings,
    q: &QueueState,
    candidates: &[Candidate],
    now: i64,
    clock: SlaClock,
) -> Option<Advance> {
    if !needs_attention_on(settings, q, now, clock) {
        return None;
    }
    let mut next = q.clone();
    let mut decisions = Vec::new();
    let mut offer_alerts = Vec::new();
    match settings.routing() {
        RoutingPolicy::RoundRobin { offer_secs }
            if q.offer_expires_at.is_some_and(|t| t <= now) =>
        {
            for &user in &q.offered_to {
                decisions.push(Decision::OfferExpired {
                    user,
                    after_secs: offer_secs,
                });
            }
            let routing = route(settings.routing(), candidates, &q.offered_to);
            // Nobody before and nobody now: try again quietly, without a line every minute.
            if !(routing.offered.is_empty() && q.offered_to.is_empty()) {
                routing_decisions(&routing, settings.routing(), &mut decisions);
            }
            if !routing.offered.is_empty() {
                next.offer_count += 1;
                offer_alerts = routing
                    .offered
                    .iter()
                    .map(|&user| Alert {
                        kind: AlertKind::Offer(next.offer_count),
                        step: q.last_step.unwrap_or(0),
                        user,
                        reason: AudienceReason::Offered,
                    })
                    .collect();
            }
            next.offered_to = routing.offered;
            next.offer_expires_at = Some(now + settings.offer_ms());
        }
        RoutingPolicy::FirstToAccept if q.offer_expires_at.is_some() => {
            // The policy changed from round robin: the current offer simply stands.
            next.offer_expires_at = None;
        }
        _ => {}
    }
    let mut alerts = Vec::new();
    if let Some(step) = due_step(0, clock.waited_ms, q.last_step, settings.interval_ms()) {
        let who = audience(step, &next.offered_to, candidates);
        alerts = ladder_alerts(step, &who);
        decisions.push(Decision::Alerted {
            step,
            audience: who,
        });
        next.last_step = Some(step);
    }
    // Someone paged by the ladder right now needs no separate offer alert.
    offer_alerts.retain(|o| !alerts.iter().any(|a| a.user == o.user));
    alerts.extend(offer_alerts);
    if !q.breached && breached(0, clock.waited_ms, settings.target_ms()) {
        decisions.push(Decision::Breached {
            target_secs: settings.sla_target_secs,
        });
        next.breached = true;
    }
    Some(Advance {
        next,
        decisions,
        alerts,
    })
}

/// Midnight in the caller's time zone (`utc_offset_minutes` east of UTC), as unix milliseconds.
pub fn day_start(now: i64, utc_offset_minutes: i64) -> i64 {
    const DAY: i64 = 24 * 3600 * 1000;
    let offset = utc_offset_minutes.clamp(-14 * 60, 14 * 60) * 60_000;
    let local = now + offset;
    local - local.rem_euclid(DAY) - offset
}

/// "45 s", "2 min", "2 min 30 s".
pub fn format_secs(secs: i64) -> String {
    let (m, s) = (secs / 60, secs % 60);
    match (m, s) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

fn policy_text(policy: RoutingPolicy) -> String {
    match policy {
        RoutingPolicy::FirstToAccept => "first to accept".into(),
        RoutingPolicy::RoundRobin { offer_secs } => format!("round robin, {offer_secs} s"),
    }
}

/// One row of the conversation's event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub kind: &'static str,
    pub target: Option<UserId>,
    pub reason: String,
}

/// The event-log rows for `decisions`: one per person concerned, with the reason.
///
/// Kinds: `offered` (reason: the policy), `skipped` (away / offline / at capacity, n of m),
/// `no_operator`, `offer_expired`, `alerted` (reason: `step N: offered|available|operator|admin`),
/// `sla_breached`.
pub fn events(decisions: &[Decision]) -> Vec<EventRecord> {
    let mut out = Vec::new();
    for d in decisions {
        match d {
            Decision::Offered { to, policy } => {
                for &u in to {
                    out.push(EventRecord {
                        kind: "offered",
                        target: Some(u),
                        reason: policy_text(*policy),
                    });
                }
            }
            Decision::Skipped { user, reason } => out.push(EventRecord {
                kind: "skipped",
                target: Some(*user),
                reason: reason.describe(),
            }),
            Decision::NobodyToOffer => out.push(EventRecord {
                kind: "no_operator",
                target: None,
                reason: "nobody online, available and under capacity".into(),
            }),
            Decision::OfferExpired { user, after_secs } => out.push(EventRecord {
                kind: "offer_expired",
                target: Some(*user),
                reason: format!("not accepted within {after_secs} s"),
            }),
            Decision::Alerted { step, audience } => {
                for &(u, r) in audience {
                    out.push(EventRecord {
                        kind: "alerted",
                        target: Some(u),
                        reason: format!("step {step}: {}", r.as_str()),
                    });
                }
            }
            Decision::Breached { target_secs } => out.push(EventRecord {
                kind: "sla_breached",
                target: None,
                reason: format!("waited over {}", format_secs(i64::from(*target_secs))),
            }),
        }
    }
    out
}

/// The history lines for `decisions` (stored as system messages), given a way to name people:
/// first what routing did (offers that lapsed, whom it offered to or that nobody could take it,
/// whom it passed over, and on step 0 whom it alerted instead), then each ladder step and a
/// breach of the target. Worded for each reader by `text::history`, for example
/// `Offered to Ana, Ben (first to accept); skipped Cy (away)` or
/// `Still waiting after 2 min: alerted all available operators (Ana, Ben)`.
pub fn history_lines(
    decisions: &[Decision],
    interval_secs: u32,
    name: impl Fn(UserId) -> String,
) -> Vec<SystemLine> {
    let names = |ids: &mut dyn Iterator<Item = UserId>| Names::of(ids.map(&name).collect());
    let (mut expired, mut offers, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
    let mut fallback = None;
    let mut later = Vec::new();
    let mut nobody_offered = false;
    for d in decisions {
        match d {
            Decision::OfferExpired { user, after_secs } => expired.push(Expired {
                name: name(*user),
                after_secs: *after_secs,
            }),
            Decision::Offered { to, policy } => offers.push(Offer::To {
                names: names(&mut to.iter().copied()),
                policy: *policy,
            }),
            Decision::NobodyToOffer => {
                nobody_offered = true;
                offers.push(Offer::Nobody);
            }
            Decision::Skipped { user, reason } => skipped.push(Skipped {
                name: name(*user),
                reason: *reason,
            }),
            Decision::Alerted { step: 0, audience } => {
                if nobody_offered && !audience.is_empty() {
                    fallback = Some(names(&mut audience.iter().map(|a| a.0)));
                }
            }
            Decision::Alerted { step, audience } => later.push(SystemLine::StillWaiting {
                waited_secs: i64::from(*step) * i64::from(interval_secs),
                step: *step,
                alerted: names(&mut audience.iter().map(|a| a.0)),
            }),
            Decision::Breached { target_secs } => later.push(SystemLine::Breached {
                target_secs: *target_secs,
            }),
        }
    }
    let mut lines = Vec::new();
    if !(expired.is_empty() && offers.is_empty() && skipped.is_empty() && fallback.is_none()) {
        lines.push(SystemLine::Routing {
            expired,
            offers,
            skipped,
            fallback,
        });
    }
    lines.extend(later);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines as an English reader's chat shows them.
    fn english(lines: Vec<SystemLine>) -> Vec<String> {
        lines
            .iter()
            .map(|l| crate::text::history::line(crate::i18n::Locale::en, l))
            .collect()
    }

    const MIN: i64 = 60_000;

    fn op(id: UserId) -> Candidate {
        Candidate {
            id,
            is_admin: false,
            online: true,
            push_ready: false,
            available: true,
            load: 0,
            capacity: 5,
            last_offered_at: None,
        }
    }

    fn admin(id: UserId) -> Candidate {
        Candidate {
            is_admin: true,
            ..op(id)
        }
    }

    fn rr() -> QueueSettings {
        QueueSettings {
            policy: PolicyKind::RoundRobin,
            ..QueueSettings::default()
        }
    }

    fn ids(a: &[(UserId, AudienceReason)]) -> Vec<UserId> {
        a.iter().map(|x| x.0).collect()
    }

    fn name(id: UserId) -> String {
        ["", "Ana", "Ben", "Cy", "Dee", "Boss"][id as usize].to_string()
    }

    #[test]
    fn defaults_are_first_to_accept_with_two_minute_target_and_interval() {
        let s = QueueSettings::default();
        assert_eq!(s.routing(), RoutingPolicy::FirstToAccept);
        assert_eq!(
            (s.target_ms(), s.interval_ms(), s.offer_ms()),
            (2 * MIN, 2 * MIN, MIN)
        );
        // Older stored settings without some fields still read.
        let partial: QueueSettings = serde_json::from_str(r#"{"policy":"round_robin"}"#).unwrap();
        assert_eq!(
            partial.routing(),
            RoutingPolicy::RoundRobin { offer_secs: 60 }
        );
    }

    #[test]
    fn the_settings_form_is_checked_field_by_field() {
        let s = parse_queue_settings("round_robin", "45", "300", "60").unwrap();
        assert_eq!(s.routing(), RoutingPolicy::RoundRobin { offer_secs: 45 });
        assert_eq!((s.sla_target_secs, s.alert_interval_secs), (300, 60));
        let errs = parse_queue_settings("lottery", "5", "x", "10").unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "policy",
                "offer_secs",
                "sla_target_secs",
                "alert_interval_secs"
            ]
        );
    }

    #[test]
    fn away_offline_and_full_operators_are_skipped_with_the_reason() {
        let cands = [
            op(1),
            Candidate {
                available: false,
                ..op(2)
            },
            Candidate {
                online: false,
                push_ready: false,
                ..op(3)
            },
            Candidate { load: 5, ..op(4) },
        ];
        let r = route(RoutingPolicy::FirstToAccept, &cands, &[]);
        assert_eq!(r.offered, vec![1]);
        assert_eq!(
            r.skipped,
            vec![
                (2, SkipReason::Away),
                (3, SkipReason::Offline),
                (
                    4,
                    SkipReason::Full {
                        load: 5,
                        capacity: 5
                    }
                )
            ]
        );
        assert_eq!(r.skipped[2].1.describe(), "at capacity, 5 of 5");
        // Away wins over offline: it is the operator's own choice.
        let both = Candidate {
            available: false,
            online: false,
            push_ready: false,
            ..op(5)
        };
        assert_eq!(eligibility(&both), Err(SkipReason::Away));
    }

    #[test]
    fn a_phone_with_a_working_push_device_is_reachable_without_a_socket() {
        let pocket = Candidate {
            online: false,
            push_ready: true,
            ..op(1)
        };
        let gone = Candidate {
            online: false,
            push_ready: false,
            ..op(2)
        };
        let r = route(RoutingPolicy::FirstToAccept, &[pocket, gone], &[]);
        assert_eq!(r.offered, vec![1]);
        assert_eq!(r.skipped, vec![(2, SkipReason::Offline)]);
    }

    #[test]
    fn first_to_accept_offers_every_eligible_operator() {
        let r = route(RoutingPolicy::FirstToAccept, &[op(1), op(2), admin(5)], &[]);
        assert_eq!(r.offered, vec![1, 2, 5]);
    }

    #[test]
    fn round_robin_offers_the_least_recently_offered_and_moves_on() {
        let policy = RoutingPolicy::RoundRobin { offer_secs: 60 };
        let mut cands = vec![
            Candidate {
                last_offered_at: Some(300),
                ..op(1)
            },
            Candidate {
                last_offered_at: Some(100),
                ..op(2)
            },
            Candidate {
                last_offered_at: None,
                load: 5,
                ..op(3)
            },
            Candidate {
                last_offered_at: Some(200),
                ..op(4)
            },
        ];
        assert_eq!(route(policy, &cands, &[]).offered, vec![2]);
        // The expired holder is passed over while anyone else is eligible...
        assert_eq!(route(policy, &cands, &[2]).offered, vec![4]);
        // ... and offered again when nobody else is.
        assert_eq!(route(policy, &cands[1..3], &[2]).offered, vec![2]);
        // Never offered goes first, then the oldest account.
        cands[2].load = 0;
        assert_eq!(route(policy, &cands, &[]).offered, vec![3]);
        assert_eq!(route(policy, &[op(7), op(6)], &[]).offered, vec![6]);
        assert!(route(
            policy,
            &[Candidate {
                online: false,
                push_ready: false,
                ..op(1)
            }],
            &[]
        )
        .offered
        .is_empty());
    }

    #[test]
    fn a_fair_rotation_over_many_offers() {
        let policy = RoutingPolicy::RoundRobin { offer_secs: 60 };
        let mut cands = vec![op(1), op(2), op(3)];
        let mut got = Vec::new();
        for t in 0..6 {
            let who = route(policy, &cands, &[]).offered[0];
            got.push(who);
            cands
                .iter_mut()
                .find(|c| c.id == who)
                .unwrap()
                .last_offered_at = Some(t);
        }
        assert_eq!(got, [1, 2, 3, 1, 2, 3]);
    }

    #[test]
    fn steps_fall_due_every_interval_and_only_once() {
        let t0 = 1_000_000;
        assert_eq!(due_step(t0, t0, None, 2 * MIN), Some(0));
        assert_eq!(due_step(t0, t0, Some(0), 2 * MIN), None);
        assert_eq!(due_step(t0, t0 + 2 * MIN - 1, Some(0), 2 * MIN), None);
        assert_eq!(due_step(t0, t0 + 2 * MIN, Some(0), 2 * MIN), Some(1));
        assert_eq!(due_step(t0, t0 + 4 * MIN, Some(1), 2 * MIN), Some(2));
        // Down for a while: only the latest step.
        assert_eq!(due_step(t0, t0 + 11 * MIN, Some(1), 2 * MIN), Some(5));
        // A clock behind the escalation is step 0.
        assert_eq!(due_step(t0, t0 - 5, None, 2 * MIN), Some(0));
        assert!(!breached(t0, t0 + 2 * MIN, 2 * MIN));
        assert!(breached(t0, t0 + 2 * MIN + 1, 2 * MIN));
    }

    /// Operator 1 online and available, 2 offline, 3 away, and an away admin (5).
    fn ladder_candidates() -> [Candidate; 4] {
        [
            op(1),
            Candidate {
                online: false,
                push_ready: false,
                ..op(2)
            },
            Candidate {
                available: false,
                ..op(3)
            },
            Candidate {
                available: false,
                ..admin(5)
            },
        ]
    }

    #[test]
    fn audiences_widen_step_by_step() {
        let cands = ladder_candidates();
        assert_eq!(ids(&audience(0, &[1], &cands)), [1]);
        assert_eq!(ids(&audience(1, &[1], &cands)), [1, 2]);
        assert_eq!(ids(&audience(2, &[1], &cands)), [1, 2, 3]);
        assert_eq!(ids(&audience(3, &[1], &cands)), [1, 2, 3, 5]);
        assert_eq!(ids(&audience(7, &[1], &cands)), [1, 2, 3, 5]);
        let a = audience(3, &[1], &cands);
        assert_eq!(
            a.iter().map(|x| x.1).collect::<Vec<_>>(),
            [
                AudienceReason::Offered,
                AudienceReason::Available,
                AudienceReason::Operator,
                AudienceReason::Admin
            ]
        );
        // Nobody offered: step 0 falls back to everyone available.
        assert_eq!(ids(&audience(0, &[], &cands)), [1, 2]);
        // An offered account that was deactivated is no longer a candidate.
        assert_eq!(ids(&audience(0, &[9, 1], &cands)), [1]);
    }

    #[test]
    fn starting_routes_and_pages_step_zero() {
        let cands = [
            op(1),
            Candidate {
                available: false,
                ..op(3)
            },
        ];
        let a = start(&QueueSettings::default(), 100, &cands, 100);
        assert_eq!(a.next.offered_to, vec![1]);
        assert_eq!(
            (
                a.next.last_step,
                a.next.offer_expires_at,
                a.next.offer_count
            ),
            (Some(0), None, 1)
        );
        assert_eq!(
            a.decisions,
            vec![
                Decision::Offered {
                    to: vec![1],
                    policy: RoutingPolicy::FirstToAccept
                },
                Decision::Skipped {
                    user: 3,
                    reason: SkipReason::Away
                },
                Decision::Alerted {
                    step: 0,
                    audience: vec![(1, AudienceReason::Offered)]
                },
            ]
        );
        assert_eq!(a.alerts.len(), 1);
        assert_eq!(
            english(history_lines(&a.decisions, 120, name)),
            ["Offered to Ana (first to accept); skipped Cy (away)"]
        );
        let ev = events(&a.decisions);
        assert_eq!(
            ev.iter()
                .map(|e| (e.kind, e.target, e.reason.as_str()))
                .collect::<Vec<_>>(),
            [
                ("offered", Some(1), "first to accept"),
                ("skipped", Some(3), "away"),
                ("alerted", Some(1), "step 0: offered"),
            ]
        );
    }

    #[test]
    fn starting_late_pages_the_step_already_due() {
        let a = start(&QueueSettings::default(), 0, &[op(1), op(2)], 5 * MIN);
        assert_eq!(a.next.last_step, Some(2));
        assert!(a.next.breached);
        assert_eq!(
            english(history_lines(&a.decisions, 120, name)),
            [
                "Offered to Ana, Ben (first to accept)",
                "Still waiting after 4 min: alerted all operators (Ana, Ben)",
                "Waiting longer than the 2 min target",
            ]
        );
    }

    #[test]
    fn nobody_to_offer_alerts_everyone_available() {
        let cands = [
            Candidate {
                online: false,
                push_ready: false,
                ..op(1)
            },
            Candidate {
                online: false,
                push_ready: false,
                ..op(2)
            },
        ];
        let a = start(&QueueSettings::default(), 0, &cands, 0);
        assert!(a.next.offered_to.is_empty());
        assert_eq!(a.alerts.iter().map(|x| x.user).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(
            english(history_lines(&a.decisions, 120, name)),
            ["No operator to offer to; skipped Ana (offline), Ben (offline); alerted everyone available (Ana, Ben)"]
        );
    }

    #[test]
    fn the_ladder_advances_once_per_interval_and_flags_the_breach() {
        let s = QueueSettings::default();
        let cands = ladder_candidates();
        let mut q = start(&s, 0, &cands, 0).next;
        assert!(advance(&s, &q, &cands, MIN).is_none());
        let mut got = Vec::new();
        for minute in [2, 3, 4, 6, 7] {
            if let Some(a) = advance(&s, &q, &cands, minute * MIN) {
                got.push((
                    minute,
                    a.alerts
                        .iter()
                        .map(|x| (x.step, x.user))
                        .collect::<Vec<_>>(),
                    a.next.breached,
                ));
                q = a.next;
            }
        }
        assert_eq!(
            got,
            vec![
                (2, vec![(1, 1), (1, 2)], false),
                // The breach is flagged once, just after the target.
                (3, vec![], true),
                (4, vec![(2, 1), (2, 2), (2, 3)], true),
                (6, vec![(3, 1), (3, 2), (3, 3), (3, 5)], true),
            ]
        );
        assert_eq!(q.last_step, Some(3));
    }

    #[test]
    fn a_stopped_clock_routes_but_pages_nobody_until_it_runs() {
        let s = QueueSettings::default();
        let cands = [op(1), op(2)];
        let stopped = SlaClock {
            waited_ms: 0,
            running: false,
        };
        let a = start_on(&s, 0, &cands, 0, stopped);
        assert_eq!(a.next.offered_to, vec![1, 2]);
        assert_eq!(a.next.last_step, None);
        assert!(a.alerts.is_empty());
        assert!(!a
            .decisions
            .iter()
            .any(|d| matches!(d, Decision::Alerted { .. })));
        // All night: nothing, however long the wall-clock wait.
        assert!(advance_on(&s, &a.next, &cands, 10 * 3_600_000, stopped).is_none());
        // Opening: step 0 for the offered operators; the ladder then counts business time.
        let open = SlaClock {
            waited_ms: 0,
            running: true,
        };
        let b = advance_on(&s, &a.next, &cands, 11 * 3_600_000, open).unwrap();
        assert_eq!(b.next.last_step, Some(0));
        assert_eq!(ids_of(&b.alerts), vec![1, 2]);
        assert!(!b.next.breached);
        let later = SlaClock {
            waited_ms: 2 * MIN + 1,
            running: true,
        };
        let c = advance_on(&s, &b.next, &cands, 11 * 3_600_000 + 2 * MIN + 1, later).unwrap();
        assert_eq!(c.next.last_step, Some(1));
        assert!(c.next.breached);
    }

    fn ids_of(alerts: &[Alert]) -> Vec<UserId> {
        alerts.iter().map(|a| a.user).collect()
    }

    #[test]
    fn round_robin_moves_an_expired_offer_to_the_next_operator() {
        let s = rr();
        let mut cands = vec![
            op(1),
            op(2),
            Candidate {
                load: 5,
                capacity: 5,
                ..op(3)
            },
        ];
        let a = start(&s, 0, &cands, 0);
        assert_eq!(a.next.offered_to, vec![1]);
        assert_eq!(a.next.offer_expires_at, Some(MIN));
        assert_eq!(
            english(history_lines(&a.decisions, 120, name)),
            ["Offered to Ana for 60 s (round robin); skipped Cy (at capacity, 5 of 5)"]
        );
        cands[0].last_offered_at = Some(0);
        assert!(advance(&s, &a.next, &cands, MIN - 1).is_none());
        let b = advance(&s, &a.next, &cands, MIN).unwrap();
        assert_eq!(b.next.offered_to, vec![2]);
        assert_eq!(
            (b.next.offer_expires_at, b.next.offer_count),
            (Some(2 * MIN), 2)
        );
        assert_eq!(
            b.alerts,
            vec![Alert {
                kind: AlertKind::Offer(2),
                step: 0,
                user: 2,
                reason: AudienceReason::Offered
            }]
        );
        assert_eq!(
            english(history_lines(&b.decisions, 120, name)),
            ["Ana did not accept within 60 s; offered to Ben for 60 s (round robin); skipped Cy (at capacity, 5 of 5)"]
        );
        let kinds: Vec<_> = events(&b.decisions)
            .iter()
            .map(|e| (e.kind, e.target))
            .collect();
        assert_eq!(
            kinds,
            [
                ("offer_expired", Some(1)),
                ("offered", Some(2)),
                ("skipped", Some(3))
            ]
        );
        // Cy has room again: the next expiry goes to whoever waited longest for an offer.
        cands[1].last_offered_at = Some(MIN);
        cands[2].load = 4;
        let c = advance(&s, &b.next, &cands, 2 * MIN).unwrap();
        assert_eq!(c.next.offered_to, vec![3]);
        // The ladder's step 1 falls due at the same moment: Cy is paged once, by the ladder.
        assert_eq!(c.alerts.iter().filter(|x| x.user == 3).count(), 1);
        assert!(c.alerts.iter().all(|x| x.kind == AlertKind::Ladder));
    }

    #[test]
    fn round_robin_with_nobody_eligible_retries_quietly() {
        let s = rr();
        let away = [Candidate {
            available: false,
            ..op(1)
        }];
        let a = start(&s, 0, &away, 0);
        assert!(a.next.offered_to.is_empty());
        let b = advance(&s, &a.next, &away, MIN).unwrap();
        assert!(b.decisions.is_empty() && b.alerts.is_empty());
        assert_eq!(b.next.offer_expires_at, Some(2 * MIN));
        // Someone comes back: they get the offer.
        let back = [op(1)];
        let c = advance(&s, &b.next, &back, 2 * MIN).unwrap();
        assert_eq!(c.next.offered_to, vec![1]);
    }

    #[test]
    fn switching_to_first_to_accept_drops_the_offer_timer() {
        let a = start(&rr(), 0, &[op(1), op(2)], 0);
        let b = advance(&QueueSettings::default(), &a.next, &[op(1), op(2)], 1).unwrap();
        assert_eq!(b.next.offer_expires_at, None);
        assert_eq!(b.next.offered_to, vec![1]);
        assert!(b.decisions.is_empty());
    }

    #[test]
    fn long_lists_of_names_are_cut() {
        let cands: Vec<Candidate> = (1..=9).map(op).collect();
        let a = start(&QueueSettings::default(), 0, &cands, 0);
        let lines = english(history_lines(&a.decisions, 120, |id| format!("op{id}")));
        assert_eq!(
            lines,
            ["Offered to op1, op2, op3, op4, op5, 4 more (first to accept)"]
        );
        let six = start(&QueueSettings::default(), 0, &cands[..6], 0);
        let lines = english(history_lines(&six.decisions, 120, |id| format!("op{id}")));
        assert_eq!(
            lines,
            ["Offered to op1, op2, op3, op4, op5, op6 (first to accept)"]
        );
    }

    #[test]
    fn the_day_starts_at_local_midnight() {
        // 2026-11-21 10:00 UTC.
        let now = 1_795_255_200_000;
        assert_eq!(day_start(now, 0), 1_795_219_200_000);
        // UTC+2: local midnight is 22:00 UTC the day before.
        assert_eq!(day_start(now, 120), 1_795_219_200_000 - 2 * 3_600_000);
        // UTC-11 at 10:00 UTC is 23:00 the day before, local.
        assert_eq!(
            day_start(now, -660),
            1_795_219_200_000 - 86_400_000 + 11 * 3_600_000
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_secs(45), "45 s");
        assert_eq!(format_secs(120), "2 min");
        assert_eq!(format_secs(150), "2 min 30 s");
    }
}
