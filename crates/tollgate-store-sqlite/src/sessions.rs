//! Console sessions and idempotent responses on SQLite.

use super::*;

impl SqliteStore {
    pub(crate) async fn create_session_in(
        &self,
        id_hash: &str,
        session: &Session,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
            .bind(id_hash)
            .bind(&session.user_id)
            .bind(&session.csrf_token)
            .bind(session.created_at.millis())
            .bind(session.expires_at.millis())
            .execute(&self.write)
            .await
            .map_err(db("create session"))?;
        Ok(())
    }

    pub(crate) async fn session_by_hash_in(&self, id_hash: &str) -> StoreResult<Option<Session>> {
        let row: Option<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT user_id, csrf_token, created_at, expires_at FROM sessions WHERE id_hash = ?",
        )
        .bind(id_hash)
        .fetch_optional(&self.read)
        .await
        .map_err(db("get session"))?;
        Ok(
            row.map(|(user_id, csrf_token, created_at, expires_at)| Session {
                user_id,
                csrf_token,
                created_at: Timestamp::from_millis(created_at),
                expires_at: Timestamp::from_millis(expires_at),
            }),
        )
    }

    pub(crate) async fn delete_session_in(&self, id_hash: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM sessions WHERE id_hash = ?")
            .bind(id_hash)
            .execute(&self.write)
            .await
            .map_err(db("delete session"))?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn idempotent_response_in(
        &self,
        caller: &str,
        key: &str,
    ) -> StoreResult<Option<IdempotentResponse>> {
        let row: Option<(String, i32, String, i64)> = sqlx::query_as(
            "SELECT request_hash, status, body, created_at FROM idempotency_keys WHERE caller = ? AND key = ?",
        )
        .bind(caller)
        .bind(key)
        .fetch_optional(&self.write)
        .await
        .map_err(db("get idempotent response"))?;
        Ok(row.map(
            |(request_hash, status, body, created_at)| IdempotentResponse {
                request_hash,
                status: status as u16,
                body,
                created_at: Timestamp::from_millis(created_at),
            },
        ))
    }

    pub(crate) async fn save_idempotent_response_in(
        &self,
        caller: &str,
        key: &str,
        response: &IdempotentResponse,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO idempotency_keys (caller, key, request_hash, status, body, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (caller, key) DO NOTHING",
        )
        .bind(caller)
        .bind(key)
        .bind(&response.request_hash)
        .bind(response.status as i32)
        .bind(&response.body)
        .bind(response.created_at.millis())
        .execute(&self.write)
        .await
        .map_err(db("save idempotent response"))?;
        Ok(())
    }
}
