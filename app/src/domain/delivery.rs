//! Outbound delivery policy: what to do after a send attempt. Pure: the caller passes the
//! attempt number and a jitter value, and gets back "done", "retry in N ms" or "give up".

use serde::{Deserialize, Serialize};

/// Why a platform refused a message, as data: stored with the message and worded for the
/// operator in their language (`errors.send_failed.*`). From WhatsApp's error codes, in the send
/// response or a later `failed` status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// 131047: more than 24 hours since the customer last wrote; only a template goes through.
    WindowClosed,
    /// 131026: the message could not be delivered (not on WhatsApp, old app, blocked...).
    Undeliverable,
    /// 131051: a message type WhatsApp does not support.
    UnsupportedType,
    /// 132000: the template's parameter count does not match what was sent.
    TemplateParams,
    /// 132001: no approved template with that name in that language.
    TemplateMissing,
}

impl FailureKind {
    pub const ALL: [Self; 5] = [
        Self::WindowClosed,
        Self::Undeliverable,
        Self::UnsupportedType,
        Self::TemplateParams,
        Self::TemplateMissing,
    ];

    /// WhatsApp Cloud API error codes (the code, not the title, which Meta is phasing out).
    pub fn from_whatsapp_code(code: i64) -> Option<Self> {
        Some(match code {
            131047 => Self::WindowClosed,
            131026 => Self::Undeliverable,
            131051 => Self::UnsupportedType,
            132000 => Self::TemplateParams,
            132001 => Self::TemplateMissing,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::WindowClosed => "window_closed",
            Self::Undeliverable => "undeliverable",
            Self::UnsupportedType => "unsupported_type",
            Self::TemplateParams => "template_params",
            Self::TemplateMissing => "template_missing",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// How a send attempt ended, as the channel adapter classified it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Accepted by the platform; its message id when it returns one.
    Sent { platform_id: Option<String> },
    /// Worth trying again: 429, 5xx, timeout, connection error.
    Transient(String),
    /// Will never succeed as is: 4xx other than 429, missing configuration, bad recipient.
    Permanent(String),
    /// The platform refused it for a reason the operator is told in words (`detail` is the
    /// platform's own text, for logs). Never retried.
    Refused { kind: FailureKind, detail: String },
    /// Nobody to hand it to right now (a widget visitor with no tab open on any instance): it
    /// waits, uncounted, until they come back.
    Away,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    Done {
        platform_id: Option<String>,
    },
    RetryIn {
        delay_ms: i64,
        error: String,
    },
    Fail {
        reason: String,
        /// Why, as data, when the platform said so.
        kind: Option<FailureKind>,
    },
    /// Looked at again after `delay_ms` (or as soon as the recipient returns); not an attempt.
    Wait {
        delay_ms: i64,
    },
}

/// How often a message waiting for its recipient is looked at again anyway.
pub const AWAY_RECHECK_MS: i64 = 10 * 60 * 1000;

/// After this many attempts a transient failure becomes permanent (about 20 minutes of trying).
pub const MAX_ATTEMPTS: i64 = 8;

/// Exponential backoff: 1 s, 2 s, 4 s ... capped at 5 minutes, plus up to 25% jitter
/// (`jitter` in 0.0..1.0) so many failed sends do not retry in lockstep.
pub fn backoff_ms(attempt: i64, jitter: f64) -> i64 {
    let base = 1_000i64
        .saturating_mul(1 << (attempt.clamp(1, 20) - 1))
        .min(300_000);
    base + (base as f64 * 0.25 * jitter.clamp(0.0, 1.0)) as i64
}

/// Decides what follows attempt number `attempt` (1-based) that ended with `outcome`.
pub fn next_step(attempt: i64, outcome: SendOutcome, jitter: f64) -> NextStep {
    match outcome {
        SendOutcome::Sent { platform_id } => NextStep::Done { platform_id },
        SendOutcome::Permanent(reason) => NextStep::Fail { reason, kind: None },
        SendOutcome::Refused { kind, detail } => NextStep::Fail {
            reason: detail,
            kind: Some(kind),
        },
        SendOutcome::Away => NextStep::Wait {
            delay_ms: AWAY_RECHECK_MS,
        },
        SendOutcome::Transient(error) if attempt >= MAX_ATTEMPTS => NextStep::Fail {
            reason: format!("gave up after {attempt} attempts: {error}"),
            kind: None,
        },
        SendOutcome::Transient(error) => NextStep::RetryIn {
            delay_ms: backoff_ms(attempt, jitter),
            error,
        },
    }
}

/// Classifies an HTTP status from a platform API.
pub fn classify_status(status: u16, body: &str) -> SendOutcome {
    let detail = || {
        let b: String = body.chars().take(300).collect();
        format!("HTTP {status}: {b}")
    };
    match status {
        200..=299 => SendOutcome::Sent { platform_id: None },
        408 | 425 | 429 | 500..=599 => SendOutcome::Transient(detail()),
        _ => SendOutcome::Permanent(detail()),
    }
}

/// A failed send whose answer carried a WhatsApp error `code` we word for operators becomes
/// [`SendOutcome::Refused`], whatever its HTTP status; anything else stays as classified.
pub fn with_whatsapp_code(outcome: SendOutcome, code: Option<i64>) -> SendOutcome {
    match (outcome, code.and_then(FailureKind::from_whatsapp_code)) {
        (SendOutcome::Transient(detail) | SendOutcome::Permanent(detail), Some(kind)) => {
            SendOutcome::Refused { kind, detail }
        }
        (outcome, _) => outcome,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_recipient_away_waits_however_many_attempts_came_before() {
        for attempt in [1, MAX_ATTEMPTS, MAX_ATTEMPTS + 5] {
            assert_eq!(
                next_step(attempt, SendOutcome::Away, 0.5),
                NextStep::Wait {
                    delay_ms: AWAY_RECHECK_MS
                }
            );
        }
    }
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_and_is_capped() {
        assert_eq!(backoff_ms(1, 0.0), 1_000);
        assert_eq!(backoff_ms(2, 0.0), 2_000);
        assert_eq!(backoff_ms(4, 0.0), 8_000);
        assert_eq!(backoff_ms(30, 0.0), 300_000);
        assert_eq!(backoff_ms(1, 1.0), 1_250);
    }

    #[test]
    fn transient_failures_retry_until_the_limit_then_fail() {
        let t = || SendOutcome::Transient("HTTP 503".into());
        assert!(matches!(
            next_step(1, t(), 0.0),
            NextStep::RetryIn {
                delay_ms: 1_000,
                ..
            }
        ));
        match next_step(MAX_ATTEMPTS, t(), 0.0) {
            NextStep::Fail { reason, kind } => {
                assert!(reason.contains("gave up after 8 attempts"));
                assert_eq!(kind, None);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn permanent_failures_fail_at_once_and_success_is_done() {
        assert_eq!(
            next_step(1, SendOutcome::Permanent("HTTP 400".into()), 0.5),
            NextStep::Fail {
                reason: "HTTP 400".into(),
                kind: None,
            }
        );
        assert_eq!(
            next_step(
                3,
                SendOutcome::Sent {
                    platform_id: Some("x".into())
                },
                0.5
            ),
            NextStep::Done {
                platform_id: Some("x".into())
            }
        );
    }

    #[test]
    fn statuses_are_classified_by_whether_retrying_can_help() {
        assert!(matches!(
            classify_status(429, ""),
            SendOutcome::Transient(_)
        ));
        assert!(matches!(
            classify_status(502, ""),
            SendOutcome::Transient(_)
        ));
        assert!(
            matches!(classify_status(400, "bad"), SendOutcome::Permanent(m) if m == "HTTP 400: bad")
        );
        assert!(matches!(
            classify_status(401, ""),
            SendOutcome::Permanent(_)
        ));
        assert!(matches!(classify_status(200, ""), SendOutcome::Sent { .. }));
    }

    #[test]
    fn whatsapps_codes_become_kinds_and_refusals_are_never_retried() {
        let codes = [131047, 131026, 131051, 132000, 132001];
        let kinds: Vec<_> = codes
            .iter()
            .map(|c| FailureKind::from_whatsapp_code(*c).unwrap())
            .collect();
        assert_eq!(kinds, FailureKind::ALL);
        for k in FailureKind::ALL {
            assert_eq!(FailureKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(FailureKind::from_whatsapp_code(100), None);
        assert_eq!(FailureKind::parse("other"), None);

        let refused = with_whatsapp_code(classify_status(400, "re-engage"), Some(131047));
        assert_eq!(
            refused,
            SendOutcome::Refused {
                kind: FailureKind::WindowClosed,
                detail: "HTTP 400: re-engage".into()
            }
        );
        assert_eq!(
            next_step(1, refused, 0.0),
            NextStep::Fail {
                reason: "HTTP 400: re-engage".into(),
                kind: Some(FailureKind::WindowClosed)
            }
        );
        // A 5xx carrying one of these codes is not worth retrying either.
        assert!(matches!(
            with_whatsapp_code(classify_status(500, ""), Some(131026)),
            SendOutcome::Refused { .. }
        ));
        // Unknown codes and successes keep their classification.
        assert_eq!(
            with_whatsapp_code(classify_status(400, "x"), Some(100)),
            SendOutcome::Permanent("HTTP 400: x".into())
        );
        assert_eq!(
            with_whatsapp_code(classify_status(200, ""), Some(131047)),
            SendOutcome::Sent { platform_id: None }
        );
    }
}
