//! A worker killed between delivering an effect and recording it: after a restart the effect
//! is delivered again with the same idempotency key, and the receiver applies it exactly once.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use tollgate_domain::audit::NewAuditEvent;
use tollgate_domain::time::{Clock, SystemClock};
use tollgate_store::{EffectKind, NewOutboxEntry, OutboxStatus, Store};
use tollgate_store_sqlite::SqliteStore;

/// The partner's webhook endpoint: records every receipt, applies each idempotency key once,
/// and kills the worker (SIGKILL) on the first receipt, before answering.
#[derive(Default)]
struct Receiver {
    receipts: Vec<String>,
    applied: BTreeMap<String, String>,
    worker_pid: Option<u32>,
    kill_on_first: bool,
}

async fn hook(
    State(state): State<Arc<Mutex<Receiver>>>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    // The test records the worker's pid right after spawning it; wait for that if need be.
    for _ in 0..100 {
        let ready = {
            let receiver = state.lock().expect("lock");
            !receiver.kill_on_first || receiver.worker_pid.is_some()
        };
        if ready {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let kill = {
        let mut receiver = state.lock().expect("lock");
        receiver.receipts.push(key.clone());
        receiver.applied.entry(key).or_insert(body);
        let first = receiver.receipts.len() == 1 && receiver.kill_on_first;
        if first { receiver.worker_pid } else { None }
    };
    if let Some(pid) = kill {
        let status = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        // The worker is dead; it never sees this answer.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    StatusCode::OK
}

fn worker(db: &str, url: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["--db", db, "--json", "worker", "--drain"])
        .env("TOLLGATE__WEBHOOK__URL", url)
        .env("TOLLGATE__WORKER__LEASE_SECONDS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("worker starts")
}

fn wait(child: std::process::Child) -> std::process::Output {
    child.wait_with_output().expect("worker ends")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_delivers_exactly_once_after_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = SqliteStore::open(&db).await.expect("open");
    store.migrate().await.expect("migrate");

    // The state change's audit event and its effect commit together.
    let now = SystemClock.now();
    let effect = NewOutboxEntry {
        kind: EffectKind::Webhook,
        idempotency_key: "subscription:s-1:suspended:1".into(),
        subject: "subscription:s-1".into(),
        payload: r#"{"event":"subscription.suspended","subscription_id":"s-1"}"#.into(),
        not_before: now,
    };
    let audit = NewAuditEvent {
        actor: "user:analyst@partner.example".into(),
        action: "subscription.suspended".into(),
        subject: "subscription:s-1".into(),
        reasons: vec!["aup_abuse".into()],
        details: "{}".into(),
        at: now,
    };
    let ids = store.enqueue(&[effect], &[audit]).await.expect("enqueue");

    let state = Arc::new(Mutex::new(Receiver {
        kill_on_first: true,
        ..Receiver::default()
    }));
    let app = axum::Router::new()
        .route("/hook", post(hook))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });

    // First run: delivered, then killed before it could record the delivery.
    let first = worker(&db, &url);
    state.lock().expect("lock").worker_pid = Some(first.id());
    let first = tokio::task::spawn_blocking(move || wait(first))
        .await
        .expect("join");
    assert!(
        !first.status.success(),
        "the worker should have been killed"
    );
    let entry = store
        .get_outbox(ids[0])
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(
        entry.status,
        OutboxStatus::Pending,
        "the kill came before the delivery was recorded"
    );
    assert_eq!(state.lock().expect("lock").receipts.len(), 1);

    // Restart after the dead worker's lease (1 s) has run out.
    let started = Instant::now();
    let second = loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let out = tokio::task::spawn_blocking({
            let (db, url) = (db.clone(), url.clone());
            move || wait(worker(&db, &url))
        })
        .await
        .expect("join");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        if report["delivered"] == 1 || started.elapsed() > Duration::from_secs(10) {
            break report;
        }
    };
    assert_eq!(second["delivered"], 1, "{second}");
    let entry = store
        .get_outbox(ids[0])
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(entry.status, OutboxStatus::Delivered);
    assert_eq!(entry.attempts, 2);

    // A third run finds nothing to do; the receiver applied the effect once.
    let third = tokio::task::spawn_blocking({
        let (db, url) = (db.clone(), url.clone());
        move || wait(worker(&db, &url))
    })
    .await
    .expect("join");
    let report: serde_json::Value = serde_json::from_slice(&third.stdout).expect("json");
    assert_eq!(report["delivered"], 0);
    let receiver = state.lock().expect("lock");
    assert_eq!(
        receiver.receipts.len(),
        2,
        "delivered once, redelivered once after the crash"
    );
    assert_eq!(receiver.applied.len(), 1, "the effect applied exactly once");
}
