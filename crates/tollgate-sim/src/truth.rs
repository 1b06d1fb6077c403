//! `truth.json`: the ground truth the simulator planted, for scoring detectors against.

use serde::Serialize;

use crate::book::{Label, SimCustomer};
use crate::usage::ComputeJump;

/// The customers of each behaviour, ids sorted.
#[derive(Debug, Default, Serialize)]
struct Labels<'a> {
    good_payer: Vec<&'a str>,
    late_payer: Vec<&'a str>,
    defaulter: Vec<&'a str>,
    budget_buster: Vec<&'a str>,
    steady: Vec<&'a str>,
}

#[derive(Debug, Serialize)]
struct Jump<'a> {
    customer_id: &'a str,
    subscription_id: &'a str,
    from: String,
}

#[derive(Debug, Serialize)]
pub struct Truth<'a> {
    seed: u64,
    customers: usize,
    days: u32,
    end_date: String,
    labels: Labels<'a>,
    compute_jumps: Vec<Jump<'a>>,
}

impl<'a> Truth<'a> {
    pub fn new(
        config: &crate::SimConfig,
        customers: &'a [SimCustomer],
        jumps: &'a [ComputeJump],
    ) -> Truth<'a> {
        let mut labels = Labels::default();
        for customer in customers {
            let list = match customer.label {
                Label::GoodPayer => &mut labels.good_payer,
                Label::LatePayer => &mut labels.late_payer,
                Label::Defaulter => &mut labels.defaulter,
                Label::BudgetBuster => &mut labels.budget_buster,
                Label::Steady => &mut labels.steady,
            };
            list.push(customer.id());
        }
        for list in [
            &mut labels.good_payer,
            &mut labels.late_payer,
            &mut labels.defaulter,
            &mut labels.budget_buster,
            &mut labels.steady,
        ] {
            list.sort_unstable();
        }
        let mut compute_jumps: Vec<Jump<'a>> = jumps
            .iter()
            .map(|jump| Jump {
                customer_id: &jump.customer_id,
                subscription_id: &jump.subscription_id,
                from: jump.from.format("%Y-%m-%d").to_string(),
            })
            .collect();
        compute_jumps.sort_by(|a, b| {
            (a.customer_id, a.subscription_id).cmp(&(b.customer_id, b.subscription_id))
        });
        Truth {
            seed: config.seed,
            customers: customers.len(),
            days: config.days,
            end_date: config.end_date.format("%Y-%m-%d").to_string(),
            labels,
            compute_jumps,
        }
    }
}
