//! The bot's brain: scenario triggers, the editor's validation of scenarios, and the decision taken
//! for each customer message (reply, ask the external bot, fall back, stay silent or hand off to a
//! person).
//!
//! Everything here is pure: the caller loads the scenarios and settings, says who owns the
//! conversation and how many messages in a row went unanswered, and carries out the [`Decision`].
//! Matching works on [`normalize`]d text so that accents, case and punctuation never decide whether
//! a customer reaches a person.

use crate::domain::problem::{count, Problem};
use crate::domain::users::FieldError;
use crate::dto::Channel;
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Longest scenario name the editor accepts, in characters.
pub const NAME_MAX_CHARS: usize = 80;
/// Longest scenario response the editor accepts, in characters (fits one message on every channel).
pub const RESPONSE_MAX_CHARS: usize = 4096;
/// Scenario priorities stay in a small range so the list view can sort and show them plainly.
pub const PRIORITY_RANGE: std::ops::RangeInclusive<i64> = -1000..=1000;
/// Compiled-regex budget: an admin-written pattern must not be able to eat the server's memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Folds text to the form every comparison uses: lower case, accents removed, anything that is not
/// a letter or digit turned into a space, runs of spaces collapsed, trimmed.
///
/// `"¿Atención  HUMANA?"` becomes `"atencion humana"`, so customers who type without accents (most
/// of them, on a phone) match keywords written with them, and the other way round.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Lower-case first: some capitals only decompose the same way once lowered.
    for c in text.to_lowercase().nfd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Whether `phrase` occurs in `text`, both already [`normalize`]d.
///
/// The rule: the phrase must **start at a word boundary** but may **end inside a word**. So a
/// keyword works as a stem — `human` matches "humano" and "humana", `operator` matches "operators"
/// — while it never matches from the middle of a word (`gent` does not match "agente"), and a word
/// that merely shares letters does not match either (`agent` does not match "agenda"). An empty
/// phrase never matches.
pub fn contains_phrase(text: &str, phrase: &str) -> bool {
    if phrase.is_empty() {
        return false;
    }
    // Try every word start rather than only the first occurrence: an in-word hit ("xa a") must not
    // hide a later one that does start a word.
    let mut at_boundary = true;
    for (i, c) in text.char_indices() {
        if at_boundary && text[i..].starts_with(phrase) {
            return true;
        }
        at_boundary = !c.is_alphanumeric();
    }
    false
}

/// Whether a normalized message contains `word` as a whole word (or whole run of words).
fn has_word(normalized: &str, word: &str) -> bool {
    let padded = format!(" {normalized} ");
    padded.contains(&format!(" {word} "))
}

/// What makes a scenario answer. Stored as JSON (`{"kind": "keywords", "value": [...]}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Trigger {
    /// Any of these keywords, matched with [`contains_phrase`] (stems at word starts).
    Keywords(Vec<String>),
    /// The whole message, normalized, equals this phrase, normalized.
    Phrase(String),
    /// A case-insensitive regular expression, tried on the original message and on its normalized
    /// form; either one matching is enough (so `atencion` matches "¡Atención!", while `\?$` still
    /// sees the question mark).
    Regex(String),
}

/// Compiles an admin-written pattern the one way both the matcher and the editor use.
pub fn compile_pattern(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
}

/// A regex error in one line of plain words, without the caret diagram the crate draws.
fn plain_regex_error(err: &regex::Error) -> String {
    match err {
        regex::Error::Syntax(text) => text
            .lines()
            .find_map(|l| l.trim().strip_prefix("error: "))
            .unwrap_or(text.trim())
            .to_string(),
        other => other.to_string(),
    }
}

/// A canned answer and the triggers that make the bot send it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub id: i64,
    pub name: String,
    pub triggers: Vec<Trigger>,
    pub response: String,
    pub enabled: bool,
    /// Higher wins when several scenarios match.
    pub priority: i64,
    /// Channels this scenario answers on; empty means all of them.
    pub channels: Vec<Channel>,
}

impl Scenario {
    /// Whether the channel filter lets this scenario answer on `channel`.
    pub fn allows(&self, channel: Channel) -> bool {
        self.channels.is_empty() || self.channels.contains(&channel)
    }
}

/// A trigger ready to run: keywords and phrases pre-normalized, regexes compiled.
#[derive(Debug, Clone)]
enum CompiledTrigger {
    Keywords(Vec<String>),
    Phrase(String),
    Regex(Regex),
}

impl CompiledTrigger {
    /// `None` when the trigger can never match (no usable keyword, empty phrase, invalid regex);
    /// the editor refuses those, but rows written before a rule changed must not break the bot.
    fn compile(t: &Trigger) -> Option<Self> {
        match t {
            Trigger::Keywords(words) => {
                let words: Vec<String> = words
                    .iter()
                    .map(|w| normalize(w))
                    .filter(|w| !w.is_empty())
                    .collect();
                (!words.is_empty()).then_some(Self::Keywords(words))
            }
            Trigger::Phrase(p) => {
                let p = normalize(p);
                (!p.is_empty()).then_some(Self::Phrase(p))
            }
            Trigger::Regex(p) => compile_pattern(p).ok().map(Self::Regex),
        }
    }

    fn matches(&self, original: &str, normalized: &str) -> bool {
        match self {
            Self::Keywords(words) => words.iter().any(|w| contains_phrase(normalized, w)),
            Self::Phrase(p) => normalized == p,
            Self::Regex(re) => re.is_match(original) || re.is_match(normalized),
        }
    }
}

#[derive(Debug, Clone)]
struct CompiledScenario {
    scenario: Scenario,
    triggers: Vec<CompiledTrigger>,
}

/// The enabled scenarios, compiled once and kept in the order they are tried (highest priority
/// first, then lowest id), so a message is matched without recompiling any regex.
#[derive(Debug, Clone, Default)]
pub struct CompiledScenarios {
    entries: Vec<CompiledScenario>,
}

impl CompiledScenarios {
    /// Compiles `scenarios`. Disabled scenarios are left out; invalid triggers are skipped (the
    /// scenario still answers through its other triggers).
    pub fn new(scenarios: &[Scenario]) -> Self {
        let mut entries: Vec<CompiledScenario> = scenarios
            .iter()
            .filter(|s| s.enabled)
            .map(|s| CompiledScenario {
                scenario: s.clone(),
                triggers: s
                    .triggers
                    .iter()
                    .filter_map(CompiledTrigger::compile)
                    .collect(),
            })
            .collect();
        entries.sort_by_key(|e| (Reverse(e.scenario.priority), e.scenario.id));
        Self { entries }
    }

    /// The highest-priority enabled scenario that answers on `channel` and has a trigger matching
    /// `text`; ties go to the lower id.
    pub fn best_match(&self, text: &str, channel: Channel) -> Option<&Scenario> {
        self.best_match_normalized(text, &normalize(text), channel)
    }

    fn best_match_normalized(
        &self,
        original: &str,
        normalized: &str,
        channel: Channel,
    ) -> Option<&Scenario> {
        self.entries
            .iter()
            .find(|e| {
                e.scenario.allows(channel)
                    && e.triggers.iter().any(|t| t.matches(original, normalized))
            })
            .map(|e| &e.scenario)
    }
}

/// A scenario as the editor submitted it, checked and tidied; the storage layer adds id and state.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioDraft {
    pub name: String,
    pub triggers: Vec<Trigger>,
    pub response: String,
    pub priority: i64,
    pub channels: Vec<Channel>,
}

impl ScenarioDraft {
    /// Checks every field and reports all problems at once, so the editor can mark each of them.
    pub fn parse(
        name: &str,
        triggers: Vec<Trigger>,
        response: &str,
        priority: &str,
        channels: &[String],
    ) -> Result<ScenarioDraft, Vec<FieldError>> {
        let mut errors = Vec::new();

        let name = name.trim();
        if name.is_empty() {
            errors.push(FieldError::new("name", Problem::NameMissing));
        } else if name.chars().count() > NAME_MAX_CHARS {
            errors.push(FieldError::new(
                "name",
                Problem::NameTooLong {
                    max: count(NAME_MAX_CHARS),
                },
            ));
        }

        let triggers: Vec<Trigger> = triggers.into_iter().map(tidy_trigger).collect();
        if triggers.is_empty() {
            errors.push(FieldError::new("triggers", Problem::TriggersMissing));
        }
        for (i, t) in triggers.iter().enumerate() {
            if let Some(problem) = trigger_problem(count(i + 1), t) {
                errors.push(FieldError::new("triggers", problem));
            }
        }

        let response = response.trim();
        if response.is_empty() {
            errors.push(FieldError::new("response", Problem::ResponseMissing));
        } else if response.chars().count() > RESPONSE_MAX_CHARS {
            errors.push(FieldError::new(
                "response",
                Problem::ResponseTooLong {
                    max: count(RESPONSE_MAX_CHARS),
                },
            ));
        }

        let priority = match priority.trim().parse::<i64>() {
            Ok(p) if PRIORITY_RANGE.contains(&p) => p,
            _ => {
                errors.push(FieldError::new(
                    "priority",
                    Problem::PriorityRange {
                        min: *PRIORITY_RANGE.start(),
                        max: *PRIORITY_RANGE.end(),
                    },
                ));
                0
            }
        };

        let mut parsed_channels = Vec::new();
        for raw in channels {
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            match Channel::parse(&raw.to_ascii_lowercase()) {
                Some(c) if !parsed_channels.contains(&c) => parsed_channels.push(c),
                Some(_) => {}
                None => errors.push(FieldError::new(
                    "channels",
                    Problem::ChannelUnknown {
                        name: raw.to_string(),
                    },
                )),
            }
        }

        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ScenarioDraft {
            name: name.to_string(),
            triggers,
            response: response.to_string(),
            priority,
            channels: parsed_channels,
        })
    }

    /// The stored scenario this draft becomes.
    pub fn into_scenario(self, id: i64, enabled: bool) -> Scenario {
        Scenario {
            id,
            name: self.name,
            triggers: self.triggers,
            response: self.response,
            enabled,
            priority: self.priority,
            channels: self.channels,
        }
    }
}

/// Trims what the editor's whitespace cannot mean; regex patterns are kept verbatim.
fn tidy_trigger(t: Trigger) -> Trigger {
    match t {
        Trigger::Keywords(words) => Trigger::Keywords(
            words
                .into_iter()
                .map(|w| w.trim().to_string())
                .filter(|w| !w.is_empty())
                .collect(),
        ),
        Trigger::Phrase(p) => Trigger::Phrase(p.trim().to_string()),
        Trigger::Regex(p) => Trigger::Regex(p),
    }
}

/// Why a trigger could never match, in words for the editor.
/// What keeps trigger number `n` (from 1) from ever matching, if anything.
fn trigger_problem(n: i64, t: &Trigger) -> Option<Problem> {
    match t {
        Trigger::Keywords(words) if words.iter().all(|w| normalize(w).is_empty()) => {
            Some(Problem::TriggerNoKeyword { n })
        }
        Trigger::Phrase(p) if normalize(p).is_empty() => Some(Problem::TriggerEmptyPhrase { n }),
        // An empty pattern matches every message, which is never what the admin meant.
        Trigger::Regex(p) if p.trim().is_empty() => Some(Problem::TriggerEmptyPattern { n }),
        Trigger::Regex(p) => compile_pattern(p).err().map(|e| match e {
            regex::Error::CompiledTooBig(limit) => Problem::TriggerTooComplex {
                n,
                pattern: p.clone(),
                limit: count(limit),
            },
            other => Problem::TriggerBadPattern {
                n,
                pattern: p.clone(),
                detail: plain_regex_error(&other).trim_end_matches('.').to_string(),
            },
        }),
        _ => None,
    }
}

/// Reads the editor's trigger textarea, one trigger per line: `re: <pattern>` is a regex,
/// `"exact phrase"` in double quotes is a phrase, and any other non-empty line is a list of
/// comma-separated keywords.
pub fn parse_trigger_lines(text: &str) -> Vec<Trigger> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            if is_regex_line(line) {
                Trigger::Regex(line[3..].trim_start().to_string())
            } else if is_phrase_line(line) {
                Trigger::Phrase(line[1..line.len() - 1].to_string())
            } else {
                Trigger::Keywords(
                    line.split(',')
                        .map(str::trim)
                        .filter(|w| !w.is_empty())
                        .map(String::from)
                        .collect(),
                )
            }
        })
        .collect()
}

/// `re: <pattern>` (any case).
fn is_regex_line(line: &str) -> bool {
    line.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("re:"))
}

/// `"exact phrase"`.
fn is_phrase_line(line: &str) -> bool {
    line.len() >= 2 && line.starts_with('"') && line.ends_with('"')
}

/// Writes triggers back into the textarea form; [`parse_trigger_lines`] reads it back unchanged
/// for every trigger that form can express (no commas inside keywords, no line breaks).
pub fn format_trigger_lines(triggers: &[Trigger]) -> String {
    triggers
        .iter()
        .map(|t| match t {
            // A lone comma keeps a keyword list with nothing in it as a line, so the editor still
            // reports it instead of it vanishing.
            Trigger::Keywords(words) if words.is_empty() => ",".to_string(),
            Trigger::Keywords(words) => {
                let line = words.join(", ");
                // Keywords that would read back as a regex or a phrase (`re: x`, `"x"`) go behind
                // a lone leading comma, which reading drops as an empty keyword.
                if is_regex_line(&line) || is_phrase_line(&line) {
                    format!(", {line}")
                } else {
                    line
                }
            }
            Trigger::Phrase(p) => format!("\"{p}\""),
            Trigger::Regex(p) => format!("re: {p}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// When the bot hands a conversation to people, and what it tells the customer then.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HandoffSettings {
    /// Words that send the customer straight to the queue (matched like keyword triggers).
    pub keywords: Vec<String>,
    /// Consecutive unanswered customer messages that escalate.
    pub no_match_limit: u32,
    /// An external bot reply below this confidence escalates.
    pub confidence_threshold: f64,
    /// Told to the customer on handoff, in Spanish.
    pub confirmation: String,
    /// Told to the customer on handoff, in English.
    pub confirmation_en: String,
    /// The bot is switched off for everyone: every customer message goes to the queue.
    pub paused: bool,
}

impl Default for HandoffSettings {
    fn default() -> Self {
        let keywords = [
            "hablar con humano",
            "hablar con una persona",
            "hablar con operador",
            "quiero un humano",
            "atención humana",
            "operador",
            "agente humano",
            "hablar con alguien",
            "persona real",
            "representante",
            "human",
            "agent",
            "operator",
            "talk to a person",
            "real person",
            "representative",
        ];
        Self {
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            no_match_limit: 2,
            confidence_threshold: 0.5,
            confirmation: "Enseguida te comunico con alguien de nuestro equipo.".to_string(),
            confirmation_en: "Connecting you with someone from our team right away.".to_string(),
            paused: false,
        }
    }
}

/// Why a conversation went to the queue; recorded with the escalation and shown to operators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", content = "detail", rename_all = "snake_case")]
pub enum EscalationReason {
    /// A handoff keyword matched; holds the keyword as configured.
    Keyword(String),
    /// This many customer messages in a row matched no scenario.
    NoMatch(u32),
    /// The external bot answered with this confidence, below the threshold.
    LowConfidence(f64),
    /// The external bot asked for a person.
    BotRequested,
    /// The external bot could not be used; holds what went wrong.
    BotFailed(String),
    /// The bot is paused for everyone.
    Paused,
    /// AI is off for this conversation.
    AiOff,
    /// A voice note the bot cannot read: transcription is off (`false`) or failed (`true`).
    VoiceNote { failed: bool },
}

impl EscalationReason {
    /// A stable code for storage and filtering.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Keyword(_) => "keyword",
            Self::NoMatch(_) => "no_match",
            Self::LowConfidence(_) => "low_confidence",
            Self::BotRequested => "bot_requested",
            Self::BotFailed(_) => "bot_failed",
            Self::Paused => "paused",
            Self::AiOff => "ai_off",
            Self::VoiceNote { .. } => "voice_note",
        }
    }

    /// A short sentence for the conversation log.
    pub fn describe(&self) -> String {
        match self {
            Self::Keyword(k) => format!("keyword \"{k}\""),
            Self::NoMatch(1) => "no scenario matched 1 message".to_string(),
            Self::NoMatch(n) => format!("no scenario matched {n} messages in a row"),
            // The threshold is not part of the reason (settings may change later); the log line
            // records the confidence that was seen.
            Self::LowConfidence(c) => format!("bot confidence {c:.2} below the threshold"),
            Self::BotRequested => "the bot asked for a person".to_string(),
            Self::BotFailed(e) => format!("the bot failed: {e}"),
            Self::Paused => "the bot is paused".to_string(),
            Self::AiOff => "AI is off for this conversation".to_string(),
            Self::VoiceNote { failed: false } => "a voice note (transcription is off)".to_string(),
            Self::VoiceNote { failed: true } => {
                "a voice note that could not be transcribed".to_string()
            }
        }
    }
}

/// One customer message and what the caller knows about its conversation.
#[derive(Debug, Clone, Copy)]
pub struct Inbound<'a> {
    pub text: &'a str,
    pub channel: Channel,
    /// The conversation's owner state is `bot`.
    pub bot_owns: bool,
    pub ai_enabled: bool,
    /// Consecutive customer messages with no scenario match before this one.
    pub unmatched_before: u32,
    /// An external bot is configured.
    pub external_bot: bool,
}

/// What to do with a customer message.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Send this scenario's response.
    Reply { scenario_id: i64, text: String },
    /// No scenario matched: pass the message to the external bot and judge its answer with
    /// [`judge_external_reply`].
    AskExternalBot,
    /// Hand the conversation to the queue (and send the [`confirmation_for`] the message).
    Escalate(EscalationReason),
    /// The bot stays silent: a person owns the conversation, or it is already queued or closed.
    Silent,
    /// No scenario matched, counted, still below the limit, and there is no external bot: send a
    /// gentle fallback. `unmatched` is the new streak to store.
    Fallback { unmatched: u32 },
    /// Send the external bot's answer.
    ExternalReply {
        text: String,
        confidence: Option<f64>,
        context: Option<String>,
    },
}

/// Decides what the bot does with one customer message. The rules, in order:
///
/// 1. not owned by the bot: silent — people own it, the bot never speaks;
/// 2. AI off: escalate, so the message reaches a person;
/// 3. bot paused: escalate;
/// 4. a handoff keyword matches: escalate, naming the longest matching keyword (so
///    "hablar con operador" is reported rather than "operador");
/// 5. a scenario matches: reply with it;
/// 6. an external bot is configured: ask it;
/// 7. otherwise count the message as unmatched: escalate at `no_match_limit`, else fall back.
pub fn decide(settings: &HandoffSettings, scenarios: &CompiledScenarios, m: &Inbound) -> Decision {
    if !m.bot_owns {
        return Decision::Silent;
    }
    if !m.ai_enabled {
        return Decision::Escalate(EscalationReason::AiOff);
    }
    if settings.paused {
        return Decision::Escalate(EscalationReason::Paused);
    }
    let normalized = normalize(m.text);
    if let Some(keyword) = handoff_keyword(settings, &normalized) {
        return Decision::Escalate(EscalationReason::Keyword(keyword.to_string()));
    }
    if let Some(s) = scenarios.best_match_normalized(m.text, &normalized, m.channel) {
        return Decision::Reply {
            scenario_id: s.id,
            text: s.response.clone(),
        };
    }
    if m.external_bot {
        return Decision::AskExternalBot;
    }
    let unmatched = m.unmatched_before.saturating_add(1);
    if unmatched >= settings.no_match_limit {
        Decision::Escalate(EscalationReason::NoMatch(unmatched))
    } else {
        Decision::Fallback { unmatched }
    }
}

/// The longest configured handoff keyword found in the normalized message; on equal length the
/// one configured first.
fn handoff_keyword<'s>(settings: &'s HandoffSettings, normalized: &str) -> Option<&'s str> {
    let mut best: Option<(&str, usize)> = None;
    for k in &settings.keywords {
        let nk = normalize(k);
        let len = nk.chars().count();
        if contains_phrase(normalized, &nk) && best.is_none_or(|(_, l)| len > l) {
            best = Some((k, len));
        }
    }
    best.map(|(k, _)| k)
}

/// What an external bot answers; every field may be missing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExternalReply {
    pub reply: Option<String>,
    pub confidence: Option<f64>,
    /// The bot asks for a person.
    pub handoff: bool,
    /// Opaque state the bot wants back with the next message.
    pub context: Option<String>,
}

/// Judges the external bot's answer (or the error calling it): escalate if it failed, asked for a
/// person, was unsure, or said nothing; otherwise send its reply.
///
/// `_unmatched` (the conversation's no-match streak) is accepted so callers pass what they know,
/// but no rule depends on it: an external bot's silence is treated as a failure, not a no-match.
pub fn judge_external_reply(
    settings: &HandoffSettings,
    reply: Result<ExternalReply, String>,
    _unmatched: u32,
) -> Decision {
    let r = match reply {
        Ok(r) => r,
        Err(e) => return Decision::Escalate(EscalationReason::BotFailed(e)),
    };
    if r.handoff {
        return Decision::Escalate(EscalationReason::BotRequested);
    }
    if let Some(c) = r.confidence {
        // A confidence that is not a number is no confidence at all.
        if c.is_nan() || c < settings.confidence_threshold {
            return Decision::Escalate(EscalationReason::LowConfidence(c));
        }
    }
    match r.reply.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => Decision::ExternalReply {
            text: text.to_string(),
            confidence: r.confidence,
            context: r.context,
        },
        _ => Decision::Escalate(EscalationReason::BotFailed("empty reply".to_string())),
    }
}

/// Common Spanish words, matched as whole words on normalized text.
const SPANISH_WORDS: &[&str] = &[
    "hola",
    "buenas",
    "buenos",
    "quiero",
    "hablar",
    "gracias",
    "por favor",
    "necesito",
    "ayuda",
    "una",
    "con",
    "tengo",
    "puedo",
    "para",
    "persona",
];

/// The handoff confirmation in the customer's language: Spanish when the message looks Spanish
/// (a common Spanish word, or a letter or sign English does not use), English otherwise. If the
/// chosen text is blank the other one is used, so the customer is never told nothing.
/// Whether a customer message looks Spanish: Spanish marks (á, ñ, ¿...) or common Spanish words.
pub fn looks_spanish(text: &str) -> bool {
    let spanish_marks = text.to_lowercase().chars().any(|c| "áéíóúñü¿¡".contains(c));
    let normalized = normalize(text);
    spanish_marks || SPANISH_WORDS.iter().any(|w| has_word(&normalized, w))
}

pub fn confirmation_for<'s>(settings: &'s HandoffSettings, text: &str) -> &'s str {
    in_language(
        looks_spanish(text),
        &settings.confirmation,
        &settings.confirmation_en,
    )
}

/// Of a text kept in Spanish (`es`) and English (`en`), the one in the customer's language, or
/// the other when that one is blank.
pub fn in_language<'s>(spanish: bool, es: &'s str, en: &'s str) -> &'s str {
    let (first, second) = if spanish { (es, en) } else { (en, es) };
    if first.trim().is_empty() {
        second
    } else {
        first
    }
}

/// Validates the Settings form for handoff rules, reporting every bad field at once.
/// `keywords` holds one phrase per line; blank lines are dropped.
pub fn parse_handoff(
    keywords: &str,
    no_match_limit: &str,
    confidence_threshold: &str,
    confirmation: &str,
    confirmation_en: &str,
    paused: bool,
) -> Result<HandoffSettings, Vec<FieldError>> {
    let mut errors = Vec::new();
    let keywords: Vec<String> = keywords
        .lines()
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect();
    if keywords.iter().any(|k| normalize(k).is_empty()) {
        errors.push(FieldError::new("keywords", Problem::HandoffPhraseEmpty));
    }
    let limit = no_match_limit
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=20).contains(n));
    if limit.is_none() {
        errors.push(FieldError::new(
            "no_match_limit",
            Problem::WholeNumber { min: 1, max: 20 },
        ));
    }
    let threshold = confidence_threshold
        .trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|t| (0.0..=1.0).contains(t));
    if threshold.is_none() {
        errors.push(FieldError::new(
            "confidence_threshold",
            Problem::ConfidenceRange,
        ));
    }
    for (field, text) in [
        ("confirmation", confirmation),
        ("confirmation_en", confirmation_en),
    ] {
        let n = text.trim().chars().count();
        if n == 0 || n > 1000 {
            errors.push(FieldError::new(
                field,
                Problem::TextLength { min: 1, max: 1000 },
            ));
        }
    }
    match (limit, threshold) {
        (Some(no_match_limit), Some(confidence_threshold)) if errors.is_empty() => {
            Ok(HandoffSettings {
                keywords,
                no_match_limit,
                confidence_threshold,
                confirmation: confirmation.trim().to_string(),
                confirmation_en: confirmation_en.trim().to_string(),
                paused,
            })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(id: i64, priority: i64, triggers: Vec<Trigger>) -> Scenario {
        Scenario {
            id,
            name: format!("scenario {id}"),
            triggers,
            response: format!("response {id}"),
            enabled: true,
            priority,
            channels: vec![],
        }
    }

    fn kw(words: &[&str]) -> Trigger {
        Trigger::Keywords(words.iter().map(|w| w.to_string()).collect())
    }

    fn inbound(text: &str) -> Inbound<'_> {
        Inbound {
            text,
            channel: Channel::Web,
            bot_owns: true,
            ai_enabled: true,
            unmatched_before: 0,
            external_bot: false,
        }
    }

    fn hours() -> CompiledScenarios {
        CompiledScenarios::new(&[scenario(7, 0, vec![kw(&["horario", "abren"])])])
    }

    fn decide_default(m: &Inbound) -> Decision {
        decide(&HandoffSettings::default(), &hours(), m)
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    // normalize and contains_phrase

    #[test]
    fn normalizing_folds_case_accents_and_punctuation() {
        assert_eq!(normalize("¿Atención  HUMANA?"), "atencion humana");
        assert_eq!(
            normalize("  Señor\tMÜLLER...\n¡hola!  "),
            "senor muller hola"
        );
        assert_eq!(normalize("pedido #123-B"), "pedido 123 b");
        assert_eq!(normalize(" ¿?! "), "");
    }

    #[test]
    fn a_phrase_matches_as_a_stem_at_a_word_start() {
        assert!(contains_phrase("quiero un humano", "human"));
        assert!(contains_phrase("talk to operators", "operator"));
        assert!(contains_phrase(
            "hablar con operador ya",
            "hablar con operador"
        ));
        assert!(contains_phrase("operador", "operador"));
    }

    #[test]
    fn a_phrase_never_matches_from_inside_a_word() {
        assert!(!contains_phrase("un agente", "gent"));
        assert!(!contains_phrase("mi agenda", "agent"));
        assert!(!contains_phrase("superhuman", "human"));
    }

    #[test]
    fn a_later_word_start_is_found_after_an_in_word_hit() {
        // "a b" first occurs inside "xa b", then again at a word start.
        assert!(contains_phrase("xa b a b", "a b"));
        assert!(!contains_phrase("xa b", "a b"));
    }

    #[test]
    fn an_empty_phrase_never_matches() {
        assert!(!contains_phrase("anything", ""));
        assert!(!contains_phrase("", ""));
    }

    // triggers and scenarios

    #[test]
    fn triggers_are_stored_as_tagged_json() {
        let triggers = vec![
            kw(&["precio", "costo"]),
            Trigger::Phrase("hola".into()),
            Trigger::Regex(r"^\d+$".into()),
        ];
        let json = serde_json::to_string(&triggers).unwrap();
        assert_eq!(
            json,
            r#"[{"kind":"keywords","value":["precio","costo"]},{"kind":"phrase","value":"hola"},{"kind":"regex","value":"^\\d+$"}]"#
        );
        let back: Vec<Trigger> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, triggers);
    }

    #[test]
    fn keyword_triggers_ignore_accents_and_case_both_ways() {
        let c = CompiledScenarios::new(&[scenario(1, 0, vec![kw(&["atención humana"])])]);
        assert!(c
            .best_match("ATENCION humana por favor", Channel::Web)
            .is_some());
        let c = CompiledScenarios::new(&[scenario(1, 0, vec![kw(&["atencion"])])]);
        assert!(c.best_match("¿Atención?", Channel::Web).is_some());
        assert!(c.best_match("la tención", Channel::Web).is_none());
    }

    #[test]
    fn a_phrase_trigger_needs_the_whole_message() {
        let c = CompiledScenarios::new(&[scenario(1, 0, vec![Trigger::Phrase("Hola!".into())])]);
        assert!(c.best_match("  ¡HOLA! ", Channel::Web).is_some());
        assert!(c
            .best_match("hola, quiero un precio", Channel::Web)
            .is_none());
    }

    #[test]
    fn regex_triggers_are_case_insensitive_and_see_both_forms_of_the_text() {
        let c =
            CompiledScenarios::new(&[scenario(1, 0, vec![Trigger::Regex("^pedido \\d+$".into())])]);
        assert!(c.best_match("PEDIDO 42", Channel::Web).is_some());
        // Only the normalized form drops the trailing punctuation.
        assert!(c.best_match("Pedido 42!!", Channel::Web).is_some());
        // Only the normalized form drops the accent.
        let c =
            CompiledScenarios::new(&[scenario(1, 0, vec![Trigger::Regex("facturacion".into())])]);
        assert!(c.best_match("Facturación", Channel::Web).is_some());
        // Only the original form still has the question mark.
        let c = CompiledScenarios::new(&[scenario(1, 0, vec![Trigger::Regex(r"\?$".into())])]);
        assert!(c.best_match("¿Abren hoy?", Channel::Web).is_some());
        assert!(c.best_match("abren hoy", Channel::Web).is_none());
    }

    #[test]
    fn an_invalid_regex_is_skipped_and_the_other_triggers_still_work() {
        let c = CompiledScenarios::new(&[scenario(
            1,
            0,
            vec![Trigger::Regex("(unclosed".into()), kw(&["precio"])],
        )]);
        assert!(c.best_match("(unclosed", Channel::Web).is_none());
        assert_eq!(
            c.best_match("el precio", Channel::Web).map(|s| s.id),
            Some(1)
        );
    }

    #[test]
    fn the_highest_priority_match_wins_and_ties_go_to_the_lower_id() {
        let c = CompiledScenarios::new(&[
            scenario(1, 0, vec![kw(&["precio"])]),
            scenario(5, 10, vec![kw(&["precio"])]),
            scenario(3, 10, vec![kw(&["precio"])]),
            scenario(2, 99, vec![kw(&["envio"])]),
        ]);
        assert_eq!(c.best_match("precio", Channel::Web).map(|s| s.id), Some(3));
        assert_eq!(
            c.best_match("envío y precio", Channel::Web).map(|s| s.id),
            Some(2)
        );
    }

    #[test]
    fn a_disabled_scenario_never_answers() {
        let mut off = scenario(1, 100, vec![kw(&["precio"])]);
        off.enabled = false;
        let c = CompiledScenarios::new(&[off.clone(), scenario(2, 0, vec![kw(&["precio"])])]);
        assert_eq!(c.best_match("precio", Channel::Web).map(|s| s.id), Some(2));
        assert!(CompiledScenarios::new(&[off])
            .best_match("precio", Channel::Web)
            .is_none());
    }

    #[test]
    fn the_channel_filter_limits_where_a_scenario_answers() {
        let mut wa = scenario(1, 10, vec![kw(&["precio"])]);
        wa.channels = vec![Channel::Whatsapp];
        let everywhere = scenario(2, 0, vec![kw(&["precio"])]);
        let c = CompiledScenarios::new(&[wa, everywhere]);
        assert_eq!(
            c.best_match("precio", Channel::Whatsapp).map(|s| s.id),
            Some(1)
        );
        assert_eq!(
            c.best_match("precio", Channel::Telegram).map(|s| s.id),
            Some(2)
        );
        assert_eq!(c.best_match("precio", Channel::Web).map(|s| s.id), Some(2));
    }

    #[test]
    fn unusable_triggers_never_match_anything() {
        let c = CompiledScenarios::new(&[scenario(
            1,
            0,
            vec![kw(&["", " ¿? "]), Trigger::Phrase("!!".into())],
        )]);
        assert!(c.best_match("", Channel::Web).is_none());
        assert!(c.best_match("¿?", Channel::Web).is_none());
    }

    // the editor

    fn channels(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_valid_draft_is_tidied() {
        let d = ScenarioDraft::parse(
            "  Horarios ",
            vec![
                kw(&[" horario ", "", "abren"]),
                Trigger::Phrase(" hola ".into()),
            ],
            " Abrimos de 9 a 18. ",
            " 5 ",
            &channels(&["Web", "whatsapp", "web", ""]),
        )
        .unwrap();
        assert_eq!(d.name, "Horarios");
        assert_eq!(
            d.triggers,
            vec![kw(&["horario", "abren"]), Trigger::Phrase("hola".into())]
        );
        assert_eq!(d.response, "Abrimos de 9 a 18.");
        assert_eq!(d.priority, 5);
        assert_eq!(d.channels, vec![Channel::Web, Channel::Whatsapp]);
        let s = d.into_scenario(4, true);
        assert_eq!((s.id, s.enabled, s.priority), (4, true, 5));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let errors =
            ScenarioDraft::parse(" ", vec![], "", "high", &channels(&["sms", "fax"])).unwrap_err();
        assert_eq!(
            fields(&errors),
            ["name", "triggers", "response", "priority", "channels", "channels"]
        );
        assert_eq!(
            errors[4].message,
            Problem::ChannelUnknown { name: "sms".into() }
        );
        assert_eq!(
            errors[5].message,
            Problem::ChannelUnknown { name: "fax".into() }
        );
    }

    #[test]
    fn names_and_responses_have_length_limits() {
        let ok = |name: &str, response: &str| {
            ScenarioDraft::parse(name, vec![kw(&["x"])], response, "0", &[])
        };
        assert!(ok(&"n".repeat(80), &"r".repeat(4096)).is_ok());
        // Counted in characters, not bytes.
        assert!(ok(&"ñ".repeat(80), &"é".repeat(4096)).is_ok());
        let errors = ok(&"n".repeat(81), &"r".repeat(4097)).unwrap_err();
        assert_eq!(fields(&errors), ["name", "response"]);
    }

    #[test]
    fn priority_is_a_whole_number_within_bounds() {
        let p = |raw: &str| {
            ScenarioDraft::parse("n", vec![kw(&["x"])], "r", raw, &[]).map(|d| d.priority)
        };
        assert_eq!(p("-1000"), Ok(-1000));
        assert_eq!(p("1000"), Ok(1000));
        for bad in ["1001", "-1001", "1.5", "", "ten"] {
            assert_eq!(fields(&p(bad).unwrap_err()), ["priority"], "{bad:?}");
        }
    }

    #[test]
    fn triggers_that_could_never_match_are_refused_one_by_one() {
        let errors = ScenarioDraft::parse(
            "n",
            vec![
                kw(&["ok"]),
                kw(&[" ", "¿?"]),
                Trigger::Phrase("  ".into()),
                Trigger::Regex("".into()),
            ],
            "r",
            "0",
            &[],
        )
        .unwrap_err();
        assert_eq!(fields(&errors), ["triggers", "triggers", "triggers"]);
        assert_eq!(errors[0].message, Problem::TriggerNoKeyword { n: 2 });
        assert_eq!(errors[1].message, Problem::TriggerEmptyPhrase { n: 3 });
        assert_eq!(errors[2].message, Problem::TriggerEmptyPattern { n: 4 });
    }

    #[test]
    fn an_invalid_regex_is_named_with_the_reason_in_plain_words() {
        let errors = ScenarioDraft::parse("n", vec![Trigger::Regex("(abc".into())], "r", "0", &[])
            .unwrap_err();
        assert_eq!(fields(&errors), ["triggers"]);
        let Problem::TriggerBadPattern { n, pattern, detail } = &errors[0].message else {
            panic!("{:?}", errors[0].message);
        };
        assert_eq!((*n, pattern.as_str()), (1, "(abc"));
        assert!(detail.contains("unclosed group"), "{detail}");
        assert!(!detail.contains('\n') && !detail.contains('^'), "{detail}");
    }

    #[test]
    fn a_regex_too_big_to_compile_is_refused() {
        let errors = ScenarioDraft::parse(
            "n",
            vec![Trigger::Regex(r"\w{1000}\w{1000}\w{1000}".into())],
            "r",
            "0",
            &[],
        )
        .unwrap_err();
        assert!(
            matches!(
                &errors[0].message,
                Problem::TriggerTooComplex { n: 1, limit, .. } if *limit == count(REGEX_SIZE_LIMIT)
            ),
            "{:?}",
            errors[0].message
        );
    }

    #[test]
    fn trigger_lines_are_read_one_trigger_per_line() {
        let t = parse_trigger_lines(
            "precio, costo , ,cuánto\n\n  re: ^pedido \\d+$ \n\"hola\"\nRE:x\n\"\n,,\n",
        );
        assert_eq!(
            t,
            vec![
                kw(&["precio", "costo", "cuánto"]),
                Trigger::Regex("^pedido \\d+$".into()),
                Trigger::Phrase("hola".into()),
                Trigger::Regex("x".into()),
                kw(&["\""]),
                kw(&[]),
            ]
        );
    }

    #[test]
    fn trigger_lines_round_trip() {
        let triggers = vec![
            kw(&["precio", "costo"]),
            Trigger::Phrase("buenos días".into()),
            Trigger::Regex("^a, b$".into()),
            kw(&[]),
        ];
        let text = format_trigger_lines(&triggers);
        assert_eq!(text, "precio, costo\n\"buenos días\"\nre: ^a, b$\n,");
        assert_eq!(parse_trigger_lines(&text), triggers);
    }

    /// Fuzz crash-80c75815 (scenario_trigger): the line `,re: [a` holds the keyword `re: [a`,
    /// which was written back as `re: [a` and so reopened as a regex; `,"a"` likewise became a
    /// phrase.
    #[test]
    fn keywords_that_look_like_a_regex_or_a_phrase_survive_the_round_trip() {
        for line in [",re: [aun humano\"", ", \"a\"", ",RE:x, y"] {
            let triggers = parse_trigger_lines(line);
            assert!(matches!(triggers[..], [Trigger::Keywords(_)]), "{line}");
            assert_eq!(
                parse_trigger_lines(&format_trigger_lines(&triggers)),
                triggers
            );
        }
    }

    // the decision

    #[test]
    fn the_bot_is_silent_when_people_own_the_conversation() {
        let m = Inbound {
            bot_owns: false,
            ai_enabled: false,
            ..inbound("operador")
        };
        assert_eq!(decide_default(&m), Decision::Silent);
    }

    #[test]
    fn a_message_with_ai_off_goes_to_the_queue() {
        let m = Inbound {
            ai_enabled: false,
            ..inbound("horario")
        };
        assert_eq!(
            decide_default(&m),
            Decision::Escalate(EscalationReason::AiOff)
        );
    }

    #[test]
    fn a_paused_bot_escalates_even_a_matching_message() {
        let settings = HandoffSettings {
            paused: true,
            ..HandoffSettings::default()
        };
        assert_eq!(
            decide(&settings, &hours(), &inbound("horario")),
            Decision::Escalate(EscalationReason::Paused)
        );
    }

    #[test]
    fn a_handoff_keyword_beats_a_matching_scenario() {
        assert_eq!(
            decide_default(&inbound("Horario? quiero un operador")),
            Decision::Escalate(EscalationReason::Keyword("operador".into()))
        );
    }

    #[test]
    fn the_longest_matching_keyword_is_reported() {
        assert_eq!(
            decide_default(&inbound("Quiero HABLAR CON OPERADOR")),
            Decision::Escalate(EscalationReason::Keyword("hablar con operador".into()))
        );
        // "human" also matches "humana"; the whole configured phrase wins and is kept as written.
        assert_eq!(
            decide_default(&inbound("atencion humana")),
            Decision::Escalate(EscalationReason::Keyword("atención humana".into()))
        );
        // Equally long: the one configured first.
        let settings = HandoffSettings {
            keywords: vec!["queja".into(), "ayuda".into()],
            ..HandoffSettings::default()
        };
        assert_eq!(
            decide(&settings, &hours(), &inbound("ayuda con una queja")),
            Decision::Escalate(EscalationReason::Keyword("queja".into()))
        );
    }

    #[test]
    fn a_keyword_stem_matches_longer_words() {
        // No multi-word default fits "hablar con un humano"; the stem "human" does.
        assert_eq!(
            decide_default(&inbound("quiero hablar con un humano")),
            Decision::Escalate(EscalationReason::Keyword("human".into()))
        );
        assert_eq!(
            decide_default(&inbound("Necesito un agente")),
            Decision::Escalate(EscalationReason::Keyword("agent".into()))
        );
        assert_eq!(
            decide_default(&inbound("Can I talk to a person?")),
            Decision::Escalate(EscalationReason::Keyword("talk to a person".into()))
        );
    }

    #[test]
    fn words_that_only_share_letters_with_a_keyword_do_not_escalate() {
        assert_eq!(
            decide_default(&inbound("revisa mi agenda")),
            Decision::Fallback { unmatched: 1 }
        );
    }

    #[test]
    fn a_matching_scenario_replies() {
        assert_eq!(
            decide_default(&inbound("¿A qué hora abren?")),
            Decision::Reply {
                scenario_id: 7,
                text: "response 7".into()
            }
        );
    }

    #[test]
    fn the_channel_filter_applies_to_the_decision() {
        let mut s = scenario(3, 0, vec![kw(&["horario"])]);
        s.channels = vec![Channel::Telegram];
        let c = CompiledScenarios::new(&[s]);
        let settings = HandoffSettings::default();
        let on = Inbound {
            channel: Channel::Telegram,
            ..inbound("horario")
        };
        assert!(matches!(
            decide(&settings, &c, &on),
            Decision::Reply { scenario_id: 3, .. }
        ));
        assert_eq!(
            decide(&settings, &c, &inbound("horario")),
            Decision::Fallback { unmatched: 1 }
        );
    }

    #[test]
    fn without_a_match_the_external_bot_is_asked() {
        let m = Inbound {
            external_bot: true,
            unmatched_before: 5,
            ..inbound("¿tienen envíos?")
        };
        assert_eq!(decide_default(&m), Decision::AskExternalBot);
        // A scenario still answers first.
        let m = Inbound {
            external_bot: true,
            ..inbound("horario")
        };
        assert!(matches!(decide_default(&m), Decision::Reply { .. }));
    }

    #[test]
    fn unmatched_messages_are_counted_up_to_the_limit() {
        let first = inbound("¿tienen envíos?");
        assert_eq!(decide_default(&first), Decision::Fallback { unmatched: 1 });
        let second = Inbound {
            unmatched_before: 1,
            ..first
        };
        assert_eq!(
            decide_default(&second),
            Decision::Escalate(EscalationReason::NoMatch(2))
        );
        let settings = HandoffSettings {
            no_match_limit: 3,
            ..HandoffSettings::default()
        };
        assert_eq!(
            decide(&settings, &hours(), &second),
            Decision::Fallback { unmatched: 2 }
        );
        let third = Inbound {
            unmatched_before: 2,
            ..first
        };
        assert_eq!(
            decide(&settings, &hours(), &third),
            Decision::Escalate(EscalationReason::NoMatch(3))
        );
    }

    #[test]
    fn the_count_does_not_overflow() {
        let m = Inbound {
            unmatched_before: u32::MAX,
            ..inbound("nada")
        };
        assert_eq!(
            decide_default(&m),
            Decision::Escalate(EscalationReason::NoMatch(u32::MAX))
        );
    }

    // the external bot

    fn judge(reply: Result<ExternalReply, String>) -> Decision {
        judge_external_reply(&HandoffSettings::default(), reply, 1)
    }

    #[test]
    fn a_failed_external_bot_escalates_with_its_error() {
        assert_eq!(
            judge(Err("timeout after 10s".into())),
            Decision::Escalate(EscalationReason::BotFailed("timeout after 10s".into()))
        );
    }

    #[test]
    fn an_external_bot_asking_for_a_person_escalates_even_with_a_reply() {
        let r = ExternalReply {
            reply: Some("Te paso con alguien".into()),
            confidence: Some(0.99),
            handoff: true,
            context: None,
        };
        assert_eq!(
            judge(Ok(r)),
            Decision::Escalate(EscalationReason::BotRequested)
        );
    }

    #[test]
    fn an_unsure_external_bot_escalates() {
        let r = |c: f64| ExternalReply {
            reply: Some("Quizás".into()),
            confidence: Some(c),
            ..ExternalReply::default()
        };
        assert_eq!(
            judge(Ok(r(0.31))),
            Decision::Escalate(EscalationReason::LowConfidence(0.31))
        );
        assert!(matches!(
            judge(Ok(r(f64::NAN))),
            Decision::Escalate(EscalationReason::LowConfidence(_))
        ));
        // Exactly at the threshold is confident enough.
        assert!(matches!(judge(Ok(r(0.5))), Decision::ExternalReply { .. }));
    }

    #[test]
    fn an_empty_external_reply_is_a_failure() {
        for reply in [None, Some("   ".to_string())] {
            let r = ExternalReply {
                reply,
                ..ExternalReply::default()
            };
            assert_eq!(
                judge(Ok(r)),
                Decision::Escalate(EscalationReason::BotFailed("empty reply".into()))
            );
        }
    }

    #[test]
    fn a_confident_external_reply_is_sent_with_its_context() {
        let r: ExternalReply =
            serde_json::from_str(r#"{"reply":" Sí, enviamos. ","confidence":0.8,"context":"c1"}"#)
                .unwrap();
        assert_eq!(
            judge(Ok(r)),
            Decision::ExternalReply {
                text: "Sí, enviamos.".into(),
                confidence: Some(0.8),
                context: Some("c1".into()),
            }
        );
        // No confidence at all is taken at its word.
        let r: ExternalReply = serde_json::from_str(r#"{"reply":"ok"}"#).unwrap();
        assert!(matches!(
            judge(Ok(r)),
            Decision::ExternalReply {
                confidence: None,
                context: None,
                ..
            }
        ));
    }

    // what the customer is told

    #[test]
    fn the_confirmation_follows_the_customers_language() {
        let s = HandoffSettings::default();
        assert_eq!(confirmation_for(&s, "hola, necesito ayuda"), s.confirmation);
        assert_eq!(
            confirmation_for(&s, "Quiero HABLAR con alguien"),
            s.confirmation
        );
        assert_eq!(confirmation_for(&s, "¿operador?"), s.confirmation);
        assert_eq!(confirmation_for(&s, "Por favor"), s.confirmation);
        assert_eq!(confirmation_for(&s, "I want a human"), s.confirmation_en);
        assert_eq!(confirmation_for(&s, "agent"), s.confirmation_en);
        // Whole words only: "constant" is not "con".
        assert_eq!(confirmation_for(&s, "constant errors"), s.confirmation_en);
        assert_ne!(s.confirmation, s.confirmation_en);
    }

    #[test]
    fn a_blank_confirmation_falls_back_to_the_other_language() {
        let s = HandoffSettings {
            confirmation_en: " ".into(),
            ..HandoffSettings::default()
        };
        assert_eq!(confirmation_for(&s, "human please"), s.confirmation);
    }

    #[test]
    fn settings_missing_from_storage_take_their_defaults() {
        let s: HandoffSettings = serde_json::from_str(r#"{"no_match_limit":4}"#).unwrap();
        assert_eq!(s.no_match_limit, 4);
        assert_eq!(s.keywords, HandoffSettings::default().keywords);
        assert_eq!(
            decide(&s, &hours(), &inbound("representante")),
            Decision::Escalate(EscalationReason::Keyword("representante".into()))
        );
    }

    #[test]
    fn escalation_reasons_have_codes_and_sentences() {
        let cases = [
            (
                EscalationReason::Keyword("operador".into()),
                "keyword",
                "keyword \"operador\"",
            ),
            (
                EscalationReason::NoMatch(2),
                "no_match",
                "no scenario matched 2 messages in a row",
            ),
            (
                EscalationReason::NoMatch(1),
                "no_match",
                "no scenario matched 1 message",
            ),
            (
                EscalationReason::LowConfidence(0.314),
                "low_confidence",
                "bot confidence 0.31 below the threshold",
            ),
            (
                EscalationReason::BotRequested,
                "bot_requested",
                "the bot asked for a person",
            ),
            (
                EscalationReason::BotFailed("HTTP 502".into()),
                "bot_failed",
                "the bot failed: HTTP 502",
            ),
            (EscalationReason::Paused, "paused", "the bot is paused"),
            (
                EscalationReason::AiOff,
                "ai_off",
                "AI is off for this conversation",
            ),
        ];
        for (reason, code, sentence) in cases {
            assert_eq!(reason.code(), code);
            assert_eq!(reason.describe(), sentence);
        }
    }

    #[test]
    fn handoff_settings_are_validated_field_by_field() {
        let ok = parse_handoff(
            "operador\n\n  human \n",
            "3",
            "0,4",
            "Ya voy.",
            "On my way.",
            true,
        )
        .unwrap();
        assert_eq!(ok.keywords, ["operador", "human"]);
        assert_eq!(
            (ok.no_match_limit, ok.confidence_threshold, ok.paused),
            (3, 0.4, true)
        );
        let errs = parse_handoff("¿?", "0", "1.5", " ", "x", false).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "keywords",
                "no_match_limit",
                "confidence_threshold",
                "confirmation"
            ]
        );
    }
}
