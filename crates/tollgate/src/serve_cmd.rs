//! `tollgate serve`: the JSON API and, unless `--no-worker`, the outbox worker in the same
//! process. SIGTERM or Ctrl-C stops both: in-flight requests finish, the worker stops between
//! entries.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tollgate_domain::SystemClock;
use tollgate_domain::staff::LockoutPolicy;
use tollgate_http::{ApiSettings, ApiState};
use tollgate_store::Store;

use crate::config::Config;
use crate::worker_cmd::{build_worker, shutdown_signal};

pub async fn run(
    store: Arc<dyn Store>,
    config: &Config,
    listen: &str,
    no_worker: bool,
) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = if no_worker {
        None
    } else {
        let worker = build_worker(store.clone(), config)?;
        let poll = Duration::from_millis(config.worker.poll_millis);
        let stopped = stopped.clone();
        Some(tokio::spawn(async move { worker.run(stopped, poll).await }))
    };
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    eprintln!(
        "tollgate serving on http://{address} (worker {})",
        if no_worker { "off" } else { "on" }
    );
    let mut until_stopped = stopped.clone();
    let shutdown = async move {
        let _ = until_stopped.wait_for(|stop| *stop).await;
    };
    let settings = ApiSettings {
        lockout: LockoutPolicy {
            max_failures: config.api.lockout_failures,
            lock_millis: config.api.lockout_minutes * 60_000,
            ..LockoutPolicy::default()
        },
        secure_cookies: config.api.secure_cookies,
        login_attempts_per_minute: config.api.login_attempts_per_minute,
        token_creations_per_minute: config.api.token_creations_per_minute,
    };
    let state = ApiState::with_settings(store, Arc::new(SystemClock), settings);
    tollgate_http::serve(listener, state, shutdown).await?;
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    Ok(ExitCode::SUCCESS)
}
