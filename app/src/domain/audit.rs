//! The audit log's rules: which changes people make are recorded ([`AuditKind`]), what of a
//! change is kept (only the fields that changed, never a secret: [`changed_fields`],
//! [`scrub`]), and how a cell goes into the CSV export without becoming a formula
//! ([`csv_cell`]).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What an audit entry records. The stored name is [`AuditKind::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// Someone signed in.
    SignIn,
    /// A sign-in was refused after its password was checked (the attempted email is kept, never
    /// the password).
    SignInFailed,
    AccountCreated,
    RoleChanged,
    AccountDeactivated,
    AccountReactivated,
    /// An admin set someone's password.
    PasswordReset,
    /// Someone changed their own password.
    PasswordChanged,
    /// Settings were saved: which section, and the changed fields before and after.
    SettingsSaved,
    /// An admin took a conversation over.
    TakenOver,
    /// An admin transferred a conversation.
    Transferred,
    /// A conversation's AI bot was switched on or off.
    AiSwitched,
    ContactExported,
    ContactErased,
    /// The retention job deleted closed conversations past the kept days (no person: the
    /// system).
    RetentionDeleted,
    ScenarioPublished,
    ScenarioRestored,
}

impl AuditKind {
    pub const ALL: [AuditKind; 17] = [
        Self::SignIn,
        Self::SignInFailed,
        Self::AccountCreated,
        Self::RoleChanged,
        Self::AccountDeactivated,
        Self::AccountReactivated,
        Self::PasswordReset,
        Self::PasswordChanged,
        Self::SettingsSaved,
        Self::TakenOver,
        Self::Transferred,
        Self::AiSwitched,
        Self::ContactExported,
        Self::ContactErased,
        Self::RetentionDeleted,
        Self::ScenarioPublished,
        Self::ScenarioRestored,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::SignInFailed => "sign_in_failed",
            Self::AccountCreated => "account_created",
            Self::RoleChanged => "role_changed",
            Self::AccountDeactivated => "account_deactivated",
            Self::AccountReactivated => "account_reactivated",
            Self::PasswordReset => "password_reset",
            Self::PasswordChanged => "password_changed",
            Self::SettingsSaved => "settings_saved",
            Self::TakenOver => "taken_over",
            Self::Transferred => "transferred",
            Self::AiSwitched => "ai_switched",
            Self::ContactExported => "contact_exported",
            Self::ContactErased => "contact_erased",
            Self::RetentionDeleted => "retention_deleted",
            Self::ScenarioPublished => "scenario_published",
            Self::ScenarioRestored => "scenario_restored",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Words that mark a field as secret: such a field is never stored in an entry.
const SECRET_WORDS: [&str; 5] = ["password", "token", "secret", "hash", "key"];

fn is_secret(field: &str) -> bool {
    let f = field.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| f.contains(w))
}

/// `value` without any field whose name says it holds a secret (password, token, secret, hash,
/// key), at any depth.
pub fn scrub(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| !is_secret(k))
                .map(|(k, v)| (k, scrub(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(scrub).collect()),
        other => other,
    }
}

/// The fields of two objects that differ, as `(before, after)` objects holding only those
/// fields (a field missing on one side is `null` there). Anything but two objects is returned
/// whole when it differs.
pub fn changed_fields(before: &Value, after: &Value) -> (Value, Value) {
    let (Value::Object(b), Value::Object(a)) = (before, after) else {
        return if before == after {
            (Value::Object(Map::new()), Value::Object(Map::new()))
        } else {
            (before.clone(), after.clone())
        };
    };
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    let (mut was, mut is) = (Map::new(), Map::new());
    for k in keys {
        let (old, new) = (
            b.get(k).unwrap_or(&Value::Null),
            a.get(k).unwrap_or(&Value::Null),
        );
        if old != new {
            was.insert(k.clone(), old.clone());
            is.insert(k.clone(), new.clone());
        }
    }
    (Value::Object(was), Value::Object(is))
}

/// A text cell for a CSV file that a spreadsheet opens: a cell starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return would be read as a formula, so it gets a leading `'`.
pub fn csv_cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// Entries per page of the audit log.
pub const PAGE: i64 = 50;
/// The most entries one CSV export holds.
pub const MAX_EXPORT: i64 = 100_000;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_reads_back_from_its_name() {
        for k in AuditKind::ALL {
            assert_eq!(AuditKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                Value::String(k.as_str().into())
            );
        }
        assert_eq!(AuditKind::parse("dropped_table"), None);
    }

    #[test]
    fn only_changed_fields_are_kept() {
        let before = json!({"policy": "first_to_accept", "offer_secs": 60, "sla": 120});
        let after = json!({"policy": "round_robin", "offer_secs": 60, "sla": 90, "new": true});
        assert_eq!(
            changed_fields(&before, &after),
            (
                json!({"policy": "first_to_accept", "sla": 120, "new": null}),
                json!({"policy": "round_robin", "sla": 90, "new": true})
            )
        );
        assert_eq!(
            changed_fields(&before, &before),
            (json!({}), json!({})),
            "nothing changed"
        );
        assert_eq!(
            changed_fields(&json!("operator"), &json!("admin")),
            (json!("operator"), json!("admin"))
        );
    }

    #[test]
    fn secrets_never_stay_in_an_entry() {
        let v = json!({
            "email": "ana@x.io",
            "password": "hunter2hunter2",
            "nested": {"new_password": "x", "session_token": "t", "role": "admin"},
            "list": [{"app_secret": "s", "n": 1}],
            "password_hash": "$argon2id$..."
        });
        assert_eq!(
            scrub(v),
            json!({"email": "ana@x.io", "nested": {"role": "admin"}, "list": [{"n": 1}]})
        );
    }

    #[test]
    fn cells_that_a_spreadsheet_would_run_are_neutralised() {
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(csv_cell("+34 600"), "'+34 600");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("\rx"), "'\rx");
        assert_eq!(csv_cell("Ana = admin"), "Ana = admin");
        assert_eq!(csv_cell(""), "");
    }
}
