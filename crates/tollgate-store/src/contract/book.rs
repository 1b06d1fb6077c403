//! Contract cases for the book: migrations, customers, subscriptions, usage, invoices and payments.

use super::*;

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
