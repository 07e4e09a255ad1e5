//! Wire types shared by the server and the browser.

use crate::domain::devices::DeviceKind;
use crate::domain::ownership::OwnerState;
use crate::domain::queue::QueueSettings;
use crate::domain::users::Role;
use serde::{Deserialize, Serialize};

/// A signed-in person, as the UI sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDto {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub max_conversations: i64,
    /// Available for new conversations (or Away).
    pub available: bool,
    /// The interface language they chose ("en", "es"); `None` follows the browser.
    pub language: Option<String>,
}

impl UserDto {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Where a customer writes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Whatsapp,
    Telegram,
    Web,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Whatsapp => "whatsapp",
            Self::Telegram => "telegram",
            Self::Web => "web",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "whatsapp" => Some(Self::Whatsapp),
            "telegram" => Some(Self::Telegram),
            "web" => Some(Self::Web),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Whatsapp => "WhatsApp",
            Self::Telegram => "Telegram",
            Self::Web => "Web chat",
        }
    }
}

/// The most waiting conversations the page title and app badge count one by one ("999+" beyond).
pub const WAITING_COUNTED: usize = 1000;

/// One row of the conversation list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub id: i64,
    pub contact_name: String,
    pub channel: Channel,
    pub owner: OwnerState,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub ai_enabled: bool,
    pub waiting_since: Option<i64>,
    pub assigned_at: Option<i64>,
    pub escalation_reason: Option<String>,
    pub last_message_at: i64,
    pub preview: String,
    /// For an anonymous web visitor, their short handle ("1a2b3c"): the interface names them
    /// "Web visitor 1a2b3c" in the reader's language (`contact_name` holds the English).
    #[serde(default)]
    pub visitor: Option<String>,
    /// WhatsApp only: when the 24-hour window for free-form replies closes (unix ms; past it only
    /// templates go out). `None` for channels without a window. See `domain::reply_window`.
    #[serde(default)]
    pub reply_window_closes_at: Option<i64>,
}

/// The conversation list, grouped by owner state in display order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationGroups {
    pub groups: Vec<ConversationGroup>,
    /// Server time the list was read at, so wait badges are computed against the server clock.
    pub now: i64,
    /// The waiting target: a conversation waiting longer than this is an SLA breach.
    #[serde(default)]
    pub sla_target_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationGroup {
    pub state: OwnerState,
    pub total: i64,
    /// Where `items` starts in the group (the closed archive is paged).
    pub offset: i64,
    pub items: Vec<ConversationSummary>,
}

/// One waiting conversation on the monitoring page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitingEntry {
    pub conversation: ConversationSummary,
    /// How long it has waited, at the overview's `now`.
    pub wait_ms: i64,
    /// Waiting longer than the SLA target.
    pub breached: bool,
    /// The last alert step sent (0: the first alert).
    pub step: u32,
    /// Who holds the offer now (display names).
    pub offered_to: Vec<String>,
    /// Round robin: when the offer moves on.
    pub offer_expires_at: Option<i64>,
}

/// A channel's recent health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelHealth {
    pub channel: Channel,
    /// The last customer message received on it.
    pub last_inbound_at: Option<i64>,
    /// Outbound messages that failed in the last 24 hours.
    pub failures_24h: i64,
}

/// The monitoring page's queue view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueOverview {
    pub now: i64,
    pub settings: QueueSettings,
    /// Longest waiting first.
    pub waiting: Vec<WaitingEntry>,
    /// Active accounts with presence, availability and load.
    pub operators: Vec<OperatorStatus>,
    /// SLA breaches since midnight (in the caller's time zone).
    pub breaches_today: i64,
    pub channels: Vec<ChannelHealth>,
}

/// One of an operator's devices, with its delivery health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceDto {
    pub id: i64,
    pub kind: DeviceKind,
    pub label: String,
    /// The push service's host, or the end of the token.
    pub address: String,
    pub created_at: i64,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
}

/// Counts for the monitoring page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitoringSnapshot {
    pub by_state: Vec<(OwnerState, i64)>,
    pub operators_online: usize,
    /// `running`, `paused` (an admin paused it) or `down` (the external bot is failing).
    pub bot_status: String,
    /// What went wrong while `down`.
    pub bot_error: Option<String>,
    pub now: i64,
    /// The instance that answered (`BATON_INSTANCE_ID`).
    pub instance: String,
    /// With several instances: whether this one reaches the broker (`None`: one instance).
    pub broker_connected: Option<bool>,
    /// The instances of the cluster: this one first, then those it has heard from.
    pub instances: Vec<InstanceStatus>,
}

/// One Baton instance as the monitoring page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceStatus {
    pub id: String,
    /// The instance that rendered the page.
    pub this: bool,
    /// Heard from within the last 30 s (an instance is gone after that).
    pub up: bool,
    pub operators_online: usize,
    /// When it last announced itself (unix ms).
    pub last_heard: i64,
}

/// An event pushed to operators over `/ws`, numbered so a client can tell where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveEvent {
    pub seq: u64,
    #[serde(flatten)]
    pub kind: LiveEventKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEventKind {
    /// Sent first on every connection. `epoch` names this server run's event numbering: a client
    /// reconnects with `?since=<last seq>&epoch=<epoch>` to get what it missed.
    Hello {
        user_id: i64,
        epoch: u64,
    },
    /// The events the client missed are no longer held (or the server restarted): reload.
    Resync,
    ConversationUpdated {
        conversation: ConversationSummary,
    },
    /// An account was deactivated: its sockets close.
    UserDeactivated {
        user_id: i64,
    },
    OperatorsChanged,
    /// The bot was paused or resumed, or its external endpoint went up or down.
    BotStatusChanged,
    /// A message was stored in a conversation (customer, bot, operator or a system line).
    MessageCreated {
        message: MessageDto,
    },
    /// The queue moved: an offer, an alert step, an SLA breach, or new queue settings.
    QueueChanged,
    /// An outbound message's delivery status moved (sent, delivered, read, failed).
    MessageUpdated {
        conversation_id: i64,
        message_id: i64,
        delivery_status: String,
        error: Option<String>,
        /// Why it failed, as data (worded in the reader's language).
        #[serde(default)]
        error_kind: Option<crate::domain::delivery::FailureKind>,
    },
    /// A widget visitor is typing in conversation `conversation_id` (sent to the sockets open now;
    /// not numbered or kept for replay).
    Typing {
        conversation_id: i64,
    },
    /// A message's file was stored, failed, is being retried, or its transcript arrived.
    MediaUpdated {
        message: MessageDto,
    },
    /// A conversation was erased (with its contact) or deleted by retention: lists drop it and a
    /// chat showing it closes.
    ConversationRemoved {
        conversation_id: i64,
    },
    /// `by` mentioned `user_id` in a private note (only that person's sockets get it).
    Mentioned {
        user_id: i64,
        conversation_id: i64,
        by: String,
        contact: String,
        excerpt: String,
    },
}

impl LiveEventKind {
    /// Whether `user`'s sockets get this event (a mention goes to its person only).
    pub fn is_for(&self, user: i64) -> bool {
        match self {
            Self::Mentioned { user_id, .. } => *user_id == user,
            _ => true,
        }
    }
}

/// A canned reply: `shared` ones are kept by admins for everyone, the others by one operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedReply {
    pub id: i64,
    pub shared: bool,
    pub shortcut: String,
    pub body: String,
}

/// A scenario as the editor shows it (triggers one per line, see `domain::bot::parse_trigger_lines`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioDto {
    pub id: i64,
    pub name: String,
    pub triggers: String,
    pub response: String,
    pub enabled: bool,
    pub priority: i64,
    /// Empty: every channel.
    pub channels: Vec<Channel>,
}

/// One scenario added (`before` empty), removed (`after` empty) or changed between two versions
/// (or between the live version and the draft).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioChangeDto {
    pub name: String,
    pub before: Option<ScenarioDto>,
    pub after: Option<ScenarioDto>,
}

/// How many replies one scenario gave under a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioMatchesDto {
    pub name: String,
    pub replies: i64,
}

/// What a version decided since it was published (see `domain::scenario_versions::Tally`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionResultsDto {
    pub conversations: i64,
    pub decided: i64,
    pub matches: Vec<ScenarioMatchesDto>,
    pub no_match: i64,
    pub no_match_percent: Option<i64>,
    pub handed_off: i64,
    pub handoff_percent: Option<i64>,
}

/// One published version of the scenario set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionDto {
    pub id: i64,
    pub author: Option<String>,
    pub note: Option<String>,
    pub published_at: i64,
    pub restored_from: Option<i64>,
    /// The version the bot answers from.
    pub live: bool,
    /// What it changed against the version before it.
    pub changes: Vec<ScenarioChangeDto>,
    pub results: VersionResultsDto,
}

/// The Scenarios page's versions panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionsDto {
    /// The live version (`None`: nothing published yet).
    pub live: Option<i64>,
    /// What the draft changes against the live version (empty: nothing unpublished).
    pub draft_changes: Vec<ScenarioChangeDto>,
    /// Newest first.
    pub versions: Vec<VersionDto>,
}

/// What the bot would do with a message, for the editor's "Try a message" box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum TryResult {
    Reply { scenario: String, response: String },
    Escalate { reason: String },
    ExternalBot,
    NoMatch,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sender {
    Customer,
    Bot,
    Operator,
    /// A line of the conversation's history: "Accepted by Ana", "Returned to bot".
    System,
}

impl Sender {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Bot => "bot",
            Self::Operator => "operator",
            Self::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "customer" => Self::Customer,
            "bot" => Self::Bot,
            "operator" => Self::Operator,
            "system" => Self::System,
            _ => return None,
        })
    }
}

/// One message of the chat view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageDto {
    pub id: i64,
    pub conversation_id: i64,
    pub sender: Sender,
    /// The operator who wrote it.
    pub author_name: Option<String>,
    pub body: String,
    pub media_type: Option<String>,
    pub media_url: Option<String>,
    pub bot_confidence: Option<f64>,
    /// For outbound messages: sending, sent, delivered, read or failed.
    pub delivery_status: Option<String>,
    pub delivery_error: Option<String>,
    /// Why the platform refused it, as data (worded in the reader's language); `delivery_error`
    /// keeps the platform's own detail.
    #[serde(default)]
    pub delivery_error_kind: Option<crate::domain::delivery::FailureKind>,
    pub created_at: i64,
    /// A history line as data, for the reader's interface to word (`None` for other messages
    /// and for lines stored before; `body` holds their English words).
    #[serde(default)]
    pub system_line: Option<crate::domain::history::SystemLine>,
    /// A private note between operators (never sent to the customer).
    #[serde(default)]
    pub note: bool,
    /// The file this message carries, when Baton stores one (see [`MediaDto`]).
    #[serde(default)]
    pub media: Option<MediaDto>,
}

/// A message's file as the chat shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaDto {
    pub kind: crate::domain::media::MediaKind,
    pub state: crate::domain::media::MediaState,
    /// Where a signed-in person fetches it (`/media/<message id>`), once stored.
    pub url: Option<String>,
    pub mime: Option<String>,
    /// The file's name (sanitised).
    pub name: Option<String>,
    pub size: Option<i64>,
    /// Download attempts so far (a pending one past its first attempt is being retried).
    pub attempts: i64,
    /// A voice note's transcript and where it stands.
    pub transcript: Option<String>,
    pub transcript_state: Option<crate::domain::media::TranscriptState>,
}

/// A page of a conversation's messages, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessagePage {
    pub messages: Vec<MessageDto>,
    /// Whether older messages exist before the first one.
    pub has_earlier: bool,
}

/// Everything the chat view shows when it opens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationDetail {
    pub summary: ConversationSummary,
    pub contact_phone: Option<String>,
    pub page: MessagePage,
    pub now: i64,
}

/// The contact panel: who the customer is, what operators noted about them, and their earlier
/// conversations (newest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactCard {
    pub conversation_id: i64,
    /// The name shown for them (`None`: the channel gave none and nobody set one).
    pub name: Option<String>,
    /// Whether an operator set `name` (the channel's own name no longer replaces it).
    pub name_set: bool,
    pub phone: Option<String>,
    /// How the channel knows them when it is not a phone number: a Telegram chat id, a web
    /// visitor's short handle.
    pub handle: Option<String>,
    pub channel: Channel,
    /// When Baton first heard from them (unix ms).
    pub first_seen: i64,
    pub notes: String,
    pub past: Vec<PastConversation>,
}

/// One earlier, closed conversation with a contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PastConversation {
    pub start: i64,
    pub end: i64,
    /// Messages from the customer, the bot and operators (not history lines or notes).
    pub messages: i64,
    pub handled_by: Vec<String>,
    /// The customer's first words in it (cut short).
    pub opening: Option<String>,
}

/// An operator as the transfer picker and monitoring show them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperatorStatus {
    pub id: i64,
    pub display_name: String,
    pub role: Role,
    pub online: bool,
    /// Holds a push device that can reach them (see `storage::queue::PUSH_READY`).
    #[serde(default)]
    pub push_ready: bool,
    pub available: bool,
    pub load: i64,
    pub capacity: i64,
}

/// Which conversations the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListFilter {
    #[default]
    All,
    Waiting,
    Mine,
    Bot,
    Closed,
}

impl ListFilter {
    pub const ALL: [ListFilter; 5] = [
        Self::All,
        Self::Waiting,
        Self::Mine,
        Self::Bot,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Waiting => "waiting",
            Self::Mine => "mine",
            Self::Bot => "bot",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .unwrap_or_default()
    }

    /// The owner groups this filter shows (`Mine` shows the assigned group, narrowed to me).
    pub fn shows(self, s: OwnerState) -> bool {
        match self {
            Self::All => true,
            Self::Waiting => s == OwnerState::Waiting,
            Self::Mine => s == OwnerState::Assigned,
            Self::Bot => s == OwnerState::Bot,
            Self::Closed => s == OwnerState::Closed,
        }
    }
}

/// Percent-encodes `s` for a URL query value (everything but unreserved characters).
pub fn query_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One audit log entry, as the `Audit log` page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    /// Who acted (`None`: the system, or a sign-in nobody was signed in for), with their email
    /// and name as they were then.
    pub actor_id: Option<i64>,
    pub actor_email: Option<String>,
    pub actor_name: Option<String>,
    pub ip: Option<String>,
    /// `domain::audit::AuditKind`'s name.
    pub kind: String,
    /// What it concerns: `user:5`, `conversation:9`, `contact:3`, `settings:queue`.
    pub target: Option<String>,
    /// JSON: what changed (before and after) or what was done.
    pub details: String,
}

/// A page of the audit log, newest first; `next` is the `before` of the next (older) page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next: Option<i64>,
}
