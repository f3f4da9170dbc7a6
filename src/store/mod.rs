//! Textback's database: one SQLite file in WAL mode.
//!
//! All writes go through [`Store::write`], which runs a closure in an immediate transaction
//! and, once it commits, publishes the events the closure recorded. That single path is what
//! makes the outbox exactly-once (a decision and the text it causes commit together) and keeps
//! the event log and the live event stream the same thing.
//!
//! Times are UTC milliseconds. Readers in other processes (the CLI while an engine runs) see a
//! consistent snapshot thanks to WAL; writers from other processes wait on `busy_timeout`.

mod backup;
mod calls;
mod contacts;
mod conversations;
mod followups;
mod messages;
mod model;
mod queries;
mod schema;
mod settings;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OpenFlags, TransactionBehavior};
use tokio::sync::broadcast;

use crate::clock::to_ms;
use crate::events::{Event, EventKind};

pub use backup::*;
pub use calls::*;
pub use contacts::*;
pub use conversations::*;
pub use followups::*;
pub use messages::*;
pub use model::*;
pub use queries::*;
pub use settings::*;

/// What can go wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot open the database {path}: {message}")]
    Open { path: PathBuf, message: String },
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("{0}")]
    Invalid(String),
    #[error("backup {path}: {message}")]
    Backup { path: PathBuf, message: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How many events a slow subscriber may fall behind before it misses some.
const EVENT_BUFFER: usize = 4096;

/// The database, shared by the engine's tasks.
pub struct Store {
    conn: Mutex<Connection>,
    /// A second connection that checkpoints the WAL once a running engine has taken that work
    /// off the commits (see [`Store::defer_checkpoints`]).
    checkpointer: Mutex<Option<Connection>>,
    events: broadcast::Sender<Event>,
    path: PathBuf,
}

/// A write transaction that also collects the events it records.
pub struct Tx<'a> {
    tx: rusqlite::Transaction<'a>,
    events: Vec<Event>,
}

impl std::ops::Deref for Tx<'_> {
    type Target = rusqlite::Connection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl Tx<'_> {
    /// Runs one statement, keeping it prepared for the next time: the engine's writes are a
    /// few statements run over and over.
    pub fn run(&self, sql: &str, params: impl rusqlite::Params) -> Result<usize> {
        Ok(self.tx.prepare_cached(sql)?.execute(params)?)
    }

    /// Records an event in the log; it is published when the transaction commits.
    pub fn event(
        &mut self,
        at: DateTime<Utc>,
        conversation_id: Option<i64>,
        kind: EventKind,
    ) -> Result<i64> {
        let data = serde_json::to_string(&kind).expect("events always serialize");
        self.run(
            "INSERT INTO events (at, kind, conversation_id, data) VALUES (?1, ?2, ?3, ?4)",
            params![to_ms(at), kind.name(), conversation_id, data],
        )?;
        let id = self.tx.last_insert_rowid();
        self.events.push(Event {
            id,
            at,
            conversation_id,
            kind,
        });
        Ok(id)
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date. A
    /// new file is created readable by its owner alone.
    pub fn open(path: &Path) -> Result<Self> {
        create_private(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
        .map_err(|e| StoreError::Open {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        Self::from_connection(conn, path)
    }

    fn from_connection(mut conn: Connection, path: &Path) -> Result<Self> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;",
        )?;
        schema::migrate(&mut conn)?;
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        Ok(Self {
            conn: Mutex::new(conn),
            checkpointer: Mutex::new(None),
            events,
            path: path.to_owned(),
        })
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A stream of every event committed from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Runs `f` in one immediate transaction; commits if it returns `Ok`, then publishes the
    /// events it recorded.
    pub fn write<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let (value, events) = {
            let mut conn = self.lock();
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut tx = Tx {
                tx,
                events: Vec::new(),
            };
            let value = f(&mut tx)?;
            let Tx { tx, events } = tx;
            tx.commit()?;
            (value, events)
        };
        for event in events {
            // Nobody listening is fine: the event is in the log.
            let _ = self.events.send(event);
        }
        Ok(value)
    }

    /// Runs a read on the connection.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        f(&self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops commits from checkpointing the WAL themselves, which now and then made one commit
    /// wait for an fsync of the whole database; [`Store::checkpoint`], called often from a
    /// background task, does it instead.
    pub fn defer_checkpoints(&self) -> Result<()> {
        self.lock().execute_batch("PRAGMA wal_autocheckpoint = 0")?;
        Ok(())
    }

    /// Copies what the WAL holds back into the database without waiting for readers or
    /// blocking writers, on a connection of its own.
    pub fn checkpoint(&self) -> Result<()> {
        let mut slot = self
            .checkpointer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            let conn = Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
            conn.busy_timeout(std::time::Duration::from_secs(1))?;
            *slot = Some(conn);
        }
        let conn = slot.as_ref().expect("opened above");
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// SQLite's own consistency check; `"ok"` when the file is sound.
    pub fn integrity_check(&self) -> Result<String> {
        self.read(|c| Ok(c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?))
    }
}

/// Reads one row with a statement kept prepared for the next time.
pub(crate) fn cached_row<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.prepare_cached(sql)?.query_row(params, f)
}

/// Creates `path` with owner-only permissions if it does not exist yet.
fn create_private(path: &Path) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Open {
            path: path.to_owned(),
            message: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests;
