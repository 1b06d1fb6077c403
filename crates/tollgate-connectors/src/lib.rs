//! Deliverers of outbox effects. The worker hands each claimed entry to a [`Deliverer`]; the
//! deliverer performs the effect once per call and says whether a failure is worth a retry.
//! Every request carries the entry's idempotency key, so a receiver recognises a redelivery
//! after a crash.

mod webhook;

use async_trait::async_trait;
use tollgate_store::{EffectKind, OutboxEntry};

pub use webhook::WebhookDeliverer;

/// Why a delivery failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DeliveryError {
    /// Worth trying again later (a timeout, a 5xx, a 429); otherwise the entry is dead.
    pub retryable: bool,
    pub message: String,
}

impl DeliveryError {
    pub fn retry(message: impl Into<String>) -> DeliveryError {
        DeliveryError {
            retryable: true,
            message: message.into(),
        }
    }

    pub fn permanent(message: impl Into<String>) -> DeliveryError {
        DeliveryError {
            retryable: false,
            message: message.into(),
        }
    }
}

/// Performs one outbox effect.
#[async_trait]
pub trait Deliverer: Send + Sync {
    async fn deliver(&self, entry: &OutboxEntry) -> Result<(), DeliveryError>;
}

/// Sends each entry to the deliverer for its kind; internal jobs need no outside call.
pub struct Dispatcher {
    pub webhook: Option<Box<dyn Deliverer>>,
    pub email: Option<Box<dyn Deliverer>>,
    pub provider: Option<Box<dyn Deliverer>>,
}

#[async_trait]
impl Deliverer for Dispatcher {
    async fn deliver(&self, entry: &OutboxEntry) -> Result<(), DeliveryError> {
        let (target, name) = match entry.kind {
            EffectKind::Job => return Ok(()),
            EffectKind::Webhook => (&self.webhook, "webhook"),
            EffectKind::Email => (&self.email, "e-mail"),
            EffectKind::ProviderCall => (&self.provider, "provider"),
        };
        match target {
            Some(deliverer) => deliverer.deliver(entry).await,
            // Not configured yet: keep the entry and try later rather than lose the effect.
            None => Err(DeliveryError::retry(format!(
                "no {name} delivery is configured"
            ))),
        }
    }
}
