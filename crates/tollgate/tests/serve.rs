//! `tollgate serve` as a process: it answers health, readiness and an authenticated request,
//! and a SIGTERM stops it cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let bin = env!("CARGO_BIN_EXE_tollgate");
    let add = Command::new(bin)
        .args([
            "--db",
            &db,
            "users",
            "add",
            "--email",
            "ana@partner.example",
            "--role",
            "admin_agent",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("users add");
    assert!(add.status.success());
    let token = Command::new(bin)
        .args([
            "--db",
            &db,
            "--json",
            "tokens",
            "create",
            "--email",
            "ana@partner.example",
            "--name",
            "t",
        ])
        .output()
        .expect("tokens create");
    let token: serde_json::Value = serde_json::from_slice(&token.stdout).expect("json");
    let secret = token["secret"].as_str().expect("secret").to_string();

    let mut server = Command::new(bin)
        .args(["--db", &db, "serve", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let mut stderr = BufReader::new(server.stderr.take().expect("stderr"));
    let mut line = String::new();
    stderr.read_line(&mut line).expect("banner");
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("address")
        .to_string();

    let client = reqwest::Client::new();
    assert_eq!(
        client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .expect("healthz")
            .status(),
        200
    );
    assert_eq!(
        client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .expect("readyz")
            .status(),
        200
    );
    let me = client
        .get(format!("{base}/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), 200);
    assert!(me.headers().contains_key("x-request-id"));
    let body: serde_json::Value = me.json().await.expect("json");
    assert_eq!(body["role"], "admin_agent");
    let metrics = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains(
            "tollgate_http_requests_total{method=\"GET\",route=\"/v1/me\",status=\"200\"} 1"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("tollgate_outbox_entries{state=\"pending\"} 0"));

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || server.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(status.success(), "serve exits 0 on SIGTERM: {status:?}");
}
