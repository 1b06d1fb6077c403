//! Staff authentication: argon2id password hashes, logins that slow down and lock after
//! repeated failures, and API tokens whose secret is shown once and stored as its SHA-256.
//! Nothing here logs a password, a hash or a token secret.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;
use sha2::{Digest, Sha256};
use tollgate_domain::staff::{LockoutPolicy, Role, StaffUser};
use tollgate_domain::time::Timestamp;
use tollgate_store::{
    ApiToken, LoginOutcome, StaffChange, StaffRecord, Store, StoreError, WriteMeta,
};

/// Why an account operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("'{0}' is not an e-mail address")]
    BadEmail(String),
    #[error("the password is too short: at least {MIN_PASSWORD_LEN} characters")]
    WeakPassword,
    #[error("no staff user with e-mail {0}")]
    UnknownUser(String),
    #[error("cannot hash the password: {0}")]
    Hashing(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub const MIN_PASSWORD_LEN: usize = 12;

/// Hashes a password with argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let mut salt = [0u8; 16];
    rand::rng().fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hashing(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AuthError::Hashing(e.to_string()))
}

/// Checks a password against a stored PHC string; a malformed hash never matches.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A random password of 20 letters and digits, for `users add` without one.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A random id with a prefix: `usr_…`, `tok_…`.
pub fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 12];
    rand::rng().fill(&mut bytes);
    format!("{prefix}_{}", hex::encode(bytes))
}

/// The SHA-256 of a token secret, as stored. Secrets carry 256 random bits, so a fast hash is
/// the right one here (argon2 is for low-entropy passwords).
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn normalise_email(email: &str) -> Result<String, AuthError> {
    let trimmed = email.trim().to_ascii_lowercase();
    let valid = trimmed.len() <= 254
        && !trimmed.contains(char::is_whitespace)
        && trimmed
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if valid {
        Ok(trimmed)
    } else {
        Err(AuthError::BadEmail(email.to_string()))
    }
}

/// Creates a staff member with a password (checked for length, then hashed).
pub async fn add_user(
    store: &dyn Store,
    email: &str,
    role: Role,
    password: &str,
    meta: &WriteMeta,
) -> Result<StaffUser, AuthError> {
    let email = normalise_email(email)?;
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AuthError::WeakPassword);
    }
    let user = StaffUser {
        id: new_id("usr"),
        email,
        role,
        disabled: false,
        created_at: meta.at,
    };
    store
        .create_staff_user(&user, &hash_password(password)?, meta)
        .await?;
    Ok(user)
}

/// Finds a staff member by e-mail or says there is none.
pub async fn user_by_email(store: &dyn Store, email: &str) -> Result<StaffRecord, AuthError> {
    store
        .staff_user_by_email(email)
        .await?
        .ok_or_else(|| AuthError::UnknownUser(email.trim().to_string()))
}

/// Changes a staff member's password.
pub async fn set_password(
    store: &dyn Store,
    user_id: &str,
    password: &str,
    meta: &WriteMeta,
) -> Result<(), AuthError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AuthError::WeakPassword);
    }
    store
        .update_staff_user(
            user_id,
            &StaffChange::PasswordHash(hash_password(password)?),
            meta,
        )
        .await?;
    Ok(())
}

/// What a login attempt comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginResult {
    Accepted(StaffUser),
    /// Wrong e-mail or password (the caller cannot tell which), answered after `delay_millis`.
    Denied {
        delay_millis: i64,
    },
    /// Too many failures: refused, right or wrong, until the time given.
    Locked {
        until: Timestamp,
    },
    Disabled,
}

/// Checks a login. Failures are counted and slow down; the `max_failures`-th locks the account.
pub async fn login(
    store: &dyn Store,
    email: &str,
    password: &str,
    policy: &LockoutPolicy,
    meta: &WriteMeta,
) -> Result<LoginResult, AuthError> {
    let Some(record) = store.staff_user_by_email(email).await? else {
        // Spend the time a real check would, so that timing does not reveal who has an account.
        let _ = verify_password(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            password,
        );
        return Ok(LoginResult::Denied {
            delay_millis: policy.base_delay_millis,
        });
    };
    if let Some(until) = record.locked_until
        && meta.at < until
    {
        return Ok(LoginResult::Locked { until });
    }
    if !verify_password(&record.password_hash, password) {
        let failures = record.failed_logins + 1;
        let (delay_millis, lock_until) = policy.after_failure(failures, meta.at);
        store
            .record_login(&record.user.id, LoginOutcome::Failure { lock_until }, meta)
            .await?;
        return Ok(match lock_until {
            Some(until) => LoginResult::Locked { until },
            None => LoginResult::Denied { delay_millis },
        });
    }
    if record.user.disabled {
        return Ok(LoginResult::Disabled);
    }
    store
        .record_login(&record.user.id, LoginOutcome::Success, meta)
        .await?;
    Ok(LoginResult::Accepted(record.user))
}

/// Creates an API token for a user; the secret is returned once and only its hash is kept.
pub async fn create_token(
    store: &dyn Store,
    user_id: &str,
    name: &str,
    expires_at: Option<Timestamp>,
    meta: &WriteMeta,
) -> Result<(ApiToken, String), AuthError> {
    let mut secret_bytes = [0u8; 32];
    rand::rng().fill(&mut secret_bytes);
    let secret = format!("tg_{}", hex::encode(secret_bytes));
    let token = ApiToken {
        id: new_id("tok"),
        user_id: user_id.to_string(),
        name: name.trim().to_string(),
        created_at: meta.at,
        expires_at,
        revoked_at: None,
    };
    store
        .create_api_token(&token, &token_hash(&secret), meta)
        .await?;
    Ok((token, secret))
}

/// The staff member a bearer token acts for, if the token is live and its user enabled.
pub async fn authenticate_token(
    store: &dyn Store,
    secret: &str,
    now: Timestamp,
) -> Result<Option<StaffUser>, AuthError> {
    let Some((token, owner)) = store.api_token_by_hash(&token_hash(secret.trim())).await? else {
        return Ok(None);
    };
    Ok((token.is_live(now) && !owner.user.disabled).then_some(owner.user))
}

#[cfg(test)]
mod tests {
    use tollgate_store_sqlite::SqliteStore;

    use super::*;

    fn meta(at: i64) -> WriteMeta {
        WriteMeta {
            actor: "system:test".into(),
            at: Timestamp::from_millis(at),
            source: "test".into(),
        }
    }

    async fn store() -> SqliteStore {
        let store = SqliteStore::open("sqlite::memory:").await.expect("open");
        store.migrate().await.expect("migrate");
        store
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "correct horse battery!"));
        assert!(!verify_password("not a hash", "x"));
        assert_ne!(
            hash,
            hash_password("correct horse battery").expect("hash"),
            "salted"
        );
        assert_eq!(generate_password().len(), 20);
    }

    #[tokio::test]
    async fn repeated_failures_lock_the_account_and_a_lock_expires() {
        let store = store().await;
        let user = add_user(
            &store,
            "Ana@Partner.Example",
            Role::AdminAgent,
            "a long passphrase",
            &meta(0),
        )
        .await
        .expect("add");
        assert_eq!(user.email, "ana@partner.example");
        let policy = LockoutPolicy::default();
        let mut delays = Vec::new();
        for _ in 0..4 {
            match login(
                &store,
                "ana@partner.example",
                "wrong",
                &policy,
                &meta(1_000),
            )
            .await
            .expect("login")
            {
                LoginResult::Denied { delay_millis } => delays.push(delay_millis),
                other => panic!("expected a denial, got {other:?}"),
            }
        }
        assert_eq!(delays, [250, 500, 1_000, 2_000], "the delay grows");
        let locked = login(
            &store,
            "ana@partner.example",
            "wrong",
            &policy,
            &meta(1_000),
        )
        .await
        .expect("login");
        assert_eq!(
            locked,
            LoginResult::Locked {
                until: Timestamp::from_millis(901_000)
            }
        );
        // Locked: even the right password is refused until the lock runs out.
        let refused = login(
            &store,
            "ana@partner.example",
            "a long passphrase",
            &policy,
            &meta(2_000),
        )
        .await;
        assert!(matches!(
            refused.expect("login"),
            LoginResult::Locked { .. }
        ));
        let later = login(
            &store,
            "ana@partner.example",
            "a long passphrase",
            &policy,
            &meta(901_001),
        )
        .await;
        assert!(matches!(later.expect("login"), LoginResult::Accepted(_)));
        let record = store
            .staff_user(&user.id)
            .await
            .expect("get")
            .expect("exists");
        assert_eq!((record.failed_logins, record.locked_until), (0, None));
    }

    #[tokio::test]
    async fn tokens_act_for_their_user_until_revoked_or_expired() {
        let store = store().await;
        let user = add_user(
            &store,
            "bob@partner.example",
            Role::BillingAdmin,
            "another passphrase",
            &meta(0),
        )
        .await
        .expect("add");
        let (token, secret) = create_token(
            &store,
            &user.id,
            "billing sync",
            Some(Timestamp::from_millis(10_000)),
            &meta(0),
        )
        .await
        .expect("token");
        assert!(secret.starts_with("tg_") && secret.len() == 67);
        let acting = authenticate_token(&store, &secret, Timestamp::from_millis(5_000))
            .await
            .expect("auth");
        assert_eq!(acting.map(|u| u.role), Some(Role::BillingAdmin));
        assert!(
            authenticate_token(&store, &secret, Timestamp::from_millis(10_000))
                .await
                .expect("auth")
                .is_none(),
            "expired"
        );
        assert!(
            authenticate_token(&store, "tg_forged", Timestamp::from_millis(5_000))
                .await
                .expect("auth")
                .is_none()
        );
        store
            .revoke_api_token(&token.id, &meta(6_000))
            .await
            .expect("revoke");
        assert!(
            authenticate_token(&store, &secret, Timestamp::from_millis(7_000))
                .await
                .expect("auth")
                .is_none(),
            "revoked"
        );
        let events = store.audit_page(0, 100).await.expect("audit");
        assert!(
            events.iter().all(|e| !format!("{e:?}").contains(&secret)),
            "no secret in the audit trail"
        );
    }

    #[tokio::test]
    async fn weak_passwords_and_bad_emails_are_refused() {
        let store = store().await;
        assert!(matches!(
            add_user(
                &store,
                "ana@partner.example",
                Role::AdminAgent,
                "short",
                &meta(0)
            )
            .await,
            Err(AuthError::WeakPassword)
        ));
        assert!(matches!(
            add_user(
                &store,
                "not-an-email",
                Role::AdminAgent,
                "a long passphrase",
                &meta(0)
            )
            .await,
            Err(AuthError::BadEmail(_))
        ));
    }
}
