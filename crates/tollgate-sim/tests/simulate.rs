//! End-to-end tests of the simulator: determinism, and that every file it writes reads back
//! cleanly with Tollgate's own readers and agrees with the planted truth.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use tollgate_domain::time::Timestamp;
use tollgate_formats::native::{CustomerRecord, PaymentRecord, SubscriptionRecord, read_ndjson};
use tollgate_formats::partner_center::columns::{INVOICE_COLUMNS, USAGE_COLUMNS};
use tollgate_formats::partner_center::invoice_csv::{InvoiceCsvReader, InvoiceLineRow};
use tollgate_formats::partner_center::usage_csv::{UsageCsvReader, UsageRow};
use tollgate_sim::{
    OUTPUT_FILES, PAYMENT_TERMS_DAYS, SimConfig, SimSummary, default_end_date, simulate,
};

fn small_config() -> SimConfig {
    SimConfig {
        customers: 50,
        days: 40,
        seed: 7,
        end_date: default_end_date(),
    }
}

fn run(config: &SimConfig) -> (tempfile::TempDir, SimSummary) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let summary = simulate(config, dir.path()).expect("the simulation runs");
    (dir, summary)
}

fn usage_rows(dir: &Path) -> Vec<UsageRow> {
    let file = File::open(dir.join("usage.csv")).expect("usage.csv exists");
    let reader = UsageCsvReader::new(BufReader::new(file)).expect("usage.csv has a good header");
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for row in reader {
        match row {
            Ok(row) => rows.push(row),
            Err(error) => errors.push(error.to_string()),
        }
    }
    assert!(errors.is_empty(), "usage.csv errors: {errors:?}");
    rows
}

fn invoice_rows(dir: &Path) -> Vec<InvoiceLineRow> {
    let file = File::open(dir.join("invoices.csv")).expect("invoices.csv exists");
    let reader =
        InvoiceCsvReader::new(BufReader::new(file)).expect("invoices.csv has a good header");
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for row in reader {
        match row {
            Ok(row) => rows.push(row),
            Err(error) => errors.push(error.to_string()),
        }
    }
    assert!(errors.is_empty(), "invoices.csv errors: {errors:?}");
    rows
}

fn ndjson<T: serde::de::DeserializeOwned>(dir: &Path, name: &str) -> Vec<T> {
    let file = File::open(dir.join(name)).expect("the file exists");
    read_ndjson::<T, _>(BufReader::new(file))
        .map(|row| row.unwrap_or_else(|e| panic!("{name}: {e}")).1)
        .collect()
}

fn truth(dir: &Path) -> serde_json::Value {
    let file = File::open(dir.join("truth.json")).expect("truth.json exists");
    serde_json::from_reader(file).expect("truth.json is JSON")
}

#[test]
fn the_same_config_gives_byte_identical_files() {
    let config = small_config();
    let (first, first_summary) = run(&config);
    let (second, second_summary) = run(&config);
    assert_eq!(first_summary, second_summary);
    for name in OUTPUT_FILES {
        let a = std::fs::read(first.path().join(name)).unwrap();
        let b = std::fs::read(second.path().join(name)).unwrap();
        assert!(a == b, "{name} differs between two runs");
    }
    let (other, _) = run(&SimConfig { seed: 8, ..config });
    let a = std::fs::read(first.path().join("usage.csv")).unwrap();
    let b = std::fs::read(other.path().join("usage.csv")).unwrap();
    assert!(a != b, "another seed should give another book");
}

#[test]
fn usage_csv_is_real_shaped_and_reads_without_errors() {
    let config = small_config();
    let (dir, summary) = run(&config);
    let text = std::fs::read_to_string(dir.path().join("usage.csv")).unwrap();
    let header = text.lines().next().unwrap();
    assert_eq!(header, format!("\u{feff}{}", USAGE_COLUMNS.join(",")));

    let mut csv = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let mut scientific = 0;
    let mut amounts = 0;
    let mut lower_case_service = false;
    for record in csv.records() {
        let record = record.unwrap();
        assert_eq!(record.len(), 55);
        for idx in [33, 34, 36, 38, 44] {
            amounts += 1;
            if record[idx].contains('E') {
                scientific += 1;
            }
        }
        lower_case_service |= record[29].starts_with("microsoft.");
        assert!(matches!(&record[49], "15" | ""));
        assert_eq!(&record[32], "new");
    }
    let share = scientific * 100 / amounts;
    assert!(
        (15..=35).contains(&share),
        "{share} % in scientific notation"
    );
    assert!(
        lower_case_service,
        "ConsumedService should come in mixed case"
    );

    let rows = usage_rows(dir.path());
    assert_eq!(rows.len(), summary.usage_rows);
    assert!(rows.len() > 1000, "only {} usage rows", rows.len());
    let first_day = NaiveDate::from_ymd_opt(2026, 9, 22).unwrap();
    let mut keys = BTreeSet::new();
    for row in &rows {
        assert!(
            row.usage_date >= first_day && row.usage_date <= config.end_date,
            "{}",
            row.usage_date
        );
        assert!(row.cost_micros > 0 && row.quantity_micros > 0);
        assert!(keys.insert(row.line_key), "duplicate line at {}", row.line);
    }
    assert!(rows.iter().any(|r| r.vcpus == Some(2)));
    assert!(rows.iter().any(|r| r.meter_category == "Storage"));
    assert!(rows.iter().any(|r| r.unit.as_deref() == Some("1 GB/Month")));
}

#[test]
fn invoices_csv_reads_without_errors_and_adds_up() {
    let (dir, summary) = run(&small_config());
    let text = std::fs::read_to_string(dir.path().join("invoices.csv")).unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        format!("\u{feff}{}", INVOICE_COLUMNS.join(","))
    );
    let rows = invoice_rows(dir.path());
    assert_eq!(rows.len(), summary.invoice_lines);
    assert!(!rows.is_empty());
    let customers: BTreeMap<String, CustomerRecord> =
        ndjson::<CustomerRecord>(dir.path(), "customers.ndjson")
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
    let mut numbers: BTreeMap<String, String> = BTreeMap::new();
    for row in &rows {
        assert!(row.invoice_number.starts_with("G0") && row.invoice_number.len() == 10);
        let owner = numbers
            .entry(row.invoice_number.clone())
            .or_insert_with(|| row.customer.id.clone());
        assert_eq!(owner, &row.customer.id, "invoice numbers are per customer");
        assert_eq!(row.subtotal_micros + row.tax_micros, row.total_micros);
        assert_eq!(row.subtotal_micros % 10_000, 0, "whole cents");
        let customer = &customers[&row.customer.id];
        let percent = match customer.country.as_str() {
            "CZ" => 21,
            "DE" => 19,
            "AT" | "SK" | "GB" => 20,
            _ => 0,
        };
        let exact = row.subtotal_micros as i128 * percent;
        let tax = row.tax_micros as i128 * 100;
        assert!((exact - tax).abs() <= 500_000, "tax of {row:?}");
        assert_eq!(Some(row.currency), customer.currency);
    }
}

#[test]
fn native_records_convert_to_the_domain() {
    let (dir, summary) = run(&small_config());
    let now = Timestamp::start_of_day(default_end_date());
    let customers = ndjson::<CustomerRecord>(dir.path(), "customers.ndjson");
    assert_eq!(customers.len(), summary.customers);
    for customer in customers {
        let country = customer.country.clone();
        let registration = customer.registration_number.clone();
        let domain = customer.into_domain(now).unwrap();
        assert!(domain.created_at <= now.plus_millis(86_400_000));
        if country == "CZ" {
            let ico = registration.unwrap();
            assert_eq!(domain.vat_id.as_deref(), Some(format!("CZ{ico}").as_str()));
        }
    }
    let subscriptions = ndjson::<SubscriptionRecord>(dir.path(), "subscriptions.ndjson");
    assert_eq!(subscriptions.len(), summary.subscriptions);
    for subscription in subscriptions {
        subscription.into_domain(now).unwrap();
    }
}

#[test]
fn labels_cover_every_customer_exactly_once() {
    let config = small_config();
    let (dir, _) = run(&config);
    let truth = truth(dir.path());
    assert_eq!(truth["seed"], 7);
    assert_eq!(truth["customers"], 50);
    assert_eq!(truth["days"], 40);
    assert_eq!(truth["end_date"], "2026-10-31");
    let ids: BTreeSet<String> = ndjson::<CustomerRecord>(dir.path(), "customers.ndjson")
        .into_iter()
        .map(|c| c.id)
        .collect();
    let mut labelled = Vec::new();
    for label in [
        "good_payer",
        "late_payer",
        "defaulter",
        "budget_buster",
        "steady",
    ] {
        let list: Vec<String> = truth["labels"][label]
            .as_array()
            .unwrap_or_else(|| panic!("no {label} list"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert!(!list.is_empty(), "no {label} in a book of 50");
        assert!(
            list.windows(2).all(|w| w[0] < w[1]),
            "{label} is not sorted"
        );
        labelled.extend(list);
    }
    labelled.sort();
    assert_eq!(labelled, ids.into_iter().collect::<Vec<_>>());
}

#[test]
fn payments_reference_invoices_that_exist() {
    let config = small_config();
    let (dir, summary) = run(&config);
    // Invoices as Tollgate derives them from the reconciliation lines.
    let mut invoices: BTreeMap<String, (String, i64, NaiveDate)> = BTreeMap::new();
    for row in invoice_rows(dir.path()) {
        let id = format!("{}:{}", row.invoice_number, row.customer.id);
        let entry = invoices
            .entry(id)
            .or_insert((row.customer.id.clone(), 0, row.charge_end));
        entry.1 += row.total_micros;
        entry.2 = entry.2.max(row.charge_end);
    }
    let payments = ndjson::<PaymentRecord>(dir.path(), "payments.ndjson");
    assert_eq!(payments.len(), summary.payments);
    assert!(
        !payments.is_empty(),
        "September's invoices fall due in the period"
    );
    let mut paid: BTreeMap<String, i64> = BTreeMap::new();
    let end_of_period = Timestamp::start_of_day(config.end_date.succ_opt().unwrap());
    for payment in payments {
        let invoice_id = payment.invoice_id.clone().unwrap();
        let (customer_id, total, last_charge) = invoices
            .get(&invoice_id)
            .unwrap_or_else(|| panic!("payment for unknown invoice {invoice_id}"));
        assert_eq!(&payment.customer_id, customer_id);
        let issued_on = last_charge.succ_opt().unwrap();
        assert!(payment.received_at.date_utc() >= issued_on);
        assert!(payment.received_at < end_of_period);
        let domain = payment.into_domain().unwrap();
        *paid.entry(invoice_id.clone()).or_default() += domain.amount.micros();
        assert!(paid[&invoice_id] <= *total, "{invoice_id} overpaid");
    }
    // Good payers pay before the due date: nothing of theirs is overdue at the end.
    let truth = truth(dir.path());
    let good: BTreeSet<&str> = truth["labels"]["good_payer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for (id, (customer_id, total, last_charge)) in &invoices {
        let due = last_charge.succ_opt().unwrap() + chrono::Duration::days(PAYMENT_TERMS_DAYS);
        if good.contains(customer_id.as_str()) && due < config.end_date {
            assert_eq!(paid.get(id), Some(total), "good payer left {id} unpaid");
        }
    }
}

#[test]
fn compute_jumps_multiply_vcpu_hours_from_the_recorded_day() {
    let config = SimConfig {
        customers: 100,
        ..small_config()
    };
    let (dir, _) = run(&config);
    let truth = truth(dir.path());
    let jumps = truth["compute_jumps"].as_array().unwrap();
    assert_eq!(jumps.len(), 2);
    let rows = usage_rows(dir.path());
    for jump in jumps {
        let subscription = jump["subscription_id"].as_str().unwrap();
        let from = NaiveDate::parse_from_str(jump["from"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        let mut per_day: BTreeMap<NaiveDate, i64> = BTreeMap::new();
        for row in rows.iter().filter(|r| r.subscription_id == subscription) {
            assert_eq!(row.customer.id, jump["customer_id"].as_str().unwrap());
            *per_day.entry(row.usage_date).or_default() += row.vcpu_hours_micros;
        }
        let before = per_day.range(..from).map(|(_, v)| *v).max().unwrap_or(0);
        let after = per_day.range(from..).map(|(_, v)| *v).min().unwrap();
        assert!(after > 0 && after >= before * 10, "{before} → {after}");
    }
}

#[test]
fn budget_busters_spend_more_later() {
    let config = SimConfig {
        customers: 200,
        days: 60,
        ..small_config()
    };
    let (dir, _) = run(&config);
    let truth = truth(dir.path());
    let busters: BTreeSet<&str> = truth["labels"]["budget_buster"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let last_week = config.end_date - chrono::Duration::days(6);
    let mut totals: BTreeMap<&str, (BTreeMap<NaiveDate, i64>, i64)> = BTreeMap::new();
    let rows = usage_rows(dir.path());
    for row in &rows {
        if let Some(id) = busters.get(row.customer.id.as_str()) {
            let entry = totals.entry(id).or_default();
            *entry.0.entry(row.usage_date).or_default() += row.cost_micros;
            if row.usage_date >= last_week {
                entry.1 += row.cost_micros;
            }
        }
    }
    let mut grew = 0;
    for (days, last_week_total) in totals.values() {
        // Compare the first week the customer used anything with the last week.
        let first_week: i64 = days.values().take(7).sum();
        if *last_week_total >= first_week * 2 {
            grew += 1;
        }
    }
    assert!(
        grew * 10 >= busters.len() * 8,
        "{grew} of {} grew",
        busters.len()
    );
}

#[test]
fn a_short_period_invoices_the_month_it_starts_in() {
    let config = SimConfig {
        customers: 10,
        days: 10,
        seed: 1,
        end_date: NaiveDate::from_ymd_opt(2026, 10, 15).unwrap(),
    };
    let (dir, summary) = run(&config);
    assert!(summary.invoice_lines > 0);
    for row in invoice_rows(dir.path()) {
        assert_eq!(row.charge_start, NaiveDate::from_ymd_opt(2026, 10, 1));
        assert_eq!(
            row.charge_end,
            NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()
        );
    }
    assert_eq!(summary.payments, 0);
}

#[test]
fn bad_configs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let error = simulate(
        &SimConfig {
            days: 0,
            ..small_config()
        },
        dir.path(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("days"), "{error}");
    let empty = simulate(
        &SimConfig {
            customers: 0,
            ..small_config()
        },
        dir.path(),
    )
    .unwrap();
    assert_eq!(empty.usage_rows, 0);
}

/// Times a full-size book; run with
/// `cargo test --release -p tollgate-sim -- --ignored --nocapture`. Set `TOLLGATE_SIM_OUT` to
/// keep the files.
#[test]
#[ignore]
fn full_size_book_timing() {
    for (customers, days) in [(1000, 30), (500, 60)] {
        let config = SimConfig {
            customers,
            days,
            ..SimConfig::default()
        };
        let temp = tempfile::tempdir().unwrap();
        let dir = match std::env::var_os("TOLLGATE_SIM_OUT") {
            Some(out) => Path::new(&out).join(format!("{customers}x{days}")),
            None => temp.path().to_path_buf(),
        };
        let started = Instant::now();
        let summary = simulate(&config, &dir).unwrap();
        let elapsed = started.elapsed();
        let bytes: u64 = tollgate_sim::OUTPUT_FILES
            .iter()
            .map(|name| std::fs::metadata(dir.join(name)).unwrap().len())
            .sum();
        println!(
            "{customers} customers x {days} days: {elapsed:.2?}, {} MB, {summary:?}",
            bytes / 1_000_000
        );
    }
}
