//! Spend anomalies for customers with history: each day's compute (vCPU-hours), cost per meter
//! category, and regions, against the customer's own trailing 30 days. The baseline is the
//! median of the same weekday when there are at least three of them (weekly seasonality),
//! otherwise of all days; the spread is the median absolute deviation. Every finding states the
//! baseline, the observed value and the factor.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use tollgate_domain::monitoring::{AlertKind, Severity};

use crate::usage::budget::BudgetFinding;

/// One day of one customer's usage, summed over subscriptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayUsage {
    pub day: NaiveDate,
    pub meter_category: String,
    pub region: String,
    /// Cost in the customer's one currency (micro-units).
    pub cost_micros: i64,
    pub vcpu_hours_micros: i64,
}

/// Thresholds, with their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnomalyPolicy {
    /// Days with usage needed before a customer is judged against itself.
    pub min_history_days: usize,
    /// Observed must be at least this many times the baseline…
    pub min_factor: i64,
    /// …and above the baseline by this many scaled MADs (×10: 60 = 6.0).
    pub min_mads_x10: i64,
    /// Smallest jump worth an alert: 48 vCPU-hours (two vCPUs all day)…
    pub min_vcpu_hours_micros: i64,
    /// …or 50 units of the billing currency.
    pub min_cost_micros: i64,
}

impl Default for AnomalyPolicy {
    fn default() -> Self {
        AnomalyPolicy {
            min_history_days: 3,
            min_factor: 3,
            min_mads_x10: 60,
            min_vcpu_hours_micros: 48_000_000,
            min_cost_micros: 50_000_000,
        }
    }
}

fn median(values: &mut [i64]) -> i64 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    values[values.len() / 2]
}

/// The baseline (median) and spread (MAD) of a daily series before `as_of`, weekday-aware.
fn baseline(series: &BTreeMap<NaiveDate, i64>, days: &[NaiveDate], as_of: NaiveDate) -> (i64, i64) {
    let same_weekday: Vec<i64> = days
        .iter()
        .filter(|d| d.weekday() == as_of.weekday())
        .map(|d| *series.get(d).unwrap_or(&0))
        .collect();
    let mut values: Vec<i64> = if same_weekday.len() >= 3 {
        same_weekday
    } else {
        days.iter().map(|d| *series.get(d).unwrap_or(&0)).collect()
    };
    let center = median(&mut values);
    let mut deviations: Vec<i64> = values.iter().map(|v| (v - center).abs()).collect();
    (center, median(&mut deviations))
}

/// Findings for one customer on `as_of`, from its usage of the 30 days before and that day.
pub fn evaluate(
    customer_id: &str,
    usage: &[DayUsage],
    as_of: NaiveDate,
    policy: &AnomalyPolicy,
) -> Vec<BudgetFinding> {
    let start = as_of - chrono::Duration::days(30);
    let history_days: BTreeSet<NaiveDate> = usage
        .iter()
        .filter(|u| u.day >= start && u.day < as_of)
        .map(|u| u.day)
        .collect();
    if history_days.len() < policy.min_history_days {
        return Vec::new();
    }
    // The customer's own history: from its first day with usage in the window, so that the
    // days before an account existed do not count as days of zero use.
    let first = history_days.iter().next().copied().unwrap_or(start);
    let days: Vec<NaiveDate> = (0..30)
        .map(|i| start + chrono::Duration::days(i))
        .filter(|d| *d >= first && *d < as_of)
        .collect();
    let month = format!("{:04}-{:02}", as_of.year(), as_of.month());
    let mut vcpu: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    let mut by_category: BTreeMap<&str, BTreeMap<NaiveDate, i64>> = BTreeMap::new();
    let mut regions_before: BTreeSet<&str> = BTreeSet::new();
    let mut regions_today: BTreeMap<&str, i64> = BTreeMap::new();
    for u in usage.iter().filter(|u| u.day >= start && u.day <= as_of) {
        *vcpu.entry(u.day).or_default() += u.vcpu_hours_micros;
        *by_category
            .entry(u.meter_category.as_str())
            .or_default()
            .entry(u.day)
            .or_default() += u.cost_micros;
        if u.day < as_of {
            regions_before.insert(u.region.as_str());
        } else {
            *regions_today.entry(u.region.as_str()).or_default() += u.cost_micros;
        }
    }
    let mut findings = Vec::new();
    let mut judge = |signal: String,
                     series: &BTreeMap<NaiveDate, i64>,
                     minimum: i64,
                     unit: &str| {
        let observed = *series.get(&as_of).unwrap_or(&0);
        let (center, mad) = baseline(series, &days, as_of);
        let spread = mad * 14_826 / 10_000 * policy.min_mads_x10 / 10;
        let jump = observed - center;
        if jump >= minimum && observed >= center.saturating_mul(policy.min_factor) && jump > spread
        {
            let factor = if center > 0 {
                format!("{:.1}", observed as f64 / center as f64)
            } else {
                "new".into()
            };
            findings.push(BudgetFinding {
                kind: AlertKind::SpendAnomaly,
                severity: if center == 0 || observed >= center.saturating_mul(10) {
                    Severity::High
                } else {
                    Severity::Medium
                },
                dedup_key: format!("anomaly:{customer_id}:{month}:{signal}"),
                evidence: vec![
                    ("signal".to_string(), signal.clone()),
                    (
                        "baseline".to_string(),
                        format!(
                            "{} {unit}",
                            tollgate_domain::money::format_micros(center, 2)
                        ),
                    ),
                    (
                        "observed".to_string(),
                        format!(
                            "{} {unit}",
                            tollgate_domain::money::format_micros(observed, 2)
                        ),
                    ),
                    ("factor".to_string(), factor),
                    ("day".to_string(), as_of.to_string()),
                ],
            });
        }
    };
    judge(
        "compute".to_string(),
        &vcpu,
        policy.min_vcpu_hours_micros,
        "vCPU-hours",
    );
    for (category, series) in &by_category {
        judge(
            format!("cost:{category}"),
            series,
            policy.min_cost_micros,
            "cost",
        );
    }
    for (region, cost) in regions_today {
        if !region.is_empty() && !regions_before.contains(region) && cost >= policy.min_cost_micros
        {
            findings.push(BudgetFinding {
                kind: AlertKind::SpendAnomaly,
                severity: Severity::Medium,
                dedup_key: format!("anomaly:{customer_id}:{month}:region:{region}"),
                evidence: vec![
                    ("signal".to_string(), format!("new region {region}")),
                    ("baseline".to_string(), "0 cost".to_string()),
                    (
                        "observed".to_string(),
                        format!("{} cost", tollgate_domain::money::format_micros(cost, 2)),
                    ),
                    ("factor".to_string(), "new".to_string()),
                    ("day".to_string(), as_of.to_string()),
                ],
            });
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(day: NaiveDate, vcpu: i64, cost: i64, region: &str) -> DayUsage {
        DayUsage {
            day,
            meter_category: "Virtual Machines".into(),
            region: region.into(),
            cost_micros: cost * 1_000_000,
            vcpu_hours_micros: vcpu * 1_000_000,
        }
    }

    fn history(days: i64, vcpu: i64, cost: i64) -> Vec<DayUsage> {
        let end = NaiveDate::from_ymd_opt(2026, 10, 31).expect("date");
        (1..=days)
            .map(|i| {
                usage(
                    end - chrono::Duration::days(i),
                    vcpu + (i % 3),
                    cost,
                    "westeurope",
                )
            })
            .collect()
    }

    #[test]
    fn a_compute_jump_is_flagged_with_its_numbers_and_steady_use_is_not() {
        let as_of = NaiveDate::from_ymd_opt(2026, 10, 31).expect("date");
        let policy = AnomalyPolicy::default();
        let mut steady = history(30, 48, 20);
        steady.push(usage(as_of, 49, 21, "westeurope"));
        assert!(evaluate("c1", &steady, as_of, &policy).is_empty());
        let mut jumped = history(30, 48, 20);
        jumped.push(usage(as_of, 600, 250, "westeurope"));
        let findings = evaluate("c1", &jumped, as_of, &policy);
        let compute = findings
            .iter()
            .find(|f| f.dedup_key.ends_with(":compute"))
            .expect("compute jump");
        assert!(
            compute
                .evidence
                .contains(&("factor".to_string(), "12.2".to_string())),
            "{:?}",
            compute.evidence
        );
        assert!(
            findings
                .iter()
                .any(|f| f.dedup_key.ends_with(":cost:Virtual Machines"))
        );
    }

    #[test]
    fn a_new_region_is_flagged_and_thin_history_is_not_judged() {
        let as_of = NaiveDate::from_ymd_opt(2026, 10, 31).expect("date");
        let policy = AnomalyPolicy::default();
        let mut moved = history(30, 48, 20);
        moved.push(usage(as_of, 0, 80, "brazilsouth"));
        let findings = evaluate("c1", &moved, as_of, &policy);
        assert!(
            findings
                .iter()
                .any(|f| f.dedup_key.ends_with(":region:brazilsouth")),
            "{findings:?}"
        );
        let mut young = history(2, 48, 20);
        young.push(usage(as_of, 600, 250, "westeurope"));
        assert!(
            evaluate("c1", &young, as_of, &policy).is_empty(),
            "two days are no history: the caps' job"
        );
        // Days before the account's first usage are not days of zero use.
        let mut recent = history(5, 240, 12);
        recent.push(usage(as_of, 240, 12, "westeurope"));
        assert!(
            evaluate("c1", &recent, as_of, &policy).is_empty(),
            "steady since it began"
        );
    }
}
