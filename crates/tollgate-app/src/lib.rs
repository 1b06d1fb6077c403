//! Tollgate's application layer: each use case loads state from the store, calls the pure
//! engines, and commits the new state with its audit events and outbox entries in one
//! transaction. The outbox worker is the only part that reaches the outside world.

pub mod auth;
pub mod exposure;
pub mod import;
pub mod monitor;
pub mod worker;

use std::sync::Arc;

use tollgate_store::{Store, StoreError, StoreResult};
use tollgate_store_postgres::PgStore;
use tollgate_store_sqlite::SqliteStore;

/// Opens the store a URL names: `sqlite://PATH`, `sqlite::memory:` or `postgres://…`.
pub async fn open_store(url: &str) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        return Ok(Arc::new(SqliteStore::open(url).await?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return open_postgres(url).await;
    }
    Err(StoreError::UnsupportedUrl(url.to_string()))
}

async fn open_postgres(url: &str) -> StoreResult<Arc<dyn Store>> {
    Ok(Arc::new(PgStore::open(url).await?))
}
