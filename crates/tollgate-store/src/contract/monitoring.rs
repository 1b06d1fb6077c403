//! Contract cases for budgets, usage spend and alerts.

use super::*;

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
