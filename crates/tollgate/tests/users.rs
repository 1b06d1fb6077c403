//! Staff accounts and tokens from the command line: passwords from standard input or
//! generated once, roles, disabling, and an audit trail that names every change and holds no
//! secret.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn tollgate(db: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["--db", db])
        .args(args)
        .env_remove("TOLLGATE_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tollgate runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("tollgate ends")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn staff_accounts_and_tokens_round_trip_without_leaking_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("t.db").display());

    let ana = json(&tollgate(
        &db,
        &[
            "--json",
            "users",
            "add",
            "--email",
            "Ana@Partner.Example",
            "--role",
            "admin_agent",
        ],
        Some("a very long passphrase\n"),
    ));
    assert_eq!(ana["email"], "ana@partner.example");
    assert!(
        ana.get("password").is_none(),
        "a piped password is not echoed"
    );

    let bob = json(&tollgate(
        &db,
        &[
            "--json",
            "users",
            "add",
            "--email",
            "bob@partner.example",
            "--role",
            "billing_admin",
        ],
        None,
    ));
    let generated = bob["password"]
        .as_str()
        .expect("a generated password is shown once")
        .to_string();
    assert_eq!(generated.len(), 20);

    let duplicate = tollgate(
        &db,
        &[
            "users",
            "add",
            "--email",
            "ANA@partner.example",
            "--role",
            "admin_agent",
        ],
        Some("x".repeat(20).as_str()),
    );
    assert_eq!(duplicate.status.code(), Some(2));
    let short = tollgate(
        &db,
        &[
            "users",
            "add",
            "--email",
            "cyd@partner.example",
            "--role",
            "admin_agent",
        ],
        Some("short"),
    );
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("too short"));

    json(&tollgate(
        &db,
        &[
            "--json",
            "users",
            "set-role",
            "ana@partner.example",
            "global_admin",
        ],
        None,
    ));
    json(&tollgate(
        &db,
        &["--json", "users", "disable", "bob@partner.example"],
        None,
    ));
    let listed = json(&tollgate(&db, &["--json", "users", "list"], None));
    let roles: Vec<(String, String, bool)> = listed
        .as_array()
        .expect("array")
        .iter()
        .map(|u| {
            (
                u["email"].as_str().unwrap_or("").into(),
                u["role"].as_str().unwrap_or("").into(),
                u["disabled"] == true,
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("ana@partner.example".into(), "global_admin".into(), false),
            ("bob@partner.example".into(), "billing_admin".into(), true)
        ]
    );

    let token = json(&tollgate(
        &db,
        &[
            "--json",
            "tokens",
            "create",
            "--email",
            "ana@partner.example",
            "--name",
            "ci",
        ],
        None,
    ));
    let secret = token["secret"]
        .as_str()
        .expect("secret shown once")
        .to_string();
    let tokens = json(&tollgate(&db, &["--json", "tokens", "list"], None));
    assert_eq!(tokens[0]["live"], true);
    assert!(
        !tokens.to_string().contains(&secret),
        "a listing never shows the secret"
    );
    json(&tollgate(
        &db,
        &[
            "--json",
            "tokens",
            "revoke",
            token["id"].as_str().expect("id"),
        ],
        None,
    ));
    assert_eq!(
        json(&tollgate(&db, &["--json", "tokens", "list"], None))[0]["live"],
        false
    );

    // Every change is audited, the chain is whole, and no secret or hash is in it.
    let verify = tollgate(&db, &["audit", "verify"], None);
    assert_eq!(verify.status.code(), Some(0));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let events = rt.block_on(async {
        use tollgate_store::Store;
        let store = tollgate_store_sqlite::SqliteStore::open(&db)
            .await
            .expect("open");
        store.audit_page(0, 1000).await.expect("audit")
    });
    let actions: Vec<&str> = events.iter().map(|e| e.event.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.created",
            "user.created",
            "user.role_changed",
            "user.disabled",
            "token.created",
            "token.revoked"
        ]
    );
    let trail = format!("{events:?}");
    for secret_text in [
        secret.as_str(),
        generated.as_str(),
        "a very long passphrase",
        "$argon2id$",
    ] {
        assert!(
            !trail.contains(secret_text),
            "the audit trail holds {secret_text}"
        );
    }
}
