//! The store contract on PostgreSQL, each case on a fresh database, plus the tamper check that
//! reaches under the store.

use tollgate_domain::audit::{GENESIS_HASH, NewAuditEvent, verify_chain};
use tollgate_domain::time::Timestamp;
use tollgate_store::Store;
use tollgate_store_postgres::PgStore;
use tollgate_store_postgres::testing::test_database_url;

/// A migrated store on a fresh database, or `None` when no PostgreSQL is available (skip).
async fn fresh() -> Option<PgStore> {
    let url = test_database_url().await?;
    let store = PgStore::open(&url).await.expect("open postgres");
    store.migrate().await.expect("migrate");
    Some(store)
}

tollgate_store::store_contract_tests!(fresh().await);

fn event(action: &str) -> NewAuditEvent {
    NewAuditEvent {
        actor: "system:test".into(),
        action: action.into(),
        subject: "customer:c1".into(),
        reasons: vec!["because".into()],
        details: "{}".into(),
        at: Timestamp::from_millis(1_700_000_000_000),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_tampering_is_detected() {
    let Some(store) = fresh().await else { return };
    store
        .append_audit(&[event("a.one"), event("a.two"), event("a.three")])
        .await
        .expect("append");
    let before = store.audit_page(0, 100).await.expect("page");
    verify_chain(&before, GENESIS_HASH.into(), 1).expect("whole before tampering");

    sqlx::query("UPDATE audit_events SET reasons = '[\"forged\"]' WHERE seq = 2")
        .execute(store.pool())
        .await
        .expect("tamper");
    let after = store.audit_page(0, 100).await.expect("page");
    let broken = verify_chain(&after, GENESIS_HASH.into(), 1).expect_err("tampering is detected");
    assert_eq!(broken.seq, 2, "{}", broken.reason);
}

#[tokio::test]
async fn open_rejects_other_schemes() {
    assert!(PgStore::open("sqlite::memory:").await.is_err());
}
