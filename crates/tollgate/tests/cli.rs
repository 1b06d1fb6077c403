//! The command line end to end: simulate, import, re-import, bad input, audit verification.

use std::path::Path;
use std::process::{Command, Output};

fn tollgate(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["--db", db])
        .args(args)
        .env_remove("TOLLGATE_DB")
        .output()
        .expect("tollgate runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

fn simulate(dir: &Path, customers: &str, days: &str, seed: &str) {
    let out = tollgate(
        "sqlite::memory:",
        &[
            "simulate",
            "--customers",
            customers,
            "--days",
            days,
            "--seed",
            seed,
            "--out",
        ]
        .iter()
        .copied()
        .chain([dir.to_str().expect("utf-8 path")])
        .collect::<Vec<_>>(),
    );
    assert!(
        out.status.success(),
        "simulate failed: {}",
        text(&out.stderr)
    );
}

const BOOK: [(&str, &str); 5] = [
    ("customers", "customers.ndjson"),
    ("subscriptions", "subscriptions.ndjson"),
    ("usage", "usage.csv"),
    ("invoices", "invoices.csv"),
    ("payments", "payments.ndjson"),
];

fn import_book(db: &str, book: &Path) -> Vec<serde_json::Value> {
    BOOK.iter()
        .map(|(kind, file)| {
            let path = book.join(file);
            let out = tollgate(
                db,
                &["--json", "import", kind, path.to_str().expect("utf-8")],
            );
            assert!(out.status.success(), "import {kind}: {}", text(&out.stderr));
            let reports: serde_json::Value =
                serde_json::from_slice(&out.stdout).expect("json report");
            reports[0].clone()
        })
        .collect()
}

#[test]
fn simulate_is_deterministic_for_a_seed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    simulate(&a, "1000", "30", "7");
    simulate(&b, "1000", "30", "7");
    for file in [
        "customers.ndjson",
        "subscriptions.ndjson",
        "usage.csv",
        "invoices.csv",
        "payments.ndjson",
        "truth.json",
    ] {
        let (x, y) = (
            std::fs::read(a.join(file)).expect("read"),
            std::fs::read(b.join(file)).expect("read"),
        );
        // A 30-day book ending on a month's last day has no invoice due yet, so no payments.
        assert!(
            file == "payments.ndjson" || !x.is_empty(),
            "{file} is empty"
        );
        assert!(x == y, "{file} differs between two runs with the same seed");
    }
    let c = dir.path().join("c");
    simulate(&c, "1000", "30", "8");
    assert_ne!(
        std::fs::read(a.join("usage.csv")).expect("read"),
        std::fs::read(c.join("usage.csv")).expect("read")
    );
}

#[test]
fn importing_the_book_twice_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let book = dir.path().join("book");
    simulate(&book, "120", "45", "3");
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let first = import_book(&db, &book);
    for report in &first {
        assert!(
            report["new"].as_u64().expect("count") > 0,
            "nothing new in {report}"
        );
        assert_eq!(report["rejected"], 0, "{report}");
    }
    let summary_before = summary(&db);
    let second = import_book(&db, &book);
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(b["new"], 0, "{b}");
        assert_eq!(b["updated"], 0, "{b}");
        let total = a["new"].as_u64().expect("n")
            + a["updated"].as_u64().expect("n")
            + a["unchanged"].as_u64().expect("n");
        assert_eq!(b["unchanged"].as_u64().expect("n"), total, "{b}");
    }
    assert_eq!(summary(&db), summary_before, "counts moved on re-import");
    // The text form says so, too.
    let out = tollgate(
        &db,
        &[
            "import",
            "customers",
            book.join("customers.ndjson").to_str().expect("utf-8"),
        ],
    );
    assert!(
        text(&out.stdout).contains("0 new, 0 updated, 120 unchanged"),
        "{}",
        text(&out.stdout)
    );
}

/// The book summary through the demo's own summary query, via audit-free JSON.
fn summary(db: &str) -> serde_json::Value {
    let path = db.trim_start_matches("sqlite://");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        use tollgate_store::Store;
        let store = tollgate_store_sqlite::SqliteStore::open(&format!("sqlite://{path}")).await.expect("open");
        let s = store.book_summary().await.expect("summary");
        serde_json::json!({
            "status": s.customers_by_status, "country": s.customers_by_country,
            "subs": s.subscriptions_by_state, "usage": s.usage_micros_by_currency, "lines": s.usage_lines,
            "invoices": s.invoices, "payments": s.payments, "open": s.open_invoices,
            "balance": s.open_balance_micros_by_currency,
        })
    })
}

#[test]
fn bad_rows_are_reported_with_their_line_and_good_rows_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let book = dir.path().join("book");
    simulate(&book, "5", "3", "1");
    let usage = std::fs::read_to_string(book.join("usage.csv")).expect("read usage");
    let mut lines: Vec<String> = usage.lines().map(str::to_string).collect();
    let good = lines.len() - 1 - 2;
    // Line 3: a bad date. Line 5: a truncated row.
    lines[2] = lines[2].replacen(&date_of(&lines[2]), "13/45/2026", 1);
    let cut = lines[4].rfind(',').expect("comma");
    lines[4].truncate(cut);
    let broken = dir.path().join("broken.csv");
    std::fs::write(&broken, lines.join("\n") + "\n").expect("write");
    let wrong_header = dir.path().join("wrong-header.csv");
    std::fs::write(&wrong_header, "CustomerId,Day,Amount\nc1,01/01/2026,5\n").expect("write");

    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let out = tollgate(
        &db,
        &[
            "import",
            "usage",
            broken.to_str().expect("p"),
            wrong_header.to_str().expect("p"),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "exit code");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("broken.csv:3: UsageDate: '13/45/2026' is not a date"),
        "{stderr}"
    );
    assert!(
        stderr.contains("broken.csv:5: row is truncated"),
        "{stderr}"
    );
    assert!(
        stderr.contains("wrong-header.csv: line 1: header is missing the column(s) UsageDate"),
        "{stderr}"
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "broken.csv: {good} new, 0 updated, 0 unchanged, 2 rejected"
        )),
        "{stdout}"
    );
    assert_eq!(summary(&db)["lines"], good as i64);
}

/// The UsageDate cell of a CSV line of the simulated book (the 21st column).
fn date_of(line: &str) -> String {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line.as_bytes());
    let record = reader.records().next().expect("a record").expect("parses");
    record[20].to_string()
}

#[test]
fn audit_verify_passes_then_names_an_altered_event() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args([
            "demo",
            "--no-serve",
            "--customers",
            "30",
            "--days",
            "10",
            "--dir",
        ])
        .arg(dir.path())
        .output()
        .expect("demo runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let db = format!("sqlite://{}", dir.path().join("tollgate.db").display());
    let ok = tollgate(&db, &["audit", "verify"]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stdout));
    assert!(text(&ok.stdout).starts_with("audit chain whole:"));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let store = tollgate_store_sqlite::SqliteStore::open(&db)
            .await
            .expect("open");
        sqlx_update(&store).await;
    });
    let broken = tollgate(&db, &["--json", "audit", "verify"]);
    assert_eq!(broken.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&broken.stdout).expect("json");
    assert_eq!(report["whole"], false);
    assert_eq!(report["first_bad_event"], 7);
}

async fn sqlx_update(store: &tollgate_store_sqlite::SqliteStore) {
    let changed = store
        .execute_raw("UPDATE audit_events SET actor = 'user:mallory' WHERE seq = 7")
        .await
        .expect("tamper");
    assert_eq!(changed, 1);
}

#[test]
fn the_partner_center_utilization_fixture_imports_all_37_records_once() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/partner-center/GetAzureUtilization.json"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let first = tollgate(&db, &["--json", "import", "usage", fixture]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let report: serde_json::Value = serde_json::from_slice(&first.stdout).expect("json");
    assert_eq!(report[0]["new"], 37, "{report}");
    assert_eq!(
        report[0]["customers_created"],
        serde_json::json!(["278aaea7-4b3f-4a69-a115-ab07bf793396"])
    );
    let again: serde_json::Value =
        serde_json::from_slice(&tollgate(&db, &["--json", "import", "usage", fixture]).stdout)
            .expect("json");
    assert_eq!(
        (again[0]["new"].as_u64(), again[0]["unchanged"].as_u64()),
        (Some(0), Some(37))
    );
    assert_eq!(summary(&db)["lines"], 37);
    // Booked to another owner, the same file is other usage.
    let other = tollgate(
        &db,
        &[
            "--json",
            "import",
            "usage",
            fixture,
            "--customer",
            "c-other",
            "--subscription",
            "s-other",
        ],
    );
    let other: serde_json::Value = serde_json::from_slice(&other.stdout).expect("json");
    assert_eq!(other[0]["new"], 37);
}

#[test]
fn budget_crossings_alert_once_per_month() {
    let dir = tempfile::tempdir().expect("tempdir");
    let book = dir.path().join("book");
    simulate(&book, "10", "20", "5");
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    for (kind, file) in [("customers", "customers.ndjson"), ("usage", "usage.csv")] {
        let out = tollgate(
            &db,
            &["import", kind, book.join(file).to_str().expect("utf-8")],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    // A customer with usage, and its billing currency, from the usage file itself.
    let mut reader = csv::Reader::from_path(book.join("usage.csv")).expect("usage.csv");
    let row = reader.records().next().expect("a row").expect("parses");
    let (customer, currency) = (row[2].to_string(), row[37].to_string());

    let set = tollgate(
        &db,
        &[
            "budgets",
            "set",
            &customer,
            "1.00",
            &currency,
            "--enforce-at",
            "120",
        ],
    );
    assert!(set.status.success(), "{}", text(&set.stderr));
    let unknown = tollgate(&db, &["budgets", "set", "nobody", "1", "EUR"]);
    assert_eq!(unknown.status.code(), Some(2));

    let run = |db: &str| -> serde_json::Value {
        let out = tollgate(db, &["--json", "monitor", "usage", "--as-of", "2026-10-31"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("json")
    };
    // The budget's five findings, and whatever else the book's usage shows (caps, anomalies).
    let first = run(&db);
    let raised_first = first["raised"].as_array().expect("raised").len();
    assert!(
        raised_first >= 5,
        "50/75/90/100 % and the 120 % enforcement: {first}"
    );
    let second = run(&db);
    assert_eq!(
        second["raised"].as_array().map(Vec::len),
        Some(0),
        "nothing is raised twice: {second}"
    );
    assert_eq!(second["already_raised"].as_u64(), Some(raised_first as u64));

    let listed = tollgate(
        &db,
        &["--json", "alerts", "list", "--kind", "budget_threshold"],
    );
    let alerts: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
    let alerts = alerts.as_array().expect("array");
    assert_eq!(alerts.len(), 5);
    for alert in alerts {
        for field in [
            "id",
            "kind",
            "severity",
            "customer_id",
            "subscription_id",
            "first_seen",
            "evidence",
        ] {
            assert!(alert.get(field).is_some(), "{field} missing in {alert}");
        }
        assert_eq!(alert["customer_id"], customer.as_str());
        assert!(
            alert["evidence"]["month_to_date"]
                .as_str()
                .expect("spend")
                .ends_with(&currency)
        );
    }
    let verify = tollgate(&db, &["audit", "verify"]);
    assert_eq!(verify.status.code(), Some(0));
}

#[test]
fn a_new_account_over_its_tier_cap_alerts_and_an_old_one_does_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let customers = dir.path().join("customers.ndjson");
    std::fs::write(
        &customers,
        concat!(
            r#"{"id":"new-co","company_name":"New Co","country":"DE","currency":"EUR","risk_tier":"high","created_at":"2026-10-01T00:00:00Z"}"#,
            "\n",
            r#"{"id":"old-co","company_name":"Old Co","country":"DE","currency":"EUR","risk_tier":"high","created_at":"2025-01-01T00:00:00Z"}"#,
            "\n"
        ),
    )
    .expect("write");
    let usage = dir.path().join("usage.ndjson");
    let line = |id: &str, customer: &str| {
        format!(
            r#"{{"id":"{id}","customer_id":"{customer}","subscription_id":"{customer}-azure","date":"2026-10-12","meter_category":"Virtual Machines","region":"westeurope","cost":"150.00","currency":"EUR"}}"#
        )
    };
    std::fs::write(
        &usage,
        format!("{}\n{}\n", line("u1", "new-co"), line("u2", "old-co")),
    )
    .expect("write");
    for (kind, file) in [("customers", &customers), ("usage", &usage)] {
        let out = tollgate(&db, &["import", kind, file.to_str().expect("utf-8")]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let out = tollgate(
        &db,
        &["--json", "monitor", "usage", "--as-of", "2026-10-12"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let alerts: serde_json::Value = serde_json::from_slice(
        &tollgate(
            &db,
            &["--json", "alerts", "list", "--kind", "new_account_cap"],
        )
        .stdout,
    )
    .expect("json");
    let alerts = alerts.as_array().expect("array");
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["customer_id"], "new-co");
    assert_eq!(alerts[0]["evidence"]["cap"], "100.00 EUR");
    assert_eq!(alerts[0]["evidence"]["spend"], "150.00 EUR");
}

#[test]
fn every_injected_compute_jump_raises_a_spend_anomaly_and_no_steady_customer_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let book = dir.path().join("book");
    simulate(&book, "150", "60", "11");
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    for (kind, file) in [("customers", "customers.ndjson"), ("usage", "usage.csv")] {
        let out = tollgate(
            &db,
            &["import", kind, book.join(file).to_str().expect("utf-8")],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(book.join("truth.json")).expect("truth"))
            .expect("json");
    let end =
        chrono::NaiveDate::parse_from_str(truth["end_date"].as_str().expect("end"), "%Y-%m-%d")
            .expect("date");
    // Replay the last 30 days, one monitoring run a day.
    for back in (0..30).rev() {
        let day = (end - chrono::Duration::days(back)).to_string();
        let out = tollgate(&db, &["monitor", "usage", "--as-of", &day]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let alerts: serde_json::Value = serde_json::from_slice(
        &tollgate(
            &db,
            &["--json", "alerts", "list", "--kind", "spend_anomaly"],
        )
        .stdout,
    )
    .expect("json");
    let flagged: std::collections::BTreeSet<String> = alerts
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|a| a["customer_id"].as_str().map(str::to_string))
        .collect();
    let window_start = end - chrono::Duration::days(29);
    let mut jumps_checked = 0;
    for jump in truth["compute_jumps"].as_array().expect("jumps") {
        let from =
            chrono::NaiveDate::parse_from_str(jump["from"].as_str().expect("from"), "%Y-%m-%d")
                .expect("date");
        if from >= window_start && from <= end {
            jumps_checked += 1;
            let customer = jump["customer_id"].as_str().expect("customer");
            assert!(
                flagged.contains(customer),
                "the jump of {customer} from {from} raised nothing"
            );
        }
    }
    assert!(
        jumps_checked > 0,
        "the book has jumps in the window: {}",
        truth["compute_jumps"]
    );
    for steady in truth["labels"]["steady"].as_array().expect("steady") {
        let customer = steady.as_str().expect("id");
        assert!(
            !flagged.contains(customer),
            "steady customer {customer} raised a spend anomaly"
        );
    }
}

#[test]
fn exposure_is_receivables_plus_unbilled_usage_and_alerts_against_the_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let write = |name: &str, body: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, body).expect("write");
        path
    };
    let customers = write(
        "customers.ndjson",
        "{\"id\":\"acme\",\"company_name\":\"Acme\",\"country\":\"DE\",\"currency\":\"EUR\",\"credit_limit\":\"1000.00\",\"created_at\":\"2025-01-01T00:00:00Z\"}\n",
    );
    let invoices = write(
        "invoices.ndjson",
        "{\"id\":\"inv-1\",\"customer_id\":\"acme\",\"issued_on\":\"2026-09-30\",\"due_on\":\"2026-10-30\",\"total\":\"600.00\",\"currency\":\"EUR\"}\n",
    );
    let usage = write(
        "usage.ndjson",
        "{\"id\":\"u1\",\"customer_id\":\"acme\",\"subscription_id\":\"acme-azure\",\"date\":\"2026-10-10\",\"meter_category\":\"Storage\",\"cost\":\"300.00\",\"currency\":\"EUR\"}\n",
    );
    for (kind, file) in [
        ("customers", &customers),
        ("invoices", &invoices),
        ("usage", &usage),
    ] {
        let out = tollgate(&db, &["import", kind, file.to_str().expect("utf-8")]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let out = tollgate(
        &db,
        &[
            "--json",
            "exposure",
            "--customer",
            "acme",
            "--as-of",
            "2026-10-31",
        ],
    );
    let exposure: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(exposure["exposure"], "900.00");
    assert_eq!(exposure["open_receivables"], "600.00");
    assert_eq!(exposure["unbilled_usage"], "300.00");
    assert_eq!(exposure["percent_of_limit"], 90);
    let monitor = tollgate(&db, &["monitor", "usage", "--as-of", "2026-10-31"]);
    assert!(monitor.status.success(), "{}", text(&monitor.stderr));
    let alerts: serde_json::Value = serde_json::from_slice(
        &tollgate(
            &db,
            &["--json", "alerts", "list", "--kind", "credit_exposure"],
        )
        .stdout,
    )
    .expect("json");
    let mut thresholds: Vec<String> = alerts
        .as_array()
        .expect("array")
        .iter()
        .map(|a| {
            a["evidence"]["threshold"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    thresholds.sort();
    assert_eq!(thresholds, ["70%", "85%"]);
}
