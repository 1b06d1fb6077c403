//! `tollgate`: the command-line entry point. Parses arguments, loads configuration, opens the
//! store, and hands each command to the application layer.
//!
//! Exit codes: 0 done; 1 findings or denied (a broken audit chain); 2 bad input or usage (a
//! rejected record, a bad argument, an unreachable database).

mod audit_cmd;
mod config;
mod demo;
mod import_cmd;
mod monitor_cmd;
mod serve_cmd;
mod users_cmd;
mod worker_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Tollgate, the risk desk of a cloud reseller.
#[derive(Debug, Parser)]
#[command(name = "tollgate", version, about)]
pub struct Cli {
    /// Database URL: sqlite://PATH, sqlite::memory: or postgres://…
    #[arg(long, global = true, env = "TOLLGATE_DB")]
    db: Option<String>,
    /// Configuration file (default: tollgate.toml in the working directory, when present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Print data as JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create or upgrade the database schema.
    Migrate,
    /// Write a simulated book of customers, subscriptions, usage, invoices and payments.
    Simulate {
        #[arg(long, default_value_t = 500)]
        customers: usize,
        #[arg(long, default_value_t = 60)]
        days: u32,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// The last simulated day (YYYY-MM-DD); fixed by default so runs are reproducible.
        #[arg(long)]
        end_date: Option<chrono::NaiveDate>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Import records from files (NDJSON, or Partner Center CSV for usage and invoices).
    Import {
        kind: import_cmd::Kind,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The customer that owns every record, for provider files that do not name it.
        #[arg(long)]
        customer: Option<String>,
        /// The subscription that owns every record, for provider files that do not name it.
        #[arg(long)]
        subscription: Option<String>,
    },
    /// Simulate a book, import it into a fresh embedded database and summarise it.
    Demo(demo::DemoArgs),
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Deliver outbox effects (e-mail, webhooks, provider calls).
    Worker {
        /// Deliver what is due now, then exit.
        #[arg(long)]
        drain: bool,
    },
    /// Serve the JSON API (and run the outbox worker unless told not to).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Do not run the outbox worker in this process.
        #[arg(long)]
        no_worker: bool,
    },
    /// Monthly spending budgets per customer.
    Budgets {
        #[command(subcommand)]
        command: monitor_cmd::BudgetsCommand,
    },
    /// Evaluate monitoring as of a day.
    Monitor {
        #[command(subcommand)]
        command: monitor_cmd::MonitorCommand,
    },
    /// Live credit exposure: receivables + unbilled usage + pending orders − deposits.
    Exposure {
        #[arg(long)]
        customer: Option<String>,
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Alerts from every engine.
    Alerts {
        #[command(subcommand)]
        command: monitor_cmd::AlertsCommand,
    },
    /// Staff accounts and their roles.
    Users {
        #[command(subcommand)]
        command: users_cmd::UsersCommand,
    },
    /// API tokens of staff accounts.
    Tokens {
        #[command(subcommand)]
        command: users_cmd::TokensCommand,
    },
    /// Print a commented example configuration with every default.
    DefaultConfig,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; exit 1 naming the first event that does not match.
    Verify,
}

impl Cli {
    /// The database URL: `--db`, then `TOLLGATE_DB`, then the configuration.
    fn database_url(&self, config: &config::Config) -> String {
        self.db
            .clone()
            .unwrap_or_else(|| config.database_url.clone())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TOLLGATE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = config::load(cli.config.as_deref())?;
    match &cli.command {
        Command::DefaultConfig => {
            print!("{}", config::DEFAULT_CONFIG_TOML);
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let url = cli.database_url(&config);
            let store = tollgate_app::open_store(&url).await?;
            store.migrate().await?;
            let status = store.migration_status().await?;
            if cli.json {
                println!(
                    "{}",
                    serde_json::json!({ "applied": status.applied, "pending": status.pending })
                );
            } else {
                println!(
                    "database is current: {} migration(s) applied",
                    status.applied.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Simulate {
            customers,
            days,
            seed,
            end_date,
            out,
        } => {
            let sim = tollgate_sim::SimConfig {
                customers: *customers,
                days: *days,
                seed: *seed,
                end_date: end_date.unwrap_or_else(tollgate_sim::default_end_date),
            };
            let summary = tollgate_sim::simulate(&sim, out)?;
            if cli.json {
                println!(
                    "{}",
                    serde_json::json!({
                        "out": out.display().to_string(),
                        "customers": summary.customers,
                        "subscriptions": summary.subscriptions,
                        "usage_rows": summary.usage_rows,
                        "invoice_lines": summary.invoice_lines,
                        "payments": summary.payments,
                    })
                );
            } else {
                println!(
                    "wrote {}: {} customers, {} subscriptions, {} usage rows, {} invoice lines, {} payments",
                    out.display(),
                    summary.customers,
                    summary.subscriptions,
                    summary.usage_rows,
                    summary.invoice_lines,
                    summary.payments
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            kind,
            files,
            customer,
            subscription,
        } => {
            let url = cli.database_url(&config);
            let store = tollgate_app::open_store(&url).await?;
            store.migrate().await?;
            let options =
                import_cmd::options(&config, customer.as_deref(), subscription.as_deref())?;
            import_cmd::run(store.as_ref(), *kind, files, &options, cli.json).await
        }
        Command::Demo(args) => demo::run(args, &config, cli.json).await,
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let store = tollgate_app::open_store(&cli.database_url(&config)).await?;
            audit_cmd::verify(store.as_ref(), cli.json).await
        }
        Command::Serve { listen, no_worker } => {
            let store = tollgate_app::open_store(&cli.database_url(&config)).await?;
            store.migrate().await?;
            serve_cmd::run(store, &config, listen, *no_worker).await
        }
        Command::Budgets { command } => {
            let store = tollgate_app::open_store(&cli.database_url(&config)).await?;
            store.migrate().await?;
            monitor_cmd::budgets(store.as_ref(), command, cli.json).await
        }
        Command::Monitor { command } => {
            let store = tollgate_app::open_store(&cli.database_url(&config)).await?;
            store.migrate().await?;
            monitor_cmd::monitor(store.as_ref(), command, cli.json).await
        }
        Command::Exposure { customer, as_of } => {
            let store = tollgate_app::open_store(&cli.database_url(&config)).await?;
            store.migrate().await?;
            monitor_cmd::exposure(store.as_ref(), customer.as_deref(), *as_of, cli.json).await
        }
        Command::Alerts { command } => {
            let store = tollgate_app::open_store(&cli.database_url(&config)).await?;
            store.migrate().await?;
            monitor_cmd::alerts(store.as_ref(), command, cli.json).await
        }
        Command::Users { command } => {
            let store = tollgate_app::open_store(&cli.database_url(&config)).await?;
            store.migrate().await?;
            users_cmd::users(store.as_ref(), command, cli.json).await
        }
        Command::Tokens { command } => {
            let store = tollgate_app::open_store(&cli.database_url(&config)).await?;
            store.migrate().await?;
            users_cmd::tokens(store.as_ref(), command, cli.json).await
        }
        Command::Worker { drain } => {
            let store = tollgate_app::open_store(&cli.database_url(&config)).await?;
            store.migrate().await?;
            worker_cmd::run(store, &config, *drain, cli.json).await
        }
    }
}
