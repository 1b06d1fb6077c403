//! Configuration: built-in defaults, then `tollgate.toml`, then `TOLLGATE__SECTION__KEY`
//! environment variables. Secrets, when settings gain them, are held in `secrecy` types so they never reach a log.

use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Used when neither `--db` nor `TOLLGATE_DB` is given.
    pub database_url: String,
    /// The partner's time zone, for calendar rules and display (IANA name).
    pub timezone: String,
    pub billing: BillingConfig,
    pub worker: WorkerConfig,
    pub webhook: WebhookConfig,
    pub api: ApiConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    /// Mark the session cookie `Secure`; turn off only for plain-HTTP localhost.
    pub secure_cookies: bool,
    /// Login attempts a minute, per client address and per account.
    pub login_attempts_per_minute: usize,
    /// API tokens created a minute, per client address and per account.
    pub token_creations_per_minute: usize,
    /// Failed logins in a row that lock an account, and for how long (minutes).
    pub lockout_failures: i32,
    pub lockout_minutes: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillingConfig {
    /// Days from issue to due date for provider invoices, which carry no due date.
    pub payment_terms_days: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerConfig {
    /// How long a claimed outbox entry stays with its worker before another may take it over.
    pub lease_seconds: i64,
    /// Delivery attempts in all before an entry is dead.
    pub max_attempts: i32,
    /// First retry delay; doubles per attempt, capped at `max_delay_seconds`.
    pub base_delay_seconds: i64,
    pub max_delay_seconds: i64,
    /// Idle time between polls of an empty queue.
    pub poll_millis: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// The partner's endpoint for webhook effects; none configured means they wait.
    pub url: Option<String>,
    pub timeout_seconds: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://tollgate.db".into(),
            timezone: "Europe/Prague".into(),
            billing: BillingConfig {
                payment_terms_days: 30,
            },
            worker: WorkerConfig {
                lease_seconds: 60,
                max_attempts: 8,
                base_delay_seconds: 5,
                max_delay_seconds: 3_600,
                poll_millis: 500,
            },
            webhook: WebhookConfig {
                url: None,
                timeout_seconds: 10,
            },
            api: ApiConfig {
                secure_cookies: true,
                login_attempts_per_minute: 20,
                token_creations_per_minute: 10,
                lockout_failures: 5,
                lockout_minutes: 15,
            },
        }
    }
}

/// A commented example, printed by `tollgate default-config`; it parses to the defaults.
pub const DEFAULT_CONFIG_TOML: &str = r#"# Tollgate configuration. Every key is optional; shown here with its default.
# Precedence: these defaults < this file (tollgate.toml, or --config FILE) < environment
# variables named TOLLGATE__SECTION__KEY (for example TOLLGATE__WORKER__LEASE_SECONDS=30).

# The database when neither --db nor TOLLGATE_DB is given:
# sqlite://PATH (embedded), sqlite::memory:, or postgres://user:password@host/db.
database_url = "sqlite://tollgate.db"

# The partner's time zone (IANA), for due dates, month boundaries and display.
timezone = "Europe/Prague"

[billing]
# Days from issue to due date for provider invoices, which carry no due date.
payment_terms_days = 30

[worker]
# Seconds a claimed outbox entry stays with its worker before another may take it over.
lease_seconds = 60
# Delivery attempts in all before an entry is dead (kept for a person to look at).
max_attempts = 8
# First retry delay in seconds; doubles per attempt, at most max_delay_seconds.
base_delay_seconds = 5
max_delay_seconds = 3600
# Milliseconds between polls of an empty queue.
poll_millis = 500

[webhook]
# The partner's endpoint for webhook effects. Unset: webhook effects wait in the outbox.
# url = "https://partner.example/tollgate/events"
timeout_seconds = 10

[api]
# Mark the session cookie Secure. Turn off only to use the console over plain HTTP on localhost.
secure_cookies = true
# Login attempts a minute, per client address and per account.
login_attempts_per_minute = 20
# API tokens created a minute, per client address and per account.
token_creations_per_minute = 10
# Failed logins in a row that lock an account, and for how many minutes.
lockout_failures = 5
lockout_minutes = 15
"#;

/// Loads the configuration from defaults, the file (when it exists) and the environment.
pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    match file {
        Some(path) => {
            anyhow::ensure!(
                path.exists(),
                "config file {} does not exist",
                path.display()
            );
            figment = figment.merge(Toml::file(path));
        }
        None => figment = figment.merge(Toml::file("tollgate.toml")),
    }
    figment = figment.merge(Env::prefixed("TOLLGATE__").split("__"));
    figment
        .extract()
        .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_example_parses_to_the_defaults() {
        let parsed: Config = toml::from_str(DEFAULT_CONFIG_TOML).expect("example parses");
        let defaults = Config::default();
        assert_eq!(
            serde_json::to_value(&parsed).expect("json"),
            serde_json::to_value(&defaults).expect("json")
        );
    }
}
