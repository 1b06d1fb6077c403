//! Tollgate's HTTP API. Every route is declared once in [`routes::routes`] with who may call
//! it; a middleware resolves the caller from the bearer token and enforces that entry before
//! any handler runs, and the OpenAPI document is generated from the same table.

mod error;
mod handlers;
mod idempotency;
mod metrics;
mod resources;
pub mod routes;
pub mod session;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, patch, post, put};
use rand::Rng;
use tollgate_domain::staff::{LockoutPolicy, StaffUser, allows};
use tollgate_domain::time::Clock;
use tollgate_store::Store;

pub use error::{ApiError, ApiJson};
pub use metrics::Metrics;
use routes::Access;

/// Settings of the API.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    pub lockout: LockoutPolicy,
    /// Mark the session cookie `Secure` (off only for plain-HTTP localhost).
    pub secure_cookies: bool,
    pub login_attempts_per_minute: usize,
    pub token_creations_per_minute: usize,
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings {
            lockout: LockoutPolicy::default(),
            secure_cookies: true,
            login_attempts_per_minute: 20,
            token_creations_per_minute: 10,
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct ApiState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<Metrics>,
    pub limiter: Arc<session::RateLimiter>,
    pub settings: Arc<ApiSettings>,
    pub tokens: Arc<TokenCache>,
}

/// Bearer tokens recently checked, by the SHA-256 of their secret. Saves two database reads per
/// API call (measured: about a third of the time of `GET /v1/customers/{id}`); a revoked or
/// expired token, or a disabled user, stops working within `TOKEN_CACHE_MILLIS`.
#[derive(Default)]
pub struct TokenCache {
    entries: std::sync::Mutex<
        std::collections::HashMap<String, (StaffUser, tollgate_domain::time::Timestamp)>,
    >,
}

/// How long a checked token is trusted without asking the store again.
pub const TOKEN_CACHE_MILLIS: i64 = 2_000;

impl TokenCache {
    pub async fn authenticate(
        &self,
        store: &dyn Store,
        secret: &str,
        now: tollgate_domain::time::Timestamp,
    ) -> Result<Option<StaffUser>, tollgate_app::auth::AuthError> {
        let hash = tollgate_app::auth::token_hash(secret.trim());
        if let Ok(entries) = self.entries.lock()
            && let Some((user, checked_at)) = entries.get(&hash)
            && now.millis() - checked_at.millis() < TOKEN_CACHE_MILLIS
        {
            return Ok(Some(user.clone()));
        }
        let user = tollgate_app::auth::authenticate_token(store, secret, now).await?;
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() > 10_000 {
                entries.clear();
            }
            match &user {
                Some(user) => {
                    entries.insert(hash, (user.clone(), now));
                }
                None => {
                    entries.remove(&hash);
                }
            }
        }
        Ok(user)
    }

    /// Forgets every token: after a revocation made through this server.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

impl ApiState {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> ApiState {
        ApiState::with_settings(store, clock, ApiSettings::default())
    }

    pub fn with_settings(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        settings: ApiSettings,
    ) -> ApiState {
        ApiState {
            store,
            clock,
            metrics: Arc::new(Metrics::default()),
            limiter: Arc::new(session::RateLimiter::default()),
            settings: Arc::new(settings),
            tokens: Arc::new(TokenCache::default()),
        }
    }
}

/// The authenticated staff member of a request.
#[derive(Debug, Clone)]
pub struct Caller(pub StaffUser);

/// The router: the route table's entries bound to their handlers, behind the access check.
pub fn router(state: ApiState) -> Router {
    let mut router: Router<ApiState> = Router::new();
    for route in routes::routes() {
        let handler = match (route.method, route.path) {
            ("GET", "/healthz") => get(handlers::healthz),
            ("GET", "/readyz") => get(handlers::readyz),
            ("GET", "/metrics") => get(handlers::metrics),
            ("GET", "/v1/openapi.json") => get(handlers::openapi),
            ("GET", "/v1/me") => get(handlers::me),
            ("GET", "/v1/customers") => get(handlers::list_customers),
            ("GET", "/v1/customers/{id}") => get(handlers::get_customer),
            ("GET", "/v1/customers/{id}/subscriptions") => get(handlers::customer_subscriptions),
            ("GET", "/v1/users") => get(handlers::list_users),
            ("POST", "/v1/users") => post(handlers::create_user),
            ("PATCH", "/v1/users/{id}") => patch(handlers::update_user),
            ("GET", "/v1/tokens") => get(handlers::list_tokens),
            ("POST", "/v1/tokens") => post(handlers::create_token),
            ("DELETE", "/v1/tokens/{id}") => delete(handlers::revoke_token),
            ("POST", "/v1/auth/login") => post(session::login),
            ("POST", "/v1/customers") => post(resources::create_customer),
            ("GET", "/v1/customers/{id}/exposure") => get(resources::customer_exposure),
            ("GET", "/v1/customers/{id}/budget") => get(resources::get_budget),
            ("PUT", "/v1/customers/{id}/budget") => put(resources::set_budget),
            ("PATCH", "/v1/customers/{id}") => patch(resources::update_customer),
            ("PUT", "/v1/customers/{id}/credit-limit") => put(resources::set_credit_limit),
            ("POST", "/v1/subscriptions") => post(resources::create_subscription),
            ("GET", "/v1/subscriptions") => get(resources::list_subscriptions),
            ("GET", "/v1/subscriptions/{id}") => get(resources::get_subscription),
            ("PATCH", "/v1/subscriptions/{id}") => patch(resources::update_subscription),
            ("PATCH", "/v1/invoices/{id}") => patch(resources::update_invoice),
            ("GET", "/v1/payments/{id}") => get(resources::get_payment),
            ("PATCH", "/v1/payments/{id}") => patch(resources::update_payment),
            ("GET", "/v1/invoices") => get(resources::list_invoices),
            ("GET", "/v1/invoices/{id}") => get(resources::get_invoice),
            ("POST", "/v1/invoices") => post(resources::create_invoice),
            ("GET", "/v1/payments") => get(resources::list_payments),
            ("POST", "/v1/payments") => post(resources::create_payment),
            ("POST", "/v1/auth/logout") => post(session::logout),
            ("POST", "/v1/auth/password") => post(session::change_password),
            // A table entry without a handler is a programming error the tests catch: the
            // route answers 501 rather than silently not existing.
            _ => any(handlers::not_implemented),
        };
        router = router.route(route.path, handler);
    }
    router
        .layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::replay,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), access))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// The route table's access rules by (method, path template), built once.
static ROUTE_ACCESS: std::sync::LazyLock<std::collections::HashMap<(String, String), Access>> =
    std::sync::LazyLock::new(|| {
        routes::routes()
            .into_iter()
            .map(|r| ((r.method.to_string(), r.path.to_string()), r.access))
            .collect()
    });

/// Resolves the caller and enforces the route table's access rule.
async fn access(State(state): State<ApiState>, mut request: Request, next: Next) -> Response {
    let Some(path) = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
    else {
        return next.run(request).await; // no route: axum answers 404/405
    };
    let method = request.method().clone();
    let Some(access) = ROUTE_ACCESS
        .get(&(method.as_str().to_string(), path))
        .copied()
    else {
        return next.run(request).await; // a known path with another method: axum answers 405
    };
    if access == Access::Public {
        return next.run(request).await;
    }
    let bearer = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::to_string);
    let now = state.clock.now();
    let user = if let Some(secret) = bearer {
        match state
            .tokens
            .authenticate(state.store.as_ref(), &secret, now)
            .await
        {
            Ok(Some(user)) => user,
            Ok(None) => return ApiError::unauthenticated().into_response(),
            Err(error) => return ApiError::internal(error).into_response(),
        }
    } else if let Some(cookie) = session::session_cookie(request.headers()) {
        match session_user(&state, &cookie, now).await {
            Ok(Some((user, csrf))) => {
                // A change made with a cookie must prove it comes from our own page.
                let safe = matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
                let echoed = request
                    .headers()
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok());
                if !safe && echoed != Some(csrf.as_str()) {
                    return ApiError::new(
                        axum::http::StatusCode::FORBIDDEN,
                        "csrf",
                        "missing or wrong x-csrf-token",
                    )
                    .into_response();
                }
                user
            }
            Ok(None) => return ApiError::unauthenticated().into_response(),
            Err(error) => return error.into_response(),
        }
    } else {
        return ApiError::unauthenticated().into_response();
    };
    if let Access::Permission(permission) = access
        && !allows(user.role, permission)
    {
        return ApiError::forbidden(&permission.to_string()).into_response();
    }
    request.extensions_mut().insert(Caller(user));
    next.run(request).await
}

/// The enabled user of a live session, with its CSRF token.
async fn session_user(
    state: &ApiState,
    cookie: &str,
    now: tollgate_domain::time::Timestamp,
) -> Result<Option<(StaffUser, String)>, ApiError> {
    let Some(session) = state
        .store
        .session_by_hash(&session::session_hash(cookie))
        .await?
    else {
        return Ok(None);
    };
    if now >= session.expires_at {
        return Ok(None);
    }
    let Some(record) = state.store.staff_user(&session.user_id).await? else {
        return Ok(None);
    };
    Ok((!record.user.disabled).then_some((record.user, session.csrf_token)))
}

/// Gives every request an id (kept from `x-request-id` when sent), logs it on failures, and
/// counts requests and their latency per route.
async fn observe(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_string)
        .unwrap_or_else(|| hex::encode(rand::rng().random::<[u8; 8]>()));
    let span = tracing::info_span!("request", id = %request_id, %method, %route);
    let mut response = {
        let _entered = span.enter();
        next.run(request).await
    };
    let status = response.status();
    if status.is_server_error() {
        tracing::error!(parent: &span, status = status.as_u16(), "server error");
    } else {
        tracing::debug!(parent: &span, status = status.as_u16(), micros = started.elapsed().as_micros() as u64, "request");
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    state
        .metrics
        .record(&method, &route, status.as_u16(), started.elapsed());
    response
}

/// Serves until `shutdown` resolves; in-flight requests finish first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: ApiState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
