//! An error in the reader's language: "Taken by Ana" / "Ya la tomó Ana". The words come from the
//! translation files' `errors` group; [`crate::error::AppError`]'s `Display` (logs, API bodies)
//! is the English of the same words.

use crate::domain::delivery::FailureKind;
use crate::domain::ownership::{Change, OwnerState};
use crate::domain::problem::Problem;
use crate::error::AppError;
use crate::i18n::*;

/// The error's words in `l`. A request the server could not read gets a plain sentence: the
/// library's detail stays in logs and the English API body.
pub fn error(l: Locale, e: &AppError) -> String {
    match e {
        AppError::Unauthorized => td_string!(l, errors.unauthorized).to_string(),
        AppError::Forbidden => td_string!(l, errors.forbidden).to_string(),
        AppError::NotFound(p)
        | AppError::Conflict(p)
        | AppError::TooLarge(p)
        | AppError::UnsupportedType(p) => problem(l, p),
        AppError::Invalid(fields) => fields
            .iter()
            .map(|f| problem(l, &f.message))
            .collect::<Vec<_>>()
            .join(" "),
        AppError::RateLimited(secs) if *secs == 1 => {
            td_string!(l, errors.rate_limited.one, secs = secs).to_string()
        }
        AppError::RateLimited(secs) => {
            td_string!(l, errors.rate_limited.other, secs = secs).to_string()
        }
        AppError::BadRequest(_) => td_string!(l, errors.bad_request).to_string(),
        AppError::Internal => td_string!(l, errors.internal).to_string(),
    }
}

/// The message for one form field in `l`, if the error has one.
pub fn field(l: Locale, e: &AppError, field: &str) -> Option<String> {
    e.for_field(field).map(|p| problem(l, p))
}

/// A conversation's state inside a sentence ("the conversation is waiting").
fn state(l: Locale, s: OwnerState) -> &'static str {
    match s {
        OwnerState::Bot => td_string!(l, errors.state.bot),
        OwnerState::Waiting => td_string!(l, errors.state.waiting),
        OwnerState::Assigned => td_string!(l, errors.state.assigned),
        OwnerState::Closed => td_string!(l, errors.state.closed),
    }
}

/// A change of owner inside a sentence ("it cannot be accepted").
fn change(l: Locale, c: Change) -> &'static str {
    match c {
        Change::Escalate => td_string!(l, errors.change.escalate),
        Change::Accept => td_string!(l, errors.change.accept),
        Change::TakeOver => td_string!(l, errors.change.take_over),
        Change::ReturnToBot => td_string!(l, errors.change.return_to_bot),
        Change::Release => td_string!(l, errors.change.release),
        Change::Transfer => td_string!(l, errors.change.transfer),
        Change::Close => td_string!(l, errors.change.close),
        Change::Reopen => td_string!(l, errors.change.reopen),
    }
}

/// One problem's words in `l`, its parameters filled in.
pub fn problem(l: Locale, p: &Problem) -> String {
    use Problem as P;
    match p {
        P::EmailMissing => td_string!(l, errors.email_missing).to_string(),
        P::EmailTooLong { max } => td_string!(l, errors.email_too_long, max = max).to_string(),
        P::EmailInvalid => td_string!(l, errors.email_invalid).to_string(),
        P::EmailInUse => td_string!(l, errors.email_in_use).to_string(),
        P::NameMissing => td_string!(l, errors.name_missing).to_string(),
        P::NameTooLong { max } => td_string!(l, errors.name_too_long, max = max).to_string(),
        P::NameInUse => td_string!(l, errors.name_in_use).to_string(),
        P::ValueInUse => td_string!(l, errors.value_in_use).to_string(),
        P::PasswordTooShort { min } => {
            td_string!(l, errors.password_too_short, min = min).to_string()
        }
        P::PasswordTooLong { max } => {
            td_string!(l, errors.password_too_long, max = max).to_string()
        }
        P::PasswordsDiffer => td_string!(l, errors.passwords_differ).to_string(),
        P::CurrentPasswordWrong => td_string!(l, errors.current_password_wrong).to_string(),
        P::SignInFailed => td_string!(l, errors.sign_in_failed).to_string(),
        P::RoleUnknown => td_string!(l, errors.role_unknown).to_string(),
        P::LanguageUnknown => td_string!(l, errors.language_unknown).to_string(),
        P::AccountGone => td_string!(l, errors.account_gone).to_string(),
        P::LastAdmin => td_string!(l, errors.last_admin).to_string(),
        P::DeactivateSelf => td_string!(l, errors.deactivate_self).to_string(),
        P::WholeNumber { min, max } => {
            td_string!(l, errors.whole_number, min = min, max = max).to_string()
        }
        P::ConversationMissing => td_string!(l, errors.conversation_missing).to_string(),
        P::MessageMissing => td_string!(l, errors.message_missing).to_string(),
        P::TakenBy { name: Some(name) } => td_string!(l, errors.taken_by, name = name).to_string(),
        P::TakenBy { name: None } => td_string!(l, errors.taken_by_another).to_string(),
        P::NotHolder => td_string!(l, errors.not_holder).to_string(),
        P::NotNow {
            state: s,
            change: c,
        } => td_string!(
            l,
            errors.not_now,
            state = state(l, *s),
            change = change(l, *c)
        )
        .to_string(),
        P::SameOperator => td_string!(l, errors.same_operator).to_string(),
        P::Busy => td_string!(l, errors.busy).to_string(),
        P::AtCapacity { load, capacity } => {
            td_string!(l, errors.at_capacity, load = load, capacity = capacity).to_string()
        }
        P::NoteEmpty => td_string!(l, errors.note_empty).to_string(),
        P::NoteTooLong { max } => td_string!(l, errors.note_too_long, max = max).to_string(),
        P::ContactNotesTooLong { max } => {
            td_string!(l, errors.contact_notes_too_long, max = max).to_string()
        }
        P::FileMissing => td_string!(l, errors.file_missing).to_string(),
        P::FileTooLarge { max_mb } => {
            td_string!(l, errors.file_too_large, max = max_mb).to_string()
        }
        P::FileType { mime } => td_string!(l, errors.file_type, mime = mime).to_string(),
        P::MediaMissing => td_string!(l, errors.media_missing).to_string(),
        P::ShortcutMissing => td_string!(l, errors.shortcut_missing).to_string(),
        P::ShortcutTooLong { max } => {
            td_string!(l, errors.shortcut_too_long, max = max).to_string()
        }
        P::ShortcutChars => td_string!(l, errors.shortcut_chars).to_string(),
        P::ShortcutInUse => td_string!(l, errors.shortcut_in_use).to_string(),
        P::TooManyCanned { max } => td_string!(l, errors.too_many_canned, max = max).to_string(),
        P::CannedMissing => td_string!(l, errors.canned_missing).to_string(),
        P::ReplyEmpty => td_string!(l, errors.reply_empty).to_string(),
        P::ReplyTooLong { max } => td_string!(l, errors.reply_too_long, max = max).to_string(),
        P::HeldBy { name: Some(name) } => td_string!(l, errors.held_by, name = name).to_string(),
        P::HeldBy { name: None } => td_string!(l, errors.held_by_another).to_string(),
        P::AcceptFirst => td_string!(l, errors.accept_first).to_string(),
        P::ResendNotHolder => td_string!(l, errors.resend_not_holder).to_string(),
        P::NothingToRetry => td_string!(l, errors.nothing_to_retry).to_string(),
        P::AiNotHolder => td_string!(l, errors.ai_not_holder).to_string(),
        P::TransferPick => td_string!(l, errors.transfer_pick).to_string(),
        P::TransferFull {
            name,
            load,
            capacity,
        } => td_string!(
            l,
            errors.transfer_full,
            name = name,
            load = load,
            capacity = capacity
        )
        .to_string(),
        P::TransferAway { name } => td_string!(l, errors.transfer_away, name = name).to_string(),
        P::TransferGone => td_string!(l, errors.transfer_gone).to_string(),
        P::ScenarioGone => td_string!(l, errors.scenario_gone).to_string(),
        P::TriggersMissing => td_string!(l, errors.triggers_missing).to_string(),
        P::TriggerNoKeyword { n } => td_string!(l, errors.trigger_no_keyword, n = n).to_string(),
        P::TriggerEmptyPhrase { n } => {
            td_string!(l, errors.trigger_empty_phrase, n = n).to_string()
        }
        P::TriggerEmptyPattern { n } => {
            td_string!(l, errors.trigger_empty_pattern, n = n).to_string()
        }
        P::TriggerBadPattern { n, pattern, detail } => td_string!(
            l,
            errors.trigger_bad_pattern,
            n = n,
            pattern = pattern,
            detail = detail
        )
        .to_string(),
        P::TriggerTooComplex { n, pattern, limit } => td_string!(
            l,
            errors.trigger_too_complex,
            n = n,
            pattern = pattern,
            limit = limit
        )
        .to_string(),
        P::ResponseMissing => td_string!(l, errors.response_missing).to_string(),
        P::ResponseTooLong { max } => {
            td_string!(l, errors.response_too_long, max = max).to_string()
        }
        P::PriorityRange { min, max } => {
            td_string!(l, errors.priority_range, min = min, max = max).to_string()
        }
        P::ChannelUnknown { name } => {
            td_string!(l, errors.channel_unknown, name = name).to_string()
        }
        P::ChannelPick => td_string!(l, errors.channel_pick).to_string(),
        P::TryTextMissing => td_string!(l, errors.try_text_missing).to_string(),
        P::TrySourceUnknown => td_string!(l, scenarios.versions.source_unknown).to_string(),
        P::NothingToPublish => td_string!(l, scenarios.versions.nothing_to_publish).to_string(),
        P::PublishNoteTooLong { max } => {
            td_string!(l, scenarios.versions.note_too_long, max = max).to_string()
        }
        P::VersionGone => td_string!(l, scenarios.versions.gone).to_string(),
        P::HandoffPhraseEmpty => td_string!(l, errors.handoff_phrase_empty).to_string(),
        P::ConfidenceRange => td_string!(l, errors.confidence_range).to_string(),
        P::TextLength { min, max } => {
            td_string!(l, errors.text_length, min = min, max = max).to_string()
        }
        P::PolicyUnknown => td_string!(l, errors.policy_unknown).to_string(),
        P::SecondsRange { min, max } => {
            td_string!(l, errors.seconds_range, min = min, max = max).to_string()
        }
        P::DateInvalid => td_string!(l, audit.errors.date_invalid).to_string(),
        P::PersonUnknown => td_string!(l, audit.errors.person_unknown).to_string(),
        P::AuditKindUnknown => td_string!(l, audit.errors.kind_unknown).to_string(),
        P::TimeZoneUnknown => td_string!(l, hours.errors.time_zone).to_string(),
        P::HoursInvalid => td_string!(l, hours.errors.intervals).to_string(),
        P::ScaleUnknown => td_string!(l, csat.errors.scale).to_string(),
        P::DeviceMissing => td_string!(l, errors.device_missing).to_string(),
        P::TooManyDevices { max } => td_string!(l, errors.too_many_devices, max = max).to_string(),
        P::DeviceTaken => td_string!(l, errors.device_taken).to_string(),
        P::PushOff { service } => td_string!(l, errors.push_off, service = service).to_string(),
        P::DeviceKindUnknown => td_string!(l, errors.device_kind_unknown).to_string(),
        P::WebPushNotToken => td_string!(l, errors.web_push_not_token).to_string(),
        P::FcmTokenInvalid => td_string!(l, errors.fcm_token_invalid).to_string(),
        P::ApnsTokenInvalid => td_string!(l, errors.apns_token_invalid).to_string(),
        P::SubscriptionEndpoint => td_string!(l, errors.subscription_endpoint).to_string(),
        P::SubscriptionKey { name, len } => {
            td_string!(l, errors.subscription_key, name = name, len = len).to_string()
        }
        P::SubscriptionPoint => td_string!(l, errors.subscription_point).to_string(),
        P::EndpointNotUrl => td_string!(l, errors.endpoint_not_url).to_string(),
        P::EndpointNoHost => td_string!(l, errors.endpoint_no_host).to_string(),
        P::EndpointCredentials => td_string!(l, errors.endpoint_credentials).to_string(),
        P::EndpointNotHttps => td_string!(l, errors.endpoint_not_https).to_string(),
        P::EndpointNotPublic { ip } => {
            td_string!(l, errors.endpoint_not_public, ip = ip).to_string()
        }
        P::PushHostUnresolved { host } => {
            td_string!(l, errors.push_host_unresolved, host = host).to_string()
        }
        P::PushHostNotPublic { host, ip } => {
            td_string!(l, errors.push_host_not_public, host = host, ip = ip).to_string()
        }
        P::ReplyWindowClosed => td_string!(l, errors.reply_window_closed).to_string(),
        P::SendFailed { reason: kind } => send_failed(l, *kind).to_string(),
        P::TemplateNameInvalid { max } => {
            td_string!(l, errors.template_name_invalid, max = max).to_string()
        }
        P::TemplateLanguageInvalid => td_string!(l, errors.template_language_invalid).to_string(),
        P::TemplateCategoryUnknown => td_string!(l, errors.template_category_unknown).to_string(),
        P::TemplateBodyMissing => td_string!(l, errors.template_body_missing).to_string(),
        P::TemplateBodyTooLong { max } => {
            td_string!(l, errors.template_body_too_long, max = max).to_string()
        }
        P::TemplateParamMalformed { text } => {
            td_string!(l, errors.template_param_malformed, text = text).to_string()
        }
        P::TemplateParamGap { param } => td_string!(
            l,
            errors.template_param_gap,
            first = crate::domain::templates::placeholder(1),
            param = param
        )
        .to_string(),
        P::TemplateParamMissing { n } => {
            td_string!(l, errors.template_param_missing, n = n).to_string()
        }
        P::TemplateParamOneLine { n } => {
            td_string!(l, errors.template_param_one_line, n = n).to_string()
        }
        P::TemplateParamCount { expected, got } => td_string!(
            l,
            errors.template_param_count,
            expected = expected,
            got = got
        )
        .to_string(),
        P::TemplateGone => td_string!(l, errors.template_gone).to_string(),
        P::TemplateNotWhatsapp => td_string!(l, errors.template_not_whatsapp).to_string(),
        P::Unreachable => td_string!(l, errors.unreachable).to_string(),
    }
}

/// Why a platform refused a message, for the operator who sent it.
fn send_failed(l: Locale, k: FailureKind) -> &'static str {
    match k {
        FailureKind::WindowClosed => td_string!(l, errors.send_failed.window_closed),
        FailureKind::Undeliverable => td_string!(l, errors.send_failed.undeliverable),
        FailureKind::UnsupportedType => td_string!(l, errors.send_failed.unsupported_type),
        FailureKind::TemplateParams => td_string!(l, errors.send_failed.template_params),
        FailureKind::TemplateMissing => td_string!(l, errors.send_failed.template_missing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::users::FieldError;

    #[test]
    fn the_same_refusal_reads_in_each_readers_language() {
        let e = AppError::Conflict(Problem::TakenBy {
            name: Some("Ana".into()),
        });
        assert_eq!(error(Locale::en, &e), "Taken by Ana");
        assert_eq!(error(Locale::es, &e), "Ya la tomó Ana");
        let nobody = AppError::Conflict(Problem::TakenBy { name: None });
        assert_eq!(error(Locale::en, &nobody), "Taken by another operator");
        assert_eq!(error(Locale::es, &nobody), "Ya la tomó otro operador");
    }

    #[test]
    fn parameters_are_filled_in_both_languages() {
        let e = AppError::Conflict(Problem::AtCapacity {
            load: 3,
            capacity: 3,
        });
        assert_eq!(
            error(Locale::en, &e),
            "You are at capacity (3 of 3). Close or hand one back before accepting another."
        );
        assert_eq!(
            error(Locale::es, &e),
            "Llegaste a tu capacidad (3 de 3). Cierra o devuelve una conversación antes de aceptar otra."
        );
        let not_now = Problem::NotNow {
            state: OwnerState::Closed,
            change: Change::Accept,
        };
        assert_eq!(
            problem(Locale::en, &not_now),
            "Not possible now: the conversation is closed; it cannot be accepted."
        );
        assert_eq!(
            problem(Locale::es, &not_now),
            "No es posible ahora: la conversación está cerrada; no se puede aceptar."
        );
    }

    #[test]
    fn field_messages_read_in_the_readers_language() {
        let e = AppError::Invalid(vec![
            FieldError::new("text", Problem::ReplyEmpty),
            FieldError::new("to", Problem::TransferAway { name: "Ben".into() }),
        ]);
        assert_eq!(
            field(Locale::es, &e, "text").as_deref(),
            Some("Primero escribe un mensaje.")
        );
        assert_eq!(
            field(Locale::en, &e, "to").as_deref(),
            Some("Ben is away; pick someone available.")
        );
        assert_eq!(field(Locale::en, &e, "role"), None);
        assert_eq!(
            error(Locale::es, &e),
            "Primero escribe un mensaje. Ben está ausente; elige a alguien disponible."
        );
    }

    #[test]
    fn waits_are_counted_in_singular_and_plural() {
        let one = AppError::RateLimited(1);
        let many = AppError::RateLimited(30);
        assert!(error(Locale::en, &one).ends_with("in 1 second."));
        assert!(error(Locale::en, &many).ends_with("in 30 seconds."));
        assert!(error(Locale::es, &one).ends_with("en 1 segundo."));
        assert!(error(Locale::es, &many).ends_with("en 30 segundos."));
    }

    #[test]
    fn a_request_the_server_could_not_read_hides_the_librarys_words() {
        let e = AppError::BadRequest("missing field `id` at line 1 column 2".into());
        for l in [Locale::en, Locale::es] {
            assert!(!error(l, &e).contains("missing field"), "{}", error(l, &e));
        }
        assert_eq!(
            error(Locale::es, &e),
            "No se pudo leer la solicitud. Vuelve a cargar la página e inténtalo de nuevo."
        );
        // Logs and API clients keep the detail, in English.
        assert!(e.to_string().starts_with("The request could not be read."));
        assert!(e.to_string().contains("missing field `id`"));
    }

    #[test]
    fn the_english_display_is_the_english_file() {
        let p = Problem::TriggerBadPattern {
            n: 2,
            pattern: "(abc".into(),
            detail: "unclosed group".into(),
        };
        let e = AppError::field("triggers", p.clone());
        assert_eq!(e.to_string(), problem(Locale::en, &p));
        assert_eq!(
            e.to_string(),
            "Trigger 2: the pattern \"(abc\" is not a valid regular expression: unclosed group."
        );
        assert_eq!(
            problem(Locale::es, &p),
            "Disparador 2: el patrón \"(abc\" no es una expresión regular válida (unclosed group)."
        );
    }

    #[test]
    fn whatsapp_refusals_read_as_plain_sentences_in_both_languages() {
        for kind in FailureKind::ALL {
            let p = Problem::SendFailed { reason: kind };
            let (en, es) = (problem(Locale::en, &p), problem(Locale::es, &p));
            assert!(en.ends_with('.') && es.ends_with('.'), "{en} / {es}");
            assert_ne!(en, es);
        }
        assert_eq!(
            problem(
                Locale::en,
                &Problem::SendFailed {
                    reason: FailureKind::WindowClosed
                }
            ),
            "Not delivered: the customer last wrote more than 24 hours ago. Send a template instead."
        );
        let gap = Problem::TemplateParamGap {
            param: "{{2}}".into(),
        };
        assert_eq!(
            problem(Locale::en, &gap),
            "Number the parameters from {{1}} without gaps: {{2}} is missing."
        );
        assert_eq!(
            problem(Locale::es, &gap),
            "Numera los parámetros desde {{1}} sin saltos: falta {{2}}."
        );
    }
}
