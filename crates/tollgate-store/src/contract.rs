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

pub async fn migrations_apply_once_and_report_current(store: &dyn Store) {
    store.migrate().await.expect("second migrate is a no-op");
    let status = store.migration_status().await.expect("status");
    assert!(status.is_current(), "pending: {:?}", status.pending);
    assert!(!status.applied.is_empty());
    store.ping().await.expect("ping");
}

pub async fn customers_upsert_is_idempotent_and_keeps_tollgate_owned_fields(store: &dyn Store) {
    let rows = vec![fp(customer("c1", "CZ"), 1), fp(customer("c2", "DE"), 2)];
    let first = store
        .upsert_customers(&rows, UpsertMode::Replace, &meta())
        .await
        .expect("upsert");
    assert_eq!(
        first.counts,
        UpsertCounts {
            new: 2,
            updated: 0,
            unchanged: 0
        }
    );
    assert_eq!(first.created, vec!["c1".to_string(), "c2".to_string()]);
    let again = store
        .upsert_customers(&rows, UpsertMode::Replace, &meta())
        .await
        .expect("upsert");
    assert_eq!(
        again.counts,
        UpsertCounts {
            new: 0,
            updated: 0,
            unchanged: 2
        }
    );

    // A changed record updates, but status and risk tier stay Tollgate's.
    let mut changed = customer("c1", "CZ");
    changed.company_name = "Renamed s.r.o.".into();
    changed.status = CustomerStatus::Imported;
    changed.risk_tier = RiskTier::Critical;
    let report = store
        .upsert_customers(&[fp(changed, 3)], UpsertMode::Replace, &meta())
        .await
        .expect("upsert");
    assert_eq!(
        report.counts,
        UpsertCounts {
            new: 0,
            updated: 1,
            unchanged: 0
        }
    );
    let stored = store
        .get_customer(&cid("c1"))
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(stored.company_name, "Renamed s.r.o.");
    assert_eq!(stored.status, CustomerStatus::Active);
    assert_eq!(stored.risk_tier, RiskTier::Low);
    assert_eq!(stored.contacts, customer("c1", "CZ").contacts);
    assert_eq!(stored.credit_limit, customer("c1", "CZ").credit_limit);
    assert_eq!(stored.tags, vec!["vip".to_string()]);

    // Provider files only create what is missing.
    let mut imported = customer("c3", "SK");
    imported.status = CustomerStatus::Imported;
    let mut other = customer("c2", "DE");
    other.company_name = "Should not change".into();
    let report = store
        .upsert_customers(
            &[fp(imported, 0), fp(other, 0)],
            UpsertMode::InsertMissing,
            &meta(),
        )
        .await
        .expect("upsert");
    assert_eq!(
        report.counts,
        UpsertCounts {
            new: 1,
            updated: 0,
            unchanged: 1
        }
    );
    assert_eq!(
        store
            .get_customer(&cid("c2"))
            .await
            .expect("get")
            .expect("exists")
            .company_name,
        "Company c2"
    );
    assert_eq!(
        store
            .get_customer(&cid("c3"))
            .await
            .expect("get")
            .expect("exists")
            .status,
        CustomerStatus::Imported
    );
    assert!(
        store
            .get_customer(&cid("nope"))
            .await
            .expect("get")
            .is_none()
    );

    let existing = store
        .existing_customers(&[cid("c1"), cid("c9"), cid("c3")])
        .await
        .expect("existing");
    assert_eq!(existing.len(), 2);
    assert!(existing.contains(&cid("c1")) && existing.contains(&cid("c3")));

    // Every creation and update was audited, and the chain is whole.
    assert_eq!(verify_whole_chain(store).await, 4);
}

pub async fn customers_list_by_cursor_and_filter(store: &dyn Store) {
    let rows: Vec<_> = (0..25)
        .map(|i| {
            fp(
                customer(&format!("c{i:02}"), if i % 2 == 0 { "CZ" } else { "DE" }),
                i,
            )
        })
        .collect();
    store
        .upsert_customers(&rows, UpsertMode::Replace, &meta())
        .await
        .expect("upsert");
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_customers(&CustomerQuery {
                after_id: after.clone(),
                limit: 10,
                ..Default::default()
            })
            .await
            .expect("list");
        if page.is_empty() {
            break;
        }
        after = page.last().map(|c| c.id.to_string());
        seen.extend(page.into_iter().map(|c| c.id.to_string()));
    }
    assert_eq!(seen.len(), 25);
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "ordered by id");
    let german = store
        .list_customers(&CustomerQuery {
            country: Some("DE".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(german.len(), 12);
    assert!(german.iter().all(|c| c.country == "DE"));
}

pub async fn subscriptions_upsert_and_list(store: &dyn Store) {
    store
        .upsert_customers(&[fp(customer("c1", "CZ"), 1)], UpsertMode::Replace, &meta())
        .await
        .expect("upsert");
    let mut licence = subscription("s2", "c1");
    licence.kind = SubscriptionKind::License;
    licence.quantity = 25;
    licence.monthly_price = Some(Money::from_micros(150_000_000, Currency::EUR));
    let rows = vec![fp(subscription("s1", "c1"), 1), fp(licence.clone(), 2)];
    let report = store
        .upsert_subscriptions(&rows, UpsertMode::Replace, &meta())
        .await
        .expect("upsert");
    assert_eq!(report.counts.new, 2);
    let again = store
        .upsert_subscriptions(&rows, UpsertMode::Replace, &meta())
        .await
        .expect("upsert");
    assert_eq!(again.counts.unchanged, 2);

    // A changed record updates its fields.
    let mut reseated = subscription("s1", "c1");
    reseated.quantity = 3;
    store
        .upsert_subscriptions(&[fp(reseated, 9)], UpsertMode::Replace, &meta())
        .await
        .expect("upsert");
    let listed = store.list_subscriptions(&cid("c1")).await.expect("list");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].quantity, 3);
    assert_eq!(listed[1], licence);

    // A file saying "active" never lifts a suspension: state belongs to enforcement.
    let mut suspended = subscription("s3", "c1");
    suspended.state = SubscriptionState::Suspended;
    suspended.state_reasons = vec![StateReason::Nonpayment];
    store
        .upsert_subscriptions(&[fp(suspended, 1)], UpsertMode::Replace, &meta())
        .await
        .expect("upsert");
    let mut from_file = subscription("s3", "c1");
    from_file.quantity = 7;
    let report = store
        .upsert_subscriptions(&[fp(from_file, 2)], UpsertMode::Replace, &meta())
        .await
        .expect("upsert");
    assert_eq!(report.counts.updated, 1);
    let stored = store.list_subscriptions(&cid("c1")).await.expect("list");
    let s3 = stored.iter().find(|s| s.id == sid("s3")).expect("s3");
    assert_eq!((s3.state, s3.quantity), (SubscriptionState::Suspended, 7));
    assert_eq!(s3.state_reasons, vec![StateReason::Nonpayment]);
    let page = store
        .list_subscriptions_page(&crate::SubscriptionQuery {
            state: Some(SubscriptionState::Active),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("page");
    assert_eq!(
        page.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["s1", "s2"]
    );
    let licences = crate::SubscriptionQuery {
        kind: Some(SubscriptionKind::License),
        customer_id: Some(cid("c1")),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        store
            .list_subscriptions_page(&licences)
            .await
            .expect("page"),
        vec![licence.clone()]
    );
    let after = crate::SubscriptionQuery {
        after_id: Some("s1".into()),
        limit: 1,
        ..Default::default()
    };
    assert_eq!(
        store.list_subscriptions_page(&after).await.expect("page")[0].id,
        sid("s2")
    );
    assert_eq!(
        store.get_subscription(&sid("s2")).await.expect("get"),
        Some(licence.clone())
    );
    assert!(
        store
            .get_subscription(&sid("s9"))
            .await
            .expect("get")
            .is_none()
    );
    let existing = store
        .existing_subscriptions(&[sid("s1"), sid("s9")])
        .await
        .expect("existing");
    assert_eq!(existing.len(), 1);
}

pub async fn usage_import_counts_and_aggregates_by_line_identity(store: &dyn Store) {
    store
        .upsert_customers(&[fp(customer("c1", "CZ"), 1)], UpsertMode::Replace, &meta())
        .await
        .expect("upsert");
    store
        .upsert_subscriptions(
            &[fp(subscription("s1", "c1"), 1)],
            UpsertMode::Replace,
            &meta(),
        )
        .await
        .expect("sub");
    let lines = vec![
        usage(1, 10, 1, 1_000_000),
        usage(2, 20, 1, 2_000_000),
        usage(3, 30, 2, 500_000),
    ];
    let counts = store.import_usage(&lines, &meta()).await.expect("import");
    assert_eq!(
        counts,
        UpsertCounts {
            new: 3,
            updated: 0,
            unchanged: 0
        }
    );
    let counts = store.import_usage(&lines, &meta()).await.expect("import");
    assert_eq!(
        counts,
        UpsertCounts {
            new: 0,
            updated: 0,
            unchanged: 3
        }
    );

    // A corrected line (same key, new content) replaces the old one; a new line adds.
    let overlap = vec![
        usage(2, 21, 1, 2_500_000),
        usage(3, 30, 2, 500_000),
        usage(4, 40, 2, 100_000),
    ];
    let counts = store.import_usage(&overlap, &meta()).await.expect("import");
    assert_eq!(
        counts,
        UpsertCounts {
            new: 1,
            updated: 1,
            unchanged: 1
        }
    );

    let from = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
    let to = NaiveDate::from_ymd_opt(2026, 3, 31).expect("date");
    let daily = store
        .daily_usage(&cid("c1"), from, to)
        .await
        .expect("daily");
    assert_eq!(daily.len(), 2);
    assert_eq!(daily[0].key.day, from);
    assert_eq!(daily[0].cost_micros, 3_500_000);
    assert_eq!(daily[0].n_lines, 2);
    assert_eq!(daily[0].vcpu_hours_micros, 4_000_000);
    assert_eq!(daily[1].cost_micros, 600_000);
    let summary = store.book_summary().await.expect("summary");
    assert_eq!(
        summary.usage_micros_by_currency.get("EUR"),
        Some(&4_100_000)
    );
    assert_eq!(summary.usage_lines, 4);
}

pub async fn invoices_payments_and_summary(store: &dyn Store) {
    store
        .upsert_customers(&[fp(customer("c1", "CZ"), 1)], UpsertMode::Replace, &meta())
        .await
        .expect("upsert");
    let invoice = |id: &str, total: i64| Invoice {
        id: InvoiceId::parse(id).expect("id"),
        customer_id: cid("c1"),
        number: id.into(),
        source: InvoiceSource::Partner,
        issued_on: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        due_on: NaiveDate::from_ymd_opt(2026, 1, 31).expect("date"),
        total: Money::from_micros(total, Currency::CZK),
        tax: Money::from_micros(0, Currency::CZK),
    };
    let invoices = vec![
        fp(invoice("i1", 100_000_000), 1),
        fp(invoice("i2", 50_000_000), 2),
    ];
    assert_eq!(
        store
            .upsert_invoices(&invoices, &meta())
            .await
            .expect("inv")
            .counts
            .new,
        2
    );
    assert_eq!(
        store
            .upsert_invoices(&invoices, &meta())
            .await
            .expect("inv")
            .counts
            .unchanged,
        2
    );
    let payment = |id: &str, invoice_id: &str, amount: i64| Payment {
        id: PaymentId::parse(id).expect("id"),
        customer_id: cid("c1"),
        invoice_id: Some(InvoiceId::parse(invoice_id).expect("id")),
        amount: Money::from_micros(amount, Currency::CZK),
        received_at: Timestamp::from_millis(1_700_000_000_000),
        method: PaymentMethod::BankTransfer,
    };
    let payments = vec![
        fp(payment("p1", "i1", 100_000_000), 1),
        fp(payment("p2", "i2", 20_000_000), 2),
    ];
    assert_eq!(
        store
            .upsert_payments(&payments, &meta())
            .await
            .expect("pay")
            .counts
            .new,
        2
    );
    assert_eq!(
        store
            .upsert_payments(&payments, &meta())
            .await
            .expect("pay")
            .counts
            .unchanged,
        2
    );
    let known = store
        .existing_invoices(&["i1".into(), "i7".into()])
        .await
        .expect("existing");
    assert_eq!(
        known.into_iter().collect::<Vec<_>>(),
        vec!["i1".to_string()]
    );

    let all = store
        .list_invoices(&crate::BillingQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(
        all.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        ["i1", "i2"]
    );
    assert_eq!(all[0], invoice("i1", 100_000_000));
    let page = crate::BillingQuery {
        customer_id: Some(cid("c1")),
        after_id: Some("i1".into()),
        limit: 10,
    };
    assert_eq!(store.list_invoices(&page).await.expect("list").len(), 1);
    assert_eq!(
        store.get_invoice("i2").await.expect("get"),
        Some(invoice("i2", 50_000_000))
    );
    assert!(store.get_invoice("i9").await.expect("get").is_none());
    let paid = store
        .list_payments(&crate::BillingQuery {
            customer_id: Some(cid("c1")),
            limit: 1,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(paid, vec![payment("p1", "i1", 100_000_000)]);
    assert_eq!(
        store.get_payment("p2").await.expect("get"),
        Some(payment("p2", "i2", 20_000_000))
    );
    assert!(store.get_payment("p9").await.expect("get").is_none());
    let open = store
        .open_receivables(&cid("c1"))
        .await
        .expect("receivables");
    assert_eq!(
        open,
        vec![(Currency::CZK, 30_000_000)],
        "i1 paid in full, i2 30 of 50 open"
    );
    assert!(
        store
            .open_receivables(&cid("c9"))
            .await
            .expect("receivables")
            .is_empty()
    );
    let none = crate::BillingQuery {
        customer_id: Some(cid("c9")),
        limit: 10,
        ..Default::default()
    };
    assert!(store.list_payments(&none).await.expect("list").is_empty());

    let summary = store.book_summary().await.expect("summary");
    assert_eq!(summary.invoices, 2);
    assert_eq!(summary.payments, 2);
    assert_eq!(summary.open_invoices, 1);
    assert_eq!(
        summary.open_balance_micros_by_currency.get("CZK"),
        Some(&30_000_000)
    );
    assert_eq!(summary.customers_by_status.get("active"), Some(&1));
    assert_eq!(summary.customers_by_country.get("CZ"), Some(&1));
}

pub async fn audit_chain_appends_in_order(store: &dyn Store) {
    store
        .append_audit(&[audit_event("a.one"), audit_event("a.two")])
        .await
        .expect("append");
    store
        .append_audit(&[audit_event("a.three")])
        .await
        .expect("append");
    let events = store.audit_page(0, 100).await.expect("page");
    let actions: Vec<_> = events.iter().map(|e| e.event.action.as_str()).collect();
    assert_eq!(actions, ["a.one", "a.two", "a.three"]);
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(events[0].event, audit_event("a.one"));
    let tail = store.audit_page(2, 100).await.expect("page");
    assert_eq!(tail.len(), 1);
    assert_eq!(verify_whole_chain(store).await, 3);
}

pub async fn outbox_deduplicates_by_idempotency_key(store: &dyn Store) {
    let ids = store
        .enqueue(&[entry("k1"), entry("k2")], &[audit_event("effect.queued")])
        .await
        .expect("enqueue");
    assert_eq!(ids.len(), 2);
    let again = store
        .enqueue(&[entry("k2"), entry("k3")], &[])
        .await
        .expect("enqueue");
    assert_eq!(again[0], ids[1], "a known key returns the existing entry");
    let stats = store
        .outbox_stats(Timestamp::from_millis(1))
        .await
        .expect("stats");
    assert_eq!(stats.pending, 3);
    assert_eq!(verify_whole_chain(store).await, 1);
}

pub async fn outbox_claims_leases_and_completes(store: &dyn Store) {
    let now = Timestamp::from_millis(1_000_000);
    let ids = store.enqueue(&[entry("k1")], &[]).await.expect("enqueue");
    let claimed = store
        .claim_next("w1", now, 30_000)
        .await
        .expect("claim")
        .expect("an entry");
    assert_eq!(claimed.id, ids[0]);
    assert_eq!(claimed.attempts, 1);
    assert_eq!(claimed.payload, "{\"hello\":1}");
    assert!(
        store
            .claim_next("w2", now, 30_000)
            .await
            .expect("claim")
            .is_none(),
        "leased"
    );

    // w1 crashes; after its lease w2 claims the entry, and w1 can no longer complete it.
    let later = now.plus_millis(30_001);
    let reclaimed = store
        .claim_next("w2", later, 30_000)
        .await
        .expect("claim")
        .expect("lease ran out");
    assert_eq!(reclaimed.id, ids[0]);
    assert_eq!(reclaimed.attempts, 2);
    assert!(!store.complete(ids[0], "w1", later).await.expect("complete"));
    assert!(store.complete(ids[0], "w2", later).await.expect("complete"));
    let stored = store
        .get_outbox(ids[0])
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(stored.status, OutboxStatus::Delivered);
    assert_eq!(stored.delivered_at, Some(later));
    assert!(
        store
            .claim_next("w3", later.plus_millis(100_000), 30_000)
            .await
            .expect("claim")
            .is_none()
    );
    let stats = store.outbox_stats(later).await.expect("stats");
    assert_eq!((stats.pending, stats.delivered), (0, 1));
}

pub async fn outbox_retries_and_dead_letters(store: &dyn Store) {
    let now = Timestamp::from_millis(1_000_000);
    let mut not_yet = entry("later");
    not_yet.not_before = now.plus_millis(60_000);
    store
        .enqueue(&[entry("k1"), not_yet], &[])
        .await
        .expect("enqueue");
    let claimed = store
        .claim_next("w1", now, 30_000)
        .await
        .expect("claim")
        .expect("due entry");
    assert_eq!(claimed.idempotency_key, "k1");
    assert!(
        store
            .claim_next("w1", now, 30_000)
            .await
            .expect("claim")
            .is_none(),
        "the other is not due"
    );
    let retry_at = now.plus_millis(5_000);
    assert!(
        store
            .fail(claimed.id, "w1", "HTTP 503", Some(retry_at), now)
            .await
            .expect("fail")
    );
    let stored = store
        .get_outbox(claimed.id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(stored.status, OutboxStatus::Pending);
    assert_eq!(stored.last_error.as_deref(), Some("HTTP 503"));
    assert_eq!(stored.next_attempt_at, retry_at);
    assert_eq!(stored.locked_by, None);
    let again = store
        .claim_next("w1", retry_at, 30_000)
        .await
        .expect("claim")
        .expect("retry due");
    assert_eq!(again.id, claimed.id);
    assert!(
        store
            .fail(again.id, "w1", "HTTP 400", None, retry_at)
            .await
            .expect("fail")
    );
    assert_eq!(
        store
            .get_outbox(claimed.id)
            .await
            .expect("get")
            .expect("exists")
            .status,
        OutboxStatus::Dead
    );
    let stats = store.outbox_stats(retry_at).await.expect("stats");
    assert_eq!((stats.dead, stats.pending, stats.due), (1, 1, 0));
}

pub async fn concurrent_claims_never_share_an_entry(store: &dyn Store) {
    let entries: Vec<_> = (0..60).map(|i| entry(&format!("k{i}"))).collect();
    store.enqueue(&entries, &[]).await.expect("enqueue");
    let now = Timestamp::from_millis(1_000_000);
    let claim_all = |worker: &'static str| async move {
        let mut ids = Vec::new();
        while let Some(claimed) = store.claim_next(worker, now, 60_000).await.expect("claim") {
            assert!(
                store
                    .complete(claimed.id, worker, now)
                    .await
                    .expect("complete")
            );
            ids.push(claimed.id);
        }
        ids
    };
    let (a, b) = join(claim_all("w1"), claim_all("w2")).await;
    let all: BTreeSet<i64> = a.iter().chain(b.iter()).copied().collect();
    assert_eq!(all.len(), a.len() + b.len(), "no entry claimed twice");
    assert_eq!(all.len(), 60);
}

/// Runs two futures concurrently without depending on a runtime crate.
async fn join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    use std::pin::pin;
    use std::task::Poll;
    let mut a = pin!(a);
    let mut b = pin!(b);
    let mut out_a = None;
    let mut out_b = None;
    std::future::poll_fn(|cx| {
        if out_a.is_none()
            && let Poll::Ready(v) = a.as_mut().poll(cx)
        {
            out_a = Some(v);
        }
        if out_b.is_none()
            && let Poll::Ready(v) = b.as_mut().poll(cx)
        {
            out_b = Some(v);
        }
        if out_a.is_some() && out_b.is_some() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    match (out_a, out_b) {
        (Some(x), Some(y)) => (x, y),
        _ => unreachable!("both futures completed"),
    }
}

fn staff(
    id: &str,
    email: &str,
    role: tollgate_domain::staff::Role,
) -> tollgate_domain::staff::StaffUser {
    tollgate_domain::staff::StaffUser {
        id: id.into(),
        email: email.into(),
        role,
        disabled: false,
        created_at: Timestamp::from_millis(1_700_000_000_000),
    }
}

pub async fn staff_users_are_created_changed_and_audited(store: &dyn Store) {
    use tollgate_domain::staff::Role;
    let ana = staff("u1", "ana@partner.example", Role::AdminAgent);
    store
        .create_staff_user(&ana, "$argon2id$hash-a", &meta())
        .await
        .expect("create");
    store
        .create_staff_user(
            &staff("u2", "bob@partner.example", Role::BillingAdmin),
            "$argon2id$hash-b",
            &meta(),
        )
        .await
        .expect("create");
    let taken = store
        .create_staff_user(
            &staff("u3", "ANA@partner.example", Role::GlobalAdmin),
            "x",
            &meta(),
        )
        .await;
    assert!(
        matches!(taken, Err(crate::StoreError::Conflict(_))),
        "e-mails are unique, case-insensitively"
    );

    let found = store
        .staff_user_by_email("Ana@Partner.Example")
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(found.user, ana);
    assert_eq!(found.password_hash, "$argon2id$hash-a");
    assert_eq!((found.failed_logins, found.locked_until), (0, None));
    assert!(
        store
            .staff_user_by_email("nobody@partner.example")
            .await
            .expect("get")
            .is_none()
    );

    assert!(
        store
            .update_staff_user("u1", &crate::StaffChange::Role(Role::GlobalAdmin), &meta())
            .await
            .expect("role")
    );
    assert!(
        store
            .update_staff_user("u1", &crate::StaffChange::Disabled(true), &meta())
            .await
            .expect("disable")
    );
    let change = crate::StaffChange::PasswordHash("$argon2id$hash-c".into());
    assert!(
        store
            .update_staff_user("u1", &change, &meta())
            .await
            .expect("password")
    );
    assert!(
        !store
            .update_staff_user("u9", &change, &meta())
            .await
            .expect("missing")
    );
    let changed = store.staff_user("u1").await.expect("get").expect("exists");
    assert_eq!(
        (changed.user.role, changed.user.disabled),
        (Role::GlobalAdmin, true)
    );
    assert_eq!(changed.password_hash, "$argon2id$hash-c");

    let listed: Vec<String> = store
        .list_staff_users()
        .await
        .expect("list")
        .into_iter()
        .map(|u| u.email)
        .collect();
    assert_eq!(listed, ["ana@partner.example", "bob@partner.example"]);

    let events = store.audit_page(0, 100).await.expect("audit");
    let actions: Vec<&str> = events.iter().map(|e| e.event.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.created",
            "user.created",
            "user.role_changed",
            "user.disabled",
            "user.password_changed"
        ]
    );
    assert!(events.iter().all(|e| !e.event.details.contains("argon2")
        && !e.event.reasons.iter().any(|r| r.contains("argon2"))));
    verify_whole_chain(store).await;
}

pub async fn logins_count_failures_and_lock(store: &dyn Store) {
    use crate::LoginOutcome;
    use tollgate_domain::staff::Role;
    store
        .create_staff_user(
            &staff("u1", "ana@partner.example", Role::AdminAgent),
            "h",
            &meta(),
        )
        .await
        .expect("create");
    let fail = LoginOutcome::Failure { lock_until: None };
    store.record_login("u1", fail, &meta()).await.expect("fail");
    store.record_login("u1", fail, &meta()).await.expect("fail");
    let until = Timestamp::from_millis(1_700_000_900_000);
    store
        .record_login(
            "u1",
            LoginOutcome::Failure {
                lock_until: Some(until),
            },
            &meta(),
        )
        .await
        .expect("lock");
    let locked = store.staff_user("u1").await.expect("get").expect("exists");
    assert_eq!(
        (locked.failed_logins, locked.locked_until),
        (3, Some(until))
    );
    store
        .record_login("u1", LoginOutcome::Success, &meta())
        .await
        .expect("ok");
    let cleared = store.staff_user("u1").await.expect("get").expect("exists");
    assert_eq!((cleared.failed_logins, cleared.locked_until), (0, None));
    let actions: Vec<String> = store
        .audit_page(0, 100)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.event.action)
        .collect();
    assert_eq!(
        actions,
        [
            "user.created",
            "login.failed",
            "login.failed",
            "login.locked",
            "login.succeeded"
        ]
    );
}

pub async fn api_tokens_are_found_by_hash_listed_and_revoked(store: &dyn Store) {
    use tollgate_domain::staff::Role;
    store
        .create_staff_user(
            &staff("u1", "ana@partner.example", Role::AdminAgent),
            "h",
            &meta(),
        )
        .await
        .expect("create");
    let token = |id: &str, created: i64| crate::ApiToken {
        id: id.into(),
        user_id: "u1".into(),
        name: format!("script {id}"),
        created_at: Timestamp::from_millis(created),
        expires_at: Some(Timestamp::from_millis(2_000_000_000_000)),
        revoked_at: None,
    };
    store
        .create_api_token(&token("t1", 1), "hash-1", &meta())
        .await
        .expect("create");
    store
        .create_api_token(&token("t2", 2), "hash-2", &meta())
        .await
        .expect("create");
    let (found, owner) = store
        .api_token_by_hash("hash-2")
        .await
        .expect("find")
        .expect("exists");
    assert_eq!(found, token("t2", 2));
    assert_eq!(owner.user.email, "ana@partner.example");
    assert!(
        store
            .api_token_by_hash("hash-9")
            .await
            .expect("find")
            .is_none()
    );
    let listed: Vec<String> = store
        .list_api_tokens(Some("u1"))
        .await
        .expect("list")
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(listed, ["t2", "t1"], "newest first");
    assert!(
        store
            .list_api_tokens(Some("u2"))
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(store.list_api_tokens(None).await.expect("list").len(), 2);
    assert!(store.revoke_api_token("t1", &meta()).await.expect("revoke"));
    assert!(
        !store.revoke_api_token("t1", &meta()).await.expect("again"),
        "revoking twice changes nothing"
    );
    let (revoked, _) = store
        .api_token_by_hash("hash-1")
        .await
        .expect("find")
        .expect("exists");
    assert_eq!(revoked.revoked_at, Some(meta().at));
    assert!(!revoked.is_live(meta().at));
    let actions: Vec<String> = store
        .audit_page(0, 100)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.event.action)
        .collect();
    assert_eq!(
        actions,
        [
            "user.created",
            "token.created",
            "token.created",
            "token.revoked"
        ]
    );
}

pub async fn sessions_and_idempotent_responses_round_trip(store: &dyn Store) {
    use tollgate_domain::staff::Role;
    store
        .create_staff_user(
            &staff("u1", "ana@partner.example", Role::AdminAgent),
            "h",
            &meta(),
        )
        .await
        .expect("create");
    let session = crate::Session {
        user_id: "u1".into(),
        csrf_token: "csrf-1".into(),
        created_at: Timestamp::from_millis(1),
        expires_at: Timestamp::from_millis(2),
    };
    store
        .create_session("sess-hash", &session)
        .await
        .expect("session");
    assert_eq!(
        store.session_by_hash("sess-hash").await.expect("get"),
        Some(session)
    );
    assert!(store.delete_session("sess-hash").await.expect("delete"));
    assert!(
        !store
            .delete_session("sess-hash")
            .await
            .expect("delete again")
    );
    assert!(
        store
            .session_by_hash("sess-hash")
            .await
            .expect("get")
            .is_none()
    );

    let first = crate::IdempotentResponse {
        request_hash: "rh".into(),
        status: 201,
        body: "{\"id\":1}".into(),
        created_at: Timestamp::from_millis(5),
    };
    assert!(
        store
            .idempotent_response("u1", "k")
            .await
            .expect("get")
            .is_none()
    );
    store
        .save_idempotent_response("u1", "k", &first)
        .await
        .expect("save");
    let second = crate::IdempotentResponse {
        body: "{\"id\":2}".into(),
        ..first.clone()
    };
    store
        .save_idempotent_response("u1", "k", &second)
        .await
        .expect("save again");
    assert_eq!(
        store.idempotent_response("u1", "k").await.expect("get"),
        Some(first),
        "the first response stays"
    );
    assert!(
        store
            .idempotent_response("u2", "k")
            .await
            .expect("get")
            .is_none(),
        "keys are per caller"
    );
}

pub async fn customers_sort_and_page_by_any_key(store: &dyn Store) {
    use crate::CustomerSort;
    let names = [
        "Delta", "alpha", "Bravo", "Charlie", "Bravo", "Echo", "Alpha",
    ];
    let rows: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut c = customer(&format!("c{i}"), if i % 2 == 0 { "CZ" } else { "AT" });
            c.company_name = (*name).into();
            c.created_at = Timestamp::from_millis(1_000 - i as i64 * 10);
            fp(c, i as i64)
        })
        .collect();
    store
        .upsert_customers(&rows, UpsertMode::Replace, &meta())
        .await
        .expect("upsert");
    for (sort, descending) in [
        (CustomerSort::CompanyName, false),
        (CustomerSort::CompanyName, true),
        (CustomerSort::CreatedAt, false),
        (CustomerSort::Country, true),
    ] {
        let mut expected: Vec<(String, String)> = rows
            .iter()
            .map(|r| (sort.key_of(&r.record), r.record.id.to_string()))
            .collect();
        expected.sort_by(|a, b| {
            let by_key = match sort {
                CustomerSort::CreatedAt => {
                    a.0.parse::<i64>()
                        .unwrap_or(0)
                        .cmp(&b.0.parse::<i64>().unwrap_or(0))
                }
                _ => a.0.as_bytes().cmp(b.0.as_bytes()),
            };
            by_key.then(a.1.cmp(&b.1))
        });
        if descending {
            expected.reverse();
        }
        let mut seen = Vec::new();
        let (mut after_key, mut after_id) = (None, None);
        loop {
            let query = CustomerQuery {
                sort,
                descending,
                after_key: after_key.clone(),
                after_id: after_id.clone(),
                limit: 3,
                ..Default::default()
            };
            let page = store.list_customers(&query).await.expect("list");
            if page.is_empty() {
                break;
            }
            let last = page.last().expect("a record");
            after_key = Some(sort.key_of(last));
            after_id = Some(last.id.to_string());
            seen.extend(page.iter().map(|c| c.id.to_string()));
        }
        let expected_ids: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();
        assert_eq!(seen, expected_ids, "{sort:?} descending={descending}");
    }
}

pub async fn budgets_and_alerts_raise_once_with_their_notification(store: &dyn Store) {
    use tollgate_domain::monitoring::{AlertKind, Budget, Severity};
    store
        .upsert_customers(&[fp(customer("c1", "CZ"), 1)], UpsertMode::Replace, &meta())
        .await
        .expect("customer");
    store
        .upsert_subscriptions(
            &[fp(subscription("s1", "c1"), 1)],
            UpsertMode::Replace,
            &meta(),
        )
        .await
        .expect("sub");
    let budget = Budget {
        customer_id: cid("c1"),
        monthly_amount: Money::from_micros(1_000_000_000, Currency::EUR),
        thresholds_percent: vec![50, 75, 90, 100],
        enforcement_percent: Some(120),
    };
    store.set_budget(&budget, &meta()).await.expect("budget");
    let mut changed = budget.clone();
    changed.monthly_amount = Money::from_micros(2_000_000_000, Currency::EUR);
    store
        .set_budget(&changed, &meta())
        .await
        .expect("budget again");
    assert_eq!(store.list_budgets().await.expect("list"), vec![changed]);

    store
        .import_usage(
            &[usage(1, 1, 1, 3_000_000), usage(2, 2, 2, 4_000_000)],
            &meta(),
        )
        .await
        .expect("usage");
    let from = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
    let to = NaiveDate::from_ymd_opt(2026, 3, 31).expect("date");
    assert_eq!(
        store
            .usage_spend(&cid("c1"), Currency::EUR, from, to)
            .await
            .expect("spend"),
        7_000_000
    );
    assert_eq!(
        store
            .usage_spend(&cid("c1"), Currency::USD, from, to)
            .await
            .expect("spend"),
        0
    );
    assert_eq!(
        store
            .usage_spend(&cid("c1"), Currency::EUR, from, from)
            .await
            .expect("spend"),
        3_000_000
    );

    let alert = crate::NewAlert {
        dedup_key: "budget:c1:2026-03:50".into(),
        kind: AlertKind::BudgetThreshold,
        severity: Severity::Low,
        confidence: 100,
        customer_id: Some(cid("c1")),
        subscription_id: None,
        first_seen: Timestamp::from_millis(10),
        last_seen: Timestamp::from_millis(20),
        evidence: vec![("percent".into(), "55".into())],
    };
    let raised = store
        .raise_alerts(std::slice::from_ref(&alert), &meta())
        .await
        .expect("raise");
    assert_eq!(raised, vec![alert.id()]);
    assert!(
        store
            .raise_alerts(std::slice::from_ref(&alert), &meta())
            .await
            .expect("again")
            .is_empty(),
        "once per key"
    );
    let listed = store
        .list_alerts(Some(AlertKind::BudgetThreshold))
        .await
        .expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, alert.id());
    assert_eq!(
        listed[0].evidence.get("percent").map(String::as_str),
        Some("55")
    );
    assert_eq!(listed[0].customer_id, Some(cid("c1")));
    assert!(
        store
            .list_alerts(Some(AlertKind::SpendAnomaly))
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(store.list_alerts(None).await.expect("list").len(), 1);
    // The notification waits in the outbox, written with the alert.
    let stats = store
        .outbox_stats(Timestamp::from_millis(i64::MAX / 2))
        .await
        .expect("stats");
    assert_eq!(stats.pending, 1);
    let actions: Vec<String> = store
        .audit_page(0, 100)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.event.action)
        .collect();
    assert!(
        actions.ends_with(&["usage.imported".to_string(), "alert.raised".to_string()]),
        "{actions:?}"
    );
    assert_eq!(actions.iter().filter(|a| *a == "budget.set").count(), 2);
    verify_whole_chain(store).await;
}
