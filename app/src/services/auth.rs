//! Passwords (argon2id), sessions (random tokens, stored only as SHA-256 hashes) and sign-in limits.

use super::audit::{self, Who};
use super::{now_ms, AppState};
use crate::domain::audit::AuditKind;
use crate::domain::problem::{count, Problem};
use crate::domain::ratelimit::retry_after_secs;
use crate::domain::users::{FieldError, NewPassword};
use crate::error::AppError;
use crate::storage::users::UserRow;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// The cookie carrying the interface language between visits (the name `leptos_i18n` reads).
pub const LANGUAGE_COOKIE: &str = "i18n_pref_locale";

/// The session cookie's name over plain http.
pub const SESSION_COOKIE: &str = "baton_session";
/// Its name over https: the `__Host-` prefix makes browsers insist on `Secure`, `Path=/` and no
/// `Domain`, so no sibling subdomain can plant or overwrite it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-baton_session";

/// Longest email address accepted anywhere (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// How many argon2 computations run at once. Each takes 19 MiB and a core for tens of
/// milliseconds; callers past this wait their turn instead of exhausting memory.
pub fn argon2_permits() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8))
}

static ARGON2: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(argon2_permits()));

/// Runs one argon2 computation off the async threads, under [`ARGON2`].
async fn with_argon2<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let _permit = ARGON2.acquire().await.map_err(|_| AppError::Internal)?;
    tokio::task::spawn_blocking(move || {
        #[cfg(test)]
        let _track = tests::InFlight::enter();
        f()
    })
    .await
    .map_err(|_| AppError::Internal)
}

/// Hashes a password with argon2id (deliberately slow).
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_string();
    with_argon2(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await?
    .map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        AppError::Internal
    })
}

async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_string(), hash.to_string());
    with_argon2(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Verifying against this when the email is unknown keeps both answers equally slow.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5Ej0H+8CNdBCcNdPvWyFWCwOlnmkmaTQKg2sLRrNvTU";

/// What is stored of a bearer token (sessions, widget visitors): its SHA-256, hex-encoded.
pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// `bytes` random bytes from the thread's CSPRNG, hex-encoded (tokens and unguessable ids).
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut raw);
    hex::encode(raw)
}

/// The sign-in limits, counted in the database so that every instance shares them.
pub struct SignInLimits;

impl SignInLimits {
    pub const WINDOW_MS: i64 = 15 * 60 * 1000;
    /// Per account and client address ("acct:ana@x.io|ip:1.2.3.4"): a guesser elsewhere cannot
    /// lock the account's owner out.
    pub const PER_ACCOUNT_AND_ADDRESS: i64 = 5;
    /// Per client address ("ip:1.2.3.4"), across all accounts.
    pub const PER_ADDRESS: i64 = 30;
}

/// A counted attempt, to take back when it succeeds.
struct Attempt {
    acct_key: String,
    ip_hit: Option<i64>,
}

/// Counts one attempt against both sign-in limits before any password is checked, so of many
/// concurrent guesses (on any instance) only the limit's worth get through.
async fn count_attempt(
    state: &AppState,
    acct_key: String,
    ip_key: Option<String>,
) -> Result<Attempt, AppError> {
    let now = now_ms();
    let store = &state.store;
    let window = SignInLimits::WINDOW_MS;
    let ip_hit = match &ip_key {
        Some(k) => Some(
            store
                .limit_hit(k, now, window, SignInLimits::PER_ADDRESS)
                .await?
                .map_err(|ms| AppError::RateLimited(retry_after_secs(ms, window)))?,
        ),
        None => None,
    };
    let counted = store
        .limit_hit(
            &acct_key,
            now,
            window,
            SignInLimits::PER_ACCOUNT_AND_ADDRESS,
        )
        .await;
    // Refused here (or not counted at all): the address's count is taken back too.
    if !matches!(counted, Ok(Ok(_))) {
        if let Some(id) = ip_hit {
            store.limit_undo(id).await?;
        }
    }
    counted?.map_err(|ms| AppError::RateLimited(retry_after_secs(ms, window)))?;
    Ok(Attempt { acct_key, ip_hit })
}

/// Deletes expired sessions and sign-in attempts older than any window; returns how many of
/// each.
pub async fn sweep_expired(state: &AppState) -> Result<(u64, u64), AppError> {
    let now = now_ms();
    let sessions = state.store.delete_expired_sessions(now).await?;
    let attempts = state
        .store
        .limit_sweep(now - SignInLimits::WINDOW_MS)
        .await?;
    Ok((sessions, attempts))
}

/// Takes back a counted attempt that succeeded: only failures stay in the window.
async fn forgive(state: &AppState, attempt: Attempt) -> Result<(), AppError> {
    state.store.limit_reset(&attempt.acct_key).await?;
    if let Some(id) = attempt.ip_hit {
        state.store.limit_undo(id).await?;
    }
    Ok(())
}

/// Checks the credentials, subject to the sign-in limits per (account, client address) and per
/// client address. On success returns the new session token (for the cookie) and the user.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    client_ip: Option<IpAddr>,
) -> Result<(String, UserRow), AppError> {
    let email = email.trim().to_lowercase();
    if email.len() > MAX_EMAIL_LEN {
        return Err(AppError::field(
            "email",
            Problem::EmailTooLong {
                max: count(MAX_EMAIL_LEN),
            },
        ));
    }
    let ip_key = client_ip.map(|ip| format!("ip:{ip}"));
    let acct_key = match &ip_key {
        Some(ip) => format!("acct:{email}|{ip}"),
        None => format!("acct:{email}"),
    };
    let attempt = count_attempt(state, acct_key, ip_key).await?;
    let user = state.store.user_by_email(&email).await?;
    let ok = match &user {
        Some(u) => verify_password(password, &u.password_hash).await && u.active,
        None => {
            verify_password(password, DUMMY_HASH).await;
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        // The attempted email only: never the password.
        audit::record(
            state,
            &Who::anonymous(client_ip),
            AuditKind::SignInFailed,
            None,
            serde_json::json!({ "email": email }),
        )
        .await?;
        return Err(AppError::field("password", Problem::SignInFailed));
    };
    forgive(state, attempt).await?;
    audit::record(
        state,
        &Who::person(&user, client_ip),
        AuditKind::SignIn,
        Some(&format!("user:{}", user.id)),
        serde_json::json!({}),
    )
    .await?;

    let token = random_hex(32);
    let now = now_ms();
    state
        .store
        .create_session(
            &token_hash(&token),
            user.id,
            now,
            now + state.settings.session_ttl_ms,
        )
        .await?;
    tracing::info!(user_id = user.id, "signed in");
    Ok((token, user))
}

pub async fn sign_out(state: &AppState, token: &str) -> Result<(), AppError> {
    if let Some(user_id) = state.store.delete_session(&token_hash(token)).await? {
        state.sessions_ended(user_id);
    }
    Ok(())
}

/// The active user behind a session token, if the session is live.
pub async fn user_for_token(state: &AppState, token: &str) -> Result<Option<UserRow>, AppError> {
    Ok(state
        .store
        .session_user(&token_hash(token), now_ms())
        .await?)
}

/// When a live session ends (ms), or `None` when it has already ended.
pub async fn session_expiry(state: &AppState, token: &str) -> Result<Option<i64>, AppError> {
    Ok(state
        .store
        .session_expiry(&token_hash(token), now_ms())
        .await?)
}

/// Sets `user`'s password and ends their other sessions (all but `keep`, the session token of
/// the request, when someone changes their own password), which also closes those sockets.
async fn replace_password(
    state: &AppState,
    user_id: i64,
    password: &NewPassword,
    keep: Option<&str>,
) -> Result<(), AppError> {
    let hash = hash_password(password.expose()).await?;
    let keep = keep.map(token_hash);
    let found = state
        .store
        .set_password(user_id, &hash, keep.as_deref(), now_ms())
        .await?;
    if !found {
        return Err(AppError::NotFound(Problem::AccountGone));
    }
    state.sessions_ended(user_id);
    tracing::info!(user_id, "password changed; other sessions ended");
    Ok(())
}

/// The signed-in user changes their own password; the current one is required (and wrong
/// guesses count against the same limit as sign-in). `token` is the session to keep.
pub async fn change_own_password(
    state: &AppState,
    user: &UserRow,
    who: &Who,
    token: &str,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<(), AppError> {
    let mut problems = Vec::new();
    let new_pw = NewPassword::parse(new)
        .map_err(|e| problems.push(FieldError::new("new_password", e.message)))
        .ok();
    if new != confirm {
        problems.push(FieldError::new(
            "confirm_password",
            Problem::PasswordsDiffer,
        ));
    }
    let Some(new_pw) = new_pw.filter(|_| problems.is_empty()) else {
        return Err(problems.into());
    };
    let attempt = count_attempt(state, format!("password-change:{}", user.id), None).await?;
    if !verify_password(current, &user.password_hash).await {
        return Err(AppError::field(
            "current_password",
            Problem::CurrentPasswordWrong,
        ));
    }
    forgive(state, attempt).await?;
    replace_password(state, user.id, &new_pw, Some(token)).await?;
    audit::record(
        state,
        who,
        AuditKind::PasswordChanged,
        Some(&format!("user:{}", user.id)),
        serde_json::json!({}),
    )
    .await
}

/// An admin sets a new password for an account; all of that account's sessions end (except the
/// admin's own when they set their own password here).
pub async fn set_password_for(
    state: &AppState,
    actor: &UserRow,
    who: &Who,
    actor_token: &str,
    user_id: i64,
    password: &str,
) -> Result<(), AppError> {
    let pw = NewPassword::parse(password)?;
    let keep = (actor.id == user_id).then_some(actor_token);
    replace_password(state, user_id, &pw, keep).await?;
    let target = state.store.user_by_id(user_id).await?;
    audit::record(
        state,
        who,
        AuditKind::PasswordReset,
        Some(&format!("user:{user_id}")),
        serde_json::json!({
            "email": target.as_ref().map(|u| u.email.clone()),
            "display_name": target.map(|u| u.display_name),
        }),
    )
    .await
}

/// The value of the first cookie named one of `names` in `Cookie` header values, unless empty.
fn cookie_value<'a>(
    cookie_headers: impl IntoIterator<Item = &'a str>,
    names: &[&str],
) -> Option<&'a str> {
    cookie_headers
        .into_iter()
        .flat_map(|h| h.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| names.contains(k))
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// Reads the session token from a `Cookie` header value (either cookie name).
pub fn token_from_cookie_header(header: &str) -> Option<&str> {
    cookie_value([header], &[SECURE_SESSION_COOKIE, SESSION_COOKIE])
}

/// The `Set-Cookie` value for a new session (or, with `None`, one that removes it). Over https
/// the cookie is `__Host-baton_session` with `Secure`.
pub fn session_cookie(state: &AppState, token: Option<&str>) -> String {
    let (name, secure) = if state.settings.secure_cookies {
        (SECURE_SESSION_COOKIE, "; Secure")
    } else {
        (SESSION_COOKIE, "")
    };
    let (value, max_age) = match token {
        Some(t) => (t, state.settings.session_ttl_ms / 1000),
        None => ("", 0),
    };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// The language cookie for a person's choice (`None`: remove it, so the browser's
/// Accept-Language decides). Readable by the page's script, which switches languages in place.
pub fn language_cookie(state: &AppState, language: Option<&str>) -> String {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    match language {
        Some(l) => format!("{LANGUAGE_COOKIE}={l}; Path=/; SameSite=Lax; Max-Age=31536000{secure}"),
        None => format!("{LANGUAGE_COOKIE}=; Path=/; SameSite=Lax; Max-Age=0{secure}"),
    }
}

/// The language this device's cookie holds, if any (`cookie_headers`: the request's `Cookie`
/// headers).
pub fn language_in_cookies<'a>(
    cookie_headers: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    cookie_value(cookie_headers, &[LANGUAGE_COOKIE])
}

/// The `Set-Cookie` that brings this device's language cookie in line with the person's choice
/// (made on another device, say), or `None` when it already is. Only the server writes the
/// cookie (the browser's bundle leaves out cookie handling), so it keeps it right on every
/// "who am I".
pub fn language_cookie_update<'a>(
    state: &AppState,
    cookie_headers: impl IntoIterator<Item = &'a str>,
    language: Option<&str>,
) -> Option<String> {
    (language_in_cookies(cookie_headers) != language).then(|| language_cookie(state, language))
}

/// The signed-in user picks the interface language: a language Baton speaks, or `""` for the
/// browser's. Returns the stored choice.
pub async fn set_language(
    state: &AppState,
    me: &UserRow,
    language: &str,
) -> Result<Option<String>, AppError> {
    let choice = match language.trim() {
        "" => None,
        l => match l.parse::<crate::i18n::Locale>() {
            Ok(known) => Some(leptos_i18n::Locale::as_str(known).to_string()),
            Err(()) => return Err(AppError::field("language", Problem::LanguageUnknown)),
        },
    };
    state
        .store
        .set_user_language(me.id, choice.as_deref(), now_ms())
        .await?;
    Ok(choice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn the_session_token_is_found_among_other_cookies() {
        assert_eq!(
            token_from_cookie_header("a=1; baton_session=abc; b=2"),
            Some("abc")
        );
        assert_eq!(token_from_cookie_header("a=1; baton_session="), None);
        assert_eq!(token_from_cookie_header("baton_sessionx=1"), None);
    }

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let h = hash_password("correct horse battery").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h).await);
        assert!(!verify_password("wrong horse battery", &h).await);
    }

    static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
    static PEAK: AtomicUsize = AtomicUsize::new(0);

    /// Counts argon2 computations running at once (tests only).
    pub(super) struct InFlight;

    impl InFlight {
        pub(super) fn enter() -> Self {
            let n = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
            PEAK.fetch_max(n, Ordering::SeqCst);
            Self
        }
    }

    impl Drop for InFlight {
        fn drop(&mut self) {
            IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_flood_of_password_checks_runs_only_a_few_argon2_at_once() {
        let checks: Vec<_> = (0..24)
            .map(|_| tokio::spawn(verify_password("guess", DUMMY_HASH)))
            .collect();
        for c in checks {
            assert!(!c.await.unwrap());
        }
        let peak = PEAK.load(Ordering::SeqCst);
        assert!(peak >= 1 && peak <= argon2_permits(), "peak {peak}");
    }

    #[test]
    fn the_cookie_is_read_under_either_name() {
        assert_eq!(
            token_from_cookie_header("a=1; __Host-baton_session=abc"),
            Some("abc")
        );
    }

    #[tokio::test]
    async fn the_dummy_hash_is_a_valid_argon2id_hash() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("anything", DUMMY_HASH).await);
    }
}
