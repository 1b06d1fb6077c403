//! `tollgate worker`: delivers outbox effects, once (`--drain`) or until SIGTERM/Ctrl-C, which
//! it honours between entries.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tollgate_app::worker::{ExecutionOutcome, RetryPolicy, Worker};
use tollgate_connectors::{Deliverer, Dispatcher, WebhookDeliverer};
use tollgate_domain::SystemClock;
use tollgate_store::Store;

use crate::config::Config;

/// A worker id unique across machines and processes.
fn worker_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "tollgate".into());
    format!("{host}-{}", std::process::id())
}

pub fn build_worker(store: Arc<dyn Store>, config: &Config) -> anyhow::Result<Worker> {
    let webhook: Option<Box<dyn Deliverer>> = match &config.webhook.url {
        Some(url) => Some(Box::new(
            WebhookDeliverer::new(url, Duration::from_secs(config.webhook.timeout_seconds))
                .map_err(anyhow::Error::msg)?,
        )),
        None => None,
    };
    Ok(Worker {
        store,
        deliverer: Arc::new(Dispatcher {
            webhook,
            email: None,
            provider: None,
        }),
        clock: Arc::new(SystemClock),
        id: worker_id(),
        lease_ms: config.worker.lease_seconds * 1_000,
        retry: RetryPolicy {
            max_attempts: config.worker.max_attempts,
            base_delay_ms: config.worker.base_delay_seconds * 1_000,
            max_delay_ms: config.worker.max_delay_seconds * 1_000,
        },
    })
}

pub async fn run(
    store: Arc<dyn Store>,
    config: &Config,
    drain: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let worker = build_worker(store, config)?;
    if drain {
        let outcomes = worker.drain().await?;
        let delivered = outcomes
            .iter()
            .filter(|o| matches!(o, ExecutionOutcome::Delivered(_)))
            .count();
        let retrying = outcomes
            .iter()
            .filter(|o| matches!(o, ExecutionOutcome::Retrying(..)))
            .count();
        let dead = outcomes
            .iter()
            .filter(|o| matches!(o, ExecutionOutcome::Dead(_)))
            .count();
        if json {
            println!(
                "{}",
                serde_json::json!({ "delivered": delivered, "retrying": retrying, "dead": dead })
            );
        } else {
            println!("outbox drained: {delivered} delivered, {retrying} to retry, {dead} dead");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    worker
        .run(stopped, Duration::from_millis(config.worker.poll_millis))
        .await;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
