//! Usage import on SQLite, the hot path: a rusqlite connection of its own with prepared
//! statements reused per row (sqlx's driver ships every bound value through a worker thread,
//! measured at under 40k rows/s here). It classifies lines by identity, writes new and
//! corrected lines, moves the daily aggregates by the difference, and appends the audit event,
//! all in one `BEGIN IMMEDIATE` transaction.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use tollgate_domain::audit::{GENESIS_HASH, NewAuditEvent};
use tollgate_domain::ids::{CustomerId, SubscriptionId};
use tollgate_domain::time::{date_to_days, days_to_date};
use tollgate_domain::usage::{DailyUsageKey, UsageLine};
use tollgate_store::codec::{StoredUsageLine, chain_events, parse_currency, plan_usage};
use tollgate_store::{StoreError, StoreResult, UpsertCounts, WriteMeta};

fn db(operation: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |e| StoreError::db(operation, e)
}

/// Opens the bulk connection to the store's file.
pub fn open(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open(path).map_err(db("open bulk connection"))?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(db("open bulk connection"))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
         PRAGMA temp_store = MEMORY; PRAGMA cache_size = -262144; PRAGMA wal_autocheckpoint = 16384;",
    )
    .map_err(db("open bulk connection"))?;
    Ok(conn)
}

/// Reads the stored versions of the batch's lines. A line can exist only where its customer
/// already has usage on its day (its key covers both, and every stored line counts in its
/// day's aggregate), so only lines of (customer, day) pairs with an aggregate are looked up:
/// a first import looks up nothing.
fn stored_lines(
    tx: &rusqlite::Transaction<'_>,
    lines: &[UsageLine],
) -> StoreResult<HashMap<[u8; 16], StoredUsageLine>> {
    let mut old = HashMap::new();
    let mut seen_pairs: HashMap<(&str, i32), bool> = HashMap::new();
    let mut probe = tx
        .prepare_cached("SELECT 1 FROM usage_daily WHERE customer_id = ?1 AND day = ?2 LIMIT 1")
        .map_err(db("probe usage"))?;
    let mut candidates = Vec::new();
    for line in lines {
        let pair = (line.customer_id.as_str(), date_to_days(line.day));
        let exists = match seen_pairs.get(&pair) {
            Some(exists) => *exists,
            None => {
                let found = probe
                    .exists(params![pair.0, pair.1])
                    .map_err(db("probe usage"))?;
                seen_pairs.insert(pair, found);
                found
            }
        };
        if exists {
            candidates.push(line);
        }
    }
    if candidates.is_empty() {
        return Ok(old);
    }
    let mut hash_of = tx
        .prepare_cached("SELECT content_hash FROM usage_lines WHERE line_key = ?1")
        .map_err(db("read usage lines"))?;
    let mut full = tx
        .prepare_cached(
            "SELECT customer_id, subscription_id, day, meter_category, region, currency, cost_micros, \
             quantity_micros, vcpu_hours_micros FROM usage_lines WHERE line_key = ?1",
        )
        .map_err(db("read usage lines"))?;
    for line in candidates {
        let stored: Option<i64> = hash_of
            .query_row(params![&line.line_key[..]], |row| row.get(0))
            .optional()
            .map_err(db("read usage lines"))?;
        let Some(content_hash) = stored else { continue };
        if content_hash == line.content_hash as i64 {
            // Unchanged: the hash is all the plan needs.
            old.insert(
                line.line_key,
                StoredUsageLine {
                    content_hash,
                    key: line.aggregate_key(),
                    cost_micros: line.cost_micros,
                    quantity_micros: line.quantity_micros,
                    vcpu_hours_micros: line.vcpu_hours_micros,
                },
            );
            continue;
        }
        let row = full
            .query_row(params![&line.line_key[..]], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i32>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, i64>(6)?,
                    row.get::<_, i64>(7)?,
                    row.get::<_, i64>(8)?,
                ))
            })
            .map_err(db("read usage lines"))?;
        let corrupt = |e: tollgate_domain::IdError| StoreError::Corrupt(e.to_string());
        old.insert(
            line.line_key,
            StoredUsageLine {
                content_hash,
                key: DailyUsageKey {
                    customer_id: CustomerId::parse(&row.0).map_err(corrupt)?,
                    subscription_id: SubscriptionId::parse(&row.1).map_err(corrupt)?,
                    day: days_to_date(row.2),
                    meter_category: row.3,
                    region: row.4,
                    currency: parse_currency(&row.5, "currency")?,
                },
                cost_micros: row.6,
                quantity_micros: row.7,
                vcpu_hours_micros: row.8,
            },
        );
    }
    Ok(old)
}

/// Appends audit events inside the transaction (the same chain rule as every other write).
fn append_audit(tx: &rusqlite::Transaction<'_>, events: &[NewAuditEvent]) -> StoreResult<()> {
    let head: Option<(i64, String)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .map_err(db("read audit head"))?;
    let (last_seq, last_hash) = head.unwrap_or((0, GENESIS_HASH.to_string()));
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO audit_events (seq, at, actor, action, subject, reasons, details, prev_hash, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .map_err(db("append audit"))?;
    for c in chain_events(events, last_seq, last_hash) {
        insert
            .execute(params![
                c.seq,
                c.event.at.millis(),
                c.event.actor,
                c.event.action,
                c.event.subject,
                c.reasons_json,
                c.event.details,
                c.prev_hash,
                c.hash
            ])
            .map_err(db("append audit"))?;
    }
    Ok(())
}

/// Imports a batch in one transaction; audits it when anything changed.
pub fn import(
    conn: &mut Connection,
    lines: &[UsageLine],
    meta: &WriteMeta,
) -> StoreResult<UpsertCounts> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(db("begin usage import"))?;
    let old = stored_lines(&tx, lines)?;
    let plan = plan_usage(lines, &old);
    // In key order, B-tree inserts land on neighbouring pages: measured 1.5–2× faster than
    // the file's order for a batch of random 16-byte keys.
    let mut writes: Vec<&UsageLine> = plan
        .inserts
        .iter()
        .chain(plan.updates.iter())
        .copied()
        .collect();
    writes.sort_unstable_by_key(|line| line.line_key);
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT OR REPLACE INTO usage_lines (line_key, content_hash, customer_id, subscription_id, day, \
                 meter_category, region, currency, cost_micros, quantity_micros, vcpu_hours_micros) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .map_err(db("write usage lines"))?;
        for line in writes {
            insert
                .execute(params![
                    &line.line_key[..],
                    line.content_hash as i64,
                    line.customer_id.as_str(),
                    line.subscription_id.as_str(),
                    date_to_days(line.day),
                    line.meter_category,
                    line.region,
                    line.currency.as_str(),
                    line.cost_micros,
                    line.quantity_micros,
                    line.vcpu_hours_micros
                ])
                .map_err(db("write usage lines"))?;
        }
        let mut upsert = tx
            .prepare_cached(
                "INSERT INTO usage_daily (customer_id, subscription_id, day, meter_category, region, currency, \
                 cost_micros, quantity_micros, vcpu_hours_micros, n_lines) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
                 ON CONFLICT (customer_id, day, subscription_id, meter_category, region, currency) DO UPDATE SET \
                 cost_micros = cost_micros + excluded.cost_micros, \
                 quantity_micros = quantity_micros + excluded.quantity_micros, \
                 vcpu_hours_micros = vcpu_hours_micros + excluded.vcpu_hours_micros, \
                 n_lines = n_lines + excluded.n_lines",
            )
            .map_err(db("write usage aggregates"))?;
        for (key, delta) in &plan.deltas {
            upsert
                .execute(params![
                    key.customer_id.as_str(),
                    key.subscription_id.as_str(),
                    date_to_days(key.day),
                    key.meter_category,
                    key.region,
                    key.currency.as_str(),
                    delta.cost_micros,
                    delta.quantity_micros,
                    delta.vcpu_hours_micros,
                    delta.n_lines
                ])
                .map_err(db("write usage aggregates"))?;
        }
    }
    let counts = UpsertCounts {
        new: plan.inserts.len() as u64,
        updated: plan.updates.len() as u64,
        unchanged: plan.unchanged,
    };
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
        append_audit(&tx, &[event])?;
    }
    tx.commit().map_err(db("commit usage import"))?;
    Ok(counts)
}
