//! Usage import on SQLite: classify lines by identity, then write lines and aggregate deltas
//! with multi-row statements (one round trip per few thousand rows: the hot path).

use std::collections::HashMap;

use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use tollgate_domain::ids::{CustomerId, SubscriptionId};
use tollgate_domain::time::{date_to_days, days_to_date};
use tollgate_domain::usage::{DailyUsageKey, UsageLine};
use tollgate_store::codec::{StoredUsageLine, parse_currency, plan_usage};
use tollgate_store::{StoreError, StoreResult, UpsertCounts};

use crate::MAX_PARAMS;

fn db(operation: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| StoreError::db(operation, e)
}

/// Reads the stored versions of the batch's lines. A fresh period (no stored line on any of
/// the batch's days) needs no look-up at all: the common case of a first import.
async fn stored_lines(
    conn: &mut SqliteConnection,
    lines: &[UsageLine],
) -> StoreResult<HashMap<[u8; 16], StoredUsageLine>> {
    let mut old = HashMap::new();
    let (Some(min_day), Some(max_day)) = (
        lines.iter().map(|l| l.day).min(),
        lines.iter().map(|l| l.day).max(),
    ) else {
        return Ok(old);
    };
    let any: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM usage_daily WHERE day BETWEEN ? AND ? LIMIT 1")
            .bind(date_to_days(min_day))
            .bind(date_to_days(max_day))
            .fetch_optional(&mut *conn)
            .await
            .map_err(db("probe usage lines"))?;
    if any.is_none() {
        return Ok(old);
    }
    for chunk in lines.chunks(MAX_PARAMS.min(10_000)) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT line_key, content_hash, customer_id, subscription_id, day, meter_category, region, currency, \
             cost_micros, quantity_micros, vcpu_hours_micros FROM usage_lines WHERE line_key IN (",
        );
        let mut sep = query.separated(", ");
        for line in chunk {
            sep.push_bind(line.line_key.as_slice());
        }
        query.push(")");
        for row in query
            .build()
            .fetch_all(&mut *conn)
            .await
            .map_err(db("read usage lines"))?
        {
            let key_bytes: Vec<u8> = row.get(0);
            let Ok(key) = <[u8; 16]>::try_from(key_bytes.as_slice()) else {
                return Err(StoreError::Corrupt("usage line key is not 16 bytes".into()));
            };
            let corrupt = |e: tollgate_domain::IdError| StoreError::Corrupt(e.to_string());
            old.insert(
                key,
                StoredUsageLine {
                    content_hash: row.get(1),
                    key: DailyUsageKey {
                        customer_id: CustomerId::parse(row.get(2)).map_err(corrupt)?,
                        subscription_id: SubscriptionId::parse(row.get(3)).map_err(corrupt)?,
                        day: days_to_date(row.get(4)),
                        meter_category: row.get(5),
                        region: row.get(6),
                        currency: parse_currency(row.get(7), "currency")?,
                    },
                    cost_micros: row.get(8),
                    quantity_micros: row.get(9),
                    vcpu_hours_micros: row.get(10),
                },
            );
        }
    }
    Ok(old)
}

/// Imports a batch inside the caller's transaction.
pub async fn import(conn: &mut SqliteConnection, lines: &[UsageLine]) -> StoreResult<UpsertCounts> {
    let old = stored_lines(conn, lines).await?;
    let plan = plan_usage(lines, &old);
    const LINE_PARAMS: usize = 11;
    // In key order, B-tree inserts land on neighbouring pages: measured 1.5–2× faster than
    // the file's order for a batch of random 16-byte keys.
    let mut writes: Vec<&UsageLine> = plan
        .inserts
        .iter()
        .chain(plan.updates.iter())
        .copied()
        .collect();
    writes.sort_unstable_by_key(|line| line.line_key);
    for chunk in writes.chunks(MAX_PARAMS / LINE_PARAMS) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT OR REPLACE INTO usage_lines (line_key, content_hash, customer_id, subscription_id, day, \
             meter_category, region, currency, cost_micros, quantity_micros, vcpu_hours_micros) ",
        );
        query.push_values(chunk, |mut b, line| {
            b.push_bind(line.line_key.as_slice())
                .push_bind(line.content_hash as i64)
                .push_bind(line.customer_id.as_str())
                .push_bind(line.subscription_id.as_str())
                .push_bind(date_to_days(line.day))
                .push_bind(line.meter_category.as_str())
                .push_bind(line.region.as_str())
                .push_bind(line.currency.to_string())
                .push_bind(line.cost_micros)
                .push_bind(line.quantity_micros)
                .push_bind(line.vcpu_hours_micros);
        });
        query
            .build()
            .execute(&mut *conn)
            .await
            .map_err(db("write usage lines"))?;
    }
    let deltas: Vec<_> = plan.deltas.iter().collect();
    for chunk in deltas.chunks(MAX_PARAMS / 10) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO usage_daily (customer_id, subscription_id, day, meter_category, region, currency, \
             cost_micros, quantity_micros, vcpu_hours_micros, n_lines) ",
        );
        query.push_values(chunk, |mut b, (key, delta)| {
            b.push_bind(key.customer_id.as_str())
                .push_bind(key.subscription_id.as_str())
                .push_bind(date_to_days(key.day))
                .push_bind(key.meter_category.as_str())
                .push_bind(key.region.as_str())
                .push_bind(key.currency.to_string())
                .push_bind(delta.cost_micros)
                .push_bind(delta.quantity_micros)
                .push_bind(delta.vcpu_hours_micros)
                .push_bind(delta.n_lines);
        });
        query.push(
            " ON CONFLICT (customer_id, day, subscription_id, meter_category, region, currency) DO UPDATE SET \
             cost_micros = cost_micros + excluded.cost_micros, \
             quantity_micros = quantity_micros + excluded.quantity_micros, \
             vcpu_hours_micros = vcpu_hours_micros + excluded.vcpu_hours_micros, \
             n_lines = n_lines + excluded.n_lines",
        );
        query
            .build()
            .execute(&mut *conn)
            .await
            .map_err(db("write usage aggregates"))?;
    }
    Ok(UpsertCounts {
        new: plan.inserts.len() as u64,
        updated: plan.updates.len() as u64,
        unchanged: plan.unchanged,
    })
}
