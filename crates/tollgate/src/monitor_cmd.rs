//! `tollgate budgets set|list`, `tollgate monitor usage --as-of DATE` and
//! `tollgate alerts list [--kind K]`.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use tollgate_domain::ids::CustomerId;
use tollgate_domain::money::{Currency, Money};
use tollgate_domain::monitoring::{AlertKind, Budget};
use tollgate_domain::time::Clock;
use tollgate_domain::{SystemClock, TextEnum};
use tollgate_store::{Store, WriteMeta};

#[derive(Debug, Subcommand)]
pub enum BudgetsCommand {
    /// Set a customer's monthly budget (thresholds 50/75/90/100 %).
    Set {
        customer: String,
        /// Decimal amount, for example 2500.00
        amount: String,
        currency: String,
        /// Percent at which blocking new purchases is proposed (for example 120).
        #[arg(long)]
        enforce_at: Option<u32>,
    },
    /// List budgets.
    List,
}

#[derive(Debug, Subcommand)]
pub enum MonitorCommand {
    /// Evaluate budgets as of a day (default today, UTC); running it twice changes nothing.
    Usage {
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// List alerts, newest first.
    List {
        /// budget_threshold | budget_forecast | new_account_cap | spend_anomaly | …
        #[arg(long)]
        kind: Option<String>,
    },
}

fn meta(actor: &str) -> WriteMeta {
    WriteMeta {
        actor: actor.into(),
        at: SystemClock.now(),
        source: "cli".into(),
    }
}

pub async fn budgets(
    store: &dyn Store,
    command: &BudgetsCommand,
    json: bool,
) -> anyhow::Result<ExitCode> {
    match command {
        BudgetsCommand::Set {
            customer,
            amount,
            currency,
            enforce_at,
        } => {
            let customer_id = CustomerId::parse(customer).context("customer")?;
            if store.get_customer(&customer_id).await?.is_none() {
                anyhow::bail!("unknown customer '{customer}'");
            }
            let currency = Currency::parse(currency)?;
            let monthly_amount = Money::parse(amount, currency)?;
            anyhow::ensure!(monthly_amount.micros() > 0, "the budget must be positive");
            let budget = Budget {
                customer_id,
                monthly_amount,
                thresholds_percent: vec![50, 75, 90, 100],
                enforcement_percent: *enforce_at,
            };
            store.set_budget(&budget, &meta("system:cli")).await?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "customer_id": customer, "monthly_amount": monthly_amount.amount_text(), "currency": currency })
                );
            } else {
                println!("budget for {customer}: {monthly_amount} a month");
            }
        }
        BudgetsCommand::List => {
            let budgets = store.list_budgets().await?;
            if json {
                let list: Vec<_> = budgets
                    .iter()
                    .map(|b| {
                        serde_json::json!({
                            "customer_id": b.customer_id, "monthly_amount": b.monthly_amount.amount_text(),
                            "currency": b.monthly_amount.currency(), "thresholds_percent": b.thresholds_percent,
                            "enforcement_percent": b.enforcement_percent,
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(list));
            } else {
                for b in budgets {
                    println!("{:<40} {}", b.customer_id, b.monthly_amount);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn monitor(
    store: &dyn Store,
    command: &MonitorCommand,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let MonitorCommand::Usage { as_of } = command;
    let as_of = as_of.unwrap_or_else(|| SystemClock.now().date_utc());
    let report =
        tollgate_app::monitor::monitor_budgets(store, as_of, &meta("system:monitor")).await?;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "as_of": as_of, "budgets_evaluated": report.budgets_evaluated,
                "raised": report.raised, "already_raised": report.already_raised,
            })
        );
    } else {
        println!(
            "as of {as_of}: {} budgets evaluated, {} alerts raised, {} raised before",
            report.budgets_evaluated,
            report.raised.len(),
            report.already_raised
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn alerts(
    store: &dyn Store,
    command: &AlertsCommand,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let AlertsCommand::List { kind } = command;
    let kind = match kind {
        Some(text) => Some(AlertKind::parse_text(text).ok_or_else(|| {
            anyhow::anyhow!("--kind '{text}' is not one of {}", AlertKind::expected())
        })?),
        None => None,
    };
    let alerts = store.list_alerts(kind).await?;
    if json {
        let list: Vec<_> = alerts
            .iter()
            .map(|a| {
                serde_json::json!({
                    "id": a.id, "kind": a.kind, "severity": a.severity, "confidence": a.confidence,
                    "customer_id": a.customer_id, "subscription_id": a.subscription_id,
                    "first_seen": a.first_seen, "last_seen": a.last_seen, "evidence": a.evidence,
                    "status": a.status, "case_id": a.case_id,
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(list));
    } else {
        for a in alerts {
            let customer = a
                .customer_id
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".into());
            let evidence: Vec<String> =
                a.evidence.iter().map(|(k, v)| format!("{k}={v}")).collect();
            println!(
                "{} {:<18} {:<8} {customer} {}",
                a.id,
                a.kind.as_str(),
                a.severity.as_str(),
                evidence.join(" ")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn exposure_json(e: &tollgate_app::exposure::CustomerExposure) -> serde_json::Value {
    let money = |micros: i64| tollgate_domain::money::format_micros(micros, 2);
    serde_json::json!({
        "customer_id": e.customer_id,
        "currency": e.currency,
        "exposure": money(e.total_micros()),
        "open_receivables": money(e.parts.open_receivables_micros),
        "unbilled_usage": money(e.parts.unbilled_usage_micros),
        "pending_orders": money(e.parts.pending_orders_micros),
        "deposits": money(e.parts.deposits_micros),
        "credit_limit": e.credit_limit_micros.map(money),
        "percent_of_limit": e.percent(),
    })
}

/// `tollgate exposure [--customer ID] [--as-of DATE]`: one customer's exposure, or every
/// customer's, highest share of the credit limit first.
pub async fn exposure(
    store: &dyn Store,
    customer: Option<&str>,
    as_of: Option<chrono::NaiveDate>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let as_of = as_of.unwrap_or_else(|| SystemClock.now().date_utc());
    let mut found = Vec::new();
    match customer {
        Some(id) => {
            let id = CustomerId::parse(id).context("customer")?;
            let customer = store
                .get_customer(&id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("unknown customer '{id}'"))?;
            found.extend(tollgate_app::exposure::exposure_of(store, &customer, as_of).await?);
        }
        None => {
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
                    found
                        .extend(tollgate_app::exposure::exposure_of(store, customer, as_of).await?);
                }
            }
            found.sort_by_key(|e| std::cmp::Reverse((e.percent().unwrap_or(-1), e.total_micros())));
        }
    }
    if json {
        let list: Vec<_> = found.iter().map(exposure_json).collect();
        match customer {
            Some(_) => println!(
                "{}",
                list.into_iter().next().unwrap_or(serde_json::Value::Null)
            ),
            None => println!("{}", serde_json::Value::Array(list)),
        }
    } else {
        for e in &found {
            let percent = e
                .percent()
                .map(|p| format!("{p}% of limit"))
                .unwrap_or_else(|| "no limit".into());
            println!(
                "{:<40} {:>16} {}  ({percent}; receivables {}, unbilled {})",
                e.customer_id,
                tollgate_domain::money::format_micros(e.total_micros(), 2),
                e.currency,
                tollgate_domain::money::format_micros(e.parts.open_receivables_micros, 2),
                tollgate_domain::money::format_micros(e.parts.unbilled_usage_micros, 2),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
