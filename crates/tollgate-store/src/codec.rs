//! Conversions shared by the backends between domain values and column values: enums as their
//! text forms, lists and contacts as JSON text, dates as day numbers.

use std::collections::{BTreeMap, HashMap};

use xxhash_rust::xxh3::Xxh3DefaultBuilder;

use tollgate_domain::TextEnum;
use tollgate_domain::audit::{NewAuditEvent, chain_hash};
use tollgate_domain::customer::Contact;
use tollgate_domain::money::{Currency, Money};
use tollgate_domain::usage::{DailyUsageKey, UsageLine};

use crate::{StoreError, StoreResult};

/// Reads an enum column.
pub fn parse_enum<T: TextEnum>(text: &str, column: &str) -> StoreResult<T> {
    T::parse_text(text).ok_or_else(|| {
        StoreError::Corrupt(format!("{column} '{text}' is not one of {}", T::expected()))
    })
}

pub fn parse_currency(text: &str, column: &str) -> StoreResult<Currency> {
    Currency::parse(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// An optional amount from its two columns.
pub fn optional_money(
    micros: Option<i64>,
    currency: Option<&str>,
    column: &str,
) -> StoreResult<Option<Money>> {
    match (micros, currency) {
        (Some(m), Some(c)) => Ok(Some(Money::from_micros(m, parse_currency(c, column)?))),
        _ => Ok(None),
    }
}

pub fn encode_contacts(contacts: &[Contact]) -> String {
    serde_json::to_string(contacts).unwrap_or_else(|_| "[]".into())
}

pub fn decode_contacts(text: &str) -> StoreResult<Vec<Contact>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("contacts: {e}")))
}

pub fn encode_strings<S: AsRef<str>>(items: &[S]) -> String {
    serde_json::to_string(&items.iter().map(AsRef::as_ref).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into())
}

pub fn decode_strings(text: &str, column: &str) -> StoreResult<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

pub fn encode_enums<T: TextEnum>(items: &[T]) -> String {
    encode_strings(&items.iter().map(|v| v.as_str()).collect::<Vec<_>>())
}

pub fn decode_enums<T: TextEnum>(text: &str, column: &str) -> StoreResult<Vec<T>> {
    decode_strings(text, column)?
        .iter()
        .map(|s| parse_enum(s, column))
        .collect()
}

/// An audit event ready to insert: its sequence number and both hashes.
pub struct ChainedEvent<'a> {
    pub seq: i64,
    pub event: &'a NewAuditEvent,
    pub reasons_json: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Links `events` to the chain whose last event is (`last_seq`, `last_hash`).
pub fn chain_events(
    events: &[NewAuditEvent],
    mut last_seq: i64,
    mut last_hash: String,
) -> Vec<ChainedEvent<'_>> {
    events
        .iter()
        .map(|event| {
            last_seq += 1;
            let hash = chain_hash(last_seq, &last_hash, event);
            ChainedEvent {
                seq: last_seq,
                event,
                reasons_json: encode_strings(&event.reasons),
                prev_hash: std::mem::replace(&mut last_hash, hash.clone()),
                hash,
            }
        })
        .collect()
}

/// A usage line as stored: enough to take it back out of the aggregates if it is corrected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUsageLine {
    pub content_hash: i64,
    pub key: DailyUsageKey,
    pub cost_micros: i64,
    pub quantity_micros: i64,
    pub vcpu_hours_micros: i64,
}

/// Stored lines by line key.
pub type StoredLines = HashMap<[u8; 16], StoredUsageLine, Xxh3DefaultBuilder>;

/// Movement of one daily aggregate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AggregateDelta {
    pub cost_micros: i64,
    pub quantity_micros: i64,
    pub vcpu_hours_micros: i64,
    pub n_lines: i64,
}

/// What a usage batch does to the store, worked out before any write.
#[derive(Debug, Default)]
pub struct UsagePlan<'a> {
    pub inserts: Vec<&'a UsageLine>,
    pub updates: Vec<&'a UsageLine>,
    pub unchanged: u64,
    pub deltas: BTreeMap<DailyUsageKey, AggregateDelta>,
}

/// Classifies a batch against what is stored (`old`, by line key) and sums the aggregate
/// movement. Within a batch a repeated key counts once, the last occurrence winning.
pub fn plan_usage<'a>(lines: &'a [UsageLine], old: &StoredLines) -> UsagePlan<'a> {
    // xxh3 rather than SipHash: measured at 3 % of a usage import, and the keys are hashes
    // already, not chosen by anyone who could aim at collisions.
    let mut last_by_key: HashMap<[u8; 16], usize, Xxh3DefaultBuilder> =
        HashMap::with_capacity_and_hasher(lines.len(), Xxh3DefaultBuilder);
    for (idx, line) in lines.iter().enumerate() {
        last_by_key.insert(line.line_key, idx);
    }
    let mut plan = UsagePlan::default();
    for (idx, line) in lines.iter().enumerate() {
        if last_by_key.get(&line.line_key) != Some(&idx) {
            plan.unchanged += 1; // superseded later in the same batch
            continue;
        }
        let add = |plan: &mut UsagePlan<'a>,
                   key: DailyUsageKey,
                   sign: i64,
                   cost: i64,
                   qty: i64,
                   vcpu: i64| {
            let delta = plan.deltas.entry(key).or_default();
            delta.cost_micros += sign * cost;
            delta.quantity_micros += sign * qty;
            delta.vcpu_hours_micros += sign * vcpu;
            delta.n_lines += sign;
        };
        match old.get(&line.line_key) {
            Some(stored) if stored.content_hash == line.content_hash as i64 => plan.unchanged += 1,
            Some(stored) => {
                add(
                    &mut plan,
                    stored.key.clone(),
                    -1,
                    stored.cost_micros,
                    stored.quantity_micros,
                    stored.vcpu_hours_micros,
                );
                add(
                    &mut plan,
                    line.aggregate_key(),
                    1,
                    line.cost_micros,
                    line.quantity_micros,
                    line.vcpu_hours_micros,
                );
                plan.updates.push(line);
            }
            None => {
                add(
                    &mut plan,
                    line.aggregate_key(),
                    1,
                    line.cost_micros,
                    line.quantity_micros,
                    line.vcpu_hours_micros,
                );
                plan.inserts.push(line);
            }
        }
    }
    plan.deltas.retain(|_, d| *d != AggregateDelta::default());
    plan
}
