//! The outbox worker: claims one due entry at a time, hands it to the deliverer, and records
//! the outcome. `try_execute_next` is one step; `run` loops it until told to stop.
//!
//! Delivery is at-least-once: a worker that dies after delivering and before recording it
//! leaves the entry claimed until its lease runs out, then another worker delivers it again
//! with the same idempotency key, which the receiver uses to apply the effect once.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tollgate_connectors::Deliverer;
use tollgate_domain::time::{Clock, Timestamp};
use tollgate_store::{Store, StoreResult};
use xxhash_rust::xxh3::xxh3_64;

/// When to try a failed delivery again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; after the last the entry is dead.
    pub max_attempts: i32,
    pub base_delay_ms: i64,
    pub max_delay_ms: i64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay_ms: 5_000,
            max_delay_ms: 3_600_000,
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with up to 20 % jitter, derived from the entry id so that it is
    /// reproducible and spreads retries of a burst.
    pub fn delay_ms(&self, entry_id: i64, attempts: i32) -> i64 {
        let exponent = (attempts.max(1) - 1).min(30) as u32;
        let delay = self
            .base_delay_ms
            .saturating_mul(1_i64 << exponent)
            .min(self.max_delay_ms);
        let jitter_span = (delay / 5).max(1);
        let jitter = (xxh3_64(&[entry_id.to_be_bytes(), (attempts as i64).to_be_bytes()].concat())
            % jitter_span as u64) as i64;
        delay - jitter
    }
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecutionOutcome {
    /// Nothing was due.
    EmptyQueue,
    Delivered(i64),
    /// Failed; tried again at the time given.
    Retrying(i64, Timestamp),
    /// Failed for good (or too often): kept as dead for a person to look at.
    Dead(i64),
    /// Delivered or failed, but another worker had taken the entry over meanwhile.
    LeaseLost(i64),
}

/// One worker.
pub struct Worker {
    pub store: Arc<dyn Store>,
    pub deliverer: Arc<dyn Deliverer>,
    pub clock: Arc<dyn Clock>,
    /// Unique per process: `hostname-pid-n`.
    pub id: String,
    pub lease_ms: i64,
    pub retry: RetryPolicy,
}

impl Worker {
    /// Claims and executes the next due entry, if any.
    pub async fn try_execute_next(&self) -> StoreResult<ExecutionOutcome> {
        let now = self.clock.now();
        let Some(entry) = self.store.claim_next(&self.id, now, self.lease_ms).await? else {
            return Ok(ExecutionOutcome::EmptyQueue);
        };
        let result = self.deliverer.deliver(&entry).await;
        let now = self.clock.now();
        match result {
            Ok(()) => {
                tracing::info!(entry = entry.id, kind = %entry.kind, subject = %entry.subject, "effect delivered");
                if self.store.complete(entry.id, &self.id, now).await? {
                    Ok(ExecutionOutcome::Delivered(entry.id))
                } else {
                    Ok(ExecutionOutcome::LeaseLost(entry.id))
                }
            }
            Err(error) => {
                let retry_at = (error.retryable && entry.attempts < self.retry.max_attempts)
                    .then(|| now.plus_millis(self.retry.delay_ms(entry.id, entry.attempts)));
                tracing::warn!(entry = entry.id, attempts = entry.attempts, retry = retry_at.is_some(), %error, "delivery failed");
                if !self
                    .store
                    .fail(entry.id, &self.id, &error.message, retry_at, now)
                    .await?
                {
                    return Ok(ExecutionOutcome::LeaseLost(entry.id));
                }
                Ok(match retry_at {
                    Some(at) => ExecutionOutcome::Retrying(entry.id, at),
                    None => ExecutionOutcome::Dead(entry.id),
                })
            }
        }
    }

    /// Executes entries until none is due; returns the outcomes.
    pub async fn drain(&self) -> StoreResult<Vec<ExecutionOutcome>> {
        let mut outcomes = Vec::new();
        loop {
            match self.try_execute_next().await? {
                ExecutionOutcome::EmptyQueue => return Ok(outcomes),
                other => outcomes.push(other),
            }
        }
    }

    /// Loops until `shutdown` turns true, idling `poll` between empty polls. A shutdown never
    /// interrupts a delivery: it is seen between entries.
    pub async fn run(&self, mut shutdown: watch::Receiver<bool>, poll: Duration) {
        while !*shutdown.borrow() {
            match self.try_execute_next().await {
                Ok(ExecutionOutcome::EmptyQueue) => {}
                Ok(_) => continue,
                Err(error) => tracing::error!(%error, "worker step failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use tollgate_connectors::DeliveryError;
    use tollgate_domain::FixedClock;
    use tollgate_store::{EffectKind, NewOutboxEntry, OutboxEntry, OutboxStatus};
    use tollgate_store_sqlite::SqliteStore;

    use super::*;

    struct Scripted(Mutex<Vec<Result<(), DeliveryError>>>);

    #[async_trait]
    impl Deliverer for Scripted {
        async fn deliver(&self, _entry: &OutboxEntry) -> Result<(), DeliveryError> {
            self.0.lock().expect("lock").remove(0)
        }
    }

    async fn worker(script: Vec<Result<(), DeliveryError>>) -> (Worker, Arc<FixedClock>) {
        let store = SqliteStore::open("sqlite::memory:").await.expect("open");
        store.migrate().await.expect("migrate");
        let clock = Arc::new(FixedClock::new(Timestamp::from_millis(1_000_000)));
        let entry = NewOutboxEntry {
            kind: EffectKind::Webhook,
            idempotency_key: "k".into(),
            subject: "customer:c".into(),
            payload: "{}".into(),
            not_before: Timestamp::from_millis(0),
        };
        store.enqueue(&[entry], &[]).await.expect("enqueue");
        let worker = Worker {
            store: Arc::new(store),
            deliverer: Arc::new(Scripted(Mutex::new(script))),
            clock: clock.clone(),
            id: "w".into(),
            lease_ms: 30_000,
            retry: RetryPolicy {
                max_attempts: 3,
                base_delay_ms: 1_000,
                max_delay_ms: 10_000,
            },
        };
        (worker, clock)
    }

    #[tokio::test]
    async fn retries_with_backoff_then_delivers() {
        let (worker, clock) = worker(vec![Err(DeliveryError::retry("503")), Ok(())]).await;
        let ExecutionOutcome::Retrying(id, at) = worker.try_execute_next().await.expect("step")
        else {
            panic!("expected a retry");
        };
        assert!(
            at.millis() > 1_000_000 && at.millis() <= 1_001_000,
            "{at:?}"
        );
        assert_eq!(
            worker.try_execute_next().await.expect("step"),
            ExecutionOutcome::EmptyQueue,
            "not due yet"
        );
        clock.set(at);
        assert_eq!(
            worker.try_execute_next().await.expect("step"),
            ExecutionOutcome::Delivered(id)
        );
        let stored = worker
            .store
            .get_outbox(id)
            .await
            .expect("get")
            .expect("exists");
        assert_eq!(
            (stored.status, stored.attempts),
            (OutboxStatus::Delivered, 2)
        );
    }

    #[tokio::test]
    async fn permanent_failures_and_exhausted_retries_are_dead() {
        let (worker, _) = worker(vec![Err(DeliveryError::permanent("HTTP 400"))]).await;
        assert!(matches!(
            worker.try_execute_next().await.expect("step"),
            ExecutionOutcome::Dead(_)
        ));

        let (worker, clock) = worker_with_three_retries().await;
        for _ in 0..2 {
            let ExecutionOutcome::Retrying(_, at) = worker.try_execute_next().await.expect("step")
            else {
                panic!("expected a retry");
            };
            clock.set(at);
        }
        assert!(matches!(
            worker.try_execute_next().await.expect("step"),
            ExecutionOutcome::Dead(_)
        ));
    }

    async fn worker_with_three_retries() -> (Worker, Arc<FixedClock>) {
        worker(vec![
            Err(DeliveryError::retry("a")),
            Err(DeliveryError::retry("b")),
            Err(DeliveryError::retry("c")),
        ])
        .await
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy {
            max_attempts: 8,
            base_delay_ms: 1_000,
            max_delay_ms: 60_000,
        };
        let delays: Vec<i64> = (1..=8).map(|a| policy.delay_ms(7, a)).collect();
        assert!(delays[0] > 800 && delays[0] <= 1_000);
        assert!(delays[3] > 6_400 && delays[3] <= 8_000);
        assert!(delays[7] <= 60_000 && delays[7] > 48_000);
    }
}
