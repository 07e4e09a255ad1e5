//! The queue: routing waiting conversations to operators, the SLA paging ladder, and the
//! monitoring overview. Decisions come from [`crate::domain::queue`]; this module gathers the
//! candidates (presence from live sockets, load and capacity from the database), expands each
//! alert to the person's devices, stores everything in one transaction and publishes what changed.
//!
//! Time is a parameter everywhere (`now`): the worker passes the wall clock, tests pass the times
//! they want. All state is in the database, so timers survive restarts.

use super::{now_ms, operators, settings, AppState};
use crate::domain::ownership::OwnerState;
use crate::domain::queue::{self as q, Advance, AlertKind, Candidate, QueueSettings};
use crate::domain::users::Role;
use crate::dto::{Channel, ChannelHealth, LiveEventKind, QueueOverview, WaitingEntry};
use crate::error::AppError;
use crate::storage::chat::GroupQuery;
use crate::storage::queue::{NewAlert, NewEvent, QueueRow, QueueWrite};
use std::collections::HashMap;

/// How many waiting conversations one read of a tick fetches; a tick reads page after page, so
/// it sees every waiting conversation however many there are.
const TICK_PAGE: i64 = 500;

/// Everyone routing may consider, with their names for the history lines.
pub struct Candidates {
    pub list: Vec<Candidate>,
    names: HashMap<i64, String>,
}

impl Candidates {
    pub fn name(&self, id: i64) -> String {
        self.names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("operator {id}"))
    }
}

/// Active accounts as routing sees them now.
pub async fn candidates(state: &AppState) -> Result<Candidates, AppError> {
    let rows = state.store.queue_candidates().await?;
    let names = rows
        .iter()
        .map(|r| (r.id, r.display_name.clone()))
        .collect();
    let list = rows
        .into_iter()
        .map(|r| Candidate {
            id: r.id,
            is_admin: Role::parse(&r.role) == Some(Role::Admin),
            online: state.presence.is_online(r.id),
            push_ready: r.push_ready,
            available: r.available,
            load: r.load,
            capacity: r.max_conversations,
            last_offered_at: r.last_offered_at,
        })
        .collect();
    Ok(Candidates { list, names })
}

/// Turns a decision into what storage writes: the queue row, event rows, history lines, and one
/// outbox row per device of each person alerted.
async fn build_write(
    state: &AppState,
    conversation_id: i64,
    adv: &Advance,
    c: &Candidates,
    settings: &QueueSettings,
    existing: Option<&QueueRow>,
    now: i64,
) -> Result<QueueWrite, AppError> {
    // Each line stored as data for every reader's language, with its English words as the body.
    let lines = q::history_lines(&adv.decisions, settings.alert_interval_secs, |id| {
        c.name(id)
    })
    .iter()
    .map(|l| (crate::text::history::english(l), l.to_json()))
    .collect();
    let events = q::events(&adv.decisions)
        .into_iter()
        .map(|e| NewEvent {
            kind: e.kind,
            target_id: e.target,
            reason: Some(e.reason),
        })
        .collect();
    let mut users: Vec<i64> = adv.alerts.iter().map(|a| a.user).collect();
    users.sort_unstable();
    users.dedup();
    let devices = state.store.devices_of_users(&users).await?;
    let episode = adv.next.episode;
    let mut alerts = Vec::new();
    for a in &adv.alerts {
        for d in devices.iter().filter(|d| d.user_id == a.user) {
            let (kind, key) = match a.kind {
                AlertKind::Ladder => (
                    "alert",
                    format!("alert:{conversation_id}:{episode}:{}:{}", a.step, d.id),
                ),
                AlertKind::Offer(n) => (
                    "offer",
                    format!("offer:{conversation_id}:{episode}:{n}:{}", d.id),
                ),
            };
            alerts.push(NewAlert {
                dedup_key: key,
                kind,
                step: i64::from(a.step),
                user_id: a.user,
                device_id: d.id,
                reason: a.reason.as_str().to_string(),
            });
        }
    }
    Ok(QueueWrite {
        conversation_id,
        episode,
        expected_version: existing.map(|r| r.version),
        last_step: adv.next.last_step.map_or(-1, i64::from),
        offered_to: adv.next.offered_to.clone(),
        offer_expires_at: adv.next.offer_expires_at,
        offer_count: i64::from(adv.next.offer_count),
        breached_at: existing
            .and_then(|r| r.breached_at)
            .or(adv.next.breached.then_some(now)),
        events,
        lines,
        alerts,
        offered_users: adv.offered(),
        now,
    })
}

/// The queue start of a conversation about to wait from `now` (routing and the step-0 alerts),
/// to store in the same transaction as the ownership change.
pub async fn plan_start(
    state: &AppState,
    conversation_id: i64,
    now: i64,
) -> Result<QueueWrite, AppError> {
    let settings = settings::queue(state).await?;
    let hours = settings::business_hours(state).await?;
    let c = candidates(state).await?;
    let adv = q::start_on(&settings, now, &c.list, now, hours.sla_clock(now, now));
    build_write(state, conversation_id, &adv, &c, &settings, None, now).await
}

/// After a queue write committed: shows its history lines, tells the monitoring page, and wakes
/// the notification sender.
pub async fn announce(state: &AppState, line_ids: &[i64]) -> Result<(), AppError> {
    for id in line_ids {
        if let Some(message) = state.store.message(*id).await? {
            state.bus.publish(LiveEventKind::MessageCreated { message });
        }
    }
    state.bus.publish(LiveEventKind::QueueChanged);
    state.wake(crate::bus::cluster::Worker::Notify);
    Ok(())
}

/// One pass over the waiting conversations at `now`, oldest first: expired round-robin offers
/// move on, due ladder steps are paged, breaches flagged. Returns how many conversations changed.
/// Safe to run from several places at once: each write is conditional on the row's version.
pub async fn tick(state: &AppState, now: i64) -> Result<usize, AppError> {
    let settings = settings::queue(state).await?;
    // The SLA clock and the ladder count business time (see `domain::hours`).
    let hours = settings::business_hours(state).await?;
    let clock = |r: &QueueRow| hours.sla_clock(r.escalated_at, now);
    let mut due = Vec::new();
    let mut after = None;
    loop {
        let page = state.store.waiting_queue(after, TICK_PAGE).await?;
        let full = page.len() as i64 == TICK_PAGE;
        after = page.last().map(|r| (r.escalated_at, r.conversation_id));
        due.extend(
            page.into_iter()
                .filter(|r| q::needs_attention_on(&settings, &r.to_state(), now, clock(r))),
        );
        if !full {
            break;
        }
    }
    if due.is_empty() {
        return Ok(0);
    }
    let mut c = candidates(state).await?;
    let mut changed = 0;
    for row in due {
        let Some(adv) = q::advance_on(&settings, &row.to_state(), &c.list, now, clock(&row)) else {
            continue;
        };
        let w = build_write(
            state,
            row.conversation_id,
            &adv,
            &c,
            &settings,
            Some(&row),
            now,
        )
        .await?;
        if let Some(ids) = state.store.write_queue(&w).await? {
            changed += 1;
            // The next conversation in this pass rotates past whoever was just offered one.
            for u in adv.offered() {
                if let Some(x) = c.list.iter_mut().find(|x| x.id == u) {
                    x.last_offered_at = Some(now);
                }
            }
            announce(state, &ids).await?;
        }
    }
    Ok(changed)
}

/// The monitoring page's queue view: waiting conversations with wait time and SLA state,
/// operators with load, breaches today, channel health.
pub async fn overview(
    state: &AppState,
    utc_offset_minutes: i64,
) -> Result<QueueOverview, AppError> {
    let now = now_ms();
    let settings = (*settings::queue(state).await?).clone();
    let hours = settings::business_hours(state).await?;
    let waiting = state
        .store
        .conversation_group(&GroupQuery {
            state: OwnerState::Waiting,
            search: None,
            assignee: None,
            limit: 200,
            offset: 0,
        })
        .await?;
    let rows: HashMap<i64, _> = state
        .store
        .waiting_queue(None, TICK_PAGE)
        .await?
        .into_iter()
        .map(|r| (r.conversation_id, r))
        .collect();
    let operators = operators::operator_statuses(state).await?;
    let name = |id: i64| {
        operators
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.display_name.clone())
            .unwrap_or_else(|| format!("operator {id}"))
    };
    let waiting = waiting
        .into_iter()
        .map(|conversation| {
            let since = conversation.waiting_since.unwrap_or(now);
            let row = rows.get(&conversation.id);
            WaitingEntry {
                wait_ms: (now - since).max(0),
                // Against business time: a night's wait is no breach.
                breached: q::breached(
                    0,
                    hours.sla_clock(since, now).waited_ms,
                    settings.target_ms(),
                ),
                step: row.and_then(|r| r.to_state().last_step).unwrap_or(0),
                offered_to: row
                    .map(|r| r.offered().into_iter().map(name).collect())
                    .unwrap_or_default(),
                offer_expires_at: row.and_then(|r| r.offer_expires_at),
                conversation,
            }
        })
        .collect();
    let mut channels = Vec::new();
    for channel in [Channel::Whatsapp, Channel::Telegram, Channel::Web] {
        let (last_inbound_at, failures_24h) = state
            .store
            .channel_health(channel, now - 24 * 3600 * 1000)
            .await?;
        channels.push(ChannelHealth {
            channel,
            last_inbound_at,
            failures_24h,
        });
    }
    Ok(QueueOverview {
        now,
        breaches_today: state
            .store
            .breaches_since(q::day_start(now, utc_offset_minutes))
            .await?,
        settings,
        waiting,
        operators,
        channels,
    })
}

/// Saves the queue settings; waiting conversations follow them from the next tick.
/// `who` (an admin) saves them; recorded in the audit log.
pub async fn save_settings(
    state: &AppState,
    who: &super::audit::Who,
    s: &QueueSettings,
) -> Result<(), AppError> {
    let before = settings::queue(state).await?;
    settings::save_queue(state, s).await?;
    state.bus.publish(LiveEventKind::QueueChanged);
    settings::record_saved(state, who, "queue", &*before, s).await
}
