//! The engine's jobs: the re-cluster pipeline run through the generic
//! runner, recorded in the store.

use std::sync::Arc;

use super::{Engine, EngineError, Result};
use crate::cluster::recluster::{ReclusterError, recluster};
use crate::jobs::{JobLog, Progress, RunError, StartError};
use crate::model::{Job, JobId, JobKind, JobResult};
use crate::store::{Store, StoreError};

/// Jobs recorded in the store's `jobs` table.
pub(super) struct StoreJobLog(pub(super) Arc<Store>);

impl JobLog for StoreJobLog {
    type Error = StoreError;

    fn save(&self, job: &Job) -> Result<(), StoreError> {
        self.0.save_job(job)
    }
}

/// Called with each re-cluster stage's name as it starts (before its
/// progress is recorded). For tests: hold a job running, or make it fail.
#[derive(Clone)]
pub struct StageHook(pub Arc<dyn Fn(&str) + Send + Sync>);

impl StageHook {
    pub fn new(f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        StageHook(Arc::new(f))
    }
}

/// Progress that calls the stage hook first.
struct Hooked<'a> {
    inner: &'a mut dyn Progress,
    hook: Option<&'a StageHook>,
}

impl Progress for Hooked<'_> {
    fn stage(&mut self, stage: &str, total: u64) {
        if let Some(hook) = self.hook {
            (hook.0)(stage);
        }
        self.inner.stage(stage, total);
    }

    fn advance(&mut self, done: u64) {
        self.inner.advance(done);
    }
}

impl Engine {
    /// The re-cluster as the runner's work: a closure over what it reads,
    /// not over the engine.
    fn recluster_work(
        &self,
    ) -> impl FnOnce(&JobId, &mut dyn Progress) -> Result<JobResult, ReclusterError> + Send + 'static
    {
        let store = self.store.clone();
        let analysis = self.analysis.clone();
        let analyzer = self.config.analyzer.clone();
        let params = self.config.cluster.clone();
        let hook = self.stage_hook.clone();
        let snapshots = !self.no_snapshots;
        let space = self.space.clone();
        let suggester = self.suggester.clone();
        let suggest = self.config.suggest.clone();
        move |id, progress| {
            let mut hooked = Hooked {
                inner: progress,
                hook: hook.as_ref(),
            };
            let (report, built) = recluster(&store, &analysis, &params, id, &mut hooked)?;
            if !snapshots {
                return Ok(JobResult::Recluster(report));
            }
            let built = Arc::new(built);
            *space
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(built.clone());
            // The re-cluster is committed: a failed snapshot is logged, not
            // reported as a failed job (the next decision rebuilds it).
            if let Err(e) = suggester.rebuild(&store, built, &analyzer, &suggest) {
                tracing::error!(error = %e, "suggest snapshot not rebuilt after the re-cluster");
            }
            Ok(JobResult::Recluster(report))
        }
    }

    fn start_error(&self, e: StartError<StoreError>) -> EngineError {
        match e {
            StartError::Busy(id) => match self.store.job(&id) {
                Ok(Some(job)) => EngineError::JobRunning(Box::new(job)),
                Ok(None) => EngineError::Store(StoreError::Corrupt(format!(
                    "job {id} holds the slot but is not recorded"
                ))),
                Err(e) => EngineError::Store(e),
            },
            StartError::Log(e) => EngineError::Store(e),
            StartError::Spawn(e) => EngineError::Spawn(e),
        }
    }

    /// Starts a re-cluster in the background and returns its job at once.
    ///
    /// # Errors
    /// [`EngineError::JobRunning`] with the running job when one is already
    /// queued or running; store errors.
    pub fn start_recluster(&self) -> Result<Job> {
        self.jobs
            .start(
                self.job_log.clone(),
                JobKind::Recluster,
                self.recluster_work(),
            )
            .map_err(|e| self.start_error(e))
    }

    /// Runs a re-cluster in this thread, telling `on_progress` of each
    /// change (for a progress bar), and records it as a job.
    ///
    /// # Errors
    /// What the re-cluster failed with; the previous clusters stay current.
    pub fn recluster_now(&self, on_progress: &mut dyn FnMut(&Job)) -> Result<Job> {
        let work = self.recluster_work();
        self.jobs
            .run_here(&*self.job_log, JobKind::Recluster, work, on_progress)
            .map_err(|e| match e {
                RunError::Start(e) => self.start_error(e),
                RunError::Failed(e) => EngineError::Recluster(e),
            })
    }
}
