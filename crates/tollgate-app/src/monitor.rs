//! `monitor usage --as-of DATE`: evaluates every customer's monthly budget against the month's
//! usage up to that day, every new account's spend against its tier's caps, every customer's
//! usage against its own history, and every credit limit against the live exposure, and raises
//! what crossed. Alerts are keyed per customer, threshold and period, so running it twice, or day
//! after day, raises each crossing once.

use chrono::{Datelike, NaiveDate};
use tollgate_domain::money::Currency;
use tollgate_domain::time::Timestamp;
use tollgate_engine::usage::{anomaly, budget, caps};
use tollgate_store::{CustomerQuery, NewAlert, Store, StoreResult, WriteMeta};

/// What a monitoring run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonitorReport {
    pub budgets_evaluated: usize,
    /// Alerts raised by this run (not raised before).
    pub raised: Vec<String>,
    /// Findings already raised earlier this month.
    pub already_raised: usize,
}

/// Evaluates budgets as of the end of `as_of`.
pub async fn monitor_budgets(
    store: &dyn Store,
    as_of: NaiveDate,
    meta: &WriteMeta,
) -> StoreResult<MonitorReport> {
    let mut report = MonitorReport::default();
    let month_start = as_of.with_day(1).unwrap_or(as_of);
    let seen_at = Timestamp::start_of_day(as_of).plus_millis(86_400_000 - 1);
    let mut alerts = Vec::new();
    for budget in store.list_budgets().await? {
        report.budgets_evaluated += 1;
        let spend = store
            .usage_spend(
                &budget.customer_id,
                budget.monthly_amount.currency(),
                month_start,
                as_of,
            )
            .await?;
        for finding in budget::evaluate(&budget, spend, as_of) {
            alerts.push(NewAlert {
                dedup_key: finding.dedup_key,
                kind: finding.kind,
                severity: finding.severity,
                confidence: 100,
                customer_id: Some(budget.customer_id.clone()),
                subscription_id: None,
                first_seen: seen_at,
                last_seen: seen_at,
                evidence: finding.evidence,
            });
        }
    }
    alerts.extend(new_account_caps(store, as_of, seen_at, &caps::CapPolicy::default()).await?);
    alerts
        .extend(spend_anomalies(store, as_of, seen_at, &anomaly::AnomalyPolicy::default()).await?);
    alerts.extend(credit_exposure(store, as_of, seen_at).await?);
    let raised = store.raise_alerts(&alerts, meta).await?;
    report.already_raised = alerts.len() - raised.len();
    report.raised = raised;
    Ok(report)
}

/// New accounts over their tier's daily or monthly cap. A customer whose billing currency is
/// unknown (first seen in a provider file) is checked in every capped currency.
async fn new_account_caps(
    store: &dyn Store,
    as_of: NaiveDate,
    seen_at: Timestamp,
    policy: &caps::CapPolicy,
) -> StoreResult<Vec<NewAlert>> {
    let month_start = as_of.with_day(1).unwrap_or(as_of);
    let capped: Vec<Currency> = {
        let mut all: Vec<Currency> = policy.caps.iter().map(|(c, _, _)| *c).collect();
        all.sort();
        all.dedup();
        all
    };
    let mut alerts = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_customers(&CustomerQuery {
                after_id: after.clone(),
                limit: 1000,
                ..Default::default()
            })
            .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.to_string());
        for customer in &page {
            let age_days = (seen_at.millis() - customer.created_at.millis()) / 86_400_000;
            if age_days >= policy.new_account_days {
                continue;
            }
            let currencies = match customer.currency {
                Some(currency) => vec![currency],
                None => capped.clone(),
            };
            for currency in currencies {
                let day_micros = store
                    .usage_spend(&customer.id, currency, as_of, as_of)
                    .await?;
                let month_micros = store
                    .usage_spend(&customer.id, currency, month_start, as_of)
                    .await?;
                let spend = caps::AccountSpend {
                    customer_id: customer.id.as_str(),
                    tier: customer.risk_tier,
                    age_days,
                    currency,
                    day_micros,
                    month_micros,
                };
                for finding in caps::evaluate(&spend, as_of, policy) {
                    alerts.push(NewAlert {
                        dedup_key: finding.dedup_key,
                        kind: finding.kind,
                        severity: finding.severity,
                        confidence: 100,
                        customer_id: Some(customer.id.clone()),
                        subscription_id: None,
                        first_seen: seen_at,
                        last_seen: seen_at,
                        evidence: finding.evidence,
                    });
                }
            }
        }
    }
    Ok(alerts)
}

/// Spend anomalies of every customer with usage in the 30 days before `as_of`, per currency.
async fn spend_anomalies(
    store: &dyn Store,
    as_of: NaiveDate,
    seen_at: Timestamp,
    policy: &anomaly::AnomalyPolicy,
) -> StoreResult<Vec<NewAlert>> {
    let from = as_of - chrono::Duration::days(30);
    let mut alerts = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_customers(&CustomerQuery {
                after_id: after.clone(),
                limit: 1000,
                ..Default::default()
            })
            .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.to_string());
        for customer in &page {
            let daily = store.daily_usage(&customer.id, from, as_of).await?;
            let mut by_currency: std::collections::BTreeMap<Currency, Vec<anomaly::DayUsage>> =
                Default::default();
            for d in daily {
                by_currency
                    .entry(d.key.currency)
                    .or_default()
                    .push(anomaly::DayUsage {
                        day: d.key.day,
                        meter_category: d.key.meter_category.to_string(),
                        region: d.key.region.to_string(),
                        cost_micros: d.cost_micros,
                        vcpu_hours_micros: d.vcpu_hours_micros,
                    });
            }
            for usage in by_currency.values() {
                for finding in anomaly::evaluate(customer.id.as_str(), usage, as_of, policy) {
                    alerts.push(NewAlert {
                        dedup_key: finding.dedup_key,
                        kind: finding.kind,
                        severity: finding.severity,
                        confidence: 80,
                        customer_id: Some(customer.id.clone()),
                        subscription_id: None,
                        first_seen: seen_at,
                        last_seen: seen_at,
                        evidence: finding.evidence,
                    });
                }
            }
        }
    }
    Ok(alerts)
}

/// Customers with a credit limit whose exposure crossed 70, 85 or 100 % of it.
async fn credit_exposure(
    store: &dyn Store,
    as_of: NaiveDate,
    seen_at: Timestamp,
) -> StoreResult<Vec<NewAlert>> {
    let mut alerts = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_customers(&CustomerQuery {
                after_id: after.clone(),
                limit: 1000,
                ..Default::default()
            })
            .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.to_string());
        for customer in page.iter().filter(|c| c.credit_limit.is_some()) {
            let Some(exposure) = crate::exposure::exposure_of(store, customer, as_of).await? else {
                continue;
            };
            let Some(limit) = exposure.credit_limit_micros else {
                continue;
            };
            let findings = tollgate_engine::usage::exposure::evaluate(
                customer.id.as_str(),
                exposure.currency,
                &exposure.parts,
                limit,
                as_of,
            );
            for finding in findings {
                alerts.push(NewAlert {
                    dedup_key: finding.dedup_key,
                    kind: finding.kind,
                    severity: finding.severity,
                    confidence: 100,
                    customer_id: Some(customer.id.clone()),
                    subscription_id: None,
                    first_seen: seen_at,
                    last_seen: seen_at,
                    evidence: finding.evidence,
                });
            }
        }
    }
    Ok(alerts)
}
