//! Sign-in, sign-out and "who am I".

use crate::dto::UserDto;
use crate::error::AppError;
use leptos::prelude::*;

/// The signed-in user, or `None` when anonymous. Public: the shell uses it to decide what to show.
/// It also keeps this device's language cookie on the person's choice.
#[server(endpoint = "me")]
pub async fn get_me() -> Result<Option<UserDto>, AppError> {
    use super::ctx::*;
    use crate::services::auth;
    respond(
        async {
            let user = current_user().await?;
            if let Some(u) = &user {
                let (state, parts) = (state()?, parts()?);
                let cookies = cookie_headers(&parts);
                if let Some(c) =
                    auth::language_cookie_update(&state, cookies, u.language.as_deref())
                {
                    set_cookie(&c);
                }
            }
            Ok(user.map(|u| u.to_dto()))
        }
        .await,
    )
}

/// The interface language of the request being served: the language cookie (a person's choice,
/// set by the server), else the browser's Accept-Language, else English.
#[cfg(feature = "ssr")]
pub(crate) fn request_locale() -> crate::i18n::Locale {
    use super::ctx::cookie_headers;
    use crate::services::auth;
    let from_cookie = use_context::<http::request::Parts>().and_then(|parts| {
        auth::language_in_cookies(cookie_headers(&parts)).and_then(|l| l.parse().ok())
    });
    from_cookie.unwrap_or_else(leptos_i18n::locale::resolve_locale)
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    use super::ctx::*;
    use crate::services::auth;
    respond(
        async {
            let (state, parts) = (state()?, parts()?);
            let ip = client_ip(&state, &parts);
            let (token, user) = auth::sign_in(&state, &email, &password, ip).await?;
            set_cookie(&auth::session_cookie(&state, Some(&token)));
            // Their language follows them to this device (or the browser's, if they chose none).
            set_cookie(&auth::language_cookie(&state, user.language.as_deref()));
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::ctx::*;
    use crate::services::auth;
    respond(
        async {
            let (state, parts) = (state()?, parts()?);
            if let Some(t) = session_token(&parts) {
                auth::sign_out(&state, &t).await?;
            }
            set_cookie(&auth::session_cookie(&state, None));
            leptos_axum::redirect("/login");
            Ok(())
        }
        .await,
    )
}

/// The signed-in user changes their own password. Their other sessions end; this one stays.
#[server(endpoint = "account/change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    use crate::services::auth;
    respond(
        async {
            let (state, me, who) = require_who(Role::Operator).await?;
            let token = session_token(&parts()?).ok_or(AppError::Unauthorized)?;
            auth::change_own_password(
                &state,
                &me,
                &who,
                &token,
                &current_password,
                &new_password,
                &confirm_password,
            )
            .await
        }
        .await,
    )
}

/// The signed-in user's interface language: `"en"`, `"es"`, or `""` to follow the browser.
#[server(endpoint = "account/language")]
pub async fn set_language(language: String) -> Result<Option<String>, AppError> {
    use super::ctx::*;
    use crate::domain::users::Role;
    use crate::services::auth;
    respond(
        async {
            let (state, me) = require(Role::Operator).await?;
            let choice = auth::set_language(&state, &me, &language).await?;
            set_cookie(&auth::language_cookie(&state, choice.as_deref()));
            Ok(choice)
        }
        .await,
    )
}
