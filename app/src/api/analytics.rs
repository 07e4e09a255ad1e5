//! Analytics (admins): the page's report. The CSV exports are plain GET routes on the server
//! (`/analytics/export/<table>.csv`), so a link downloads them.

use crate::domain::analytics::AnalyticsReport;
use crate::error::AppError;
use leptos::prelude::*;

/// The report for the page's query (`range`: `today`, `7d`, `30d` or `custom` with `from`/`to`
/// days `YYYY-MM-DD`; `channel`: `whatsapp`, `telegram`, `web` or empty for all), with its
/// charts drawn as SVG in the reader's language.
#[server(endpoint = "analytics/report")]
pub async fn fetch_analytics(
    #[server(default)] range: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] channel: String,
) -> Result<AnalyticsReport, AppError> {
    use super::ctx::*;
    use crate::domain::analytics::AnalyticsQuery;
    use crate::domain::users::Role;
    respond(
        async {
            let (state, _) = require(Role::Admin).await?;
            let q = AnalyticsQuery::from_params(|k| {
                Some(match k {
                    "range" => range.clone(),
                    "from" => from.clone(),
                    "to" => to.clone(),
                    "channel" => channel.clone(),
                    _ => return None,
                })
            });
            let locale = super::auth::request_locale();
            crate::services::analytics::report(&state, &q, locale, crate::services::now_ms()).await
        }
        .await,
    )
}
