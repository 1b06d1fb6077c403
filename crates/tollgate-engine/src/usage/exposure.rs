//! Live credit exposure: what a customer could cost the partner if it stopped paying now.
//! Exposure = open receivables + unbilled usage accrued this period + pending orders − deposits
//! (the provider's partner-credit formula, applied per customer), against the credit limit,
//! alerting at 70, 85 and 100 %.

use chrono::{Datelike, NaiveDate};
use tollgate_domain::money::{Currency, format_micros};
use tollgate_domain::monitoring::{AlertKind, Severity};

use crate::usage::budget::BudgetFinding;

/// The parts of one customer's exposure, in one currency (micro-units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExposureParts {
    pub open_receivables_micros: i64,
    pub unbilled_usage_micros: i64,
    pub pending_orders_micros: i64,
    pub deposits_micros: i64,
}

impl ExposureParts {
    /// The exposure: the parts summed, deposits subtracted (saturating, never wrapping).
    pub fn total_micros(&self) -> i64 {
        self.open_receivables_micros
            .saturating_add(self.unbilled_usage_micros)
            .saturating_add(self.pending_orders_micros)
            .saturating_sub(self.deposits_micros)
    }
}

/// Thresholds in percent of the credit limit.
pub const EXPOSURE_THRESHOLDS: [u32; 3] = [70, 85, 100];

/// Findings for an exposure against a credit limit, once per threshold and month.
pub fn evaluate(
    customer_id: &str,
    currency: Currency,
    parts: &ExposureParts,
    credit_limit_micros: i64,
    as_of: NaiveDate,
) -> Vec<BudgetFinding> {
    if credit_limit_micros <= 0 {
        return Vec::new();
    }
    let total = parts.total_micros();
    let percent = total as i128 * 100 / credit_limit_micros as i128;
    let month = format!("{:04}-{:02}", as_of.year(), as_of.month());
    let money = |micros: i64| format!("{} {currency}", format_micros(micros, 2));
    EXPOSURE_THRESHOLDS
        .iter()
        .filter(|t| percent >= **t as i128)
        .map(|t| BudgetFinding {
            kind: AlertKind::CreditExposure,
            severity: match t {
                70 => Severity::Medium,
                85 => Severity::High,
                _ => Severity::Critical,
            },
            dedup_key: format!("exposure:{customer_id}:{month}:{t}"),
            evidence: vec![
                ("exposure".to_string(), money(total)),
                ("credit_limit".to_string(), money(credit_limit_micros)),
                ("percent".to_string(), percent.to_string()),
                ("threshold".to_string(), format!("{t}%")),
                (
                    "open_receivables".to_string(),
                    money(parts.open_receivables_micros),
                ),
                (
                    "unbilled_usage".to_string(),
                    money(parts.unbilled_usage_micros),
                ),
                (
                    "pending_orders".to_string(),
                    money(parts.pending_orders_micros),
                ),
                ("deposits".to_string(), money(parts.deposits_micros)),
                (
                    "proposed_action".to_string(),
                    if *t >= 100 {
                        "refuse_new_purchases"
                    } else {
                        "notify"
                    }
                    .to_string(),
                ),
            ],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposure_sums_its_parts_and_alerts_by_threshold() {
        let parts = ExposureParts {
            open_receivables_micros: 600_000_000,
            unbilled_usage_micros: 300_000_000,
            pending_orders_micros: 50_000_000,
            deposits_micros: 100_000_000,
        };
        assert_eq!(parts.total_micros(), 850_000_000);
        let day = NaiveDate::from_ymd_opt(2026, 10, 31).expect("date");
        let found = evaluate("c1", Currency::EUR, &parts, 1_000_000_000, day);
        let keys: Vec<&str> = found.iter().map(|f| f.dedup_key.as_str()).collect();
        assert_eq!(keys, ["exposure:c1:2026-10:70", "exposure:c1:2026-10:85"]);
        assert!(
            found[1]
                .evidence
                .contains(&("exposure".to_string(), "850.00 EUR".to_string()))
        );
        assert!(
            evaluate("c1", Currency::EUR, &parts, 0, day).is_empty(),
            "no limit, no alert"
        );
        let over = evaluate("c1", Currency::EUR, &parts, 800_000_000, day);
        assert_eq!(over.last().map(|f| f.severity), Some(Severity::Critical));
    }

    proptest::proptest! {
        #[test]
        fn exposure_equals_the_sum_of_its_parts(
            receivables in 0i64..1_000_000_000_000,
            unbilled in 0i64..1_000_000_000_000,
            pending in 0i64..1_000_000_000_000,
            deposits in 0i64..1_000_000_000_000,
        ) {
            let parts = ExposureParts {
                open_receivables_micros: receivables,
                unbilled_usage_micros: unbilled,
                pending_orders_micros: pending,
                deposits_micros: deposits,
            };
            proptest::prop_assert_eq!(parts.total_micros(), receivables + unbilled + pending - deposits);
        }
    }
}
