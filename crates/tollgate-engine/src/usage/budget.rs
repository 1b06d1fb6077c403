//! Monthly budgets: which thresholds a customer's month-to-date spend has crossed, and whether
//! the month-end projection crosses 100 %. Each finding carries its numbers and a key that is
//! the same every time it is found again, so it alerts once per customer, threshold and month.

use chrono::{Datelike, NaiveDate};
use tollgate_domain::monitoring::{AlertKind, Budget, Severity};

/// A budget finding, ready to become an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetFinding {
    pub kind: AlertKind,
    pub severity: Severity,
    /// `budget:<customer>:<YYYY-MM>:<threshold>` or `…:forecast`: one alert per key.
    pub dedup_key: String,
    /// Name → value text: budget, spend, percent, threshold, projection, as of.
    pub evidence: Vec<(String, String)>,
}

/// Days in the month of `date`.
pub fn days_in_month(date: NaiveDate) -> u32 {
    let first_next = if date.month() == 12 {
        NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(date.year(), date.month() + 1, 1)
    };
    first_next
        .map(|d| (d - chrono::Duration::days(1)).day())
        .unwrap_or(30)
}

fn percent_of(spend: i64, budget: i64) -> i128 {
    if budget <= 0 {
        0
    } else {
        spend as i128 * 100 / budget as i128
    }
}

fn severity_for(threshold: u32) -> Severity {
    match threshold {
        0..=74 => Severity::Low,
        75..=89 => Severity::Medium,
        90..=99 => Severity::High,
        _ => Severity::Critical,
    }
}

/// Evaluates one customer's budget against its month-to-date spend (micro-units, in the
/// budget's currency) as of the end of `as_of`.
pub fn evaluate(
    budget: &Budget,
    month_to_date_micros: i64,
    as_of: NaiveDate,
) -> Vec<BudgetFinding> {
    let amount = budget.monthly_amount.micros();
    let currency = budget.monthly_amount.currency();
    let month = format!("{:04}-{:02}", as_of.year(), as_of.month());
    let percent = percent_of(month_to_date_micros, amount);
    let money = |micros: i64| {
        format!(
            "{} {currency}",
            tollgate_domain::money::format_micros(micros, 2)
        )
    };
    let base = |threshold: &str| {
        vec![
            ("budget".to_string(), money(amount)),
            ("month_to_date".to_string(), money(month_to_date_micros)),
            ("percent".to_string(), percent.to_string()),
            ("threshold".to_string(), threshold.to_string()),
            ("as_of".to_string(), as_of.to_string()),
        ]
    };
    let mut findings: Vec<BudgetFinding> = budget
        .thresholds_percent
        .iter()
        .filter(|t| percent >= **t as i128)
        .map(|t| BudgetFinding {
            kind: tollgate_domain::monitoring::AlertKind::BudgetThreshold,
            severity: severity_for(*t),
            dedup_key: format!("budget:{}:{month}:{t}", budget.customer_id),
            evidence: base(&format!("{t}%")),
        })
        .collect();
    // Projection: the month so far, spread over the whole month (days elapsed include as_of).
    let elapsed = as_of.day() as i128;
    let projected = month_to_date_micros as i128 * days_in_month(as_of) as i128 / elapsed.max(1);
    let projected = i64::try_from(projected).unwrap_or(i64::MAX);
    if percent < 100 && percent_of(projected, amount) >= 100 {
        let mut evidence = base("forecast 100%");
        evidence.push(("projected_month_end".to_string(), money(projected)));
        evidence.push((
            "projected_percent".to_string(),
            percent_of(projected, amount).to_string(),
        ));
        findings.push(BudgetFinding {
            kind: AlertKind::BudgetForecast,
            severity: Severity::Medium,
            dedup_key: format!("budget:{}:{month}:forecast", budget.customer_id),
            evidence,
        });
    }
    if let Some(enforce) = budget.enforcement_percent
        && percent >= enforce as i128
    {
        let mut evidence = base(&format!("enforcement {enforce}%"));
        evidence.push(("proposed_action".to_string(), "block_orders".to_string()));
        findings.push(BudgetFinding {
            kind: AlertKind::BudgetThreshold,
            severity: Severity::Critical,
            dedup_key: format!("budget:{}:{month}:enforce", budget.customer_id),
            evidence,
        });
    }
    findings
}

#[cfg(test)]
mod tests {
    use tollgate_domain::ids::CustomerId;
    use tollgate_domain::money::{Currency, Money};

    use super::*;

    fn budget(amount: i64) -> Budget {
        Budget {
            customer_id: CustomerId::parse("c1").expect("id"),
            monthly_amount: Money::from_micros(amount, Currency::EUR),
            thresholds_percent: vec![50, 75, 90, 100],
            enforcement_percent: Some(120),
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
    }

    #[test]
    fn thresholds_cross_in_order_and_keys_repeat_for_the_month() {
        let keys = |spend: i64, d: u32| -> Vec<String> {
            evaluate(&budget(1_000_000_000), spend, day(d))
                .into_iter()
                .map(|f| f.dedup_key)
                .collect()
        };
        assert!(keys(400_000_000, 30).is_empty());
        assert_eq!(keys(500_000_000, 30), ["budget:c1:2026-11:50"]);
        assert_eq!(
            keys(950_000_000, 30),
            [
                "budget:c1:2026-11:50",
                "budget:c1:2026-11:75",
                "budget:c1:2026-11:90"
            ]
        );
        let over = keys(1_250_000_000, 30);
        assert!(over.contains(&"budget:c1:2026-11:100".to_string()));
        assert!(over.contains(&"budget:c1:2026-11:enforce".to_string()));
    }

    #[test]
    fn the_forecast_projects_the_month_and_states_its_numbers() {
        // 400 of 1000 spent by the 10th of a 30-day month: 1,200 projected.
        let findings = evaluate(&budget(1_000_000_000), 400_000_000, day(10));
        let forecast = findings
            .iter()
            .find(|f| f.kind == AlertKind::BudgetForecast)
            .expect("forecast");
        assert!(
            forecast
                .evidence
                .contains(&("projected_month_end".to_string(), "1200.00 EUR".to_string()))
        );
        assert!(
            forecast
                .evidence
                .contains(&("projected_percent".to_string(), "120".to_string()))
        );
        // 200 by the 10th projects 600: no forecast.
        assert!(evaluate(&budget(1_000_000_000), 200_000_000, day(10)).is_empty());
    }

    #[test]
    fn month_lengths() {
        assert_eq!(
            days_in_month(NaiveDate::from_ymd_opt(2028, 2, 10).expect("date")),
            29
        );
        assert_eq!(
            days_in_month(NaiveDate::from_ymd_opt(2026, 12, 31).expect("date")),
            31
        );
    }
}
