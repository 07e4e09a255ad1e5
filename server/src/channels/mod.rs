//! Thin protocol adapters for the customer channels: parse what a platform posts to us into
//! [`IncomingMessage`]s and delivery receipts, and send replies back. No business rules here.

pub mod media;
pub mod send;
pub mod signals;
pub mod telegram;
pub mod whatsapp;

use app::services::ingest::IncomingMessage;

/// A delivery receipt for one of our outbound messages.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusUpdate {
    pub platform_message_id: String,
    pub status: String,
    pub error: Option<String>,
    /// Why a `failed` one failed, when the platform's code is one operators are told about.
    pub error_kind: Option<app::domain::delivery::FailureKind>,
}

/// A customer's press of a satisfaction survey button (`csat:<survey>:<score>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingPress {
    /// Who pressed: the WhatsApp `wa_id` or the Telegram chat id.
    pub external_id: String,
    pub survey: i64,
    pub score: i64,
    /// Telegram: the callback query to answer (the button stops spinning).
    pub callback_id: Option<String>,
}

/// Everything one webhook call carried.
#[derive(Debug, Default, PartialEq)]
pub struct Parsed {
    pub messages: Vec<IncomingMessage>,
    pub statuses: Vec<StatusUpdate>,
    pub ratings: Vec<RatingPress>,
    /// Parts we do not understand (logged and acknowledged, never an error).
    pub ignored: usize,
}

impl Parsed {
    /// What a platform sent, made storable. PostgreSQL `text` cannot hold U+0000 (the insert fails,
    /// the webhook answers 500 and the platform redelivers the same body for days), so NULs are
    /// dropped from every string; a message left without its sender or id, or a receipt without
    /// its message id (the exactly-once keys), is ignored rather than merged with others.
    fn storable(mut self) -> Self {
        let before = self.messages.len() + self.statuses.len() + self.ratings.len();
        for r in &mut self.ratings {
            [&mut r.external_id]
                .into_iter()
                .chain(r.callback_id.as_mut())
                .for_each(strip_nul);
        }
        self.ratings.retain(|r| !r.external_id.is_empty());
        for m in &mut self.messages {
            let media = m.media.iter_mut().flat_map(|x| {
                [
                    Some(&mut x.kind),
                    x.id.as_mut(),
                    x.mime_type.as_mut(),
                    x.url.as_mut(),
                    x.filename.as_mut(),
                ]
            });
            [&mut m.external_id, &mut m.platform_message_id, &mut m.text]
                .into_iter()
                .chain(m.contact_name.as_mut())
                .chain(m.phone.as_mut())
                .chain(m.account.as_mut())
                .chain(media.flatten())
                .for_each(strip_nul);
        }
        for s in &mut self.statuses {
            [&mut s.platform_message_id, &mut s.status]
                .into_iter()
                .chain(s.error.as_mut())
                .for_each(strip_nul);
        }
        self.messages
            .retain(|m| !m.external_id.is_empty() && !m.platform_message_id.is_empty());
        self.statuses.retain(|s| !s.platform_message_id.is_empty());
        self.ignored += before - self.messages.len() - self.statuses.len() - self.ratings.len();
        self
    }
}

/// Drops U+0000, which PostgreSQL `text` cannot store.
fn strip_nul(s: &mut String) {
    if s.contains('\0') {
        s.retain(|c| c != '\0');
    }
}

/// Compares two secrets without leaking where they differ through timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn equal_secrets_match_and_others_do_not() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
