//! WhatsApp message templates (`whatsapp_templates`): the copies operators fill and send.

use super::bot::dup_name;
use super::{with_pool, with_write, Store, StoreError};
use crate::domain::templates::{TemplateCategory, TemplateDraft, WhatsappTemplate};

#[derive(sqlx::FromRow)]
struct TemplateRow {
    id: i64,
    name: String,
    language: String,
    category: String,
    body: String,
}

impl TemplateRow {
    fn into_template(self) -> WhatsappTemplate {
        WhatsappTemplate {
            id: self.id,
            name: self.name,
            language: self.language,
            category: TemplateCategory::parse(&self.category).unwrap_or(TemplateCategory::Utility),
            body: self.body,
        }
    }
}

const COLS: &str = "id, name, language, category, body";

impl Store {
    /// Every template, by name then language.
    pub async fn list_templates(&self) -> Result<Vec<WhatsappTemplate>, sqlx::Error> {
        let sql = format!("SELECT {COLS} FROM whatsapp_templates ORDER BY name, language, id");
        let rows =
            with_pool!(self, p => sqlx::query_as::<_, TemplateRow>(&sql).fetch_all(p).await)?;
        Ok(rows.into_iter().map(TemplateRow::into_template).collect())
    }

    pub async fn template(&self, id: i64) -> Result<Option<WhatsappTemplate>, sqlx::Error> {
        let sql = format!("SELECT {COLS} FROM whatsapp_templates WHERE id = $1");
        let row = with_pool!(self, p => sqlx::query_as::<_, TemplateRow>(&sql)
            .bind(id).fetch_optional(p).await)?;
        Ok(row.map(TemplateRow::into_template))
    }

    /// Creates a template, or replaces template `id` (`None` when it no longer exists).
    pub async fn save_template(
        &self,
        id: Option<i64>,
        t: &TemplateDraft,
        now: i64,
    ) -> Result<Option<WhatsappTemplate>, StoreError> {
        let category = t.category.as_str();
        let row = match id {
            None => {
                let sql = format!(
                    "INSERT INTO whatsapp_templates (name, language, category, body, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $5) RETURNING {COLS}"
                );
                with_write!(self, p => sqlx::query_as::<_, TemplateRow>(&sql)
                    .bind(&t.name).bind(&t.language).bind(category).bind(&t.body).bind(now)
                    .fetch_optional(p).await)
            }
            Some(id) => {
                let sql = format!(
                    "UPDATE whatsapp_templates SET name = $1, language = $2, category = $3, body = $4, \
                     updated_at = $5 WHERE id = $6 RETURNING {COLS}"
                );
                with_write!(self, p => sqlx::query_as::<_, TemplateRow>(&sql)
                    .bind(&t.name).bind(&t.language).bind(category).bind(&t.body).bind(now).bind(id)
                    .fetch_optional(p).await)
            }
        }
        .map_err(dup_name)?;
        Ok(row.map(TemplateRow::into_template))
    }

    pub async fn delete_template(&self, id: i64) -> Result<bool, sqlx::Error> {
        with_write!(self, p => sqlx::query("DELETE FROM whatsapp_templates WHERE id = $1")
            .bind(id).execute(p).await.map(|r| r.rows_affected() == 1))
    }
}
