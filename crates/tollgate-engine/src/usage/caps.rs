//! New-account caps: customers younger than a configured age get a daily and a monthly
//! spending cap from their risk tier. No history is needed, so this protects the partner before
//! any baseline exists. Crossing a cap is found once per customer and day (daily) or month
//! (monthly).

use chrono::{Datelike, NaiveDate};
use tollgate_domain::customer::RiskTier;
use tollgate_domain::money::{Currency, format_micros};
use tollgate_domain::monitoring::{AlertKind, Severity};

use crate::usage::budget::BudgetFinding;

/// Daily and monthly caps of one tier, in micro-units of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub daily_micros: i64,
    pub monthly_micros: i64,
}

/// Caps per tier and currency, and the age below which an account is new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapPolicy {
    pub new_account_days: i64,
    /// (currency, tier) → caps. A currency without caps is not capped.
    pub caps: Vec<(Currency, RiskTier, Caps)>,
}

const fn caps(daily: i64, monthly: i64) -> Caps {
    Caps {
        daily_micros: daily * 1_000_000,
        monthly_micros: monthly * 1_000_000,
    }
}

impl Default for CapPolicy {
    /// Defaults: EUR and USD alike, CZK at 25× (whole units): low 1,000/day and 10,000/month,
    /// medium 300/3,000, high 100/1,000, critical 20/200.
    fn default() -> Self {
        let tiers = [
            (RiskTier::Low, 1_000, 10_000),
            (RiskTier::Medium, 300, 3_000),
            (RiskTier::High, 100, 1_000),
            (RiskTier::Critical, 20, 200),
        ];
        let mut table = Vec::new();
        for (currency, factor) in [(Currency::EUR, 1), (Currency::USD, 1), (Currency::CZK, 25)] {
            for (tier, daily, monthly) in tiers {
                table.push((currency, tier, caps(daily * factor, monthly * factor)));
            }
        }
        CapPolicy {
            new_account_days: 60,
            caps: table,
        }
    }
}

impl CapPolicy {
    pub fn caps_for(&self, currency: Currency, tier: RiskTier) -> Option<Caps> {
        self.caps
            .iter()
            .find(|(c, t, _)| *c == currency && *t == tier)
            .map(|(_, _, caps)| *caps)
    }
}

/// One account's spend in one currency, on a day and in its month so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSpend<'a> {
    pub customer_id: &'a str,
    pub tier: RiskTier,
    pub age_days: i64,
    pub currency: Currency,
    pub day_micros: i64,
    pub month_micros: i64,
}

/// Checks one new account's spend on `as_of` and in its month so far.
pub fn evaluate(
    spend: &AccountSpend<'_>,
    as_of: NaiveDate,
    policy: &CapPolicy,
) -> Vec<BudgetFinding> {
    let AccountSpend {
        customer_id,
        tier,
        age_days,
        currency,
        day_micros,
        month_micros,
    } = *spend;
    if age_days >= policy.new_account_days {
        return Vec::new();
    }
    let Some(caps) = policy.caps_for(currency, tier) else {
        return Vec::new();
    };
    let money = |micros: i64| format!("{} {currency}", format_micros(micros, 2));
    let finding = |period: &str, key: String, spend: i64, cap: i64| BudgetFinding {
        kind: AlertKind::NewAccountCap,
        severity: if spend >= cap * 2 {
            Severity::Critical
        } else {
            Severity::High
        },
        dedup_key: key,
        evidence: vec![
            ("period".to_string(), period.to_string()),
            ("spend".to_string(), money(spend)),
            ("cap".to_string(), money(cap)),
            ("risk_tier".to_string(), tier.to_string()),
            ("account_age_days".to_string(), age_days.to_string()),
            ("as_of".to_string(), as_of.to_string()),
        ],
    };
    let mut findings = Vec::new();
    if day_micros > caps.daily_micros {
        findings.push(finding(
            "day",
            format!("cap:{customer_id}:{as_of}:daily:{currency}"),
            day_micros,
            caps.daily_micros,
        ));
    }
    if month_micros > caps.monthly_micros {
        let month = format!("{:04}-{:02}", as_of.year(), as_of.month());
        findings.push(finding(
            "month",
            format!("cap:{customer_id}:{month}:monthly:{currency}"),
            month_micros,
            caps.monthly_micros,
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, 12).expect("date")
    }

    fn spend(
        tier: RiskTier,
        age_days: i64,
        currency: Currency,
        day_units: i64,
        month_units: i64,
    ) -> AccountSpend<'static> {
        AccountSpend {
            customer_id: "c1",
            tier,
            age_days,
            currency,
            day_micros: day_units * 1_000_000,
            month_micros: month_units * 1_000_000,
        }
    }

    #[test]
    fn new_accounts_are_capped_by_tier_and_old_ones_are_not() {
        let policy = CapPolicy::default();
        let found = evaluate(
            &spend(RiskTier::High, 10, Currency::EUR, 150, 150),
            day(),
            &policy,
        );
        assert_eq!(
            found.len(),
            1,
            "over the 100 daily cap, under the 1,000 monthly one"
        );
        assert_eq!(found[0].dedup_key, "cap:c1:2026-10-12:daily:EUR");
        assert!(
            found[0]
                .evidence
                .contains(&("cap".to_string(), "100.00 EUR".to_string()))
        );
        let both = evaluate(
            &spend(RiskTier::High, 10, Currency::EUR, 250, 1_200),
            day(),
            &policy,
        );
        assert_eq!(both.len(), 2);
        assert_eq!(
            both[0].severity,
            Severity::Critical,
            "more than twice the cap"
        );
        assert!(
            evaluate(
                &spend(RiskTier::High, 60, Currency::EUR, 250, 1_200),
                day(),
                &policy
            )
            .is_empty()
        );
        assert!(
            evaluate(
                &spend(RiskTier::Low, 10, Currency::EUR, 250, 1_200),
                day(),
                &policy
            )
            .is_empty()
        );
        let czk = evaluate(
            &spend(RiskTier::High, 10, Currency::CZK, 2_000, 2_000),
            day(),
            &policy,
        );
        assert!(czk.is_empty(), "2,000 CZK is under the 2,500 CZK daily cap");
    }
}
