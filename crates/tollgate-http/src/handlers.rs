//! The handlers. Each runs after the access check, so it only decides what the caller sees of
//! what they may reach (their own tokens, say).

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tollgate_domain::TextEnum;
use tollgate_domain::customer::Customer;
use tollgate_domain::ids::CustomerId;
use tollgate_domain::staff::{Permission, Role, StaffUser, allows};
use tollgate_domain::subscription::Subscription;
use tollgate_store::{ApiToken, CustomerQuery, CustomerSort, StaffChange, WriteMeta};

use crate::{ApiError, ApiJson, ApiState, Caller, routes};

type ApiResult = Result<Response, ApiError>;

fn meta(state: &ApiState, caller: &StaffUser) -> WriteMeta {
    WriteMeta {
        actor: format!("user:{}", caller.email),
        at: state.clock.now(),
        source: "api".into(),
    }
}

pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn readyz(State(state): State<ApiState>) -> Response {
    let ready = match (
        state.store.ping().await,
        state.store.migration_status().await,
    ) {
        (Ok(()), Ok(status)) if status.is_current() => true,
        (Ok(()), Ok(_)) => false,
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(error = %e, "not ready");
            false
        }
    };
    if ready {
        Json(json!({ "status": "ready" })).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "not ready" })),
        )
            .into_response()
    }
}

pub async fn metrics(State(state): State<ApiState>) -> Response {
    let outbox = state.store.outbox_stats(state.clock.now()).await.ok();
    (
        [("content-type", "text/plain; version=0.0.4")],
        state.metrics.render(outbox),
    )
        .into_response()
}

pub async fn openapi() -> Json<Value> {
    Json(routes::openapi())
}

pub async fn not_implemented() -> ApiError {
    ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "not_implemented",
        "this route has no handler",
    )
}

fn user_json(user: &StaffUser) -> Value {
    json!({ "id": user.id, "email": user.email, "role": user.role, "disabled": user.disabled, "created_at": user.created_at })
}

pub async fn me(Extension(Caller(user)): Extension<Caller>) -> Json<Value> {
    Json(user_json(&user))
}

pub fn customer_json(c: &Customer) -> Value {
    json!({
        "id": c.id, "tenant_id": c.tenant_id, "company_name": c.company_name,
        "registration_number": c.registration_number, "vat_id": c.vat_id, "country": c.country,
        "domain": c.domain, "language": c.language, "cloud": c.cloud, "risk_tier": c.risk_tier,
        "status": c.status, "credit_limit": c.credit_limit.map(|m| m.amount_text()),
        "currency": c.currency, "created_at": c.created_at, "tags": c.tags,
    })
}

pub fn subscription_json(s: &Subscription) -> Value {
    json!({
        "id": s.id, "customer_id": s.customer_id, "product": s.product, "sku": s.sku, "kind": s.kind,
        "quantity": s.quantity, "state": s.state, "state_reasons": s.state_reasons,
        "admin_access": s.admin_access, "monthly_price": s.monthly_price.map(|m| m.amount_text()),
        "currency": s.monthly_price.map(|m| m.currency()),
    })
}

#[derive(Debug, Deserialize)]
pub struct CustomerFilter {
    status: Option<String>,
    risk_tier: Option<String>,
    country: Option<String>,
    cloud: Option<String>,
    after: Option<String>,
    limit: Option<u32>,
    /// id | company_name | country | created_at
    sort: Option<String>,
    /// asc | desc
    order: Option<String>,
}

/// An optional enum query parameter, or an error naming it and its accepted values.
pub fn parse_filter<T: TextEnum>(
    field: &str,
    value: &Option<String>,
) -> Result<Option<T>, ApiError> {
    value
        .as_deref()
        .map(|v| {
            T::parse_text(v).ok_or_else(|| {
                ApiError::invalid(field, format!("'{v}' is not one of {}", T::expected()))
            })
        })
        .transpose()
}

pub async fn list_customers(
    State(state): State<ApiState>,
    Query(filter): Query<CustomerFilter>,
) -> ApiResult {
    let limit = filter.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 500"));
    }
    let sort = match filter.sort.as_deref() {
        None => CustomerSort::Id,
        Some(text) => CustomerSort::parse(text).ok_or_else(|| {
            ApiError::invalid("sort", "must be one of id|company_name|country|created_at")
        })?,
    };
    let descending = match filter.order.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => return Err(ApiError::invalid("order", "must be asc or desc")),
    };
    // The cursor is the last id, or for other sorts `hex(sort value).id`.
    let (after_key, after_id) = match (&filter.after, sort) {
        (None, _) => (None, None),
        (Some(after), CustomerSort::Id) => (None, Some(after.clone())),
        (Some(after), _) => {
            let (key, id) = after
                .split_once('.')
                .ok_or_else(|| ApiError::invalid("after", "is not a cursor of this sort"))?;
            let key = hex::decode(key)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| ApiError::invalid("after", "is not a cursor of this sort"))?;
            (Some(key), Some(id.to_string()))
        }
    };
    let query = CustomerQuery {
        status: parse_filter("status", &filter.status)?,
        risk_tier: parse_filter("risk_tier", &filter.risk_tier)?,
        country: filter.country.clone(),
        cloud: parse_filter("cloud", &filter.cloud)?,
        after_id,
        after_key,
        sort,
        descending,
        limit,
    };
    let customers = state.store.list_customers(&query).await?;
    let next_cursor = (customers.len() == limit as usize)
        .then(|| customers.last())
        .flatten()
        .map(|c| match sort {
            CustomerSort::Id => c.id.to_string(),
            _ => format!("{}.{}", hex::encode(sort.key_of(c)), c.id),
        });
    let items: Vec<Value> = customers.iter().map(customer_json).collect();
    Ok(Json(json!({ "items": items, "next_cursor": next_cursor })).into_response())
}

pub async fn get_customer(State(state): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    let id = CustomerId::parse(&id).map_err(|e| ApiError::invalid("id", e.to_string()))?;
    let customer = state
        .store
        .get_customer(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("customer"))?;
    Ok(Json(customer_json(&customer)).into_response())
}

pub async fn customer_subscriptions(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> ApiResult {
    let id = CustomerId::parse(&id).map_err(|e| ApiError::invalid("id", e.to_string()))?;
    if state.store.get_customer(&id).await?.is_none() {
        return Err(ApiError::not_found("customer"));
    }
    let items: Vec<Value> = state
        .store
        .list_subscriptions(&id)
        .await?
        .iter()
        .map(subscription_json)
        .collect();
    Ok(Json(json!({ "items": items })).into_response())
}

pub async fn list_users(State(state): State<ApiState>) -> ApiResult {
    let items: Vec<Value> = state
        .store
        .list_staff_users()
        .await?
        .iter()
        .map(user_json)
        .collect();
    Ok(Json(json!({ "items": items })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    email: String,
    role: String,
    password: String,
}

fn auth_error(error: tollgate_app::auth::AuthError) -> ApiError {
    use tollgate_app::auth::AuthError;
    match error {
        AuthError::BadEmail(_) => ApiError::invalid("email", error.to_string()),
        AuthError::WeakPassword => ApiError::invalid("password", error.to_string()),
        AuthError::UnknownUser(_) => ApiError::not_found("user"),
        AuthError::Store(store) => store.into(),
        AuthError::Hashing(_) => ApiError::internal(error),
    }
}

pub async fn create_user(
    State(state): State<ApiState>,
    Extension(Caller(caller)): Extension<Caller>,
    ApiJson(body): ApiJson<NewUser>,
) -> ApiResult {
    let role = Role::parse_text(&body.role).ok_or_else(|| {
        ApiError::invalid(
            "role",
            format!("'{}' is not one of {}", body.role, Role::expected()),
        )
    })?;
    let user = tollgate_app::auth::add_user(
        state.store.as_ref(),
        &body.email,
        role,
        &body.password,
        &meta(&state, &caller),
    )
    .await
    .map_err(auth_error)?;
    Ok((StatusCode::CREATED, Json(user_json(&user))).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    role: Option<String>,
    disabled: Option<bool>,
}

pub async fn update_user(
    State(state): State<ApiState>,
    Extension(Caller(caller)): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UserUpdate>,
) -> ApiResult {
    let meta = meta(&state, &caller);
    if state.store.staff_user(&id).await?.is_none() {
        return Err(ApiError::not_found("user"));
    }
    if let Some(role) = &body.role {
        let role = Role::parse_text(role).ok_or_else(|| {
            ApiError::invalid(
                "role",
                format!("'{role}' is not one of {}", Role::expected()),
            )
        })?;
        state
            .store
            .update_staff_user(&id, &StaffChange::Role(role), &meta)
            .await?;
        state.tokens.clear();
    }
    if let Some(disabled) = body.disabled {
        if disabled && id == caller.id {
            return Err(ApiError::invalid("disabled", "you cannot disable yourself"));
        }
        state
            .store
            .update_staff_user(&id, &StaffChange::Disabled(disabled), &meta)
            .await?;
        state.tokens.clear();
    }
    let user = state
        .store
        .staff_user(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(Json(user_json(&user.user)).into_response())
}

fn token_json(token: &ApiToken, state: &ApiState) -> Value {
    json!({
        "id": token.id, "user_id": token.user_id, "name": token.name, "created_at": token.created_at,
        "expires_at": token.expires_at, "revoked_at": token.revoked_at, "live": token.is_live(state.clock.now()),
    })
}

pub async fn list_tokens(
    State(state): State<ApiState>,
    Extension(Caller(caller)): Extension<Caller>,
) -> ApiResult {
    let scope =
        (!allows(caller.role, Permission::TokensManageOthers)).then_some(caller.id.as_str());
    let items: Vec<Value> = state
        .store
        .list_api_tokens(scope)
        .await?
        .iter()
        .map(|t| token_json(t, &state))
        .collect();
    Ok(Json(json!({ "items": items })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    name: String,
    days: Option<i64>,
}

pub async fn create_token(
    State(state): State<ApiState>,
    Extension(Caller(caller)): Extension<Caller>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    ApiJson(body): ApiJson<NewToken>,
) -> ApiResult {
    if body.name.trim().is_empty() || body.name.len() > 100 {
        return Err(ApiError::invalid("name", "must be 1 to 100 characters"));
    }
    let days = body.days.unwrap_or(90);
    if !(0..=3650).contains(&days) {
        return Err(ApiError::invalid(
            "days",
            "must be between 0 (never expires) and 3650",
        ));
    }
    let meta = meta(&state, &caller);
    let limit = state.settings.token_creations_per_minute;
    let per_account = state
        .limiter
        .allow(&format!("token-account:{}", caller.id), meta.at, limit);
    let per_ip = state
        .limiter
        .allow(&format!("token-ip:{}", peer.ip()), meta.at, limit);
    if !(per_account && per_ip) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many tokens created; wait a minute",
        ));
    }
    let expires = (days > 0).then(|| meta.at.plus_millis(days * 86_400_000));
    let (token, secret) = tollgate_app::auth::create_token(
        state.store.as_ref(),
        &caller.id,
        &body.name,
        expires,
        &meta,
    )
    .await
    .map_err(auth_error)?;
    let mut out = token_json(&token, &state);
    out["secret"] = json!(secret);
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

pub async fn revoke_token(
    State(state): State<ApiState>,
    Extension(Caller(caller)): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    let tokens = state.store.list_api_tokens(None).await?;
    let token = tokens
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| ApiError::not_found("token"))?;
    if token.user_id != caller.id && !allows(caller.role, Permission::TokensManageOthers) {
        // Someone else's token is not theirs to see: the same answer as a missing one.
        return Err(ApiError::not_found("token"));
    }
    state
        .store
        .revoke_api_token(&id, &meta(&state, &caller))
        .await?;
    state.tokens.clear();
    let tokens = state.store.list_api_tokens(Some(&token.user_id)).await?;
    let revoked = tokens
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| ApiError::not_found("token"))?;
    Ok(Json(token_json(revoked, &state)).into_response())
}
