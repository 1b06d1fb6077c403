//! Staff accounts and API tokens on PostgreSQL. Every change is audited in its transaction, and no
//! audit event carries a password hash or a token secret.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use tollgate_domain::TextEnum;
use tollgate_domain::audit::NewAuditEvent;
use tollgate_domain::staff::StaffUser;
use tollgate_domain::time::Timestamp;
use tollgate_store::codec::parse_enum;
use tollgate_store::{
    ApiToken, LoginOutcome, StaffChange, StaffRecord, StoreError, StoreResult, WriteMeta,
};

use crate::{append_audit_in, db};

pub const STAFF_COLUMNS: &str =
    "id, email, role, password_hash, disabled, failed_logins, locked_until, created_at";
pub const TOKEN_COLUMNS: &str = "id, user_id, name, created_at, expires_at, revoked_at";

fn corrupt(column: &str) -> impl Fn(sqlx::Error) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("{column}: {e}"))
}

pub fn staff_record(row: &PgRow) -> StoreResult<StaffRecord> {
    Ok(StaffRecord {
        user: StaffUser {
            id: row.try_get("id").map_err(corrupt("id"))?,
            email: row.try_get("email").map_err(corrupt("email"))?,
            role: parse_enum(
                &row.try_get::<String, _>("role").map_err(corrupt("role"))?,
                "role",
            )?,
            disabled: row.try_get("disabled").map_err(corrupt("disabled"))?,
            created_at: Timestamp::from_millis(
                row.try_get("created_at").map_err(corrupt("created_at"))?,
            ),
        },
        password_hash: row
            .try_get("password_hash")
            .map_err(corrupt("password_hash"))?,
        failed_logins: row
            .try_get("failed_logins")
            .map_err(corrupt("failed_logins"))?,
        locked_until: row
            .try_get::<Option<i64>, _>("locked_until")
            .map_err(corrupt("locked_until"))?
            .map(Timestamp::from_millis),
    })
}

pub fn api_token(row: &PgRow) -> StoreResult<ApiToken> {
    let at = |column: &'static str| -> StoreResult<Option<Timestamp>> {
        Ok(row
            .try_get::<Option<i64>, _>(column)
            .map_err(corrupt(column))?
            .map(Timestamp::from_millis))
    };
    Ok(ApiToken {
        id: row.try_get("id").map_err(corrupt("id"))?,
        user_id: row.try_get("user_id").map_err(corrupt("user_id"))?,
        name: row.try_get("name").map_err(corrupt("name"))?,
        created_at: Timestamp::from_millis(
            row.try_get("created_at").map_err(corrupt("created_at"))?,
        ),
        expires_at: at("expires_at")?,
        revoked_at: at("revoked_at")?,
    })
}

fn event(meta: &WriteMeta, action: &str, subject: String, reasons: Vec<String>) -> NewAuditEvent {
    NewAuditEvent {
        actor: meta.actor.clone(),
        action: action.into(),
        subject,
        reasons,
        details: "{}".into(),
        at: meta.at,
    }
}

pub async fn create_user(
    conn: &mut PgConnection,
    user: &StaffUser,
    hash: &str,
    meta: &WriteMeta,
) -> StoreResult<()> {
    let taken: Option<i64> =
        sqlx::query_scalar("SELECT 1::BIGINT FROM staff_users WHERE lower(email) = lower($1)")
            .bind(&user.email)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db("create staff user"))?;
    if taken.is_some() {
        return Err(StoreError::Conflict(format!(
            "a staff user with e-mail {} exists",
            user.email
        )));
    }
    sqlx::query(
        "INSERT INTO staff_users (id, email, role, password_hash, disabled, failed_logins, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6, $7)",
    )
    .bind(&user.id)
    .bind(&user.email)
    .bind(user.role.as_str())
    .bind(hash)
    .bind(user.disabled)
    .bind(user.created_at.millis())
    .bind(meta.at.millis())
    .execute(&mut *conn)
    .await
    .map_err(db("create staff user"))?;
    let reasons = vec![
        format!("email: {}", user.email),
        format!("role: {}", user.role),
    ];
    append_audit_in(
        conn,
        &[event(
            meta,
            "user.created",
            format!("user:{}", user.id),
            reasons,
        )],
    )
    .await
}

pub async fn update_user(
    conn: &mut PgConnection,
    id: &str,
    change: &StaffChange,
    meta: &WriteMeta,
) -> StoreResult<bool> {
    let (sql, action, reasons): (&str, &str, Vec<String>) = match change {
        StaffChange::Role(role) => (
            "UPDATE staff_users SET role = $1, updated_at = $2 WHERE id = $3",
            "user.role_changed",
            vec![format!("role: {role}")],
        ),
        StaffChange::Disabled(true) => (
            "UPDATE staff_users SET disabled = $1, updated_at = $2 WHERE id = $3",
            "user.disabled",
            vec![],
        ),
        StaffChange::Disabled(false) => (
            "UPDATE staff_users SET disabled = $1, updated_at = $2 WHERE id = $3",
            "user.enabled",
            vec![],
        ),
        StaffChange::PasswordHash(_) => (
            "UPDATE staff_users SET password_hash = $1, failed_logins = 0, locked_until = NULL, updated_at = $2 WHERE id = $3",
            "user.password_changed",
            vec![],
        ),
    };
    let query = sqlx::query(sql);
    let query = match change {
        StaffChange::Role(role) => query.bind(role.as_str().to_string()),
        StaffChange::Disabled(disabled) => query.bind(*disabled),
        StaffChange::PasswordHash(hash) => query.bind(hash.clone()),
    };
    let done = query
        .bind(meta.at.millis())
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db("update staff user"))?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    append_audit_in(conn, &[event(meta, action, format!("user:{id}"), reasons)]).await?;
    Ok(true)
}

pub async fn record_login(
    conn: &mut PgConnection,
    id: &str,
    outcome: LoginOutcome,
    meta: &WriteMeta,
) -> StoreResult<()> {
    let (action, reasons) = match outcome {
        LoginOutcome::Success => {
            sqlx::query(
                "UPDATE staff_users SET failed_logins = 0, locked_until = NULL WHERE id = $1",
            )
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(db("record login"))?;
            ("login.succeeded", vec![])
        }
        LoginOutcome::Failure { lock_until } => {
            sqlx::query(
                "UPDATE staff_users SET failed_logins = failed_logins + 1, \
                 locked_until = COALESCE($1::BIGINT, locked_until) WHERE id = $2",
            )
            .bind(lock_until.map(|t| t.millis()))
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(db("record login"))?;
            match lock_until {
                Some(until) => ("login.locked", vec![format!("locked until {until}")]),
                None => ("login.failed", vec!["wrong password".to_string()]),
            }
        }
    };
    append_audit_in(conn, &[event(meta, action, format!("user:{id}"), reasons)]).await
}

pub async fn create_token(
    conn: &mut PgConnection,
    token: &ApiToken,
    hash: &str,
    meta: &WriteMeta,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, secret_hash, created_at, expires_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&token.id)
    .bind(&token.user_id)
    .bind(&token.name)
    .bind(hash)
    .bind(token.created_at.millis())
    .bind(token.expires_at.map(|t| t.millis()))
    .bind(token.revoked_at.map(|t| t.millis()))
    .execute(&mut *conn)
    .await
    .map_err(db("create api token"))?;
    let reasons = vec![
        format!("user: {}", token.user_id),
        format!("name: {}", token.name),
    ];
    append_audit_in(
        conn,
        &[event(
            meta,
            "token.created",
            format!("token:{}", token.id),
            reasons,
        )],
    )
    .await
}

pub async fn revoke_token(
    conn: &mut PgConnection,
    id: &str,
    meta: &WriteMeta,
) -> StoreResult<bool> {
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(meta.at.millis())
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(db("revoke api token"))?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    append_audit_in(
        conn,
        &[event(meta, "token.revoked", format!("token:{id}"), vec![])],
    )
    .await?;
    Ok(true)
}
