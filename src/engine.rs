//! The engine: the store, the search index and the writer thread behind one
//! plain Rust API. The HTTP server, the CLI, the tests and the benches all
//! call it the same way; it knows nothing of HTTP.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::OffsetDateTime;

use crate::analyze::Analyzer;
use crate::config::Config;
use crate::index::writer::{ChangeSource, IndexChange, Indexer, WriterSettings};
use crate::index::{IndexError, SearchPage, SearchRequest, TicketIndex};
use crate::model::{IncomingTicket, ValidationContext};
use crate::store::{ListCursor, ListFilter, Store, StoreError, StoredTicket};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("cannot use data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("a re-cluster is already {} (job {}); wait for it to finish", .0.state, .0.id)]
    JobRunning(Box<crate::store::JobRecord>),
    #[error(
        "data directory {0} is in use by another refrain process (a running server?); stop it, or send the work to it with --server URL"
    )]
    Locked(PathBuf),
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// How the engine is opened.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub config: Config,
    /// Overrides the config's commit interval (bulk loads commit rarely).
    pub commit_interval: Option<Duration>,
}

impl From<Config> for EngineOptions {
    fn from(config: Config) -> Self {
        EngineOptions {
            config,
            commit_interval: None,
        }
    }
}

/// What an upsert did, as reported to the client.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, PartialEq, Eq)]
pub struct UpsertReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// The store seq covering this write; pass to
    /// [`Engine::wait_searchable`] to wait until search sees it.
    pub seq: u64,
}

/// Numbers for `/readyz` and `/metrics`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Status {
    pub tickets: u64,
    pub indexed_seq: u64,
    /// Tickets changed in the store but not yet searchable.
    pub index_lag: u64,
    pub ready: bool,
    pub index_failure: Option<String>,
}

struct StoreChanges(Arc<Store>);

impl ChangeSource for StoreChanges {
    fn scan(
        &self,
        after: u64,
        upto: u64,
        f: &mut dyn FnMut(Vec<StoredTicket>) -> crate::index::Result<()>,
    ) -> crate::index::Result<()> {
        self.0.scan_changes(after, upto, 10_000, f)
    }
}

/// The engine over one data directory. One process at a time may open it.
pub struct Engine {
    data_dir: PathBuf,
    config: Arc<Config>,
    store: Arc<Store>,
    index: TicketIndex,
    indexer: Indexer,
    /// Keeps store commits and index sends in the same (seq) order.
    write_order: Mutex<()>,
    jobs: crate::jobs::JobSlot,
    _lock: File,
}

impl Engine {
    /// Opens (creating if needed) the data directory: migrates the store,
    /// opens or rebuilds the index and starts catching it up in the
    /// background ([`Engine::status`] says when it is ready).
    ///
    /// # Errors
    /// The directory cannot be created or is locked by another process, or
    /// the store cannot be opened.
    pub fn open(data_dir: &Path, options: impl Into<EngineOptions>) -> Result<Engine> {
        let options = options.into();
        let config = options.config;
        let dir_error = |source| EngineError::DataDir {
            path: data_dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(data_dir).map_err(dir_error)?;
        let lock = File::create(data_dir.join("refrain.lock")).map_err(dir_error)?;
        if lock.try_lock().is_err() {
            return Err(EngineError::Locked(data_dir.to_path_buf()));
        }
        let store = Arc::new(Store::open(&data_dir.join("refrain.sqlite"))?);
        let interrupted =
            store.fail_interrupted_jobs(crate::store::created_ns(OffsetDateTime::now_utc()))?;
        if interrupted > 0 {
            tracing::warn!(
                jobs = interrupted,
                "jobs interrupted by the last stop are marked failed"
            );
        }
        let analyzer = Analyzer::new(config.analyzer.clone());
        let opened = TicketIndex::open(&data_dir.join("index"), &analyzer)?;
        let last_seq = store.last_seq()?;
        tracing::info!(
            data_dir = %data_dir.display(),
            tickets = store.count()?,
            indexed_seq = opened.covered_seq,
            store_seq = last_seq,
            rebuilt = opened.rebuilt,
            "data directory opened"
        );
        let covered = opened.covered_seq.min(last_seq);
        let indexer = Indexer::start(
            opened.index.clone(),
            &analyzer,
            Arc::new(StoreChanges(store.clone())),
            covered,
            last_seq,
            WriterSettings {
                commit_interval: options
                    .commit_interval
                    .unwrap_or(Duration::from_millis(config.index.commit_interval_ms)),
                memory_bytes: config.index.writer_memory_mib << 20,
            },
        )?;
        Ok(Engine {
            data_dir: data_dir.to_path_buf(),
            config: Arc::new(config),
            store,
            index: opened.index,
            indexer,
            write_order: Mutex::new(()),
            jobs: crate::jobs::JobSlot::default(),
            _lock: lock,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn jobs(&self) -> &crate::jobs::JobSlot {
        &self.jobs
    }

    /// # Errors
    /// Store errors.
    pub fn job(&self, id: &str) -> Result<Option<crate::store::JobRecord>> {
        Ok(self.store.job(id)?)
    }

    /// Current candidate clusters, largest first, after rank `after_rank`.
    ///
    /// # Errors
    /// Store errors.
    pub fn clusters(
        &self,
        after_rank: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, crate::store::ClusterRecord)>> {
        Ok(self.store.clusters(after_rank, limit)?)
    }

    /// # Errors
    /// Store errors.
    pub fn cluster(&self, id: &str) -> Result<Option<crate::store::ClusterRecord>> {
        Ok(self.store.cluster(id)?)
    }

    /// # Errors
    /// Store errors.
    pub fn cluster_members(
        &self,
        id: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<crate::store::MemberRecord>> {
        Ok(self.store.cluster_members(id, offset, limit)?)
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// What ticket validation checks against now.
    pub fn validation_context(&self) -> ValidationContext<'_> {
        ValidationContext {
            tags: &self.config.tags,
            now: OffsetDateTime::now_utc(),
        }
    }

    /// Stores a batch (all or nothing) and queues it for the search index.
    ///
    /// Crash guarantee: when this returns `Ok`, the batch is durable; it
    /// becomes searchable within the commit interval, or at once for a caller
    /// that waits with [`Engine::wait_searchable`].
    ///
    /// # Errors
    /// Store errors (nothing of the batch is then stored).
    pub fn upsert(&self, batch: &[IncomingTicket]) -> Result<UpsertReport> {
        let _order = self
            .write_order
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let outcome = self.store.upsert(batch, OffsetDateTime::now_utc())?;
        let changes = outcome
            .changes
            .into_iter()
            .map(|c| IndexChange {
                seq: c.seq,
                ticket: c.ticket,
                replaced: c.replaced,
            })
            .collect();
        // The store has it; if the writer has died, a restart catches up.
        if let Err(e) = self.indexer.send(changes) {
            tracing::error!(error = %e, "search index writer is down; tickets are stored and will be indexed on restart");
        }
        Ok(UpsertReport {
            created: outcome.created,
            updated: outcome.updated,
            unchanged: outcome.unchanged,
            seq: outcome.last_seq,
        })
    }

    /// Waits until writes up to `seq` are searchable; false on timeout.
    pub fn wait_searchable(&self, seq: u64, timeout: Duration) -> bool {
        self.indexer.wait_searchable(seq, timeout)
    }

    /// # Errors
    /// Store errors.
    pub fn ticket(&self, id: &str) -> Result<Option<StoredTicket>> {
        Ok(self.store.ticket(id)?)
    }

    /// Newest tickets first, from the store (always complete, even while
    /// the index catches up).
    ///
    /// # Errors
    /// Store errors.
    pub fn list(
        &self,
        filter: &ListFilter,
        cursor: Option<&ListCursor>,
        limit: usize,
    ) -> Result<Vec<StoredTicket>> {
        Ok(self.store.list(filter, cursor, limit)?)
    }

    /// Full-text search; returns the page's tickets with their scores.
    ///
    /// # Errors
    /// Index or store errors.
    pub fn search(&self, request: &SearchRequest) -> Result<(SearchPage, Vec<StoredTicket>)> {
        let page = self.index.search(request)?;
        let ids: Vec<String> = page.hits.iter().map(|h| h.id.clone()).collect();
        let tickets = self.store.tickets(&ids)?;
        Ok((page, tickets))
    }

    /// # Errors
    /// Store errors.
    pub fn status(&self) -> Result<Status> {
        let progress = self.indexer.progress();
        let indexed_seq = progress.committed_seq();
        Ok(Status {
            tickets: self.store.count()?,
            indexed_seq,
            index_lag: self.store.count_changed_after(indexed_seq)?,
            ready: progress.is_ready(),
            index_failure: progress.failure(),
        })
    }

    /// Commits pending index work and closes.
    ///
    /// # Errors
    /// The final index commit failed (the store is unaffected).
    pub fn close(self) -> Result<()> {
        Ok(self.indexer.close()?)
    }
}
