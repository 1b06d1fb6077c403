//! `monitor usage --as-of DATE`: evaluates every customer's monthly budget against the month's
//! usage up to that day and raises what crossed. Alerts are keyed per customer, threshold and
//! month, so running it twice, or day after day, raises each crossing once.

use chrono::{Datelike, NaiveDate};
use tollgate_domain::time::Timestamp;
use tollgate_engine::usage::budget;
use tollgate_store::{NewAlert, Store, StoreResult, WriteMeta};

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
    let raised = store.raise_alerts(&alerts, meta).await?;
    report.already_raised = alerts.len() - raised.len();
    report.raised = raised;
    Ok(report)
}
