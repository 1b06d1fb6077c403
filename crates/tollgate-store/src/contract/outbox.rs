//! Contract cases for the audit chain and the outbox.

use super::*;

pub async fn audit_chain_appends_in_order(store: &dyn Store) {
    store
        .append_audit(&[audit_event("a.one"), audit_event("a.two")])
        .await
        .expect("append");
    store
        .append_audit(&[audit_event("a.three")])
        .await
        .expect("append");
    let events = store.audit_page(0, 100).await.expect("page");
    let actions: Vec<_> = events.iter().map(|e| e.event.action.as_str()).collect();
    assert_eq!(actions, ["a.one", "a.two", "a.three"]);
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(events[0].event, audit_event("a.one"));
    let tail = store.audit_page(2, 100).await.expect("page");
    assert_eq!(tail.len(), 1);
    assert_eq!(verify_whole_chain(store).await, 3);
}

pub async fn outbox_deduplicates_by_idempotency_key(store: &dyn Store) {
    let ids = store
        .enqueue(&[entry("k1"), entry("k2")], &[audit_event("effect.queued")])
        .await
        .expect("enqueue");
    assert_eq!(ids.len(), 2);
    let again = store
        .enqueue(&[entry("k2"), entry("k3")], &[])
        .await
        .expect("enqueue");
    assert_eq!(again[0], ids[1], "a known key returns the existing entry");
    let stats = store
        .outbox_stats(Timestamp::from_millis(1))
        .await
        .expect("stats");
    assert_eq!(stats.pending, 3);
    assert_eq!(verify_whole_chain(store).await, 1);
}

pub async fn outbox_claims_leases_and_completes(store: &dyn Store) {
    let now = Timestamp::from_millis(1_000_000);
    let ids = store.enqueue(&[entry("k1")], &[]).await.expect("enqueue");
    let claimed = store
        .claim_next("w1", now, 30_000)
        .await
        .expect("claim")
        .expect("an entry");
    assert_eq!(claimed.id, ids[0]);
    assert_eq!(claimed.attempts, 1);
    assert_eq!(claimed.payload, "{\"hello\":1}");
    assert!(
        store
            .claim_next("w2", now, 30_000)
            .await
            .expect("claim")
            .is_none(),
        "leased"
    );

    // w1 crashes; after its lease w2 claims the entry, and w1 can no longer complete it.
    let later = now.plus_millis(30_001);
    let reclaimed = store
        .claim_next("w2", later, 30_000)
        .await
        .expect("claim")
        .expect("lease ran out");
    assert_eq!(reclaimed.id, ids[0]);
    assert_eq!(reclaimed.attempts, 2);
    assert!(!store.complete(ids[0], "w1", later).await.expect("complete"));
    assert!(store.complete(ids[0], "w2", later).await.expect("complete"));
    let stored = store
        .get_outbox(ids[0])
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(stored.status, OutboxStatus::Delivered);
    assert_eq!(stored.delivered_at, Some(later));
    assert!(
        store
            .claim_next("w3", later.plus_millis(100_000), 30_000)
            .await
            .expect("claim")
            .is_none()
    );
    let stats = store.outbox_stats(later).await.expect("stats");
    assert_eq!((stats.pending, stats.delivered), (0, 1));
}

pub async fn outbox_retries_and_dead_letters(store: &dyn Store) {
    let now = Timestamp::from_millis(1_000_000);
    let mut not_yet = entry("later");
    not_yet.not_before = now.plus_millis(60_000);
    store
        .enqueue(&[entry("k1"), not_yet], &[])
        .await
        .expect("enqueue");
    let claimed = store
        .claim_next("w1", now, 30_000)
        .await
        .expect("claim")
        .expect("due entry");
    assert_eq!(claimed.idempotency_key, "k1");
    assert!(
        store
            .claim_next("w1", now, 30_000)
            .await
            .expect("claim")
            .is_none(),
        "the other is not due"
    );
    let retry_at = now.plus_millis(5_000);
    assert!(
        store
            .fail(claimed.id, "w1", "HTTP 503", Some(retry_at), now)
            .await
            .expect("fail")
    );
    let stored = store
        .get_outbox(claimed.id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(stored.status, OutboxStatus::Pending);
    assert_eq!(stored.last_error.as_deref(), Some("HTTP 503"));
    assert_eq!(stored.next_attempt_at, retry_at);
    assert_eq!(stored.locked_by, None);
    let again = store
        .claim_next("w1", retry_at, 30_000)
        .await
        .expect("claim")
        .expect("retry due");
    assert_eq!(again.id, claimed.id);
    assert!(
        store
            .fail(again.id, "w1", "HTTP 400", None, retry_at)
            .await
            .expect("fail")
    );
    assert_eq!(
        store
            .get_outbox(claimed.id)
            .await
            .expect("get")
            .expect("exists")
            .status,
        OutboxStatus::Dead
    );
    let stats = store.outbox_stats(retry_at).await.expect("stats");
    assert_eq!((stats.dead, stats.pending, stats.due), (1, 1, 0));
}

pub async fn concurrent_claims_never_share_an_entry(store: &dyn Store) {
    let entries: Vec<_> = (0..60).map(|i| entry(&format!("k{i}"))).collect();
    store.enqueue(&entries, &[]).await.expect("enqueue");
    let now = Timestamp::from_millis(1_000_000);
    let claim_all = |worker: &'static str| async move {
        let mut ids = Vec::new();
        while let Some(claimed) = store.claim_next(worker, now, 60_000).await.expect("claim") {
            assert!(
                store
                    .complete(claimed.id, worker, now)
                    .await
                    .expect("complete")
            );
            ids.push(claimed.id);
        }
        ids
    };
    let (a, b) = join(claim_all("w1"), claim_all("w2")).await;
    let all: BTreeSet<i64> = a.iter().chain(b.iter()).copied().collect();
    assert_eq!(all.len(), a.len() + b.len(), "no entry claimed twice");
    assert_eq!(all.len(), 60);
}

/// Runs two futures concurrently without depending on a runtime crate.
async fn join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    use std::pin::pin;
    use std::task::Poll;
    let mut a = pin!(a);
    let mut b = pin!(b);
    let mut out_a = None;
    let mut out_b = None;
    std::future::poll_fn(|cx| {
        if out_a.is_none()
            && let Poll::Ready(v) = a.as_mut().poll(cx)
        {
            out_a = Some(v);
        }
        if out_b.is_none()
            && let Poll::Ready(v) = b.as_mut().poll(cx)
        {
            out_b = Some(v);
        }
        if out_a.is_some() && out_b.is_some() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    match (out_a, out_b) {
        (Some(x), Some(y)) => (x, y),
        _ => unreachable!("both futures completed"),
    }
}
