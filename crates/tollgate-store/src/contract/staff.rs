//! Contract cases for staff accounts, logins, API tokens, sessions and idempotent responses.

use super::*;

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
