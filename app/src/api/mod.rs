//! Server functions, one file per area. Each one authorizes, parses input into domain types and
//! calls a service; [`respond`] turns the outcome into the right HTTP status. Endpoints are named
//! explicitly (`/api/<name>`) so the role table in the tests can list them.

pub mod analytics;
pub mod audit;
pub mod auth;
pub mod canned;
pub mod contacts;
pub mod conversations;
pub mod devices;
pub mod media;
pub mod operators;
pub mod privacy;
pub mod queue;
pub mod scenario_versions;
pub mod scenarios;
pub mod settings;
pub mod templates;

#[cfg(feature = "ssr")]
pub(crate) mod ctx {
    //! What a server function can reach: the app state, the request, the signed-in user.

    use crate::domain::users::Role;
    use crate::error::AppError;
    use crate::services::{auth, AppState};
    use crate::storage::users::UserRow;
    use http::request::Parts;
    use http::{header, HeaderValue, StatusCode};
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;

    pub fn state() -> Result<AppState, AppError> {
        use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the server function context");
            AppError::Internal
        })
    }

    pub fn parts() -> Result<Parts, AppError> {
        use_context::<Parts>().ok_or_else(|| {
            tracing::error!("request parts missing from the server function context");
            AppError::Internal
        })
    }

    /// The request's `Cookie` header values.
    pub fn cookie_headers(parts: &Parts) -> impl Iterator<Item = &str> {
        parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
    }

    pub fn session_token(parts: &Parts) -> Option<String> {
        cookie_headers(parts)
            .find_map(auth::token_from_cookie_header)
            .map(str::to_string)
    }

    /// The signed-in user of this request, if any.
    pub async fn current_user() -> Result<Option<UserRow>, AppError> {
        let (state, parts) = (state()?, parts()?);
        match session_token(&parts) {
            Some(t) => auth::user_for_token(&state, &t).await,
            None => Ok(None),
        }
    }

    /// The state and the signed-in user, who must have at least `role`.
    pub async fn require(role: Role) -> Result<(AppState, UserRow), AppError> {
        let user = current_user().await?.ok_or(AppError::Unauthorized)?;
        if !user.role().allows(role) {
            return Err(AppError::Forbidden);
        }
        Ok((state()?, user))
    }

    /// The client's address: the peer, or behind a trusted proxy the one it forwarded.
    pub fn client_ip(state: &AppState, parts: &Parts) -> Option<std::net::IpAddr> {
        parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| state.settings.client_ip(c.0.ip(), &parts.headers))
    }

    /// The signed-in `user` acting in this request, as the audit log records them (with the
    /// client's address).
    pub fn who(state: &AppState, user: &UserRow) -> Result<crate::services::audit::Who, AppError> {
        Ok(crate::services::audit::Who::person(
            user,
            client_ip(state, &parts()?),
        ))
    }

    /// [`require`], with the person as the audit log records them.
    pub async fn require_who(
        role: Role,
    ) -> Result<(AppState, UserRow, crate::services::audit::Who), AppError> {
        let (state, user) = require(role).await?;
        let who = who(&state, &user)?;
        Ok((state, user, who))
    }

    pub fn set_cookie(value: &str) {
        if let (Some(res), Ok(v)) = (
            use_context::<ResponseOptions>(),
            HeaderValue::from_str(value),
        ) {
            res.append_header(header::SET_COOKIE, v);
        }
    }

    /// A browser without JavaScript posting a form (not a page being rendered, whose request
    /// also accepts HTML).
    fn is_plain_form_post(parts: &Parts) -> bool {
        parts.method == http::Method::POST
            && parts
                .headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
    }

    /// Gives an error its HTTP status. A plain HTML form post (JavaScript off) is sent back to
    /// the page it came from with the error in `?error=` (as JSON data), which the page shows in
    /// the reader's language.
    pub fn respond<T>(r: Result<T, AppError>) -> Result<T, AppError> {
        let Err(e) = &r else { return r };
        let Some(res) = use_context::<ResponseOptions>() else {
            return r;
        };
        match use_context::<Parts>() {
            Some(p) if is_plain_form_post(&p) => {
                let back = p
                    .headers
                    .get(header::REFERER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
                    .and_then(|rest| rest.find('/').map(|i| &rest[i..]))
                    .map(|path| path.split('?').next().unwrap_or("/").to_string())
                    .unwrap_or_else(|| "/".into());
                let data = serde_json::to_string(e).unwrap_or_default();
                let url = format!("{back}?error={}", crate::dto::query_escape(&data));
                if let Ok(v) = HeaderValue::from_str(&url) {
                    res.insert_header(header::LOCATION, v);
                    res.set_status(StatusCode::SEE_OTHER);
                }
            }
            _ => res.set_status(
                StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            ),
        }
        if let AppError::RateLimited(secs) = e {
            res.insert_header(header::RETRY_AFTER, HeaderValue::from(*secs));
        }
        r
    }
}
