//! Keeping secrets out of errors. A failed request's error from reqwest names the URL it was
//! sending to, and Telegram's URLs hold the bot token (`/bot<token>/sendMessage`), APNs URLs a
//! device token, Web Push URLs a subscription's capability, an external bot's URL perhaps a
//! password. Every outcome that may reach a log line, `delivery_error`, an event or a page is
//! therefore built from [`describe`], and channel outcomes also pass through a [`Redactor`]
//! holding the configured secrets.

use std::error::Error as _;

/// A failed request in words, without its URL: what went wrong and the innermost cause
/// (for example "could not connect: Connection refused (os error 111)").
pub fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_redirect() {
        "answered with a redirect, which is not followed"
    } else if e.is_body() || e.is_decode() {
        "sent an unreadable answer"
    } else {
        "the request failed"
    };
    let mut cause: Option<&(dyn std::error::Error + 'static)> = e.source();
    let mut innermost = None;
    while let Some(c) = cause {
        innermost = Some(c);
        cause = c.source();
    }
    match innermost.map(|c| scrub_urls(&c.to_string())) {
        Some(c) if !c.is_empty() && !e.is_timeout() => format!("{what}: {c}"),
        _ => what.to_string(),
    }
}

/// Replaces anything that looks like a URL with `[url]` (belt and braces for causes that quote
/// one).
fn scrub_urls(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            let w2 = w.trim_start_matches(['(', '"', '\'']);
            if w2.starts_with("http://") || w2.starts_with("https://") {
                "[url]"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Replaces every configured secret in a text with `[redacted]`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// Secrets shorter than 6 characters are ignored: replacing them would garble ordinary words.
    pub fn new<I: IntoIterator<Item = String>>(secrets: I) -> Self {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 6).collect();
        // Longest first, so a secret containing another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Self { secrets }
    }

    pub fn clean(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "[redacted]");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redactor_removes_every_secret() {
        let r = Redactor::new(["123456:ABC-token".to_string(), "abc".to_string()]);
        assert_eq!(
            r.clean("POST /bot123456:ABC-token/sendMessage failed (abc)"),
            "POST /bot[redacted]/sendMessage failed (abc)"
        );
    }

    #[test]
    fn urls_in_causes_are_scrubbed() {
        assert_eq!(
            scrub_urls("error for (https://api.telegram.org/bot1:x/sendMessage) here"),
            "error for [url] here"
        );
    }

    #[tokio::test]
    async fn a_failed_request_is_described_without_its_url() {
        // A port nobody listens on: connection refused.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let url = format!("http://127.0.0.1:{port}/bot999:SECRET-token/sendMessage");
        let e = reqwest::Client::new().post(&url).send().await.unwrap_err();
        assert!(
            e.to_string().contains("SECRET-token"),
            "reqwest names the URL: {e}"
        );
        let d = describe(&e);
        assert!(!d.contains("SECRET-token") && !d.contains("/bot"), "{d}");
        assert!(d.starts_with("could not connect"), "{d}");
    }
}
