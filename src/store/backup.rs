//! Daily copies of the database, taken while the engine runs.
//!
//! A copy is made with SQLite's online backup API, from a connection of its own and in a single
//! step: that step reads one snapshot of the database (in WAL mode a reader never blocks a
//! writer), so the copy is consistent however busy the engine is, and the engine's connection
//! is never held for it. The copy is written under a temporary name, checked, and renamed into
//! place, so a file named `textback-YYYY-MM-DD.db` is always a whole database. Copies are
//! readable by their owner alone, like the database itself.
//!
//! The copies live in one folder, one per day, the newest `keep` of them kept. Whether a copy
//! is due is read from the folder itself (the newest copy's modification time), so a restart
//! neither skips a day nor makes a second copy.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration as StdDuration, SystemTime};

use chrono::{DateTime, Duration, Utc};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::{Result, Store, StoreError};
use crate::events::EventKind;

/// How old the newest copy may grow before another is made.
pub const BACKUP_EVERY: Duration = Duration::hours(24);

/// How a copy's file name starts and ends; the UTC date goes in between.
const PREFIX: &str = "textback-";
const SUFFIX: &str = ".db";
/// The name a copy is written under until it is complete.
const PARTIAL: &str = ".partial";
/// How often, and how long apart, a backup step that found the database locked is retried.
const BUSY_RETRIES: u32 = 50;
const BUSY_PAUSE: StdDuration = StdDuration::from_millis(100);

impl Store {
    /// Writes a consistent copy of the database to `dest`, replacing any file there. The copy
    /// is a self-contained file (rollback journal mode, no `-wal` beside it) readable by its
    /// owner alone; `dest` never holds a partial copy.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        let partial = partial_name(dest);
        remove_if_present(&partial)?;
        create_private_file(&partial)?;

        let written = self.copy_into(&partial).and_then(|()| sync_file(&partial));
        if let Err(e) = written {
            // The partial file is useless; the error that matters is the copy's.
            let _ = fs::remove_file(&partial);
            return Err(e);
        }
        fs::rename(&partial, dest).map_err(|e| io_error(dest, &e))?;
        sync_parent(dest);
        Ok(())
    }

    /// Runs the backup API from a connection of its own into the file at `path`, then checks
    /// the copy and takes it out of WAL mode so it stands alone.
    fn copy_into(&self, path: &Path) -> Result<()> {
        let source = Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        source.busy_timeout(StdDuration::from_secs(5))?;
        let mut copy = Connection::open(path)?;
        {
            let backup = Backup::new(&source, &mut copy)?;
            let mut retries = 0;
            // One step of all pages: one snapshot, whatever is committed meanwhile.
            while backup.step(-1)? != StepResult::Done {
                retries += 1;
                if retries > BUSY_RETRIES {
                    return Err(StoreError::Backup {
                        path: path.to_owned(),
                        message: "the database stayed locked".into(),
                    });
                }
                std::thread::sleep(BUSY_PAUSE);
            }
        }
        copy.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
        let verdict: String = copy.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if verdict != "ok" {
            return Err(StoreError::Backup {
                path: path.to_owned(),
                message: format!("the copy fails its check: {verdict}"),
            });
        }
        copy.close().map_err(|(_, e)| StoreError::from(e))
    }
}

/// Where copies go: `configured` if given (a relative folder is taken from the database's
/// folder), else `backups` beside the database.
pub fn backup_dir(database: &Path, configured: Option<&Path>) -> PathBuf {
    let beside = database
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match configured {
        Some(dir) => beside.join(dir),
        None => beside.join("backups"),
    }
}

/// The copies in `dir`, newest first (by the date in their names).
pub fn list_backups(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(dir, &e)),
    };
    let mut copies = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_error(dir, &e))?;
        let name = entry.file_name();
        if name.to_str().is_some_and(is_backup_name) {
            copies.push(entry.path());
        }
    }
    copies.sort_unstable_by(|a, b| b.file_name().cmp(&a.file_name()));
    Ok(copies)
}

/// Whether the newest copy in `dir` is older than [`BACKUP_EVERY`] at `now`, or there is none.
pub fn backup_due(dir: &Path, now: DateTime<Utc>) -> Result<bool> {
    let mut newest: Option<SystemTime> = None;
    for path in list_backups(dir)? {
        let modified = fs::metadata(&path)
            .and_then(|m| m.modified())
            .map_err(|e| io_error(&path, &e))?;
        newest = newest.max(Some(modified));
    }
    Ok(match newest {
        Some(modified) => now - DateTime::<Utc>::from(modified) >= BACKUP_EVERY,
        None => true,
    })
}

/// Deletes all but the newest `keep` copies in `dir`; returns the ones deleted.
pub fn prune_backups(dir: &Path, keep: u32) -> Result<Vec<PathBuf>> {
    let keep = usize::try_from(keep).unwrap_or(usize::MAX);
    let old: Vec<PathBuf> = list_backups(dir)?.into_iter().skip(keep).collect();
    for path in &old {
        fs::remove_file(path).map_err(|e| io_error(path, &e))?;
    }
    Ok(old)
}

/// Makes today's copy in `dir` if one is due, keeps the newest `keep`, and records a
/// `backup_made` event. Returns the new copy's path, or `None` when none was due.
pub fn daily_backup(
    store: &Store,
    dir: &Path,
    keep: u32,
    now: DateTime<Utc>,
) -> Result<Option<PathBuf>> {
    create_private_dir(dir)?;
    if !backup_due(dir, now)? {
        return Ok(None);
    }

    let path = dir.join(format!("{PREFIX}{}{SUFFIX}", now.format("%Y-%m-%d")));
    store.backup_to(&path)?;
    let pruned = prune_backups(dir, keep)?;

    let made = EventKind::BackupMade {
        path: path.display().to_string(),
    };
    store.write(|tx| tx.event(now, None, made))?;
    tracing::info!(path = %path.display(), pruned = pruned.len(), "backup made");
    Ok(Some(path))
}

/// Whether `name` is a copy's: the prefix, a `YYYY-MM-DD` date, the suffix.
fn is_backup_name(name: &str) -> bool {
    let date = name
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.strip_suffix(SUFFIX));
    date.is_some_and(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
}

fn partial_name(dest: &Path) -> PathBuf {
    let mut name = dest.as_os_str().to_owned();
    name.push(PARTIAL);
    PathBuf::from(name)
}

/// Creates `dir` (and its parents) readable by its owner alone, if it does not exist yet.
fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| io_error(dir, &e))
}

fn create_private_file(path: &Path) -> Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(|e| io_error(path, &e))?;
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_error(path, &e)),
        _ => Ok(()),
    }
}

fn sync_file(path: &Path) -> Result<()> {
    fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| io_error(path, &e))
}

/// Makes the rename durable where the platform allows syncing a folder; a failure only means
/// the copy might not survive a power cut, which the next day's copy covers.
fn sync_parent(path: &Path) {
    if let Some(dir) = path.parent() {
        if let Ok(dir) = fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> StoreError {
    StoreError::Backup {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_dated_copies_count_as_backups() {
        assert!(is_backup_name("textback-2026-12-03.db"), "a daily copy");
        assert!(
            !is_backup_name("textback-2026-12-03.db.partial"),
            "a copy being written is not one yet"
        );
        assert!(!is_backup_name("textback.db"), "the database itself is not");
        assert!(
            !is_backup_name("textback-2026-13-40.db"),
            "a name with no real date is left alone"
        );
    }

    #[test]
    fn a_relative_folder_is_taken_from_the_database_folder() {
        let db = Path::new("/var/lib/textback/textback.db");

        assert_eq!(
            backup_dir(db, None),
            Path::new("/var/lib/textback/backups"),
            "backups beside the database by default"
        );
        assert_eq!(
            backup_dir(db, Some(Path::new("copies"))),
            Path::new("/var/lib/textback/copies"),
            "a relative folder is beside the database"
        );
        assert_eq!(
            backup_dir(db, Some(Path::new("/mnt/usb"))),
            Path::new("/mnt/usb"),
            "an absolute folder is used as is"
        );
    }
}
