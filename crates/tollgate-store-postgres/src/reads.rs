//! Reading subscriptions, invoices and payments by id or page on PostgreSQL.

use super::*;

impl PgStore {
    pub(crate) async fn list_subscriptions_page_in(
        &self,
        query: &SubscriptionQuery,
    ) -> StoreResult<Vec<Subscription>> {
        let mut sql = QueryBuilder::<Postgres>::new(
            "SELECT id, customer_id, product, sku, kind, quantity, state, state_reasons, admin_access, \
             monthly_price_micros, currency, created_at FROM subscriptions WHERE 1 = 1",
        );
        if let Some(customer) = &query.customer_id {
            sql.push(" AND customer_id = ")
                .push_bind(customer.to_string());
        }
        if let Some(state) = query.state {
            sql.push(" AND state = ").push_bind(state.as_str());
        }
        if let Some(kind) = query.kind {
            sql.push(" AND kind = ").push_bind(kind.as_str());
        }
        if let Some(after) = &query.after_id {
            sql.push(" AND id COLLATE \"C\" > ")
                .push_bind(after.clone());
        }
        sql.push(" ORDER BY id COLLATE \"C\" LIMIT ")
            .push_bind(query.limit.clamp(1, 1000) as i64);
        let found = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(db("list subscriptions"))?;
        found.iter().map(rows::subscription).collect()
    }

    pub(crate) async fn get_subscription_in(
        &self,
        id: &SubscriptionId,
    ) -> StoreResult<Option<Subscription>> {
        let row = sqlx::query(
            "SELECT id, customer_id, product, sku, kind, quantity, state, state_reasons, admin_access, \
             monthly_price_micros, currency, created_at FROM subscriptions WHERE id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db("get subscription"))?;
        row.map(|r| rows::subscription(&r)).transpose()
    }

    pub(crate) async fn get_payment_in(&self, id: &str) -> StoreResult<Option<Payment>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM payments WHERE id = $1",
            rows::PAYMENT_COLUMNS
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db("get payment"))?;
        row.map(|r| rows::payment(&r)).transpose()
    }

    pub(crate) async fn get_invoice_in(&self, id: &str) -> StoreResult<Option<Invoice>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM invoices WHERE id = $1",
            rows::INVOICE_COLUMNS
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db("get invoice"))?;
        row.map(|r| rows::invoice(&r)).transpose()
    }

    pub(crate) async fn list_invoices_in(&self, query: &BillingQuery) -> StoreResult<Vec<Invoice>> {
        self.list_billing("invoices", rows::INVOICE_COLUMNS, query, rows::invoice)
            .await
    }

    pub(crate) async fn list_payments_in(&self, query: &BillingQuery) -> StoreResult<Vec<Payment>> {
        self.list_billing("payments", rows::PAYMENT_COLUMNS, query, rows::payment)
            .await
    }
}
