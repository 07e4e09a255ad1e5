//! What went wrong, as data: one variant per message a person may read, with its parameters
//! (names, counts, limits). The words live in the translation files (`errors.*`) and
//! `crate::text::errors` puts them together in the reader's language, so the same refusal reads
//! "Taken by Ana" to one operator and "Ya la tomó Ana" to another.

use super::ownership::{Change, OwnerState};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    // Accounts and sign-in.
    EmailMissing,
    EmailTooLong {
        max: i64,
    },
    EmailInvalid,
    EmailInUse,
    NameMissing,
    NameTooLong {
        max: i64,
    },
    NameInUse,
    /// A unique value other than an email or a name is taken.
    ValueInUse,
    PasswordTooShort {
        min: i64,
    },
    PasswordTooLong {
        max: i64,
    },
    PasswordsDiffer,
    CurrentPasswordWrong,
    SignInFailed,
    RoleUnknown,
    LanguageUnknown,
    AccountGone,
    LastAdmin,
    DeactivateSelf,
    /// A whole number out of range or unreadable (capacity, handoff limit).
    WholeNumber {
        min: i64,
        max: i64,
    },

    // Conversations.
    ConversationMissing,
    MessageMissing,
    /// Another operator accepted first (`None`: their account is gone).
    TakenBy {
        name: Option<String>,
    },
    NotHolder,
    /// The conversation's state does not allow the change.
    NotNow {
        state: OwnerState,
        change: Change,
    },
    SameOperator,
    /// It kept changing between read and write.
    Busy,
    AtCapacity {
        load: i64,
        capacity: i64,
    },
    ReplyEmpty,
    ReplyTooLong {
        max: i64,
    },
    /// Someone else holds the conversation (`None`: unnamed).
    HeldBy {
        name: Option<String>,
    },
    AcceptFirst,
    ResendNotHolder,
    NothingToRetry,
    AiNotHolder,
    TransferPick,
    TransferFull {
        name: String,
        load: i64,
        capacity: i64,
    },
    TransferAway {
        name: String,
    },
    TransferGone,
    NoteEmpty,
    NoteTooLong {
        max: i64,
    },
    ContactNotesTooLong {
        max: i64,
    },

    // Media.
    FileMissing,
    FileTooLarge {
        max_mb: i64,
    },
    FileType {
        mime: String,
    },
    /// The file is not stored (still downloading, failed, or never was).
    MediaMissing,

    // Canned replies.
    ShortcutMissing,
    ShortcutTooLong {
        max: i64,
    },
    /// Letters, digits, `-` and `_` only.
    ShortcutChars,
    ShortcutInUse,
    TooManyCanned {
        max: i64,
    },
    CannedMissing,

    // Scenarios and the try box.
    ScenarioGone,
    TriggersMissing,
    /// `n` counts triggers from 1.
    TriggerNoKeyword {
        n: i64,
    },
    TriggerEmptyPhrase {
        n: i64,
    },
    TriggerEmptyPattern {
        n: i64,
    },
    /// `detail` is the regex engine's own (English) pointer to the mistake.
    TriggerBadPattern {
        n: i64,
        pattern: String,
        detail: String,
    },
    TriggerTooComplex {
        n: i64,
        pattern: String,
        limit: i64,
    },
    ResponseMissing,
    ResponseTooLong {
        max: i64,
    },
    PriorityRange {
        min: i64,
        max: i64,
    },
    ChannelUnknown {
        name: String,
    },
    ChannelPick,
    TryTextMissing,
    TrySourceUnknown,
    /// Publishing: the draft is what is live already (or the version to restore is live).
    NothingToPublish,
    PublishNoteTooLong {
        max: i64,
    },
    VersionGone,

    // Settings.
    HandoffPhraseEmpty,
    ConfidenceRange,
    TextLength {
        min: i64,
        max: i64,
    },
    PolicyUnknown,
    SecondsRange {
        min: i64,
        max: i64,
    },
    /// Business hours: not an IANA time zone name.
    TimeZoneUnknown,
    /// Business hours: a weekday's intervals are unreadable, reversed or overlapping.
    HoursInvalid,
    /// A date is not `YYYY-MM-DD` (business hours' closed dates, the audit log's filter).
    DateInvalid,
    /// Surveys: the scale is neither `stars` nor `thumbs`.
    ScaleUnknown,

    // The audit log's filter.
    PersonUnknown,
    AuditKindUnknown,

    // Devices and push.
    DeviceMissing,
    TooManyDevices {
        max: i64,
    },
    DeviceTaken,
    /// `service` is a product name: Web Push, FCM, APNs.
    PushOff {
        service: String,
    },
    DeviceKindUnknown,
    WebPushNotToken,
    FcmTokenInvalid,
    ApnsTokenInvalid,
    SubscriptionEndpoint,
    SubscriptionKey {
        name: String,
        len: i64,
    },
    SubscriptionPoint,
    EndpointNotUrl,
    EndpointNoHost,
    EndpointCredentials,
    EndpointNotHttps,
    EndpointNotPublic {
        ip: String,
    },
    PushHostUnresolved {
        host: String,
    },
    PushHostNotPublic {
        host: String,
        ip: String,
    },

    // WhatsApp: the 24-hour reply window and templates.
    /// More than 24 hours since the customer last wrote: only a template may be sent.
    ReplyWindowClosed,
    /// A platform refused an outbound message (stored with it, shown under it).
    SendFailed {
        reason: super::delivery::FailureKind,
    },
    TemplateNameInvalid {
        max: i64,
    },
    TemplateLanguageInvalid,
    TemplateCategoryUnknown,
    TemplateBodyMissing,
    TemplateBodyTooLong {
        max: i64,
    },
    /// `text` is the `{{…}}` as written.
    TemplateParamMalformed {
        text: String,
    },
    /// `param` is the missing one as written: `{{2}}`.
    TemplateParamGap {
        param: String,
    },
    TemplateParamMissing {
        n: i64,
    },
    TemplateParamOneLine {
        n: i64,
    },
    TemplateParamCount {
        expected: i64,
        got: i64,
    },
    TemplateGone,
    TemplateNotWhatsapp,

    // The connection.
    Unreachable,
}

/// A count or limit as a [`Problem`] carries it.
pub fn count(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_cross_the_wire_as_tagged_data() {
        let p = Problem::TakenBy {
            name: Some("Ana".into()),
        };
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, r#"{"kind":"taken_by","name":"Ana"}"#);
        assert_eq!(serde_json::from_str::<Problem>(&json).unwrap(), p);
        let not_now = Problem::NotNow {
            state: OwnerState::Closed,
            change: Change::Accept,
        };
        let json = serde_json::to_string(&not_now).unwrap();
        assert_eq!(serde_json::from_str::<Problem>(&json).unwrap(), not_now);
    }
}
