//! `tollgate users …` and `tollgate tokens …`: staff accounts and API tokens from the command
//! line, acting as `system:cli`. A password comes from standard input when one is piped, or is
//! generated and printed once; a token's secret is printed once. Neither is ever logged.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use tollgate_app::auth;
use tollgate_domain::staff::Role;
use tollgate_domain::time::Clock;
use tollgate_domain::{SystemClock, TextEnum};
use tollgate_store::{StaffChange, Store, WriteMeta};

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a staff member. The password is read from standard input when piped; otherwise one
    /// is generated and printed once.
    Add {
        #[arg(long)]
        email: String,
        /// global_admin | user_management_admin | admin_agent | billing_admin
        #[arg(long)]
        role: Role,
    },
    /// List staff members.
    List,
    /// Disable a staff member: no login, no token use.
    Disable { email: String },
    /// Enable a disabled staff member again.
    Enable { email: String },
    /// Change a staff member's role.
    SetRole { email: String, role: Role },
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create an API token for a staff member; its secret is printed once.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Days until it expires (default 90; 0 for never).
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// List tokens (never their secrets), of one staff member or of everyone.
    List {
        #[arg(long)]
        email: Option<String>,
    },
    /// Revoke a token by id.
    Revoke { id: String },
}

fn meta() -> WriteMeta {
    WriteMeta {
        actor: "system:cli".into(),
        at: SystemClock.now(),
        source: "cli".into(),
    }
}

pub async fn users(
    store: &dyn Store,
    command: &UsersCommand,
    json: bool,
) -> anyhow::Result<ExitCode> {
    match command {
        UsersCommand::Add { email, role } => {
            let stdin = std::io::stdin();
            let (password, generated) = if stdin.is_terminal() {
                (auth::generate_password(), true)
            } else {
                let mut text = String::new();
                stdin
                    .lock()
                    .read_to_string(&mut text)
                    .context("cannot read the password from standard input")?;
                let text = text.trim_end_matches(['\n', '\r']).to_string();
                if text.is_empty() {
                    (auth::generate_password(), true)
                } else {
                    (text, false)
                }
            };
            let user = auth::add_user(store, email, *role, &password, &meta()).await?;
            if json {
                let mut out =
                    serde_json::json!({ "id": user.id, "email": user.email, "role": user.role });
                if generated {
                    out["password"] = serde_json::Value::String(password);
                }
                println!("{out}");
            } else {
                println!("added {} ({}) as {}", user.email, user.id, user.role);
                if generated {
                    println!("password (shown once): {password}");
                }
            }
        }
        UsersCommand::List => {
            let users = store.list_staff_users().await?;
            if json {
                let list: Vec<_> = users
                    .iter()
                    .map(|u| {
                        serde_json::json!({
                            "id": u.id, "email": u.email, "role": u.role, "disabled": u.disabled,
                            "created_at": u.created_at,
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(list));
            } else {
                for u in users {
                    let state = if u.disabled { " (disabled)" } else { "" };
                    println!("{:<40} {:<24} {}{state}", u.email, u.role.as_str(), u.id);
                }
            }
        }
        UsersCommand::Disable { email }
        | UsersCommand::Enable { email }
        | UsersCommand::SetRole { email, .. } => {
            let record = auth::user_by_email(store, email).await?;
            let change = match command {
                UsersCommand::Disable { .. } => StaffChange::Disabled(true),
                UsersCommand::Enable { .. } => StaffChange::Disabled(false),
                UsersCommand::SetRole { role, .. } => StaffChange::Role(*role),
                _ => unreachable!("matched above"),
            };
            store
                .update_staff_user(&record.user.id, &change, &meta())
                .await?;
            let updated = auth::user_by_email(store, email).await?.user;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "id": updated.id, "email": updated.email, "role": updated.role, "disabled": updated.disabled })
                );
            } else {
                let state = if updated.disabled {
                    "disabled"
                } else {
                    "enabled"
                };
                println!("{} is {} and {state}", updated.email, updated.role);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn tokens(
    store: &dyn Store,
    command: &TokensCommand,
    json: bool,
) -> anyhow::Result<ExitCode> {
    match command {
        TokensCommand::Create { email, name, days } => {
            let record = auth::user_by_email(store, email).await?;
            let meta = meta();
            let expires = (*days > 0).then(|| meta.at.plus_millis(days * 86_400_000));
            let (token, secret) =
                auth::create_token(store, &record.user.id, name, expires, &meta).await?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "id": token.id, "name": token.name, "expires_at": token.expires_at, "secret": secret })
                );
            } else {
                println!(
                    "token {} for {} ({})",
                    token.id, record.user.email, token.name
                );
                println!("secret (shown once; send as 'Authorization: Bearer …'): {secret}");
            }
        }
        TokensCommand::List { email } => {
            let user_id = match email {
                Some(email) => Some(auth::user_by_email(store, email).await?.user.id),
                None => None,
            };
            let now = SystemClock.now();
            let tokens = store.list_api_tokens(user_id.as_deref()).await?;
            if json {
                let list: Vec<_> = tokens
                    .iter()
                    .map(|t| {
                        serde_json::json!({
                            "id": t.id, "user_id": t.user_id, "name": t.name, "created_at": t.created_at,
                            "expires_at": t.expires_at, "revoked_at": t.revoked_at, "live": t.is_live(now),
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(list));
            } else {
                for t in tokens {
                    let state = if t.is_live(now) { "live" } else { "dead" };
                    let expires = t
                        .expires_at
                        .map(|at| at.to_rfc3339())
                        .unwrap_or_else(|| "never".into());
                    println!(
                        "{:<30} {:<28} {:<24} {state}, expires {expires}",
                        t.id, t.name, t.user_id
                    );
                }
            }
        }
        TokensCommand::Revoke { id } => {
            let revoked = store.revoke_api_token(id, &meta()).await?;
            if json {
                println!("{}", serde_json::json!({ "id": id, "revoked": revoked }));
            } else if revoked {
                println!("revoked {id}");
            } else {
                println!("{id}: no such live token");
            }
            if !revoked {
                return Ok(ExitCode::from(2));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
