//! The engine's errors, each with its class and stable code (see
//! [`crate::error`]). Adding one is a variant here and one line in each
//! match below.

use std::path::PathBuf;

use crate::cluster::recluster::ReclusterError;
use crate::error::{Classify, ErrorClass};
use crate::index::IndexError;
use crate::ingest::{BatchError, ItemError};
use crate::model::Job;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Recluster(#[from] ReclusterError),
    #[error(transparent)]
    Batch(#[from] BatchError),
    #[error("cannot use data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start a background thread: {0}")]
    Spawn(std::io::Error),
    #[error(
        "a re-cluster is already {} (job {}); follow it at GET /v1/jobs/{} and start another when it has finished",
        .0.state.as_str(), .0.id, .0.id
    )]
    JobRunning(Box<Job>),
    #[error(
        "data directory {0} is in use by another refrain process (a running server?); stop it, or use that server's HTTP API (e.g. `refrain ingest --server URL`, POST /v1/recluster)"
    )]
    Locked(PathBuf),
    #[error(
        "{refused} of {total} tickets are invalid, so nothing was stored; fix the items listed in `errors` and send the batch again"
    )]
    InvalidTickets {
        total: usize,
        refused: usize,
        errors: Vec<ItemError>,
    },
    #[error("{what} '{id}' does not exist; {hint}")]
    NotFound {
        what: &'static str,
        id: String,
        hint: &'static str,
    },
    #[error(
        "cluster '{id}' is from an earlier re-cluster (job {job}) that a later one replaced; list the current clusters with GET /v1/clusters"
    )]
    ClusterSuperseded { id: String, job: String },
    #[error(
        "cluster '{id}' was already decided (decision {decision}); see GET /v1/decisions?cluster={id}, or list the open clusters with GET /v1/clusters"
    )]
    ClusterDecided { id: String, decision: String },
    #[error("{0}")]
    InvalidDecision(String),
    #[error(
        "cluster '{id}' cannot be decided now: {why}; list the open clusters with GET /v1/clusters"
    )]
    StaleCluster { id: String, why: String },
    #[error("{0}")]
    DecisionConflict(String),
    #[error(
        "the search index is being rebuilt from the store ({lag} changes to go), so a search now would miss tickets; try again shortly, or list tickets without q"
    )]
    SearchNotReady { lag: u64 },
    #[error(
        "a search pages at most {window} results deep (offset {offset} + limit {limit}); narrow the query with more words, source, since or until"
    )]
    SearchTooDeep {
        offset: usize,
        limit: usize,
        window: usize,
    },
    #[error(
        "{pending} ticket writes are already in progress (the limit is {limit}); retry after {retry_after_s} s"
    )]
    Overloaded {
        pending: usize,
        limit: usize,
        retry_after_s: u32,
    },
    /// An export could not be written out.
    #[error("cannot write the export: {0}")]
    Export(std::io::Error),
    /// A reloaded scoring file is not valid; the one in use stays.
    #[error("{0}; the scoring file in use is unchanged")]
    InvalidScoring(String),
}

impl Classify for EngineError {
    fn class(&self) -> ErrorClass {
        use EngineError::*;
        match self {
            Store(e) => e.class(),
            Index(e) => e.class(),
            Recluster(e) => e.class(),
            Batch(e) => e.class(),
            DataDir { .. } => ErrorClass::Io,
            Spawn(_) => ErrorClass::Internal,
            JobRunning(_) => ErrorClass::Conflict,
            Locked(_) => ErrorClass::Conflict,
            InvalidTickets { .. } => ErrorClass::Invalid,
            NotFound { .. } => ErrorClass::NotFound,
            ClusterSuperseded { .. } => ErrorClass::Gone,
            ClusterDecided { .. } => ErrorClass::Gone,
            InvalidDecision(_) => ErrorClass::Invalid,
            StaleCluster { .. } => ErrorClass::Conflict,
            DecisionConflict(_) => ErrorClass::Conflict,
            SearchNotReady { .. } => ErrorClass::Unavailable,
            SearchTooDeep { .. } => ErrorClass::BadRequest,
            Overloaded { .. } => ErrorClass::Unavailable,
            InvalidScoring(_) => ErrorClass::Invalid,
            Export(_) => ErrorClass::Io,
        }
    }

    fn code(&self) -> &'static str {
        use EngineError::*;
        match self {
            Store(e) => e.code(),
            Index(e) => e.code(),
            Recluster(e) => e.code(),
            Batch(e) => e.code(),
            DataDir { .. } => "data-dir-unusable",
            Spawn(_) => "thread-spawn-failed",
            JobRunning(_) => "job-running",
            Locked(_) => "data-dir-locked",
            InvalidTickets { .. } => "invalid-tickets",
            NotFound { .. } => "not-found",
            ClusterSuperseded { .. } => "cluster-superseded",
            ClusterDecided { .. } => "cluster-decided",
            InvalidDecision(_) => "invalid-decision",
            StaleCluster { .. } => "cluster-stale",
            DecisionConflict(_) => "decision-conflict",
            SearchNotReady { .. } => "search-not-ready",
            SearchTooDeep { .. } => "search-too-deep",
            Overloaded { .. } => "overloaded",
            InvalidScoring(_) => "invalid-scoring",
            Export(_) => "export-failed",
        }
    }
}

impl EngineError {
    /// Seconds a client should wait before retrying, when that is the fix.
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            EngineError::Overloaded { retry_after_s, .. } => Some(*retry_after_s),
            EngineError::SearchNotReady { .. } => Some(2),
            _ => None,
        }
    }
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;
