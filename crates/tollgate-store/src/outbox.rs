//! Outbox entries: effects on the outside world (e-mail, webhooks, provider calls) written
//! with the state change that causes them and delivered by the worker.

use tollgate_domain::text_enum;
use tollgate_domain::time::Timestamp;

text_enum!(
    /// What kind of effect an entry is.
    pub enum EffectKind {
        Email => "email",
        Webhook => "webhook",
        ProviderCall => "provider_call",
        /// Internal work with no outside effect.
        Job => "job",
    }
);

text_enum!(
    /// Where an entry is in its life.
    pub enum OutboxStatus { Pending => "pending", Delivered => "delivered", Dead => "dead" }
);

/// An effect to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutboxEntry {
    pub kind: EffectKind,
    /// Unique per intended effect; sent to the receiver so that a redelivery after a crash is
    /// recognised there.
    pub idempotency_key: String,
    /// What the entry is about: `subscription:<id>`, `invoice:<id>`.
    pub subject: String,
    /// JSON text the deliverer reads.
    pub payload: String,
    /// Not delivered before this time.
    pub not_before: Timestamp,
}

/// An effect as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub kind: EffectKind,
    pub idempotency_key: String,
    pub subject: String,
    pub payload: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
    pub locked_by: Option<String>,
    pub locked_until: Option<Timestamp>,
}

/// Queue depth and backlog, for `/metrics` and the overview.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxStats {
    pub pending: i64,
    /// Pending and due now.
    pub due: i64,
    pub in_flight: i64,
    pub delivered: i64,
    pub dead: i64,
}
