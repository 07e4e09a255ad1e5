//! The one error type. It crosses the wire to the browser (so forms can show field errors), maps to an
//! HTTP status on the server, and carries only what a person can act on: internals are logged where
//! they happen and replaced by a generic message.

use crate::domain::users::FieldError;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthorized,
    #[error("Your role does not allow this. Ask an admin if you need it.")]
    Forbidden,
    #[error("{0}")]
    NotFound(String),
    /// One or more form fields are invalid; each message belongs next to its field.
    #[error("{}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" "))]
    Invalid(Vec<FieldError>),
    /// The request was well formed but clashes with the current state (taken, duplicate, ...).
    #[error("{0}")]
    Conflict(String),
    #[error("Too many attempts in a short time. Try again in {0} seconds.")]
    RateLimited(i64),
    /// The request itself could not be read (bad encoding, missing arguments).
    #[error("The request could not be read: {0}")]
    BadRequest(String),
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
}

impl AppError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    /// The message for one form field, if this error has one.
    pub fn for_field(&self, field: &str) -> Option<String> {
        match self {
            Self::Invalid(errs) => errs
                .iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone()),
            _ => None,
        }
    }

    pub fn status_code(&self) -> u16 {
        match self {
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound(_) => 404,
            Self::Invalid(_) => 422,
            Self::Conflict(_) => 409,
            Self::RateLimited(_) => 429,
            Self::BadRequest(_) => 400,
            Self::Internal => 500,
        }
    }
}

impl From<Vec<FieldError>> for AppError {
    fn from(v: Vec<FieldError>) -> Self {
        Self::Invalid(v)
    }
}

impl From<FieldError> for AppError {
    fn from(v: FieldError) -> Self {
        Self::Invalid(vec![v])
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m)
            | ServerFnErrorErr::Deserialization(m)
            | ServerFnErrorErr::MissingArg(m) => Self::BadRequest(m),
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => {
                Self::Conflict("Baton could not be reached. Check your connection.".into())
            }
            other => {
                #[cfg(feature = "ssr")]
                tracing::error!(error = %other, "server function failure");
                #[cfg(not(feature = "ssr"))]
                leptos::logging::error!("server function failure: {other:?}");
                Self::Internal
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "database error");
        Self::Internal
    }
}

#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = http::StatusCode::from_u16(self.status_code())
            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::json!({ "error": self.to_string(), "detail": self });
        let mut res = (status, axum::Json(body)).into_response();
        if let Self::RateLimited(secs) = self {
            res.headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_maps_to_its_status() {
        assert_eq!(AppError::Unauthorized.status_code(), 401);
        assert_eq!(AppError::Forbidden.status_code(), 403);
        assert_eq!(AppError::field("email", "x").status_code(), 422);
        assert_eq!(AppError::Internal.status_code(), 500);
    }

    #[test]
    fn field_messages_are_found_by_field() {
        let e = AppError::Invalid(vec![
            FieldError::new("email", "Bad email."),
            FieldError::new("password", "Too short."),
        ]);
        assert_eq!(e.for_field("password").as_deref(), Some("Too short."));
        assert_eq!(e.for_field("role"), None);
        assert_eq!(e.to_string(), "Bad email. Too short.");
    }

    #[test]
    fn internal_errors_reveal_nothing() {
        assert!(!AppError::Internal.to_string().contains("sql"));
    }
}
