//! The Sangdam server binary: command line, settings, logging, the choice of database, and the
//! start of everything.

mod commands;
mod settings;

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use sangdam_domain::Role;

use crate::settings::Settings;

#[derive(Debug, Parser)]
#[command(name = "sangdam", version, about = "Sangdam (상담): online counseling platform")]
struct Cli {
    /// Settings file (default: ./sangdam.toml when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Database URL: sqlite://path or postgres://... (also SANGDAM_DATABASE_URL).
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve {
        /// Address and port to listen on, e.g. 0.0.0.0:8080.
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Load a small demo: an admin, a supervisor, three counselors and five clients, with passwords printed once.
    Demo,
    /// Manage the encryption keys of stored counseling data.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Read messages from standard input, one per line, and print one JSON line for each with
    /// what the abuse check and the crisis check decided and why (no database needed).
    Classify,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user. Without --password-stdin a strong password is generated and printed once.
    Add {
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        email: String,
        /// Display name (default: the part of the email before @).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Seal all stored data again under a new key, while servers keep running, and destroy the
    /// old keys once nothing uses them.
    Rotate {
        /// Seconds to wait at each step so that running servers (which reload keys every 10 s)
        /// learn the new key before it is used; 0 only when no server is running.
        #[arg(long, default_value_t = 30)]
        grace: u64,
    },
    /// List the data keys and which one is current.
    List,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Verify the keyed hash chain of the audit log; exits with status 1 at the first broken link.
    Verify {
        /// A head printed earlier by `audit head` (`<seq>:<hash>`): the log must still reach it
        /// with the same hash, which finds entries cut off the end.
        #[arg(long)]
        head: Option<String>,
    },
    /// Print the head of the chain (`<seq>:<hash>`) to keep outside the database.
    Head,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| "expected client, counselor, supervisor or admin".to_owned())
}

fn init_tracing(settings: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SANGDAM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&settings.log_level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if settings.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut settings = Settings::load(cli.config.as_deref(), |k| std::env::var(k).ok())?;
    if let Some(url) = cli.database_url {
        settings.database_url = Some(sangdam_web::Secret::new(url));
    }
    init_tracing(&settings);
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve { listen: None }) {
            Command::Serve { listen } => {
                if let Some(listen) = listen {
                    settings.listen = listen;
                }
                commands::serve(settings).await
            }
            Command::Migrate => commands::migrate(&settings).await,
            Command::User { command: UserCommand::Add { role, email, name, password_stdin } } => {
                commands::add_user(&settings, role, &email, name.as_deref(), password_stdin).await
            }
            Command::Demo => commands::demo(&settings).await,
            Command::Audit { command: AuditCommand::Verify { head } } => {
                commands::audit_verify(&settings, head.as_deref()).await
            }
            Command::Audit { command: AuditCommand::Head } => commands::audit_head(&settings).await,
            Command::Keys { command: KeysCommand::Rotate { grace } } => commands::keys_rotate(&settings, grace).await,
            Command::Keys { command: KeysCommand::List } => commands::keys_list(&settings).await,
            Command::Classify => commands::classify(std::io::stdin().lock(), std::io::stdout().lock()),
        }
    })
}
