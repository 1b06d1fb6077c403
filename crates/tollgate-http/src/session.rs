//! Console sessions and the login endpoints: a session cookie (HttpOnly, SameSite=Strict,
//! Secure unless turned off for plain-HTTP localhost), a CSRF token that cookie-authenticated
//! changes must echo, logout, password change, and login attempts limited per client address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use axum::Json;
use axum::extract::{ConnectInfo, Extension, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use tollgate_app::auth::{self, LoginResult};
use tollgate_domain::time::Timestamp;
use tollgate_store::{Session, WriteMeta};

use crate::{ApiError, ApiJson, ApiState, Caller};

/// The session cookie's name.
pub const COOKIE: &str = "tollgate_session";
/// How long a session lasts.
pub const SESSION_MILLIS: i64 = 12 * 3_600_000;

/// Attempts per client address in a sliding minute, for login and token creation.
#[derive(Default)]
pub struct RateLimiter {
    attempts: Mutex<HashMap<String, Vec<i64>>>,
}

impl RateLimiter {
    /// Records an attempt by `who`; false when `limit` attempts were made in the last minute.
    pub fn allow(&self, who: &str, now: Timestamp, limit: usize) -> bool {
        let Ok(mut attempts) = self.attempts.lock() else {
            return false;
        };
        let recent = attempts.entry(who.to_string()).or_default();
        recent.retain(|at| now.millis() - at < 60_000);
        if recent.len() >= limit {
            return false;
        }
        recent.push(now.millis());
        true
    }
}

/// The SHA-256 of a session cookie value, as stored.
pub fn session_hash(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// The session cookie's value in a request, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE && !value.is_empty()).then(|| value.to_string())
        })
}

fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill(&mut bytes[..]);
    hex::encode(bytes)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    email: String,
    password: String,
}

pub async fn login(
    State(state): State<ApiState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let ip: IpAddr = peer.ip();
    // Per client address, and per account (a spread-out attack on one account is also slowed
    // by the account's own lockout).
    let account = body.email.trim().to_ascii_lowercase();
    let per_ip = state.limiter.allow(
        &format!("login-ip:{ip}"),
        now,
        state.settings.login_attempts_per_minute,
    );
    let per_account = state.limiter.allow(
        &format!("login-account:{account}"),
        now,
        state.settings.login_attempts_per_minute,
    );
    if !(per_ip && per_account) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many login attempts; wait a minute",
        ));
    }
    let meta = WriteMeta {
        actor: format!("login:{}", body.email.trim().to_ascii_lowercase()),
        at: now,
        source: format!("ip:{ip}"),
    };
    let result = auth::login(
        state.store.as_ref(),
        &body.email,
        &body.password,
        &state.settings.lockout,
        &meta,
    )
    .await
    .map_err(ApiError::internal)?;
    match result {
        LoginResult::Accepted(user) => {
            let cookie_value = random_hex(32);
            let session = Session {
                user_id: user.id.clone(),
                csrf_token: random_hex(16),
                created_at: now,
                expires_at: now.plus_millis(SESSION_MILLIS),
            };
            state
                .store
                .create_session(&session_hash(&cookie_value), &session)
                .await?;
            let secure = if state.settings.secure_cookies {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!(
                "{COOKIE}={cookie_value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
                SESSION_MILLIS / 1000
            );
            let body = json!({
                "user": { "id": user.id, "email": user.email, "role": user.role },
                "csrf_token": session.csrf_token,
                "expires_at": session.expires_at,
            });
            Ok(([("set-cookie", cookie)], Json(body)).into_response())
        }
        LoginResult::Denied { delay_millis } => {
            tokio::time::sleep(std::time::Duration::from_millis(delay_millis.max(0) as u64)).await;
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "wrong e-mail or password",
            ))
        }
        LoginResult::Locked { until } => Err(ApiError::new(
            StatusCode::LOCKED,
            "locked",
            format!("too many failed logins; the account is locked until {until}"),
        )),
        LoginResult::Disabled => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "disabled",
            "this account is disabled",
        )),
    }
}

pub async fn logout(
    State(state): State<ApiState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(value) = session_cookie(&headers) {
        state.store.delete_session(&session_hash(&value)).await?;
    }
    let expired = format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    Ok((
        [("set-cookie", expired)],
        Json(json!({ "status": "logged out" })),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    State(state): State<ApiState>,
    Extension(Caller(caller)): Extension<Caller>,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<Response, ApiError> {
    let record = state
        .store
        .staff_user(&caller.id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    if !auth::verify_password(&record.password_hash, &body.current_password) {
        return Err(ApiError::invalid("current_password", "does not match"));
    }
    let meta = WriteMeta {
        actor: format!("user:{}", caller.email),
        at: state.clock.now(),
        source: "api".into(),
    };
    auth::set_password(state.store.as_ref(), &caller.id, &body.new_password, &meta)
        .await
        .map_err(|e| match e {
            auth::AuthError::WeakPassword => ApiError::invalid("new_password", e.to_string()),
            other => ApiError::internal(other),
        })?;
    Ok(Json(json!({ "status": "password changed" })).into_response())
}
