//! The store: one trait that every backend (SQLite, PostgreSQL) implements, the records it
//! reads and writes, and the contract suite that holds both backends to the same behaviour.
//!
//! Every write method is one transaction: the state change, its audit events and the outbox
//! entries it causes commit together or not at all.

pub mod codec;
pub mod contract;
mod outbox;
mod records;

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::NaiveDate;
use tollgate_domain::audit::{AuditEvent, NewAuditEvent};
use tollgate_domain::billing::{Invoice, Payment};
use tollgate_domain::customer::Customer;
use tollgate_domain::ids::{CustomerId, SubscriptionId};
use tollgate_domain::subscription::Subscription;
use tollgate_domain::time::Timestamp;
use tollgate_domain::usage::{DailyUsage, UsageLine};

pub use outbox::{EffectKind, NewOutboxEntry, OutboxEntry, OutboxStats, OutboxStatus};
pub use records::{
    ApiToken, BillingQuery, BookSummary, CustomerQuery, CustomerSort, Fingerprinted,
    IdempotentResponse, LoginOutcome, MigrationStatus, NewAlert, Session, StaffChange, StaffRecord,
    SubscriptionQuery, UpsertCounts, UpsertMode, UpsertReport, WriteMeta, fingerprint,
};

/// What went wrong in the store. Messages name the operation; database detail stays inside.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error during {operation}: {detail}")]
    Database {
        operation: &'static str,
        detail: String,
    },
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("unsupported database URL '{0}': use sqlite://PATH, sqlite::memory: or postgres://…")]
    UnsupportedUrl(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Conflict(String),
}

impl StoreError {
    /// A database error during `operation`.
    pub fn db(operation: &'static str, error: impl std::fmt::Display) -> StoreError {
        StoreError::Database {
            operation,
            detail: error.to_string(),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The backend behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Persistence for the whole book. Implementations own their SQL and migrations.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// Applies pending migrations.
    async fn migrate(&self) -> StoreResult<()>;
    /// Which migrations are applied and which are not.
    async fn migration_status(&self) -> StoreResult<MigrationStatus>;
    /// A cheap round trip to the database.
    async fn ping(&self) -> StoreResult<()>;

    // Customers and subscriptions.

    /// Creates or updates customers. In [`UpsertMode::InsertMissing`] existing customers are
    /// left as they are. An update never changes `status` or `risk_tier`: once a customer is
    /// known, those belong to Tollgate's own decisions, not to files.
    async fn upsert_customers(
        &self,
        customers: &[Fingerprinted<Customer>],
        mode: UpsertMode,
        meta: &WriteMeta,
    ) -> StoreResult<UpsertReport>;
    async fn get_customer(&self, id: &CustomerId) -> StoreResult<Option<Customer>>;
    /// Which of `ids` exist.
    async fn existing_customers(&self, ids: &[CustomerId]) -> StoreResult<HashSet<CustomerId>>;
    /// Customers ordered by id, after the cursor, filtered.
    async fn list_customers(&self, query: &CustomerQuery) -> StoreResult<Vec<Customer>>;

    /// Creates or updates subscriptions; an update never changes `state` or `state_reasons`,
    /// which enforcement owns.
    async fn upsert_subscriptions(
        &self,
        subscriptions: &[Fingerprinted<Subscription>],
        mode: UpsertMode,
        meta: &WriteMeta,
    ) -> StoreResult<UpsertReport>;
    async fn existing_subscriptions(
        &self,
        ids: &[SubscriptionId],
    ) -> StoreResult<HashSet<SubscriptionId>>;
    async fn list_subscriptions(&self, customer: &CustomerId) -> StoreResult<Vec<Subscription>>;

    // Usage.

    /// Records usage lines by identity and keeps the daily aggregates in step: a line seen
    /// before with the same content is unchanged, with other content it replaces the old one
    /// (the aggregates move by the difference), a new line adds to them.
    async fn import_usage(
        &self,
        lines: &[UsageLine],
        meta: &WriteMeta,
    ) -> StoreResult<UpsertCounts>;
    /// Daily aggregates of one customer between two dates, inclusive.
    async fn daily_usage(
        &self,
        customer: &CustomerId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<DailyUsage>>;

    // Billing.

    async fn upsert_invoices(
        &self,
        invoices: &[Fingerprinted<Invoice>],
        meta: &WriteMeta,
    ) -> StoreResult<UpsertReport>;
    async fn upsert_payments(
        &self,
        payments: &[Fingerprinted<Payment>],
        meta: &WriteMeta,
    ) -> StoreResult<UpsertReport>;
    /// Which of `ids` are known invoices.
    async fn existing_invoices(&self, ids: &[String]) -> StoreResult<HashSet<String>>;

    /// Subscriptions ordered by id, after the cursor, filtered.
    async fn list_subscriptions_page(
        &self,
        query: &SubscriptionQuery,
    ) -> StoreResult<Vec<Subscription>>;
    async fn get_subscription(&self, id: &SubscriptionId) -> StoreResult<Option<Subscription>>;
    async fn get_payment(&self, id: &str) -> StoreResult<Option<Payment>>;

    /// Invoices ordered by id, after the cursor, of one customer or all.
    async fn list_invoices(&self, query: &BillingQuery) -> StoreResult<Vec<Invoice>>;
    async fn get_invoice(&self, id: &str) -> StoreResult<Option<Invoice>>;
    /// Payments ordered by id, after the cursor, of one customer or all.
    async fn list_payments(&self, query: &BillingQuery) -> StoreResult<Vec<Payment>>;

    /// Counts for the demo and the overview.
    async fn book_summary(&self) -> StoreResult<BookSummary>;

    // Audit.

    /// Appends events to the chain, in order, in one transaction.
    async fn append_audit(&self, events: &[NewAuditEvent]) -> StoreResult<()>;
    /// Events with `seq > after_seq`, ascending, at most `limit`.
    async fn audit_page(&self, after_seq: i64, limit: i64) -> StoreResult<Vec<AuditEvent>>;

    // Outbox.

    /// Writes effects and the audit events that explain them in one transaction. An entry whose
    /// idempotency key exists already is not written again; its existing id is returned.
    async fn enqueue(
        &self,
        entries: &[NewOutboxEntry],
        audit: &[NewAuditEvent],
    ) -> StoreResult<Vec<i64>>;
    /// Claims the oldest due entry for `worker` until `now + lease_ms`. Entries claimed by a
    /// worker whose lease ran out (it crashed) are claimable again. Two workers never hold the
    /// same entry at once.
    async fn claim_next(
        &self,
        worker: &str,
        now: Timestamp,
        lease_ms: i64,
    ) -> StoreResult<Option<OutboxEntry>>;
    /// Marks a claimed entry delivered; false when `worker` no longer holds it.
    async fn complete(&self, id: i64, worker: &str, now: Timestamp) -> StoreResult<bool>;
    /// Records a failed attempt: retried at `retry_at`, or dead when `None`.
    async fn fail(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
        now: Timestamp,
    ) -> StoreResult<bool>;
    async fn get_outbox(&self, id: i64) -> StoreResult<Option<OutboxEntry>>;
    async fn outbox_stats(&self, now: Timestamp) -> StoreResult<OutboxStats>;

    // Staff and API tokens.

    /// Creates a staff member; a [`StoreError::Conflict`] when the e-mail is taken.
    async fn create_staff_user(
        &self,
        user: &tollgate_domain::staff::StaffUser,
        password_hash: &str,
        meta: &WriteMeta,
    ) -> StoreResult<()>;
    /// By e-mail, compared case-insensitively.
    async fn staff_user_by_email(&self, email: &str) -> StoreResult<Option<StaffRecord>>;
    async fn staff_user(&self, id: &str) -> StoreResult<Option<StaffRecord>>;
    /// Everyone, ordered by e-mail.
    async fn list_staff_users(&self) -> StoreResult<Vec<tollgate_domain::staff::StaffUser>>;
    /// Applies and audits a change; false when there is no such user.
    async fn update_staff_user(
        &self,
        id: &str,
        change: &StaffChange,
        meta: &WriteMeta,
    ) -> StoreResult<bool>;
    /// Counts a failed login (locking the account when told to) or clears the count.
    async fn record_login(
        &self,
        id: &str,
        outcome: LoginOutcome,
        meta: &WriteMeta,
    ) -> StoreResult<()>;
    /// Stores a token by the SHA-256 of its secret.
    async fn create_api_token(
        &self,
        token: &ApiToken,
        secret_hash: &str,
        meta: &WriteMeta,
    ) -> StoreResult<()>;
    /// A user's tokens, or everyone's when `user_id` is `None`; newest first.
    async fn list_api_tokens(&self, user_id: Option<&str>) -> StoreResult<Vec<ApiToken>>;
    /// Revokes a token; false when there is no such token or it was revoked already.
    async fn revoke_api_token(&self, id: &str, meta: &WriteMeta) -> StoreResult<bool>;
    /// The token with this secret hash and its owner.
    async fn api_token_by_hash(
        &self,
        secret_hash: &str,
    ) -> StoreResult<Option<(ApiToken, StaffRecord)>>;

    /// A customer's unpaid invoice balances per currency (micro-units; invoices paid in full or
    /// in credit left out).
    async fn open_receivables(
        &self,
        customer: &CustomerId,
    ) -> StoreResult<Vec<(tollgate_domain::money::Currency, i64)>>;

    // Budgets and alerts.

    /// Sets (or replaces) a customer's monthly budget; audited.
    async fn set_budget(
        &self,
        budget: &tollgate_domain::monitoring::Budget,
        meta: &WriteMeta,
    ) -> StoreResult<()>;
    async fn list_budgets(&self) -> StoreResult<Vec<tollgate_domain::monitoring::Budget>>;
    /// A customer's usage cost in one currency between two days, inclusive (micro-units).
    async fn usage_spend(
        &self,
        customer: &CustomerId,
        currency: tollgate_domain::money::Currency,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<i64>;
    /// Raises alerts not raised before (by `dedup_key`), each with its audit event and a
    /// webhook notification in the outbox, in one transaction; returns the ids raised now.
    async fn raise_alerts(&self, alerts: &[NewAlert], meta: &WriteMeta)
    -> StoreResult<Vec<String>>;
    /// Alerts, newest first, of one kind or all.
    async fn list_alerts(
        &self,
        kind: Option<tollgate_domain::monitoring::AlertKind>,
    ) -> StoreResult<Vec<tollgate_domain::monitoring::Alert>>;

    // Sessions and idempotency.

    /// Stores a session under the SHA-256 of its cookie value.
    async fn create_session(&self, id_hash: &str, session: &Session) -> StoreResult<()>;
    async fn session_by_hash(&self, id_hash: &str) -> StoreResult<Option<Session>>;
    /// Ends a session (logout); false when there was none.
    async fn delete_session(&self, id_hash: &str) -> StoreResult<bool>;
    /// The stored first response for a caller's idempotency key.
    async fn idempotent_response(
        &self,
        caller: &str,
        key: &str,
    ) -> StoreResult<Option<IdempotentResponse>>;
    /// Keeps the first response for a key; a second writer of the same key changes nothing.
    async fn save_idempotent_response(
        &self,
        caller: &str,
        key: &str,
        response: &IdempotentResponse,
    ) -> StoreResult<()>;
}
