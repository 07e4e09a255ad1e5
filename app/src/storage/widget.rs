//! Web widget identities: the hash of each issued token and the visitor it names.

use super::{with_pool, with_write, Store};

impl Store {
    /// Records a newly issued widget identity.
    pub async fn create_widget_visitor(
        &self,
        token_hash: &str,
        external_id: &str,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        with_write!(self, p => sqlx::query(
            "INSERT INTO widget_visitors (token_hash, external_id, created_at) VALUES ($1, $2, $3)")
            .bind(token_hash).bind(external_id).bind(now).execute(p).await.map(|_| ()))
    }

    /// The visitor a token was issued to, if it ever was.
    pub async fn widget_visitor(&self, token_hash: &str) -> Result<Option<String>, sqlx::Error> {
        with_pool!(self, p => sqlx::query_scalar::<_, String>(
            "SELECT external_id FROM widget_visitors WHERE token_hash = $1")
            .bind(token_hash).fetch_optional(p).await)
    }
}
