//! `textback export`: conversations or events as CSV, to a file or standard output.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use chrono_tz::Tz;
use clap::{Args, ValueEnum};
use textback::config::Config;
use textback::export::{self, ExportOptions};
use textback::store::Store;

/// What to export.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum What {
    /// One row per lead.
    Conversations,
    /// One row per event of the audit log.
    Events,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    what: What,
    /// Database file; by default in the user's data folder.
    #[arg(long)]
    db: Option<PathBuf>,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// First local day to include (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    from: Option<NaiveDate>,
    /// Last local day to include (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    to: Option<NaiveDate>,
    /// Time zone for local times and days, such as America/New_York.
    #[arg(long, value_name = "ZONE", conflicts_with = "config")]
    tz: Option<Tz>,
    /// Take the time zone from this configuration file; UTC without it or --tz.
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Raw values and no byte-order mark, for programs; do not open the result in a
    /// spreadsheet.
    #[arg(long)]
    plain: bool,
}

pub fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let db = super::db_path(args.db.clone(), "textback.db")?;
    if !db.exists() {
        anyhow::bail!("no database at {}", db.display());
    }
    let tz = match (&args.tz, &args.config) {
        (Some(tz), _) => *tz,
        (None, Some(path)) => Config::load(path)?.business.time_zone,
        (None, None) => Tz::UTC,
    };
    let options = ExportOptions {
        plain: args.plain,
        ..ExportOptions::default()
    }
    .days(tz, args.from, args.to);
    let store = Store::open(&db)?;

    let out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let rows = store.read(|conn| {
        let written = match args.what {
            What::Conversations => export::conversations(conn, tz, out, &options),
            What::Events => export::events(conn, tz, out, &options),
        };
        Ok(written)
    })??;

    if let Some(path) = &args.out {
        eprintln!("{rows} rows written to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
