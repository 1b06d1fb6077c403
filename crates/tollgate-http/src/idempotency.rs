//! `Idempotency-Key` on mutating requests: the first response to a key is kept per caller; a
//! repeat with the same method, path and body gets that response again and changes nothing;
//! the same key with another request is refused with 422.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tollgate_store::IdempotentResponse;

use crate::{ApiError, ApiState, Caller};

/// Bodies larger than this are refused before they are read.
const MAX_BODY: usize = 1 << 20;

pub async fn replay(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    let mutating = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let key = request
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let caller = request.extensions().get::<Caller>().map(|c| c.0.id.clone());
    let (Some(key), Some(caller), true) = (key, caller, mutating) else {
        return next.run(request).await;
    };
    if key.is_empty() || key.len() > 200 {
        return ApiError::invalid("Idempotency-Key", "must be 1 to 200 characters").into_response();
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "the body is larger than 1 MiB",
        )
        .into_response();
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str());
    hasher.update([0]);
    hasher.update(parts.uri.path());
    hasher.update([0]);
    hasher.update(&bytes);
    let request_hash = hex::encode(hasher.finalize());
    match state.store.idempotent_response(&caller, &key).await {
        Ok(Some(stored)) if stored.request_hash == request_hash => return replayed(stored),
        Ok(Some(_)) => {
            return ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request",
            )
            .into_response();
        }
        Ok(None) => {}
        Err(error) => return ApiError::from(error).into_response(),
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = response.status();
    if status.is_server_error() {
        return response; // not kept: a retry may succeed
    }
    let (parts, body) = response.into_parts();
    let Ok(body_bytes) = to_bytes(body, usize::MAX).await else {
        return ApiError::internal("cannot read the response body").into_response();
    };
    let stored = IdempotentResponse {
        request_hash,
        status: status.as_u16(),
        body: String::from_utf8_lossy(&body_bytes).to_string(),
        created_at: state.clock.now(),
    };
    if let Err(error) = state
        .store
        .save_idempotent_response(&caller, &key, &stored)
        .await
    {
        return ApiError::from(error).into_response();
    }
    Response::from_parts(parts, Body::from(body_bytes))
}

fn replayed(stored: IdempotentResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
