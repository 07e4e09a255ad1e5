//! WhatsApp's customer service window: a customer's message opens 24 hours in which any message
//! may be sent; each new customer message restarts it, our own messages do not. Outside it only
//! approved templates go through. Counted from the platform's own timestamp of the customer's
//! message, never from when Baton happened to receive it. Other channels have no window.

use crate::dto::Channel;

/// How long a customer's message keeps the window open.
pub const WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// When free-form replies stop being allowed (unix ms): `None` for channels without a window. A
/// WhatsApp conversation with no customer message known has no open window (`Some(0)`).
pub fn closes_at(channel: Channel, last_customer_at: Option<i64>) -> Option<i64> {
    (channel == Channel::Whatsapp)
        .then(|| last_customer_at.map_or(0, |t| t.saturating_add(WINDOW_MS)))
}

/// Whether a free-form message may be sent at `now` (unix ms).
pub fn is_open(closes_at: Option<i64>, now: i64) -> bool {
    closes_at.is_none_or(|t| now < t)
}

/// A platform timestamp in unix seconds (WhatsApp sends it as a string: `"1749416383"`), in unix
/// ms. `None` when it is not a plausible time.
pub fn platform_seconds_to_ms(seconds: &str) -> Option<i64> {
    seconds
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|s| *s > 0)
        .and_then(|s| s.checked_mul(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WROTE: i64 = 1_749_416_383_000;

    #[test]
    fn the_window_closes_24_hours_after_the_customers_message() {
        let closes = closes_at(Channel::Whatsapp, Some(WROTE));
        assert_eq!(closes, Some(WROTE + 86_400_000));
        assert!(is_open(closes, WROTE));
        assert!(is_open(closes, WROTE + WINDOW_MS - 1));
        assert!(!is_open(closes, WROTE + WINDOW_MS));
        assert!(!is_open(closes, WROTE + 3 * WINDOW_MS));
    }

    #[test]
    fn only_whatsapp_has_a_window() {
        for channel in [Channel::Telegram, Channel::Web] {
            assert_eq!(closes_at(channel, Some(WROTE)), None);
            assert_eq!(closes_at(channel, None), None);
            assert!(is_open(None, i64::MAX));
        }
    }

    #[test]
    fn a_whatsapp_conversation_without_a_customer_message_is_closed() {
        assert_eq!(closes_at(Channel::Whatsapp, None), Some(0));
        assert!(!is_open(Some(0), 1));
        assert_eq!(
            closes_at(Channel::Whatsapp, Some(i64::MAX)),
            Some(i64::MAX),
            "no overflow"
        );
    }

    #[test]
    fn platform_seconds_become_milliseconds() {
        assert_eq!(platform_seconds_to_ms("1749416383"), Some(WROTE));
        assert_eq!(platform_seconds_to_ms(" 1749416383 "), Some(WROTE));
        for bad in ["", "soon", "-5", "0", "1.5", "99999999999999999999"] {
            assert_eq!(platform_seconds_to_ms(bad), None, "{bad:?}");
        }
        assert_eq!(platform_seconds_to_ms(&i64::MAX.to_string()), None);
    }
}
