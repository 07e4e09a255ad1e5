//! Accounts and sign-in sessions.

use super::{is_unique_violation, with_pool, with_write, Store, StoreError};
use crate::domain::users::Role;
use crate::dto::UserDto;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub active: bool,
    pub max_conversations: i64,
    pub available: bool,
    pub created_at: i64,
    /// The interface language chosen on the Account page; `None` follows the browser.
    pub language: Option<String>,
}

impl UserRow {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Operator)
    }

    pub fn to_dto(&self) -> UserDto {
        UserDto {
            id: self.id,
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            role: self.role(),
            active: self.active,
            max_conversations: self.max_conversations,
            available: self.available,
            language: self.language.clone(),
        }
    }
}

/// What storing a new account needs (already validated and hashed).
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub max_conversations: i64,
}

const USER_COLS: &str =
    "id, email, display_name, password_hash, role, active, max_conversations, available, created_at, language";

impl Store {
    pub async fn create_user(&self, u: &NewUser<'_>, now: i64) -> Result<UserRow, StoreError> {
        let sql = format!(
            "INSERT INTO users (email, display_name, password_hash, role, active, max_conversations, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, TRUE, $5, $6, $6) RETURNING {USER_COLS}"
        );
        let res = with_write!(self, p => sqlx::query_as::<_, UserRow>(&sql)
            .bind(u.email)
            .bind(u.display_name)
            .bind(u.password_hash)
            .bind(u.role.as_str())
            .bind(u.max_conversations)
            .bind(now)
            .fetch_one(p)
            .await);
        res.map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Duplicate("email")
            } else {
                StoreError::Db(e)
            }
        })
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE email = $1");
        with_pool!(self, p => sqlx::query_as::<_, UserRow>(&sql).bind(email).fetch_optional(p).await)
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
        with_pool!(self, p => sqlx::query_as::<_, UserRow>(&sql).bind(id).fetch_optional(p).await)
    }

    pub async fn list_users(&self) -> Result<Vec<UserRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {USER_COLS} FROM users ORDER BY active DESC, role, lower(display_name), id"
        );
        with_pool!(self, p => sqlx::query_as::<_, UserRow>(&sql).fetch_all(p).await)
    }

    pub async fn count_users(&self) -> Result<i64, sqlx::Error> {
        with_pool!(self, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users").fetch_one(p).await)
    }

    pub async fn count_active_admins(&self) -> Result<i64, sqlx::Error> {
        with_pool!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active").fetch_one(p).await)
    }

    /// The person's interface language (`None`: follow the browser).
    pub async fn set_user_language(
        &self,
        id: i64,
        language: Option<&str>,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        with_write!(self, p => sqlx::query("UPDATE users SET language = $1, updated_at = $2 WHERE id = $3")
            .bind(language).bind(now).bind(id).execute(p).await.map(|_| ()))
    }

    pub async fn set_user_role(&self, id: i64, role: Role, now: i64) -> Result<bool, sqlx::Error> {
        with_write!(self, p => sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
            .bind(role.as_str()).bind(now).bind(id).execute(p).await.map(|r| r.rows_affected() == 1))
    }

    /// Activates or deactivates an account. Deactivating ends every session of the account in the
    /// same transaction, so the next request of that person is anonymous.
    pub async fn set_user_active(
        &self,
        id: i64,
        active: bool,
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            let changed = sqlx::query("UPDATE users SET active = $1, updated_at = $2 WHERE id = $3")
                .bind(active).bind(now).bind(id).execute(&mut *tx).await?.rows_affected() == 1;
            if !active {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(changed)
        })
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), sqlx::Error> {
        with_write!(self, p => sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash).bind(user_id).bind(now).bind(expires_at).execute(p).await.map(|_| ()))
    }

    /// The active user behind a live session, if any.
    pub async fn session_user(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<UserRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {} FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active",
            USER_COLS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        with_pool!(self, p => sqlx::query_as::<_, UserRow>(&sql).bind(token_hash).bind(now).fetch_optional(p).await)
    }

    /// When a live session of an active user expires, if it is live.
    pub async fn session_expiry(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<i64>, sqlx::Error> {
        with_pool!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active")
            .bind(token_hash).bind(now).fetch_optional(p).await)
    }

    /// Stores a new password hash and ends every session of the user except `keep` (a token
    /// hash), in one transaction. Returns whether the user exists.
    pub async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep: Option<&str>,
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        with_write!(self, p => {
            let mut tx = p.begin().await?;
            let found = sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(password_hash).bind(now).bind(user_id).execute(&mut *tx).await?.rows_affected() == 1;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user_id).bind(keep.unwrap_or("")).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(found)
        })
    }

    /// Ends one session; returns whose it was (`None`: there was no such session).
    pub async fn delete_session(&self, token_hash: &str) -> Result<Option<i64>, sqlx::Error> {
        with_write!(self, p => sqlx::query_scalar(
            "DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id")
            .bind(token_hash).fetch_optional(p).await)
    }

    pub async fn delete_expired_sessions(&self, now: i64) -> Result<u64, sqlx::Error> {
        with_write!(self, p => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now).execute(p).await.map(|r| r.rows_affected()))
    }
}
