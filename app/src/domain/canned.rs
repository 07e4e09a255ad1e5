//! Canned replies: a shortcut an operator types after `/` in the composer, and the text it puts
//! there with `{{name}}` (the customer) and `{{agent}}` (the operator) filled in. Shared replies
//! are kept by admins; each operator keeps personal ones.

use super::problem::{count, Problem};
use super::users::FieldError;

/// The longest shortcut.
pub const MAX_SHORTCUT_CHARS: usize = 32;
/// The longest reply text (a reply's own limit).
pub const MAX_BODY_CHARS: usize = super::MAX_REPLY_CHARS;
/// How many replies one owner (the shared set, or one operator) may keep.
pub const MAX_PER_OWNER: i64 = 200;

/// A reply as it will be stored: shortcut without its `/`, lower-cased; body trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannedText {
    pub shortcut: String,
    pub body: String,
}

/// Checks a reply's fields (all problems at once).
pub fn check(shortcut: &str, body: &str) -> Result<CannedText, Vec<FieldError>> {
    let shortcut = shortcut.trim().trim_start_matches('/').to_lowercase();
    let body = body.trim().to_string();
    let mut errors = Vec::new();
    if shortcut.is_empty() {
        errors.push(FieldError::new("shortcut", Problem::ShortcutMissing));
    } else if shortcut.chars().count() > MAX_SHORTCUT_CHARS {
        errors.push(FieldError::new(
            "shortcut",
            Problem::ShortcutTooLong {
                max: count(MAX_SHORTCUT_CHARS),
            },
        ));
    } else if !shortcut
        .chars()
        .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        errors.push(FieldError::new("shortcut", Problem::ShortcutChars));
    }
    if body.is_empty() {
        errors.push(FieldError::new("body", Problem::ReplyEmpty));
    } else if body.chars().count() > MAX_BODY_CHARS {
        errors.push(FieldError::new(
            "body",
            Problem::ReplyTooLong {
                max: count(MAX_BODY_CHARS),
            },
        ));
    }
    if errors.is_empty() {
        Ok(CannedText { shortcut, body })
    } else {
        Err(errors)
    }
}

/// The reply's text for this conversation: `{{name}}` becomes the customer's name and `{{agent}}`
/// the operator's. Without a name, the placeholder goes with the space before it ("Hi {{name}},"
/// reads "Hi,").
pub fn fill(body: &str, customer: &str, agent: &str) -> String {
    let customer = customer.trim();
    let mut text = body.to_string();
    for (key, value) in [("name", customer), ("agent", agent.trim())] {
        for spelt in [format!("{{{{{key}}}}}"), format!("{{{{ {key} }}}}")] {
            if value.is_empty() {
                text = text.replace(&format!(" {spelt}"), "");
            }
            text = text.replace(&spelt, value);
        }
    }
    text
}

/// What the composer's text asks the reply list for: the words after a leading `/` (no space or
/// line break yet), or `None` when the text is not a shortcut being typed.
pub fn query(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('/')?;
    (!rest.contains(char::is_whitespace)).then_some(rest)
}

/// Whether a reply answers `query`, ignoring case: `Some(0)` when its shortcut starts with it,
/// `Some(1)` when its text contains it (shortcut matches list first), `None` otherwise.
pub fn rank(shortcut: &str, body: &str, query: &str) -> Option<u8> {
    let q = query.to_lowercase();
    if shortcut.to_lowercase().starts_with(&q) {
        Some(0)
    } else if body.to_lowercase().contains(&q) {
        Some(1)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_is_trimmed_and_its_shortcut_normalised() {
        let c = check(" /Hours ", "  We open at 9.  ").unwrap();
        assert_eq!(c.shortcut, "hours");
        assert_eq!(c.body, "We open at 9.");
        assert!(
            check("envío_gratis-2", "ok").is_ok(),
            "letters of any script"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let e = check("two words", "").unwrap_err();
        assert_eq!(
            e,
            vec![
                FieldError::new("shortcut", Problem::ShortcutChars),
                FieldError::new("body", Problem::ReplyEmpty),
            ]
        );
        let e = check("/", &"x".repeat(MAX_BODY_CHARS + 1)).unwrap_err();
        assert_eq!(e[0], FieldError::new("shortcut", Problem::ShortcutMissing));
        assert_eq!(e[1].message, Problem::ReplyTooLong { max: 4096 });
        let long = "a".repeat(MAX_SHORTCUT_CHARS + 1);
        assert_eq!(
            check(&long, "x").unwrap_err()[0].message,
            Problem::ShortcutTooLong { max: 32 }
        );
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            fill("Hi {{name}}, {{agent}} here.", "Ann", "Ben"),
            "Hi Ann, Ben here."
        );
        assert_eq!(fill("Hola {{ name }}!", "Ana", ""), "Hola Ana!");
        assert_eq!(
            fill("Hi {{name}}, {{agent}} here.", "  ", "Ben"),
            "Hi, Ben here."
        );
        assert_eq!(fill("No placeholders", "Ann", "Ben"), "No placeholders");
    }

    #[test]
    fn a_slash_at_the_start_asks_for_replies() {
        assert_eq!(query("/"), Some(""));
        assert_eq!(query("/hou"), Some("hou"));
        assert_eq!(query("/hours and"), None, "a space ends the shortcut");
        assert_eq!(query("see /hours"), None);
        assert_eq!(query(""), None);
    }

    #[test]
    fn shortcuts_rank_before_texts() {
        assert_eq!(rank("hours", "We open at 9", "HO"), Some(0));
        assert_eq!(rank("open", "Opening hours", "hours"), Some(1));
        assert_eq!(rank("price", "It costs 5", "hours"), None);
    }
}
