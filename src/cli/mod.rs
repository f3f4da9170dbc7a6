//! Command-line arguments and the dispatch to each command.

mod check;
mod export;
mod report;
mod serve;
mod simulate;
mod stats;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

/// Textback texts back the callers a small business missed, and keeps the conversation going.
#[derive(Debug, Parser)]
#[command(name = "textback", version, about)]
pub struct Cli {
    /// Write the log to this file (created readable by its owner alone) instead of standard
    /// error; also read from TEXTBACK_LOG_FILE.
    #[arg(long, global = true, value_name = "PATH")]
    log_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// The environment variable naming a log file when `--log-file` is not given.
pub const LOG_FILE_ENV: &str = "TEXTBACK_LOG_FILE";

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the engine and the embedded sandbox together, with a demo business.
    Demo {
        /// Address the sandbox listens on (Twilio API and control API).
        #[arg(long, default_value = "127.0.0.1:18080")]
        listen: String,
        /// Database file; by default in the user's data folder.
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Serve the Twilio-compatible sandbox alone.
    Sandbox {
        #[arg(long, default_value = "127.0.0.1:18080")]
        listen: String,
        /// Account SID the sandbox answers to.
        #[arg(long)]
        account_sid: Option<String>,
        /// Auth token the sandbox expects.
        #[arg(long)]
        auth_token: Option<String>,
    },
    /// Run the engine headless. The provider's secret comes from TWILIO_AUTH_TOKEN (or
    /// TWILIO_API_KEY_SECRET when an API key is configured).
    Run {
        /// The TOML configuration file.
        #[arg(long)]
        config: PathBuf,
        /// Database file; by default in the user's data folder.
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Drive a sandbox's control API: place a simulated call or send a simulated text.
    Simulate {
        /// The sandbox's address.
        #[arg(long, default_value = "http://127.0.0.1:18080", global = true)]
        sandbox: String,
        #[command(subcommand)]
        what: simulate::Simulate,
    },
    /// Every call with its outcome and the decision taken.
    Calls {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Conversations with their status and messages.
    Inbox {
        #[arg(long)]
        json: bool,
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Check a text or a phone number.
    Check {
        #[command(subcommand)]
        what: check::Check,
    },
    /// Write conversations or events as CSV, for a spreadsheet or another program.
    Export(export::ExportArgs),
    /// The week's figures (missed, texted, replied, booked, ...) beside the week before, or
    /// those of the days `--from` to `--to`, in the business's time zone.
    Stats {
        #[arg(long)]
        json: bool,
        #[arg(long)]
        db: Option<PathBuf>,
        /// The TOML configuration whose time zone to use; by default the stored settings'.
        #[arg(long)]
        config: Option<PathBuf>,
        /// The first day counted, YYYY-MM-DD, local time.
        #[arg(long, value_name = "DATE", value_parser = stats::parse_date, requires = "to")]
        from: Option<chrono::NaiveDate>,
        /// The last day counted, included.
        #[arg(long, value_name = "DATE", value_parser = stats::parse_date, requires = "from")]
        to: Option<chrono::NaiveDate>,
    },
    /// Mark the conversations with a customer's number as new, texted, replied, booked, lost
    /// or spam; closing them stops their follow-ups.
    SetStatus {
        #[arg(long)]
        db: Option<PathBuf>,
        /// The customer's number, in any common format.
        number: String,
        /// new, texted, replied, booked, lost or spam.
        status: String,
    },
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Demo { listen, db } => serve::demo(&listen, &db_path(db, "demo.db")?).await,
        Command::Sandbox {
            listen,
            account_sid,
            auth_token,
        } => serve::sandbox(&listen, account_sid, auth_token).await,
        Command::Run { config, db } => serve::run(&config, &db_path(db, "textback.db")?).await,
        Command::Simulate { sandbox, what } => simulate::run(&sandbox, what).await,
        Command::Calls { json, db } => report::calls(&db_path(db, "textback.db")?, json),
        Command::Inbox { json, db } => report::inbox(&db_path(db, "textback.db")?, json),
        Command::Check { what } => check::run(what),
        Command::Stats {
            json,
            db,
            config,
            from,
            to,
        } => stats::stats(
            &db_path(db, "textback.db")?,
            config.as_deref(),
            from.zip(to),
            json,
        ),
        Command::SetStatus { db, number, status } => {
            stats::set_status(&db_path(db, "textback.db")?, &number, &status)
        }
        Command::Export(args) => export::run(args),
    }
}

/// The database path given, or `name` in the user's data folder.
fn db_path(given: Option<PathBuf>, name: &str) -> anyhow::Result<PathBuf> {
    if let Some(path) = given {
        return Ok(path);
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .ok_or_else(|| anyhow::anyhow!("no data folder (HOME is not set); pass --db"))?;
    Ok(base.join("textback").join(name))
}

/// Logs to the file `--log-file` or `TEXTBACK_LOG_FILE` names, else to standard error;
/// `RUST_LOG` overrides the level (info by default, warn for the demo).
pub fn init_logging(cli: &Cli) -> anyhow::Result<()> {
    // The demo prints what happens as it happens; its log speaks up only for trouble.
    let default = if matches!(cli.command, Command::Demo { .. }) {
        "warn"
    } else {
        "info"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let file = cli
        .log_file
        .clone()
        .or_else(|| std::env::var_os(LOG_FILE_ENV).map(PathBuf::from));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match file {
        Some(path) => {
            let file = open_log(&path)
                .with_context(|| format!("cannot open the log file {}", path.display()))?;
            builder
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file))
                .init();
        }
        None => builder.with_writer(std::io::stderr).init(),
    }
    Ok(())
}

/// Opens `path` for appending, creating it readable by its owner alone. An existing file is
/// made private too: a log names customers' numbers.
fn open_log(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}
