//! The payments customers make against their invoices, by behaviour: good payers pay in full
//! a few days early, late payers weeks late and sometimes in two parts, defaulters next to
//! nothing. Only payments received by the end of the period are kept.

use chrono::NaiveDate;
use tollgate_domain::billing::PaymentMethod;
use tollgate_formats::native::PaymentRecord;

use crate::book::{Label, SimCustomer};
use crate::calendar::{add_days, instant};
use crate::decimal;
use crate::invoices::SimInvoice;
use crate::rng::{self, SimRng};

/// One payment before it becomes a record.
struct Planned {
    invoice_idx: usize,
    on: NaiveDate,
    amount_micros: i64,
}

/// A share of an invoice total in whole cents, never below one cent.
fn share(total_micros: i64, percent: i64) -> i64 {
    decimal::round_to_cents(decimal::scale(total_micros, percent, 100)).max(decimal::CENT)
}

/// The customer's payments, in the order they were received.
pub fn payments(
    rng: &mut SimRng,
    customer: &SimCustomer,
    invoices: &[SimInvoice],
    end: NaiveDate,
) -> Vec<PaymentRecord> {
    let mut planned = Vec::new();
    for (invoice_idx, invoice) in invoices.iter().enumerate() {
        let total = invoice.total_micros;
        if total <= 0 {
            continue;
        }
        match customer.label {
            Label::GoodPayer | Label::Steady | Label::BudgetBuster => planned.push(Planned {
                invoice_idx,
                on: add_days(invoice.due_on, -rng::between(rng, 1, 7)),
                amount_micros: total,
            }),
            Label::LatePayer => {
                let first_on = add_days(invoice.due_on, rng::between(rng, 5, 40));
                if rng::chance(rng, 300) && total > 2 * decimal::CENT {
                    let first = share(total, rng::between(rng, 30, 70)).min(total - decimal::CENT);
                    let first_on = add_days(invoice.due_on, rng::between(rng, 5, 25));
                    let second_on = add_days(first_on, rng::between(rng, 3, 15));
                    planned.push(Planned {
                        invoice_idx,
                        on: first_on,
                        amount_micros: first,
                    });
                    planned.push(Planned {
                        invoice_idx,
                        on: second_on,
                        amount_micros: total - first,
                    });
                } else {
                    planned.push(Planned {
                        invoice_idx,
                        on: first_on,
                        amount_micros: total,
                    });
                }
            }
            Label::Defaulter => {
                // At most one small partial payment, on the first invoice, to buy time.
                if invoice_idx == 0 && rng::chance(rng, 350) {
                    planned.push(Planned {
                        invoice_idx,
                        on: add_days(invoice.issued_on, rng::between(rng, 10, 45)),
                        amount_micros: share(total, rng::between(rng, 5, 20)).min(total),
                    });
                }
            }
        }
    }
    planned.sort_by_key(|p| (p.on, p.invoice_idx));

    let mut records = Vec::new();
    for payment in planned {
        // Draw before filtering, so the end date does not shift later draws.
        let seconds = rng::between(rng, 7 * 3600, 18 * 3600);
        let other_method = rng::chance(rng, 100);
        let id = rng::guid(rng);
        if payment.on > end {
            continue;
        }
        let method = match (customer.pays_by, other_method) {
            (PaymentMethod::Card, true) => PaymentMethod::BankTransfer,
            (_, true) => PaymentMethod::Card,
            (usual, false) => usual,
        };
        let invoice = &invoices[payment.invoice_idx];
        records.push(PaymentRecord {
            id,
            customer_id: customer.id().to_string(),
            invoice_id: Some(invoice.id.clone()),
            amount: decimal::plain(payment.amount_micros, 2),
            currency: customer.currency,
            received_at: instant(payment.on, seconds),
            method,
        });
    }
    records
}
