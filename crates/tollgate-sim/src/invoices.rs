//! The partner's monthly invoices as Partner Center's invoice reconciliation CSV: one invoice
//! per customer and invoiced month, one line per subscription (licence seats at their unit
//! price, the Azure plan at that month's usage total), with VAT per line.

use std::io::{self, Write};

use chrono::{Months, NaiveDate};
use tollgate_formats::partner_center::columns::INVOICE_COLUMNS;

use crate::book::{SimCustomer, SimSubscription};
use crate::calendar::{Month, add_days, partner_date};
use crate::catalog;
use crate::decimal;
use crate::geo;
use crate::rng::{self, SimRng};
use crate::{PAYMENT_TERMS_DAYS, Partner};

/// An invoice as Tollgate derives it from the reconciliation lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimInvoice {
    /// `"{InvoiceNumber}:{CustomerId}"`.
    pub id: String,
    pub number: String,
    /// The day after the latest `ChargeEndDate` of its lines.
    pub issued_on: NaiveDate,
    /// [`PAYMENT_TERMS_DAYS`] after the issue date.
    pub due_on: NaiveDate,
    /// Total including VAT, in micro-units (whole cents).
    pub total_micros: i64,
}

/// One invoice line before it is written.
struct InvoiceLine<'a> {
    subscription: &'a SimSubscription,
    product_id: &'a str,
    sku_id: &'a str,
    availability_id: &'a str,
    sku_name: &'a str,
    product_name: &'a str,
    charge_type: &'a str,
    unit_price_micros: i64,
    quantity: i64,
    billable_quantity_micros: i64,
    subtotal_micros: i64,
}

/// The last day of the commitment term of `subscription` that contains `month_last`.
fn term_end(subscription: &SimSubscription, month_last: NaiveDate) -> Option<NaiveDate> {
    if subscription.term_months == 0 {
        return None;
    }
    let mut term_start = subscription.created_on;
    loop {
        let next = term_start.checked_add_months(Months::new(subscription.term_months))?;
        if next > month_last {
            return next.pred_opt();
        }
        term_start = next;
    }
}

/// Writes the invoice reconciliation CSV: a BOM, the header, then line items.
pub struct InvoiceWriter<W: Write> {
    csv: csv::Writer<W>,
    lines: usize,
}

impl<W: Write> InvoiceWriter<W> {
    pub fn new(mut inner: W) -> io::Result<InvoiceWriter<W>> {
        inner.write_all("\u{feff}".as_bytes())?;
        let mut csv = csv::WriterBuilder::new().from_writer(inner);
        csv.write_record(INVOICE_COLUMNS)?;
        Ok(InvoiceWriter { csv, lines: 0 })
    }

    pub fn lines(&self) -> usize {
        self.lines
    }

    pub fn into_inner(self) -> io::Result<W> {
        self.csv
            .into_inner()
            .map_err(|e| io::Error::other(e.error().to_string()))
    }

    /// Writes every invoice of one customer. `azure_totals` holds the Azure plan's usage total
    /// per month of the period.
    pub fn write_customer(
        &mut self,
        rng: &mut SimRng,
        partner: &Partner,
        customer: &SimCustomer,
        invoice_numbers: &[String],
        azure_totals: &[i64],
    ) -> io::Result<Vec<SimInvoice>> {
        let mut invoices = Vec::new();
        for (month_idx, month) in partner.period.months.iter().enumerate() {
            if !month.invoiced {
                continue;
            }
            let lines = month_lines(customer, month, azure_totals.get(month_idx).copied());
            if lines.is_empty() {
                continue;
            }
            let number = &invoice_numbers[month_idx];
            let mut total_micros = 0;
            for line in &lines {
                total_micros += self.write_line(rng, partner, customer, month, number, line)?;
            }
            let issued_on = add_days(month.last, 1);
            invoices.push(SimInvoice {
                id: format!("{number}:{}", customer.id()),
                number: number.clone(),
                issued_on,
                due_on: add_days(issued_on, PAYMENT_TERMS_DAYS),
                total_micros,
            });
        }
        Ok(invoices)
    }

    /// Writes one line item and returns its total.
    fn write_line(
        &mut self,
        rng: &mut SimRng,
        partner: &Partner,
        customer: &SimCustomer,
        month: &Month,
        number: &str,
        line: &InvoiceLine<'_>,
    ) -> io::Result<i64> {
        let subscription = line.subscription;
        let tax_micros =
            decimal::percent_in_cents(line.subtotal_micros, customer.country.tax_percent);
        let total_micros = line.subtotal_micros + tax_micros;
        let is_licence = subscription.licence.is_some();
        let (pricing_currency, rate_text) = if is_licence {
            (customer.currency.as_str().to_string(), "1".to_string())
        } else {
            (
                "USD".to_string(),
                decimal::plain(geo::usd_rate_micros(customer.currency), 0),
            )
        };
        let unit_price = decimal::plain(line.unit_price_micros, 2);
        let subscription_end = term_end(subscription, month.last)
            .map(partner_date)
            .unwrap_or_default();
        let term = match subscription.term_months {
            0 => "",
            1 => "1 Month Subscription",
            _ => "1 Year Subscription",
        };
        let record: [&str; 46] = [
            &partner.partner_id,
            customer.id(),
            &customer.record.company_name,
            customer.record.domain.as_deref().unwrap_or(""),
            &customer.record.country,
            number,
            &partner.mpn_id,
            "",
            &subscription.order_id,
            &partner_date(subscription.created_on),
            line.product_id,
            line.sku_id,
            line.availability_id,
            line.sku_name,
            line.product_name,
            line.charge_type,
            &unit_price,
            &line.quantity.to_string(),
            &decimal::plain(line.subtotal_micros, 2),
            &decimal::plain(tax_micros, 2),
            &decimal::plain(total_micros, 2),
            customer.currency.as_str(),
            "",
            "Microsoft Corporation",
            "",
            &subscription.record.product,
            &subscription.record.id,
            &month.first_text,
            &month.last_text,
            term,
            &unit_price,
            if is_licence { "Licenses" } else { "Usage" },
            &rng::hex(rng, 12),
            &decimal::plain(line.billable_quantity_micros, 0),
            if is_licence { "Monthly" } else { "" },
            &pricing_currency,
            &rate_text,
            &month.first_text,
            if is_licence {
                ""
            } else {
                "Azure plan consumption"
            },
            "",
            "",
            &partner_date(subscription.created_on),
            &subscription_end,
            &rng::guid(rng),
            subscription.licence.map_or("[]", |l| l.qualifiers),
            "",
        ];
        self.csv.write_record(record)?;
        self.lines += 1;
        Ok(total_micros)
    }
}

/// The lines of one customer's invoice for `month`; lines of zero are left out.
fn month_lines<'a>(
    customer: &'a SimCustomer,
    month: &Month,
    azure_total: Option<i64>,
) -> Vec<InvoiceLine<'a>> {
    let days_in_month = (month.last - month.first).num_days() + 1;
    let mut lines = Vec::new();
    for subscription in &customer.subscriptions {
        match subscription.licence {
            Some(licence) => {
                if subscription.created_on > month.last {
                    continue;
                }
                // A subscription bought within the month pays for the days it had.
                let active_from = subscription.created_on.max(month.first);
                let active_days = (month.last - active_from).num_days() + 1;
                let seats = subscription.record.quantity;
                let subtotal_micros = decimal::round_to_cents(decimal::scale(
                    subscription.unit_price_micros * seats,
                    active_days,
                    days_in_month,
                ));
                if subtotal_micros <= 0 {
                    continue;
                }
                lines.push(InvoiceLine {
                    subscription,
                    product_id: licence.product_id,
                    sku_id: licence.sku_id,
                    availability_id: licence.availability_id,
                    sku_name: licence.sku,
                    product_name: licence.product,
                    charge_type: if subscription.created_on >= month.first {
                        "new"
                    } else {
                        "cycleCharge"
                    },
                    unit_price_micros: subscription.unit_price_micros,
                    quantity: seats,
                    billable_quantity_micros: decimal::scale(
                        seats * decimal::MICROS,
                        active_days,
                        days_in_month,
                    ),
                    subtotal_micros,
                });
            }
            None => {
                let subtotal_micros = decimal::round_to_cents(azure_total.unwrap_or(0));
                if subtotal_micros <= 0 {
                    continue;
                }
                lines.push(InvoiceLine {
                    subscription,
                    product_id: catalog::AZURE_PLAN_PRODUCT_ID,
                    sku_id: "0001",
                    availability_id: catalog::AZURE_PLAN_AVAILABILITY_ID,
                    sku_name: catalog::AZURE_PLAN_SKU,
                    product_name: catalog::AZURE_PLAN_PRODUCT,
                    charge_type: "new",
                    unit_price_micros: subtotal_micros,
                    quantity: 1,
                    billable_quantity_micros: decimal::MICROS,
                    subtotal_micros,
                });
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_positions_match_the_header() {
        for (idx, name) in [
            (1, "CustomerId"),
            (5, "InvoiceNumber"),
            (15, "ChargeType"),
            (18, "Subtotal"),
            (19, "TaxTotal"),
            (20, "Total"),
            (21, "Currency"),
            (26, "SubscriptionId"),
            (27, "ChargeStartDate"),
            (28, "ChargeEndDate"),
            (33, "BillableQuantity"),
            (43, "ReferenceId"),
            (44, "ProductQualifiers"),
            (45, "PromotionId"),
        ] {
            assert_eq!(INVOICE_COLUMNS[idx], name);
        }
    }
}
