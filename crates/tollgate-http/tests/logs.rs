//! Logs captured at the most verbose level through login, token creation and token use hold no
//! password, no token secret and no session cookie.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tollgate_domain::SystemClock;
use tollgate_domain::staff::Role;
use tollgate_domain::time::Timestamp;
use tollgate_http::{ApiState, serve};
use tollgate_store::{Store, WriteMeta};
use tollgate_store_sqlite::SqliteStore;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let store = SqliteStore::open("sqlite::memory:").await.expect("open");
    store.migrate().await.expect("migrate");
    let meta = WriteMeta {
        actor: "system:test".into(),
        at: Timestamp::from_millis(0),
        source: "test".into(),
    };
    let password = "correct horse battery staple";
    tollgate_app::auth::add_user(
        &store,
        "ana@partner.example",
        Role::GlobalAdmin,
        password,
        &meta,
    )
    .await
    .expect("user");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(serve(
        listener,
        ApiState::new(Arc::new(store), Arc::new(SystemClock)),
        std::future::pending(),
    ));
    let client = reqwest::Client::new();

    // A failed login, a good one, a token created with the session, the token used.
    let wrong = serde_json::json!({ "email": "ana@partner.example", "password": "wrong horse battery staple" });
    assert_eq!(
        client
            .post(format!("{base}/v1/auth/login"))
            .json(&wrong)
            .send()
            .await
            .expect("login")
            .status(),
        401
    );
    let good = serde_json::json!({ "email": "ana@partner.example", "password": password });
    let login = client
        .post(format!("{base}/v1/auth/login"))
        .json(&good)
        .send()
        .await
        .expect("login");
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_string();
    let session_value = cookie.split_once('=').expect("value").1.to_string();
    let csrf = login.json::<Value>().await.expect("json")["csrf_token"]
        .as_str()
        .expect("csrf")
        .to_string();
    let created: Value = client
        .post(format!("{base}/v1/tokens"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({ "name": "ci" }))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let secret = created["secret"].as_str().expect("secret").to_string();
    let me = client
        .get(format!("{base}/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), 200);
    let forged = client
        .get(format!("{base}/v1/me"))
        .bearer_auth("tg_forged")
        .send()
        .await
        .expect("me");
    assert_eq!(forged.status(), 401);

    let logs = String::from_utf8_lossy(&captured.0.lock().expect("lock")).to_string();
    assert!(logs.contains("request"), "the capture works: {logs}");
    for secret_text in [
        password,
        "wrong horse battery staple",
        secret.as_str(),
        session_value.as_str(),
        csrf.as_str(),
        "tg_forged",
    ] {
        assert!(!logs.contains(secret_text), "the logs hold {secret_text}");
    }
}
