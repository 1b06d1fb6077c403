//! The book simulator: a deterministic, realistic reseller book for demos, tests and
//! benchmarks, with the ground truth of who behaves how.
//!
//! [`simulate`] writes into one directory what a partner's risk desk sees of its book —
//! customers and subscriptions as native NDJSON, Partner Center's daily rated usage and
//! invoice reconciliation CSVs (`../shared/spec/formats.md`), payments as NDJSON — and
//! `truth.json`, the behaviours it planted: good payers, late payers, defaulters, budget
//! busters, steady customers, and compute jumps.
//!
//! Billing follows the calendar: each customer gets one invoice for every calendar month whose
//! last day falls within the period (for the month of the period's first day when no month
//! ends within it), issued the day after the month ends and due [`PAYMENT_TERMS_DAYS`] later.
//! Payments are kept only up to the end date, so a 30-day period ending on the last day of a
//! month has invoices but no payments yet; a period that reaches back into the previous month
//! shows good payers settling that month's invoice.
//!
//! Architecture invariants:
//! - Same [`SimConfig`], byte-identical files. Randomness comes from seeded ChaCha streams
//!   (one per customer and concern), dates from [`SimConfig::end_date`], never from the wall
//!   clock, and nothing iterates a hash map.
//! - Money never touches a float: quantities and prices are integer micro-units, products are
//!   computed in `i128` and rounded half to even, VAT is rounded to cents the same way.
//! - Everything written parses with `tollgate-formats`' readers without a single error.
//! - The simulator streams: rows go straight to buffered writers, one customer at a time.

mod book;
mod calendar;
mod catalog;
mod decimal;
mod geo;
mod invoices;
mod names;
mod payments;
mod rng;
mod truth;
mod usage;

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::calendar::Period;
use crate::rng::Part;

/// Days between an invoice's issue date and its due date.
pub const PAYMENT_TERMS_DAYS: i64 = 30;

/// The files [`simulate`] writes, in the order it writes them.
pub const OUTPUT_FILES: [&str; 6] = [
    "customers.ndjson",
    "subscriptions.ndjson",
    "usage.csv",
    "invoices.csv",
    "payments.ndjson",
    "truth.json",
];

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    pub customers: usize,
    pub days: u32,
    pub seed: u64,
    /// The last simulated day, inclusive.
    pub end_date: NaiveDate,
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            customers: 1000,
            days: 30,
            seed: 42,
            end_date: default_end_date(),
        }
    }
}

/// How much was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct SimSummary {
    pub customers: usize,
    pub subscriptions: usize,
    pub usage_rows: usize,
    pub invoice_lines: usize,
    pub payments: usize,
}

/// Why a simulation could not run or could not write its files.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("invalid simulation config: {0}")]
    InvalidConfig(String),
    #[error("cannot create output directory {path}: {source}")]
    CreateDir { path: PathBuf, source: io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
}

/// The fixed last day simulations end on unless told otherwise, so runs do not depend on
/// when they run.
pub fn default_end_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 31).unwrap_or(NaiveDate::MIN)
}

/// The reseller whose book is simulated, and the period it is simulated over.
pub(crate) struct Partner {
    pub partner_id: String,
    pub partner_name: &'static str,
    pub mpn_id: String,
    invoice_base: usize,
    n_customers: usize,
    pub period: Period,
}

impl Partner {
    /// The invoice number of every month of the period for one customer: `G0` and eight
    /// digits, unique per customer and month; empty for months not invoiced.
    fn invoice_numbers(&self, customer_idx: usize) -> Vec<String> {
        self.period
            .months
            .iter()
            .enumerate()
            .map(|(month_idx, month)| {
                if month.invoiced {
                    let serial =
                        self.invoice_base + month_idx * self.n_customers.max(1) + customer_idx;
                    format!("G0{serial:08}")
                } else {
                    String::new()
                }
            })
            .collect()
    }
}

/// One output file: its path (for error messages) and a buffered writer.
struct Output {
    path: PathBuf,
}

impl Output {
    fn create(out_dir: &Path, name: &str) -> Result<(Output, BufWriter<File>), SimError> {
        let path = out_dir.join(name);
        let file = File::create(&path).map_err(|source| SimError::Write {
            path: path.clone(),
            source,
        })?;
        Ok((Output { path }, BufWriter::with_capacity(1 << 20, file)))
    }

    fn err(&self) -> impl Fn(io::Error) -> SimError + '_ {
        move |source| SimError::Write {
            path: self.path.clone(),
            source,
        }
    }
}

/// Writes one record as a line of JSON.
fn write_json_line<T: Serialize>(writer: &mut impl Write, record: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *writer, record)?;
    writer.write_all(b"\n")
}

/// Simulates the book described by `config` into `out_dir` (created when missing): see the
/// crate documentation for the files.
pub fn simulate(config: &SimConfig, out_dir: &Path) -> Result<SimSummary, SimError> {
    simulate_with_progress(config, out_dir, &mut |_, _| {})
}

/// [`simulate`], calling `progress(customers_done, customers_total)` after each customer, for
/// a progress bar.
pub fn simulate_with_progress(
    config: &SimConfig,
    out_dir: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<SimSummary, SimError> {
    if config.days == 0 {
        return Err(SimError::InvalidConfig(
            "days must be at least 1".to_string(),
        ));
    }
    let start = config
        .end_date
        .checked_sub_days(Days::new(u64::from(config.days) - 1))
        .ok_or_else(|| {
            SimError::InvalidConfig(format!(
                "{} days before {} is out of the calendar",
                config.days, config.end_date
            ))
        })?;
    fs::create_dir_all(out_dir).map_err(|source| SimError::CreateDir {
        path: out_dir.to_path_buf(),
        source,
    })?;

    let n_customers = config.customers;
    let mut book_rng = rng::book_rng(config.seed);
    let partner = Partner {
        partner_id: rng::guid(&mut book_rng),
        partner_name: "Tollgate Demo Reseller s.r.o.",
        mpn_id: rng::between(&mut book_rng, 1_000_000, 6_999_999).to_string(),
        invoice_base: rng::between(&mut book_rng, 10_000_000, 29_999_999) as usize,
        n_customers,
        period: Period::new(start, config.end_date),
    };
    let labels = book::deal_labels(&mut book_rng, n_customers);
    let jump_flags = book::pick_compute_jumps(&mut book_rng, &labels);
    let mut registry = book::Registry::default();
    let customers: Vec<book::SimCustomer> = (0..n_customers)
        .map(|idx| {
            book::customer(
                config.seed,
                idx,
                labels[idx],
                jump_flags[idx],
                config.end_date,
                &mut registry,
            )
        })
        .collect();

    let mut summary = SimSummary {
        customers: n_customers,
        ..SimSummary::default()
    };

    let (out, mut writer) = Output::create(out_dir, "customers.ndjson")?;
    for customer in &customers {
        write_json_line(&mut writer, &customer.record).map_err(out.err())?;
    }
    writer.flush().map_err(out.err())?;

    let (out, mut writer) = Output::create(out_dir, "subscriptions.ndjson")?;
    for subscription in customers.iter().flat_map(|c| &c.subscriptions) {
        write_json_line(&mut writer, &subscription.record).map_err(out.err())?;
        summary.subscriptions += 1;
    }
    writer.flush().map_err(out.err())?;

    let (usage_out, usage_writer) = Output::create(out_dir, "usage.csv")?;
    let mut usage = usage::UsageWriter::new(usage_writer).map_err(usage_out.err())?;
    let (invoice_out, invoice_writer) = Output::create(out_dir, "invoices.csv")?;
    let mut invoices = invoices::InvoiceWriter::new(invoice_writer).map_err(invoice_out.err())?;
    let (payment_out, mut payment_writer) = Output::create(out_dir, "payments.ndjson")?;
    let mut compute_jumps = Vec::new();

    for customer in &customers {
        let invoice_numbers = partner.invoice_numbers(customer.idx);
        let mut usage_rng = rng::customer_rng(config.seed, customer.idx, Part::Usage);
        let mut billing_rng = rng::customer_rng(config.seed, customer.idx, Part::Billing);
        let azure_totals = match customer.azure_plan() {
            Some(plan) => {
                let (totals, jump) = usage
                    .write_plan(&mut usage_rng, &partner, customer, plan, &invoice_numbers)
                    .map_err(usage_out.err())?;
                compute_jumps.extend(jump);
                totals
            }
            None => vec![0; partner.period.months.len()],
        };
        let customer_invoices = invoices
            .write_customer(
                &mut billing_rng,
                &partner,
                customer,
                &invoice_numbers,
                &azure_totals,
            )
            .map_err(invoice_out.err())?;
        for payment in payments::payments(
            &mut billing_rng,
            customer,
            &customer_invoices,
            config.end_date,
        ) {
            write_json_line(&mut payment_writer, &payment).map_err(payment_out.err())?;
            summary.payments += 1;
        }
        progress(customer.idx + 1, n_customers);
    }

    summary.usage_rows = usage.rows();
    summary.invoice_lines = invoices.lines();
    usage
        .into_inner()
        .and_then(|mut w| w.flush())
        .map_err(usage_out.err())?;
    invoices
        .into_inner()
        .and_then(|mut w| w.flush())
        .map_err(invoice_out.err())?;
    payment_writer.flush().map_err(payment_out.err())?;

    let (out, mut writer) = Output::create(out_dir, "truth.json")?;
    let truth = truth::Truth::new(config, &customers, &compute_jumps);
    serde_json::to_writer_pretty(&mut writer, &truth)
        .map_err(io::Error::from)
        .and_then(|()| writer.write_all(b"\n"))
        .and_then(|()| writer.flush())
        .map_err(out.err())?;

    Ok(summary)
}
