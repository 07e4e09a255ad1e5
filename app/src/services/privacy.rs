//! Personal data: erasing one customer ([`erase`]), exporting what Baton keeps about them
//! ([`export`]), deleting closed conversations past the kept days ([`run_retention`], a daily
//! job that one instance runs at a time), and phone numbers masked for operators ([`Masking`]).
//!
//! A contact has one conversation (the thread of all their stretches), so retention deletes the
//! contact with it: a customer whose thread was closed longer ago than the kept days is
//! forgotten whole, and is a new contact if they write again. What is deleted is listed in
//! [`crate::storage::privacy`].

use super::audit::{self, Pending, Who};
use super::{now_ms, settings, AppState};
use crate::domain::audit::AuditKind;
use crate::domain::privacy::{mask_name, mask_phone, PrivacySettings};
use crate::domain::problem::Problem;
use crate::dto::{
    ContactCard, ConversationDetail, ConversationGroups, ConversationSummary, LiveEventKind,
    QueueOverview,
};
use crate::error::AppError;
use crate::storage::privacy::{Erased, Only};
use crate::storage::users::UserRow;

fn not_found() -> AppError {
    AppError::NotFound(Problem::ConversationMissing)
}

/// Deletes the files of erased messages and tells every console the conversations are gone.
async fn after_erasure(state: &AppState, erased: &Erased) {
    for key in &erased.media_keys {
        if let Err(e) = state.media.store.delete(key).await {
            // The rows are gone; the file is an orphan nobody can reach. Logged to clean up.
            tracing::error!(error = %e, key, "erased media file not deleted");
        }
    }
    for id in &erased.conversations {
        state.bus.publish(LiveEventKind::ConversationRemoved {
            conversation_id: *id,
        });
    }
}

/// The contact behind conversation `id`, and what an audit entry says of them: the channel and
/// ids, none of their data.
async fn subject(state: &AppState, id: i64) -> Result<(i64, serde_json::Value), AppError> {
    let contact_id = state.store.contact_id_of(id).await?.ok_or_else(not_found)?;
    let channel = state
        .store
        .contact_of(id)
        .await?
        .map(|c| c.channel)
        .unwrap_or_default();
    let details =
        serde_json::json!({ "channel": channel, "contact_id": contact_id, "conversation_id": id });
    Ok((contact_id, details))
}

/// Erases the customer behind conversation `id` on request: their contact, conversation,
/// messages, notes, media (rows and files), history and satisfaction answers, in one
/// transaction with its audit entry, which names the channel and ids only.
pub async fn erase(state: &AppState, who: &Who, id: i64) -> Result<(), AppError> {
    let (contact_id, details) = subject(state, id).await?;
    let entry = Pending::new(
        who,
        AuditKind::ContactErased,
        format!("contact:{contact_id}"),
        details,
    )?;
    let erased = state
        .store
        .erase_contacts(&[contact_id], Only::All, &[entry.entry(now_ms())])
        .await?;
    if erased.contacts.is_empty() {
        return Err(not_found());
    }
    tracing::info!(contact_id, conversation_id = id, "contact erased");
    after_erasure(state, &erased).await;
    Ok(())
}

/// Everything Baton keeps about the customer behind conversation `id`, as a JSON document;
/// the export is recorded in the audit log.
pub async fn export(state: &AppState, who: &Who, id: i64) -> Result<serde_json::Value, AppError> {
    let (contact_id, details) = subject(state, id).await?;
    let data = state
        .store
        .contact_data(contact_id)
        .await?
        .ok_or_else(not_found)?;
    audit::record(
        state,
        who,
        AuditKind::ContactExported,
        Some(&format!("contact:{contact_id}")),
        details,
    )
    .await?;
    let mut doc = serde_json::to_value(&data).map_err(|_| AppError::Internal)?;
    doc["exported_at"] = now_ms().into();
    doc["format"] = "baton-contact-export-1".into();
    Ok(doc)
}

/// How many contacts one retention round deletes in one transaction.
const RETENTION_BATCH: i64 = 200;

/// Deletes every closed conversation closed longer ago than the kept days (with its contact,
/// messages and media); returns how many went. Nothing when retention is off (forever).
pub async fn run_retention(state: &AppState, now: i64) -> Result<usize, AppError> {
    let p = settings::privacy(state).await?;
    let Some(cutoff) = p.cutoff(now) else {
        return Ok(0);
    };
    let mut deleted = 0;
    loop {
        let batch = state
            .store
            .expired_contacts(cutoff, RETENTION_BATCH)
            .await?;
        if batch.is_empty() {
            break;
        }
        let erased = state
            .store
            .erase_contacts(&batch, Only::ClosedBefore(cutoff), &[])
            .await?;
        after_erasure(state, &erased).await;
        deleted += erased.conversations.len();
        if erased.conversations.is_empty() {
            // Every candidate was reopened meanwhile.
            break;
        }
    }
    if deleted > 0 {
        tracing::info!(deleted, "retention: closed conversations deleted");
        audit::record(
            state,
            &Who::system(),
            AuditKind::RetentionDeleted,
            Some("conversations"),
            serde_json::json!({
                "conversations": deleted,
                "retention_days": p.retention_days,
                "closed_before": cutoff,
            }),
        )
        .await?;
    }
    Ok(deleted)
}

/// How often the retention job runs.
pub const RETENTION_EVERY_MS: i64 = 24 * 3600 * 1000;

/// The daily retention turn: runs [`run_retention`] if this instance claims today's turn (one
/// instance of several does; the claim is a row in the database).
pub async fn retention_turn(state: &AppState, now: i64) -> Result<Option<usize>, AppError> {
    if !state
        .store
        .claim_turn("retention_next_run", now, now + RETENTION_EVERY_MS)
        .await?
    {
        return Ok(None);
    }
    run_retention(state, now).await.map(Some)
}

/// Phone numbers as one reader may see them: masked for operators when the setting is on,
/// whole for admins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Masking(pub bool);

impl Masking {
    pub fn of(p: &PrivacySettings, is_admin: bool) -> Self {
        Self(p.masks_for(is_admin))
    }

    /// For `user` under the current settings.
    pub async fn for_user(state: &AppState, user: &UserRow) -> Result<Self, AppError> {
        let p = settings::privacy(state).await?;
        Ok(Self::of(
            &p,
            user.role() == crate::domain::users::Role::Admin,
        ))
    }

    pub fn phone(self, phone: Option<String>) -> Option<String> {
        match self.0 {
            true => phone.map(|p| mask_phone(&p)),
            false => phone,
        }
    }

    pub fn name(self, name: String) -> String {
        match self.0 {
            true => mask_name(&name),
            false => name,
        }
    }

    pub fn summary(self, mut s: ConversationSummary) -> ConversationSummary {
        s.contact_name = self.name(s.contact_name);
        s
    }

    pub fn groups(self, mut g: ConversationGroups) -> ConversationGroups {
        if self.0 {
            for group in &mut g.groups {
                group.items = std::mem::take(&mut group.items)
                    .into_iter()
                    .map(|s| self.summary(s))
                    .collect();
            }
        }
        g
    }

    pub fn overview(self, mut o: QueueOverview) -> QueueOverview {
        if self.0 {
            for w in &mut o.waiting {
                w.conversation = self.summary(w.conversation.clone());
            }
        }
        o
    }

    pub fn detail(self, mut d: ConversationDetail) -> ConversationDetail {
        d.summary = self.summary(d.summary);
        d.contact_phone = self.phone(d.contact_phone);
        d
    }

    pub fn card(self, mut c: ContactCard) -> ContactCard {
        c.name = c.name.map(|n| self.name(n));
        c.phone = self.phone(c.phone);
        c
    }

    /// A live event as this reader gets it; `None` when it carries no number to mask.
    pub fn event(self, kind: &LiveEventKind) -> Option<LiveEventKind> {
        if !self.0 {
            return None;
        }
        match kind {
            LiveEventKind::ConversationUpdated { conversation } => {
                let masked = self.summary(conversation.clone());
                (masked != *conversation).then_some(LiveEventKind::ConversationUpdated {
                    conversation: masked,
                })
            }
            LiveEventKind::Mentioned {
                user_id,
                conversation_id,
                by,
                contact,
                excerpt,
            } => {
                let masked = self.name(contact.clone());
                (masked != *contact).then(|| LiveEventKind::Mentioned {
                    user_id: *user_id,
                    conversation_id: *conversation_id,
                    by: by.clone(),
                    contact: masked,
                    excerpt: excerpt.clone(),
                })
            }
            _ => None,
        }
    }
}
