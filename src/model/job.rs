//! Background jobs as the engine records them: kind, state, progress and
//! a typed result.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::JobId;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Re-cluster every ticket.
    Recluster,
}

/// Where a job is in its life. `Succeeded` and `Failed` are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
        }
    }

    /// # Errors
    /// The text names no state (a corrupt row).
    pub fn parse(text: &str) -> Result<Self, String> {
        [
            JobState::Queued,
            JobState::Running,
            JobState::Succeeded,
            JobState::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
        .ok_or_else(|| format!("unknown job state '{text}'"))
    }

    pub fn is_final(self) -> bool {
        matches!(self, JobState::Succeeded | JobState::Failed)
    }
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Recluster => "recluster",
        }
    }

    /// # Errors
    /// The text names no kind (a corrupt row).
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "recluster" => Ok(JobKind::Recluster),
            other => Err(format!("unknown job kind '{other}'")),
        }
    }
}

/// A job and how far it got.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: JobId,
    pub kind: JobKind,
    pub state: JobState,
    /// The stage running now (or last, once final).
    pub stage: Option<String>,
    /// Units of the current stage done, of `total`.
    pub done: u64,
    pub total: u64,
    pub created_at: OffsetDateTime,
    pub started_at: Option<OffsetDateTime>,
    pub finished_at: Option<OffsetDateTime>,
    /// Why it failed, said for a person.
    pub error: Option<String>,
    pub result: Option<JobResult>,
}

impl Job {
    /// A new job of `kind` created now; its id is the creation time in
    /// microseconds.
    pub fn new(kind: JobKind, now: OffsetDateTime) -> Job {
        Job {
            id: JobId::from_tail(now.unix_timestamp_nanos() / 1_000),
            kind,
            state: JobState::Queued,
            stage: None,
            done: 0,
            total: 0,
            created_at: now,
            started_at: None,
            finished_at: None,
            error: None,
            result: None,
        }
    }
}

/// What a finished job produced, by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum JobResult {
    Recluster(ReclusterReport),
}

/// What a finished re-cluster reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReclusterReport {
    pub tickets: usize,
    /// Undecided tickets attached to confirmed groups before clustering.
    #[serde(default)]
    pub attached: usize,
    pub clusters: usize,
    /// The median candidate's size: what counts as a small part later.
    #[serde(default)]
    pub median_size: usize,
    pub unclustered: usize,
    /// Share of tickets in some cluster.
    pub clustered_share: f64,
    pub vocabulary: usize,
    pub timings: ReclusterTimings,
}

/// Seconds spent per stage, rounded to milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReclusterTimings {
    pub vectorize_s: f64,
    pub neighbors_s: f64,
    pub communities_s: f64,
    pub summaries_s: f64,
    pub save_s: f64,
    pub total_s: f64,
}

/// Seconds since `since`, rounded to milliseconds, as timings report them.
pub fn seconds_since(since: std::time::Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_kinds_round_trip_as_text() {
        for s in [
            JobState::Queued,
            JobState::Running,
            JobState::Succeeded,
            JobState::Failed,
        ] {
            assert_eq!(JobState::parse(s.as_str()), Ok(s));
        }
        assert!(JobState::parse("done").is_err());
        assert_eq!(JobKind::parse("recluster"), Ok(JobKind::Recluster));
        assert!(JobState::Failed.is_final() && !JobState::Running.is_final());
    }

    #[test]
    fn a_new_job_is_queued_with_a_job_id() {
        let job = Job::new(
            JobKind::Recluster,
            time::macros::datetime!(2026-12-01 10:00 UTC),
        );
        assert_eq!(job.state, JobState::Queued);
        assert!(job.id.as_str().starts_with("job-"));
    }
}
