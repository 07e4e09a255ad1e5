//! The audit log: [`record`] appends what a person changed (who, from which address, what
//! changed before and after); admins read it page by page ([`page`]) or download it as CSV
//! ([`csv`]). Entries are never updated or deleted (the database refuses it), and they have no
//! retention of their own.
//!
//! Recorded kinds ([`AuditKind`]): `sign_in`, `sign_in_failed` (the attempted email, never the
//! password), `account_created`, `role_changed`, `account_deactivated`, `account_reactivated`,
//! `password_reset` (by an admin), `password_changed` (one's own), `settings_saved` (section and
//! the changed fields), `taken_over` and `transferred` (by admins), `ai_switched`,
//! `contact_exported`, `contact_erased` (channel and ids, none of the erased content),
//! `retention_deleted` (the daily job, no person), and for scenario versions
//! `scenario_published` and `scenario_restored`.

use super::{now_ms, AppState};
use crate::domain::audit::{changed_fields, csv_cell, scrub, AuditKind, MAX_EXPORT, PAGE};
use crate::domain::problem::Problem;
use crate::dto::{AuditEntry, AuditPage};
use crate::error::AppError;
use crate::storage::audit::{AuditQuery, NewEntry};
use crate::storage::users::UserRow;
use serde_json::{json, Value};
use std::net::IpAddr;

/// Who did something, as an entry keeps it: the account and its email and name at the time,
/// and the client's address (behind trusted proxies, the one they forwarded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Who {
    pub id: Option<i64>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub ip: Option<IpAddr>,
}

impl Who {
    /// A signed-in person acting from `ip`.
    pub fn person(user: &UserRow, ip: Option<IpAddr>) -> Self {
        Self {
            id: Some(user.id),
            email: Some(user.email.clone()),
            name: Some(user.display_name.clone()),
            ip,
        }
    }

    /// Someone not signed in (a sign-in attempt) from `ip`.
    pub fn anonymous(ip: Option<IpAddr>) -> Self {
        Self {
            ip,
            ..Self::default()
        }
    }

    /// Baton itself (a scheduled job, the first admin from configuration).
    pub fn system() -> Self {
        Self::default()
    }
}

/// The entry an action of `who` makes, as stored: `details` without any secret field.
fn entry_details(details: Value) -> Result<String, AppError> {
    serde_json::to_string(&scrub(details)).map_err(|_| AppError::Internal)
}

/// Appends one entry: `who` did `kind` to `target` (`user:5`, `conversation:9`, `contact:3`,
/// `settings:queue`, `scenario:2`...), with `details` (JSON: see [`change`] for before/after).
/// Fields named like a secret (password, token, secret, hash, key) are dropped from `details`.
///
/// Scenario versions, for example: `audit::record(&state, &who, AuditKind::ScenarioPublished,
/// Some(&format!("scenario_version:{id}")), json!({"version": n, "note": note})).await?`.
pub async fn record(
    state: &AppState,
    who: &Who,
    kind: AuditKind,
    target: Option<&str>,
    details: Value,
) -> Result<(), AppError> {
    let details = entry_details(details)?;
    let ip = who.ip.map(|ip| ip.to_string());
    state
        .store
        .append_audit(&NewEntry {
            at: now_ms(),
            actor_id: who.id,
            actor_email: who.email.as_deref(),
            actor_name: who.name.as_deref(),
            ip: ip.as_deref(),
            kind: kind.as_str(),
            target,
            details: &details,
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, kind = kind.as_str(), "audit entry not written");
            AppError::Internal
        })
}

/// `{"before": {...}, "after": {...}}` with only the fields that differ between two objects.
pub fn change(before: &Value, after: &Value) -> Value {
    let (before, after) = changed_fields(before, after);
    json!({ "before": before, "after": after })
}

/// An entry for the store, for a write that appends it in its own transaction (an erasure).
pub(crate) struct Pending {
    pub who: Who,
    pub kind: AuditKind,
    pub target: String,
    pub details: String,
    pub ip: Option<String>,
}

impl Pending {
    pub fn new(
        who: &Who,
        kind: AuditKind,
        target: String,
        details: Value,
    ) -> Result<Self, AppError> {
        Ok(Self {
            who: who.clone(),
            kind,
            target,
            details: entry_details(details)?,
            ip: who.ip.map(|ip| ip.to_string()),
        })
    }

    pub fn entry(&self, at: i64) -> NewEntry<'_> {
        NewEntry {
            at,
            actor_id: self.who.id,
            actor_email: self.who.email.as_deref(),
            actor_name: self.who.name.as_deref(),
            ip: self.ip.as_deref(),
            kind: self.kind.as_str(),
            target: Some(&self.target),
            details: &self.details,
        }
    }
}

/// The page's and the export's filter, as typed: a person's id, a kind, and a period of whole
/// days (`YYYY-MM-DD`, both included) in the reader's time zone (`utc_offset_minutes` east of
/// UTC). Empty means any.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Filter {
    #[serde(default)]
    pub person: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub tz: i64,
}

/// Midnight starting `date` (`YYYY-MM-DD`) at `utc_offset_minutes`, as unix ms.
fn day_start(date: &str, utc_offset_minutes: i64, field: &str) -> Result<i64, AppError> {
    let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map_err(|_| AppError::field(field, Problem::DateInvalid))?;
    let midnight = day
        .and_hms_opt(0, 0, 0)
        .ok_or_else(|| AppError::field(field, Problem::DateInvalid))?;
    let offset = utc_offset_minutes.clamp(-14 * 60, 14 * 60) * 60_000;
    Ok(midnight.and_utc().timestamp_millis() - offset)
}

impl Filter {
    /// The query it asks for, checked: an unknown kind or an unreadable date is refused.
    pub fn query(&self, before: Option<i64>, limit: i64) -> Result<AuditQuery, AppError> {
        let person = match self.person.trim() {
            "" => None,
            p => Some(
                p.parse::<i64>()
                    .map_err(|_| AppError::field("person", Problem::PersonUnknown))?,
            ),
        };
        let kind = match self.kind.trim() {
            "" => None,
            k => Some(
                AuditKind::parse(k)
                    .ok_or_else(|| AppError::field("kind", Problem::AuditKindUnknown))?
                    .as_str()
                    .to_string(),
            ),
        };
        let from = match self.from.trim() {
            "" => None,
            d => Some(day_start(d, self.tz, "from")?),
        };
        let to = match self.to.trim() {
            "" => None,
            d => Some(day_start(d, self.tz, "to")? + 24 * 3600 * 1000),
        };
        Ok(AuditQuery {
            actor_id: person,
            kind,
            from,
            to,
            before,
            limit,
        })
    }
}

/// A page of entries matching `filter`, newest first, older than entry `before`.
pub async fn page(
    state: &AppState,
    filter: &Filter,
    before: Option<i64>,
) -> Result<AuditPage, AppError> {
    let q = filter.query(before, PAGE + 1)?;
    let mut entries = state.store.audit_entries(&q).await?;
    let next = if entries.len() as i64 > PAGE {
        entries.truncate(PAGE as usize);
        entries.last().map(|e| e.id)
    } else {
        None
    };
    Ok(AuditPage { entries, next })
}

/// How many entries the export reads at a time.
const EXPORT_BATCH: i64 = 1000;

fn csv_row(e: &AuditEntry) -> [String; 9] {
    let at = chrono::DateTime::from_timestamp_millis(e.at)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default();
    [
        e.id.to_string(),
        at,
        e.actor_id.map(|i| i.to_string()).unwrap_or_default(),
        csv_cell(e.actor_email.as_deref().unwrap_or("")),
        csv_cell(e.actor_name.as_deref().unwrap_or("")),
        csv_cell(e.ip.as_deref().unwrap_or("")),
        csv_cell(&e.kind),
        csv_cell(e.target.as_deref().unwrap_or("")),
        csv_cell(&e.details),
    ]
}

/// Every entry matching `filter` (up to [`MAX_EXPORT`]), newest first, as CSV with a header
/// row. Text cells that a spreadsheet would run as a formula start with `'`.
pub async fn csv(state: &AppState, filter: &Filter) -> Result<Vec<u8>, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| {
        tracing::error!(error = %e, "audit export");
        AppError::Internal
    };
    out.write_record([
        "id",
        "time_utc",
        "actor_id",
        "actor_email",
        "actor_name",
        "ip",
        "kind",
        "target",
        "details",
    ])
    .map_err(fail)?;
    let mut before = None;
    let mut written = 0;
    loop {
        let q = filter.query(before, EXPORT_BATCH.min(MAX_EXPORT - written))?;
        let batch = state.store.audit_entries(&q).await?;
        for e in &batch {
            out.write_record(csv_row(e)).map_err(fail)?;
        }
        written += batch.len() as i64;
        if (batch.len() as i64) < q.limit || written >= MAX_EXPORT {
            break;
        }
        before = batch.last().map(|e| e.id);
    }
    out.into_inner().map_err(|e| {
        tracing::error!(error = %e, "audit export");
        AppError::Internal
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_is_whole_days_in_the_readers_time_zone() {
        let f = Filter {
            from: "2026-12-07".into(),
            to: "2026-12-07".into(),
            tz: 60,
            ..Filter::default()
        };
        let q = f.query(None, 10).unwrap();
        // 2026-12-07T00:00 in UTC+1 is 2026-12-06T23:00Z.
        assert_eq!(q.from, Some(1_796_598_000_000));
        assert_eq!(q.to, Some(1_796_598_000_000 + 86_400_000));
        assert_eq!(
            Filter {
                from: "07/12/2026".into(),
                ..Filter::default()
            }
            .query(None, 10)
            .unwrap_err()
            .for_field("from"),
            Some(&Problem::DateInvalid)
        );
        assert!(Filter {
            kind: "drop_table".into(),
            ..Filter::default()
        }
        .query(None, 10)
        .is_err());
    }

    #[test]
    fn csv_rows_neutralise_formulas_in_text() {
        let e = AuditEntry {
            id: 3,
            at: 0,
            actor_id: None,
            actor_email: Some("=cmd|' /C calc'!A0".into()),
            actor_name: None,
            ip: Some("127.0.0.1".into()),
            kind: "sign_in_failed".into(),
            target: None,
            details: r#"{"email":"@x"}"#.into(),
        };
        let row = csv_row(&e);
        assert_eq!(row[1], "1970-01-01T00:00:00.000Z");
        assert_eq!(row[3], "'=cmd|' /C calc'!A0");
        assert_eq!(row[8], r#"{"email":"@x"}"#);
    }
}
