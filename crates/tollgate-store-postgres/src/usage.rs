//! Usage import on PostgreSQL: classify lines by identity with the shared plan, then write
//! lines and aggregate deltas with multi-row statements (one round trip per few thousand rows:
//! the hot path).

use sqlx::{PgConnection, Postgres, QueryBuilder, Row};
use tollgate_domain::ids::{CustomerId, SubscriptionId};
use tollgate_domain::time::date_to_days;
use tollgate_domain::usage::{DailyUsageKey, UsageLine};
use tollgate_store::codec::{StoredLines, StoredUsageLine, parse_currency, plan_usage};
use tollgate_store::{StoreError, StoreResult, UpsertCounts};

use crate::{MAX_PARAMS, db, rows};

/// How many line keys one look-up sends as a single array parameter.
const LOOKUP_CHUNK: usize = 10_000;

/// Reads the stored versions of the batch's lines. A fresh period (no stored line on any of
/// the batch's days) needs no look-up at all: the common case of a first import.
async fn stored_lines(conn: &mut PgConnection, lines: &[UsageLine]) -> StoreResult<StoredLines> {
    let mut old = StoredLines::default();
    let (Some(min_day), Some(max_day)) = (
        lines.iter().map(|l| l.day).min(),
        lines.iter().map(|l| l.day).max(),
    ) else {
        return Ok(old);
    };
    let any: Option<i32> =
        sqlx::query_scalar("SELECT 1 FROM usage_lines WHERE day BETWEEN $1 AND $2 LIMIT 1")
            .bind(i64::from(date_to_days(min_day)))
            .bind(i64::from(date_to_days(max_day)))
            .fetch_optional(&mut *conn)
            .await
            .map_err(db("probe usage lines"))?;
    if any.is_none() {
        return Ok(old);
    }
    for chunk in lines.chunks(LOOKUP_CHUNK) {
        let keys: Vec<&[u8]> = chunk.iter().map(|l| l.line_key.as_slice()).collect();
        let found = sqlx::query(
            "SELECT line_key, content_hash, customer_id, subscription_id, day, meter_category, region, currency, \
             cost_micros, quantity_micros, vcpu_hours_micros FROM usage_lines WHERE line_key = ANY($1)",
        )
        .bind(keys)
        .fetch_all(&mut *conn)
        .await
        .map_err(db("read usage lines"))?;
        for row in found {
            let key_bytes: Vec<u8> = row.try_get(0).map_err(db("read usage lines"))?;
            let Ok(key) = <[u8; 16]>::try_from(key_bytes.as_slice()) else {
                return Err(StoreError::Corrupt("usage line key is not 16 bytes".into()));
            };
            let corrupt = |e: tollgate_domain::IdError| StoreError::Corrupt(e.to_string());
            let text = |idx: usize| -> StoreResult<String> {
                row.try_get(idx).map_err(db("read usage lines"))
            };
            let number = |idx: usize| -> StoreResult<i64> {
                row.try_get(idx).map_err(db("read usage lines"))
            };
            old.insert(
                key,
                StoredUsageLine {
                    content_hash: number(1)?,
                    key: DailyUsageKey {
                        customer_id: CustomerId::parse(&text(2)?).map_err(corrupt)?,
                        subscription_id: SubscriptionId::parse(&text(3)?).map_err(corrupt)?,
                        day: rows::day(number(4)?, "day")?,
                        meter_category: text(5)?.into(),
                        region: text(6)?.into(),
                        currency: parse_currency(&text(7)?, "currency")?,
                    },
                    cost_micros: number(8)?,
                    quantity_micros: number(9)?,
                    vcpu_hours_micros: number(10)?,
                },
            );
        }
    }
    Ok(old)
}

/// Imports a batch inside the caller's transaction. The caller holds the usage lock, so no
/// other import reads the same lines between this one's read and its write.
pub async fn import(conn: &mut PgConnection, lines: &[UsageLine]) -> StoreResult<UpsertCounts> {
    let old = stored_lines(conn, lines).await?;
    let plan = plan_usage(lines, &old);
    const LINE_PARAMS: usize = 11;
    let writes: Vec<&UsageLine> = plan
        .inserts
        .iter()
        .chain(plan.updates.iter())
        .copied()
        .collect();
    for chunk in writes.chunks(MAX_PARAMS / LINE_PARAMS) {
        let mut query = QueryBuilder::<Postgres>::new(
            "INSERT INTO usage_lines (line_key, content_hash, customer_id, subscription_id, day, \
             meter_category, region, currency, cost_micros, quantity_micros, vcpu_hours_micros) ",
        );
        query.push_values(chunk, |mut b, line| {
            b.push_bind(line.line_key.as_slice())
                .push_bind(line.content_hash as i64)
                .push_bind(line.customer_id.as_str())
                .push_bind(line.subscription_id.as_str())
                .push_bind(i64::from(date_to_days(line.day)))
                .push_bind(&*line.meter_category)
                .push_bind(&*line.region)
                .push_bind(line.currency.to_string())
                .push_bind(line.cost_micros)
                .push_bind(line.quantity_micros)
                .push_bind(line.vcpu_hours_micros);
        });
        query.push(
            " ON CONFLICT (line_key) DO UPDATE SET content_hash = EXCLUDED.content_hash, \
             customer_id = EXCLUDED.customer_id, subscription_id = EXCLUDED.subscription_id, \
             day = EXCLUDED.day, meter_category = EXCLUDED.meter_category, region = EXCLUDED.region, \
             currency = EXCLUDED.currency, cost_micros = EXCLUDED.cost_micros, \
             quantity_micros = EXCLUDED.quantity_micros, vcpu_hours_micros = EXCLUDED.vcpu_hours_micros",
        );
        query
            .build()
            .execute(&mut *conn)
            .await
            .map_err(db("write usage lines"))?;
    }
    let deltas: Vec<_> = plan.deltas.iter().collect();
    const DELTA_PARAMS: usize = 10;
    for chunk in deltas.chunks(MAX_PARAMS / DELTA_PARAMS) {
        let mut query = QueryBuilder::<Postgres>::new(
            "INSERT INTO usage_daily (customer_id, subscription_id, day, meter_category, region, currency, \
             cost_micros, quantity_micros, vcpu_hours_micros, n_lines) ",
        );
        query.push_values(chunk, |mut b, (key, delta)| {
            b.push_bind(key.customer_id.as_str())
                .push_bind(key.subscription_id.as_str())
                .push_bind(i64::from(date_to_days(key.day)))
                .push_bind(&*key.meter_category)
                .push_bind(&*key.region)
                .push_bind(key.currency.to_string())
                .push_bind(delta.cost_micros)
                .push_bind(delta.quantity_micros)
                .push_bind(delta.vcpu_hours_micros)
                .push_bind(delta.n_lines);
        });
        // PostgreSQL needs the target's columns qualified next to EXCLUDED's.
        query.push(
            " ON CONFLICT (customer_id, day, subscription_id, meter_category, region, currency) DO UPDATE SET \
             cost_micros = usage_daily.cost_micros + EXCLUDED.cost_micros, \
             quantity_micros = usage_daily.quantity_micros + EXCLUDED.quantity_micros, \
             vcpu_hours_micros = usage_daily.vcpu_hours_micros + EXCLUDED.vcpu_hours_micros, \
             n_lines = usage_daily.n_lines + EXCLUDED.n_lines",
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
