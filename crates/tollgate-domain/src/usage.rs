//! Metered consumption: one rated usage line as the provider reports it, and the daily
//! aggregate Tollgate keeps per customer × subscription × day × meter category × region.

use std::sync::Arc;

use chrono::NaiveDate;

use crate::ids::{CustomerId, SubscriptionId};
use crate::money::Currency;

/// One rated usage line, reduced to what monitoring needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageLine {
    /// Identity of the line across files: the same line in a later, overlapping file has the
    /// same key, so it replaces rather than adds.
    pub line_key: [u8; 16],
    /// Hash of the line's content: an equal key with another hash is a corrected line.
    pub content_hash: u64,
    pub customer_id: CustomerId,
    pub subscription_id: SubscriptionId,
    pub day: NaiveDate,
    /// Shared text: few distinct values, cloned for every line (a reference count, not a copy).
    pub meter_category: Arc<str>,
    pub region: Arc<str>,
    pub currency: Currency,
    /// Cost at the billing currency, micro-units.
    pub cost_micros: i64,
    /// Quantity in the meter's unit, micro-units.
    pub quantity_micros: i64,
    /// vCPU-hours, micro-units (quantity × VCPUs for compute hours, else 0).
    pub vcpu_hours_micros: i64,
}

/// The key a daily aggregate is kept under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DailyUsageKey {
    pub customer_id: CustomerId,
    pub subscription_id: SubscriptionId,
    pub day: NaiveDate,
    /// Shared text: few distinct values, cloned for every line (a reference count, not a copy).
    pub meter_category: Arc<str>,
    pub region: Arc<str>,
    pub currency: Currency,
}

/// Consumption of one key on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyUsage {
    pub key: DailyUsageKey,
    pub cost_micros: i64,
    pub quantity_micros: i64,
    pub vcpu_hours_micros: i64,
    pub n_lines: i64,
}

impl UsageLine {
    pub fn aggregate_key(&self) -> DailyUsageKey {
        DailyUsageKey {
            customer_id: self.customer_id.clone(),
            subscription_id: self.subscription_id.clone(),
            day: self.day,
            meter_category: self.meter_category.clone(),
            region: self.region.clone(),
            currency: self.currency,
        }
    }
}
