//! The audit log: entries are only ever inserted (the database's triggers refuse UPDATE and
//! DELETE on `audit_log`), and read newest first with keyset paging.

use super::{with_pool, with_write, Store};
use crate::dto::AuditEntry;

/// An entry to append.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_email: Option<&'a str>,
    pub actor_name: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub kind: &'a str,
    pub target: Option<&'a str>,
    /// JSON.
    pub details: &'a str,
}

pub(crate) const INSERT_ENTRY: &str =
    "INSERT INTO audit_log (at, actor_id, actor_email, actor_name, ip, kind, target, details) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// Inside an open transaction `$tx`: appends entry `$e` (a `&NewEntry`).
macro_rules! insert_entry_in {
    ($tx:ident, $e:expr) => {{
        let e: &$crate::storage::audit::NewEntry<'_> = $e;
        sqlx::query($crate::storage::audit::INSERT_ENTRY)
            .bind(e.at)
            .bind(e.actor_id)
            .bind(e.actor_email)
            .bind(e.actor_name)
            .bind(e.ip)
            .bind(e.kind)
            .bind(e.target)
            .bind(e.details)
            .execute(&mut *$tx)
            .await
    }};
}
pub(crate) use insert_entry_in;

/// Which entries to read: each filter is optional; `before` is the keyset cursor (entries with
/// a smaller id, i.e. older).
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor_id: Option<i64>,
    pub kind: Option<String>,
    /// Unix ms, inclusive.
    pub from: Option<i64>,
    /// Unix ms, exclusive.
    pub to: Option<i64>,
    pub before: Option<i64>,
    pub limit: i64,
}

impl Store {
    pub async fn append_audit(&self, e: &NewEntry<'_>) -> Result<(), sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            insert_entry_in!(tx, e)?;
            tx.commit().await
        })
    }

    /// Entries matching `q`, newest first.
    pub async fn audit_entries(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, sqlx::Error> {
        // Only placeholders go into the text; the values are bound in the same order.
        let mut clauses = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if q.actor_id.is_some() {
            clauses.push(format!("actor_id = {}", next()));
        }
        if q.kind.is_some() {
            clauses.push(format!("kind = {}", next()));
        }
        if q.from.is_some() {
            clauses.push(format!("at >= {}", next()));
        }
        if q.to.is_some() {
            clauses.push(format!("at < {}", next()));
        }
        if q.before.is_some() {
            clauses.push(format!("id < {}", next()));
        }
        let limit = next();
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let sql = format!(
            "SELECT id, at, actor_id, actor_email, actor_name, ip, kind, target, details \
             FROM audit_log {filter} ORDER BY id DESC LIMIT {limit}"
        );
        with_pool!(self, p => {
            let mut query = sqlx::query_as::<_, (i64, i64, Option<i64>, Option<String>, Option<String>, Option<String>, String, Option<String>, String)>(&sql);
            if let Some(v) = q.actor_id { query = query.bind(v); }
            if let Some(v) = &q.kind { query = query.bind(v.clone()); }
            if let Some(v) = q.from { query = query.bind(v); }
            if let Some(v) = q.to { query = query.bind(v); }
            if let Some(v) = q.before { query = query.bind(v); }
            query.bind(q.limit).fetch_all(p).await
        })
        .map(|rows| {
            rows.into_iter()
                .map(
                    |(id, at, actor_id, actor_email, actor_name, ip, kind, target, details)| {
                        AuditEntry {
                            id,
                            at,
                            actor_id,
                            actor_email,
                            actor_name,
                            ip,
                            kind,
                            target,
                            details,
                        }
                    },
                )
                .collect()
        })
    }
}
