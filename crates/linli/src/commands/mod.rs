//! One function per command. Each opens what it needs and says what it did.

mod audit;
mod calendar;
mod check;
mod figures;
mod generate;
mod key;
mod serve;
mod token;
mod user;

use std::process::ExitCode;

use anyhow::Result;
use linli_store::Store;

use crate::cli::{Cli, Command, DbArgs, ServeArgs};
use crate::config::{Config, Overrides};
use crate::logging;

pub async fn run(cli: Cli) -> Result<ExitCode> {
    let file = cli.config.as_deref();
    match cli.command {
        Command::Serve(args) => {
            let config = load(file, Config::default(), &args)?;
            logging::init(&config.log_format, &config.log_level);
            serve::serve(config, false).await
        }
        Command::Demo(args) => {
            let defaults =
                Config { db: "linli-demo.db".into(), key_file: "linli-demo.key".into(), ..Config::default() };
            let config = load(file, defaults, &args)?;
            logging::init(&config.log_format, &config.log_level);
            serve::serve(config, true).await
        }
        Command::Migrate(db) => {
            let config = load_db(file, &db)?;
            logging::init(&config.log_format, "warn");
            // Also creates the key file for personal data if there is none yet.
            let store = open_migrated(&config).await?;
            let report = store.check().await?;
            println!("已迁移到最新 / migrated: {} ({} migrations applied)", store.describe(), report.applied.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(db) => {
            let config = load_db(file, &db)?;
            logging::init(&config.log_format, "warn");
            check::check(&config).await
        }
        Command::User(cmd) => user::run(file, cmd).await,
        Command::Calendar(cmd) => calendar::run(file, cmd).await,
        Command::Token(cmd) => token::run(file, cmd).await,
        Command::Audit(cmd) => audit::run(file, cmd).await,
        Command::Key(cmd) => key::run(file, cmd).await,
        Command::Gen(args) => generate::run(file, args).await,
        Command::Figures(cmd) => figures::run(file, cmd).await,
        Command::Version => {
            println!("linli {}", env!("CARGO_PKG_VERSION"));
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn load(file: Option<&std::path::Path>, defaults: Config, args: &ServeArgs) -> Result<Config> {
    Config::load(file, defaults, Overrides { db: args.db.db.clone(), listen: args.listen.clone() })
}

pub(crate) fn load_db(file: Option<&std::path::Path>, db: &DbArgs) -> Result<Config> {
    Config::load(file, Config::default(), Overrides { db: db.db.clone(), listen: None })
}

/// Opens the configured database.
pub(crate) async fn open(config: &Config, create_sqlite: bool) -> Result<Store> {
    Ok(Store::connect(&config.db, &config.pool(create_sqlite)).await?)
}

/// Opens and migrates, with the key for personal data (checked against the one the database
/// was encrypted with), for commands that work on the data.
pub(crate) async fn open_migrated(config: &Config) -> Result<Store> {
    let store = open(config, true).await?;
    store.migrate().await?;
    let keys = config.keys(store.key_fingerprint().await?.as_deref())?;
    let store = store.bind_keys(keys).await?;
    // A database from before the day counts (migration 0008) gets them once.
    if store.ensure_figures().await? {
        tracing::info!(db = %store.describe(), "counted the figures' days from the records");
    }
    Ok(store)
}

/// The operator at the shell, as the audit log names them.
pub(crate) fn operator(command: &str) -> linli_store::Actor {
    let who = std::env::var("SUDO_USER").or_else(|_| std::env::var("USER")).unwrap_or_else(|_| "unknown".into());
    linli_store::Actor::system(&format!("cli {command} ({who})"))
}
