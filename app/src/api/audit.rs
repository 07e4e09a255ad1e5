//! The audit log (admins only): a page of entries under the page's filters. The CSV download is
//! a plain GET route (`/audit/export.csv`, in the server).

use crate::dto::AuditPage;
use crate::error::AppError;
use leptos::prelude::*;

/// Entries newest first, older than entry `before` (the previous page's `next`): `person` an
/// account id, `kind` an audit kind, `from`/`to` days (`YYYY-MM-DD`, both included) in the
/// reader's time zone (`tz`: minutes east of UTC); empty means any.
#[server(endpoint = "audit/list")]
pub async fn list_audit(
    #[server(default)] person: String,
    #[server(default)] kind: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] tz: i64,
    #[server(default)] before: Option<i64>,
) -> Result<AuditPage, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    use crate::services::audit::{self, Filter};
    respond(
        async {
            let (state, _) = require(Role::Admin).await?;
            let filter = Filter {
                person,
                kind,
                from,
                to,
                tz,
            };
            audit::page(&state, &filter, before).await
        }
        .await,
    )
}
