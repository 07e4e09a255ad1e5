//! What a visitor's tab may send over the widget socket (`/widget/ws`), checked without I/O.
//!
//! The widget sends `{"type": "typing"}` while the visitor types (operators see it), and customer
//! messages:
//! `{"type": "message", "text": "...", "client_id": "..."}`. The text is trimmed and must then hold
//! 1 to [`TEXT_MAX_CHARS`] characters; the `client_id` (the tab's own id for the message, echoed in
//! the `ack` so the widget can mark it sent, and the exactly-once key of the message) must hold 1 to
//! [`CLIENT_ID_MAX_CHARS`] characters. U+0000, which PostgreSQL `text` cannot store, is dropped
//! from the text and refused in the `client_id`.

use serde::Deserialize;

/// An anonymous visitor's short, readable handle ("1a2b3c"), from their contact id.
pub fn visitor_handle(external_id: &str) -> String {
    external_id.chars().take(6).collect()
}

/// Longest customer message, in characters after trimming.
pub const TEXT_MAX_CHARS: usize = 4096;
/// Longest `client_id`, in characters.
pub const CLIENT_ID_MAX_CHARS: usize = 64;

/// A customer message from the widget, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetFrame {
    /// Trimmed; 1 to [`TEXT_MAX_CHARS`] characters.
    pub text: String,
    /// 1 to [`CLIENT_ID_MAX_CHARS`] characters.
    pub client_id: String,
}

/// A satisfaction survey answer from the widget's buttons:
/// `{"type": "rating", "survey": 42, "score": 4, "comment": "..."}` (`comment` optional).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingFrame {
    /// The survey's id (positive).
    pub survey: i64,
    /// 1 to 5 (thumbs: 1 or 5; the survey's scale is checked when it is stored).
    pub score: i64,
    /// Trimmed, without U+0000, at most [`super::csat::COMMENT_MAX_CHARS`] characters kept.
    pub comment: Option<String>,
}

/// What a frame from the widget asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Message(WidgetFrame),
    /// The visitor is typing.
    Typing,
    /// The visitor rated the conversation.
    Rating(RatingFrame),
}

/// Why a frame was refused, as the sentence the widget gets back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Not JSON, or JSON of another shape (e.g. a number where text belongs).
    #[error("not a JSON message")]
    NotJson,
    /// Not a `message` frame, or its text is empty or too long once trimmed.
    #[error("a message needs 1 to {TEXT_MAX_CHARS} characters of text")]
    Text { client_id: String },
    /// The `client_id` is missing, empty, too long, or holds a U+0000.
    #[error("client_id must be 1 to {CLIENT_ID_MAX_CHARS} characters")]
    ClientId,
    /// A `rating` frame without a positive `survey` or with a `score` outside 1 to 5.
    #[error("a rating needs a survey and a score from 1 to 5")]
    Rating,
}

impl FrameError {
    /// The frame's `client_id`, when the frame was readable enough to name one, so the widget can
    /// tell which of its messages failed.
    pub fn client_id(&self) -> Option<&str> {
        match self {
            Self::Text { client_id } => Some(client_id),
            Self::NotJson | Self::ClientId | Self::Rating => None,
        }
    }
}

#[derive(Deserialize)]
struct FromWidget {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    survey: Option<i64>,
    #[serde(default)]
    score: Option<i64>,
    #[serde(default)]
    comment: Option<String>,
}

/// Reads and checks one text frame from the widget.
pub fn parse_frame(frame: &str) -> Result<Frame, FrameError> {
    // Read as JSON first, all of it: the typed reading alone skips fields it does not know without
    // checking them (a lone surrogate escape there passed), and a frame is strict JSON or nothing.
    let json = serde_json::from_str::<serde_json::Value>(frame).map_err(|_| FrameError::NotJson)?;
    let m = serde_json::from_value::<FromWidget>(json).map_err(|_| FrameError::NotJson)?;
    if m.kind == "typing" {
        return Ok(Frame::Typing);
    }
    if m.kind == "rating" {
        return match (m.survey, m.score) {
            (Some(survey), Some(score)) if survey > 0 && (1..=5).contains(&score) => {
                Ok(Frame::Rating(RatingFrame {
                    survey,
                    score,
                    comment: m.comment.as_deref().and_then(super::csat::clean_comment),
                }))
            }
            _ => Err(FrameError::Rating),
        };
    }
    // PostgreSQL `text` cannot hold U+0000: dropped from the text, refused in the client_id (the
    // widget finds its message again by the exact client_id the ack echoes).
    let text: String = m.text.chars().filter(|&c| c != '\0').collect();
    let text = text.trim();
    if m.kind != "message" || text.is_empty() || text.chars().count() > TEXT_MAX_CHARS {
        return Err(FrameError::Text {
            client_id: m.client_id,
        });
    }
    let id_chars = m.client_id.chars().count();
    if id_chars == 0 || id_chars > CLIENT_ID_MAX_CHARS || m.client_id.contains('\0') {
        return Err(FrameError::ClientId);
    }
    Ok(Frame::Message(WidgetFrame {
        text: text.to_string(),
        client_id: m.client_id,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(f: &str) -> Result<WidgetFrame, FrameError> {
        match parse_frame(f)? {
            Frame::Message(m) => Ok(m),
            other => panic!("read as {other:?}: {f}"),
        }
    }

    #[test]
    fn typing_is_its_own_frame() {
        assert_eq!(parse_frame(r#"{"type":"typing"}"#), Ok(Frame::Typing));
        assert!(matches!(
            parse_frame(r#"{"type":"typed","text":"x","client_id":"c"}"#),
            Err(FrameError::Text { .. })
        ));
    }

    #[test]
    fn a_rating_frame_names_its_survey_and_a_score_from_1_to_5() {
        assert_eq!(
            parse_frame(r#"{"type":"rating","survey":42,"score":4,"comment":"  muy bien\u0000 "}"#),
            Ok(Frame::Rating(RatingFrame {
                survey: 42,
                score: 4,
                comment: Some("muy bien".into())
            }))
        );
        assert_eq!(
            parse_frame(r#"{"type":"rating","survey":1,"score":5,"comment":"  "}"#),
            Ok(Frame::Rating(RatingFrame {
                survey: 1,
                score: 5,
                comment: None
            }))
        );
        for bad in [
            r#"{"type":"rating","survey":42,"score":6}"#,
            r#"{"type":"rating","survey":42,"score":0}"#,
            r#"{"type":"rating","survey":0,"score":3}"#,
            r#"{"type":"rating","score":3}"#,
            r#"{"type":"rating","survey":42}"#,
        ] {
            assert_eq!(parse_frame(bad), Err(FrameError::Rating), "{bad}");
        }
        for not_json in [
            r#"{"type":"rating","survey":"42","score":3}"#,
            r#"{"type":"rating","survey":42,"score":3.5}"#,
            r#"{"type":"rating","survey":42,"score":3,"comment":7}"#,
        ] {
            assert_eq!(
                parse_frame(not_json),
                Err(FrameError::NotJson),
                "{not_json}"
            );
        }
    }

    fn frame(kind: &str, text: &str, client_id: &str) -> String {
        json!({ "type": kind, "text": text, "client_id": client_id }).to_string()
    }

    #[test]
    fn a_frame_is_strict_json_even_in_fields_the_widget_does_not_read() {
        // Found by the fuzz smoke (`server/tests/api/fuzz_smoke.rs`): an invalid escape in an
        // unknown field used to pass.
        let f = r#"{"type":"message","text":"hola","client_id":"c-1","x":"\ud800"}"#;
        assert_eq!(message(f), Err(FrameError::NotJson));
        let ok = r#"{"type":"message","text":"hola","client_id":"c-1","x":"\ud83d\ude00"}"#;
        assert!(message(ok).is_ok());
    }

    #[test]
    fn a_message_frame_is_read_with_its_text_trimmed() {
        assert_eq!(
            message(&frame("message", "  hola \n", "c-1")),
            Ok(WidgetFrame {
                text: "hola".into(),
                client_id: "c-1".into()
            })
        );
    }

    #[test]
    fn text_is_counted_in_characters_after_trimming() {
        let max = "ñ".repeat(TEXT_MAX_CHARS);
        assert_eq!(message(&frame("message", &max, "c")).unwrap().text, max);
        assert_eq!(
            message(&frame("message", &format!("  {max}  "), "c"))
                .unwrap()
                .text,
            max
        );
        let over = format!("{max}a");
        assert_eq!(
            message(&frame("message", &over, "c")),
            Err(FrameError::Text {
                client_id: "c".into()
            })
        );
    }

    #[test]
    fn empty_or_blank_text_and_other_frame_types_are_refused_naming_the_client_id() {
        for f in [
            frame("message", "", "c-2"),
            frame("message", " \t\n ", "c-2"),
            frame("seen", "hola", "c-2"),
            json!({ "type": "message", "client_id": "c-2" }).to_string(),
        ] {
            let err = message(&f).unwrap_err();
            assert_eq!(err.client_id(), Some("c-2"), "{f}");
            assert_eq!(
                err.to_string(),
                "a message needs 1 to 4096 characters of text"
            );
        }
    }

    #[test]
    fn the_client_id_must_be_one_to_64_characters() {
        assert!(message(&frame("message", "hi", &"é".repeat(64))).is_ok());
        for id in [String::new(), "x".repeat(65)] {
            let err = message(&frame("message", "hi", &id)).unwrap_err();
            assert_eq!(err, FrameError::ClientId);
            assert_eq!(err.client_id(), None);
            assert_eq!(err.to_string(), "client_id must be 1 to 64 characters");
        }
        let missing = json!({ "type": "message", "text": "hi" }).to_string();
        assert_eq!(message(&missing), Err(FrameError::ClientId));
    }

    /// PostgreSQL `text` cannot store U+0000: such a message used to fail its insert.
    #[test]
    fn nul_is_dropped_from_the_text_and_refused_in_the_client_id() {
        let ok = message(&frame("message", " ho\0la\0 ", "c")).unwrap();
        assert_eq!(ok.text, "hola");
        assert_eq!(
            message(&frame("message", "\0 \0", "c")),
            Err(FrameError::Text {
                client_id: "c".into()
            })
        );
        assert_eq!(
            message(&frame("message", "hola", "c\0")),
            Err(FrameError::ClientId)
        );
    }

    #[test]
    fn what_is_not_a_json_message_object_is_refused_without_a_client_id() {
        for f in [
            "",
            "hola",
            "[]",
            "{}",
            r#"{"type": 1, "text": "hi", "client_id": "c"}"#,
            r#"{"type": "message", "text": 5, "client_id": "c"}"#,
        ] {
            let err = message(f).unwrap_err();
            assert_eq!(err, FrameError::NotJson, "{f}");
            assert_eq!(err.client_id(), None);
            assert_eq!(err.to_string(), "not a JSON message");
        }
    }
}
