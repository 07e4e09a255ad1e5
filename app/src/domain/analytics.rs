//! Analytics: what each measure counts, the facts that feed them, and the page's period and filter.
//!
//! The numbers come from facts (`analytics_facts`) and hourly message counts (`analytics_hours`)
//! written when things happen, never from the conversations and messages themselves, so they
//! survive the retention job deleting old closed conversations. A "conversation" here is a
//! stretch of a customer's thread (see [`super::contact`]): from the thread's first message, or a
//! reopening, to its close. Times are unix ms; days are UTC days.
//!
//! The measures, for a period `[from, to)` and a channel filter:
//! - conversations: stretches that began in the period;
//! - customer messages, bot replies: messages written in the period (every message the bot sent:
//!   scenario answers, the external bot's answers, fallbacks, handoff confirmations);
//! - bot resolution rate: of the stretches that began in the period, the share never handed to a
//!   person (no escalation, no take-over from the bot) so far;
//! - handoff rate by reason: of the same stretches, the share whose first handoff had that reason;
//! - time to first human reply: handoff (escalation or take-over from the bot) to the first
//!   operator message after it, for first replies written in the period;
//! - time waiting in the queue: escalation to a person taking the conversation (accepted, or taken
//!   over from the queue), for waits that ended in the period;
//! - resolution time: a stretch's start to its close, for stretches closed in the period;
//! - SLA hit rate: the share of those waits no longer than the waiting target;
//! - CSAT: positive answers (score 4 or 5) / answers, and response rate: answers / surveys asked
//!   or answered (skipped surveys were never sent), for surveys created in the period;
//! - per operator: conversations they took (accepted or took over), the median time from taking
//!   a conversation to their first reply, the median time from taking one to closing it, CSAT;
//! - per scenario: bot replies from it in the period, and how many of those were followed by a
//!   handoff in the same stretch;
//! - low confidence: handoffs because the external bot's confidence was below the threshold.
//!
//! Medians and 90th percentiles are nearest-rank: the value at position ceil(q·n) of the sorted
//! list (the lower middle value for an even count).

use super::ownership::OwnerState;
use crate::dto::Channel;
use serde::{Deserialize, Serialize};

pub const DAY_MS: i64 = 86_400_000;
pub const HOUR_MS: i64 = 3_600_000;
/// The longest custom period, in days.
pub const MAX_DAYS: i64 = 366;
/// How many low-confidence handoffs the page lists.
pub const LOW_CONFIDENCE_ROWS: i64 = 50;

/// The handoff reasons the page names first, in this order; others follow as they occur.
pub const MAIN_REASONS: [&str; 6] = [
    "keyword",
    "no_match",
    "low_confidence",
    "bot_failed",
    "ai_off",
    "paused",
];

/// The period picker's choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RangeKind {
    Today,
    Week,
    Month,
    Custom,
}

impl RangeKind {
    pub const ALL: [RangeKind; 4] = [Self::Today, Self::Week, Self::Month, Self::Custom];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Today => "today",
            Self::Week => "7d",
            Self::Month => "30d",
            Self::Custom => "custom",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Days a preset spans, today included.
    pub fn days(self) -> Option<i64> {
        match self {
            Self::Today => Some(1),
            Self::Week => Some(7),
            Self::Month => Some(30),
            Self::Custom => None,
        }
    }
}

/// What the page shows, as its URL query says (`?range=7d&channel=web`, or
/// `?range=custom&from=2026-12-01&to=2026-12-06`): shareable, and a plain GET form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyticsQuery {
    pub range: RangeKind,
    /// Custom range: first and last day (`YYYY-MM-DD`, both included).
    pub from: String,
    pub to: String,
    pub channel: Option<Channel>,
}

impl Default for AnalyticsQuery {
    fn default() -> Self {
        Self {
            range: RangeKind::Week,
            from: String::new(),
            to: String::new(),
            channel: None,
        }
    }
}

impl AnalyticsQuery {
    /// Reads the query from `get(name)`; anything unknown falls back to the defaults.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let range = get("range")
            .and_then(|r| RangeKind::parse(&r))
            .unwrap_or(RangeKind::Week);
        let day = |k: &str| {
            get(k)
                .map(|d| d.trim().to_string())
                .filter(|d| parse_day(d).is_some())
                .unwrap_or_default()
        };
        Self {
            range,
            from: if range == RangeKind::Custom {
                day("from")
            } else {
                String::new()
            },
            to: if range == RangeKind::Custom {
                day("to")
            } else {
                String::new()
            },
            channel: get("channel").and_then(|c| Channel::parse(&c)),
        }
    }

    /// The query string (with its `?`) that shows this selection.
    pub fn to_query(&self) -> String {
        let mut q = format!("?range={}", self.range.as_str());
        if self.range == RangeKind::Custom {
            q.push_str(&format!("&from={}&to={}", self.from, self.to));
        }
        if let Some(c) = self.channel {
            q.push_str(&format!("&channel={}", c.as_str()));
        }
        q
    }

    /// The period `[from, to)` in unix ms at `now`, in whole days of the business's time zone
    /// (`offset`: its UTC offset in ms, as of now). A custom range with a day missing or reversed
    /// is read as far as it makes sense (a missing end is today, a missing start is the end;
    /// reversed days are swapped; at most [`MAX_DAYS`]).
    pub fn period(&self, now: i64, offset: i64) -> Period {
        let today = (now + offset).div_euclid(DAY_MS);
        let (first, last) = match self.range.days() {
            Some(n) => (today - n + 1, today),
            None => {
                let to = parse_day(&self.to).unwrap_or(today);
                let from = parse_day(&self.from).unwrap_or(to);
                let (a, b) = if from <= to { (from, to) } else { (to, from) };
                (a.max(b - MAX_DAYS + 1), b)
            }
        };
        Period {
            from: first * DAY_MS - offset,
            to: (last + 1) * DAY_MS - offset,
            offset,
        }
    }
}

/// A half-open span of time `[from, to)`, unix ms: whole days of the business's time zone, whose
/// UTC offset (ms) is `offset` (its offset when the report was made: a daylight-saving change
/// inside the period moves that part by an hour).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: i64,
    pub to: i64,
    pub offset: i64,
}

impl Period {
    /// The period of the same length just before this one.
    pub fn previous(self) -> Period {
        Period {
            from: 2 * self.from - self.to,
            to: self.from,
            offset: self.offset,
        }
    }

    /// The business day (days since 1970-01-01, in its time zone) of a unix ms time.
    pub fn day_of(self, at: i64) -> i64 {
        (at + self.offset).div_euclid(DAY_MS)
    }

    /// The first day of the period and the day after its last.
    pub fn day_span(self) -> (i64, i64) {
        (self.day_of(self.from), self.day_of(self.to))
    }

    pub fn days(self) -> i64 {
        (self.to - self.from) / DAY_MS
    }

    pub fn contains(self, at: i64) -> bool {
        at >= self.from && at < self.to
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian), if it is one.
pub fn parse_day(s: &str) -> Option<i64> {
    let mut parts = s.splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || d < 1 || d > month_days(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// `YYYY-MM-DD` of a day number (days since 1970-01-01).
pub fn format_day(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn month_days(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Weekday of a unix ms time: 0 = Monday ... 6 = Sunday (UTC; add the offset for local time).
pub fn weekday(at: i64) -> usize {
    // 1970-01-01 was a Thursday.
    ((at.div_euclid(DAY_MS) + 3).rem_euclid(7)) as usize
}

/// Hour of the day (UTC; add the offset for local time) of a unix ms time.
pub fn hour(at: i64) -> usize {
    (at.rem_euclid(DAY_MS) / HOUR_MS) as usize
}

/// The nearest-rank `q` quantile (0 < q <= 1) of `sorted` (ascending); `None` when empty.
pub fn percentile(sorted: &[i64], q: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// How many durations, their median and 90th percentile (ms).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spread {
    pub count: i64,
    pub median: Option<i64>,
    pub p90: Option<i64>,
}

impl Spread {
    pub fn of(mut values: Vec<i64>) -> Self {
        values.sort_unstable();
        Self {
            count: values.len() as i64,
            median: percentile(&values, 0.5),
            p90: percentile(&values, 0.9),
        }
    }
}

/// The conversation as it was just before an ownership change: what its facts need.
#[derive(Debug, Clone, PartialEq)]
pub struct Before {
    pub owner: OwnerState,
    pub created_at: i64,
    /// The current stretch's start, `None` when no fact recorded it yet.
    pub stretch_at: Option<i64>,
    pub stretch_handed: bool,
    pub waiting_since: Option<i64>,
    pub assigned_at: Option<i64>,
    pub reply_due_at: Option<i64>,
}

/// One fact to append (see the migration `20261207000003_analytics.sql` for the kinds).
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub kind: &'static str,
    pub at: i64,
    pub stretch_at: i64,
    pub reason: Option<String>,
    pub operator_id: Option<i64>,
    pub confidence: Option<f64>,
    pub duration_ms: Option<i64>,
    pub handled_ms: Option<i64>,
    pub first_handoff: bool,
}

impl Fact {
    fn new(kind: &'static str, at: i64, stretch_at: i64) -> Self {
        Self {
            kind,
            at,
            stretch_at,
            reason: None,
            operator_id: None,
            confidence: None,
            duration_ms: None,
            handled_ms: None,
            first_handoff: false,
        }
    }
}

/// What an ownership change records: its facts, and the conversation's stretch fields after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub facts: Vec<Fact>,
    pub stretch_at: i64,
    pub stretch_handed: bool,
    pub reply_due_at: Option<i64>,
    /// The change handed the stretch to people: earlier scenario replies in it were followed by
    /// a handoff.
    pub handoff: bool,
}

/// The reason a take-over from the bot is filed under.
pub const TAKEN_OVER: &str = "taken_over";

/// The facts of the ownership change `kind` (`ownership::Transition::event_kind`) made at `now`
/// by `actor` (to `target` for a transfer), with the escalation code and the external bot's
/// confidence when it escalated for that.
pub fn on_change(
    b: &Before,
    kind: &str,
    actor: Option<i64>,
    target: Option<i64>,
    escalation: Option<&str>,
    confidence: Option<f64>,
    now: i64,
) -> Recorded {
    let mut facts = Vec::new();
    let mut stretch = match b.stretch_at {
        Some(s) => s,
        None => {
            facts.push(Fact::new("opened", b.created_at, b.created_at));
            b.created_at
        }
    };
    let mut handed = b.stretch_handed;
    let mut reply_due = b.reply_due_at;
    let mut handoff = false;
    let waited = match b.owner {
        OwnerState::Waiting => b.waiting_since.map(|w| now - w),
        _ => None,
    };
    match kind {
        "reopened" => {
            stretch = now;
            handed = false;
            reply_due = None;
            facts.push(Fact::new("opened", now, now));
        }
        "escalated" => {
            let mut f = Fact::new("escalated", now, stretch);
            f.reason = Some(escalation.unwrap_or("other").to_string());
            f.confidence = confidence;
            f.first_handoff = !handed;
            facts.push(f);
            handed = true;
            handoff = true;
            reply_due = Some(now);
        }
        "taken_over" | "accepted" => {
            let kind = if kind == "accepted" {
                "accepted"
            } else {
                "taken_over"
            };
            let mut f = Fact::new(kind, now, stretch);
            f.operator_id = actor;
            f.duration_ms = waited;
            if b.owner == OwnerState::Bot {
                f.reason = Some(TAKEN_OVER.to_string());
                f.first_handoff = !handed;
                handed = true;
                handoff = true;
                reply_due = Some(now);
            }
            facts.push(f);
        }
        "transferred" => {
            let mut f = Fact::new("transferred", now, stretch);
            f.operator_id = target;
            facts.push(f);
        }
        "closed" => {
            let mut f = Fact::new("closed", now, stretch);
            f.operator_id = actor;
            f.duration_ms = Some(now - stretch);
            f.handled_ms = match b.owner {
                OwnerState::Assigned => b.assigned_at.map(|a| now - a),
                _ => None,
            };
            facts.push(f);
            reply_due = None;
        }
        "returned" => {
            let mut f = Fact::new("returned", now, stretch);
            f.operator_id = actor;
            facts.push(f);
            reply_due = None;
        }
        "released" => {
            let mut f = Fact::new("released", now, stretch);
            f.operator_id = actor;
            facts.push(f);
        }
        _ => {}
    }
    Recorded {
        facts,
        stretch_at: stretch,
        stretch_handed: handed,
        reply_due_at: reply_due,
        handoff,
    }
}

/// The `first_reply` fact of an operator's message at `now`, when a human reply was due (since
/// the handoff at `reply_due_at`); `assigned_at` is when the writer took the conversation.
pub fn on_operator_reply(
    reply_due_at: Option<i64>,
    assigned_at: Option<i64>,
    stretch_at: i64,
    operator: i64,
    now: i64,
) -> Option<Fact> {
    let due = reply_due_at?;
    let mut f = Fact::new("first_reply", now, stretch_at);
    f.operator_id = Some(operator);
    f.duration_ms = Some(now - due);
    f.handled_ms = assigned_at.map(|a| now - a);
    Some(f)
}

/// The flow facts of one kind (`accepted`, `taken_over`, `first_reply`, `closed`),
/// operator and business day of a period, as the report reads them back: how many there were and
/// the durations they carry (the storage groups them so that a long history is read as a few
/// hundred rows, not one per fact).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowGroup {
    pub kind: String,
    pub operator_id: Option<i64>,
    /// The business day (see [`Period::day_of`]).
    pub day: i64,
    pub count: i64,
    /// The facts' `duration_ms` (those that have one).
    pub durations: Vec<i64>,
    /// The facts' `handled_ms` (those that have one).
    pub handled: Vec<i64>,
}

impl FlowGroup {
    fn is(&self, kinds: &[&str]) -> bool {
        kinds.contains(&self.kind.as_str())
    }
}

/// The kinds of fact whose duration is a wait in the queue.
const WAIT_KINDS: [&str; 2] = ["accepted", "taken_over"];

/// CSAT counts (see the module notes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Csat {
    pub asked: i64,
    pub answered: i64,
    pub positive: i64,
}

impl Csat {
    /// Positive answers / answers, in percent.
    pub fn score(self) -> Option<f64> {
        ratio(self.positive, self.answered)
    }

    /// Answers / surveys sent (asked or answered), in percent.
    pub fn response_rate(self) -> Option<f64> {
        ratio(self.answered, self.asked + self.answered)
    }
}

/// `part / whole` in percent, `None` for an empty whole.
pub fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
}

/// Every headline number of one period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Numbers {
    pub conversations: i64,
    pub customer_messages: i64,
    pub bot_replies: i64,
    /// Stretches that began in the period and were handed to a person.
    pub handed_off: i64,
    pub first_reply: Spread,
    pub waiting: Spread,
    pub resolution: Spread,
    /// Waits no longer than the target, of `waiting.count`.
    pub sla_hits: i64,
    pub csat: Csat,
}

impl Numbers {
    pub fn bot_resolved(&self) -> i64 {
        self.conversations - self.handed_off
    }

    pub fn bot_resolution_rate(&self) -> Option<f64> {
        ratio(self.bot_resolved(), self.conversations)
    }

    pub fn sla_rate(&self) -> Option<f64> {
        ratio(self.sla_hits, self.waiting.count)
    }
}

/// The flow measures of one period from its fact groups: first replies, waits, resolutions, SLA.
pub fn flow_numbers(groups: &[FlowGroup], sla_target_ms: i64, n: &mut Numbers) {
    let durations = |kinds: &[&str]| -> Vec<i64> {
        groups
            .iter()
            .filter(|g| g.is(kinds))
            .flat_map(|g| g.durations.iter().copied())
            .collect()
    };
    let waits = durations(&WAIT_KINDS);
    n.sla_hits = waits.iter().filter(|w| **w <= sla_target_ms).count() as i64;
    n.waiting = Spread::of(waits);
    n.first_reply = Spread::of(durations(&["first_reply"]));
    n.resolution = Spread::of(durations(&["closed"]));
}

/// A headline measure (the summary table's rows, in order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Measure {
    Conversations,
    CustomerMessages,
    BotReplies,
    BotResolution,
    HandoffRate,
    FirstReplyMedian,
    FirstReplyP90,
    WaitingMedian,
    WaitingP90,
    ResolutionMedian,
    ResolutionP90,
    Sla,
    Csat,
    CsatResponse,
}

/// A measure's value: a count, a percentage, or a duration in ms (`None`: nothing to measure).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Count(i64),
    Percent(Option<f64>),
    Duration(Option<i64>),
}

impl Measure {
    pub const ALL: [Measure; 14] = [
        Self::Conversations,
        Self::CustomerMessages,
        Self::BotReplies,
        Self::BotResolution,
        Self::HandoffRate,
        Self::FirstReplyMedian,
        Self::FirstReplyP90,
        Self::WaitingMedian,
        Self::WaitingP90,
        Self::ResolutionMedian,
        Self::ResolutionP90,
        Self::Sla,
        Self::Csat,
        Self::CsatResponse,
    ];

    /// This measure's value in `n`.
    pub fn of(self, n: &Numbers) -> Value {
        match self {
            Self::Conversations => Value::Count(n.conversations),
            Self::CustomerMessages => Value::Count(n.customer_messages),
            Self::BotReplies => Value::Count(n.bot_replies),
            Self::BotResolution => Value::Percent(n.bot_resolution_rate()),
            Self::HandoffRate => Value::Percent(ratio(n.handed_off, n.conversations)),
            Self::FirstReplyMedian => Value::Duration(n.first_reply.median),
            Self::FirstReplyP90 => Value::Duration(n.first_reply.p90),
            Self::WaitingMedian => Value::Duration(n.waiting.median),
            Self::WaitingP90 => Value::Duration(n.waiting.p90),
            Self::ResolutionMedian => Value::Duration(n.resolution.median),
            Self::ResolutionP90 => Value::Duration(n.resolution.p90),
            Self::Sla => Value::Percent(n.sla_rate()),
            Self::Csat => Value::Percent(n.csat.score()),
            Self::CsatResponse => Value::Percent(n.csat.response_rate()),
        }
    }

    /// A stable name (CSV, test ids).
    pub fn code(self) -> &'static str {
        match self {
            Self::Conversations => "conversations",
            Self::CustomerMessages => "customer_messages",
            Self::BotReplies => "bot_replies",
            Self::BotResolution => "bot_resolution",
            Self::HandoffRate => "handoff_rate",
            Self::FirstReplyMedian => "first_reply_median",
            Self::FirstReplyP90 => "first_reply_p90",
            Self::WaitingMedian => "waiting_median",
            Self::WaitingP90 => "waiting_p90",
            Self::ResolutionMedian => "resolution_median",
            Self::ResolutionP90 => "resolution_p90",
            Self::Sla => "sla",
            Self::Csat => "csat",
            Self::CsatResponse => "csat_response",
        }
    }
}

impl Value {
    /// The value as a spreadsheet reads it: a count, a percentage with one decimal, or seconds;
    /// empty for none.
    pub fn plain(self) -> String {
        match self {
            Value::Count(n) => n.to_string(),
            Value::Percent(p) => p.map(|p| format!("{p:.1}")).unwrap_or_default(),
            Value::Duration(d) => d.map(|ms| (ms / 1000).to_string()).unwrap_or_default(),
        }
    }
}

/// Per operator: conversations taken, median first reply and median resolution (ms), CSAT.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OperatorRow {
    pub operator_id: i64,
    pub name: String,
    pub accepted: i64,
    pub first_reply_median: Option<i64>,
    pub resolution_median: Option<i64>,
    pub csat: Csat,
}

/// The per-operator rows (without names and CSAT), by operator id.
pub fn operator_rows(groups: &[FlowGroup]) -> Vec<OperatorRow> {
    use std::collections::BTreeMap;
    let mut by: BTreeMap<i64, (i64, Vec<i64>, Vec<i64>)> = BTreeMap::new();
    for g in groups {
        let Some(op) = g.operator_id else { continue };
        match g.kind.as_str() {
            "accepted" | "taken_over" => by.entry(op).or_default().0 += g.count,
            "first_reply" => by.entry(op).or_default().1.extend(&g.handled),
            "closed" => by.entry(op).or_default().2.extend(&g.handled),
            _ => {}
        }
    }
    by.into_iter()
        .map(|(operator_id, (accepted, replies, closes))| OperatorRow {
            operator_id,
            accepted,
            first_reply_median: Spread::of(replies).median,
            resolution_median: Spread::of(closes).median,
            ..Default::default()
        })
        .collect()
}

/// Handoffs by weekday (0 = Monday) and hour, in the business's time, from handoffs per hour
/// number (hours since 1970-01-01 in the business's time zone).
pub fn heatmap(per_hour: &[(i64, i64)]) -> [[i64; 24]; 7] {
    let mut grid = [[0i64; 24]; 7];
    for (h, n) in per_hour {
        let at = h * HOUR_MS;
        grid[weekday(at)][hour(at)] += n;
    }
    grid
}

/// Handoffs of the stretches that began in a period: how many, by reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonRow {
    pub reason: String,
    pub count: i64,
    pub previous: i64,
}

/// The reason rows: the main reasons always, in their order, then any other that occurred.
pub fn reason_rows(now: &[(String, i64)], before: &[(String, i64)]) -> Vec<ReasonRow> {
    let get = |list: &[(String, i64)], r: &str| {
        list.iter()
            .filter(|(x, _)| x == r)
            .map(|(_, n)| n)
            .sum::<i64>()
    };
    let mut reasons: Vec<String> = MAIN_REASONS.iter().map(|r| r.to_string()).collect();
    let mut others: Vec<String> = now
        .iter()
        .chain(before)
        .map(|(r, _)| r.clone())
        .filter(|r| !reasons.contains(r))
        .collect();
    others.sort();
    others.dedup();
    reasons.extend(others);
    reasons
        .into_iter()
        .map(|r| ReasonRow {
            count: get(now, &r),
            previous: get(before, &r),
            reason: r,
        })
        .collect()
}

/// One day of the period: its conversations (bot-resolved and handed off) and waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRow {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub conversations: i64,
    pub handed_off: i64,
    pub wait_median: Option<i64>,
    pub wait_p90: Option<i64>,
}

/// The day rows of `period` from conversations and handoffs per day number and the waits.
pub fn day_rows(
    period: Period,
    opened: &[(i64, i64)],
    handed: &[(i64, i64)],
    groups: &[FlowGroup],
) -> Vec<DayRow> {
    let (first, end) = period.day_span();
    (first..end)
        .map(|day| {
            let count =
                |list: &[(i64, i64)]| list.iter().filter(|(d, _)| *d == day).map(|(_, n)| n).sum();
            let waits = Spread::of(
                groups
                    .iter()
                    .filter(|g| g.day == day && g.is(&WAIT_KINDS))
                    .flat_map(|g| g.durations.iter().copied())
                    .collect(),
            );
            DayRow {
                day: format_day(day),
                conversations: count(opened),
                handed_off: count(handed),
                wait_median: waits.median,
                wait_p90: waits.p90,
            }
        })
        .collect()
}

/// One scenario's matches in the period and how many were followed by a handoff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioRow {
    pub scenario_id: i64,
    /// `None` for a scenario deleted since.
    pub name: Option<String>,
    pub matches: i64,
    pub handoffs: i64,
}

/// A handoff because the external bot was unsure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LowConfidenceRow {
    pub at: i64,
    pub conversation_id: i64,
    pub channel: String,
    pub confidence: Option<f64>,
}

/// The whole page's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsReport {
    pub query: AnalyticsQuery,
    pub period: Period,
    pub now: Numbers,
    pub previous: Numbers,
    pub sla_target_secs: u32,
    pub reasons: Vec<ReasonRow>,
    pub operators: Vec<OperatorRow>,
    pub scenarios: Vec<ScenarioRow>,
    pub low_confidence: Vec<LowConfidenceRow>,
    pub days: Vec<DayRow>,
    pub heatmap: Vec<Vec<i64>>,
    pub charts: Charts,
}

/// The charts, as SVG documents drawn on the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charts {
    pub conversations: String,
    pub waits: String,
    pub heatmap: String,
}

/// The tables the page offers as CSV (`/analytics/export/<name>.csv`).
pub const TABLES: [&str; 6] = [
    "summary",
    "reasons",
    "operators",
    "scenarios",
    "low_confidence",
    "days",
];

/// A text cell made safe for spreadsheets: one that would start a formula (`=`, `+`, `-`, `@`,
/// a tab or a carriage return) gets a leading `'` so it is read as text.
pub fn csv_text(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn before(owner: OwnerState) -> Before {
        Before {
            owner,
            created_at: 1_000,
            stretch_at: Some(1_000),
            stretch_handed: false,
            waiting_since: None,
            assigned_at: None,
            reply_due_at: None,
        }
    }

    #[test]
    fn days_round_trip_and_bad_dates_are_refused() {
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(parse_day("2026-12-07"), Some(20_794));
        assert_eq!(format_day(20_794), "2026-12-07");
        assert_eq!(
            parse_day("2024-02-29").map(format_day),
            Some("2024-02-29".into())
        );
        assert_eq!(parse_day("2025-02-29"), None);
        assert_eq!(parse_day("2026-13-01"), None);
        assert_eq!(parse_day("yesterday"), None);
        // 2026-12-07 is a Monday.
        assert_eq!(weekday(20_794 * DAY_MS + 5 * HOUR_MS), 0);
        assert_eq!(hour(20_794 * DAY_MS + 5 * HOUR_MS + 59_999), 5);
    }

    fn group(kind: &str, operator_id: Option<i64>, day: i64, durations: &[i64]) -> FlowGroup {
        FlowGroup {
            kind: kind.into(),
            operator_id,
            day,
            count: durations.len() as i64,
            durations: durations.to_vec(),
            handled: durations.iter().map(|d| d / 2).collect(),
        }
    }

    #[test]
    fn grouped_facts_give_the_same_measures_as_one_list() {
        let groups = [
            group("accepted", Some(2), 10, &[30_000, 10_000]),
            group("accepted", Some(3), 11, &[50_000]),
            FlowGroup {
                count: 1,
                ..group("taken_over", Some(3), 11, &[])
            },
            group("first_reply", Some(2), 10, &[4_000, 2_000, 8_000]),
            group("closed", Some(3), 11, &[100_000]),
            group("closed", None, 11, &[60_000, 20_000]),
        ];
        let mut n = Numbers::default();
        flow_numbers(&groups, 30_000, &mut n);
        // Waits 10, 30, 50 s: the take-over without a wait counts as taken but has no wait.
        assert_eq!(
            n.waiting,
            Spread {
                count: 3,
                median: Some(30_000),
                p90: Some(50_000)
            }
        );
        assert_eq!(n.sla_hits, 2);
        assert_eq!(n.first_reply.median, Some(4_000));
        assert_eq!(
            n.resolution,
            Spread {
                count: 3,
                median: Some(60_000),
                p90: Some(100_000)
            }
        );
        let ops = operator_rows(&groups);
        assert_eq!(
            ops.iter()
                .map(|r| (
                    r.operator_id,
                    r.accepted,
                    r.first_reply_median,
                    r.resolution_median
                ))
                .collect::<Vec<_>>(),
            [(2, 2, Some(2_000), None), (3, 2, None, Some(50_000))]
        );
        let period = Period {
            from: 10 * DAY_MS,
            to: 12 * DAY_MS,
            offset: 0,
        };
        let days = day_rows(period, &[(10, 4)], &[(11, 1)], &groups);
        assert_eq!(
            days.iter()
                .map(|d| (d.conversations, d.handed_off, d.wait_median, d.wait_p90))
                .collect::<Vec<_>>(),
            [
                (4, 0, Some(10_000), Some(30_000)),
                (0, 1, Some(50_000), Some(50_000))
            ]
        );
    }

    #[test]
    fn the_heatmap_places_each_local_hour() {
        // Monday 2026-12-07 05:00 and Sunday 2026-12-06 23:00, business time.
        let monday_five = 20_794 * 24 + 5;
        let grid = heatmap(&[(monday_five, 3), (monday_five - 6, 2), (monday_five, 1)]);
        assert_eq!(grid[0][5], 4);
        assert_eq!(grid[6][23], 2);
        assert_eq!(grid.iter().flatten().sum::<i64>(), 6);
    }

    #[test]
    fn periods_are_whole_days_and_the_previous_one_is_as_long() {
        let now = 20_794 * DAY_MS + 10 * HOUR_MS;
        let q = AnalyticsQuery::from_params(|k| (k == "range").then(|| "7d".to_string()));
        let p = q.period(now, 0);
        assert_eq!(
            p,
            Period {
                from: 20_788 * DAY_MS,
                to: 20_795 * DAY_MS,
                offset: 0,
            }
        );
        assert_eq!(
            p.previous(),
            Period {
                from: 20_781 * DAY_MS,
                to: 20_788 * DAY_MS,
                offset: 0,
            }
        );
        // In Mexico City (UTC-6) 03:00 UTC is 21:00 the evening before: "today" is that day,
        // from its local midnight (06:00 UTC) to the next.
        let mx = -6 * HOUR_MS;
        let today = AnalyticsQuery::from_params(|k| (k == "range").then(|| "today".to_string()));
        let p = today.period(20_794 * DAY_MS + 3 * HOUR_MS, mx);
        assert_eq!(
            (p.from, p.to, p.day_span()),
            (
                20_793 * DAY_MS + 6 * HOUR_MS,
                20_794 * DAY_MS + 6 * HOUR_MS,
                (20_793, 20_794)
            )
        );
        assert_eq!(p.day_of(20_794 * DAY_MS + 5 * HOUR_MS), 20_793);
        assert_eq!(p.day_of(20_794 * DAY_MS + 6 * HOUR_MS), 20_794);
        let custom = AnalyticsQuery::from_params(|k| match k {
            "range" => Some("custom".into()),
            "from" => Some("2026-12-06".into()),
            "to" => Some("2026-12-01".into()),
            "channel" => Some("web".into()),
            _ => None,
        });
        assert_eq!(
            custom.to_query(),
            "?range=custom&from=2026-12-06&to=2026-12-01&channel=web"
        );
        let p = custom.period(now, 0);
        assert_eq!(
            (p.from / DAY_MS, p.to / DAY_MS, p.days()),
            (20_788, 20_794, 6)
        );
        let odd = AnalyticsQuery::from_params(|k| (k == "range").then(|| "forever".to_string()));
        assert_eq!(odd, AnalyticsQuery::default());
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7], 0.9), Some(7));
        assert_eq!(percentile(&[1, 2, 3, 4], 0.5), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4, 5], 0.5), Some(3));
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&ten, 0.9), Some(9));
        assert_eq!(
            Spread::of(vec![30, 10, 20]),
            Spread {
                count: 3,
                median: Some(20),
                p90: Some(30)
            }
        );
    }

    #[test]
    fn a_first_escalation_is_the_stretchs_handoff_and_a_reply_becomes_due() {
        let r = on_change(
            &before(OwnerState::Bot),
            "escalated",
            None,
            None,
            Some("keyword"),
            None,
            5_000,
        );
        assert_eq!(r.facts.len(), 1);
        assert_eq!(r.facts[0].reason.as_deref(), Some("keyword"));
        assert!(r.facts[0].first_handoff && r.handoff && r.stretch_handed);
        assert_eq!(r.reply_due_at, Some(5_000));
        let mut again = before(OwnerState::Bot);
        again.stretch_handed = true;
        let r = on_change(&again, "escalated", None, None, None, None, 6_000);
        assert!(!r.facts[0].first_handoff);
        assert_eq!(r.facts[0].reason.as_deref(), Some("other"));
    }

    #[test]
    fn accepting_records_the_wait_and_closing_the_stretchs_length() {
        let mut b = before(OwnerState::Waiting);
        b.waiting_since = Some(5_000);
        let r = on_change(&b, "accepted", Some(7), None, None, None, 65_000);
        assert_eq!(r.facts[0].duration_ms, Some(60_000));
        assert_eq!(r.facts[0].operator_id, Some(7));
        assert!(!r.handoff);
        let mut b = before(OwnerState::Assigned);
        b.assigned_at = Some(65_000);
        b.reply_due_at = Some(5_000);
        let r = on_change(&b, "closed", Some(7), None, None, None, 100_000);
        assert_eq!(
            (r.facts[0].duration_ms, r.facts[0].handled_ms),
            (Some(99_000), Some(35_000))
        );
        assert_eq!(r.reply_due_at, None);
    }

    #[test]
    fn a_take_over_from_the_bot_is_a_handoff_and_an_unrecorded_stretch_opens_first() {
        let mut b = before(OwnerState::Bot);
        b.stretch_at = None;
        let r = on_change(&b, "taken_over", Some(1), None, None, None, 9_000);
        assert_eq!(r.facts.len(), 2);
        assert_eq!((r.facts[0].kind, r.facts[0].at), ("opened", 1_000));
        assert_eq!(r.facts[1].reason.as_deref(), Some(TAKEN_OVER));
        assert!(r.facts[1].first_handoff);
        assert_eq!(r.facts[1].duration_ms, None);
        let r = on_change(
            &before(OwnerState::Closed),
            "reopened",
            None,
            None,
            None,
            None,
            20_000,
        );
        assert_eq!(
            (r.facts[0].kind, r.stretch_at, r.stretch_handed),
            ("opened", 20_000, false)
        );
    }

    #[test]
    fn first_replies_only_when_due() {
        assert_eq!(on_operator_reply(None, Some(1), 0, 7, 10), None);
        let f = on_operator_reply(Some(1_000), Some(4_000), 0, 7, 10_000).unwrap();
        assert_eq!((f.duration_ms, f.handled_ms), (Some(9_000), Some(6_000)));
    }

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_text("-1+2"), "'-1+2");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("Ana"), "Ana");
    }

    #[test]
    fn reasons_list_the_main_ones_then_others() {
        let rows = reason_rows(
            &[("keyword".into(), 2), ("voice_note".into(), 1)],
            &[("paused".into(), 1)],
        );
        let names: Vec<&str> = rows.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(
            names,
            [
                "keyword",
                "no_match",
                "low_confidence",
                "bot_failed",
                "ai_off",
                "paused",
                "voice_note"
            ]
        );
        assert_eq!((rows[0].count, rows[5].previous, rows[6].count), (2, 1, 1));
    }
}
