//! Reading staff accounts and API tokens on SQLite.

use super::*;

impl SqliteStore {
    pub(crate) async fn staff_user_by_email_in(
        &self,
        email: &str,
    ) -> StoreResult<Option<StaffRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM staff_users WHERE lower(email) = lower(?)",
            staff::STAFF_COLUMNS
        ))
        .bind(email.trim())
        .fetch_optional(&self.read)
        .await
        .map_err(db("get staff user"))?;
        row.map(|r| staff::staff_record(&r)).transpose()
    }

    pub(crate) async fn staff_user_in(&self, id: &str) -> StoreResult<Option<StaffRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM staff_users WHERE id = ?",
            staff::STAFF_COLUMNS
        ))
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(db("get staff user"))?;
        row.map(|r| staff::staff_record(&r)).transpose()
    }

    pub(crate) async fn list_staff_users_in(&self) -> StoreResult<Vec<StaffUser>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM staff_users ORDER BY lower(email)",
            staff::STAFF_COLUMNS
        ))
        .fetch_all(&self.read)
        .await
        .map_err(db("list staff users"))?;
        rows.iter()
            .map(|r| staff::staff_record(r).map(|s| s.user))
            .collect()
    }

    pub(crate) async fn list_api_tokens_in(
        &self,
        user_id: Option<&str>,
    ) -> StoreResult<Vec<ApiToken>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM api_tokens WHERE (? IS NULL OR user_id = ?) ORDER BY created_at DESC, id",
            staff::TOKEN_COLUMNS
        ))
        .bind(user_id)
        .bind(user_id)
        .fetch_all(&self.read)
        .await
        .map_err(db("list api tokens"))?;
        rows.iter().map(staff::api_token).collect()
    }

    pub(crate) async fn api_token_by_hash_in(
        &self,
        secret_hash: &str,
    ) -> StoreResult<Option<(ApiToken, StaffRecord)>> {
        let Some(token_row) = sqlx::query(&format!(
            "SELECT {} FROM api_tokens WHERE secret_hash = ?",
            staff::TOKEN_COLUMNS
        ))
        .bind(secret_hash)
        .fetch_optional(&self.read)
        .await
        .map_err(db("find api token"))?
        else {
            return Ok(None);
        };
        let token = staff::api_token(&token_row)?;
        let owner = self
            .staff_user(&token.user_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("token {} has no user", token.id)))?;
        Ok(Some((token, owner)))
    }
}
