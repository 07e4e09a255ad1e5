//! Privacy settings and their rules: how long closed conversations are kept, and phone numbers
//! masked for operators (admins always see them whole).

use super::problem::Problem;
use super::users::FieldError;
use serde::{Deserialize, Serialize};

/// The longest retention an admin may set (ten years); longer is "forever" (empty).
pub const MAX_RETENTION_DAYS: i64 = 3650;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// What Settings > Privacy holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacySettings {
    /// Closed conversations are deleted this many days after their close; `None` keeps them
    /// forever (the default).
    #[serde(default)]
    pub retention_days: Option<i64>,
    /// Operators see phone numbers masked (admins never do).
    #[serde(default)]
    pub mask_phones: bool,
}

impl PrivacySettings {
    /// Reads the form: `retention_days` empty (forever) or a whole number of days from 1 to
    /// [`MAX_RETENTION_DAYS`]; `mask_phones` a checkbox (present: on).
    pub fn parse(retention_days: &str, mask_phones: bool) -> Result<Self, FieldError> {
        let days = retention_days.trim();
        let retention_days = if days.is_empty() {
            None
        } else {
            match days.parse::<i64>() {
                Ok(n) if (1..=MAX_RETENTION_DAYS).contains(&n) => Some(n),
                _ => {
                    return Err(FieldError::new(
                        "retention_days",
                        Problem::WholeNumber {
                            min: 1,
                            max: MAX_RETENTION_DAYS,
                        },
                    ))
                }
            }
        };
        Ok(Self {
            retention_days,
            mask_phones,
        })
    }

    /// Conversations closed before this instant (unix ms) are past retention at `now`; `None`
    /// when they are kept forever.
    pub fn cutoff(&self, now: i64) -> Option<i64> {
        self.retention_days.map(|d| now - d * DAY_MS)
    }

    /// Whether a reader (admin or not) sees phone numbers masked.
    pub fn masks_for(&self, is_admin: bool) -> bool {
        self.mask_phones && !is_admin
    }
}

/// How many leading and trailing digits a masked number keeps.
const KEEP_FIRST: usize = 3;
const KEEP_LAST: usize = 2;
/// Fewer digits than this and every digit is masked (too short to show any).
const MIN_DIGITS_SHOWN: usize = 7;
/// What replaces a hidden digit.
pub const MASK: char = '•';

/// A phone number with its middle digits hidden, keeping its `+` and separators:
/// `+34 600 111 288` reads `+34 6•• ••• •88`. Numbers under seven digits are hidden whole.
pub fn mask_phone(phone: &str) -> String {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let show = digits >= MIN_DIGITS_SHOWN;
    let mut seen = 0;
    phone
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if show && (seen <= KEEP_FIRST || seen > digits - KEEP_LAST) {
                c
            } else {
                MASK
            }
        })
        .collect()
}

/// Whether a name shown for a contact is in fact their phone number (`+` and at least seven
/// digits, with only spaces, dots, dashes and brackets between): a contact without a name is
/// shown by their number. A Telegram id (digits without `+`) is not a phone number.
pub fn is_phone_number(text: &str) -> bool {
    let t = text.trim();
    t.starts_with('+')
        && t.chars().filter(char::is_ascii_digit).count() >= MIN_DIGITS_SHOWN
        && t[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')'))
}

/// A contact's shown name as a masked reader reads it: masked when it is a phone number.
pub fn mask_name(name: &str) -> String {
    if is_phone_number(name) {
        mask_phone(name)
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_country_code_start_and_last_two_digits() {
        assert_eq!(mask_phone("+34 600 111 288"), "+34 6•• ••• •88");
        assert_eq!(mask_phone("+5215512345678"), "+521••••••••78");
        assert_eq!(mask_phone("+44 (7700) 900-123"), "+44 (7•••) •••-•23");
        assert_eq!(mask_phone("+1234567"), "+123••67");
        assert_eq!(mask_phone("123456"), "••••••", "too short to show any");
        assert_eq!(mask_phone(""), "");
        assert!(!mask_phone("+34 600 111 288").contains("111"));
    }

    #[test]
    fn only_names_that_are_phone_numbers_are_masked() {
        assert!(is_phone_number("+34 600 111 288"));
        assert!(is_phone_number("+5215512345678"));
        assert!(!is_phone_number("123456789"), "a Telegram id");
        assert!(!is_phone_number("+123456"), "six digits");
        assert!(!is_phone_number("Ana +34 600 111 288"));
        assert!(!is_phone_number("+34 600 111 288 ext. 4"));
        assert_eq!(mask_name("+34 600 111 288"), "+34 6•• ••• •88");
        assert_eq!(mask_name("Lucía Gómez"), "Lucía Gómez");
        assert_eq!(mask_name("Web visitor 1a2b3c"), "Web visitor 1a2b3c");
    }

    #[test]
    fn admins_always_see_numbers_and_operators_only_when_the_setting_is_off() {
        let on = PrivacySettings {
            retention_days: None,
            mask_phones: true,
        };
        assert!(on.masks_for(false));
        assert!(!on.masks_for(true));
        assert!(!PrivacySettings::default().masks_for(false));
    }

    #[test]
    fn retention_is_forever_or_a_number_of_days() {
        assert_eq!(
            PrivacySettings::parse("  ", false),
            Ok(PrivacySettings::default())
        );
        assert_eq!(
            PrivacySettings::parse("30", true),
            Ok(PrivacySettings {
                retention_days: Some(30),
                mask_phones: true
            })
        );
        for bad in ["0", "-3", "3651", "1.5", "soon"] {
            assert_eq!(
                PrivacySettings::parse(bad, false).map_err(|e| e.field),
                Err("retention_days".to_string()),
                "{bad}"
            );
        }
        let s = PrivacySettings::parse("2", false).unwrap();
        assert_eq!(s.cutoff(10 * DAY_MS), Some(8 * DAY_MS));
        assert_eq!(PrivacySettings::default().cutoff(10 * DAY_MS), None);
    }
}
