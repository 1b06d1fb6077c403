//! The store contract on SQLite, each case on a fresh in-memory database.

use tollgate_store::Store;
use tollgate_store_sqlite::SqliteStore;

async fn fresh() -> Option<SqliteStore> {
    let store = SqliteStore::open("sqlite::memory:")
        .await
        .expect("open in-memory sqlite");
    store.migrate().await.expect("migrate");
    Some(store)
}

tollgate_store::store_contract_tests!(fresh().await);
