//! Accounts: roles and the validated values an account is made of.

use super::problem::{count, Problem};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a signed-in person may do. Admins can do everything operators can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Operator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operator => "operator",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "operator" => Some(Self::Operator),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    /// Whether this role satisfies `required`.
    pub fn allows(self, required: Role) -> bool {
        self == Role::Admin || required == Role::Operator
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A problem with one form field, shown next to it (in the reader's language: see
/// `crate::text::errors`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: Problem,
}

impl FieldError {
    pub fn new(field: &str, message: Problem) -> Self {
        Self {
            field: field.to_string(),
            message,
        }
    }
}

/// A syntactically plausible email address, trimmed and lower-cased (so it is unique ignoring case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// The longest address accepted (RFC 5321's limit for a path).
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let e = raw.trim().to_lowercase();
        let err = |m: Problem| Err(FieldError::new("email", m));
        if e.is_empty() {
            return err(Problem::EmailMissing);
        }
        if e.len() > Self::MAX_LEN {
            return err(Problem::EmailTooLong {
                max: count(Self::MAX_LEN),
            });
        }
        let Some((local, domain)) = e.split_once('@') else {
            return err(Problem::EmailInvalid);
        };
        if local.is_empty()
            || domain.is_empty()
            || domain.contains('@')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || e.chars().any(char::is_whitespace)
        {
            return err(Problem::EmailInvalid);
        }
        Ok(Self(e))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name colleagues and customers see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_CHARS: usize = 80;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let n = raw.trim();
        if n.is_empty() {
            return Err(FieldError::new("display_name", Problem::NameMissing));
        }
        if n.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new(
                "display_name",
                Problem::NameTooLong {
                    max: count(Self::MAX_CHARS),
                },
            ));
        }
        Ok(Self(n.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: long enough to resist guessing, short enough to hash cheaply.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

impl NewPassword {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err(FieldError::new(
                "password",
                Problem::PasswordTooShort {
                    min: count(Self::MIN_CHARS),
                },
            ));
        }
        if n > Self::MAX_CHARS {
            return Err(FieldError::new(
                "password",
                Problem::PasswordTooLong {
                    max: count(Self::MAX_CHARS),
                },
            ));
        }
        Ok(Self(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// How many conversations an operator may hold at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity(i64);

impl Capacity {
    pub const MAX: i64 = 50;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let err = || {
            FieldError::new(
                "max_conversations",
                Problem::WholeNumber {
                    min: 1,
                    max: Self::MAX,
                },
            )
        };
        let n: i64 = raw.trim().parse().map_err(|_| err())?;
        if !(1..=Self::MAX).contains(&n) {
            return Err(err());
        }
        Ok(Self(n))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// A validated request to create an account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: Email,
    pub display_name: DisplayName,
    pub role: Role,
    pub max_conversations: Capacity,
    pub password: NewPassword,
}

impl NewAccount {
    /// Validates every field at once, so a form can show all its problems together.
    pub fn parse(
        email: &str,
        display_name: &str,
        role: &str,
        max_conversations: &str,
        password: &str,
    ) -> Result<Self, Vec<FieldError>> {
        let email = Email::parse(email);
        let name = DisplayName::parse(display_name);
        let role = Role::parse(role).ok_or_else(|| FieldError::new("role", Problem::RoleUnknown));
        let cap = Capacity::parse(max_conversations);
        let pw = NewPassword::parse(password);
        match (email, name, role, cap, pw) {
            (Ok(email), Ok(display_name), Ok(role), Ok(max_conversations), Ok(password)) => {
                Ok(Self {
                    email,
                    display_name,
                    role,
                    max_conversations,
                    password,
                })
            }
            (e, n, r, c, p) => Err([e.err(), n.err(), r.err(), c.err(), p.err()]
                .into_iter()
                .flatten()
                .collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Ana@Example.COM ").unwrap().as_str(),
            "ana@example.com"
        );
    }

    #[test]
    fn malformed_emails_are_refused_with_a_hint() {
        for bad in ["", "ana", "@x.com", "ana@", "a b@x.com", "a@@x.com", "a@x."] {
            let e = Email::parse(bad).unwrap_err();
            assert_eq!(e.field, "email", "{bad}");
        }
    }

    #[test]
    fn admins_may_do_operator_things_but_not_the_reverse() {
        assert!(Role::Admin.allows(Role::Operator));
        assert!(Role::Admin.allows(Role::Admin));
        assert!(Role::Operator.allows(Role::Operator));
        assert!(!Role::Operator.allows(Role::Admin));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("long enough!").is_ok());
    }

    #[test]
    fn capacity_must_be_a_small_positive_number() {
        assert_eq!(Capacity::parse(" 3 ").unwrap().get(), 3);
        for bad in ["0", "-1", "51", "three", ""] {
            assert!(Capacity::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_new_account_reports_every_bad_field_at_once() {
        let errs = NewAccount::parse("nope", " ", "boss", "0", "x").unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "email",
                "display_name",
                "role",
                "max_conversations",
                "password"
            ]
        );
    }

    #[test]
    fn a_valid_new_account_parses() {
        let a = NewAccount::parse("ana@x.io", "Ana", "operator", "4", "correct horse").unwrap();
        assert_eq!(a.role, Role::Operator);
        assert_eq!(a.max_conversations.get(), 4);
    }
}
