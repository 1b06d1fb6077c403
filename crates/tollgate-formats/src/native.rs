//! Tollgate's native records, one JSON object per line (NDJSON). Every record carries `id`, the
//! provider's or the partner's id for it; all but customers carry `customer_id`. Amounts are
//! decimal strings (`"1234.50"`), never JSON numbers, so no amount passes through a float.

use std::io::BufRead;

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tollgate_domain::billing::{Invoice, InvoiceSource, Payment, PaymentMethod};
use tollgate_domain::customer::{
    Cloud, Contact, Customer, CustomerStatus, Language, RiskTier, parse_country,
};
use tollgate_domain::ids::{CustomerId, InvoiceId, PaymentId, SubscriptionId};
use tollgate_domain::money::{Currency, Money, parse_micros};
use tollgate_domain::subscription::{
    AdminAccess, StateReason, Subscription, SubscriptionKind, SubscriptionState,
};
use tollgate_domain::time::Timestamp;
use tollgate_domain::usage::UsageLine;
use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

use crate::RecordError;

/// A customer record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerRecord {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    pub company_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_id: Option<String>,
    pub country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<Cloud>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_tier: Option<RiskTier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CustomerStatus>,
    /// Decimal text in `currency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_limit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// A subscription record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionRecord {
    pub id: String,
    pub customer_id: String,
    pub product: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    pub kind: SubscriptionKind,
    #[serde(default = "one")]
    pub quantity: i64,
    #[serde(default = "active")]
    pub state: SubscriptionState,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub state_reasons: Vec<StateReason>,
    #[serde(default = "limited")]
    pub admin_access: AdminAccess,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_price: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
}

fn one() -> i64 {
    1
}
fn active() -> SubscriptionState {
    SubscriptionState::Active
}
fn limited() -> AdminAccess {
    AdminAccess::Limited
}

/// A usage record: one day of one meter on one subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageRecord {
    pub id: String,
    pub customer_id: String,
    pub subscription_id: String,
    pub date: NaiveDate,
    pub meter_category: String,
    #[serde(default)]
    pub region: String,
    pub cost: String,
    pub currency: Currency,
    #[serde(default = "zero_text")]
    pub quantity: String,
    #[serde(default = "zero_text")]
    pub vcpu_hours: String,
}

fn zero_text() -> String {
    "0".to_string()
}

/// An invoice record (the partner's own invoice to a customer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceRecord {
    pub id: String,
    pub customer_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub total: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<String>,
    pub currency: Currency,
}

/// A payment record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentRecord {
    pub id: String,
    pub customer_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    pub amount: String,
    pub currency: Currency,
    pub received_at: Timestamp,
    #[serde(default = "other_method")]
    pub method: PaymentMethod,
}

fn other_method() -> PaymentMethod {
    PaymentMethod::Other
}

/// Reads NDJSON records of type `T`, one per non-blank line, reporting each bad line.
pub fn read_ndjson<T: DeserializeOwned, R: BufRead>(
    input: R,
) -> impl Iterator<Item = Result<(u64, T, u64), RecordError>> {
    input.lines().enumerate().filter_map(|(idx, line)| {
        let line_no = idx as u64 + 1;
        let text = match line {
            Ok(text) => text,
            Err(e) => {
                return Some(Err(RecordError::new(
                    line_no,
                    None,
                    format!("cannot read: {e}"),
                )));
            }
        };
        let trimmed = text.trim().trim_start_matches('\u{feff}');
        if trimmed.is_empty() {
            return None;
        }
        let mut de = serde_json::Deserializer::from_str(trimmed);
        Some(match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Ok(record) => Ok((line_no, record, xxh3_64(trimmed.as_bytes()))),
            Err(error) => {
                let path = error.path().to_string();
                let field = if path == "." { None } else { Some(path) };
                let reason = error.into_inner().to_string();
                Err(RecordError {
                    line: line_no,
                    field,
                    reason: strip_position(&reason),
                })
            }
        })
    })
}

/// serde_json appends "at line 1 column N" — the line is always 1 within one NDJSON line, so
/// keep only the column.
fn strip_position(reason: &str) -> String {
    match reason.rfind(" at line 1 column ") {
        Some(pos) => format!("{} (column {})", &reason[..pos], &reason[pos + 18..]),
        None => reason.to_string(),
    }
}

type FieldResult<T> = Result<T, (&'static str, String)>;

fn id<T>(
    field: &'static str,
    text: &str,
    parse: fn(&str) -> Result<T, tollgate_domain::IdError>,
) -> FieldResult<T> {
    parse(text).map_err(|e| (field, e.to_string()))
}

fn money(field: &'static str, text: &str, currency: Currency) -> FieldResult<Money> {
    Money::parse(text, currency).map_err(|e| (field, e.to_string()))
}

impl CustomerRecord {
    pub fn into_domain(self, now: Timestamp) -> FieldResult<Customer> {
        let credit_limit = match (&self.credit_limit, self.currency) {
            (Some(text), Some(currency)) => Some(money("credit_limit", text, currency)?),
            (Some(_), None) => return Err(("currency", "is required with credit_limit".into())),
            _ => None,
        };
        if self.company_name.trim().is_empty() {
            return Err(("company_name", "is empty".into()));
        }
        Ok(Customer {
            id: id("id", &self.id, CustomerId::parse)?,
            tenant_id: self.tenant_id,
            company_name: self.company_name.trim().to_string(),
            registration_number: self.registration_number,
            vat_id: self.vat_id,
            country: parse_country(&self.country).map_err(|e| ("country", e))?,
            domain: self.domain.map(|d| d.trim().to_ascii_lowercase()),
            contacts: self.contacts,
            language: self.language.unwrap_or(Language::English),
            cloud: self.cloud.unwrap_or(Cloud::Commercial),
            risk_tier: self.risk_tier.unwrap_or(RiskTier::Medium),
            status: self.status.unwrap_or(CustomerStatus::Active),
            credit_limit,
            currency: self.currency,
            created_at: self.created_at.unwrap_or(now),
            tags: self.tags,
        })
    }

    pub fn from_domain(customer: &Customer) -> CustomerRecord {
        CustomerRecord {
            id: customer.id.to_string(),
            tenant_id: customer.tenant_id.clone(),
            company_name: customer.company_name.clone(),
            registration_number: customer.registration_number.clone(),
            vat_id: customer.vat_id.clone(),
            country: customer.country.clone(),
            domain: customer.domain.clone(),
            contacts: customer.contacts.clone(),
            language: Some(customer.language),
            cloud: Some(customer.cloud),
            risk_tier: Some(customer.risk_tier),
            status: Some(customer.status),
            credit_limit: customer.credit_limit.map(|m| m.amount_text()),
            currency: customer.currency,
            created_at: Some(customer.created_at),
            tags: customer.tags.clone(),
        }
    }
}

impl SubscriptionRecord {
    pub fn into_domain(self, now: Timestamp) -> FieldResult<Subscription> {
        let monthly_price = match (&self.monthly_price, self.currency) {
            (Some(text), Some(currency)) => Some(money("monthly_price", text, currency)?),
            (Some(_), None) => return Err(("currency", "is required with monthly_price".into())),
            _ => None,
        };
        if self.quantity < 0 {
            return Err(("quantity", "is negative".into()));
        }
        Ok(Subscription {
            id: id("id", &self.id, SubscriptionId::parse)?,
            customer_id: id("customer_id", &self.customer_id, CustomerId::parse)?,
            product: self.product,
            sku: self.sku,
            kind: self.kind,
            quantity: self.quantity,
            state: self.state,
            state_reasons: self.state_reasons,
            admin_access: self.admin_access,
            monthly_price,
            created_at: self.created_at.unwrap_or(now),
        })
    }
}

impl UsageRecord {
    /// The usage line; its identity is its `id`, its content hash the whole JSON line's.
    pub fn into_domain(self, content_hash: u64) -> FieldResult<UsageLine> {
        let micros = |field: &'static str, text: &str| {
            parse_micros(text).map_err(|e| (field, e.to_string()))
        };
        Ok(UsageLine {
            line_key: crate::clustered_key(
                self.customer_id.trim().as_bytes(),
                xxh3_128(format!("native\x1f{}", self.id).as_bytes()),
            ),
            content_hash,
            customer_id: id("customer_id", &self.customer_id, CustomerId::parse)?,
            subscription_id: id(
                "subscription_id",
                &self.subscription_id,
                SubscriptionId::parse,
            )?,
            day: self.date,
            meter_category: self.meter_category.into(),
            region: self.region.to_ascii_lowercase().into(),
            currency: self.currency,
            cost_micros: micros("cost", &self.cost)?,
            quantity_micros: micros("quantity", &self.quantity)?,
            vcpu_hours_micros: micros("vcpu_hours", &self.vcpu_hours)?,
        })
    }
}

impl InvoiceRecord {
    pub fn into_domain(self) -> FieldResult<Invoice> {
        if self.due_on < self.issued_on {
            return Err(("due_on", "is before issued_on".into()));
        }
        let tax = match &self.tax {
            Some(text) => money("tax", text, self.currency)?,
            None => Money::zero(self.currency),
        };
        Ok(Invoice {
            number: self.number.clone().unwrap_or_else(|| self.id.clone()),
            id: id("id", &self.id, InvoiceId::parse)?,
            customer_id: id("customer_id", &self.customer_id, CustomerId::parse)?,
            source: InvoiceSource::Partner,
            issued_on: self.issued_on,
            due_on: self.due_on,
            total: money("total", &self.total, self.currency)?,
            tax,
        })
    }
}

impl PaymentRecord {
    pub fn into_domain(self) -> FieldResult<Payment> {
        let amount = money("amount", &self.amount, self.currency)?;
        if amount.micros() <= 0 {
            return Err(("amount", "must be positive".into()));
        }
        Ok(Payment {
            id: id("id", &self.id, PaymentId::parse)?,
            customer_id: id("customer_id", &self.customer_id, CustomerId::parse)?,
            invoice_id: match &self.invoice_id {
                Some(text) => Some(id("invoice_id", text, InvoiceId::parse)?),
                None => None,
            },
            amount,
            received_at: self.received_at,
            method: self.method,
        })
    }
}

/// Turns a conversion failure into a record error on `line`.
pub fn field_error(line: u64, (field, reason): (&'static str, String)) -> RecordError {
    RecordError::new(line, Some(field), reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_and_bad_lines_are_named_with_their_field() {
        let text = "{\"id\":\"p1\",\"customer_id\":\"c1\",\"amount\":\"10.50\",\"currency\":\"EUR\",\"received_at\":\"2026-01-02T03:04:05Z\"}\n\
                    \n\
                    {\"id\":\"p2\",\"customer_id\":\"c1\",\"amount\":10.5,\"currency\":\"EUR\",\"received_at\":\"2026-01-02T03:04:05Z\"}\n\
                    {\"id\":\"p3\",\"customer_id\":\"c1\",\"amount\":\"1\",\"currency\":\"EUR\",\"received_at\":\"yesterday\"}\n\
                    {\"id\":\"p4\",\"customer_id\":\"c1\",\"amount\":\"1\",\"currency\":\"EUR\",\"received_at\":\"2026-01-02T03:04:05Z\"\n";
        let rows: Vec<_> = read_ndjson::<PaymentRecord, _>(text.as_bytes()).collect();
        assert_eq!(rows.len(), 4);
        let (line, record, _) = rows[0].as_ref().unwrap();
        assert_eq!(*line, 1);
        assert_eq!(
            record.clone().into_domain().unwrap().amount.micros(),
            10_500_000
        );
        let e = rows[1].as_ref().unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (3, Some("amount")));
        let e = rows[2].as_ref().unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (4, Some("received_at")));
        assert_eq!(rows[3].as_ref().unwrap_err().line, 5);
    }

    #[test]
    fn conversions_check_fields() {
        let record = CustomerRecord {
            id: "c1".into(),
            tenant_id: None,
            company_name: "Acme".into(),
            registration_number: None,
            vat_id: None,
            country: "cz".into(),
            domain: Some("Acme.CZ".into()),
            contacts: vec![],
            language: None,
            cloud: None,
            risk_tier: None,
            status: None,
            credit_limit: Some("100".into()),
            currency: None,
            created_at: None,
            tags: vec![],
        };
        assert_eq!(
            record
                .clone()
                .into_domain(Timestamp::from_millis(0))
                .unwrap_err()
                .0,
            "currency"
        );
        let ok = CustomerRecord {
            currency: Some(Currency::CZK),
            ..record
        }
        .into_domain(Timestamp::from_millis(0))
        .unwrap();
        assert_eq!(ok.country, "CZ");
        assert_eq!(ok.domain.as_deref(), Some("acme.cz"));
    }
}
