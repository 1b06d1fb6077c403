//! Writing records that files and the API create or update (customers, subscriptions,
//! invoices, payments): one routine for all four, given each kind's table, columns and binder.
//! Each batch is one transaction: records whose fingerprint is unchanged are skipped, the rest
//! are written with multi-row statements, and every creation and update is audited.

use sqlx::query_builder::Separated;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use tollgate_domain::TextEnum;
use tollgate_domain::billing::{Invoice, Payment};
use tollgate_domain::customer::Customer;
use tollgate_domain::subscription::Subscription;
use tollgate_domain::time::date_to_days;
use tollgate_store::codec::{encode_contacts, encode_enums, encode_strings};
use tollgate_store::{Fingerprinted, StoreResult, UpsertMode, UpsertReport, WriteMeta};

use crate::{MAX_PARAMS, append_audit_in, change_events, classify, db, fingerprints};

/// A column binder: pushes one record's values, in the order of `UpsertSpec::insert`.
type Binder<T> =
    for<'q, 'a> fn(&mut Separated<'q, 'a, Sqlite, &'static str>, &'a Fingerprinted<T>, i64);

/// How one kind of record is written.
pub struct UpsertSpec<T: 'static> {
    pub table: &'static str,
    /// The audit noun: `customer` gives `customer.created` on `customer:<id>`.
    pub noun: &'static str,
    /// `INSERT INTO table (columns) `, the values following.
    pub insert: &'static str,
    pub n_columns: usize,
    /// The conflict clause; it leaves out the fields Tollgate owns once a record exists.
    pub on_conflict: &'static str,
    pub id_of: fn(&T) -> &str,
    pub bind: Binder<T>,
}

/// Writes a batch of records of one kind in one transaction (the caller's).
pub async fn upsert_records<T: Sync + 'static>(
    conn: &mut SqliteConnection,
    rows: &[Fingerprinted<T>],
    mode: UpsertMode,
    meta: &WriteMeta,
    spec: &UpsertSpec<T>,
) -> StoreResult<UpsertReport> {
    let ids: Vec<&str> = rows.iter().map(|r| (spec.id_of)(&r.record)).collect();
    let existing = fingerprints(&mut *conn, spec.table, &ids).await?;
    let classified = classify(rows, spec.id_of, &existing, mode);
    let writes: Vec<&Fingerprinted<T>> = classified
        .new
        .iter()
        .chain(classified.changed.iter())
        .copied()
        .collect();
    let updated_at = meta.at.millis();
    for chunk in writes.chunks(MAX_PARAMS / spec.n_columns) {
        let mut query = QueryBuilder::<Sqlite>::new(spec.insert);
        query.push_values(chunk.iter().copied(), |mut b, row| {
            (spec.bind)(&mut b, row, updated_at)
        });
        query.push(spec.on_conflict);
        query
            .build()
            .execute(&mut *conn)
            .await
            .map_err(db("upsert records"))?;
    }
    let events = change_events(
        &classified,
        spec.noun,
        |r| (spec.id_of)(r).to_string(),
        meta,
    );
    append_audit_in(conn, &events).await?;
    Ok(UpsertReport {
        counts: classified.counts,
        created: classified
            .new
            .iter()
            .map(|r| (spec.id_of)(&r.record).to_string())
            .collect(),
    })
}

pub static CUSTOMERS: UpsertSpec<Customer> = UpsertSpec {
    table: "customers",
    noun: "customer",
    insert: "INSERT INTO customers (id, tenant_id, company_name, registration_number, vat_id, country, domain, \
             contacts, language, cloud, risk_tier, status, credit_limit_micros, currency, created_at, tags, \
             fingerprint, updated_at) ",
    n_columns: 18,
    on_conflict: " ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, \
                  company_name = excluded.company_name, registration_number = excluded.registration_number, \
                  vat_id = excluded.vat_id, country = excluded.country, domain = excluded.domain, \
                  contacts = excluded.contacts, language = excluded.language, cloud = excluded.cloud, \
                  credit_limit_micros = excluded.credit_limit_micros, currency = excluded.currency, \
                  tags = excluded.tags, fingerprint = excluded.fingerprint, updated_at = excluded.updated_at",
    id_of: |c| c.id.as_str(),
    bind: |b, row, updated_at| {
        let c = &row.record;
        b.push_bind(c.id.as_str())
            .push_bind(&c.tenant_id)
            .push_bind(&c.company_name)
            .push_bind(&c.registration_number)
            .push_bind(&c.vat_id)
            .push_bind(&c.country)
            .push_bind(&c.domain)
            .push_bind(encode_contacts(&c.contacts))
            .push_bind(c.language.as_str())
            .push_bind(c.cloud.as_str())
            .push_bind(c.risk_tier.as_str())
            .push_bind(c.status.as_str())
            .push_bind(c.credit_limit.map(|m| m.micros()))
            .push_bind(c.currency.map(|cur| cur.to_string()))
            .push_bind(c.created_at.millis())
            .push_bind(encode_strings(&c.tags))
            .push_bind(row.fingerprint)
            .push_bind(updated_at);
    },
};

pub static SUBSCRIPTIONS: UpsertSpec<Subscription> = UpsertSpec {
    table: "subscriptions",
    noun: "subscription",
    insert: "INSERT INTO subscriptions (id, customer_id, product, sku, kind, quantity, state, state_reasons, \
             admin_access, monthly_price_micros, currency, created_at, fingerprint, updated_at) ",
    n_columns: 14,
    on_conflict: " ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, product = excluded.product, \
                  sku = excluded.sku, kind = excluded.kind, quantity = excluded.quantity, \
                  monthly_price_micros = excluded.monthly_price_micros, currency = excluded.currency, \
                  fingerprint = excluded.fingerprint, updated_at = excluded.updated_at",
    id_of: |s| s.id.as_str(),
    bind: |b, row, updated_at| {
        let s = &row.record;
        b.push_bind(s.id.as_str())
            .push_bind(s.customer_id.as_str())
            .push_bind(&s.product)
            .push_bind(&s.sku)
            .push_bind(s.kind.as_str())
            .push_bind(s.quantity)
            .push_bind(s.state.as_str())
            .push_bind(encode_enums(&s.state_reasons))
            .push_bind(s.admin_access.as_str())
            .push_bind(s.monthly_price.map(|m| m.micros()))
            .push_bind(s.monthly_price.map(|m| m.currency().to_string()))
            .push_bind(s.created_at.millis())
            .push_bind(row.fingerprint)
            .push_bind(updated_at);
    },
};

pub static INVOICES: UpsertSpec<Invoice> = UpsertSpec {
    table: "invoices",
    noun: "invoice",
    insert: "INSERT INTO invoices (id, customer_id, number, source, issued_on, due_on, currency, total_micros, \
             tax_micros, fingerprint, updated_at) ",
    n_columns: 11,
    on_conflict: " ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, number = excluded.number, \
                  source = excluded.source, issued_on = excluded.issued_on, due_on = excluded.due_on, \
                  currency = excluded.currency, total_micros = excluded.total_micros, \
                  tax_micros = excluded.tax_micros, fingerprint = excluded.fingerprint, \
                  updated_at = excluded.updated_at",
    id_of: |i| i.id.as_str(),
    bind: |b, row, updated_at| {
        let i = &row.record;
        b.push_bind(i.id.as_str())
            .push_bind(i.customer_id.as_str())
            .push_bind(&i.number)
            .push_bind(i.source.as_str())
            .push_bind(date_to_days(i.issued_on))
            .push_bind(date_to_days(i.due_on))
            .push_bind(i.total.currency().to_string())
            .push_bind(i.total.micros())
            .push_bind(i.tax.micros())
            .push_bind(row.fingerprint)
            .push_bind(updated_at);
    },
};

pub static PAYMENTS: UpsertSpec<Payment> = UpsertSpec {
    table: "payments",
    noun: "payment",
    insert: "INSERT INTO payments (id, customer_id, invoice_id, currency, amount_micros, received_at, method, \
             fingerprint, updated_at) ",
    n_columns: 9,
    on_conflict: " ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, \
                  invoice_id = excluded.invoice_id, currency = excluded.currency, \
                  amount_micros = excluded.amount_micros, received_at = excluded.received_at, \
                  method = excluded.method, fingerprint = excluded.fingerprint, updated_at = excluded.updated_at",
    id_of: |p| p.id.as_str(),
    bind: |b, row, updated_at| {
        let p = &row.record;
        b.push_bind(p.id.as_str())
            .push_bind(p.customer_id.as_str())
            .push_bind(p.invoice_id.as_ref().map(|i| i.as_str()))
            .push_bind(p.amount.currency().to_string())
            .push_bind(p.amount.micros())
            .push_bind(p.received_at.millis())
            .push_bind(p.method.as_str())
            .push_bind(row.fingerprint)
            .push_bind(updated_at);
    },
};
