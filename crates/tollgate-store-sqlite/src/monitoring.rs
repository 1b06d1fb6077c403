//! Budgets, usage spend, receivables and alerts on SQLite.

use super::*;

impl SqliteStore {
    pub(crate) async fn set_budget_in(&self, budget: &Budget, meta: &WriteMeta) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let thresholds: Vec<String> = budget
            .thresholds_percent
            .iter()
            .map(u32::to_string)
            .collect();
        sqlx::query(
            "INSERT INTO budgets (customer_id, amount_micros, currency, thresholds, enforcement_percent, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id) DO UPDATE SET \
             amount_micros = excluded.amount_micros, currency = excluded.currency, thresholds = excluded.thresholds, \
             enforcement_percent = excluded.enforcement_percent, updated_at = excluded.updated_at",
        )
        .bind(budget.customer_id.as_str())
        .bind(budget.monthly_amount.micros())
        .bind(budget.monthly_amount.currency().to_string())
        .bind(tollgate_store::codec::encode_strings(&thresholds))
        .bind(budget.enforcement_percent.map(|p| p as i32))
        .bind(meta.at.millis())
        .execute(&mut *tx)
        .await
        .map_err(db("set budget"))?;
        let event = NewAuditEvent {
            actor: meta.actor.clone(),
            action: "budget.set".into(),
            subject: format!("customer:{}", budget.customer_id),
            reasons: vec![format!("monthly budget {}", budget.monthly_amount)],
            details: "{}".into(),
            at: meta.at,
        };
        append_audit_in(&mut tx, &[event]).await?;
        tx.commit().await.map_err(db("commit budget"))
    }

    pub(crate) async fn list_budgets_in(&self) -> StoreResult<Vec<Budget>> {
        let found: Vec<(String, i64, String, String, Option<i32>)> = sqlx::query_as(
            "SELECT customer_id, amount_micros, currency, thresholds, enforcement_percent FROM budgets ORDER BY customer_id",
        )
        .fetch_all(&self.read)
        .await
        .map_err(db("list budgets"))?;
        found
            .into_iter()
            .map(|(customer, micros, currency, thresholds, enforce)| {
                let corrupt = |e: String| StoreError::Corrupt(format!("budgets: {e}"));
                Ok(Budget {
                    customer_id: CustomerId::parse(&customer)
                        .map_err(|e| corrupt(e.to_string()))?,
                    monthly_amount: tollgate_domain::money::Money::from_micros(
                        micros,
                        tollgate_store::codec::parse_currency(&currency, "currency")?,
                    ),
                    thresholds_percent: tollgate_store::codec::decode_strings(
                        &thresholds,
                        "thresholds",
                    )?
                    .iter()
                    .map(|t| t.parse().map_err(|_| corrupt(format!("threshold '{t}'"))))
                    .collect::<StoreResult<Vec<u32>>>()?,
                    enforcement_percent: enforce.map(|p| p as u32),
                })
            })
            .collect()
    }

    pub(crate) async fn usage_spend_in(
        &self,
        customer: &CustomerId,
        currency: tollgate_domain::money::Currency,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<i64> {
        sqlx::query_scalar(
            "SELECT COALESCE(SUM(cost_micros), 0) FROM usage_daily \
             WHERE customer_id = ? AND currency = ? AND day BETWEEN ? AND ?",
        )
        .bind(customer.as_str())
        .bind(currency.to_string())
        .bind(date_to_days(from))
        .bind(date_to_days(to))
        .fetch_one(&self.read)
        .await
        .map_err(db("usage spend"))
    }

    pub(crate) async fn raise_alerts_in(
        &self,
        alerts: &[NewAlert],
        meta: &WriteMeta,
    ) -> StoreResult<Vec<String>> {
        let mut tx = self.begin().await?;
        let mut raised = Vec::new();
        let mut events = Vec::new();
        for alert in alerts {
            let id = alert.id();
            let evidence: serde_json::Map<String, serde_json::Value> = alert
                .evidence
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            let evidence_text = serde_json::Value::Object(evidence.clone()).to_string();
            let done = sqlx::query(
                "INSERT INTO alerts (id, dedup_key, kind, severity, confidence, customer_id, subscription_id, \
                 first_seen, last_seen, evidence, status, case_id, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', NULL, ?) ON CONFLICT (dedup_key) DO NOTHING",
            )
            .bind(&id)
            .bind(&alert.dedup_key)
            .bind(alert.kind.as_str())
            .bind(alert.severity.as_str())
            .bind(i32::from(alert.confidence))
            .bind(alert.customer_id.as_ref().map(|c| c.as_str()))
            .bind(alert.subscription_id.as_ref().map(|s| s.as_str()))
            .bind(alert.first_seen.millis())
            .bind(alert.last_seen.millis())
            .bind(&evidence_text)
            .bind(meta.at.millis())
            .execute(&mut *tx)
            .await
            .map_err(db("raise alert"))?;
            if done.rows_affected() == 0 {
                continue;
            }
            let payload = serde_json::json!({
                "event": "alert.raised", "id": id, "kind": alert.kind, "severity": alert.severity,
                "customer_id": alert.customer_id, "subscription_id": alert.subscription_id, "evidence": evidence,
            });
            sqlx::query(
                "INSERT INTO outbox (kind, idempotency_key, subject, payload, status, attempts, next_attempt_at, \
                 created_at) VALUES ('webhook', ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING",
            )
            .bind(format!("alert:{id}"))
            .bind(format!("alert:{id}"))
            .bind(payload.to_string())
            .bind(meta.at.millis())
            .bind(meta.at.millis())
            .execute(&mut *tx)
            .await
            .map_err(db("enqueue alert notification"))?;
            events.push(NewAuditEvent {
                actor: meta.actor.clone(),
                action: "alert.raised".into(),
                subject: format!("alert:{id}"),
                reasons: vec![alert.kind.to_string(), alert.severity.to_string()],
                details: evidence_text,
                at: meta.at,
            });
            raised.push(id);
        }
        append_audit_in(&mut tx, &events).await?;
        tx.commit().await.map_err(db("commit alerts"))?;
        Ok(raised)
    }

    pub(crate) async fn list_alerts_in(&self, kind: Option<AlertKind>) -> StoreResult<Vec<Alert>> {
        type AlertRow = (
            String,
            String,
            String,
            i32,
            Option<String>,
            Option<String>,
            i64,
            i64,
            String,
            String,
            Option<String>,
        );
        let found: Vec<AlertRow> = sqlx::query_as(
            "SELECT id, kind, severity, confidence, customer_id, subscription_id, first_seen, last_seen, evidence, \
             status, case_id FROM alerts WHERE (? IS NULL OR kind = ?) ORDER BY created_at DESC, id",
        )
        .bind(kind.map(|k| k.as_str()))
        .bind(kind.map(|k| k.as_str()))
        .fetch_all(&self.read)
        .await
        .map_err(db("list alerts"))?;
        found
            .into_iter()
            .map(
                |(
                    id,
                    kind,
                    severity,
                    confidence,
                    customer,
                    subscription,
                    first,
                    last,
                    evidence,
                    status,
                    case_id,
                )| {
                    let corrupt = |e: String| StoreError::Corrupt(format!("alerts: {e}"));
                    let evidence: std::collections::BTreeMap<String, String> =
                        serde_json::from_str(&evidence).map_err(|e| corrupt(e.to_string()))?;
                    Ok(Alert {
                        id,
                        kind: tollgate_store::codec::parse_enum(&kind, "kind")?,
                        severity: tollgate_store::codec::parse_enum(&severity, "severity")?,
                        confidence: confidence.clamp(0, 100) as u8,
                        customer_id: customer
                            .map(|c| CustomerId::parse(&c))
                            .transpose()
                            .map_err(|e| corrupt(e.to_string()))?,
                        subscription_id: subscription
                            .map(|s| SubscriptionId::parse(&s))
                            .transpose()
                            .map_err(|e| corrupt(e.to_string()))?,
                        first_seen: Timestamp::from_millis(first),
                        last_seen: Timestamp::from_millis(last),
                        evidence,
                        status: tollgate_store::codec::parse_enum(&status, "status")?,
                        case_id,
                    })
                },
            )
            .collect()
    }

    pub(crate) async fn open_receivables_in(
        &self,
        customer: &CustomerId,
    ) -> StoreResult<Vec<(tollgate_domain::money::Currency, i64)>> {
        let found: Vec<(String, i64)> = sqlx::query_as(
            "SELECT i.currency, SUM(i.total_micros - COALESCE(p.paid, 0)) FROM invoices i \
             LEFT JOIN (SELECT invoice_id, SUM(amount_micros) AS paid FROM payments \
                        WHERE invoice_id IS NOT NULL GROUP BY invoice_id) p ON p.invoice_id = i.id \
             WHERE i.customer_id = ? AND i.total_micros - COALESCE(p.paid, 0) > 0 GROUP BY i.currency ORDER BY i.currency",
        )
        .bind(customer.as_str())
        .fetch_all(&self.read)
        .await
        .map_err(db("open receivables"))?;
        found
            .into_iter()
            .map(|(currency, micros)| {
                Ok((
                    tollgate_store::codec::parse_currency(&currency, "currency")?,
                    micros,
                ))
            })
            .collect()
    }
}
