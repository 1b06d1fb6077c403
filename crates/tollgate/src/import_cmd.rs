//! `tollgate import KIND FILE…`: imports each file in order, prints one line per file (or
//! JSON), lists every rejected record with its file, line and reason on stderr, and exits 2
//! when any record was rejected.

use std::fs::File;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use tollgate_app::import::{FileFormat, FileReport, ImportKind, ImportOptions, import_reader};
use tollgate_domain::SystemClock;
use tollgate_domain::ids::{CustomerId, SubscriptionId};
use tollgate_domain::time::Clock;
use tollgate_store::Store;

use crate::config::Config;

/// What an import reads.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Kind {
    Customers,
    Subscriptions,
    Usage,
    Invoices,
    Payments,
}

impl From<Kind> for ImportKind {
    fn from(kind: Kind) -> ImportKind {
        match kind {
            Kind::Customers => ImportKind::Customers,
            Kind::Subscriptions => ImportKind::Subscriptions,
            Kind::Usage => ImportKind::Usage,
            Kind::Invoices => ImportKind::Invoices,
            Kind::Payments => ImportKind::Payments,
        }
    }
}

pub fn options(
    config: &Config,
    customer: Option<&str>,
    subscription: Option<&str>,
) -> anyhow::Result<ImportOptions> {
    let mut options = ImportOptions::new(SystemClock.now());
    options.payment_terms_days = config.billing.payment_terms_days;
    options.customer = customer
        .map(CustomerId::parse)
        .transpose()
        .context("--customer")?;
    options.subscription = subscription
        .map(SubscriptionId::parse)
        .transpose()
        .context("--subscription")?;
    Ok(options)
}

/// Imports one file with a progress bar on a terminal (none when piped).
pub async fn import_file(
    store: &dyn Store,
    kind: ImportKind,
    path: &PathBuf,
    options: &ImportOptions,
) -> anyhow::Result<FileReport> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| path.display().to_string());
    let progress = if std::io::stderr().is_terminal() {
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let bar = ProgressBar::new(len);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(name.clone());
        bar
    } else {
        ProgressBar::hidden()
    };
    let reader = progress.wrap_read(file);
    let report = import_reader(
        store,
        kind,
        FileFormat::from_name(&name),
        &path.display().to_string(),
        reader,
        options,
    )
    .await?;
    progress.finish_and_clear();
    Ok(report)
}

pub fn report_json(kind: ImportKind, report: &FileReport) -> serde_json::Value {
    serde_json::json!({
        "file": report.file,
        "kind": kind.noun(),
        "new": report.counts.new,
        "updated": report.counts.updated,
        "unchanged": report.counts.unchanged,
        "rejected": report.n_rejected(),
        "customers_created": report.customers_created,
        "subscriptions_created": report.subscriptions_created,
        "problems": report.problems(),
    })
}

pub fn report_line(kind: ImportKind, report: &FileReport) -> String {
    let mut line = format!(
        "{}: {} new, {} updated, {} unchanged, {} rejected {}",
        report.file,
        report.counts.new,
        report.counts.updated,
        report.counts.unchanged,
        report.n_rejected(),
        kind.noun()
    );
    if !report.customers_created.is_empty() {
        line.push_str(&format!(
            "\n  {} customer(s) first seen in this file, created with status imported (not yet vetted)",
            report.customers_created.len()
        ));
    }
    if !report.subscriptions_created.is_empty() {
        line.push_str(&format!(
            "\n  {} subscription(s) first seen in this file, created",
            report.subscriptions_created.len()
        ));
    }
    line
}

pub async fn run(
    store: &dyn Store,
    kind: Kind,
    files: &[PathBuf],
    options: &ImportOptions,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let kind = ImportKind::from(kind);
    let mut reports = Vec::new();
    let mut any_rejected = false;
    for path in files {
        let report = import_file(store, kind, path, options).await?;
        for problem in report.problems() {
            eprintln!("{problem}");
        }
        any_rejected |= report.n_rejected() > 0;
        if json {
            reports.push(report_json(kind, &report));
        } else {
            println!("{}", report_line(kind, &report));
        }
    }
    if json {
        println!("{}", serde_json::Value::Array(reports));
    }
    Ok(if any_rejected {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
