//! Plain records that cross the store boundary: write context, upsert reports, queries and
//! summaries.

use std::collections::BTreeMap;

use tollgate_domain::customer::{Cloud, CustomerStatus, RiskTier};
use tollgate_domain::time::Timestamp;

/// Who writes and when: every audit event of a write carries these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteMeta {
    /// `import:<file>`, `user:<email>`, `system:<component>`.
    pub actor: String,
    pub at: Timestamp,
    /// Where the records came from (a file name, an API request id).
    pub source: String,
}

/// A record with the fingerprint of the input it came from: an equal fingerprint means the
/// same content, so re-importing a file changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprinted<T> {
    pub record: T,
    pub fingerprint: i64,
}

/// The fingerprint of input text (a raw NDJSON line, a group of CSV lines).
pub fn fingerprint(bytes: &[u8]) -> i64 {
    xxhash_rust::xxh3::xxh3_64(bytes) as i64
}

/// What an upsert may do to records that exist already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertMode {
    /// Update existing records whose fingerprint differs.
    Replace,
    /// Only create missing records; existing ones are unchanged.
    InsertMissing,
}

/// How many records were new, updated, or already as given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl UpsertCounts {
    pub fn add(&mut self, other: UpsertCounts) {
        self.new += other.new;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }
}

/// Counts plus the ids that were created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpsertReport {
    pub counts: UpsertCounts,
    pub created: Vec<String>,
}

/// A page of customers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerQuery {
    pub status: Option<CustomerStatus>,
    pub risk_tier: Option<RiskTier>,
    pub country: Option<String>,
    pub cloud: Option<Cloud>,
    /// Only ids greater than this (cursor pagination); with a sort other than id, together with
    /// `after_key`, the sort value of the last record seen.
    pub after_id: Option<String>,
    pub after_key: Option<String>,
    pub sort: CustomerSort,
    pub descending: bool,
    pub limit: u32,
}

/// What customers are listed by; ties are broken by id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CustomerSort {
    #[default]
    Id,
    CompanyName,
    Country,
    CreatedAt,
}

impl CustomerSort {
    pub fn parse(text: &str) -> Option<CustomerSort> {
        match text {
            "id" => Some(CustomerSort::Id),
            "company_name" => Some(CustomerSort::CompanyName),
            "country" => Some(CustomerSort::Country),
            "created_at" => Some(CustomerSort::CreatedAt),
            _ => None,
        }
    }

    /// The column sorted by.
    pub fn column(self) -> &'static str {
        match self {
            CustomerSort::Id => "id",
            CustomerSort::CompanyName => "company_name",
            CustomerSort::Country => "country",
            CustomerSort::CreatedAt => "created_at",
        }
    }

    /// The sort value of a customer, as the cursor carries it.
    pub fn key_of(self, customer: &tollgate_domain::customer::Customer) -> String {
        match self {
            CustomerSort::Id => customer.id.to_string(),
            CustomerSort::CompanyName => customer.company_name.clone(),
            CustomerSort::Country => customer.country.clone(),
            CustomerSort::CreatedAt => customer.created_at.millis().to_string(),
        }
    }
}

/// A page of subscriptions, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionQuery {
    pub customer_id: Option<tollgate_domain::ids::CustomerId>,
    pub state: Option<tollgate_domain::subscription::SubscriptionState>,
    pub kind: Option<tollgate_domain::subscription::SubscriptionKind>,
    pub after_id: Option<String>,
    pub limit: u32,
}

/// A page of invoices or payments, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BillingQuery {
    pub customer_id: Option<tollgate_domain::ids::CustomerId>,
    /// Only ids greater than this (cursor pagination).
    pub after_id: Option<String>,
    pub limit: u32,
}

/// Migrations applied and pending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub applied: Vec<i64>,
    pub pending: Vec<i64>,
}

impl MigrationStatus {
    pub fn is_current(&self) -> bool {
        self.pending.is_empty()
    }
}

/// Counts across the book, for the demo and the overview.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookSummary {
    pub customers_by_status: BTreeMap<String, i64>,
    pub customers_by_country: BTreeMap<String, i64>,
    pub subscriptions_by_state: BTreeMap<String, i64>,
    /// Currency → usage cost in micro-units.
    pub usage_micros_by_currency: BTreeMap<String, i64>,
    pub usage_lines: i64,
    pub invoices: i64,
    pub payments: i64,
    /// Invoices with an unpaid balance.
    pub open_invoices: i64,
    /// Currency → unpaid balance in micro-units.
    pub open_balance_micros_by_currency: BTreeMap<String, i64>,
    pub audit_events: i64,
}

/// A staff member as stored, with what authentication needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRecord {
    pub user: tollgate_domain::staff::StaffUser,
    /// An argon2id PHC string; never logged, never returned by the API.
    pub password_hash: String,
    pub failed_logins: i32,
    pub locked_until: Option<Timestamp>,
}

/// A change to a staff member, each audited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffChange {
    Role(tollgate_domain::staff::Role),
    Disabled(bool),
    PasswordHash(String),
}

/// The outcome of a login attempt, for the failure counter and lockout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    Success,
    /// A wrong password; `lock_until` when this failure locks the account.
    Failure {
        lock_until: Option<Timestamp>,
    },
}

/// An API token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl ApiToken {
    /// Usable at `now`: not revoked, not expired.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| now < at)
    }
}

/// A console session, found by the SHA-256 of its cookie value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: String,
    /// The anti-CSRF token forms must echo.
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// The first response to a mutating request with an `Idempotency-Key`, replayed for repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentResponse {
    /// Hash of method, path and body: a repeat with another body is refused.
    pub request_hash: String,
    pub status: u16,
    pub body: String,
    pub created_at: Timestamp,
}

/// An alert to raise: raised once per `dedup_key`; raising it again changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    pub dedup_key: String,
    pub kind: tollgate_domain::monitoring::AlertKind,
    pub severity: tollgate_domain::monitoring::Severity,
    /// Percent, 0–100.
    pub confidence: u8,
    pub customer_id: Option<tollgate_domain::ids::CustomerId>,
    pub subscription_id: Option<tollgate_domain::ids::SubscriptionId>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    pub evidence: Vec<(String, String)>,
}

impl NewAlert {
    /// The alert's id: derived from its key, so the same finding always has the same id.
    pub fn id(&self) -> String {
        format!(
            "alr_{:016x}",
            xxhash_rust::xxh3::xxh3_64(self.dedup_key.as_bytes())
        )
    }
}
