//! Customer satisfaction (CSAT): when a conversation an operator handled is closed, the customer
//! is asked to rate it, 1 to 5 (`stars`) or thumbs up / down (`thumbs`, stored as 5 / 1; see the
//! `csat_surveys` table). Buttons carry `csat:<survey id>:<score>`; a plain reply of the digit
//! shortly after asking counts too. The first answer stands: a second one is ignored.

use super::problem::Problem;
use super::users::FieldError;
use serde::{Deserialize, Serialize};

/// How long after asking a plain digit reply (`4`) counts as the answer (ms).
pub const DIGIT_REPLY_MS: i64 = 10 * 60 * 1000;
/// How long a survey's buttons stay answerable (ms); older presses are ignored.
pub const ANSWER_WINDOW_MS: i64 = 7 * 24 * 3600 * 1000;
/// The longest question, in characters.
pub const QUESTION_MAX_CHARS: usize = 500;
/// The longest comment kept, in characters.
pub const COMMENT_MAX_CHARS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// 1 to 5.
    #[default]
    Stars,
    /// Thumbs down (1) or up (5).
    Thumbs,
}

impl Scale {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stars => "stars",
            Self::Thumbs => "thumbs",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "stars" => Some(Self::Stars),
            "thumbs" => Some(Self::Thumbs),
            _ => None,
        }
    }

    /// Whether `score` is an answer on this scale.
    pub fn valid(self, score: i64) -> bool {
        match self {
            Self::Stars => (1..=5).contains(&score),
            Self::Thumbs => score == 1 || score == 5,
        }
    }

    /// The choices offered, in order: `(score, button title)`.
    pub fn choices(self, spanish: bool) -> Vec<(u8, String)> {
        match self {
            Self::Stars => (1..=5u8)
                .map(|n| (n, format!("{n} {}", "⭐".repeat(n as usize))))
                .collect(),
            Self::Thumbs => {
                let (up, down) = if spanish {
                    ("👍 Bien", "👎 Mal")
                } else {
                    ("👍 Good", "👎 Bad")
                };
                vec![(5, up.to_string()), (1, down.to_string())]
            }
        }
    }
}

/// The deployment's survey settings (admins edit them in Settings). Off by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CsatSettings {
    pub enabled: bool,
    pub scale: Scale,
    /// The question, in Spanish.
    pub question: String,
    /// The question, in English.
    pub question_en: String,
}

impl Default for CsatSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            scale: Scale::Stars,
            question: "¿Cómo valorarías la atención que recibiste?".to_string(),
            question_en: "How would you rate the help you got?".to_string(),
        }
    }
}

impl CsatSettings {
    /// The question in the customer's language (the other one when it is blank).
    pub fn question_for(&self, spanish: bool) -> &str {
        super::bot::in_language(spanish, &self.question, &self.question_en)
    }
}

/// The Settings form for surveys.
pub fn parse_csat_settings(
    enabled: bool,
    scale: &str,
    question: &str,
    question_en: &str,
) -> Result<CsatSettings, Vec<FieldError>> {
    let mut errors = Vec::new();
    let scale = Scale::parse(scale).unwrap_or_else(|| {
        errors.push(FieldError::new("scale", Problem::ScaleUnknown));
        Scale::Stars
    });
    for (field, text) in [("question", question), ("question_en", question_en)] {
        let n = text.trim().chars().count();
        if n > QUESTION_MAX_CHARS
            || (n == 0 && field == "question" && question_en.trim().is_empty())
        {
            errors.push(FieldError::new(
                field,
                Problem::TextLength {
                    min: 1,
                    max: QUESTION_MAX_CHARS as i64,
                },
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CsatSettings {
        enabled,
        scale,
        question: question.trim().to_string(),
        question_en: question_en.trim().to_string(),
    })
}

/// What an outbound survey message carries besides its text (stored with the message, read by
/// each channel's sender to draw its buttons).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyAsk {
    pub id: i64,
    pub scale: Scale,
    /// The customer's language: Spanish or not (button titles, list label).
    pub spanish: bool,
}

impl SurveyAsk {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(s: &str) -> Option<Self> {
        serde_json::from_str(s).ok()
    }

    /// `(button id, title)` for each choice.
    pub fn buttons(&self) -> Vec<(String, String)> {
        self.scale
            .choices(self.spanish)
            .into_iter()
            .map(|(n, title)| (reply_id(self.id, n), title))
            .collect()
    }

    /// WhatsApp's list button label.
    pub fn list_label(&self) -> &'static str {
        if self.spanish {
            "Valorar"
        } else {
            "Rate"
        }
    }
}

/// A button's id: `csat:<survey>:<score>`.
pub fn reply_id(survey: i64, score: u8) -> String {
    format!("csat:{survey}:{score}")
}

/// Reads a button id back: the survey and score, or `None` for anything else.
pub fn parse_reply_id(id: &str) -> Option<(i64, i64)> {
    let rest = id.strip_prefix("csat:")?;
    let (survey, score) = rest.split_once(':')?;
    if !survey.bytes().all(|b| b.is_ascii_digit()) || !matches!(score, "1" | "2" | "3" | "4" | "5")
    {
        return None;
    }
    let survey: i64 = survey.parse().ok().filter(|s| *s > 0)?;
    Some((survey, score.parse().ok()?))
}

/// A plain reply read as an answer on `scale`: a digit 1-5 for stars, 👍 / 👎 (or 5 / 1) for
/// thumbs. Anything else is an ordinary message.
pub fn parse_plain_answer(text: &str, scale: Scale) -> Option<i64> {
    let t = text.trim();
    let score = match t {
        "👍" | "👍🏻" | "👍🏼" | "👍🏽" | "👍🏾" | "👍🏿" => 5,
        "👎" | "👎🏻" | "👎🏼" | "👎🏽" | "👎🏾" | "👎🏿" => 1,
        _ if t.len() == 1 => t.parse().ok()?,
        _ => return None,
    };
    scale.valid(score).then_some(score)
}

/// A comment as stored: trimmed, NULs dropped, cut to [`COMMENT_MAX_CHARS`]; `None` when empty.
pub fn clean_comment(text: &str) -> Option<String> {
    let t: String = text
        .chars()
        .filter(|&c| c != '\0')
        .collect::<String>()
        .trim()
        .chars()
        .take(COMMENT_MAX_CHARS)
        .collect();
    (!t.is_empty()).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_ids_round_trip_and_others_are_refused() {
        assert_eq!(reply_id(42, 4), "csat:42:4");
        assert_eq!(parse_reply_id("csat:42:4"), Some((42, 4)));
        for bad in [
            "csat:42:6",
            "csat:42:0",
            "csat:0:3",
            "csat:x:3",
            "csat:42",
            "csat:42:04",
            "nps:1:2",
            "csat:42:4:1",
            "",
        ] {
            assert_eq!(parse_reply_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn plain_answers_follow_the_scale() {
        assert_eq!(parse_plain_answer(" 4 ", Scale::Stars), Some(4));
        assert_eq!(parse_plain_answer("6", Scale::Stars), None);
        assert_eq!(parse_plain_answer("45", Scale::Stars), None);
        assert_eq!(parse_plain_answer("gracias 5", Scale::Stars), None);
        assert_eq!(parse_plain_answer("👍", Scale::Thumbs), Some(5));
        assert_eq!(parse_plain_answer("👎🏽", Scale::Thumbs), Some(1));
        assert_eq!(parse_plain_answer("3", Scale::Thumbs), None);
        assert_eq!(parse_plain_answer("1", Scale::Thumbs), Some(1));
    }

    #[test]
    fn choices_and_buttons() {
        let ask = SurveyAsk {
            id: 7,
            scale: Scale::Thumbs,
            spanish: true,
        };
        assert_eq!(
            ask.buttons(),
            vec![
                ("csat:7:5".to_string(), "👍 Bien".to_string()),
                ("csat:7:1".to_string(), "👎 Mal".to_string())
            ]
        );
        let stars = Scale::Stars.choices(false);
        assert_eq!(stars.len(), 5);
        assert_eq!(stars[2], (3, "3 ⭐⭐⭐".to_string()));
        assert_eq!(SurveyAsk::from_json(&ask.to_json()), Some(ask));
    }

    #[test]
    fn settings_are_off_by_default_and_checked() {
        let d = CsatSettings::default();
        assert!(!d.enabled);
        assert_eq!(
            d.question_for(false),
            "How would you rate the help you got?"
        );
        let s = parse_csat_settings(true, "thumbs", " ¿Qué tal? ", "").unwrap();
        assert_eq!(s.question_for(false), "¿Qué tal?");
        assert_eq!(s.scale, Scale::Thumbs);
        let e = parse_csat_settings(true, "nps", "", "").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["scale", "question"]);
    }

    #[test]
    fn comments_are_trimmed_and_cut() {
        assert_eq!(clean_comment("  \0 "), None);
        assert_eq!(clean_comment(" muy bien\0 "), Some("muy bien".into()));
        assert_eq!(
            clean_comment(&"x".repeat(2000)).map(|c| c.len()),
            Some(COMMENT_MAX_CHARS)
        );
    }
}
