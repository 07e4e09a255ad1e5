//! The one error type. It crosses the wire to the browser (so forms can show field errors), maps to an
//! HTTP status on the server, and carries only what a person can act on: internals are logged where
//! they happen and replaced by a generic message.

use crate::domain::problem::Problem;
use crate::domain::users::FieldError;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a person reads is data ([`Problem`]), worded in their language by
/// [`crate::text::errors::error`]; `Display` gives the English of the same words, for logs and API
/// clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AppError {
    Unauthorized,
    Forbidden,
    NotFound(Problem),
    /// One or more form fields are invalid; each message belongs next to its field.
    Invalid(Vec<FieldError>),
    /// The request was well formed but clashes with the current state (taken, duplicate, ...).
    Conflict(Problem),
    /// An upload over its size limit (413).
    TooLarge(Problem),
    /// An upload of a type that is not accepted (415).
    UnsupportedType(Problem),
    /// Seconds until another attempt is counted.
    RateLimited(i64),
    /// The request itself could not be read (bad encoding, missing arguments). The text is the
    /// library's or the handler's detail for logs and API clients; people read a plain sentence.
    BadRequest(String),
    Internal,
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::text::errors::error(crate::i18n::Locale::en, self))?;
        if let Self::BadRequest(detail) = self {
            write!(f, " Detail: {detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

impl AppError {
    pub fn field(field: &str, message: Problem) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    /// The problem with one form field, if this error has one.
    pub fn for_field(&self, field: &str) -> Option<&Problem> {
        match self {
            Self::Invalid(errs) => errs.iter().find(|e| e.field == field).map(|e| &e.message),
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
            Self::TooLarge(_) => 413,
            Self::UnsupportedType(_) => 415,
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
                Self::Conflict(Problem::Unreachable)
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
        assert_eq!(
            AppError::field("email", Problem::EmailMissing).status_code(),
            422
        );
        assert_eq!(AppError::Internal.status_code(), 500);
    }

    #[test]
    fn field_messages_are_found_by_field() {
        let e = AppError::Invalid(vec![
            FieldError::new("email", Problem::EmailInvalid),
            FieldError::new("password", Problem::PasswordTooShort { min: 10 }),
        ]);
        assert_eq!(
            e.for_field("password"),
            Some(&Problem::PasswordTooShort { min: 10 })
        );
        assert_eq!(e.for_field("role"), None);
        assert_eq!(
            e.to_string(),
            "Enter an email address like ana@example.com. Use at least 10 characters."
        );
    }

    #[test]
    fn internal_errors_reveal_nothing() {
        assert!(!AppError::Internal.to_string().contains("sql"));
        assert_eq!(
            AppError::Internal.to_string(),
            "Something went wrong on our side. Please try again in a moment."
        );
    }

    #[test]
    fn errors_cross_the_wire_as_data() {
        let e = AppError::Conflict(Problem::TakenBy {
            name: Some("Ana".into()),
        });
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, r#"{"Conflict":{"kind":"taken_by","name":"Ana"}}"#);
        assert_eq!(serde_json::from_str::<AppError>(&json).unwrap(), e);
        let unit = serde_json::to_string(&AppError::Unauthorized).unwrap();
        assert_eq!(unit, r#""Unauthorized""#);
    }
}
