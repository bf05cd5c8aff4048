//! Re-cluster jobs: one at a time, in a background thread, with progress
//! kept in the store so that a client can follow it and a restart can tell
//! that it was interrupted.

mod recluster;

pub use recluster::{ReclusterReport, ReclusterTimings};

use std::sync::{Arc, Mutex};
use std::time::Instant;

use time::OffsetDateTime;

use crate::cluster::Stage;
use crate::engine::{Engine, EngineError};
use crate::store::JobRecord;

/// The job that is queued or running, if any.
#[derive(Default)]
pub struct JobSlot {
    running: Mutex<Option<String>>,
}

fn now_ns() -> i64 {
    crate::store::created_ns(OffsetDateTime::now_utc())
}

/// A re-cluster job that has just been created; its id is the creation
/// time in microseconds.
fn new_recluster_job(state: &str) -> JobRecord {
    JobRecord {
        id: format!(
            "job-{}",
            OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000
        ),
        kind: "recluster".into(),
        state: state.into(),
        stage: None,
        done: 0,
        total: 0,
        created_ns: now_ns(),
        started_ns: None,
        finished_ns: None,
        error: None,
        result: None,
    }
}

/// Follows a job's progress and writes it to the store now and then.
pub struct JobProgress<'a> {
    engine: &'a Engine,
    record: JobRecord,
    last_save: Instant,
}

impl JobProgress<'_> {
    /// A new stage starts, with `total` units of work.
    pub fn stage(&mut self, stage: Stage, total: u64) {
        self.record.stage = serde_json::to_value(stage)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string));
        self.record.done = 0;
        self.record.total = total;
        self.save();
    }

    /// `done` units of the current stage are finished.
    pub fn advance(&mut self, done: u64) {
        self.record.done = done;
        if self.last_save.elapsed().as_millis() >= 500 {
            self.save();
        }
    }

    fn save(&mut self) {
        self.last_save = Instant::now();
        if let Err(e) = self.engine.store().save_job(&self.record) {
            tracing::warn!(error = %e, job = %self.record.id, "could not record job progress");
        }
    }
}

impl Engine {
    /// Starts a re-cluster in the background and returns its job at once.
    ///
    /// # Errors
    /// [`EngineError::JobRunning`] with the running job when one is already
    /// queued or running; store errors.
    pub fn start_recluster(self: &Arc<Self>) -> Result<JobRecord, EngineError> {
        let mut slot = self
            .jobs()
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(id) = slot.as_ref()
            && let Some(job) = self.store().job(id)?
        {
            return Err(EngineError::JobRunning(Box::new(job)));
        }
        let record = new_recluster_job("queued");
        self.store().save_job(&record)?;
        *slot = Some(record.id.clone());
        drop(slot);
        let engine = self.clone();
        let queued = record.clone();
        std::thread::Builder::new()
            .name("recluster".into())
            .spawn(move || engine.run_job(queued))
            .map_err(|source| EngineError::DataDir {
                path: self.data_dir().to_path_buf(),
                source,
            })?;
        Ok(record)
    }

    /// Runs a re-cluster in this thread, reporting progress to `on_progress`
    /// (for the CLI), and records it as a job.
    ///
    /// # Errors
    /// What the re-cluster failed with; the previous clusters stay current.
    pub fn recluster_now(
        &self,
        on_progress: &mut dyn FnMut(&JobRecord),
    ) -> Result<JobRecord, EngineError> {
        let mut record = new_recluster_job("running");
        record.started_ns = Some(record.created_ns);
        self.finish_job(record, on_progress)
    }

    fn run_job(self: Arc<Self>, mut record: JobRecord) {
        record.state = "running".into();
        record.started_ns = Some(now_ns());
        let _ = self.finish_job(record, &mut |_| {});
        *self
            .jobs()
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    fn finish_job(
        &self,
        record: JobRecord,
        on_progress: &mut dyn FnMut(&JobRecord),
    ) -> Result<JobRecord, EngineError> {
        let id = record.id.clone();
        let mut progress = JobProgress {
            engine: self,
            record,
            last_save: Instant::now(),
        };
        progress.save();
        tracing::info!(job = %id, "re-cluster started");
        let outcome = self.recluster(&id, &mut progress, on_progress);
        let mut record = progress.record;
        record.finished_ns = Some(now_ns());
        let result = match outcome {
            Ok(report) => {
                record.state = "succeeded".into();
                record.result = serde_json::to_value(&report).ok();
                tracing::info!(job = %id, clusters = report.clusters, tickets = report.tickets, "re-cluster succeeded");
                Ok(())
            }
            Err(e) => {
                record.state = "failed".into();
                record.error = Some(e.to_string());
                tracing::error!(job = %id, error = %e, "re-cluster failed; the previous clusters stay current");
                Err(e)
            }
        };
        if let Err(e) = self.store().save_job(&record) {
            tracing::error!(job = %id, error = %e, "could not record the job's end");
        }
        on_progress(&record);
        result.map(|()| record)
    }
}
