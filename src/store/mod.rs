//! The durable store: SQLite in WAL mode with `synchronous=FULL`, the source
//! of truth for tickets and, as the product grows, for everything reviewers
//! decide. The search index is derived from it and can always be rebuilt.
//!
//! Guarantee: when [`Store::upsert`] returns `Ok`, the tickets are on disk
//! and survive a crash or `kill -9`.

mod bulk;
mod clusters;
mod group_edits;
mod journal;
mod migrations;
mod review;
mod terms;
mod tickets;
mod weekly;

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rusqlite::{Connection, OpenFlags};

use crate::error::{Classify, ErrorClass};

pub use group_edits::{GroupEdit, PlanEdit};
pub use review::{ConfirmTarget, Confirmed, NewDecision, Refusal};
pub use terms::CorpusRow;
pub use tickets::{Change, UpsertBatch, UpsertOutcome};
pub use weekly::{DeliveryState, OutboxEntry};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored ticket data is corrupt: {0}")]
    Corrupt(String),
    #[error(
        "the data directory was written by a newer refrain (schema {found}, this build knows {supported}): upgrade refrain"
    )]
    TooNew { found: usize, supported: usize },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl Classify for StoreError {
    fn class(&self) -> ErrorClass {
        use rusqlite::ErrorCode::*;
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    DiskFull | SystemIoFailure | CannotOpen | ReadOnly | PermissionDenied
                ) =>
            {
                ErrorClass::Io
            }
            StoreError::Sqlite(_) | StoreError::Corrupt(_) => ErrorClass::Internal,
            StoreError::TooNew { .. } => ErrorClass::Invalid,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            StoreError::Sqlite(_) => "store-failed",
            StoreError::Corrupt(_) => "store-corrupt",
            StoreError::TooNew { .. } => "store-too-new",
        }
    }
}

/// One writer connection and a few readers; WAL lets them run side by side.
pub struct Store {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Term ids of stored counts, loaded at open.
    dictionary: std::sync::Arc<crate::vectors::TermDictionary>,
    /// How many of the dictionary's terms are stored.
    persisted: Mutex<usize>,
}

const READERS: usize = 4;

/// WAL pages written before a commit copies them into the database (64
/// MiB; SQLite's default is 4). A bulk load through the API writes each
/// leaf of the creation-time index in many commits; copying it once per
/// checkpoint rather than once per commit took a million tickets in
/// batches of 1,000 from 37.7 to 30.7 s. The file is cut back to this size
/// after a checkpoint that let it grow past it.
pub(super) const WAL_CHECKPOINT_PAGES: i64 = 16_384;

/// The writer's page cache, in KiB (SQLite takes a negative size as KiB).
pub(super) const WRITER_CACHE_KIB: i64 = -64 * 1024;

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it.
    ///
    /// # Errors
    /// The file cannot be opened, or migration fails.
    pub fn open(path: &Path) -> Result<Store> {
        let mut writer = Connection::open(path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        writer.pragma_update(None, "synchronous", "FULL")?;
        writer.pragma_update(None, "foreign_keys", "ON")?;
        // Bulk loads insert into three b-trees per ticket (rows, ids, and
        // creation times); with SQLite's default 2 MiB page cache most of
        // those inserts read their pages back from the OS first.
        writer.pragma_update(None, "cache_size", WRITER_CACHE_KIB)?;
        writer.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)?;
        writer.pragma_update(None, "journal_size_limit", WAL_CHECKPOINT_PAGES * 4096)?;
        writer.busy_timeout(std::time::Duration::from_secs(10))?;
        migrations::migrate(&mut writer)?;
        if bulk::restore_time_index_on(&writer)? {
            tracing::warn!(
                "a bulk load stopped before its end: the creation-time index was built again"
            );
        }
        let dictionary = terms::load_dictionary(&writer)?;
        let persisted = Mutex::new(dictionary.len());
        let readers = (0..READERS)
            .map(|_| {
                let conn = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                conn.busy_timeout(std::time::Duration::from_secs(10))?;
                Ok(Mutex::new(conn))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Store {
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            dictionary: std::sync::Arc::new(dictionary),
            persisted,
        })
    }

    /// Runs `f` on a read connection; reads never wait for the writer.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for i in 0..self.readers.len() {
            if let Ok(conn) = self.readers[(start + i) % self.readers.len()].try_lock() {
                return f(&conn);
            }
        }
        let conn = self.readers[start % self.readers.len()]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&conn)
    }

    fn write<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        let mut conn = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut conn)
    }
}
