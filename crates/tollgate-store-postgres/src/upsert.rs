//! Writing records that files and the API create or update (customers, subscriptions,
//! invoices, payments) on PostgreSQL: classify by fingerprint, write with multi-row upserts,
//! audit every change.

use super::*;

/// Existing (id → fingerprint) among `ids`.
pub(crate) async fn fingerprints(
    conn: &mut PgConnection,
    table: &'static str,
    ids: &[&str],
) -> StoreResult<BTreeMap<String, i64>> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let found: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT id, fingerprint FROM {table} WHERE id = ANY($1)"
    ))
    .bind(ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(db("read fingerprints"))?;
    Ok(found.into_iter().collect())
}

/// Which records of a batch are new, changed or the same.
pub(crate) struct Classified<'a, T> {
    new: Vec<&'a Fingerprinted<T>>,
    changed: Vec<&'a Fingerprinted<T>>,
    counts: UpsertCounts,
}

impl<T> Classified<'_, T> {
    /// New and changed records: what the upsert writes. Ids are distinct, so one multi-row
    /// `ON CONFLICT DO UPDATE` never touches a row twice.
    pub(crate) fn writes(&self) -> Vec<&Fingerprinted<T>> {
        self.new
            .iter()
            .chain(self.changed.iter())
            .copied()
            .collect()
    }
}

pub(crate) fn classify<'a, T>(
    rows: &'a [Fingerprinted<T>],
    id_of: impl Fn(&T) -> &str,
    existing: &BTreeMap<String, i64>,
    mode: UpsertMode,
) -> Classified<'a, T> {
    let mut out = Classified {
        new: Vec::new(),
        changed: Vec::new(),
        counts: UpsertCounts::default(),
    };
    let mut seen = HashSet::new();
    for row in rows {
        let id = id_of(&row.record);
        if !seen.insert(id.to_string()) {
            out.counts.unchanged += 1;
            continue;
        }
        match existing.get(id) {
            None => out.new.push(row),
            Some(_) if mode == UpsertMode::InsertMissing => out.counts.unchanged += 1,
            Some(fp) if *fp == row.fingerprint => out.counts.unchanged += 1,
            Some(_) => out.changed.push(row),
        }
    }
    out.counts.new = out.new.len() as u64;
    out.counts.updated = out.changed.len() as u64;
    out
}

/// One audit event per created or updated record.
pub(crate) fn change_events<T>(
    classified: &Classified<'_, T>,
    noun: &str,
    id_of: impl Fn(&T) -> String,
    meta: &WriteMeta,
) -> Vec<NewAuditEvent> {
    let event = |verb: &str, record: &T| NewAuditEvent {
        actor: meta.actor.clone(),
        action: format!("{noun}.{verb}"),
        subject: format!("{noun}:{}", id_of(record)),
        reasons: vec![format!("source: {}", meta.source)],
        details: "{}".into(),
        at: meta.at,
    };
    classified
        .new
        .iter()
        .map(|r| event("created", &r.record))
        .chain(
            classified
                .changed
                .iter()
                .map(|r| event("updated", &r.record)),
        )
        .collect()
}

pub(crate) fn report<T>(
    classified: &Classified<'_, T>,
    id_of: impl Fn(&T) -> String,
) -> UpsertReport {
    UpsertReport {
        counts: classified.counts,
        created: classified.new.iter().map(|r| id_of(&r.record)).collect(),
    }
}

pub(crate) async fn write_customers(
    conn: &mut PgConnection,
    rows: &[&Fingerprinted<Customer>],
    meta: &WriteMeta,
) -> StoreResult<()> {
    const PARAMS: usize = 18;
    for chunk in rows.chunks(MAX_PARAMS / PARAMS) {
        let mut query = QueryBuilder::<Postgres>::new(
            "INSERT INTO customers (id, tenant_id, company_name, registration_number, vat_id, country, domain, \
             contacts, language, cloud, risk_tier, status, credit_limit_micros, currency, created_at, tags, \
             fingerprint, updated_at) ",
        );
        query.push_values(chunk, |mut b, row| {
            let c = &row.record;
            b.push_bind(c.id.as_str())
                .push_bind(c.tenant_id.as_deref())
                .push_bind(c.company_name.as_str())
                .push_bind(c.registration_number.as_deref())
                .push_bind(c.vat_id.as_deref())
                .push_bind(c.country.as_str())
                .push_bind(c.domain.as_deref())
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
                .push_bind(meta.at.millis());
        });
        // `status` and `risk_tier` are Tollgate's once a customer exists: not updated here.
        query.push(
            " ON CONFLICT (id) DO UPDATE SET tenant_id = EXCLUDED.tenant_id, company_name = EXCLUDED.company_name, \
             registration_number = EXCLUDED.registration_number, vat_id = EXCLUDED.vat_id, \
             country = EXCLUDED.country, domain = EXCLUDED.domain, contacts = EXCLUDED.contacts, \
             language = EXCLUDED.language, cloud = EXCLUDED.cloud, \
             credit_limit_micros = EXCLUDED.credit_limit_micros, currency = EXCLUDED.currency, \
             tags = EXCLUDED.tags, fingerprint = EXCLUDED.fingerprint, \
             updated_at = EXCLUDED.updated_at",
        );
        query
            .build()
            .execute(&mut *conn)
            .await
            .map_err(db("upsert customers"))?;
    }
    Ok(())
}

pub(crate) async fn write_subscriptions(
    conn: &mut PgConnection,
    rows: &[&Fingerprinted<Subscription>],
    meta: &WriteMeta,
) -> StoreResult<()> {
    const PARAMS: usize = 14;
    for chunk in rows.chunks(MAX_PARAMS / PARAMS) {
        let mut query = QueryBuilder::<Postgres>::new(
            "INSERT INTO subscriptions (id, customer_id, product, sku, kind, quantity, state, state_reasons, \
             admin_access, monthly_price_micros, currency, created_at, fingerprint, updated_at) ",
        );
        query.push_values(chunk, |mut b, row| {
            let s = &row.record;
            b.push_bind(s.id.as_str())
                .push_bind(s.customer_id.as_str())
                .push_bind(s.product.as_str())
                .push_bind(s.sku.as_deref())
                .push_bind(s.kind.as_str())
                .push_bind(s.quantity)
                .push_bind(s.state.as_str())
                .push_bind(encode_enums(&s.state_reasons))
                .push_bind(s.admin_access.as_str())
                .push_bind(s.monthly_price.map(|m| m.micros()))
                .push_bind(s.monthly_price.map(|m| m.currency().to_string()))
                .push_bind(s.created_at.millis())
                .push_bind(row.fingerprint)
                .push_bind(meta.at.millis());
        });
        // `state` and `state_reasons` belong to enforcement: not updated here.
        query.push(
            " ON CONFLICT (id) DO UPDATE SET customer_id = EXCLUDED.customer_id, product = EXCLUDED.product, \
             sku = EXCLUDED.sku, kind = EXCLUDED.kind, quantity = EXCLUDED.quantity, \
             monthly_price_micros = EXCLUDED.monthly_price_micros, currency = EXCLUDED.currency, \
             fingerprint = EXCLUDED.fingerprint, updated_at = EXCLUDED.updated_at",
        );
        query
            .build()
            .execute(&mut *conn)
            .await
            .map_err(db("upsert subscriptions"))?;
    }
    Ok(())
}

pub(crate) async fn write_invoices(
    conn: &mut PgConnection,
    rows: &[&Fingerprinted<Invoice>],
    meta: &WriteMeta,
) -> StoreResult<()> {
    const PARAMS: usize = 11;
    for chunk in rows.chunks(MAX_PARAMS / PARAMS) {
        let mut query = QueryBuilder::<Postgres>::new(
            "INSERT INTO invoices (id, customer_id, number, source, issued_on, due_on, currency, total_micros, \
             tax_micros, fingerprint, updated_at) ",
        );
        query.push_values(chunk, |mut b, row| {
            let i = &row.record;
            b.push_bind(i.id.as_str())
                .push_bind(i.customer_id.as_str())
                .push_bind(i.number.as_str())
                .push_bind(i.source.as_str())
                .push_bind(i64::from(date_to_days(i.issued_on)))
                .push_bind(i64::from(date_to_days(i.due_on)))
                .push_bind(i.total.currency().to_string())
                .push_bind(i.total.micros())
                .push_bind(i.tax.micros())
                .push_bind(row.fingerprint)
                .push_bind(meta.at.millis());
        });
        query.push(
            " ON CONFLICT (id) DO UPDATE SET customer_id = EXCLUDED.customer_id, number = EXCLUDED.number, \
             source = EXCLUDED.source, issued_on = EXCLUDED.issued_on, due_on = EXCLUDED.due_on, \
             currency = EXCLUDED.currency, total_micros = EXCLUDED.total_micros, \
             tax_micros = EXCLUDED.tax_micros, fingerprint = EXCLUDED.fingerprint, updated_at = EXCLUDED.updated_at",
        );
        query
            .build()
            .execute(&mut *conn)
            .await
            .map_err(db("upsert invoices"))?;
    }
    Ok(())
}

pub(crate) async fn write_payments(
    conn: &mut PgConnection,
    rows: &[&Fingerprinted<Payment>],
    meta: &WriteMeta,
) -> StoreResult<()> {
    const PARAMS: usize = 9;
    for chunk in rows.chunks(MAX_PARAMS / PARAMS) {
        let mut query = QueryBuilder::<Postgres>::new(
            "INSERT INTO payments (id, customer_id, invoice_id, currency, amount_micros, received_at, method, \
             fingerprint, updated_at) ",
        );
        query.push_values(chunk, |mut b, row| {
            let p = &row.record;
            b.push_bind(p.id.as_str())
                .push_bind(p.customer_id.as_str())
                .push_bind(p.invoice_id.as_ref().map(|i| i.as_str()))
                .push_bind(p.amount.currency().to_string())
                .push_bind(p.amount.micros())
                .push_bind(p.received_at.millis())
                .push_bind(p.method.as_str())
                .push_bind(row.fingerprint)
                .push_bind(meta.at.millis());
        });
        query.push(
            " ON CONFLICT (id) DO UPDATE SET customer_id = EXCLUDED.customer_id, invoice_id = EXCLUDED.invoice_id, \
             currency = EXCLUDED.currency, amount_micros = EXCLUDED.amount_micros, \
             received_at = EXCLUDED.received_at, method = EXCLUDED.method, \
             fingerprint = EXCLUDED.fingerprint, updated_at = EXCLUDED.updated_at",
        );
        query
            .build()
            .execute(&mut *conn)
            .await
            .map_err(db("upsert payments"))?;
    }
    Ok(())
}
