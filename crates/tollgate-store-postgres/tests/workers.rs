//! Several processes on one PostgreSQL database: each worker and appender has its own store
//! (its own pool), as separate processes would, and they run concurrently.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use tollgate_domain::audit::{GENESIS_HASH, NewAuditEvent, verify_chain};
use tollgate_domain::time::Timestamp;
use tollgate_store::{EffectKind, NewOutboxEntry, Store};
use tollgate_store_postgres::PgStore;
use tollgate_store_postgres::testing::test_database_url;

/// A fresh, migrated database's URL, or `None` when no PostgreSQL is available (skip).
async fn fresh_url() -> Option<String> {
    let url = test_database_url().await?;
    PgStore::open(&url)
        .await
        .expect("open postgres")
        .migrate()
        .await
        .expect("migrate");
    Some(url)
}

fn job(n: usize) -> NewOutboxEntry {
    NewOutboxEntry {
        kind: EffectKind::Job,
        idempotency_key: format!("job-{n}"),
        subject: format!("job:{n}"),
        payload: format!("{{\"n\":{n}}}"),
        not_before: Timestamp::from_millis(0),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_run_1000_jobs_with_none_run_twice() {
    let Some(url) = fresh_url().await else { return };
    let jobs: Vec<_> = (0..1000).map(job).collect();
    let ids = PgStore::open(&url)
        .await
        .expect("open")
        .enqueue(&jobs, &[])
        .await
        .expect("enqueue");
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 1000);

    let executed: Arc<Mutex<Vec<(i64, &'static str)>>> = Arc::default();
    let now = Timestamp::from_millis(1_000_000);
    let mut workers = Vec::new();
    for worker in ["worker-a", "worker-b"] {
        let store = PgStore::open(&url).await.expect("open");
        let executed = Arc::clone(&executed);
        workers.push(tokio::spawn(async move {
            while let Some(entry) = store.claim_next(worker, now, 60_000).await.expect("claim") {
                executed.lock().expect("lock").push((entry.id, worker));
                assert!(
                    store
                        .complete(entry.id, worker, now)
                        .await
                        .expect("complete"),
                    "{worker} holds entry {} it claimed",
                    entry.id
                );
            }
        }));
    }
    for worker in workers {
        worker.await.expect("worker task");
    }

    let executed = executed.lock().expect("lock").clone();
    let distinct: BTreeSet<i64> = executed.iter().map(|(id, _)| *id).collect();
    let by_a = executed.iter().filter(|(_, w)| *w == "worker-a").count();
    println!(
        "worker-a ran {by_a} jobs, worker-b ran {}",
        executed.len() - by_a
    );
    assert_eq!(distinct.len(), executed.len(), "no job ran twice");
    assert_eq!(executed.len(), 1000, "every job ran");
    let stats = PgStore::open(&url)
        .await
        .expect("open")
        .outbox_stats(now)
        .await
        .expect("stats");
    assert_eq!((stats.delivered, stats.pending), (1000, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn audit_chain_stays_whole_under_concurrent_appenders() {
    let Some(url) = fresh_url().await else { return };
    let mut appenders = Vec::new();
    for name in ["a", "b"] {
        let store = PgStore::open(&url).await.expect("open");
        appenders.push(tokio::spawn(async move {
            for n in 0..200 {
                let event = NewAuditEvent {
                    actor: format!("system:{name}"),
                    action: "test.appended".into(),
                    subject: format!("appender:{name}"),
                    reasons: vec![format!("event {n}")],
                    details: "{}".into(),
                    at: Timestamp::from_millis(1_700_000_000_000 + n),
                };
                store.append_audit(&[event]).await.expect("append");
            }
        }));
    }
    for appender in appenders {
        appender.await.expect("appender task");
    }
    let store = PgStore::open(&url).await.expect("open");
    let events = store.audit_page(0, 10_000).await.expect("page");
    assert_eq!(events.len(), 400);
    let (_, next_seq) = verify_chain(&events, GENESIS_HASH.into(), 1).expect("chain is whole");
    assert_eq!(next_seq, 401);
    for name in ["a", "b"] {
        let actor = format!("system:{name}");
        assert_eq!(
            events.iter().filter(|e| e.event.actor == actor).count(),
            200
        );
    }
}
