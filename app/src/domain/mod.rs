//! Pure domain core: no framework, no I/O, no clock of its own. Compiled for the server and for the
//! browser, unit-tested directly.
//!
//! Layout:
//! - [`analytics`]: what each analytics measure counts, the facts behind them, the period.
//! - [`bot`]: scenario triggers and their validation, and the per-message bot decision (reply, ask
//!   the external bot, fall back, stay silent or hand off to a person).
//! - [`ownership`]: the one-owner state machine of a conversation and the bot-may-reply rule.
//! - [`problem`]: what went wrong, as data (one variant per message; words in `text::errors`).
//! - [`users`]: roles and validated newtypes for accounts (email, display name, password, capacity).
//! - [`ratelimit`]: the sign-in attempt limiter (time is passed in).
//! - [`history`]: the chat's history lines as data, worded by each reader's interface.
//! - [`queue`]: routing waiting conversations to operators and the SLA paging ladder.
//! - [`devices`]: checks for Web Push subscriptions and native push tokens.
//! - [`delivery`]: what follows an outbound send attempt (retry with backoff, or give up).
//! - [`widget`]: the frames a visitor's widget may send, checked.
//! - [`canned`]: canned replies: their checks, placeholders and the composer's `/` lookup.
//! - [`contact`]: the contact panel: a name and notes operators keep, earlier conversations.
//! - [`notes`]: private notes between operators and who a note's `@name` mentions.
//! - [`client_ip`]: the client's address behind trusted proxies (`X-Forwarded-For`).
//! - [`reply_window`]: WhatsApp's 24-hour customer service window.
//! - [`waiting`]: the queue position and estimated wait a handoff confirmation may tell.
//! - [`templates`]: WhatsApp message templates: checked, their `{{1}}` parameters filled.
//! - [`scenario_versions`]: what a scenario publish changed, and the results each version shows.
//! - [`audit`]: the audit log's kinds, what of a change is kept (never a secret), CSV cells.
//! - [`privacy`]: retention of closed conversations and phone numbers masked for operators.

pub mod analytics;
pub mod audit;
pub mod bot;
pub mod canned;
pub mod client_ip;
pub mod contact;
pub mod csat;
pub mod delivery;
pub mod devices;
pub mod history;
pub mod hours;
pub mod media;
pub mod net;
pub mod notes;
pub mod ownership;
pub mod privacy;
pub mod problem;
pub mod queue;
pub mod ratelimit;
pub mod reply_window;
pub mod scenario_versions;
pub mod templates;
pub mod users;
pub mod waiting;
pub mod widget;

/// The longest reply an operator can send (WhatsApp's own limit is 4096 characters); a canned
/// reply's text is held to it too, since it becomes a reply.
pub const MAX_REPLY_CHARS: usize = 4096;
