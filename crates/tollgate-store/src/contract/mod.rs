//! The contract every backend must keep. Each case is an async function over a fresh, migrated
//! store; [`store_contract_tests!`](crate::store_contract_tests) turns them into `#[tokio::test]`s
//! in a backend's own test binary.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use tollgate_domain::audit::{GENESIS_HASH, NewAuditEvent, verify_chain};
use tollgate_domain::billing::{Invoice, InvoiceSource, Payment, PaymentMethod};
use tollgate_domain::customer::{Cloud, Customer, CustomerStatus, Language, RiskTier};
use tollgate_domain::ids::{CustomerId, InvoiceId, PaymentId, SubscriptionId};
use tollgate_domain::money::{Currency, Money};
use tollgate_domain::subscription::{
    AdminAccess, StateReason, Subscription, SubscriptionKind, SubscriptionState,
};
use tollgate_domain::time::Timestamp;
use tollgate_domain::usage::UsageLine;

use crate::{
    CustomerQuery, EffectKind, Fingerprinted, NewOutboxEntry, OutboxStatus, Store, UpsertCounts,
    UpsertMode, WriteMeta,
};

/// Generates one `#[tokio::test]` per contract case, each on a store from `$make` (an async
/// expression giving a migrated `impl Store`, or `None` to skip when the backend is absent).
#[macro_export]
macro_rules! store_contract_tests {
    ($make:expr) => {
        $crate::store_contract_tests!(@cases $make;
            migrations_apply_once_and_report_current,
            customers_upsert_is_idempotent_and_keeps_tollgate_owned_fields,
            customers_list_by_cursor_and_filter,
            subscriptions_upsert_and_list,
            usage_import_counts_and_aggregates_by_line_identity,
            invoices_payments_and_summary,
            audit_chain_appends_in_order,
            outbox_deduplicates_by_idempotency_key,
            outbox_claims_leases_and_completes,
            outbox_retries_and_dead_letters,
            concurrent_claims_never_share_an_entry,
            staff_users_are_created_changed_and_audited,
            logins_count_failures_and_lock,
            api_tokens_are_found_by_hash_listed_and_revoked,
            sessions_and_idempotent_responses_round_trip,
            customers_sort_and_page_by_any_key,
            budgets_and_alerts_raise_once_with_their_notification
        );
    };
    (@cases $make:expr; $($case:ident),+) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some(store) = $make else { return };
                $crate::contract::$case(&store).await;
            }
        )+
    };
}

fn meta() -> WriteMeta {
    WriteMeta {
        actor: "system:contract".into(),
        at: Timestamp::from_millis(1_700_000_000_000),
        source: "contract".into(),
    }
}

fn cid(text: &str) -> CustomerId {
    CustomerId::parse(text).expect("valid id")
}

fn sid(text: &str) -> SubscriptionId {
    SubscriptionId::parse(text).expect("valid id")
}

pub fn customer(id: &str, country: &str) -> Customer {
    Customer {
        id: cid(id),
        tenant_id: Some(format!("tenant-{id}")),
        company_name: format!("Company {id}"),
        registration_number: Some("25596641".into()),
        vat_id: Some("CZ25596641".into()),
        country: country.into(),
        domain: Some(format!("{id}.example")),
        contacts: vec![tollgate_domain::customer::Contact {
            name: Some("Jana Nováková".into()),
            email: Some(format!("jana@{id}.example")),
            phone: Some("+420601123456".into()),
            role: Some("billing".into()),
        }],
        language: Language::Czech,
        cloud: Cloud::Commercial,
        risk_tier: RiskTier::Low,
        status: CustomerStatus::Active,
        credit_limit: Some(Money::from_micros(5_000_000_000, Currency::CZK)),
        currency: Some(Currency::CZK),
        created_at: Timestamp::from_millis(1_600_000_000_000),
        tags: vec!["vip".into()],
    }
}

fn fp<T>(record: T, fingerprint: i64) -> Fingerprinted<T> {
    Fingerprinted {
        record,
        fingerprint,
    }
}

pub fn subscription(id: &str, customer_id: &str) -> Subscription {
    Subscription {
        id: sid(id),
        customer_id: cid(customer_id),
        product: "Azure plan".into(),
        sku: Some("Microsoft Azure plan".into()),
        kind: SubscriptionKind::Usage,
        quantity: 1,
        state: SubscriptionState::Active,
        state_reasons: vec![],
        admin_access: AdminAccess::Limited,
        monthly_price: None,
        created_at: Timestamp::from_millis(1_600_000_000_000),
    }
}

fn usage(key: u8, content: u64, day: u32, cost: i64) -> UsageLine {
    UsageLine {
        line_key: [key; 16],
        content_hash: content,
        customer_id: cid("c1"),
        subscription_id: sid("s1"),
        day: NaiveDate::from_ymd_opt(2026, 3, day).expect("valid date"),
        meter_category: "Virtual Machines".into(),
        region: "westeurope".into(),
        currency: Currency::EUR,
        cost_micros: cost,
        quantity_micros: 1_000_000,
        vcpu_hours_micros: 2_000_000,
    }
}

fn audit_event(action: &str) -> NewAuditEvent {
    NewAuditEvent {
        actor: "system:contract".into(),
        action: action.into(),
        subject: "customer:c1".into(),
        reasons: vec!["contract".into()],
        details: "{}".into(),
        at: Timestamp::from_millis(1_700_000_000_000),
    }
}

fn entry(key: &str) -> NewOutboxEntry {
    NewOutboxEntry {
        kind: EffectKind::Webhook,
        idempotency_key: key.into(),
        subject: "customer:c1".into(),
        payload: "{\"hello\":1}".into(),
        not_before: Timestamp::from_millis(0),
    }
}

async fn verify_whole_chain(store: &dyn Store) -> i64 {
    let events = store.audit_page(0, 1_000_000).await.expect("audit page");
    verify_chain(&events, GENESIS_HASH.into(), 1).expect("chain is whole");
    events.len() as i64
}

mod book;
mod monitoring;
mod outbox;
mod staff;

pub use book::*;
pub use monitoring::*;
pub use outbox::*;
pub use staff::*;
