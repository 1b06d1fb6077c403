//! A customer's live credit exposure as of a day: open receivables + this month's unbilled
//! usage + pending orders − deposits, in the currency of its credit limit. Pending orders and
//! deposits are zero until the purchase and billing engines record them.

use chrono::{Datelike, NaiveDate};
use tollgate_domain::customer::Customer;
use tollgate_domain::money::Currency;
use tollgate_engine::usage::exposure::ExposureParts;
use tollgate_store::{Store, StoreResult};

/// One customer's exposure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerExposure {
    pub customer_id: String,
    pub currency: Currency,
    pub parts: ExposureParts,
    pub credit_limit_micros: Option<i64>,
}

impl CustomerExposure {
    pub fn total_micros(&self) -> i64 {
        self.parts.total_micros()
    }

    /// Percent of the credit limit, when there is one.
    pub fn percent(&self) -> Option<i64> {
        self.credit_limit_micros
            .filter(|limit| *limit > 0)
            .map(|limit| (self.total_micros() as i128 * 100 / limit as i128) as i64)
    }
}

/// The exposure of `customer` as of the end of `as_of`; `None` when it has no currency to
/// count in (no credit limit, no billing currency, no receivables).
pub async fn exposure_of(
    store: &dyn Store,
    customer: &Customer,
    as_of: NaiveDate,
) -> StoreResult<Option<CustomerExposure>> {
    let receivables = store.open_receivables(&customer.id).await?;
    let currency = customer
        .credit_limit
        .map(|m| m.currency())
        .or(customer.currency)
        .or_else(|| receivables.first().map(|(c, _)| *c));
    let Some(currency) = currency else {
        return Ok(None);
    };
    let open = receivables
        .iter()
        .filter(|(c, _)| *c == currency)
        .map(|(_, m)| *m)
        .sum();
    let month_start = as_of.with_day(1).unwrap_or(as_of);
    let unbilled = store
        .usage_spend(&customer.id, currency, month_start, as_of)
        .await?;
    Ok(Some(CustomerExposure {
        customer_id: customer.id.to_string(),
        currency,
        parts: ExposureParts {
            open_receivables_micros: open,
            unbilled_usage_micros: unbilled,
            pending_orders_micros: 0,
            deposits_micros: 0,
        },
        credit_limit_micros: customer
            .credit_limit
            .filter(|m| m.currency() == currency)
            .map(|m| m.micros()),
    }))
}
