//! The PostgreSQL backend of the Tollgate store.
//!
//! A pool of connections shared by readers and writers; every write method is one transaction
//! (`pool.begin()`), so its state change, audit events and outbox entries commit together.
//! Several processes may share one database:
//!
//! - the audit chain's end lives in the one-row `audit_head` table, which an appender locks
//!   (`SELECT … FOR UPDATE`) before it links and inserts its events, so the chain never forks;
//! - outbox claims take the oldest due entry with `FOR UPDATE SKIP LOCKED`, so two workers never
//!   run one entry at once and never wait on each other;
//! - writes that first read what is stored and then decide (record upserts, usage import) take a
//!   transaction-scoped advisory lock per table, the counterpart of SQLite's single writer, so
//!   two imports of the same file never both count a line as new.
//!
//! SQL is bound at run time (`query` with `bind`), so building needs no live database.

mod accounts;
mod monitoring;
mod reads;
mod rows;
mod sessions;
mod staff;
pub mod testing;
mod upsert;
mod usage;

use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{PgConnection, Postgres, QueryBuilder};
use tollgate_domain::TextEnum;
use tollgate_domain::audit::{AuditEvent, NewAuditEvent};
use tollgate_domain::billing::{Invoice, Payment};
use tollgate_domain::customer::Customer;
use tollgate_domain::ids::{CustomerId, SubscriptionId};
use tollgate_domain::monitoring::{Alert, AlertKind, Budget};
use tollgate_domain::staff::StaffUser;
use tollgate_domain::subscription::Subscription;
use tollgate_domain::time::{Timestamp, date_to_days};
use tollgate_domain::usage::{DailyUsage, UsageLine};
use tollgate_store::codec::{chain_events, encode_contacts, encode_enums, encode_strings};
use tollgate_store::{
    ApiToken, Backend, BillingQuery, BookSummary, CustomerQuery, CustomerSort, Fingerprinted,
    IdempotentResponse, LoginOutcome, MigrationStatus, NewOutboxEntry, OutboxEntry, OutboxStats,
    Session, StaffChange, StaffRecord, Store, StoreError, StoreResult, UpsertCounts, UpsertMode,
    UpsertReport, WriteMeta,
};
use tollgate_store::{NewAlert, SubscriptionQuery};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// PostgreSQL allows 65,535 bound parameters in one statement; batches stay below.
pub(crate) const MAX_PARAMS: usize = 60_000;

/// Connections per store. Each process has its own pool.
const MAX_CONNECTIONS: u32 = 10;

/// Advisory lock keys, one per kind of read-then-write. Any fixed numbers would do; these spell
/// "tollgate" in their high bytes so they are recognisable in `pg_locks`.
#[derive(Debug, Clone, Copy)]
#[repr(i64)]
enum WriteLock {
    Customers = 0x746f_6c6c_6761_0001,
    Subscriptions = 0x746f_6c6c_6761_0002,
    Usage = 0x746f_6c6c_6761_0003,
    Invoices = 0x746f_6c6c_6761_0004,
    Payments = 0x746f_6c6c_6761_0005,
}

/// The PostgreSQL store.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

pub(crate) fn db(operation: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| StoreError::db(operation, e)
}

impl PgStore {
    /// Opens `postgres://…` or `postgresql://…` and connects once, so a wrong address fails here.
    pub async fn open(url: &str) -> StoreResult<PgStore> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        }
        let options = PgConnectOptions::from_str(url)
            .map_err(|_| StoreError::UnsupportedUrl(url.to_string()))?;
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(db("open"))?;
        Ok(PgStore { pool })
    }

    /// The pool, for tests that need to reach under the store (to tamper with a row).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// One page of a billing table, by id, optionally of one customer.
    async fn list_billing<T>(
        &self,
        table: &'static str,
        columns: &'static str,
        query: &BillingQuery,
        decode: fn(&sqlx::postgres::PgRow) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        let mut sql =
            QueryBuilder::<Postgres>::new(format!("SELECT {columns} FROM {table} WHERE 1 = 1"));
        if let Some(customer) = &query.customer_id {
            sql.push(" AND customer_id = ")
                .push_bind(customer.to_string());
        }
        if let Some(after) = &query.after_id {
            sql.push(" AND id > ").push_bind(after.clone());
        }
        sql.push(" ORDER BY id LIMIT ")
            .push_bind(query.limit.clamp(1, 1000) as i64);
        let found = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(db("list billing records"))?;
        found.iter().map(decode).collect()
    }

    async fn begin(&self) -> StoreResult<sqlx::Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(db("begin"))
    }
}

/// Takes `lock` until the end of the open transaction.
async fn lock_writes(conn: &mut PgConnection, lock: WriteLock) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(lock as i64)
        .execute(&mut *conn)
        .await
        .map_err(db("take write lock"))?;
    Ok(())
}

/// Appends events to the chain inside an open transaction. Locking the head row makes every
/// other appender wait here until this transaction ends, whichever process it runs in.
async fn append_audit_in(conn: &mut PgConnection, events: &[NewAuditEvent]) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let (last_seq, last_hash): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")
            .fetch_optional(&mut *conn)
            .await
            .map_err(db("read audit head"))?
            .ok_or_else(|| StoreError::Corrupt("the audit head row is missing".into()))?;
    let chained = chain_events(events, last_seq, last_hash);
    const EVENT_PARAMS: usize = 9;
    for chunk in chained.chunks(MAX_PARAMS / EVENT_PARAMS) {
        let mut query = QueryBuilder::<Postgres>::new(
            "INSERT INTO audit_events (seq, at, actor, action, subject, reasons, details, prev_hash, hash) ",
        );
        query.push_values(chunk, |mut b, c| {
            b.push_bind(c.seq)
                .push_bind(c.event.at.millis())
                .push_bind(&c.event.actor)
                .push_bind(&c.event.action)
                .push_bind(&c.event.subject)
                .push_bind(&c.reasons_json)
                .push_bind(&c.event.details)
                .push_bind(&c.prev_hash)
                .push_bind(&c.hash);
        });
        query
            .build()
            .execute(&mut *conn)
            .await
            .map_err(db("append audit"))?;
    }
    if let Some(last) = chained.last() {
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(last.seq)
            .bind(&last.hash)
            .execute(&mut *conn)
            .await
            .map_err(db("move audit head"))?;
    }
    Ok(())
}

use upsert::*;

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn migrate(&self) -> StoreResult<()> {
        // sqlx holds an advisory lock while it migrates, so concurrent starts are safe.
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))
    }

    async fn migration_status(&self) -> StoreResult<MigrationStatus> {
        let table: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
            .fetch_one(&self.pool)
            .await
            .map_err(db("migration status"))?;
        let applied: Vec<i64> = if table {
            sqlx::query_scalar(
                "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(db("migration status"))?
        } else {
            Vec::new()
        };
        let pending = MIGRATOR
            .iter()
            .map(|m| m.version)
            .filter(|v| !applied.contains(v))
            .collect();
        Ok(MigrationStatus { applied, pending })
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db("ping"))?;
        Ok(())
    }

    async fn upsert_customers(
        &self,
        customers: &[Fingerprinted<Customer>],
        mode: UpsertMode,
        meta: &WriteMeta,
    ) -> StoreResult<UpsertReport> {
        let mut tx = self.begin().await?;
        lock_writes(&mut tx, WriteLock::Customers).await?;
        let ids: Vec<&str> = customers.iter().map(|c| c.record.id.as_str()).collect();
        let existing = fingerprints(&mut tx, "customers", &ids).await?;
        let classified = classify(customers, |c| c.id.as_str(), &existing, mode);
        write_customers(&mut tx, &classified.writes(), meta).await?;
        append_audit_in(
            &mut tx,
            &change_events(&classified, "customer", |c| c.id.to_string(), meta),
        )
        .await?;
        tx.commit().await.map_err(db("commit customers"))?;
        Ok(report(&classified, |c| c.id.to_string()))
    }

    async fn get_customer(&self, id: &CustomerId) -> StoreResult<Option<Customer>> {
        let row = sqlx::query(rows::CUSTOMER_SELECT_BY_ID)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db("get customer"))?;
        row.map(|r| rows::customer(&r)).transpose()
    }

    async fn existing_customers(&self, ids: &[CustomerId]) -> StoreResult<HashSet<CustomerId>> {
        let texts: Vec<&str> = ids.iter().map(CustomerId::as_str).collect();
        let mut conn = self.pool.acquire().await.map_err(db("acquire"))?;
        let found = fingerprints(&mut conn, "customers", &texts).await?;
        Ok(ids
            .iter()
            .filter(|id| found.contains_key(id.as_str()))
            .cloned()
            .collect())
    }

    async fn list_customers(&self, query: &CustomerQuery) -> StoreResult<Vec<Customer>> {
        let mut sql = QueryBuilder::<Postgres>::new(rows::CUSTOMER_SELECT);
        sql.push(" WHERE TRUE");
        let column = query.sort.column();
        let text = if matches!(
            query.sort,
            CustomerSort::CompanyName | CustomerSort::Country
        ) {
            " COLLATE \"C\""
        } else {
            ""
        };
        let (cmp, direction) = if query.descending {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        match (&query.after_key, &query.after_id, query.sort) {
            (Some(key), Some(after), sort) if sort != CustomerSort::Id => {
                let push_key = |sql: &mut QueryBuilder<'_, Postgres>| -> StoreResult<()> {
                    if sort == CustomerSort::CreatedAt {
                        let millis: i64 = key
                            .parse()
                            .map_err(|_| StoreError::Conflict("bad cursor".into()))?;
                        sql.push_bind(millis);
                    } else {
                        sql.push_bind(key.clone());
                    }
                    Ok(())
                };
                sql.push(format!(" AND ({column}{text} {cmp} "));
                push_key(&mut sql)?;
                sql.push(format!(" OR ({column}{text} = "));
                push_key(&mut sql)?;
                sql.push(format!(" AND id {cmp} "))
                    .push_bind(after.clone())
                    .push("))");
            }
            (_, Some(after), _) => {
                sql.push(format!(" AND id {cmp} ")).push_bind(after.clone());
            }
            _ => {}
        }
        if let Some(status) = query.status {
            sql.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(tier) = query.risk_tier {
            sql.push(" AND risk_tier = ").push_bind(tier.as_str());
        }
        if let Some(country) = &query.country {
            sql.push(" AND country = ")
                .push_bind(country.to_ascii_uppercase());
        }
        if let Some(cloud) = query.cloud {
            sql.push(" AND cloud = ").push_bind(cloud.as_str());
        }
        // The id column is `COLLATE "C"`: bytewise order, as in SQLite, served by the primary key.
        sql.push(format!(
            " ORDER BY {column}{text} {direction}, id {direction} LIMIT "
        ))
        .push_bind(i64::from(query.limit.clamp(1, 1000)));
        let found = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(db("list customers"))?;
        found.iter().map(rows::customer).collect()
    }

    async fn upsert_subscriptions(
        &self,
        subscriptions: &[Fingerprinted<Subscription>],
        mode: UpsertMode,
        meta: &WriteMeta,
    ) -> StoreResult<UpsertReport> {
        let mut tx = self.begin().await?;
        lock_writes(&mut tx, WriteLock::Subscriptions).await?;
        let ids: Vec<&str> = subscriptions.iter().map(|s| s.record.id.as_str()).collect();
        let existing = fingerprints(&mut tx, "subscriptions", &ids).await?;
        let classified = classify(subscriptions, |s| s.id.as_str(), &existing, mode);
        write_subscriptions(&mut tx, &classified.writes(), meta).await?;
        append_audit_in(
            &mut tx,
            &change_events(&classified, "subscription", |s| s.id.to_string(), meta),
        )
        .await?;
        tx.commit().await.map_err(db("commit subscriptions"))?;
        Ok(report(&classified, |s| s.id.to_string()))
    }

    async fn existing_subscriptions(
        &self,
        ids: &[SubscriptionId],
    ) -> StoreResult<HashSet<SubscriptionId>> {
        let texts: Vec<&str> = ids.iter().map(SubscriptionId::as_str).collect();
        let mut conn = self.pool.acquire().await.map_err(db("acquire"))?;
        let found = fingerprints(&mut conn, "subscriptions", &texts).await?;
        Ok(ids
            .iter()
            .filter(|id| found.contains_key(id.as_str()))
            .cloned()
            .collect())
    }

    async fn list_subscriptions(&self, customer: &CustomerId) -> StoreResult<Vec<Subscription>> {
        let found = sqlx::query(rows::SUBSCRIPTION_SELECT_BY_CUSTOMER)
            .bind(customer.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(db("list subscriptions"))?;
        found.iter().map(rows::subscription).collect()
    }

    async fn import_usage(
        &self,
        lines: &[UsageLine],
        meta: &WriteMeta,
    ) -> StoreResult<UpsertCounts> {
        let mut tx = self.begin().await?;
        lock_writes(&mut tx, WriteLock::Usage).await?;
        let counts = usage::import(&mut tx, lines).await?;
        if counts.new + counts.updated > 0 {
            let event = NewAuditEvent {
                actor: meta.actor.clone(),
                action: "usage.imported".into(),
                subject: format!("import:{}", meta.source),
                reasons: vec![format!(
                    "{} new, {} updated, {} unchanged",
                    counts.new, counts.updated, counts.unchanged
                )],
                details: "{}".into(),
                at: meta.at,
            };
            append_audit_in(&mut tx, &[event]).await?;
        }
        tx.commit().await.map_err(db("commit usage"))?;
        Ok(counts)
    }

    async fn daily_usage(
        &self,
        customer: &CustomerId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<DailyUsage>> {
        let found = sqlx::query(
            "SELECT customer_id, subscription_id, day, meter_category, region, currency, cost_micros, \
             quantity_micros, vcpu_hours_micros, n_lines FROM usage_daily \
             WHERE customer_id = $1 AND day BETWEEN $2 AND $3 \
             ORDER BY day, subscription_id COLLATE \"C\", meter_category COLLATE \"C\", \
             region COLLATE \"C\", currency COLLATE \"C\"",
        )
        .bind(customer.as_str())
        .bind(i64::from(date_to_days(from)))
        .bind(i64::from(date_to_days(to)))
        .fetch_all(&self.pool)
        .await
        .map_err(db("daily usage"))?;
        found.iter().map(rows::daily_usage).collect()
    }

    async fn upsert_invoices(
        &self,
        invoices: &[Fingerprinted<Invoice>],
        meta: &WriteMeta,
    ) -> StoreResult<UpsertReport> {
        let mut tx = self.begin().await?;
        lock_writes(&mut tx, WriteLock::Invoices).await?;
        let ids: Vec<&str> = invoices.iter().map(|i| i.record.id.as_str()).collect();
        let existing = fingerprints(&mut tx, "invoices", &ids).await?;
        let classified = classify(invoices, |i| i.id.as_str(), &existing, UpsertMode::Replace);
        write_invoices(&mut tx, &classified.writes(), meta).await?;
        append_audit_in(
            &mut tx,
            &change_events(&classified, "invoice", |i| i.id.to_string(), meta),
        )
        .await?;
        tx.commit().await.map_err(db("commit invoices"))?;
        Ok(report(&classified, |i| i.id.to_string()))
    }

    async fn upsert_payments(
        &self,
        payments: &[Fingerprinted<Payment>],
        meta: &WriteMeta,
    ) -> StoreResult<UpsertReport> {
        let mut tx = self.begin().await?;
        lock_writes(&mut tx, WriteLock::Payments).await?;
        let ids: Vec<&str> = payments.iter().map(|p| p.record.id.as_str()).collect();
        let existing = fingerprints(&mut tx, "payments", &ids).await?;
        let classified = classify(payments, |p| p.id.as_str(), &existing, UpsertMode::Replace);
        write_payments(&mut tx, &classified.writes(), meta).await?;
        append_audit_in(
            &mut tx,
            &change_events(&classified, "payment", |p| p.id.to_string(), meta),
        )
        .await?;
        tx.commit().await.map_err(db("commit payments"))?;
        Ok(report(&classified, |p| p.id.to_string()))
    }

    async fn existing_invoices(&self, ids: &[String]) -> StoreResult<HashSet<String>> {
        let texts: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut conn = self.pool.acquire().await.map_err(db("acquire"))?;
        Ok(fingerprints(&mut conn, "invoices", &texts)
            .await?
            .into_keys()
            .collect())
    }

    async fn list_subscriptions_page(
        &self,
        query: &SubscriptionQuery,
    ) -> StoreResult<Vec<Subscription>> {
        self.list_subscriptions_page_in(query).await
    }

    async fn get_subscription(&self, id: &SubscriptionId) -> StoreResult<Option<Subscription>> {
        self.get_subscription_in(id).await
    }

    async fn get_payment(&self, id: &str) -> StoreResult<Option<Payment>> {
        self.get_payment_in(id).await
    }

    async fn list_invoices(&self, query: &BillingQuery) -> StoreResult<Vec<Invoice>> {
        self.list_invoices_in(query).await
    }

    async fn get_invoice(&self, id: &str) -> StoreResult<Option<Invoice>> {
        self.get_invoice_in(id).await
    }

    async fn list_payments(&self, query: &BillingQuery) -> StoreResult<Vec<Payment>> {
        self.list_payments_in(query).await
    }

    async fn book_summary(&self) -> StoreResult<BookSummary> {
        let mut conn = self.pool.acquire().await.map_err(db("acquire"))?;
        let mut summary = BookSummary::default();
        let pairs = |sql: &'static str| sqlx::query_as::<_, (String, i64)>(sql);
        summary.customers_by_status =
            pairs("SELECT status, COUNT(*) FROM customers GROUP BY status")
                .fetch_all(&mut *conn)
                .await
                .map_err(db("summary"))?
                .into_iter()
                .collect();
        summary.customers_by_country =
            pairs("SELECT country, COUNT(*) FROM customers GROUP BY country")
                .fetch_all(&mut *conn)
                .await
                .map_err(db("summary"))?
                .into_iter()
                .collect();
        summary.subscriptions_by_state =
            pairs("SELECT state, COUNT(*) FROM subscriptions GROUP BY state")
                .fetch_all(&mut *conn)
                .await
                .map_err(db("summary"))?
                .into_iter()
                .collect();
        // SUM over BIGINT is NUMERIC in PostgreSQL: cast back.
        summary.usage_micros_by_currency =
            pairs("SELECT currency, SUM(cost_micros)::BIGINT FROM usage_daily GROUP BY currency")
                .fetch_all(&mut *conn)
                .await
                .map_err(db("summary"))?
                .into_iter()
                .collect();
        let scalar = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
        summary.usage_lines = scalar("SELECT COALESCE(SUM(n_lines), 0)::BIGINT FROM usage_daily")
            .fetch_one(&mut *conn)
            .await
            .map_err(db("summary"))?;
        summary.invoices = scalar("SELECT COUNT(*) FROM invoices")
            .fetch_one(&mut *conn)
            .await
            .map_err(db("summary"))?;
        summary.payments = scalar("SELECT COUNT(*) FROM payments")
            .fetch_one(&mut *conn)
            .await
            .map_err(db("summary"))?;
        summary.audit_events = scalar("SELECT COUNT(*) FROM audit_events")
            .fetch_one(&mut *conn)
            .await
            .map_err(db("summary"))?;
        let open = sqlx::query_as::<_, (String, i64, i64)>(
            "SELECT i.currency, COUNT(*), SUM(i.total_micros - COALESCE(p.paid, 0))::BIGINT FROM invoices i \
             LEFT JOIN (SELECT invoice_id, SUM(amount_micros) AS paid FROM payments \
                        WHERE invoice_id IS NOT NULL GROUP BY invoice_id) p ON p.invoice_id = i.id \
             WHERE i.total_micros - COALESCE(p.paid, 0) > 0 GROUP BY i.currency",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(db("summary"))?;
        for (currency, count, balance) in open {
            summary.open_invoices += count;
            summary
                .open_balance_micros_by_currency
                .insert(currency, balance);
        }
        Ok(summary)
    }

    async fn append_audit(&self, events: &[NewAuditEvent]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        append_audit_in(&mut tx, events).await?;
        tx.commit().await.map_err(db("commit audit"))
    }

    async fn audit_page(&self, after_seq: i64, limit: i64) -> StoreResult<Vec<AuditEvent>> {
        let found = sqlx::query(
            "SELECT seq, at, actor, action, subject, reasons, details, prev_hash, hash FROM audit_events \
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db("audit page"))?;
        found.iter().map(rows::audit_event).collect()
    }

    async fn enqueue(
        &self,
        entries: &[NewOutboxEntry],
        audit: &[NewAuditEvent],
    ) -> StoreResult<Vec<i64>> {
        // Entries are written in key order, so two transactions enqueueing overlapping keys wait
        // for each other in one direction only and cannot deadlock.
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by(|a, b| {
            entries[*a]
                .idempotency_key
                .cmp(&entries[*b].idempotency_key)
        });
        let mut ids = vec![0_i64; entries.len()];
        let mut tx = self.begin().await?;
        for idx in order {
            let entry = &entries[idx];
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO outbox (kind, idempotency_key, subject, payload, status, attempts, next_attempt_at, \
                 created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5) \
                 ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
            )
            .bind(entry.kind.as_str())
            .bind(&entry.idempotency_key)
            .bind(&entry.subject)
            .bind(&entry.payload)
            .bind(entry.not_before.millis())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db("enqueue"))?;
            ids[idx] = match inserted {
                Some(id) => id,
                // A known key: a separate statement, so it sees a row another transaction
                // committed while this one waited on the key.
                None => sqlx::query_scalar("SELECT id FROM outbox WHERE idempotency_key = $1")
                    .bind(&entry.idempotency_key)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db("enqueue"))?,
            };
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(db("commit enqueue"))?;
        Ok(ids)
    }

    async fn claim_next(
        &self,
        worker: &str,
        now: Timestamp,
        lease_ms: i64,
    ) -> StoreResult<Option<OutboxEntry>> {
        // The subquery locks the row it picks and skips rows other claimers hold, so concurrent
        // claimers (in any process) each get a different entry without waiting on each other.
        let row = sqlx::query(&format!(
            "UPDATE outbox SET locked_by = $1, locked_until = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $3 \
                         AND (locked_until IS NULL OR locked_until < $3) \
                         ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
             RETURNING {}",
            rows::OUTBOX_COLUMNS
        ))
        .bind(worker)
        .bind(now.millis() + lease_ms)
        .bind(now.millis())
        .fetch_optional(&self.pool)
        .await
        .map_err(db("claim outbox entry"))?;
        row.map(|r| rows::outbox_entry(&r)).transpose()
    }

    async fn complete(&self, id: i64, worker: &str, now: Timestamp) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE outbox SET status = 'delivered', delivered_at = $1, locked_by = NULL, locked_until = NULL, \
             last_error = NULL WHERE id = $2 AND locked_by = $3 AND status = 'pending'",
        )
        .bind(now.millis())
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await
        .map_err(db("complete outbox entry"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn fail(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
        _now: Timestamp,
    ) -> StoreResult<bool> {
        let (status, next) = match retry_at {
            Some(at) => ("pending", Some(at.millis())),
            None => ("dead", None),
        };
        let done = sqlx::query(
            "UPDATE outbox SET status = $1, next_attempt_at = COALESCE($2, next_attempt_at), last_error = $3, \
             locked_by = NULL, locked_until = NULL WHERE id = $4 AND locked_by = $5 AND status = 'pending'",
        )
        .bind(status)
        .bind(next)
        .bind(error)
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await
        .map_err(db("fail outbox entry"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn get_outbox(&self, id: i64) -> StoreResult<Option<OutboxEntry>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM outbox WHERE id = $1",
            rows::OUTBOX_COLUMNS
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db("get outbox entry"))?;
        row.map(|r| rows::outbox_entry(&r)).transpose()
    }

    async fn outbox_stats(&self, now: Timestamp) -> StoreResult<OutboxStats> {
        let (pending, due, in_flight, delivered, dead) =
            sqlx::query_as::<_, (i64, i64, i64, i64, i64)>(
                "SELECT \
                   COUNT(*) FILTER (WHERE status = 'pending'), \
                   COUNT(*) FILTER (WHERE status = 'pending' AND next_attempt_at <= $1 \
                                    AND (locked_until IS NULL OR locked_until < $1)), \
                   COUNT(*) FILTER (WHERE status = 'pending' AND locked_until >= $1), \
                   COUNT(*) FILTER (WHERE status = 'delivered'), \
                   COUNT(*) FILTER (WHERE status = 'dead') FROM outbox",
            )
            .bind(now.millis())
            .fetch_one(&self.pool)
            .await
            .map_err(db("outbox stats"))?;
        Ok(OutboxStats {
            pending,
            due,
            in_flight,
            delivered,
            dead,
        })
    }

    async fn create_staff_user(
        &self,
        user: &StaffUser,
        password_hash: &str,
        meta: &WriteMeta,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        staff::create_user(&mut tx, user, password_hash, meta).await?;
        tx.commit().await.map_err(db("commit staff user"))
    }

    async fn staff_user_by_email(&self, email: &str) -> StoreResult<Option<StaffRecord>> {
        self.staff_user_by_email_in(email).await
    }

    async fn staff_user(&self, id: &str) -> StoreResult<Option<StaffRecord>> {
        self.staff_user_in(id).await
    }

    async fn list_staff_users(&self) -> StoreResult<Vec<StaffUser>> {
        self.list_staff_users_in().await
    }

    async fn update_staff_user(
        &self,
        id: &str,
        change: &StaffChange,
        meta: &WriteMeta,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let changed = staff::update_user(&mut tx, id, change, meta).await?;
        tx.commit().await.map_err(db("commit staff user"))?;
        Ok(changed)
    }

    async fn record_login(
        &self,
        id: &str,
        outcome: LoginOutcome,
        meta: &WriteMeta,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        staff::record_login(&mut tx, id, outcome, meta).await?;
        tx.commit().await.map_err(db("commit login"))
    }

    async fn create_api_token(
        &self,
        token: &ApiToken,
        secret_hash: &str,
        meta: &WriteMeta,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        staff::create_token(&mut tx, token, secret_hash, meta).await?;
        tx.commit().await.map_err(db("commit api token"))
    }

    async fn list_api_tokens(&self, user_id: Option<&str>) -> StoreResult<Vec<ApiToken>> {
        self.list_api_tokens_in(user_id).await
    }

    async fn revoke_api_token(&self, id: &str, meta: &WriteMeta) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let revoked = staff::revoke_token(&mut tx, id, meta).await?;
        tx.commit().await.map_err(db("commit api token"))?;
        Ok(revoked)
    }

    async fn api_token_by_hash(
        &self,
        secret_hash: &str,
    ) -> StoreResult<Option<(ApiToken, StaffRecord)>> {
        self.api_token_by_hash_in(secret_hash).await
    }

    async fn create_session(&self, id_hash: &str, session: &Session) -> StoreResult<()> {
        self.create_session_in(id_hash, session).await
    }

    async fn session_by_hash(&self, id_hash: &str) -> StoreResult<Option<Session>> {
        self.session_by_hash_in(id_hash).await
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<bool> {
        self.delete_session_in(id_hash).await
    }

    async fn idempotent_response(
        &self,
        caller: &str,
        key: &str,
    ) -> StoreResult<Option<IdempotentResponse>> {
        self.idempotent_response_in(caller, key).await
    }

    async fn save_idempotent_response(
        &self,
        caller: &str,
        key: &str,
        response: &IdempotentResponse,
    ) -> StoreResult<()> {
        self.save_idempotent_response_in(caller, key, response)
            .await
    }
    async fn set_budget(&self, budget: &Budget, meta: &WriteMeta) -> StoreResult<()> {
        self.set_budget_in(budget, meta).await
    }

    async fn list_budgets(&self) -> StoreResult<Vec<Budget>> {
        self.list_budgets_in().await
    }

    async fn usage_spend(
        &self,
        customer: &CustomerId,
        currency: tollgate_domain::money::Currency,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<i64> {
        self.usage_spend_in(customer, currency, from, to).await
    }

    async fn raise_alerts(
        &self,
        alerts: &[NewAlert],
        meta: &WriteMeta,
    ) -> StoreResult<Vec<String>> {
        self.raise_alerts_in(alerts, meta).await
    }

    async fn list_alerts(&self, kind: Option<AlertKind>) -> StoreResult<Vec<Alert>> {
        self.list_alerts_in(kind).await
    }
    async fn open_receivables(
        &self,
        customer: &CustomerId,
    ) -> StoreResult<Vec<(tollgate_domain::money::Currency, i64)>> {
        self.open_receivables_in(customer).await
    }
}
