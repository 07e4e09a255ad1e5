//! Passwords (argon2id), sessions (random tokens, stored only as SHA-256 hashes) and sign-in limits.

use super::{now_ms, AppState};
use crate::error::AppError;
use crate::storage::users::UserRow;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "baton_session";

/// Hashes a password with argon2id off the async threads (it is deliberately slow).
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|_| AppError::Internal)?
    .map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        AppError::Internal
    })
}

async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || {
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

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn secs_ceil(ms: i64) -> i64 {
    (ms + 999) / 1000
}

/// Checks the credentials, subject to per-account and per-address limits on failures.
/// On success returns the new session token (for the cookie) and the user.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    client_ip: Option<&str>,
) -> Result<(String, UserRow), AppError> {
    let email = email.trim().to_lowercase();
    let acct_key = format!("acct:{email}");
    let ip_key = client_ip.map(|ip| format!("ip:{ip}"));
    let now = now_ms();
    {
        let mut limits = state.sign_in_limits.lock().unwrap();
        if let Err(ms) = limits.per_account.check(&acct_key, now) {
            return Err(AppError::RateLimited(secs_ceil(ms)));
        }
        if let Some(k) = &ip_key {
            if let Err(ms) = limits.per_ip.check(k, now) {
                return Err(AppError::RateLimited(secs_ceil(ms)));
            }
        }
    }
    let user = state.store.user_by_email(&email).await?;
    let ok = match &user {
        Some(u) => verify_password(password, &u.password_hash).await && u.active,
        None => {
            verify_password(password, DUMMY_HASH).await;
            false
        }
    };
    let user = {
        let mut limits = state.sign_in_limits.lock().unwrap();
        match user.filter(|_| ok) {
            Some(user) => {
                limits.per_account.reset(&acct_key);
                user
            }
            None => {
                limits.per_account.record_failure(&acct_key, now);
                if let Some(k) = &ip_key {
                    limits.per_ip.record_failure(k, now);
                }
                return Err(AppError::field(
                    "password",
                    "That email and password do not match an active account.",
                ));
            }
        }
    };

    let mut raw = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut raw);
    let token = hex::encode(raw);
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
    state.store.delete_session(&token_hash(token)).await?;
    Ok(())
}

/// The active user behind a session token, if the session is live.
pub async fn user_for_token(state: &AppState, token: &str) -> Result<Option<UserRow>, AppError> {
    Ok(state
        .store
        .session_user(&token_hash(token), now_ms())
        .await?)
}

/// Reads the session token from a `Cookie` header value.
pub fn token_from_cookie_header(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// The `Set-Cookie` value for a new session (or, with `None`, one that removes it).
pub fn session_cookie(state: &AppState, token: Option<&str>) -> String {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    match token {
        Some(t) => format!(
            "{SESSION_COOKIE}={t}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            state.settings.session_ttl_ms / 1000
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[tokio::test]
    async fn the_dummy_hash_is_a_valid_argon2id_hash() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("anything", DUMMY_HASH).await);
    }
}
