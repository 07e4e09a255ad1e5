//! Wire types shared by the server and the browser.

use crate::domain::ownership::OwnerState;
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
}

/// The conversation list, grouped by owner state in display order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationGroups {
    pub groups: Vec<ConversationGroup>,
    /// Server time the list was read at, so wait badges are computed against the server clock.
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationGroup {
    pub state: OwnerState,
    pub total: i64,
    pub items: Vec<ConversationSummary>,
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
    /// Sent first on every connection.
    Hello {
        user_id: i64,
    },
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
    /// A message was stored in a conversation (customer, bot or operator).
    MessageCreated {
        conversation_id: i64,
        message_id: i64,
    },
    /// An outbound message's delivery status moved (sent, delivered, read, failed).
    MessageUpdated {
        message_id: i64,
        delivery_status: String,
    },
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

/// What the bot would do with a message, for the editor's "Try a message" box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum TryResult {
    Reply { scenario: String, response: String },
    Escalate { reason: String },
    ExternalBot,
    NoMatch,
}
