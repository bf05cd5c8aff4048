//! A generic runner for long work: one job at a time, in a background
//! thread (or the caller's), its state and progress recorded through a
//! [`JobLog`] so that a client can follow it and a restart can tell that it
//! was interrupted.
//!
//! The runner knows nothing of what a job does, nor of the engine: the
//! work is a closure that reports through [`Progress`] and returns a
//! [`JobResult`]. Whatever happens to the work — success, an error, a
//! panic — the job ends `succeeded` or `failed` and the slot is freed, so a
//! defect in one re-cluster never blocks the next.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::model::{Job, JobId, JobKind, JobResult, JobState};

/// Where jobs are recorded (the store, in the engine).
pub trait JobLog: Send + Sync + 'static {
    type Error: std::error::Error + Send + Sync + 'static;

    /// Inserts or updates a job.
    ///
    /// # Errors
    /// The record could not be written.
    fn save(&self, job: &Job) -> Result<(), Self::Error>;
}

/// What a job tells about its progress.
pub trait Progress {
    /// A new stage starts, with `total` units of work (0 when unknown).
    fn stage(&mut self, stage: &str, total: u64);
    /// `done` units of the current stage are finished.
    fn advance(&mut self, done: u64);
}

/// How often progress within a stage is written to the log.
const SAVE_EVERY: Duration = Duration::from_millis(500);

/// Why a job could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError<E: std::error::Error + 'static> {
    #[error("job {0} is still queued or running")]
    Busy(JobId),
    #[error("cannot record the job: {0}")]
    Log(#[source] E),
    #[error("cannot start a thread for the job: {0}")]
    Spawn(#[source] std::io::Error),
}

/// The one slot for a queued or running job. Cheap to clone: clones share
/// the slot.
#[derive(Clone, Default)]
pub struct JobRunner {
    running: Arc<Mutex<Option<JobId>>>,
}

/// Frees the slot when the job ends, however it ends.
struct SlotGuard(Arc<Mutex<Option<JobId>>>);

impl Drop for SlotGuard {
    fn drop(&mut self) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

impl JobRunner {
    /// The job that holds the slot, if any.
    pub fn running(&self) -> Option<JobId> {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Takes the slot for a new job of `kind` and records it as `state`.
    fn claim<L: JobLog>(
        &self,
        log: &L,
        kind: JobKind,
        state: JobState,
    ) -> Result<(Job, SlotGuard), StartError<L::Error>> {
        let mut slot = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(id) = slot.as_ref() {
            return Err(StartError::Busy(id.clone()));
        }
        let mut job = Job::new(kind, now());
        job.state = state;
        if state == JobState::Running {
            job.started_at = Some(job.created_at);
        }
        log.save(&job).map_err(StartError::Log)?;
        *slot = Some(job.id.clone());
        Ok((job, SlotGuard(self.running.clone())))
    }

    /// Queues `work` as a new job and runs it in a background thread;
    /// returns the queued job at once.
    ///
    /// # Errors
    /// Another job holds the slot, the job cannot be recorded, or no
    /// thread can be started.
    pub fn start<L, W, E>(
        &self,
        log: Arc<L>,
        kind: JobKind,
        work: W,
    ) -> Result<Job, StartError<L::Error>>
    where
        L: JobLog,
        W: FnOnce(&JobId, &mut dyn Progress) -> Result<JobResult, E> + Send + 'static,
        E: std::fmt::Display,
    {
        let (job, guard) = self.claim(&*log, kind, JobState::Queued)?;
        let queued = job.clone();
        let span = tracing::info_span!("job", id = %job.id, kind = kind.as_str());
        std::thread::Builder::new()
            .name(kind.as_str().into())
            .spawn(move || {
                let _entered = span.enter();
                let _guard = guard;
                let mut job = job;
                job.state = JobState::Running;
                job.started_at = Some(now());
                // How it ended is recorded in the log, a panic included.
                let _ended = execute(&*log, job, work, &mut |_| {});
            })
            .map_err(StartError::Spawn)?;
        Ok(queued)
    }

    /// Runs `work` as a new job in this thread, telling `on_progress` of
    /// every change (for a progress bar). A panic in `work` is recorded as
    /// the job's failure, then resumed.
    ///
    /// # Errors
    /// [`RunError::Start`] when it could not start; [`RunError::Failed`]
    /// with the work's own error (the job is then recorded failed).
    pub fn run_here<L, W, E>(
        &self,
        log: &L,
        kind: JobKind,
        work: W,
        on_progress: &mut dyn FnMut(&Job),
    ) -> Result<Job, RunError<L::Error, E>>
    where
        L: JobLog,
        W: FnOnce(&JobId, &mut dyn Progress) -> Result<JobResult, E>,
        E: std::fmt::Display,
    {
        let (job, _guard) = self
            .claim(log, kind, JobState::Running)
            .map_err(RunError::Start)?;
        let (outcome, panic) = execute(log, job, work, on_progress);
        if let Some(panic) = panic {
            resume_unwind(panic);
        }
        outcome.map_err(RunError::Failed)
    }
}

/// Why a job run in the caller's thread did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum RunError<L: std::error::Error + 'static, E> {
    #[error(transparent)]
    Start(StartError<L>),
    #[error("{0}")]
    Failed(E),
}

type Panic = Box<dyn std::any::Any + Send>;

/// Runs the work, records how it ended, and hands back the outcome and any
/// panic (already recorded as the job's failure).
fn execute<L, W, E>(
    log: &L,
    job: Job,
    work: W,
    on_progress: &mut dyn FnMut(&Job),
) -> (Result<Job, E>, Option<Panic>)
where
    L: JobLog,
    W: FnOnce(&JobId, &mut dyn Progress) -> Result<JobResult, E>,
    E: std::fmt::Display,
{
    let id = job.id.clone();
    let mut tracker = Tracker {
        log,
        job,
        last_save: Instant::now(),
        on_progress,
    };
    tracker.save();
    tracing::info!(job = %id, "job started");
    let outcome = catch_unwind(AssertUnwindSafe(|| work(&id, &mut tracker)));
    let mut job = tracker.job;
    job.finished_at = Some(now());
    let (result, panic) = match outcome {
        Ok(Ok(result)) => {
            job.state = JobState::Succeeded;
            job.result = Some(result);
            tracing::info!(job = %id, "job succeeded");
            (Ok(()), None)
        }
        Ok(Err(e)) => {
            job.state = JobState::Failed;
            job.error = Some(e.to_string());
            tracing::error!(job = %id, error = %e, "job failed");
            (Err(e), None)
        }
        Err(panic) => {
            let message = panic_message(&*panic);
            job.state = JobState::Failed;
            job.error = Some(format!(
                "the job stopped on an internal error ({message}); this is a bug in refrain, the previous results stay current — start the job again, and report it if it recurs"
            ));
            tracing::error!(job = %id, panic = %message, "job panicked");
            (Ok(()), Some(panic))
        }
    };
    if let Err(e) = log.save(&job) {
        tracing::error!(job = %id, error = %e, "could not record the job's end");
    }
    (tracker.on_progress)(&job);
    (result.map(|()| job), panic)
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// Follows a job's progress and writes it to the log now and then.
struct Tracker<'a, L: JobLog> {
    log: &'a L,
    job: Job,
    last_save: Instant,
    on_progress: &'a mut dyn FnMut(&Job),
}

impl<L: JobLog> Tracker<'_, L> {
    fn save(&mut self) {
        self.last_save = Instant::now();
        if let Err(e) = self.log.save(&self.job) {
            tracing::warn!(error = %e, job = %self.job.id, "could not record job progress");
        }
        (self.on_progress)(&self.job);
    }
}

impl<L: JobLog> Progress for Tracker<'_, L> {
    fn stage(&mut self, stage: &str, total: u64) {
        self.job.stage = Some(stage.to_string());
        self.job.done = 0;
        self.job.total = total;
        self.save();
    }

    fn advance(&mut self, done: u64) {
        self.job.done = done;
        if self.last_save.elapsed() >= SAVE_EVERY {
            self.save();
        } else {
            (self.on_progress)(&self.job);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ReclusterReport;

    /// Jobs as saved, in memory.
    #[derive(Default)]
    struct MemoryLog(Mutex<Vec<Job>>);

    impl JobLog for MemoryLog {
        type Error = std::io::Error;
        fn save(&self, job: &Job) -> Result<(), std::io::Error> {
            let mut jobs = self.0.lock().expect("log");
            match jobs.iter_mut().find(|j| j.id == job.id) {
                Some(j) => *j = job.clone(),
                None => jobs.push(job.clone()),
            }
            Ok(())
        }
    }

    impl MemoryLog {
        fn get(&self, id: &JobId) -> Job {
            let jobs = self.0.lock().expect("log");
            jobs.iter().find(|j| &j.id == id).expect("saved").clone()
        }
    }

    fn report() -> JobResult {
        JobResult::Recluster(ReclusterReport {
            tickets: 1,
            attached: 0,
            clusters: 0,
            median_size: 0,
            unclustered: 1,
            clustered_share: 0.0,
            vocabulary: 0,
            timings: Default::default(),
        })
    }

    fn wait_free(runner: &JobRunner) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while runner.running().is_some() {
            assert!(Instant::now() < deadline, "the slot was never freed");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn a_panicking_job_is_failed_and_frees_the_slot() {
        let runner = JobRunner::default();
        let log = Arc::new(MemoryLog::default());
        let job = runner
            .start(log.clone(), JobKind::Recluster, |_, progress| {
                progress.stage("vectorizing", 10);
                if std::hint::black_box(true) {
                    panic!("injected failure");
                }
                Ok::<_, String>(report())
            })
            .expect("started");
        wait_free(&runner);
        let failed = log.get(&job.id);
        assert_eq!(failed.state, JobState::Failed);
        assert!(
            failed
                .error
                .as_deref()
                .unwrap_or("")
                .contains("injected failure"),
            "{failed:?}"
        );
        assert!(failed.finished_at.is_some());
        let next = runner
            .start(log.clone(), JobKind::Recluster, |_, _| {
                Ok::<_, String>(report())
            })
            .expect("the next job is accepted");
        wait_free(&runner);
        assert_eq!(log.get(&next.id).state, JobState::Succeeded);
    }

    #[test]
    fn one_job_at_a_time_and_errors_are_recorded() {
        let runner = JobRunner::default();
        let log = Arc::new(MemoryLog::default());
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let first = runner
            .start(log.clone(), JobKind::Recluster, move |_, _| {
                wait.recv().expect("released");
                Err::<JobResult, _>("the disk is full")
            })
            .expect("started");
        match runner.start(log.clone(), JobKind::Recluster, |_, _| {
            Ok::<_, String>(report())
        }) {
            Err(StartError::Busy(id)) => assert_eq!(id, first.id),
            other => panic!("expected busy, got {other:?}"),
        }
        release.send(()).expect("release");
        wait_free(&runner);
        let failed = log.get(&first.id);
        assert_eq!(failed.state, JobState::Failed);
        assert_eq!(failed.error.as_deref(), Some("the disk is full"));
    }

    #[test]
    fn run_here_reports_progress_and_returns_the_work_error() {
        let runner = JobRunner::default();
        let log = MemoryLog::default();
        let mut seen = Vec::new();
        let done = runner
            .run_here(
                &log,
                JobKind::Recluster,
                |_, p| {
                    p.stage("neighbors", 2);
                    p.advance(1);
                    Ok::<_, String>(report())
                },
                &mut |job| seen.push((job.state, job.done)),
            )
            .expect("succeeded");
        assert_eq!(done.state, JobState::Succeeded);
        assert!(seen.contains(&(JobState::Running, 1)), "{seen:?}");
        assert_eq!(seen.last(), Some(&(JobState::Succeeded, 1)));
        let failed = runner.run_here(
            &log,
            JobKind::Recluster,
            |_, _| Err::<JobResult, _>("no"),
            &mut |_| {},
        );
        assert!(matches!(failed, Err(RunError::Failed("no"))));
        assert!(runner.running().is_none());
    }
}
