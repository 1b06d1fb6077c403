//! `tollgate demo`: simulates a book, imports it into a fresh embedded database and prints a
//! summary: customers by status and country, subscriptions by state, usage per currency, open
//! invoices. Needs no services and no arguments.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use tollgate_app::import::ImportKind;
use tollgate_domain::money::{Currency, Money, format_micros};
use tollgate_store::BookSummary;

use crate::config::Config;
use crate::import_cmd;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Customers in the simulated book.
    #[arg(long, default_value_t = 500)]
    customers: usize,
    /// Days of usage simulated.
    #[arg(long, default_value_t = 60)]
    days: u32,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Where to keep the demo's files and database (default: `tollgate-demo` in the system's
    /// temporary directory, replaced on every run).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Print the summary and exit without serving the console.
    #[arg(long)]
    no_serve: bool,
}

pub async fn run(args: &DemoArgs, config: &Config, json: bool) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        // One folder, replaced on every run, so that repeated demos do not pile up.
        None => std::env::temp_dir().join("tollgate-demo"),
    };
    let book = dir.join("book");
    let db_path = dir.join("tollgate.db");
    if db_path.exists() {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
        }
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let sim = tollgate_sim::SimConfig {
        customers: args.customers,
        days: args.days,
        seed: args.seed,
        end_date: tollgate_sim::default_end_date(),
    };
    tollgate_sim::simulate(&sim, &book)?;
    let url = format!("sqlite://{}", db_path.display());
    let store = tollgate_app::open_store(&url).await?;
    store.migrate().await?;
    let options = import_cmd::options(config, None, None)?;
    let steps = [
        (ImportKind::Customers, "customers.ndjson"),
        (ImportKind::Subscriptions, "subscriptions.ndjson"),
        (ImportKind::Usage, "usage.csv"),
        (ImportKind::Invoices, "invoices.csv"),
        (ImportKind::Payments, "payments.ndjson"),
    ];
    let mut imports = Vec::new();
    for (kind, file) in steps {
        let report =
            import_cmd::import_file(store.as_ref(), kind, &book.join(file), &options).await?;
        for problem in report.problems() {
            eprintln!("{problem}");
        }
        imports.push((kind, report));
    }
    // Monitoring over the book's last week, one day at a time, as a daily job would run.
    let end = tollgate_sim::default_end_date();
    let monitor_meta = tollgate_store::WriteMeta {
        actor: "system:demo".into(),
        at: options.now,
        source: "demo".into(),
    };
    for back in (0..7).rev() {
        let day = end - chrono::Duration::days(back);
        tollgate_app::monitor::monitor_budgets(store.as_ref(), day, &monitor_meta).await?;
    }
    let alerts = store.list_alerts(None).await?;
    let mut by_kind: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for alert in &alerts {
        *by_kind.entry(alert.kind.to_string()).or_default() += 1;
    }
    let mut exposures = Vec::new();
    let mut after = None;
    loop {
        let query = tollgate_store::CustomerQuery {
            after_id: after.clone(),
            limit: 1000,
            ..Default::default()
        };
        let page = store.list_customers(&query).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.to_string());
        for customer in &page {
            exposures
                .extend(tollgate_app::exposure::exposure_of(store.as_ref(), customer, end).await?);
        }
    }
    exposures.sort_by_key(|e| std::cmp::Reverse((e.percent().unwrap_or(-1), e.total_micros())));
    exposures.truncate(5);
    let summary = store.book_summary().await?;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "database": url,
                "book": book.display().to_string(),
                "imports": imports.iter().map(|(k, r)| import_cmd::report_json(*k, r)).collect::<Vec<_>>(),
                "summary": summary_json(&summary),
                "alerts_by_kind": by_kind,
                "top_exposures": exposures.iter().map(|e| serde_json::json!({
                    "customer_id": e.customer_id, "currency": e.currency,
                    "exposure": format_micros(e.total_micros(), 2), "percent_of_limit": e.percent(),
                })).collect::<Vec<_>>(),
                "seconds": started.elapsed().as_secs_f64(),
            })
        );
    } else {
        println!(
            "Tollgate demo — a simulated book of {} customers over {} days",
            args.customers, args.days
        );
        println!("database: {url}");
        for (kind, report) in &imports {
            println!(
                "  {}",
                import_cmd::report_line(*kind, report).replace('\n', "\n  ")
            );
        }
        print_summary(&summary);
        println!(
            "alerts         {} in the last week: {}",
            alerts.len(),
            by_kind
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!("top exposures");
        for e in &exposures {
            let percent = e
                .percent()
                .map(|p| format!("{p}% of limit"))
                .unwrap_or_else(|| "no limit".into());
            println!(
                "  {:<38} {:>14} {} ({percent})",
                e.customer_id,
                shown(e.total_micros(), e.currency.as_str()),
                e.currency
            );
        }
        println!("done in {:.1} s", started.elapsed().as_secs_f64());
        if !args.no_serve {
            println!("(the console is not built yet: nothing to serve)");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// An amount rounded to its currency's minor unit, for display.
fn shown(micros: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(currency) => Money::from_micros(micros, currency)
            .round_to_minor_unit()
            .amount_text(),
        Err(_) => format_micros(micros, 2),
    }
}

fn money_map(map: &std::collections::BTreeMap<String, i64>) -> serde_json::Value {
    map.iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(shown(*v, k))))
        .collect()
}

fn summary_json(summary: &BookSummary) -> serde_json::Value {
    serde_json::json!({
        "customers_by_status": summary.customers_by_status,
        "customers_by_country": summary.customers_by_country,
        "subscriptions_by_state": summary.subscriptions_by_state,
        "usage_by_currency": money_map(&summary.usage_micros_by_currency),
        "usage_lines": summary.usage_lines,
        "invoices": summary.invoices,
        "payments": summary.payments,
        "open_invoices": summary.open_invoices,
        "open_balance_by_currency": money_map(&summary.open_balance_micros_by_currency),
        "audit_events": summary.audit_events,
    })
}

fn print_summary(summary: &BookSummary) {
    let join = |map: &std::collections::BTreeMap<String, i64>| {
        map.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut countries: Vec<(&String, &i64)> = summary.customers_by_country.iter().collect();
    countries.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let total: i64 = summary.customers_by_status.values().sum();
    println!();
    println!(
        "customers      {total}: {}",
        join(&summary.customers_by_status)
    );
    println!(
        "  by country   {}",
        countries
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("subscriptions  {}", join(&summary.subscriptions_by_state));
    println!(
        "usage          {} lines: {}",
        summary.usage_lines,
        summary
            .usage_micros_by_currency
            .iter()
            .map(|(c, v)| format!("{} {c}", shown(*v, c)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "invoices       {} issued, {} payments, {} open: {}",
        summary.invoices,
        summary.payments,
        summary.open_invoices,
        summary
            .open_balance_micros_by_currency
            .iter()
            .map(|(c, v)| format!("{} {c}", shown(*v, c)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("audit events   {}", summary.audit_events);
}
