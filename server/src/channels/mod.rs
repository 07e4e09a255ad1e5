//! Thin protocol adapters for the customer channels: parse what a platform posts to us into
//! [`IncomingMessage`]s and delivery receipts, and send replies back. No business rules here.

pub mod send;
pub mod telegram;
pub mod whatsapp;

use app::services::ingest::IncomingMessage;

/// A delivery receipt for one of our outbound messages.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusUpdate {
    pub platform_message_id: String,
    pub status: String,
    pub error: Option<String>,
}

/// Everything one webhook call carried.
#[derive(Debug, Default, PartialEq)]
pub struct Parsed {
    pub messages: Vec<IncomingMessage>,
    pub statuses: Vec<StatusUpdate>,
    /// Parts we do not understand (logged and acknowledged, never an error).
    pub ignored: usize,
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
