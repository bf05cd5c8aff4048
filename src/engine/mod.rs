//! The engine: one plain Rust façade over the stages — the store, the
//! search index and its writer thread, the re-cluster pipeline and the job
//! runner. The HTTP server, the CLI, the tests and the benches all call it
//! the same way; it knows nothing of HTTP or of the command line.
//!
//! Every error it returns is an [`EngineError`], which knows its class
//! ([`crate::error::ErrorClass`]) and stable code.

mod error;
mod exports;
mod ingest;
mod jobs;
mod review;
mod roadmap;
mod suggest;
mod weekly;
mod writes;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

pub use self::error::{EngineError, Result};
pub use self::exports::EXPORT_ACTOR;
pub use self::ingest::{IngestPolicy, IngestReport, PreparedBatch};
pub use self::jobs::StageHook;
pub use self::review::{ConfirmRequest, GroupSort, GroupSummary, SplitOutcome};
pub use self::weekly::{CallRequest, ReviewReport};
pub use self::writes::WritePermit;
use crate::analyze::Analyzer;
use crate::config::Config;
use crate::index::writer::{ChangeSource, Indexer, WriterSettings};
use crate::index::{IndexError, SearchPage, SearchRequest, TicketIndex};
use crate::jobs::JobRunner;
use crate::model::{
    CandidateCluster, ClusterId, ClusterMember, IncomingTicket, Job, JobId, ListCursor, ListFilter,
    StoredTicket, Ticket, ValidationContext,
};
use crate::store::Store;
use crate::vectors::TermAnalysis;

/// How the engine is opened.
#[derive(Clone, Default)]
pub struct EngineOptions {
    pub config: Config,
    /// Overrides the config's commit interval (bulk loads commit rarely).
    pub commit_interval: Option<Duration>,
    /// Called as each re-cluster stage starts; tests use it to hold a job
    /// running or to inject a failure.
    pub stage_hook: Option<StageHook>,
    /// Skip building the in-memory suggest snapshot after a re-cluster: a
    /// one-shot command (`refrain recluster`) exits before anyone asks.
    pub no_snapshots: bool,
}

impl From<Config> for EngineOptions {
    fn from(config: Config) -> Self {
        EngineOptions {
            config,
            ..EngineOptions::default()
        }
    }
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// The store seq covering this write; pass to
    /// [`Engine::wait_searchable`] to wait until search sees it.
    pub seq: u64,
}

/// Numbers for `/readyz` and `/metrics`.
#[derive(Debug, Clone)]
pub struct Status {
    pub tickets: u64,
    pub indexed_seq: u64,
    /// Tickets changed in the store but not yet searchable.
    pub index_lag: u64,
    pub ready: bool,
    pub index_failure: Option<String>,
}

/// The store as the index writer's source of changes.
struct StoreChanges(Arc<Store>);

impl ChangeSource for StoreChanges {
    fn scan(
        &self,
        after: u64,
        upto: u64,
        f: &mut dyn FnMut(Vec<(u64, Ticket)>) -> crate::index::Result<()>,
    ) -> crate::index::Result<()> {
        /// Keeps the callback's own error apart from the store's.
        enum Stop {
            Store(crate::store::StoreError),
            Index(IndexError),
        }
        impl From<crate::store::StoreError> for Stop {
            fn from(e: crate::store::StoreError) -> Self {
                Stop::Store(e)
            }
        }
        self.0
            .scan_changes::<Stop>(after, upto, 10_000, |chunk| {
                f(chunk.into_iter().map(|s| (s.seq, s.ticket)).collect()).map_err(Stop::Index)
            })
            .map_err(|stop| match stop {
                Stop::Store(e) => IndexError::Source(e.to_string()),
                Stop::Index(e) => e,
            })
    }
}

/// The engine over one data directory. One process at a time may open it.
pub struct Engine {
    data_dir: PathBuf,
    config: Arc<Config>,
    /// The scoring file in use: the config's, until a reload replaces it.
    scoring: std::sync::RwLock<Arc<crate::roadmap::Scoring>>,
    store: Arc<Store>,
    /// How tickets are analysed into the term counts stored with them.
    analysis: crate::vectors::TermAnalysis,
    index: TicketIndex,
    /// Declared before `indexer`: dropped first, so its handle on the index
    /// writer is gone when the writer is stopped.
    writes: writes::GroupCommit,
    indexer: Indexer,
    jobs: JobRunner,
    job_log: Arc<jobs::StoreJobLog>,
    /// The vectors of the last re-cluster, for review's models; built from
    /// the store when first needed after a start.
    space: Arc<std::sync::RwLock<Option<Arc<crate::review::Space>>>>,
    /// suggest-group's snapshot of the groups.
    suggester: suggest::SuggestSlot,
    /// Rebuilds of the snapshot after decisions (a background thread).
    rebuilds: suggest::Rebuilds,
    /// Rings the outbox worker, once a server has started one.
    doorbell: crate::deliver::worker::Doorbell,
    stage_hook: Option<StageHook>,
    /// See [`EngineOptions::no_snapshots`].
    no_snapshots: bool,
    _lock: File,
}

impl Engine {
    /// Opens (creating if needed) the data directory: migrates the store,
    /// marks jobs a previous process left running as failed, opens or
    /// rebuilds the index and starts catching it up in the background
    /// ([`Engine::status`] says when it is ready).
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
        let interrupted = store.fail_interrupted_jobs(OffsetDateTime::now_utc())?;
        if interrupted > 0 {
            tracing::warn!(
                jobs = interrupted,
                "jobs interrupted by the last stop are marked failed"
            );
        }
        let analyzer = Analyzer::new(config.analyzer.clone());
        let analysis = TermAnalysis::new(
            analyzer.clone(),
            config.cluster.vectors.clean,
            store.dictionary().clone(),
        );
        if store.use_terms_fingerprint(analysis.fingerprint())? {
            tracing::info!("the analysis changed: term counts will be made again from text");
        }
        let opened = TicketIndex::open(&data_dir.join("index"), &analysis)?;
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
            &analysis,
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
        let writes = writes::GroupCommit::start(
            store.clone(),
            indexer.sender(),
            config.limits.max_pending_writes,
        )?;
        Ok(Engine {
            data_dir: data_dir.to_path_buf(),
            scoring: std::sync::RwLock::new(Arc::new(config.scoring.clone())),
            config: Arc::new(config),
            job_log: Arc::new(jobs::StoreJobLog(store.clone())),
            store,
            analysis,
            index: opened.index,
            writes,
            indexer,
            jobs: JobRunner::default(),
            space: Arc::default(),
            suggester: suggest::SuggestSlot::default(),
            rebuilds: suggest::Rebuilds::default(),
            doorbell: crate::deliver::worker::Doorbell::default(),
            stage_hook: options.stage_hook,
            no_snapshots: options.no_snapshots,
            _lock: lock,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
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

    /// Stores validated tickets (all or nothing) and queues them for the
    /// search index. Most callers want [`Engine::ingest`], which parses
    /// and validates first.
    ///
    /// Writes waiting at the same moment share one transaction (group
    /// commit, see `writes.rs`).
    ///
    /// Crash guarantee: when this returns `Ok`, the batch is durable; it
    /// becomes searchable within the commit interval, or at once for a
    /// caller that waits with [`Engine::wait_searchable`].
    ///
    /// # Errors
    /// Store errors (nothing of the batch is then stored).
    pub fn upsert(&self, batch: Vec<IncomingTicket>) -> Result<UpsertReport> {
        // Analysed here, in the caller's thread (and in parallel), not in
        // the one thread that writes the store.
        let (terms, texts) = self.analyse(&batch).into_iter().unzip();
        self.writes.write(batch, terms, texts)
    }

    /// Each ticket's encoded term counts and its tokens for the index.
    fn analyse(&self, batch: &[IncomingTicket]) -> Vec<(Vec<u8>, crate::vectors::IndexedText)> {
        let tickets: Vec<&crate::model::Ticket> = batch.iter().map(|i| &i.ticket).collect();
        self.analysis
            .analyse_indexed(&tickets)
            .into_iter()
            .map(|(terms, text)| (terms.encode(), text))
            .collect()
    }

    /// Takes a place in the bounded write queue; hold it while the write is
    /// parsed, validated and stored. The API takes one per request before
    /// reading the body, so a flood costs nothing but the refusal.
    ///
    /// # Errors
    /// [`EngineError::Overloaded`] when `limits.max_pending_writes` writes
    /// already hold one.
    pub fn reserve_write(&self) -> Result<WritePermit> {
        self.writes.reserve()
    }

    /// Waits until writes up to `seq` are searchable, asking the index
    /// writer to commit now; false on timeout.
    pub fn wait_searchable(&self, seq: u64, timeout: Duration) -> bool {
        self.indexer.wait_searchable(seq, timeout)
    }

    /// Whether writes up to `seq` are searchable already. Only reports:
    /// unlike [`Engine::wait_searchable`] it never asks for a commit.
    pub fn is_searchable(&self, seq: u64) -> bool {
        self.indexer.progress().committed_seq() >= seq
    }

    /// # Errors
    /// Store errors.
    pub fn ticket(&self, id: &str) -> Result<Option<StoredTicket>> {
        Ok(self.store.ticket(id)?)
    }

    /// The stored tickets among `ids`, in one read.
    ///
    /// # Errors
    /// Store errors.
    pub fn tickets(&self, ids: &[String]) -> Result<Vec<StoredTicket>> {
        Ok(self.store.tickets(ids)?)
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
    /// [`EngineError::SearchTooDeep`] past the configured search window,
    /// [`EngineError::SearchNotReady`] while the index is rebuilt or
    /// catches up after a start; index or store errors.
    pub fn search(&self, request: &SearchRequest) -> Result<(SearchPage, Vec<StoredTicket>)> {
        let window = self.config.limits.max_search_window;
        if request.offset.saturating_add(request.limit) > window {
            return Err(EngineError::SearchTooDeep {
                offset: request.offset,
                limit: request.limit,
                window,
            });
        }
        if !self.indexer.progress().is_ready() {
            let lag = self
                .store
                .count_changed_after(self.indexer.progress().committed_seq())?;
            return Err(EngineError::SearchNotReady { lag });
        }
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

    /// # Errors
    /// Store errors.
    pub fn job(&self, id: &JobId) -> Result<Option<Job>> {
        Ok(self.store.job(id)?)
    }

    /// Open candidate clusters (current, undecided), largest first.
    ///
    /// # Errors
    /// Store errors.
    pub fn clusters(&self, offset: usize, limit: usize) -> Result<Vec<CandidateCluster>> {
        Ok(self.store.clusters(offset, limit)?)
    }

    /// An open cluster.
    ///
    /// # Errors
    /// [`EngineError::NotFound`] for an id no run made,
    /// [`EngineError::ClusterSuperseded`] for one a later run replaced,
    /// [`EngineError::ClusterDecided`] for one a decision consumed; store
    /// errors.
    pub fn cluster(&self, id: &ClusterId) -> Result<CandidateCluster> {
        match self.store.cluster(id)? {
            Some(c) if !c.current => Err(EngineError::ClusterSuperseded {
                id: id.to_string(),
                job: c.job.to_string(),
            }),
            Some(CandidateCluster {
                decided: Some(decision),
                ..
            }) => Err(EngineError::ClusterDecided {
                id: id.to_string(),
                decision: decision.to_string(),
            }),
            Some(c) => Ok(c),
            None => Err(EngineError::NotFound {
                what: "cluster",
                id: id.to_string(),
                hint: "list the current clusters with GET /v1/clusters",
            }),
        }
    }

    /// Undecided members of an open cluster, most central first.
    ///
    /// # Errors
    /// As [`Engine::cluster`].
    pub fn cluster_members(
        &self,
        id: &ClusterId,
        offset: usize,
        limit: usize,
    ) -> Result<(CandidateCluster, Vec<ClusterMember>)> {
        let cluster = self.cluster(id)?;
        let members = self.store.cluster_members(id, offset, limit)?;
        Ok((cluster, members))
    }

    /// Commits pending index work and closes.
    ///
    /// # Errors
    /// The final index commit failed (the store is unaffected).
    pub fn close(self) -> Result<()> {
        let Engine {
            writes, indexer, ..
        } = self;
        drop(writes);
        Ok(indexer.close()?)
    }
}
