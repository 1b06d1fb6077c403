//! Reading rows back into domain records.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use tollgate_domain::audit::{AuditEvent, NewAuditEvent};
use tollgate_domain::customer::Customer;
use tollgate_domain::ids::{CustomerId, SubscriptionId};
use tollgate_domain::subscription::Subscription;
use tollgate_domain::time::{Timestamp, days_to_date};
use tollgate_domain::usage::{DailyUsage, DailyUsageKey};
use tollgate_store::codec::{
    decode_contacts, decode_enums, decode_strings, optional_money, parse_currency, parse_enum,
};
use tollgate_store::{OutboxEntry, StoreError, StoreResult};

pub const CUSTOMER_SELECT: &str = "SELECT id, tenant_id, company_name, registration_number, vat_id, country, domain, \
    contacts, language, cloud, risk_tier, status, credit_limit_micros, currency, created_at, tags FROM customers";
pub const CUSTOMER_SELECT_BY_ID: &str = "SELECT id, tenant_id, company_name, registration_number, vat_id, country, \
    domain, contacts, language, cloud, risk_tier, status, credit_limit_micros, currency, created_at, tags \
    FROM customers WHERE id = ?";
pub const SUBSCRIPTION_SELECT_BY_CUSTOMER: &str = "SELECT id, customer_id, product, sku, kind, quantity, state, \
    state_reasons, admin_access, monthly_price_micros, currency, created_at FROM subscriptions \
    WHERE customer_id = ? ORDER BY id";
pub const OUTBOX_COLUMNS: &str = "id, kind, idempotency_key, subject, payload, status, attempts, next_attempt_at, \
    last_error, created_at, delivered_at, locked_by, locked_until";

fn get<'r, T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>>(
    row: &'r SqliteRow,
    column: &str,
) -> StoreResult<T> {
    row.try_get(column)
        .map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn id<T>(
    text: String,
    parse: fn(&str) -> Result<T, tollgate_domain::IdError>,
    column: &str,
) -> StoreResult<T> {
    parse(&text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// Reading columns by name from either driver's row: the customer decoder serves both the sqlx
/// pools and the rusqlite read path of hot single-record reads.
pub trait Columns {
    fn text(&self, column: &str) -> StoreResult<String>;
    fn opt_text(&self, column: &str) -> StoreResult<Option<String>>;
    fn int(&self, column: &str) -> StoreResult<i64>;
    fn opt_int(&self, column: &str) -> StoreResult<Option<i64>>;
}

impl Columns for SqliteRow {
    fn text(&self, column: &str) -> StoreResult<String> {
        get(self, column)
    }
    fn opt_text(&self, column: &str) -> StoreResult<Option<String>> {
        get(self, column)
    }
    fn int(&self, column: &str) -> StoreResult<i64> {
        get(self, column)
    }
    fn opt_int(&self, column: &str) -> StoreResult<Option<i64>> {
        get(self, column)
    }
}

impl Columns for rusqlite::Row<'_> {
    fn text(&self, column: &str) -> StoreResult<String> {
        self.get(column)
            .map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
    }
    fn opt_text(&self, column: &str) -> StoreResult<Option<String>> {
        self.get(column)
            .map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
    }
    fn int(&self, column: &str) -> StoreResult<i64> {
        self.get(column)
            .map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
    }
    fn opt_int(&self, column: &str) -> StoreResult<Option<i64>> {
        self.get(column)
            .map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
    }
}

pub fn customer(row: &impl Columns) -> StoreResult<Customer> {
    let currency = row.opt_text("currency")?;
    Ok(Customer {
        id: id(row.text("id")?, CustomerId::parse, "id")?,
        tenant_id: row.opt_text("tenant_id")?,
        company_name: row.text("company_name")?,
        registration_number: row.opt_text("registration_number")?,
        vat_id: row.opt_text("vat_id")?,
        country: row.text("country")?,
        domain: row.opt_text("domain")?,
        contacts: decode_contacts(&row.text("contacts")?)?,
        language: parse_enum(&row.text("language")?, "language")?,
        cloud: parse_enum(&row.text("cloud")?, "cloud")?,
        risk_tier: parse_enum(&row.text("risk_tier")?, "risk_tier")?,
        status: parse_enum(&row.text("status")?, "status")?,
        credit_limit: optional_money(
            row.opt_int("credit_limit_micros")?,
            currency.as_deref(),
            "credit_limit",
        )?,
        currency: currency
            .as_deref()
            .map(|c| parse_currency(c, "currency"))
            .transpose()?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        tags: decode_strings(&row.text("tags")?, "tags")?,
    })
}

pub fn subscription(row: &SqliteRow) -> StoreResult<Subscription> {
    let currency: Option<String> = get(row, "currency")?;
    Ok(Subscription {
        id: id(get(row, "id")?, SubscriptionId::parse, "id")?,
        customer_id: id(get(row, "customer_id")?, CustomerId::parse, "customer_id")?,
        product: get(row, "product")?,
        sku: get(row, "sku")?,
        kind: parse_enum(&get::<String>(row, "kind")?, "kind")?,
        quantity: get(row, "quantity")?,
        state: parse_enum(&get::<String>(row, "state")?, "state")?,
        state_reasons: decode_enums(&get::<String>(row, "state_reasons")?, "state_reasons")?,
        admin_access: parse_enum(&get::<String>(row, "admin_access")?, "admin_access")?,
        monthly_price: optional_money(
            get(row, "monthly_price_micros")?,
            currency.as_deref(),
            "monthly_price",
        )?,
        created_at: Timestamp::from_millis(get(row, "created_at")?),
    })
}

pub fn daily_usage(row: &SqliteRow) -> StoreResult<DailyUsage> {
    Ok(DailyUsage {
        key: DailyUsageKey {
            customer_id: id(get(row, "customer_id")?, CustomerId::parse, "customer_id")?,
            subscription_id: id(
                get(row, "subscription_id")?,
                SubscriptionId::parse,
                "subscription_id",
            )?,
            day: days_to_date(get(row, "day")?),
            meter_category: get::<String>(row, "meter_category")?.into(),
            region: get::<String>(row, "region")?.into(),
            currency: parse_currency(&get::<String>(row, "currency")?, "currency")?,
        },
        cost_micros: get(row, "cost_micros")?,
        quantity_micros: get(row, "quantity_micros")?,
        vcpu_hours_micros: get(row, "vcpu_hours_micros")?,
        n_lines: get(row, "n_lines")?,
    })
}

pub fn audit_event(row: &SqliteRow) -> StoreResult<AuditEvent> {
    Ok(AuditEvent {
        seq: get(row, "seq")?,
        event: NewAuditEvent {
            actor: get(row, "actor")?,
            action: get(row, "action")?,
            subject: get(row, "subject")?,
            reasons: decode_strings(&get::<String>(row, "reasons")?, "reasons")?,
            details: get(row, "details")?,
            at: Timestamp::from_millis(get(row, "at")?),
        },
        prev_hash: get(row, "prev_hash")?,
        hash: get(row, "hash")?,
    })
}

pub fn outbox_entry(row: &SqliteRow) -> StoreResult<OutboxEntry> {
    Ok(OutboxEntry {
        id: get(row, "id")?,
        kind: parse_enum(&get::<String>(row, "kind")?, "kind")?,
        idempotency_key: get(row, "idempotency_key")?,
        subject: get(row, "subject")?,
        payload: get(row, "payload")?,
        status: parse_enum(&get::<String>(row, "status")?, "status")?,
        attempts: get(row, "attempts")?,
        next_attempt_at: Timestamp::from_millis(get(row, "next_attempt_at")?),
        last_error: get(row, "last_error")?,
        created_at: Timestamp::from_millis(get(row, "created_at")?),
        delivered_at: get::<Option<i64>>(row, "delivered_at")?.map(Timestamp::from_millis),
        locked_by: get(row, "locked_by")?,
        locked_until: get::<Option<i64>>(row, "locked_until")?.map(Timestamp::from_millis),
    })
}

pub const INVOICE_COLUMNS: &str =
    "id, customer_id, number, source, issued_on, due_on, currency, total_micros, tax_micros";
pub const PAYMENT_COLUMNS: &str =
    "id, customer_id, invoice_id, currency, amount_micros, received_at, method";

fn billing_get<'r, T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>>(
    row: &'r sqlx::sqlite::SqliteRow,
    column: &str,
) -> tollgate_store::StoreResult<T> {
    sqlx::Row::try_get(row, column)
        .map_err(|e| tollgate_store::StoreError::Corrupt(format!("{column}: {e}")))
}

pub fn invoice(
    row: &sqlx::sqlite::SqliteRow,
) -> tollgate_store::StoreResult<tollgate_domain::billing::Invoice> {
    use tollgate_domain::money::Money;
    let corrupt = |e: tollgate_domain::IdError| tollgate_store::StoreError::Corrupt(e.to_string());
    let currency = tollgate_store::codec::parse_currency(
        &billing_get::<String>(row, "currency")?,
        "currency",
    )?;
    let day = |column: &str| -> tollgate_store::StoreResult<chrono::NaiveDate> {
        Ok(tollgate_domain::time::days_to_date(
            billing_get::<i32>(row, column)? as i32,
        ))
    };
    Ok(tollgate_domain::billing::Invoice {
        id: tollgate_domain::ids::InvoiceId::parse(&billing_get::<String>(row, "id")?)
            .map_err(corrupt)?,
        customer_id: tollgate_domain::ids::CustomerId::parse(&billing_get::<String>(
            row,
            "customer_id",
        )?)
        .map_err(corrupt)?,
        number: billing_get(row, "number")?,
        source: tollgate_store::codec::parse_enum(
            &billing_get::<String>(row, "source")?,
            "source",
        )?,
        issued_on: day("issued_on")?,
        due_on: day("due_on")?,
        total: Money::from_micros(billing_get(row, "total_micros")?, currency),
        tax: Money::from_micros(billing_get(row, "tax_micros")?, currency),
    })
}

pub fn payment(
    row: &sqlx::sqlite::SqliteRow,
) -> tollgate_store::StoreResult<tollgate_domain::billing::Payment> {
    use tollgate_domain::money::Money;
    let corrupt = |e: tollgate_domain::IdError| tollgate_store::StoreError::Corrupt(e.to_string());
    let currency = tollgate_store::codec::parse_currency(
        &billing_get::<String>(row, "currency")?,
        "currency",
    )?;
    Ok(tollgate_domain::billing::Payment {
        id: tollgate_domain::ids::PaymentId::parse(&billing_get::<String>(row, "id")?)
            .map_err(corrupt)?,
        customer_id: tollgate_domain::ids::CustomerId::parse(&billing_get::<String>(
            row,
            "customer_id",
        )?)
        .map_err(corrupt)?,
        invoice_id: billing_get::<Option<String>>(row, "invoice_id")?
            .map(|id| tollgate_domain::ids::InvoiceId::parse(&id).map_err(corrupt))
            .transpose()?,
        amount: Money::from_micros(billing_get(row, "amount_micros")?, currency),
        received_at: tollgate_domain::time::Timestamp::from_millis(billing_get(
            row,
            "received_at",
        )?),
        method: tollgate_store::codec::parse_enum(
            &billing_get::<String>(row, "method")?,
            "method",
        )?,
    })
}
