//! Webhook delivery: the entry's payload is POSTed as JSON to the partner's endpoint with an
//! `Idempotency-Key` header.

use std::time::Duration;

use async_trait::async_trait;
use tollgate_store::OutboxEntry;

use crate::{Deliverer, DeliveryError};

/// POSTs entries to one URL.
pub struct WebhookDeliverer {
    client: reqwest::Client,
    url: String,
}

impl WebhookDeliverer {
    pub fn new(url: &str, timeout: Duration) -> Result<WebhookDeliverer, DeliveryError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| DeliveryError::permanent(format!("cannot build the HTTP client: {e}")))?;
        Ok(WebhookDeliverer {
            client,
            url: url.to_string(),
        })
    }
}

#[async_trait]
impl Deliverer for WebhookDeliverer {
    async fn deliver(&self, entry: &OutboxEntry) -> Result<(), DeliveryError> {
        let response = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("idempotency-key", &entry.idempotency_key)
            .header("x-tollgate-subject", &entry.subject)
            .body(entry.payload.clone())
            .send()
            .await
            .map_err(|e| DeliveryError::retry(format!("webhook request failed: {e}")))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let message = format!("webhook answered HTTP {}", status.as_u16());
        if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
            Err(DeliveryError::retry(message))
        } else {
            Err(DeliveryError::permanent(message))
        }
    }
}
